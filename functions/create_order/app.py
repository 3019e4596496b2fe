"""create_order: POST /orders/{tenantId} (create) and POST /orders/{tenantId}/preview (price only);
the distribution API's `POST /distribution/orders` (seeds/004, JSON or XML) over the same create."""

# No `from __future__ import annotations`: Powertools reads the route signatures at runtime.
from typing import Annotated, Any

# orders_domain first: it makes the Powertools event handler load only the resolver used here.
from orders_domain import models
from orders_domain.dialects import distribution, distribution_requests
from orders_domain.domain.errors import IdempotencyKeyReused, OrderNumberTaken
from orders_domain.domain.jsonio import dumps
from orders_domain.http.api import (
    ETAG_HEADER,
    LOCATION_HEADER,
    REPLAYED_HEADER,
    Body,
    Response,
    TenantId,
    json_content,
    json_response,
)
from orders_domain.http.handler import FunctionApp
from orders_domain.http.idempotency import StoredResponse
from orders_domain.http.representation import order_body, order_headers, order_json
from orders_domain.models import OrderCreateRequest
from orders_domain.runtime import wiring
from orders_domain.services import create_fingerprint
from orders_domain.services.create import CreateResult

# Every request of this function validates an OrderCreateRequest: build its schema now, once. Left
# deferred, it is generated twice on a cold start (inside the body model Powertools wraps around
# it, then again on its own first dump).
OrderCreateRequest.model_rebuild()

fn = FunctionApp()
app = fn.app
lambda_handler = fn.lambda_handler


@app.post(
    "/orders/<tenantId>",
    summary="Create an order",
    description=(
        "The server sets id, number, token, status, every money total and sys_* fields. "
        "Send `Idempotency-Key` (or `duplicate_prevention_key`) to make retries safe."
    ),
    responses={
        201: {
            "description": "Created; `Location` names the new order, `ETag` is its version.",
            "headers": {
                "Location": LOCATION_HEADER,
                "ETag": ETAG_HEADER,
                "Idempotent-Replayed": REPLAYED_HEADER,
            },
            "content": json_content(lambda: models.OrderResponse),
        }
    },
    tags=["orders"],
)
def create_order(tenantId: TenantId, order: Annotated[OrderCreateRequest, Body()]) -> Response[str]:
    caller = fn.caller(tenantId)
    key = fn.idempotency_key(order.duplicate_prevention_key)
    fingerprint = create_fingerprint(order)
    location_base = fn.request_path()

    def create() -> StoredResponse:
        result = wiring.current().create_orders.create(
            order,
            tenant_id=tenantId,
            actor=caller.principal.key_id,
            idempotency_key=key,
            fingerprint=fingerprint,
        )
        return _created(result, order_json(result.order), location_base)

    return fn.idempotent(tenant_id=tenantId, key=key, fingerprint=fingerprint, operation=create)


def _created(result: CreateResult, body: str, location_base: str) -> StoredResponse:
    """A create's answer: 201, the order as `body`, `ETag` and `Location` (counted once, not on a replay)."""
    if not result.replayed:
        fn.logger.info(
            "order created", extra={"order_id": result.order.id, "tenant_id": result.order.tenant_id}
        )
        fn.count("OrderCreated")
    headers = order_headers(result.order, location_base=location_base)
    return StoredResponse(status=201, body=body, headers=headers, replayed=result.replayed)


@app.post(
    "/orders/<tenantId>/preview",
    summary="Price an order without saving it",
    description="The body of `POST /orders/{tenantId}`, priced and checked as a create would be, and "
    'nothing saved: `{"manifest": {"errors", "payments_due", "total_amount_due_at_checkout", ...}, '
    '"order": {...}}`, the order without id, number, token or links.',
    responses={
        200: {
            "description": "The manifest of what is due and the computed order (no id, number or token).",
            "content": json_content(lambda: models.PreviewResponse),
        }
    },
    tags=["orders"],
)
def preview_order(tenantId: TenantId, order: Annotated[OrderCreateRequest, Body()]) -> Response[str]:
    caller = fn.caller(tenantId)
    priced = wiring.current().create_orders.preview(order, tenant_id=tenantId, actor=caller.principal.key_id)
    body: dict[str, Any] = {
        "manifest": priced.manifest.model_dump(mode="python"),
        "order": order_body(priced.order),
    }
    for placeholder in ("id", "number", "token", "_links"):
        body["order"].pop(placeholder, None)
    return json_response(200, body)


@app.post(
    "/distribution/orders",
    summary="The distribution API's place order (seeds/004), JSON or XML",
    description='`{"order": {"order_number", "customer_name", "items": [{"offer_id", "quantity", '
    '"price"}], "shipping_address", "application_id"}}` or `<order>...</order>`. `order_number` is '
    "unique per tenant, for ever: the same number with the same order replays the first answer "
    "(`Idempotent-Replayed: true`), with another it is a 409. `price` (ours) is the unit price, 0 when "
    "left out. The answer follows `Accept`. The tenant is the key's.",
    responses={
        201: {
            "description": "The order, as `GET /distribution/orders/{id}` shows it.",
            "headers": {
                "ETag": ETAG_HEADER,
                "Location": LOCATION_HEADER,
                "Idempotent-Replayed": REPLAYED_HEADER,
            },
            "content": {"application/json": {"schema": distribution.ORDER_SCHEMA}},
        }
    },
    tags=["distribution"],
)
def place_distribution_order(placed: Annotated[distribution_requests.PlaceOrder, Body()]) -> Response[str]:
    caller = fn.key_caller()
    tenant_id = caller.tenant_id
    number = placed.order.order_number
    request = distribution_requests.create_request(placed.order)
    fingerprint = create_fingerprint(request)
    location_base = fn.request_path()

    def create() -> StoredResponse:
        result = wiring.current().create_orders.create(
            request,
            tenant_id=tenant_id,
            actor=caller.principal.key_id,
            fingerprint=fingerprint,
            order_number=number,
        )
        return _created(result, dumps(distribution.order_view(result.order)), location_base)

    try:
        # The order number is the request's idempotency key: a retry within the key's lifetime
        # replays the stored answer; later, the order id derived from the number finds the order.
        return fn.idempotent(tenant_id=tenant_id, key=number, fingerprint=fingerprint, operation=create)
    except IdempotencyKeyReused as reused:
        raise OrderNumberTaken(f"The order number {number} names another order of this account.") from reused
