"""The catalogue's costs (issue 31): its own routes, and what it adds to the create.

- `create_reserving_10_lines`: the same 10-line order as `create_10_lines` with each line naming one
  catalogue product of limited stock, beside the plain create. It reads the products and settings
  (one BatchGetItem) and writes the order with one stock decrement per product in one
  TransactWriteItems.
- the catalogue function's routes (`catalogue`, no Idempotency-Key but on the grant): a product's PUT
  (one PutItem, a new stock each time) and GET (one GetItem), a page of 25 products (one Query of
  the tenant's catalogue partition, `PRODUCTS` of them), a shipping product's PUT and the shipping
  list (`SHIPPINGS` of them: one Query), the settings (one GetItem), a credit's grant under a new
  Idempotency-Key (the key's record PutItem and UpdateItem, the keyed credit's GetItem, the number's
  UpdateItem, the credit's PutItem) and a customer's credits (`CREDITS` of them: one Query).

- the create_order function's catalogue reads and the admin's override (issue 31), each on the
  reserving order's body (`LINES` lines, each naming its own product of limited stock, billed to a
  contact, shippable): `availability`, `preview_price` and `preview_eligibility` (the products and
  settings: one BatchGetItem each), `describe_products` (the catalogue function: `LINES` products,
  one BatchGetItem), `override_create` (`override_body`: every line's unit price and quantity
  overridden, under a new Idempotency-Key: the create reserving stock's calls, the units taken the
  overridden quantity) and `override_preview` (the same body, answered as a preview: the products'
  BatchGetItem, the shipping products' Query for a shippable order and the bill-to party's open
  credits' Query).

Issue 33: a limited product's stock is the sum of its stock buckets (storage.stock_keys), so every
read that answers stock adds one BatchGetItem of buckets per 100 keys (`BUCKET_READS` for the
order's products, `PAGE_READS` for a page), and a product's PUT is a GetItem of its bucket count and one
TransactWriteItems of the product and its buckets instead of a PutItem. Every bench product holds
far more than 64 units a bucket, so each has all STOCK_BUCKETS of them.

`CATALOGUE_CALLS` holds a run to those calls. What the routes read is written before they are
measured (products and credits directly, outside the measured calls).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from orders_domain.storage.stock_keys import STOCK_BUCKETS

from harness.bench.core import TENANT, Bench, Family, Route, _admin_client, event, refuse_failure, route_event
from harness.bench.orders import order_body

#: Units each bench product starts with: more than any run sells.
STOCK = 1_000_000_000
#: Products the order names, one per line.
LINES = 10
#: The catalogue's routes (resource templates) and the event they are made from (admin scopes).
PRODUCT = "/orders/{tenantId}/catalogue/products/{productType}/{productId}"
PRODUCTS = "/orders/{tenantId}/catalogue/products"
SHIPPING = "/orders/{tenantId}/catalogue/shipping/{shippingId}"
SHIPPING_LIST = "/orders/{tenantId}/catalogue/shipping"
SETTINGS = "/orders/{tenantId}/catalogue/settings"
CREDITS = "/orders/{tenantId}/credits"
CUSTOMER_CREDITS = "/orders/{tenantId}/credits/{customerType}/{customerId}"
SAMPLE = "catalogue.json"
#: The catalogue the list routes read: products (more than a page), shipping products, and the
#: credits of the customer whose list is read (the grants go to another customer: the list stays).
PRODUCTS_IN_CATALOGUE = 30
PAGE = 25
#: The BatchGetItems of a page's stock buckets (issue 33: every bench product's stock is limited).
PAGE_READS = -(-PAGE * STOCK_BUCKETS // 100)
SHIPPINGS = 5
CREDITS_OF_CUSTOMER = 5
CUSTOMER = "bench-credits"
GRANTED = "bench-granted"
#: A keyed create reserving stock: the idempotency record's PutItem and UpdateItem, the products'
#: BatchGetItem, one TransactWriteItems of the order and the decrements; and the order-number
#: counter's UpdateItem when the function's block of numbers has run out (amortised: a billing call
#: a second after the last block was taken takes a block of one).
#: Issue 33: the create reads the products without their stock levels (`lookup(levels=False)`) and
#: its decrements take the order's own bucket of each product, unread (each bench bucket holds ~31
#: million units). A read that answers stock adds their buckets' BatchGetItems (`BUCKET_READS`).
#: The catalogue items a create (and a price or eligibility preview) reads are kept for a few seconds
#: by each instance (storage.recent_items): a warm call reads them when they went stale, else not.
BUCKET_READS = -(-LINES * STOCK_BUCKETS // 100)
RESERVING_CALLS: dict[str, tuple[int, int]] = {
    "BatchGetItem": (0, 1),
    "UpdateItem": (1, 2),
    "PutItem": (1, 1),
    "TransactWriteItems": (1, 1),
}
CATALOGUE_CALLS: dict[str, dict[str, tuple[int, int]]] = {
    "create_reserving_10_lines": RESERVING_CALLS,
    # issue 33: a PUT reads the product's bucket count (GetItem) and writes the product, its buckets
    # (one per 64 units, at most STOCK_BUCKETS) and the removal of those beyond in one transaction; a
    # read of limited products adds one BatchGetItem of their buckets per 100 keys (the sum is the stock)
    "catalogue_put_product": {"GetItem": (1, 1), "TransactWriteItems": (1, 1)},
    "catalogue_get_product": {"GetItem": (1, 1), "BatchGetItem": (1, 1)},
    "catalogue_products_page": {"Query": (1, 1), "BatchGetItem": (PAGE_READS, PAGE_READS)},
    "catalogue_put_shipping": {"PutItem": (1, 1)},
    "catalogue_shipping_list": {"Query": (1, 1)},
    "catalogue_settings": {"GetItem": (1, 1)},
    "grant_credit": {"PutItem": (2, 2), "GetItem": (1, 1), "UpdateItem": (2, 2)},
    "customer_credits": {"Query": (1, 1)},
    # the create_order function's catalogue reads and override (issue 31)
    "describe_products": {"BatchGetItem": (1 + BUCKET_READS, 1 + BUCKET_READS)},
    "availability": {"BatchGetItem": (1 + BUCKET_READS, 1 + BUCKET_READS)},
    "preview_price": {"BatchGetItem": (0, 1)},  # a price and eligibility need no stock
    "preview_eligibility": {"BatchGetItem": (0, 1)},
    "override_create": RESERVING_CALLS,
    "override_preview": {"BatchGetItem": (1 + BUCKET_READS, 1 + BUCKET_READS), "Query": (2, 2)},
}
#: The admin's override of every line of the reserving order: its unit price and its quantity.
OVERRIDE_UNIT_PRICE = "12.00"
OVERRIDE_QUANTITY = 3
OVERRIDE = "/orders/{tenantId}/override"
OVERRIDE_PREVIEW = "/orders/{tenantId}/override/preview"
AVAILABILITY = "/orders/{tenantId}/availability"
PREVIEW_PRICE = "/orders/{tenantId}/preview/price"
PREVIEW_ELIGIBILITY = "/orders/{tenantId}/preview/eligibility"
DESCRIBE = "/orders/{tenantId}/products/describe"


def reserving_body() -> dict[str, Any]:
    """`order_body(LINES)` with each line naming its own catalogue product, at the catalogue's price."""
    body = order_body(LINES)
    for n, line in enumerate(body["line_items"]):
        line.update(product_type="ticket", product_id=f"bench-{n}")
    return body


