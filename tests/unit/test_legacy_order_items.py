"""Order items written before issue 36 (`doc` the whole order, Decimals as strings, no `fmt`): every
route reads them as before, and their next write stores them in today's form (the fallback, on moto)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from orders_domain.storage import keys
from orders_domain.storage.codec import typed_key
from orders_domain.storage.orders import order_of, storage_text

from tests.helpers import body_of, get_event_for, header_of, invoke, load_event, with_caller
from tests.patch_helpers import change, create_order

pytestmark = pytest.mark.usefixtures("tables")
FIELDS = {"fields": "total,line_items.payload"}

ORDER = {
    "currency_code": "USD",
    "line_items": [
        {
            "order_line_item_id": "A",
            "quantity": 2,
            "unit_price": "12.50",
            "taxes": "1.10",
            "payload": {"n": 1.5},
        },
        {"order_line_item_id": "B", "quantity": 1, "unit_price": "999999999999.99"},
    ],
    "payment_info": {"type": "Visa"},
}


def item_of(tables: dict[str, str], order_id: str) -> dict[str, Any]:
    client = boto3.client("dynamodb", region_name="us-east-1")
    key = typed_key(keys.order_key("tenant-a", order_id))
    item: dict[str, Any] = client.get_item(TableName=tables["OrdersTable"], Key=key, ConsistentRead=True)[
        "Item"
    ]
    return item


def made_legacy(tables: dict[str, str], order_id: str) -> dict[str, Any]:
    """The order's item rewritten as the code before issue 36 wrote it."""
    item = item_of(tables, order_id)
    legacy = {k: v for k, v in item.items() if k not in ("internal", "fmt", "actions")}
    legacy["doc"] = {"S": storage_text(order_of(item))}
    boto3.client("dynamodb", region_name="us-east-1").put_item(TableName=tables["OrdersTable"], Item=legacy)
    return legacy


def test_given_an_item_written_before_issue_36_when_read_by_every_get_then_the_answers_are_as_before(
    tables: dict[str, str],
) -> None:
    # GIVEN an order, its answers read, then its item rewritten in the old form
    order = create_order(ORDER)
    before = invoke("get_order", get_event_for(order["id"]))
    by_token_before = invoke("get_order", get_event_for(f"token-{order['token']}"))
    fields_before = invoke("get_order", get_event_for(order["id"], query=FIELDS))
    legacy = made_legacy(tables, order["id"])
    assert '"unit_price":"12.50"' in legacy["doc"]["S"]
    # WHEN read again by id, by token and with fields
    after = invoke("get_order", get_event_for(order["id"]))
    by_token_after = invoke("get_order", get_event_for(f"token-{order['token']}"))
    fields_after = invoke("get_order", get_event_for(order["id"], query=FIELDS))
    # THEN each answer is byte for byte what it was, with the same ETag
    assert after["body"] == before["body"] == by_token_after["body"] == by_token_before["body"]
    assert fields_after["body"] == fields_before["body"]
    assert header_of(after, "ETag") == header_of(before, "ETag") == '"1"'
    theatre = with_caller(load_event("theatre_get_order.json"))
    theatre["pathParameters"]["id"] = order["id"]
    theatre["path"] = f"/v3/orders/{order['id']}"
    assert invoke("get_order", theatre)["statusCode"] == 200


def test_given_an_item_written_before_issue_36_when_changed_then_it_is_stored_in_todays_form(
    tables: dict[str, str],
) -> None:
    order = create_order(ORDER)
    made_legacy(tables, order["id"])
    # WHEN patched
    status, body, _ = change("PATCH", order["id"], [{"op": "add", "path": "/notes", "value": "n"}])
    assert status == 200, body
    # THEN the item holds the answer (and `fmt`), which a plain GET serves as the PATCH answered it
    item = item_of(tables, order["id"])
    assert item["fmt"] == {"N": "1"}
    assert '"unit_price":12.50' in item["doc"]["S"]
    assert json.loads(item["internal"]["S"])["tenant_id"] == "tenant-a"
    got = invoke("get_order", get_event_for(order["id"]))
    assert body_of(got) == body
    assert got["body"].startswith(item["doc"]["S"][:-1] + ',"_links":')
    assert header_of(got, "ETag") == '"2"'


def test_given_a_deleted_order_when_read_then_it_is_404_in_either_form(tables: dict[str, str]) -> None:
    order = create_order({"line_items": [{"quantity": 1, "unit_price": "5.00"}]})
    status, _, _ = change("DELETE", order["id"])
    assert status in (200, 204)
    assert invoke("get_order", get_event_for(order["id"]))["statusCode"] == 404
    made_legacy(tables, order["id"])
    assert invoke("get_order", get_event_for(order["id"]))["statusCode"] == 404
    assert invoke("get_order", get_event_for(f"token-{order['token']}"))["statusCode"] == 404
