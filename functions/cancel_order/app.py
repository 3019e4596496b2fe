"""cancel_order: cancel an order, whole or in part; void and close it (API.md, cancel_order); the
distribution API's `PUT /distribution/orders/{id}` with `{"order": {"status": "cancelled"}}`
(seeds/004, JSON or XML), a cancel of the whole order through the same rule.

Cancel voids what the cancelled units cost from the pending payment; fulfilled units cannot be
cancelled (409: refund them). Void (admin) annuls the order; close (admin) leaves it open to refunds
only. Each is one conditional write through the order write loop; optional `If-Match` and
`Idempotency-Key`.
"""

# No `from __future__ import annotations`: Powertools reads the route signatures at runtime.
from collections.abc import Callable
from typing import Annotated

# orders_domain first: it makes the Powertools event handler load only the resolver used here.
from orders_domain import models
from orders_domain.dialects import distribution, distribution_requests
from orders_domain.domain import lifecycle, status_words
from orders_domain.http.api import (
    ETAG_HEADER,
    REPLAYED_HEADER,
    Body,
    OpenAPIResponse,
    OrderRef,
    Response,
    TenantId,
    json_content,
    json_response,
)
from orders_domain.http.handler import FunctionApp
from orders_domain.http.idempotency import StoredResponse
from orders_domain.http.representation import order_headers, order_json
from orders_domain.models import Order
from orders_domain.models.fulfillments import CancelRequest
from orders_domain.runtime import wiring
from orders_domain.services.common import target_fingerprint

fn = FunctionApp()
app = fn.app
lambda_handler = fn.lambda_handler

_ORDER_ANSWER: dict[int, OpenAPIResponse] = {
    200: {
        "description": "The order as it is now; `ETag` is its new version.",
        "headers": {"ETag": ETAG_HEADER, "Idempotent-Replayed": REPLAYED_HEADER},
        "content": json_content(lambda: models.OrderResponse),
    }
}


def _once(
    tenant_id: str, fingerprint: str, metric: str, change: Callable[[str, int | None, str | None], Order]
) -> Response[str]:
    """Run `change(actor, if_match, write_key)` at most once per Idempotency-Key; answer the order."""

    def answer(order: Order) -> StoredResponse:
        fn.count(metric)
        return StoredResponse(status=200, body=order_json(order), headers=order_headers(order))

    return fn.write_once(fn.caller(tenant_id), fingerprint, change, answer)


@app.post(
    "/orders/<tenantId>/<id>/cancel",
    summary="Cancel an order, whole or in part",
    description="No body: every unit not yet fulfilled is cancelled and its pending payment voided. "
    "`items`: cancel `quantity` units per line. Fulfilled units cannot be cancelled (409: refund "
    "them). `reason` is accepted and not stored.",
    responses=_ORDER_ANSWER,
    tags=["orders"],
)
def cancel_order(
    tenantId: TenantId, id: OrderRef, request: Annotated[CancelRequest | None, Body()] = None
) -> Response[str]:
    service = wiring.current().fulfil_orders
    return _once(
        tenantId,
        target_fingerprint(id, request or CancelRequest()),
        "OrderCancel",
        lambda actor, if_match, write_key: service.cancel(
            tenantId, id, request, actor=actor, if_match=if_match, write_key=write_key
        ),
    )


@app.post(
    "/orders/<tenantId>/void/<id>",
    summary="Void an order (admin)",
    description="The order is annulled: open units cancelled, every payment `voided`, every amount 0, "
    "status `voided`; nothing may change it afterwards. Not once refunds were made (409).",
    responses=_ORDER_ANSWER,
    tags=["orders"],
)
def void_order(tenantId: TenantId, id: OrderRef) -> Response[str]:
    service = wiring.current().fulfil_orders
    return _once(
        tenantId,
        target_fingerprint(id, CancelRequest()),
        "OrderVoid",
        lambda actor, if_match, write_key: service.void(
            tenantId, id, actor=actor, if_match=if_match, write_key=write_key
        ),
    )


@app.post(
    "/orders/<tenantId>/close/<id>",
    summary="Close an order (admin)",
    description="Status `closed`: only refunds may change it afterwards. Only a settled order (every "
    "line fulfilled, refunded or cancelled; else 409).",
    responses=_ORDER_ANSWER,
    tags=["orders"],
)
def close_order(tenantId: TenantId, id: OrderRef) -> Response[str]:
    service = wiring.current().fulfil_orders
    return _once(
        tenantId,
        target_fingerprint(id, CancelRequest()),
        "OrderClose",
        lambda actor, if_match, write_key: service.close(
            tenantId, id, actor=actor, if_match=if_match, write_key=write_key
        ),
    )


@app.put(
    "/distribution/orders/<id>",
    summary="The distribution API's cancel (seeds/004): send the status, JSON or XML",
    description='`{"order": {"status": "cancelled"}}`: every unit is cancelled through the cancel rule '
    "(409 once anything was fulfilled: refund it); sent again, the cancelled order is answered. "
    "`active` leaves an active order as it is (a cancelled one cannot be made active: 409). Only "
    "`status` may be sent. The tenant is the key's.",
    responses={
        200: {
            "description": "The order, as `GET /distribution/orders/{id}` shows it.",
            "headers": {"ETag": ETAG_HEADER},
            "content": {"application/json": {"schema": distribution.ORDER_SCHEMA}},
        }
    },
    tags=["distribution"],
)
def change_distribution_order(
    id: OrderRef, change: Annotated[distribution_requests.ChangeOrder, Body()]
) -> Response[str]:
    caller = fn.key_caller()
    ports = wiring.current()
    if change.order.status == status_words.DISTRIBUTION_CANCELLED:
        order = ports.fulfil_orders.cancel_whole(caller.tenant_id, id, actor=caller.principal.key_id)
        fn.count("OrderCancel")
    else:
        order = ports.read_orders.get(caller.tenant_id, id, consistent=True)
        if lifecycle.is_annulled(lifecycle.OrderStatus(order.status)):
            raise lifecycle.OrderStateConflict("A cancelled order cannot be made active again.")
    shipped = ports.fulfil_orders.shipped_records(caller.tenant_id, order)
    return json_response(200, distribution.order_view(order, shipped), headers=order_headers(order))
