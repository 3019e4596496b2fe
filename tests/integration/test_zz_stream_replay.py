"""Every stream record the integration suite wrote, delivered, then replayed in other batch splits.

Runs last in the tier (the file name sorts last): by then every test has written its orders into
its own tables on DynamoDB Local, each with a stream. For every one of those tables, every record is
delivered once through the order_stream handler, every order's history must rebuild its stored
document exactly, and a second delivery of all of them, shuffled into other batch splits, must
change no projection and publish only events with the ids of the first delivery. The test makes
orders of its own first, so it never passes on an empty suite. It checks with the helpers
`make reliability` uses (harness/stream_replay.py).
"""

from __future__ import annotations

import random

import boto3
import pytest
from orders_domain.runtime import wiring
from orders_domain.runtime.wiring import Wiring
from orders_domain.storage.order_records import order_change

from harness import stream_replay as replay
from tests.helpers import (
    SESSION_TABLES,
    body_of,
    create_event,
    deliver_batches,
    invoke,
    reset_caches,
    write_next_version,
)


def _make_orders_of_this_test() -> None:
    for n in range(3):
        created = body_of(invoke("create_order", create_event()))
        order = wiring.current().orders.get("tenant-a", created["id"], consistent=True)
        assert order is not None
        for _ in range(n + 1):
            order = write_next_version(order, notes=f"change {order.sys_version}")


def test_every_record_of_the_suite_replayed_in_other_splits_changes_nothing_and_every_history_rebuilds(
    tables: dict[str, str], dynamodb_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _make_orders_of_this_test()
    client = boto3.client("dynamodb", endpoint_url=dynamodb_endpoint)
    rng = random.Random(17)
    table_sets = [names for endpoint, names in SESSION_TABLES if endpoint == dynamodb_endpoint]
    orders_checked = records_replayed = 0
    for names in table_sets:
        table = names["OrdersTable"]
        monkeypatch.setenv("ORDERS_TABLE_NAME", table)
        monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", names["IdempotencyTable"])
        reset_caches()
        publisher = replay.RecordingPublisher()
        wiring.reset(Wiring(event_publisher=publisher))
        records = replay.stream_records(client, table)
        deliver_batches(records[i : i + 100] for i in range(0, len(records), 100))
        first_ids = set(publisher.accepted_ids())
        changes = [c for c in map(order_change, records) if c is not None]
        orders = replay.orders_in(records)
        before = replay.projections(client, table, orders)
        assert replay.history_mismatches(client, table, orders) == []
        orders_checked += len(orders)

        publisher.accepted.clear()
        deliver_batches(replay.random_batches(records, rng))
        records_replayed += len(records)
        assert replay.differences(before, replay.projections(client, table, orders)) == []
        assert set(publisher.accepted_ids()) <= first_ids
        assert len(publisher.accepted) == len(changes) - sum(
            not c.changes_the_order or c.new is None for c in changes
        )
    wiring.reset()
    assert orders_checked >= 3
    assert records_replayed >= orders_checked
