"""catalogue: the tenant's catalogue as its admin keeps it, and customers' open credits (API.md,
catalogue): products by `(productType, productId)` with their stock, shipping products, the
catalogue's settings (`strict`), and open credits granted to a contact or organization.

Writes are admin (`orders:admin`), reads `orders:read`. A product's PUT replaces it whole, its stock
included (the units left to sell from now on); an order's create takes stock in its own transaction
and a cancel gives it back (create_order, cancel_order). The list is a Query on the tenant's
catalogue partition, paged with signed tokens; a credit grant happens once per `Idempotency-Key`.
"""

# No `from __future__ import annotations`: Powertools reads the route signatures at runtime.
from typing import Annotated, Any

from orders_domain.domain import jsonio

# orders_domain first: it makes the Powertools event handler load only the resolver used here.
from orders_domain.http.api import (
    REPLAYED_HEADER,
    Body,
    Path,
    Query,
    Response,
    TenantId,
    json_content,
    json_response,
)
from orders_domain.http.handler import FunctionApp
from orders_domain.http.idempotency import StoredResponse
from orders_domain.models.catalogue import (
    CatalogueSettings,
    CreditInput,
    CreditList,
    OpenCredit,
    Product,
    ProductInput,
    ProductPage,
    ShippingInput,
    ShippingList,
    ShippingProduct,
)
from orders_domain.models.checkout import DescribeRequest, DescribeResponse
from orders_domain.runtime import wiring
from orders_domain.services.common import request_fingerprint, utcnow

fn = FunctionApp()
app = fn.app
lambda_handler = fn.lambda_handler

_ID = r"^[A-Za-z0-9_.-]{1,64}$"
ProductType = Annotated[
    str, Path(pattern=_ID, description="The product's type (`offer`: a distribution offer).")
]
ProductId = Annotated[str, Path(pattern=_ID, description="The product's id within its type.")]
ShippingId = Annotated[str, Path(pattern=_ID, description="The shipping product's id.")]
CustomerType = Annotated[
    str, Path(pattern="^(contact|organization)$", description="`contact` or `organization`.")
]
CustomerId = Annotated[
    str, Path(min_length=1, max_length=200, description="The contact's or organization's id.")
]
Limit = Annotated[int, Query(ge=1, le=100, description="Products per page.")]
StartKey = Annotated[
    str | None,
    Query(max_length=1024, description="`LastEvaluatedKey` of the previous page of this same request."),
]
_TOKEN_KIND = "catalogue"  # noqa: S105 - the kind of page token, not a secret


def _body(model: Any) -> dict[str, Any]:
    return dict(model.model_dump())


@app.put(
    "/orders/<tenantId>/catalogue/products/<productType>/<productId>",
    summary="Add or replace a catalogue product (admin)",
    description="The whole product: name, `unit_price` and `currency_code` (whole minor units), `stock` "
    "(units left to sell, 0..1,000,000,000; null or absent: unlimited), `offer_kind`, options with price "
    "deltas, eligibility, `release_stock_on_refund`. A PUT sets the stock to what it says: sales since "
    "the admin's last read are not added back. Answers the product with `stock_available`.",
    responses={200: {"description": "The product as stored.", "content": json_content(lambda: Product)}},
    tags=["catalogue"],
)
def put_product(
    tenantId: TenantId,
    productType: ProductType,
    productId: ProductId,
    product: Annotated[ProductInput, Body()],
) -> Response[str]:
    fn.caller(tenantId)
    stored = wiring.current().keep_catalogue.put_product(tenantId, productType, productId, product)
    return json_response(200, _body(stored))


@app.get(
    "/orders/<tenantId>/catalogue/products/<productType>/<productId>",
    summary="A catalogue product and the stock it has left",
    description="`stock_available`: the units that may still be sold (null: unlimited). Unknown: 404.",
    responses={200: {"description": "The product.", "content": json_content(lambda: Product)}},
    tags=["catalogue"],
)
def get_product(tenantId: TenantId, productType: ProductType, productId: ProductId) -> Response[str]:
    fn.caller(tenantId)
    found = wiring.current().keep_catalogue.product(tenantId, productType, productId)
    return json_response(200, _body(found))


@app.delete(
    "/orders/<tenantId>/catalogue/products/<productType>/<productId>",
    summary="Remove a catalogue product (admin)",
    description="Orders that named it keep their lines and prices; a later cancel of them gives no stock "
    "back to it. Unknown: 404. Answers 204.",
    responses={204: {"description": "Removed."}},
    tags=["catalogue"],
)
def delete_product(tenantId: TenantId, productType: ProductType, productId: ProductId) -> Response[str]:
    fn.caller(tenantId)
    wiring.current().keep_catalogue.delete_product(tenantId, productType, productId)
    return Response(status_code=204, body="")


@app.get(
    "/orders/<tenantId>/catalogue/products",
    summary="The tenant's catalogue products, by type then id",
    description="A Query on the tenant's catalogue, never a Scan. `limit` 1-100 (25); "
    "`exclusiveStartKey` the previous page's `LastEvaluatedKey` (null on the last page).",
    responses={200: {"description": "A page of products.", "content": json_content(lambda: ProductPage)}},
    tags=["catalogue"],
)
def list_products(tenantId: TenantId, limit: Limit = 25, exclusiveStartKey: StartKey = None) -> Response[str]:
    fn.caller(tenantId)
    ports = wiring.current()
    bound = {"t": tenantId}
    after = None
    if exclusiveStartKey:
        position = ports.page_tokens.decode(
            _TOKEN_KIND, exclusiveStartKey, parameter="exclusiveStartKey", bound=bound
        )
        after = str(position.get("after") or "") or None
    products, position_next = ports.keep_catalogue.products(tenantId, limit=limit, after=after)
    token = (
        ports.page_tokens.encode(_TOKEN_KIND, {**bound, "after": position_next}) if position_next else None
    )
    items = [_body(p) for p in products]
    return json_response(200, {"Count": len(items), "Items": items, "LastEvaluatedKey": token})


