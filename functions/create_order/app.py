"""create_order: POST /orders/{tenantId} (create) and POST /orders/{tenantId}/preview (price only),
with the preview's reads of the catalogue (`availability`, `preview/price`, `preview/eligibility`);
the distribution API's `POST /distribution/orders` (seeds/004, JSON or XML) over the same create."""

# No `from __future__ import annotations`: Powertools reads the route signatures at runtime.
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

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
    OpenAPIResponse,
    Response,
    TenantId,
    json_content,
    json_response,
)
from orders_domain.http.handler import FunctionApp
from orders_domain.http.idempotency import StoredResponse
from orders_domain.http.representation import order_body, order_headers, order_json
from orders_domain.models import OrderCreateRequest
from orders_domain.models.overrides import OverrideManifest, OverrideRequest
from orders_domain.runtime import wiring
from orders_domain.services import create_fingerprint
from orders_domain.services.common import request_fingerprint
from orders_domain.services.create import CreateResult

# Every request of this function validates an OrderCreateRequest: build its schema now, once. Left
# deferred, it is generated twice on a cold start (inside the body model Powertools wraps around
# it, then again on its own first dump).
OrderCreateRequest.model_rebuild()

if TYPE_CHECKING:
    from orders_domain.services.checkout import Preview


def _checkout_model(name: str) -> Callable[[], Any]:
    """A response model of the catalogue's reads, imported only where the document is generated: the
    catalogue's models are not built on this function's cold start."""
    return lambda: getattr(importlib.import_module("orders_domain.models.checkout"), name)


fn = FunctionApp()
app = fn.app
lambda_handler = fn.lambda_handler

_CREATED: dict[int, OpenAPIResponse] = {
    201: {
        "description": "Created; `Location` names the new order, `ETag` is its version.",
        "headers": {"Location": LOCATION_HEADER, "ETag": ETAG_HEADER, "Idempotent-Replayed": REPLAYED_HEADER},
        "content": json_content(lambda: models.OrderResponse),
    }
}


@app.post(
    "/orders/<tenantId>",
    summary="Create an order",
    description=(
        "The server sets id, number, token, status, every money total and sys_* fields. "
        "Send `Idempotency-Key` (or `duplicate_prevention_key`) to make retries safe."
    ),
    responses=_CREATED,
    tags=["orders"],
)
def create_order(tenantId: TenantId, order: Annotated[OrderCreateRequest, Body()]) -> Response[str]:
    return _create(tenantId, order, create_fingerprint(order), fn.request_path())


@app.post(
    "/orders/<tenantId>/override",
    summary="Create an order with lines overridden by an admin (admin)",
    description="`{order, override_manifest: {line_items: [{order_line_item_id, override_unit_price, "
    "override_quantity, override_total}]}}`: the order as `POST /orders/{tenantId}` creates it, each "
    "named line's unit price, quantity (stock and vouchers follow it) or total (before coupons and taxes; "
    "whole minor units per unit) set by the admin instead of the catalogue or the client. The order "
    "keeps `override` (the key that did it, each line's original figures and what was set); its "
    "history and events carry it. Every money rule still holds. `orders:admin` only. Optional "
    "`Idempotency-Key`.",
    responses=_CREATED,
    tags=["orders"],
)
def create_overridden_order(tenantId: TenantId, request: Annotated[OverrideRequest, Body()]) -> Response[str]:
    fingerprint = request_fingerprint(request, exclude={"order": {"duplicate_prevention_key"}})
    location_base = fn.request_path().removesuffix("/override")
    return _create(tenantId, request.order, fingerprint, location_base, request.override_manifest)


def _create(
    tenant_id: str,
    order: OrderCreateRequest,
    fingerprint: str,
    location_base: str,
    override: OverrideManifest | None = None,
) -> Response[str]:
    """Create the order (with an admin's override) at most once per Idempotency-Key; answer 201."""
    caller = fn.caller(tenant_id)
    key = fn.idempotency_key(order.duplicate_prevention_key)

    def create() -> StoredResponse:
        result = wiring.current().create_orders.create(
            order,
            tenant_id=tenant_id,
            actor=caller.principal.key_id,
            idempotency_key=key,
            fingerprint=fingerprint,
            override=override,
        )
        return _created(result, order_json(result.order), location_base)

    return fn.idempotent(tenant_id=tenant_id, key=key, fingerprint=fingerprint, operation=create)


@app.post(
    "/orders/<tenantId>/override/preview",
    summary="Price an order with lines overridden by an admin, without saving it (admin)",
    description="The body of `POST .../override`, answered as `POST .../preview` answers (the manifest, "
    "the order with its `override`, the products, `line_item_mappings`). Nothing is saved or reserved.",
    responses={
        200: {
            "description": "The manifest and the computed order.",
            "content": json_content(lambda: models.PreviewResponse),
        }
    },
    tags=["orders"],
)
def preview_overridden_order(
    tenantId: TenantId, request: Annotated[OverrideRequest, Body()]
) -> Response[str]:
    caller = fn.caller(tenantId)
    preview = wiring.current().check_orders.preview(
        request.order, tenant_id=tenantId, actor=caller.principal.key_id, override=request.override_manifest
    )
    return json_response(200, _preview_body(preview))


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
    'nothing saved or reserved: `{"manifest", "order", "products", "line_item_mappings"}`. '
    "The manifest has `errors` (`SOLD_OUT`, `INELIGIBLE`, `UNKNOWN_PRODUCT`, "
    "`NO_DEFAULT_SHIPPING_PRODUCT`: what a create would refuse for the order's state), `shipping_options` "
    "(a shippable order), the bill-to party's `open_credits` and `open_credit_balance` (unless "
    "`do_not_apply_open_credits`), `product_availability`, `payments_due` and what is due at checkout "
    "(less the open credits). The order has no id, number, token or links.",
    responses={
        200: {
            "description": "The manifest, the computed order, the catalogue products it names, and each "
            "request line's `order_line_item_id`.",
            "content": json_content(lambda: models.PreviewResponse),
        }
    },
    tags=["orders"],
)
def preview_order(tenantId: TenantId, order: Annotated[OrderCreateRequest, Body()]) -> Response[str]:
    caller = fn.caller(tenantId)
    preview = wiring.current().check_orders.preview(order, tenant_id=tenantId, actor=caller.principal.key_id)
    return json_response(200, _preview_body(preview))


