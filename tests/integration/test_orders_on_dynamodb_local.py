"""create_order / get_order / authorizer on DynamoDB Local: real conditions, indexes, races."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import boto3
import pytest
from orders_domain.domain.errors import OrderAlreadyExists, VersionConflict
from orders_domain.storage import keys
from orders_domain.storage.orders import DynamoOrderRepository

from local.lambda_runtime import InstancePool
from tests.helpers import (
    body_of,
    create_event,
    get_event_for,
    header_of,
    invoke,
    load_event,
    with_caller,
    with_headers,
)

pytestmark = pytest.mark.usefixtures("tables")

ORDER = {"line_items": [{"description": "Ticket", "quantity": 2, "unit_price": "12.50", "shippable": True}]}


def repository(tables: dict[str, str], endpoint: str) -> DynamoOrderRepository:
    return DynamoOrderRepository(boto3.client("dynamodb", endpoint_url=endpoint), tables["OrdersTable"])


def orders_in_table(tables: dict[str, str], endpoint: str) -> list[dict[str, Any]]:
    client = boto3.client("dynamodb", endpoint_url=endpoint)
    items = client.scan(TableName=tables["OrdersTable"], ConsistentRead=True)["Items"]
    return [item for item in items if item.get("entity", {}).get("S") == "order"]


def test_sample_event_round_trip_on_the_real_engine() -> None:
    created = invoke("create_order", load_event("create_order.json"))
    assert created["statusCode"] == 201, created["body"]
    order = body_of(created)
    fetched = invoke("get_order", get_event_for(order["id"], query={"consistentRead": "true"}))
    by_token = invoke("get_order", get_event_for(f"token-{order['token']}"))
    assert body_of(fetched) == order
    assert body_of(by_token) == order


def test_eight_concurrent_identical_creates_make_exactly_one_order(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    # GIVEN eight Lambda instances and one request with one idempotency key
    pool = InstancePool("functions.create_order.app")
    event = create_event(ORDER, key="race-1")

    # WHEN all eight send it at once
    with ThreadPoolExecutor(max_workers=8) as executor:
        responses = list(executor.map(lambda _: pool.invoke(with_caller(event)), range(8)))

    # THEN exactly one order exists; every answer is that order (201, first or replayed)
    # or "still in progress" (409 + Retry-After); none is a second order or a 5xx
    stored = orders_in_table(tables, dynamodb_endpoint)
    assert len(stored) == 1
    order_id = json.loads(stored[0]["doc"]["S"])["id"]
    for response in responses:
        assert response["statusCode"] in (201, 409), response["body"]
        if response["statusCode"] == 201:
            assert body_of(response)["id"] == order_id
        else:
            assert body_of(response)["code"] == "idempotency_in_progress"
            assert header_of(response, "Retry-After")
    assert (
        sum(1 for r in responses if r["statusCode"] == 201 and not header_of(r, "Idempotent-Replayed")) == 1
    )
    # AND a later retry replays it
    replay = pool.invoke(with_caller(event))
    assert replay["statusCode"] == 201
    assert header_of(replay, "Idempotent-Replayed") == "true"
    assert body_of(replay)["id"] == order_id


def test_concurrent_distinct_creates_get_distinct_numbers(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    pool = InstancePool("functions.create_order.app")
    with ThreadPoolExecutor(max_workers=8) as executor:
        responses = list(executor.map(lambda _: pool.invoke(create_event(ORDER)), range(8)))
    assert [r["statusCode"] for r in responses] == [201] * 8
    assert sorted(body_of(r)["number"] for r in responses) == list(range(1, 9))
    assert len(orders_in_table(tables, dynamodb_endpoint)) == 8


def test_idempotency_replay_and_reuse_on_the_real_engine() -> None:
    first = invoke("create_order", create_event(ORDER, key="k"))
    replay = invoke("create_order", create_event(ORDER, key="k"))
    reused = invoke("create_order", create_event({"line_items": [{"quantity": 1, "unit_price": 1}]}, key="k"))
    other_tenant = invoke("create_order", create_event(ORDER, key="k", tenant="tenant-b"))
    assert replay["body"] == first["body"]
    assert header_of(replay, "Idempotent-Replayed") == "true"
    assert reused["statusCode"] == 422
    assert other_tenant["statusCode"] == 201
    assert body_of(other_tenant)["id"] != body_of(first)["id"]


def test_lost_idempotency_record_still_cannot_make_a_second_order(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    # GIVEN an order created under a key, and its idempotency record gone (expired, or a timeout)
    first = body_of(invoke("create_order", create_event(ORDER, key="lost")))
    client = boto3.client("dynamodb", endpoint_url=dynamodb_endpoint)
    for item in client.scan(TableName=tables["IdempotencyTable"])["Items"]:
        client.delete_item(TableName=tables["IdempotencyTable"], Key={"id": item["id"]})
    # WHEN the request is retried
    retry = invoke("create_order", create_event(ORDER, key="lost"))
    # THEN the conditional put (ReturnValuesOnConditionCheckFailure) hands back the first order
    assert retry["statusCode"] == 201
    assert body_of(retry)["id"] == first["id"]
    assert header_of(retry, "Idempotent-Replayed") == "true"
    assert len(orders_in_table(tables, dynamodb_endpoint)) == 1


def test_replace_keeps_the_create_fingerprint_and_drops_cleared_fields(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    # GIVEN an order created under a key, with a memo, then changed: memo cleared, version 2
    repo = repository(tables, dynamodb_endpoint)
    order_id = body_of(invoke("create_order", create_event({**ORDER, "memo": "hi"}, key="kept")))["id"]
    stored = repo.get("tenant-a", order_id, consistent=True)
    assert stored is not None
    repo.replace(stored.model_copy(update={"memo": None, "sys_version": 2}), expected_version=1)
    client = boto3.client("dynamodb", endpoint_url=dynamodb_endpoint)
    for item in client.scan(TableName=tables["IdempotencyTable"])["Items"]:
        client.delete_item(TableName=tables["IdempotencyTable"], Key={"id": item["id"]})
    # WHEN the create is retried after its idempotency record is gone
    retry = invoke("create_order", create_event({**ORDER, "memo": "hi"}, key="kept"))
    # THEN the changed order is recognised as that create's (its fingerprint survived the change)
    assert retry["statusCode"] == 201, retry["body"]
    assert body_of(retry)["id"] == order_id
    assert body_of(retry)["sys_version"] == 2
    # AND the cleared field is gone from the item, not left behind
    raw = client.get_item(TableName=tables["OrdersTable"], Key=order_key_item(order_id), ConsistentRead=True)
    assert "memo" not in json.loads(raw["Item"]["doc"]["S"])
    assert "request_fingerprint" in raw["Item"]


def order_key_item(order_id: str) -> dict[str, Any]:
    return {name: {"S": value} for name, value in keys.order_key("tenant-a", order_id).items()}


def test_create_is_conditional_on_the_id_being_new(tables: dict[str, str], dynamodb_endpoint: str) -> None:
    repo = repository(tables, dynamodb_endpoint)
    order = body_of(invoke("create_order", create_event(ORDER)))
    stored = repo.get("tenant-a", order["id"], consistent=True)
    assert stored is not None
    with pytest.raises(OrderAlreadyExists) as raised:
        repo.create(stored)
    assert raised.value.existing is not None
    assert raised.value.existing == stored


def test_stale_version_write_is_a_version_conflict_and_changes_nothing(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    # GIVEN an order read by two writers at version 1
    repo = repository(tables, dynamodb_endpoint)
    order_id = body_of(invoke("create_order", create_event(ORDER)))["id"]
    first = repo.get("tenant-a", order_id, consistent=True)
    second = repo.get("tenant-a", order_id, consistent=True)
    assert first is not None
    assert second is not None
    # WHEN the first writes version 2 and the second then writes on top of version 1
    repo.replace(first.model_copy(update={"memo": "first", "sys_version": 2}), expected_version=1)
    with pytest.raises(VersionConflict):
        repo.replace(second.model_copy(update={"memo": "second", "sys_version": 2}), expected_version=1)
    # THEN the first writer's change stands
    final = repo.get("tenant-a", order_id, consistent=True)
    assert final is not None
    assert (final.memo, final.sys_version) == ("first", 2)


def test_indexes_hold_the_order_where_the_routes_will_look(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    body = {
        **ORDER,
        "bill_to_type": "contact",
        "bill_to_contact_id": "c-1",
        "installment_schedule_id": "inst-9",
    }
    order = body_of(invoke("create_order", create_event(body)))
    client = boto3.client("dynamodb", endpoint_url=dynamodb_endpoint)

    def query(index: str, attribute: str, value: str) -> list[str]:
        out = client.query(
            TableName=tables["OrdersTable"],
            IndexName=index,
            KeyConditionExpression="#k = :v",
            ExpressionAttributeNames={"#k": attribute},
            ExpressionAttributeValues={":v": {"S": value}},
        )
        return [json.loads(item["summary"]["S"])["id"] for item in out["Items"]]

    shard = keys.shard_of(order["id"])
    assert query("by-tenant-date", "tenant_list_pk", f"T#tenant-a#ORDER#{shard:02d}") == [order["id"]]
    # an ordinary party's rows are on its shard 0 (storage.party_keys: only a busy party's spread)
    bill_to = keys.party_pk("tenant-a", keys.BILL_TO, "contact", "c-1")
    assert query("by-bill-to", "bill_to_pk", bill_to) == [order["id"]]
    assert query(
        "by-shippable-status", "shippable_pk", f"T#tenant-a#SHIPST#awaiting shipment#{shard:02d}"
    ) == [order["id"]]
    assert query("by-installment-schedule", "installment_pk", "T#tenant-a#INST#inst-9") == [order["id"]]
    ship_to = keys.party_pk("tenant-a", keys.SHIP_TO, "contact", "c-1")
    assert query("by-ship-to", "ship_to_pk", ship_to) == []  # no ship-to given


def test_indexes_hold_keys_and_the_list_row_only(tables: dict[str, str], dynamodb_endpoint: str) -> None:
    # GIVEN an order with a bill-to contact
    order = body_of(
        invoke(
            "create_order", create_event({**ORDER, "bill_to_type": "contact", "bill_to_contact_id": "c-2"})
        )
    )
    client = boto3.client("dynamodb", endpoint_url=dynamodb_endpoint)
    # WHEN its entries are read from the list index and the token index
    listed = client.query(
        TableName=tables["OrdersTable"],
        IndexName="by-bill-to",
        KeyConditionExpression="bill_to_pk = :v",
        ExpressionAttributeValues={":v": {"S": keys.party_pk("tenant-a", keys.BILL_TO, "contact", "c-2")}},
    )["Items"]
    by_token = client.query(
        TableName=tables["OrdersTable"],
        IndexName="by-token",
        KeyConditionExpression="token_pk = :v",
        ExpressionAttributeValues={":v": {"S": f"T#tenant-a#TOKEN#{order['token']}"}},
    )["Items"]
    # THEN the list index carries the keys and the summary row (exact money), never the whole order
    assert set(listed[0]) == {"PK", "SK", "bill_to_pk", "bill_to_sk", "summary"}
    row = json.loads(listed[0]["summary"]["S"], parse_float=Decimal)
    assert row["total"] == Decimal(order["total"])
    assert row["number"] == order["number"]
    assert "line_items" not in row
    # AND the token index only keys
    assert set(by_token[0]) == {"PK", "SK", "token_pk"}


def test_authorizer_against_keys_stored_in_dynamodb_local(api_key: str) -> None:
    event = with_headers(load_event("authorizer.json"), **{"x-api-key": api_key})
    result = invoke("authorizer", event)
    assert result["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    with pytest.raises(Exception, match="Unauthorized"):
        invoke("authorizer", with_headers(load_event("authorizer.json"), **{"x-api-key": "nope"}))
