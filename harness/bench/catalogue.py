"""The catalogue's cost on the create route (issue 31): `create_reserving_10_lines`, the same 10-line
order as `create_10_lines` with each line naming one catalogue product of limited stock, beside the
plain create. It reads the products and settings (one BatchGetItem) and writes the order with one
stock decrement per product in one TransactWriteItems; `CATALOGUE_CALLS` holds a run to that.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from harness.bench.core import TENANT, Bench, Family, Route, _admin_client, event
from harness.bench.orders import order_body

#: Units each bench product starts with: more than any run sells.
STOCK = 1_000_000_000
#: Products the order names, one per line.
LINES = 10
CATALOGUE_CALLS: dict[str, dict[str, tuple[int, int]]] = {
    "create_reserving_10_lines": {
        "BatchGetItem": (1, 1),
        "UpdateItem": (1, 1),
        "PutItem": (1, 2),
        "TransactWriteItems": (1, 1),
    },
}


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


def stock_products(bench: Bench) -> None:
    """The products the reserving order names, written directly (outside the measured calls)."""
    from orders_domain.models.catalogue import Product, ProductInput
    from orders_domain.storage.catalogue import DynamoCatalogue

    store = DynamoCatalogue(_admin_client(bench.endpoint), bench.tables["OrdersTable"])
    for n in range(LINES):
        body = {"name": f"Bench {n}", "unit_price": "13.75", "currency_code": "USD", "stock": STOCK}
        store.put(Product.of(TENANT, "ticket", f"bench-{n}", ProductInput.model_validate(body)))


def catalogue_routes(bench: Bench) -> list[Route]:
    stock_products(bench)
    return [("create_reserving_10_lines", "create_order", reserving_event)]


FAMILY = Family(catalogue_routes, required=tuple(CATALOGUE_CALLS), calls=CATALOGUE_CALLS)
