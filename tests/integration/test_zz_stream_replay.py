"""Every stream record the integration suite wrote, delivered, then replayed in other batch splits.

Runs last in the tier (the file name sorts last): by then every test has written its orders into
its own tables on DynamoDB Local, each with a stream. For every one of those tables, every record is
delivered once through the order_stream handler, every order's history must rebuild its stored
document exactly, and a second delivery of all of them, shuffled into other batch splits, must
change no projection and publish only events with the ids of the first delivery. The test makes
orders of its own first, so it never passes on an empty suite.
"""

from __future__ import annotations

import json
import random
from typing import Any

import boto3
import pytest
from orders_domain import history, keys, wiring
from orders_domain.changes import order_change
from orders_domain.wiring import Wiring

from local.stream import all_records, table_stream_arn
from local.stream_records import stream_event
from tests.fakes import RecordingPublisher
from tests.helpers import SESSION_TABLES, body_of, create_event, invoke, next_version, reset_caches

_RNG = random.Random(17)


def _deliver(batches: list[list[dict[str, Any]]]) -> None:
    for batch in batches:
        response = invoke("order_stream", stream_event(batch))
        assert response["batchItemFailures"] == [], response


def _other_splits(records: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The records in batches of random sizes (1-100), the batches in random order."""
    batches, start = [], 0
    while start < len(records):
        size = _RNG.randint(1, 100)
        batches.append(records[start : start + size])
        start += size
    _RNG.shuffle(batches)
    return batches


def _projections(client: Any, table: str, orders: set[tuple[str, str]]) -> dict[str, list[dict[str, Any]]]:
    """Every item of each order's collection but the order itself (history and coupon rows): a Query each."""
    out = {}
    for tenant_id, order_id in sorted(orders):
        pk = keys.order_key(tenant_id, order_id)["PK"]
        items = client.query(
            TableName=table,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": pk}},
            ConsistentRead=True,
        )["Items"]
        out[pk] = [i for i in items if i["SK"]["S"] != keys.ORDER_SK]
    return out


def _make_orders_of_this_test() -> None:
    for n in range(3):
        created = body_of(invoke("create_order", create_event()))
        repo = wiring.current().orders
        order = repo.get("tenant-a", created["id"], consistent=True)
        assert order is not None
        for _ in range(n + 1):
            changed = next_version(order, notes=f"change {order.sys_version}")
            repo.replace(changed, expected_version=order.sys_version)
            order = changed


def test_every_record_of_the_suite_replayed_in_other_splits_changes_nothing_and_every_history_rebuilds(
    tables: dict[str, str], dynamodb_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _make_orders_of_this_test()
    client = boto3.client("dynamodb", endpoint_url=dynamodb_endpoint)
    streams = boto3.client("dynamodbstreams", endpoint_url=dynamodb_endpoint)
    table_sets = [names for endpoint, names in SESSION_TABLES if endpoint == dynamodb_endpoint]
    orders_checked = records_replayed = 0
    for names in table_sets:
        monkeypatch.setenv("ORDERS_TABLE_NAME", names["OrdersTable"])
        monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", names["IdempotencyTable"])
        reset_caches()
        publisher = RecordingPublisher()
        wiring.reset(Wiring(event_publisher=publisher))
        records = all_records(streams, table_stream_arn(client, names["OrdersTable"]))
        _deliver([records[i : i + 100] for i in range(0, len(records), 100)])
        first_ids = {e.event_id for e in publisher.published}
        changes = [c for c in map(order_change, records) if c is not None]
        orders = {(c.tenant_id, c.order_id) for c in changes}
        before = _projections(client, names["OrdersTable"], orders)

        for tenant_id, order_id in orders:
            item = client.get_item(
                TableName=names["OrdersTable"],
                Key={k: {"S": v} for k, v in keys.order_key(tenant_id, order_id).items()},
            ).get("Item")
            if item is None:
                continue
            stored = json.loads(item["doc"]["S"])
            entries = wiring.current().history.entries(tenant_id, order_id)
            assert history.rebuild(entries, int(stored["sys_version"])) == stored, (tenant_id, order_id)
            orders_checked += 1

        publisher.published.clear()
        _deliver(_other_splits(records))
        records_replayed += len(records)
        assert _projections(client, names["OrdersTable"], orders) == before
        assert {e.event_id for e in publisher.published} <= first_ids
        assert len(publisher.published) == len(changes) - sum(
            not c.changes_the_order or c.new is None for c in changes
        )
    wiring.reset()
    assert orders_checked >= 3
    assert records_replayed >= orders_checked