@app.put(
    "/orders/<tenantId>/catalogue/shipping/<shippingId>",
    summary="Add or replace a shipping product (admin)",
    description="`{name, cost, display_order, do_not_show_in_portal, default}`: what the preview "
    "manifest offers as `shipping_options`.",
    responses={
        200: {"description": "The shipping product.", "content": json_content(lambda: ShippingProduct)}
    },
    tags=["catalogue"],
)
def put_shipping(
    tenantId: TenantId, shippingId: ShippingId, shipping: Annotated[ShippingInput, Body()]
) -> Response[str]:
    fn.caller(tenantId)
    stored = wiring.current().keep_catalogue.put_shipping(tenantId, shippingId, shipping)
    return json_response(200, _body(stored))


@app.get(
    "/orders/<tenantId>/catalogue/shipping",
    summary="The tenant's shipping products, by display order",
    description="`{shipping_options: [...]}`, by `display_order` then id (the preview manifest's order).",
    responses={200: {"description": "`{shipping_options}`.", "content": json_content(lambda: ShippingList)}},
    tags=["catalogue"],
)
def list_shipping(tenantId: TenantId) -> Response[str]:
    fn.caller(tenantId)
    found = wiring.current().keep_catalogue.shipping(tenantId)
    return json_response(200, {"shipping_options": [_body(s) for s in found]})


@app.get(
    "/orders/<tenantId>/catalogue/settings",
    summary="The catalogue's settings",
    description='`{"strict": false}` until an admin sets it.',
    responses={200: {"description": "The settings.", "content": json_content(lambda: CatalogueSettings)}},
    tags=["catalogue"],
)
def get_settings(tenantId: TenantId) -> Response[str]:
    fn.caller(tenantId)
    return json_response(200, _body(wiring.current().keep_catalogue.settings(tenantId)))


@app.put(
    "/orders/<tenantId>/catalogue/settings",
    summary="Set the catalogue's settings (admin)",
    description="`strict: true`: a line naming a product the catalogue does not hold is a 400 "
    "`unknown_product`; false: such lines keep their client price and take no stock.",
    responses={200: {"description": "The settings.", "content": json_content(lambda: CatalogueSettings)}},
    tags=["catalogue"],
)
def put_settings(tenantId: TenantId, settings: Annotated[CatalogueSettings, Body()]) -> Response[str]:
    fn.caller(tenantId)
    return json_response(200, _body(wiring.current().keep_catalogue.put_settings(tenantId, settings)))


@app.post(
    "/orders/<tenantId>/credits",
    summary="Grant a customer an open credit (admin)",
    description="`{customer_type, customer_id, amount, currency_code}` (amount > 0, whole minor units) → "
    "`{id, date, number, amount_available, currency_code, ...}`; `number` counts the tenant's credits. "
    "Optional `Idempotency-Key`: a repeat answers the first grant (one credit, one number).",
    responses={
        201: {
            "description": "The credit.",
            "headers": {"Idempotent-Replayed": REPLAYED_HEADER},
            "content": json_content(lambda: OpenCredit),
        }
    },
    tags=["catalogue"],
)
def grant_credit(tenantId: TenantId, credit: Annotated[CreditInput, Body()]) -> Response[str]:
    caller = fn.caller(tenantId)
    fingerprint = request_fingerprint(credit)

    def write(_actor: str, _if_match: int | None, write_key: str | None) -> OpenCredit:
        keep = wiring.current().keep_catalogue
        return keep.grant_credit(tenantId, credit, write_key=write_key, now=utcnow())

    def answer(granted: OpenCredit) -> StoredResponse:
        fn.count("CreditGranted")
        return StoredResponse(status=201, body=jsonio.dumps(_body(granted)), headers={})

    return fn.write_once(caller, fingerprint, write, answer)


@app.get(
    "/orders/<tenantId>/credits/<customerType>/<customerId>",
    summary="A customer's open credits, by number",
    description="`{open_credits: [...]}`: every credit granted to the contact or organization, by number.",
    responses={200: {"description": "`{open_credits}`.", "content": json_content(lambda: CreditList)}},
    tags=["catalogue"],
)
def customer_credits(tenantId: TenantId, customerType: CustomerType, customerId: CustomerId) -> Response[str]:
    fn.caller(tenantId)
    found = wiring.current().keep_catalogue.credits_of(tenantId, customerType, customerId)
    return json_response(200, {"open_credits": [_body(c) for c in found]})


@app.post(
    "/orders/<tenantId>/products/describe",
    summary="Describe catalogue products for a customer (a read)",
    description="`{customer_type, customer_id, business_unit_id, products[{type, id, variant_options, "
    "modifier_options}]}` (1-100 products) → `{products[{type, id, price, ineligible, availability}]}`: "
    "the unit price with the picked options, whether the customer may not buy it, and how available "
    "one unit is (`OK`, `LOW`, `SOLD_OUT`). A product the catalogue does not hold: 400 `unknown_product`.",
    responses={200: {"description": "The products.", "content": json_content(lambda: DescribeResponse)}},
    tags=["catalogue"],
)
def describe_products(tenantId: TenantId, request: Annotated[DescribeRequest, Body()]) -> Response[str]:
    fn.caller(tenantId)
    described = wiring.current().check_orders.describe(request, tenant_id=tenantId)
    return json_response(200, {"products": [_body(p) for p in described]})
