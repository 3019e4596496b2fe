"""will_call_check: what of an order can be picked up and refunded now, by id or `token-<token>`
(API.md, will_call_check; the theatre API's will-call check, seeds/001, also in its own dialect at
`GET /v1/orders/token-{token}/will-call-check`, for the key's own tenant).

Every goods line with `picked_up`, `refundable` and `self_service_refundable`, and a reason where a
flag is false; the answers come from the lifecycle module. A read: one GetItem (a token, one Query
on by-token first).
"""

# No `from __future__ import annotations`: Powertools reads the route signatures at runtime.
from typing import Any

# orders_domain first: it makes the Powertools event handler load only the resolver used here.
from orders_domain.dialects import theatre, theatre_schemas
from orders_domain.domain import refundability
from orders_domain.http.api import OrderRef, Response, TenantId, json_content, json_response
from orders_domain.http.handler import FunctionApp
from orders_domain.models.responses import WillCallCheck
from orders_domain.runtime import wiring

fn = FunctionApp()
app = fn.app
lambda_handler = fn.lambda_handler


@fn.fast
@app.get(
    "/orders/<tenantId>/<id>/will-call-check",
    summary="Will-call check: what can be picked up and refunded now",
    description="Per goods line: `line_number`, `picked_up`, `refundable`, `non_refundable_reason`, "
    "`self_service_refundable`, `non_self_service_refundable_reason` (a reason only where its flag "
    "is false: already refunded, not fulfilled — cancel it instead, cancelled, picked up, order "
    "voided). `{id}` may be `token-<token>` (the guest's lookup). `_links`: `self`, `refund`.",
    responses={200: {"description": "The check.", "content": json_content(lambda: WillCallCheck)}},
    tags=["refunds"],
)
def will_call_check(tenantId: TenantId, id: OrderRef) -> Response[str]:
    fn.caller(tenantId)
    order = wiring.current().read_orders.get(tenantId, id)
    base = f"/orders/{tenantId}/{id}"
    body: dict[str, Any] = {
        "line_items": refundability.will_call_lines(order),
        "_links": {"self": {"href": f"{base}/will-call-check"}, "refund": {"href": f"{base}/refunds"}},
    }
    return json_response(200, body)


@fn.fast
@app.get(
    "/v1/orders/<id>/will-call-check",
    summary="The theatre API's will-call check (seeds/001)",
    description="`lineItems[{lineNumber, pickedUp, refundable, nonRefundableReason, selfServiceRefundable, "
    "nonSelfServiceRefundableReason}]` and `_links` (`self`, `refund`, absolute). `{id}`: "
    "`token-<token>` (or the order id). The tenant is the key's.",
    responses={
        200: {
            "description": "The check.",
            "content": {"application/json": {"schema": theatre_schemas.WILL_CALL_SCHEMA}},
        }
    },
    tags=["theatre"],
)
def theatre_will_call_check(id: OrderRef) -> Response[str]:
    caller = fn.key_caller()
    order = wiring.current().read_orders.get(caller.tenant_id, id)
    return json_response(200, theatre.will_call_view(order, id, fn.base_url()))
