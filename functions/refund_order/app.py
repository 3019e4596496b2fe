"""refund_order: refund lines of an order by line number and reason, by id or guest token; the refund
reasons (API.md, refund_order; the theatre API's refund guide, seeds/001, also in its own dialect at
`GET /v1/refund-reasons` and `POST /v1/orders/token-{token}/refunds`, for the key's own tenant).

A refund is all or nothing and happens once: one conditional transaction (with a ClientRequestToken)
guards every line, and `Idempotency-Key` replays the answer. The `token-<token>` route refunds only
self-service refundable lines, for self-service reasons.
"""

# No `from __future__ import annotations`: Powertools reads the route signatures at runtime.
from collections.abc import Callable
from typing import Annotated, Any

# orders_domain first: it makes the Powertools event handler load only the resolver used here.
from orders_domain import models
from orders_domain.dialects import theatre, theatre_schemas
from orders_domain.domain.errors import FieldError, ValidationFailed
from orders_domain.http.api import (
    ETAG_HEADER,
    REPLAYED_HEADER,
    Body,
    OrderRef,
    Path,
    RequestInfo,
    Response,
    TenantId,
    json_content,
    json_response,
)
from orders_domain.http.handler import FunctionApp
from orders_domain.http.idempotency import StoredResponse
from orders_domain.http.representation import order_headers, order_json
from orders_domain.models import Order
from orders_domain.models.refunds import (
    CouponCodeActionRequest,
    RefundReason,
    RefundReasonInput,
    RefundRequest,
    TheatreRefundRequest,
)
from orders_domain.runtime import wiring
from orders_domain.services.common import target_fingerprint

fn = FunctionApp()
app = fn.app
lambda_handler = fn.lambda_handler

ReasonName = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The reason's name.")]


def _reason_json(reason: RefundReason) -> dict[str, Any]:
    return reason.model_dump(mode="json")


@app.get(
    "/orders/<tenantId>/refund-reasons",
    summary="The refund reasons a refund may give",
    description="The nine guest self-service reasons of the theatre API, then the tenant's own. "
    "`self_service`: a guest may give it on the `token-<token>` route.",
    responses={
        200: {
            "description": '`{"refund_reasons": [...]}`.',
            # The envelope has no model of its own; its reasons are the PUT route's `RefundReason`.
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["refund_reasons"],
                        "additionalProperties": False,
                        "properties": {
                            "refund_reasons": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/RefundReason"},
                            }
                        },
                    }
                }
            },
        }
    },
    tags=["refunds"],
)
def refund_reasons(tenantId: TenantId) -> Response[str]:
    fn.caller(tenantId)
    reasons = wiring.current().refund_orders.reasons(tenantId)
    return json_response(200, {"refund_reasons": [_reason_json(r) for r in reasons]})


@app.put(
    "/orders/<tenantId>/refund-reasons/<name>",
    summary="Add or replace one of the tenant's own refund reasons (admin)",
    description="`self_service` false (the default): only the id route may give it. A built-in name: 409.",
    responses={200: {"description": "The reason.", "content": json_content(lambda: RefundReason)}},
    tags=["refunds"],
)
def put_refund_reason(
    tenantId: TenantId, name: ReasonName, reason: Annotated[RefundReasonInput, Body()]
) -> Response[str]:
    fn.caller(tenantId)
    stored = wiring.current().refund_orders.put_reason(tenantId, name, reason)
    return json_response(200, _reason_json(stored))


@app.post(
    "/orders/<tenantId>/<id>/refunds",
    summary="Refund lines of an order, all or nothing",
    description='`{"refund_reason_name", "line_numbers"}`: every fulfilled, not yet refunded unit of '
    "each line is refunded; each gets an appended refund line and the payment a `refunded` entry. "
    "Unknown reason or line: 422; a line that cannot be refunded: 409 naming it and why. "
    "`token-<token>`: self-service lines and reasons only. Optional `If-Match` and `Idempotency-Key`.",
    responses={
        200: {
            "description": "The order as it is now.",
            "headers": {"ETag": ETAG_HEADER, "Idempotent-Replayed": REPLAYED_HEADER},
            "content": json_content(lambda: models.OrderResponse),
        }
    },
    tags=["refunds"],
)
def refund_order(
    tenantId: TenantId, id: OrderRef, request: Annotated[RefundRequest, Body()]
) -> Response[str]:
    return _refund(fn.caller(tenantId), id, request, order_json)


def _refund(
    caller: RequestInfo, ref: str, request: RefundRequest, render: Callable[[Order], str]
) -> Response[str]:
    """Refund at most once per Idempotency-Key and answer the order as `render` writes it."""

    def write(actor: str, if_match: int | None, write_key: str | None) -> Order:
        return wiring.current().refund_orders.refund(
            caller.tenant_id, ref, request, actor=actor, if_match=if_match, write_key=write_key
        )

    return _refunded_once(caller, target_fingerprint(ref, request), write, render, "OrderRefund")