def _preview_body(preview: "Preview") -> dict[str, Any]:
    """A preview's answer: the order without its placeholders (id, number, token, links)."""
    body: dict[str, Any] = {
        "manifest": preview.priced.manifest.model_dump(mode="python"),
        "order": order_body(preview.priced.order),
        "products": [p.model_dump(mode="python") for p in preview.products],
        "line_item_mappings": preview.line_item_mappings,
    }
    for placeholder in ("id", "number", "token", "_links"):
        body["order"].pop(placeholder, None)
    return body


@app.post(
    "/orders/<tenantId>/availability",
    summary="How available an unplaced order's products are (a read)",
    description="The body of `POST /orders/{tenantId}`: each line naming a product the catalogue holds, "
    "with `status` `OK`, `LOW` (fewer than the product's low-stock threshold would be left) or `SOLD_OUT` "
    "(fewer left than the order asks of it, its lines' units summed). Nothing is reserved.",
    responses={
        200: {
            "description": "`{product_availability: [{order_line_item_id, line_number, status}]}`.",
            "content": json_content(_checkout_model("AvailabilityResponse")),
        }
    },
    tags=["orders"],
)
def order_availability(tenantId: TenantId, order: Annotated[OrderCreateRequest, Body()]) -> Response[str]:
    fn.caller(tenantId)
    lines = wiring.current().check_orders.availability(order, tenant_id=tenantId)
    return json_response(200, {"product_availability": [line.model_dump() for line in lines]})


@app.post(
    "/orders/<tenantId>/preview/price",
    summary="The price of an unplaced order (a read)",
    description="`{price}`: the order's `total` as it would be placed (catalogue prices included). "
    "Nothing is saved or reserved.",
    responses={200: {"description": "`{price}`.", "content": json_content(_checkout_model("PriceResponse"))}},
    tags=["orders"],
)
def preview_price(tenantId: TenantId, order: Annotated[OrderCreateRequest, Body()]) -> Response[str]:
    caller = fn.caller(tenantId)
    price = wiring.current().check_orders.price(order, tenant_id=tenantId, actor=caller.principal.key_id)
    return json_response(200, {"price": price})


@app.post(
    "/orders/<tenantId>/preview/eligibility",
    summary="Whether the order's customer may buy what it names (a read)",
    description="`{eligible, reason}`: the bill-to party against each catalogue product the lines name "
    "(eligible when a product has no rule, or the party's type is in its `customer_types` and its id in "
    "its `customer_ids`, each when given); `reason` names the first product it may not buy.",
    responses={
        200: {
            "description": "`{eligible, reason}`.",
            "content": json_content(_checkout_model("EligibilityResponse")),
        }
    },
    tags=["orders"],
)
def preview_eligibility(tenantId: TenantId, order: Annotated[OrderCreateRequest, Body()]) -> Response[str]:
    fn.caller(tenantId)
    reason = wiring.current().check_orders.eligibility(order, tenant_id=tenantId)
    return json_response(200, {"eligible": reason is None, "reason": reason})


@app.post(
    "/distribution/orders",
    summary="The distribution API's place order (seeds/004), JSON or XML",
    description='`{"order": {"order_number", "customer_name", "items": [{"offer_id", "quantity", '
    '"price"}], "shipping_address", "application_id"}}` or `<order>...</order>`. `order_number` is '
    "unique per tenant, for ever: the same number with the same order replays the first answer "
    "(`Idempotent-Replayed: true`), with another it is a 409. `price` (ours) is the unit price: "
    "left out, the catalogue's price of the offer (product type `offer`; 0 for an offer the catalogue "
    "does not hold); sent, it must be the catalogue's. Deal and gift-card offers answer `vouchers`. "
    "The answer follows `Accept`. The tenant is the key's.",
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
        with distribution_requests.in_dialect_terms():
            result = wiring.current().create_orders.create(
                request,
                tenant_id=tenant_id,
                actor=caller.principal.key_id,
                fingerprint=fingerprint,
                order_number=number,
                unknown_price=distribution_requests.UNKNOWN_OFFER_PRICE,
            )
        return _created(result, dumps(distribution.order_view(result.order)), location_base)

    try:
        # The order number is the request's idempotency key: a retry within the key's lifetime
        # replays the stored answer; later, the order id derived from the number finds the order.
        return fn.idempotent(tenant_id=tenant_id, key=number, fingerprint=fingerprint, operation=create)
    except IdempotencyKeyReused as reused:
        raise OrderNumberTaken(f"The order number {number} names another order of this account.") from reused
