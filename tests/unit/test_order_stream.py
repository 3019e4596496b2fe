"""order_stream: each projection of a change, replays that change nothing, failures that stay alone."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3
import pytest
from orders_domain.models import Order, OrderCreateRequest
from orders_domain.runtime import wiring
from orders_domain.services import CreateOrders
from orders_domain.storage import keys
from orders_domain.storage.orders import OrderRecord

from harness.stream_replay import RecordingPublisher
from local.lambda_runtime import FakeLambdaContext
from local.stream_records import lambda_record, stream_event
from tests.fakes import InMemoryOrderRepository
from tests.helpers import COUPON_ORDER_REQUEST, invoke, item_key, load_event, next_version

TENANT = "tenant-a"
WITH_COUPONS = COUPON_ORDER_REQUEST


def new_order(body: dict[str, Any] | None = None) -> Order:
    request = OrderCreateRequest.model_validate(body or WITH_COUPONS)
    return CreateOrders(InMemoryOrderRepository()).create(request, tenant_id=TENANT, actor="key_t").order


def item(order: Order) -> dict[str, Any]:
    return OrderRecord(order=order).to_item()


def collection(tables: dict[str, str], order: Order) -> list[dict[str, Any]]:
    """Every item of the order's collection except the order itself (the projections)."""
    client = boto3.client("dynamodb", region_name="us-east-1")
    found = client.query(
        TableName=tables["OrdersTable"],
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": keys.order_key(TENANT, order.id)["PK"]}},
    )["Items"]
    return [i for i in found if i["SK"]["S"] != keys.ORDER_SK]


def run(records: list[dict[str, Any]]) -> list[str]:
    """Invoke the handler; the sequence numbers it reports failed."""
    response = invoke("order_stream", stream_event(records))
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


def three_versions() -> tuple[list[Order], list[dict[str, Any]]]:
    v1 = new_order()
    v2 = next_version(v1, notes="gift wrap")
    v3 = next_version(v2, coupons=v2.coupons[1:])
    records = [lambda_record(None, item(v1), 1), lambda_record(item(v1), item(v2), 2)]
    records.append(lambda_record(item(v2), item(v3), 3))
    return [v1, v2, v3], records


def test_given_a_create_and_two_changes_then_three_history_entries_rows_that_follow_and_three_events(
    tables: dict[str, str], publisher: RecordingPublisher
) -> None:
    (v1, _, v3), records = three_versions()
    assert run(records) == []
    history = wiring.current().history.entries(TENANT, v1.id)
    assert [(e.version, e.event.value) for e in history] == [
        (1, "OrderCreated"),
        (2, "OrderUpdated"),
        (3, "OrderUpdated"),
    ]
    assert history[1].changed == ("/notes",)
    assert history[0].actor == "key_t"
    rows = [i for i in collection(tables, v1) if i["entity"]["S"] == "coupon_usage"]
    # the first coupon was removed in version 3: one row is left, the other is a tombstone out of
    # every index
    live = [json.loads(r["summary"]["S"]) for r in rows if "removed" not in r]
    assert [(r["coupon_id"], r["coupon_code_id"], r["discount"]) for r in live] == [("K", "CODE-9", 1)]
    (tombstone,) = [r for r in rows if "removed" in r]
    assert not {"coupon_pk", "coupon_code_pk", "summary"} & tombstone.keys()
    assert [e.detail["sys_version"] for e in publisher.accepted] == [1, 2, 3]
    assert [e.event_type.value for e in publisher.accepted] == [
        "OrderCreated",
        "OrderUpdated",
        "OrderUpdated",
    ]
    assert publisher.calls == 1  # one publication for the whole batch
    assert v3.sys_version == 3


def test_replaying_the_records_in_any_split_changes_no_projection_and_repeats_only_the_same_event_ids(
    tables: dict[str, str], publisher: RecordingPublisher
) -> None:
    (v1, _, _), records = three_versions()
    run(records)
    before = collection(tables, v1)
    first_ids = [e.event_id for e in publisher.accepted]
    splits = ([records[2:], records[:2]], [records[1:2], records[0:1], records[2:]], [records[::-1]])
    for split in splits:
        for batch in split:
            assert run(batch) == []
    assert collection(tables, v1) == before
    assert {e.event_id for e in publisher.accepted} == set(first_ids)


def test_a_malformed_order_record_fails_alone_and_the_rest_of_the_batch_is_projected(
    tables: dict[str, str], publisher: RecordingPublisher
) -> None:
    good, other = new_order(), new_order()
    poison = lambda_record(None, item(other), 2)
    poison["dynamodb"]["NewImage"]["doc"] = {"S": "{not json"}
    assert run([lambda_record(None, item(good), 1), poison, lambda_record(None, item(new_order()), 3)]) == [
        poison["dynamodb"]["SequenceNumber"]
    ]
    assert len(publisher.accepted) == 2
    assert wiring.current().history.entries(TENANT, good.id)


def test_records_of_other_items_are_skipped_without_reading_their_images(
    tables: dict[str, str], publisher: RecordingPublisher
) -> None:
    history_item = {**item_key(keys.history_key("tenant-a", "x", 1)), "doc": {"S": "junk"}}
    counter = {**item_key(keys.order_number_counter_key("tenant-a")), "n": {"N": "7"}}
    assert run([lambda_record(None, history_item, 1), lambda_record(None, counter, 2)]) == []
    assert publisher.accepted == []


