"""A whole-order list page whose `fields` the list rows carry is answered from the rows, without
reading the orders: byte for byte what reading the orders answers (money digit for digit, dates at
the calendar's ends, absent fields absent), and with no BatchGetItem."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from orders_domain.models.orders import SUMMARY_FIELDS
from orders_domain.runtime import wiring

from tests.helpers import body_of, create_event, invoke
from tests.search_helpers import search_event

pytestmark = pytest.mark.usefixtures("tables")

LIST = "/orders/{tenantId}"
CUSTOMER = "/orders/{tenantId}/customer/{customerType}/{customerId}"
PARAMS = {"customerType": "contact", "customerId": "c-1"}
#: Orders at the edges: money with trailing zeros and the largest unit price, the calendar's ends,
#: every optional row field set on one and none on another.
ORDERS: list[dict[str, Any]] = [
    {
        "date": "0002-01-01T00:00:00Z",
        "line_items": [{"quantity": 3, "unit_price": "12.50", "weight": "0.100"}],
        "purchase_order_number": "PO-ü-1",
        "shipping_method_name": "Courier «express»",
        "type": "box office",
    },
    {
        "date": "9998-12-31T23:59:59.999999Z",
        "line_items": [{"quantity": 1, "unit_price": "999999999999.99"}],
        "coupons": [{"coupon_id": "c", "coupon_type": "promo", "discount": "0.10"}],
    },
    {"date": "2026-02-28T12:00:00+02:00", "line_items": [{"quantity": 1, "unit_price": "0.00"}]},
]
ROW_FIELDS = sorted(SUMMARY_FIELDS)


def _calls() -> Counter[str]:
    seen: Counter[str] = Counter()
    wiring.current().dynamodb.meta.events.register(
        "before-call.dynamodb.*", lambda model, **_: seen.update([model.name])
    )
    return seen


@pytest.fixture
def made() -> list[dict[str, Any]]:
    created = []
    for body in ORDERS:
        full = {**body, "bill_to_type": "contact", "bill_to_contact_id": "c-1"}
        response = invoke("create_order", create_event(full))
        assert response["statusCode"] == 201, response["body"]
        created.append(body_of(response))
    return created


@pytest.mark.parametrize(
    "fields",
    [",".join(ROW_FIELDS), "number,total,status", "total,id,total", " discounts , date ", "total_weight"],
)
@pytest.mark.parametrize(("resource", "params"), [(LIST, None), (CUSTOMER, PARAMS)])
def test_given_fields_the_rows_carry_when_listed_then_the_rows_answer_what_the_orders_would(
    made: list[dict[str, Any]], fields: str, resource: str, params: dict[str, str] | None
) -> None:
    # WHEN a page asks for fields every row carries, and again reading the orders (consistentRead)
    query = {"fields": fields, "limit": "10"}
    seen = _calls()
    from_rows = invoke("search_orders", search_event("GET", resource, params, query))
    rows_calls = dict(seen)
    seen.clear()
    from_orders = invoke(
        "search_orders", search_event("GET", resource, params, {**query, "consistentRead": "true"})
    )
    # THEN both answer the same bytes; only the second read the orders
    assert from_rows["statusCode"] == from_orders["statusCode"] == 200
    assert from_rows["body"] == from_orders["body"]
    assert len(body_of(from_rows)["Items"]) == len(made)
    assert "BatchGetItem" in seen
    assert rows_calls.get("BatchGetItem", 0) == (1 if resource == CUSTOMER else 0)  # (its busy marker)


@pytest.mark.parametrize("fields", ["line_items.sku", "number,_links", "number,nope", "payment_info", ""])
def test_given_fields_the_rows_lack_when_listed_then_the_orders_are_read_or_the_name_refused(
    made: list[dict[str, Any]], fields: str
) -> None:
    # WHEN a page asks for a field no row carries (or for none: whole orders)
    seen = _calls()
    answer = invoke("search_orders", search_event("GET", LIST, None, {"fields": fields, "limit": "10"}))
    # THEN the orders themselves answer it (or the unknown name is the 400 it always was)
    if "nope" in fields:
        assert answer["statusCode"] == 400, answer["body"]
    else:
        assert answer["statusCode"] == 200, answer["body"]
        assert seen["BatchGetItem"] == 1


@pytest.mark.usefixtures("publisher")
def test_given_orders_that_used_a_coupon_when_its_lookup_asks_for_row_fields_then_the_rows_answer_them(
    made: list[dict[str, Any]],
) -> None:
    # GIVEN the coupon's usage rows, as the stream consumer writes them for the order that used it
    from orders_domain.storage import keys

    from local.stream_records import lambda_record
    from tests.helpers import deliver_batches

    client, table = wiring.current().dynamodb, wiring.current().settings.orders_table_name
    used = [order for order in made if order.get("coupons")]
    stored = [
        client.get_item(
            TableName=table, Key={k: {"S": v} for k, v in keys.order_key("tenant-a", o["id"]).items()}
        )
        for o in used
    ]
    deliver_batches([[lambda_record(None, found["Item"], n + 1) for n, found in enumerate(stored)]])
    coupon = "/orders/{tenantId}/coupon/{couponType}/{couponId}"
    params = {"couponType": "promo", "couponId": "c"}
    # WHEN the lookup asks for fields every list row carries, and again reading the orders
    query = {"fields": "number,total,status", "limit": "10"}
    from_rows = invoke("search_orders", search_event("GET", coupon, params, query))
    from_orders = invoke(
        "search_orders", search_event("GET", coupon, params, {**query, "consistentRead": "true"})
    )
    # THEN each order answers those fields (not its id alone), as reading the order answers them
    assert from_rows["statusCode"] == from_orders["statusCode"] == 200
    items = body_of(from_rows)["Items"]
    assert [item["number"] for item in items] == [order["number"] for order in used]
    assert set(items[0]) == {"id", "number", "total", "status"}
    assert from_rows["body"] == from_orders["body"]