def reserving_event() -> dict[str, Any]:
    created = event("create_order.json")
    created["body"] = json.dumps(reserving_body())
    created["headers"]["Idempotency-Key"] = f'"{uuid.uuid4()}"'
    created["multiValueHeaders"] = {k: [v] for k, v in created["headers"].items()}
    return created


def product_body(n: int, stock: int | None = STOCK) -> dict[str, Any]:
    return {"name": f"Bench {n}", "unit_price": "13.75", "currency_code": "USD", "stock": stock}


def stock_products(bench: Bench) -> None:
    """The products the reserving order names and the list pages, written directly (outside the
    measured calls)."""
    from orders_domain.models.catalogue import Product, ProductInput
    from orders_domain.storage.catalogue import DynamoCatalogue

    store = DynamoCatalogue(_admin_client(bench.endpoint), bench.tables["OrdersTable"])
    for n in range(max(LINES, PRODUCTS_IN_CATALOGUE)):
        body = ProductInput.model_validate(product_body(n))
        store.put(Product.of(TENANT, "ticket", f"bench-{n}", body))


def catalogue_event(
    method: str,
    resource: str,
    params: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: Any | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    """A catalogue route's event (events/catalogue.json, admin scopes), with an Idempotency-Key."""
    got = route_event(SAMPLE, method, resource, params, query, body)
    if key is not None:
        got["headers"]["Idempotency-Key"] = f'"{key}"'
        got["multiValueHeaders"] = {k: [v] for k, v in got["headers"].items()}
    return got


def credit_body(customer_id: str) -> dict[str, Any]:
    return {"customer_type": "contact", "customer_id": customer_id, "amount": "25.00", "currency_code": "USD"}


def put_product_event() -> dict[str, Any]:
    """The PUT of product `bench-0`: a new stock each time (each PUT changes the item)."""
    body = product_body(0, int(uuid.uuid4().int % STOCK))
    return catalogue_event("PUT", PRODUCT, {"productType": "ticket", "productId": "bench-0"}, body=body)


def grant_event() -> dict[str, Any]:
    """A credit's grant to `GRANTED` under a new Idempotency-Key."""
    return catalogue_event("POST", CREDITS, body=credit_body(GRANTED), key=str(uuid.uuid4()))


def catalogue_reads(bench: Bench) -> None:
    """The shipping products and the customer's credits the list routes read (by the handler)."""
    for n in range(SHIPPINGS):
        body = {"name": f"Bench {n}", "cost": "4.99", "display_order": n}
        shipped = catalogue_event("PUT", SHIPPING, {"shippingId": f"bench-{n}"}, body=body)
        refuse_failure("shipping product (for the list)", bench.invoke("catalogue", shipped).answer)
    for _ in range(CREDITS_OF_CUSTOMER):
        granted = catalogue_event("POST", CREDITS, body=credit_body(CUSTOMER))
        refuse_failure("credit (for the list)", bench.invoke("catalogue", granted).answer)


def override_body() -> dict[str, Any]:
    """The reserving order (each line given an `order_line_item_id`, as an override names it) with
    every line's unit price and quantity overridden: `OVERRIDE_QUANTITY` units taken of each product."""
    order = reserving_body()
    for n, line in enumerate(order["line_items"]):
        line["order_line_item_id"] = f"L{n}"
    overridden = [
        {
            "order_line_item_id": line["order_line_item_id"],
            "override_unit_price": OVERRIDE_UNIT_PRICE,
            "override_quantity": OVERRIDE_QUANTITY,
        }
        for line in order["line_items"]
    ]
    return {"order": order, "override_manifest": {"line_items": overridden}}


def override_event() -> dict[str, Any]:
    """The override create (events/create_order_override.json, admin) under a new Idempotency-Key."""
    created = event("create_order_override.json")
    created["body"] = json.dumps(override_body())
    created["headers"]["Idempotency-Key"] = f'"{uuid.uuid4()}"'
    created["multiValueHeaders"] = {k: [v] for k, v in created["headers"].items()}
    return created


def order_read_event(resource: str, body: dict[str, Any]) -> dict[str, Any]:
    """One of the create_order function's reads of an unplaced order (POST, `body`), from its sample
    (events/create_order_availability.json: every scope)."""
    return route_event("create_order_availability.json", "POST", resource, body=body)


def override_preview_event() -> dict[str, Any]:
    """The override's preview (from the override's sample: admin), of `override_body`."""
    return route_event("create_order_override.json", "POST", OVERRIDE_PREVIEW, body=override_body())


def describe_body() -> dict[str, Any]:
    """`products/describe` of the `LINES` products the reserving order names, for its bill-to party."""
    products = [{"type": "ticket", "id": f"bench-{n}"} for n in range(LINES)]
    return {"customer_type": "contact", "customer_id": "contact-42", "products": products}


def describe_event() -> dict[str, Any]:
    return route_event("catalogue_describe_products.json", "POST", DESCRIBE, body=describe_body())


def checkout_routes() -> list[Route]:
    """The create's catalogue reads, describe and the override (their products are `stock_products`')."""
    body = reserving_body
    return [
        ("describe_products", "catalogue", describe_event),
        ("availability", "create_order", lambda: order_read_event(AVAILABILITY, body())),
        ("preview_price", "create_order", lambda: order_read_event(PREVIEW_PRICE, body())),
        ("preview_eligibility", "create_order", lambda: order_read_event(PREVIEW_ELIGIBILITY, body())),
        ("override_create", "create_order", override_event),
        ("override_preview", "create_order", override_preview_event),
    ]  # fmt: skip


def catalogue_routes(bench: Bench) -> list[Route]:
    stock_products(bench)
    catalogue_reads(bench)
    one = {"productType": "ticket", "productId": "bench-1"}
    customer = {"customerType": "contact", "customerId": CUSTOMER}
    at = {"shippingId": "bench-0"}
    shipped = {"name": "Bench 0", "cost": "4.99", "display_order": 0}
    page = {"limit": str(PAGE)}
    return [
        ("create_reserving_10_lines", "create_order", reserving_event),
        ("catalogue_put_product", "catalogue", put_product_event),
        ("catalogue_get_product", "catalogue", lambda: catalogue_event("GET", PRODUCT, one)),
        ("catalogue_products_page", "catalogue", lambda: catalogue_event("GET", PRODUCTS, query=page)),
        ("catalogue_put_shipping", "catalogue", lambda: catalogue_event("PUT", SHIPPING, at, body=shipped)),
        ("catalogue_shipping_list", "catalogue", lambda: catalogue_event("GET", SHIPPING_LIST)),
        ("catalogue_settings", "catalogue", lambda: catalogue_event("GET", SETTINGS)),
        ("grant_credit", "catalogue", grant_event),
        ("customer_credits", "catalogue", lambda: catalogue_event("GET", CUSTOMER_CREDITS, customer)),
        *checkout_routes(),
    ]  # fmt: skip


FAMILY = Family(catalogue_routes, required=tuple(CATALOGUE_CALLS), calls=CATALOGUE_CALLS)