def test_an_event_eventbridge_refuses_fails_exactly_its_record_and_its_redelivery_publishes_it(
    tables: dict[str, str], publisher: RecordingPublisher
) -> None:
    first, second = new_order(), new_order()
    records = [lambda_record(None, item(first), 1), lambda_record(None, item(second), 2)]
    from orders_domain.domain.events import order_event

    refused = order_event(TENANT, None, json.loads(item(second)["doc"]["S"]), [""])
    publisher.refuse.add(refused.event_id)
    assert run(records) == [records[1]["dynamodb"]["SequenceNumber"]]
    publisher.refuse.clear()
    assert run(records[1:]) == []
    assert refused.event_id in {e.event_id for e in publisher.accepted}


def test_a_throttled_put_is_tried_again_in_the_invocation_and_the_record_projects(
    tables: dict[str, str], publisher: RecordingPublisher, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orders_domain.domain.errors import Throttled

    order = new_order()
    store = wiring.current().history
    real_put = store.put_entries
    calls = {"n": 0}

    def throttled_twice(entries: Any) -> list[Exception | None]:
        calls["n"] += 1
        if calls["n"] <= 2:
            raise Throttled("busy")
        return real_put(entries)

    monkeypatch.setattr(store, "put_entries", throttled_twice)
    assert run([lambda_record(None, item(order), 1)]) == []
    assert calls["n"] == 3
    assert [e.version for e in store.entries(TENANT, order.id)] == [1]
    assert [e.detail["order_id"] for e in publisher.accepted] == [order.id]


def test_a_put_still_throttled_when_the_retry_window_closes_fails_its_record_alone_and_publishes_nothing(
    tables: dict[str, str], publisher: RecordingPublisher, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orders_domain.domain.errors import Throttled

    throttled, fine = new_order(), new_order()
    store = wiring.current().history
    real_put = store.put_entries
    calls = {"n": 0}

    def throttle_one_order(entries: Any) -> list[Exception | None]:
        # as BatchWriteItem leaves an entry unprocessed: the others are stored
        calls["n"] += 1
        answers = real_put([e for e in entries if e[1] != throttled.id])
        return [Throttled("unprocessed") if e[1] == throttled.id else answers.pop(0) for e in entries]

    monkeypatch.setattr(store, "put_entries", throttle_one_order)
    records = [lambda_record(None, item(throttled), 1), lambda_record(None, item(fine), 2)]
    # 1.5 s left: a window of 0.5 s, a few pauses long
    short = FakeLambdaContext(function_name="order_stream", timeout_seconds=1.5)
    response = invoke("order_stream", stream_event(records), short)
    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == ["000000000000000000001"]
    assert calls["n"] > 1  # tried again before giving up
    assert [e.detail["order_id"] for e in publisher.accepted] == [fine.id]  # not the failed record's
    # its coupon rows were written (each put keyed by version): delivered again, only the entry is new
    monkeypatch.setattr(store, "put_entries", real_put)
    assert run(records) == []
    assert [e.version for e in store.entries(TENANT, throttled.id)] == [1]
    assert sorted(e.detail["order_id"] for e in publisher.accepted) == sorted(
        [fine.id, fine.id, throttled.id]
    )


def test_a_put_failing_otherwise_fails_its_record_at_once(
    tables: dict[str, str], publisher: RecordingPublisher, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = new_order()
    store = wiring.current().coupon_usage
    calls = {"n": 0}

    def broken(*_: Any, **__: Any) -> int:
        calls["n"] += 1
        raise ValueError("an item the table refuses")

    monkeypatch.setattr(store, "apply", broken)
    assert run([lambda_record(None, item(order), 1)]) == ["000000000000000000001"]
    assert calls["n"] == 2  # one put per coupon row, neither tried again
    assert publisher.accepted == []


def test_a_write_that_keeps_the_version_and_a_removed_item_publish_nothing(
    tables: dict[str, str], publisher: RecordingPublisher
) -> None:
    order = new_order()
    run([lambda_record(None, item(order), 1)])
    same = item(order)
    touched = {**same, "request_fingerprint": {"S": "x"}}
    assert run([lambda_record(same, touched, 2), lambda_record(same, None, 3)]) == []
    assert len(publisher.accepted) == 1
    rows = [i for i in collection(tables, order) if i["entity"]["S"] == "coupon_usage"]
    assert rows
    assert all(r.get("removed") == {"BOOL": True} for r in rows)


def test_the_sam_local_invoke_event_file_is_a_batch_the_handler_projects(
    tables: dict[str, str], publisher: RecordingPublisher
) -> None:
    event = load_event("order_stream.json")
    response = invoke("order_stream", copy.deepcopy(event))
    assert response == {"batchItemFailures": []}
    assert [e.event_type.value for e in publisher.accepted] == ["OrderCreated", "OrderCancelled"]


def test_a_soft_deleted_order_keeps_no_coupon_usage_row_in_any_index(
    tables: dict[str, str], publisher: RecordingPublisher
) -> None:
    v1 = new_order()
    v2 = next_version(v1, sys_deleted=True)
    assert run([lambda_record(None, item(v1), 1), lambda_record(item(v1), item(v2), 2)]) == []
    rows = [i for i in collection(tables, v1) if i["entity"]["S"] == "coupon_usage"]
    assert len(rows) == 2
    for row in rows:
        assert row["removed"] == {"BOOL": True}
        assert not {"coupon_pk", "coupon_code_pk", "summary"} & row.keys()
