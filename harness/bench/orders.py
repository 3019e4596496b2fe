"""The create_order and get_order routes (`operations`): `create_1_line`, `create_10_lines`,
`create_100_lines` (each with an Idempotency-Key), `preview_10_lines` (held to its DynamoDB calls,
`ORDER_CALLS`: since issue 31 a preview reads the catalogue), `get`, `get_by_token`,
`get_with_fields`, `history_page` (the first page of an order's history) and `get_as_of` (the order
as it was between its versions 3 and 4): an order made by the create handler, and one with five
versions whose history entries the order_stream handler wrote from their records. Also the order
every other family starts from (`order_body`, `create_event`, `new_order`).
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from harness.bench.core import (
    TENANT,
    Bench,
    Family,
    Route,
    _admin_client,
    _order_item,
    event,
    refuse_failure,
)

#: The party every bench order bills and ships to (`order_body`).
BENCH_PARTY = ("contact", "contact-42")


def steady_party() -> None:
    """The bench measures an instance in steady state: it has written many of BENCH_PARTY's orders,
    so the party is busy (storage.busy_parties: its marker written once, before any measured call,
    its rows spread), and no measured write is the one that marks it."""
    from orders_domain.runtime import wiring

    wiring.current().orders.busy_parties.mark(TENANT, BENCH_PARTY)


def order_body(lines: int) -> dict[str, Any]:
    return {
        "currency_code": "USD",
        "bill_to_type": "contact",
        "bill_to_contact_id": "contact-42",
        "ship_to_type": "contact",
        "ship_to_contact_id": "contact-42",
        "payment_info": {"type": "credit card"},
        "coupons": [{"coupon_id": "c1", "coupon_type": "promo", "discount": 1}],
        "line_items": [
            {
                "description": f"Ticket {n}",
                "sku": f"SKU-{n}",
                "quantity": 2,
                "unit_price": "13.75",
                "shippable": True,
            }
            for n in range(lines)
        ],
    }


def create_event(lines: int) -> dict[str, Any]:
    created = event("create_order.json")
    created["body"] = json.dumps(order_body(lines))
    created["headers"]["Idempotency-Key"] = f'"{uuid.uuid4()}"'
    created["multiValueHeaders"] = {k: [v] for k, v in created["headers"].items()}
    return created


def preview_event(lines: int) -> dict[str, Any]:
    preview = event("create_order_preview.json")
    preview["body"] = json.dumps(order_body(lines))
    return preview


def get_event(order_ref: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    got = event("get_order.json")
    got["path"] = f"/orders/{TENANT}/{order_ref}"
    got["pathParameters"] = {"tenantId": TENANT, "id": order_ref}
    got["queryStringParameters"] = query
    got["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    return got


def history_event(order_ref: str) -> dict[str, Any]:
    """GET /orders/{tenantId}/{id}/history: its first page (the default limit)."""
    got = get_event(order_ref)
    got["path"] += "/history"
    got["resource"] = got["requestContext"]["resourcePath"] = "/orders/{tenantId}/{id}/history"
    return got


def new_order(bench: Bench, tenant: str = TENANT, lines: int = 3) -> dict[str, Any]:
    """A new order made by the create handler (`order_body`: 2 units a line, paid by card): as answered."""
    made = create_event(lines)
    made["pathParameters"] = {"tenantId": tenant}
    made["path"] = f"/orders/{tenant}"
    made["requestContext"]["path"] = f"/v1/orders/{tenant}"
    made["requestContext"]["authorizer"]["tenant_id"] = tenant
    answer = bench.invoke("create_order", made).answer
    refuse_failure("create (for a fulfil or cancel)", answer)
    order: dict[str, Any] = json.loads(answer["body"])
    return order


def next_version(order: Any) -> Any:
    """The order's next version as an update route would write it: a changed note, version + 1."""
    from local.stream_records import next_version

    return next_version(
        order, notes=f"edited to version {order.sys_version + 1}", sys_last_modified_by_id="bench"
    )


def history_order(bench: Bench) -> tuple[str, str]:
    """An order with five versions and their history entries (written by the stream function from
    the versions' records): its id, and a moment between versions 3 and 4 for `?asOf=`."""
    from orders_domain.domain.page_positions import sortable_utc
    from orders_domain.storage.orders import OrderRecord

    from local.stream_records import lambda_record, stream_event

    created = json.loads(bench.invoke("create_order", create_event(3)).answer["body"])
    first = _order_item(bench, created["id"])
    record = OrderRecord.from_item(first)
    versions = [record.order]
    for _ in range(4):
        versions.append(next_version(versions[-1]))
    items = [first] + [
        OrderRecord(order=v, request_fingerprint=record.request_fingerprint).to_item() for v in versions[1:]
    ]
    _admin_client(bench.endpoint).put_item(TableName=bench.tables["OrdersTable"], Item=items[-1])
    writes = zip([None, *items], items, strict=False)
    records = [lambda_record(old, new, 900_000 + n) for n, (old, new) in enumerate(writes)]
    answer = bench.invoke("order_stream", stream_event(records)).answer
    assert answer == {"batchItemFailures": []}, answer
    moment = versions[2].sys_last_modified_at + timedelta(milliseconds=500)
    return created["id"], sortable_utc(moment)


def order_routes(bench: Bench) -> list[Route]:
    """The create_order and get_order routes as `operations` measures them, after making what they
    read: an order (by id, by token) and an order with five versions and their history entries."""
    created = json.loads(bench.invoke("create_order", create_event(3)).answer["body"])
    order_id, token = created["id"], created["token"]
    versioned, moment = history_order(bench)
    return [
        ("create_1_line", "create_order", lambda: create_event(1)),
        ("create_10_lines", "create_order", lambda: create_event(10)),
        ("create_100_lines", "create_order", lambda: create_event(100)),
        ("preview_10_lines", "create_order", lambda: preview_event(10)),
        ("get", "get_order", lambda: get_event(order_id)),
        ("get_by_token", "get_order", lambda: get_event(f"token-{token}")),
        (
            "get_with_fields",
            "get_order",
            lambda: get_event(order_id, {"fields": "total,status,line_items.sku"}),
        ),
        ("history_page", "get_order", lambda: history_event(versioned)),
        ("get_as_of", "get_order", lambda: get_event(versioned, {"asOf": moment})),
    ]


#: The preview's DynamoDB calls (issue 31): `order_body` names no catalogue product (no BatchGetItem),
#: ships its lines (the shipping products: one Query) and bills a contact (its open credits: one Query).
ORDER_CALLS: dict[str, dict[str, tuple[int, int]]] = {"preview_10_lines": {"Query": (2, 2)}}
#: The history routes (issue 17) and the preview: check_shape requires them (the budgets read get and
#: create too) and holds the preview to its calls.
FAMILY = Family(order_routes, required=("history_page", "get_as_of", *ORDER_CALLS), calls=ORDER_CALLS)