def _refunded_once(
    caller: RequestInfo,
    fingerprint: str,
    write: Callable[[str, int | None, str | None], Order],
    render: Callable[[Order], str],
    metric: str,
) -> Response[str]:
    """A refund's write, at most once per Idempotency-Key (`If-Match` honoured), answered with the
    order as `render` writes it and its ETag; `metric` counted."""

    def answer(order: Order) -> StoredResponse:
        fn.count(metric)
        return StoredResponse(status=200, body=render(order), headers=order_headers(order))

    return fn.write_once(caller, fingerprint, write, answer)


@app.post(
    "/orders/<tenantId>/<id>/coupon-codes/<couponCodeId>/actions",
    summary="An action on a coupon code the order used (admin): `refund` the lines it applied to",
    description='`{"action": "refund"}` (or seeds/003\'s `{"order_id", "coupon_code_id", "options": '
    '{"action": "refund", "batch_id", "ignore_payment_gateway_errors", '
    '"do_not_perform_electronic_refund"}}`): '
    "every refundable line the order's coupons of code `couponCodeId` applied to (their "
    "`order_line_item_ids`; none named: every line) is refunded through the one refund rule, reason "
    "`coupon_code_action`, all or nothing, once; the coupon usage rows follow through the stream. "
    "The order used no such code: 404; its lines are refunded already: 409 `already_refunded`; an "
    "unknown action: 400 naming the known ones. `batch_id` and the gateway flags are accepted and change "
    "nothing (no payment gateway here). Optional `If-Match` and `Idempotency-Key` (repeats replay).",
    responses={
        200: {
            "description": "The order as it is now.",
            "headers": {"ETag": ETAG_HEADER, "Idempotent-Replayed": REPLAYED_HEADER},
            "content": json_content(lambda: models.OrderResponse),
        }
    },
    tags=["refunds"],
)
def coupon_code_action(
    tenantId: TenantId,
    id: OrderRef,
    couponCodeId: Annotated[str, Path(min_length=1, max_length=200, description="The coupon code's id.")],
    request: Annotated[CouponCodeActionRequest, Body()],
) -> Response[str]:
    caller = fn.caller(tenantId)
    mismatched = [
        FieldError(name, f"must be the path's {value!r} when sent")
        for name, sent, value in (
            ("order_id", request.order_id, id),
            ("coupon_code_id", request.coupon_code_id, couponCodeId),
        )
        if sent is not None and sent != value
    ]
    if mismatched:
        raise ValidationFailed(
            "The body names another order or coupon code than the path.", errors=mismatched
        )
    request.resolved()  # one action there is: `refund`

    def write(actor: str, if_match: int | None, write_key: str | None) -> Order:
        return wiring.current().refund_orders.coupon_code_action(
            caller.tenant_id, id, couponCodeId, actor=actor, if_match=if_match, write_key=write_key
        )

    fingerprint = target_fingerprint(f"{id}\n{couponCodeId}", request)
    return _refunded_once(caller, fingerprint, write, order_json, "CouponCodeRefund")


@app.get(
    "/v1/refund-reasons",
    summary="The theatre API's refund reasons (seeds/001)",
    description="`refundReasons[{description, name, typeDescription}]`: the nine guest self-service "
    "reasons, then the tenant's own; `_links.self`. The tenant is the key's.",
    responses={
        200: {
            "description": "The reasons.",
            "content": {"application/json": {"schema": theatre_schemas.REASONS_SCHEMA}},
        }
    },
    tags=["theatre"],
)
def theatre_refund_reasons() -> Response[str]:
    caller = fn.key_caller()
    reasons = wiring.current().refund_orders.reasons(caller.tenant_id)
    return json_response(200, theatre.reasons_view(reasons, fn.base_url()))


@app.post(
    "/v1/orders/<id>/refunds",
    summary="The theatre API's refund (seeds/001): `refundReasonName`, `lineNumbers`",
    description="The same refund as `POST /orders/{tenantId}/{id}/refunds` (all or nothing, once); "
    "`token-<token>`: self-service lines and reasons only. The answer is the theatre order. Optional "
    "`If-Match` and `Idempotency-Key`. The tenant is the key's.",
    responses={
        200: {
            "description": "The order in the theatre API's shape.",
            "headers": {"ETag": ETAG_HEADER, "Idempotent-Replayed": REPLAYED_HEADER},
            "content": {"application/json": {"schema": theatre_schemas.ORDER_SCHEMA}},
        }
    },
    tags=["theatre"],
)
def theatre_refund(id: OrderRef, request: Annotated[TheatreRefundRequest, Body()]) -> Response[str]:
    return _refund(fn.key_caller(), id, request.domain(), theatre.order_text(fn.base_url()))
