"""local/stream.py and local/event_sink.py: Lambda's stream event source mapping, emulated for `make serve`.

The filter is the template's own; the mapping is driven by fake handlers (what a batch, a partial
failure, a raising function and a poison record do); the Streams API is moto's (DynamoDB Local's is
exercised end to end by tests/integration/test_make_serve.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from orders_domain.domain.events import SOURCE, DomainEvent, OrderEvent
from orders_domain.storage import keys

from local.event_sink import LocalEventSink
from local.gateway import Gateway
from local.stream import (
    EventSourceMapping,
    StreamPoller,
    all_records,
    event_source_settings,
    filter_patterns,
    matches,
    order_shards,
    table_stream_arn,
    to_lambda_record,
)
from local.stream_records import lambda_record
from local.tables import load_template
from tests.helpers import TEMPLATE

ORDER_PK = keys.order_key("tenant-a", "0f9a7c1e")["PK"]


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


def item(key: dict[str, str], **attributes: str) -> dict[str, Any]:
    return {name: {"S": value} for name, value in {**key, **attributes}.items()}


def order_records(count: int) -> list[dict[str, Any]]:
    """INSERT records of `count` order items, sequence numbers 1..count."""
    return [
        lambda_record(None, item({"PK": f"{ORDER_PK}{n}", "SK": keys.ORDER_SK}), n)
        for n in range(1, count + 1)
    ]


def seq(n: int) -> str:
    return str(n).rjust(21, "0")


class FakeHandler:
    """Records every event it gets; `answer` decides what it returns (or raises) for a batch."""

    def __init__(self, answer: Callable[[list[str]], Any] | None = None) -> None:
        self.batches: list[list[str]] = []
        self.answer = answer

    def __call__(self, event: dict[str, Any]) -> Any:
        numbers = [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]
        self.batches.append(numbers)
        return self.answer(numbers) if self.answer else {"batchItemFailures": []}


def mapping_for(handler: FakeHandler, **settings: Any) -> EventSourceMapping:
    options: dict[str, Any] = {
        "batch_size": 100,
        "maximum_retry_attempts": 5,
        "bisect_batch_on_function_error": True,
        "report_batch_item_failures": True,
    }
    return EventSourceMapping(handler, **{**options, **settings})


# ---------------------------------------------------------------------------- the template's filter
def test_given_the_templates_filter_when_an_order_item_is_written_then_its_record_reaches_the_function(
    template: dict[str, Any],
) -> None:
    patterns = filter_patterns(template)
    created = lambda_record(None, item({"PK": ORDER_PK, "SK": "ORDER"}), 1)
    removed = lambda_record(item({"PK": ORDER_PK, "SK": "ORDER"}), None, 2)

    assert patterns == [{"dynamodb": {"Keys": {"SK": {"S": ["ORDER"]}}}}]
    assert matches(patterns, created)
    assert matches(patterns, removed)


@pytest.mark.parametrize(
    "key",
    [
        keys.history_key("tenant-a", "0f9a7c1e", 1),
        keys.coupon_usage_key("tenant-a", "0f9a7c1e", 0),
        keys.order_number_counter_key("tenant-a"),
        keys.api_key_key("hash"),
        keys.api_key_id_key("key_1"),
    ],
    ids=["history-entry", "coupon-usage-row", "order-number-counter", "api-key", "api-key-id"],
)
def test_given_the_templates_filter_when_another_item_of_the_table_is_written_then_it_is_filtered_out(
    template: dict[str, Any], key: dict[str, str]
) -> None:
    record = lambda_record(None, item(key), 1)
    assert not matches(filter_patterns(template), record)


def test_given_the_templates_event_then_the_mapping_has_its_settings(template: dict[str, Any]) -> None:
    assert event_source_settings(template) == {
        "BatchSize": 100,
        "MaximumRetryAttempts": 5,
        "BisectBatchOnFunctionError": True,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "StartingPosition": "TRIM_HORIZON",
    }
    mapping = EventSourceMapping.from_template(template, FakeHandler())
    assert (mapping.batch_size, mapping.maximum_retry_attempts) == (100, 5)
    assert mapping.bisect
    assert mapping.report_batch_item_failures


def test_given_filter_patterns_then_every_key_they_name_must_hold_one_of_the_listed_values() -> None:
    record = {"a": {"b": "x", "n": 3, "flag": True, "tags": ["red", "blue"], "nothing": None}}
    assert matches([], record)
    assert matches([{"a": {"b": ["y", "x"]}}], record)
    assert matches([{"a": {"b": ["y"]}}, {"a": {"n": [3.0]}}], record)  # any pattern; numbers by value
    assert matches([{"a": {"tags": ["blue"]}}], record)  # an array in the record: any element
    assert matches([{"a": {"nothing": [None]}}], record)
    assert not matches([{"a": {"b": ["y"]}}], record)
    assert not matches([{"a": {"flag": [1]}}], record)  # true is not 1
    assert not matches([{"a": {"n": ["3"]}}], record)  # a string is not a number
    assert not matches([{"a": {"missing": ["x"]}}], record)
    assert not matches([{"a": {"b": {"deeper": ["x"]}}}], record)


def test_given_a_content_filter_the_emulation_does_not_know_then_reading_the_template_fails() -> None:
    prefix = '{"dynamodb": {"Keys": {"SK": {"S": [{"prefix": "O"}]}}}}'
    event = {"Type": "DynamoDB", "Properties": {"FilterCriteria": {"Filters": [{"Pattern": prefix}]}}}
    function = {"CodeUri": "functions/order_stream/", "Events": {"Changes": event}}
    template = {"Resources": {"Consumer": {"Type": "AWS::Serverless::Function", "Properties": function}}}
    with pytest.raises(ValueError, match="prefix"):
        filter_patterns(template)


# ---------------------------------------------------------------------------- the mapping
def test_given_250_records_when_delivered_then_the_function_gets_batches_of_batch_size_in_order() -> None:
    handler = FakeHandler()
    report = mapping_for(handler).deliver(order_records(250))

    assert [len(batch) for batch in handler.batches] == [100, 100, 50]
    assert [n for batch in handler.batches for n in batch] == [seq(n) for n in range(1, 251)]
    assert (report.invocations, report.records_delivered, report.retries, report.failed_batches) == (
        3,
        250,
        0,
        [],
    )


def test_given_the_templates_filter_when_records_are_delivered_then_filtered_ones_never_reach_the_function(
    template: dict[str, Any],
) -> None:
    handler = FakeHandler()
    order = lambda_record(None, item({"PK": ORDER_PK, "SK": "ORDER"}), 1)
    entry = lambda_record(None, item(keys.history_key("tenant-a", "0f9a7c1e", 1)), 2)
    counter = lambda_record(None, item(keys.order_number_counter_key("tenant-a")), 3)

    report = EventSourceMapping.from_template(template, handler).deliver([counter, order, entry])

    assert handler.batches == [[seq(1)]]
    assert (report.records_delivered, report.records_filtered) == (1, 2)


def test_given_a_partial_failure_then_only_the_records_from_the_lowest_failed_one_are_sent_again() -> None:
    # GIVEN a function that reports records 7 and 4 failed the first time, and nothing after
    def answer(numbers: list[str]) -> dict[str, Any]:
        failed = [seq(7), seq(4)] if len(handler.batches) == 1 else []
        return {"batchItemFailures": [{"itemIdentifier": n} for n in failed]}

    handler = FakeHandler(answer)
    # WHEN ten records are delivered
    report = mapping_for(handler).deliver(order_records(10))
    # THEN the retry starts at the lowest failure (4), not at 7 and not at 1
    assert handler.batches == [[seq(n) for n in range(1, 11)], [seq(n) for n in range(4, 11)]]
    assert (report.invocations, report.retries, report.records_delivered, report.failed_batches) == (
        2,
        1,
        10,
        [],
    )


def test_given_a_raising_function_when_bisect_is_on_then_the_batch_is_split_in_halves_and_each_retried() -> (
    None
):
    # GIVEN a function that raises for any batch of more than two records
    def answer(numbers: list[str]) -> dict[str, Any]:
        if len(numbers) > 2:
            raise RuntimeError("too many")
        return {"batchItemFailures": []}

    handler = FakeHandler(answer)
    report = mapping_for(handler).deliver(order_records(8))

    assert handler.batches == [
        [seq(n) for n in range(1, 9)],
        [seq(n) for n in range(1, 5)],
        [seq(1), seq(2)],
        [seq(3), seq(4)],
        [seq(n) for n in range(5, 9)],
        [seq(5), seq(6)],
        [seq(7), seq(8)],
    ]
    assert (report.bisections, report.retries, report.records_delivered, report.failed_batches) == (
        3,
        0,
        8,
        [],
    )


def test_given_a_poison_record_that_makes_the_function_raise_then_only_it_is_given_up_on() -> None:
    # GIVEN a function that raises whenever record 6 is in its batch
    def answer(numbers: list[str]) -> dict[str, Any]:
        if seq(6) in numbers:
            raise ValueError("cannot read record 6")
        return {"batchItemFailures": []}

    handler = FakeHandler(answer)
    # WHEN 10 records are delivered in batches of 10, then 5 more
    mapping = mapping_for(handler, batch_size=10, maximum_retry_attempts=2)
    report = mapping.deliver(order_records(15), shard_id="shard-1")
    # THEN bisection isolates record 6, which is retried twice and then given up on, alone
    [failed] = report.failed_batches
    assert (failed.shard_id, failed.first_sequence_number, failed.last_sequence_number) == (
        "shard-1",
        seq(6),
        seq(6),
    )
    assert failed.batch_size == 1
    assert failed.reason == "RetryAttemptsExhausted"
    assert "cannot read record 6" in failed.error
    assert handler.batches.count([seq(6)]) == 3  # the first try and two retries
    # AND every other record was delivered, in order, and delivery went on past the poison record
    delivered = [n for batch in handler.batches if seq(6) not in batch for n in batch]
    assert delivered == [seq(n) for n in range(1, 16) if n != 6]
    assert report.records_delivered == 14
    assert report.retries == 2


def test_given_a_record_reported_failed_every_time_then_the_rest_of_its_batch_is_given_up_with_it() -> None:
    # GIVEN a function that always reports record 4 failed (as Powertools' BatchProcessor does for a
    # record it cannot process): Lambda retries from it, and after the retries skips what is left
    def answer(numbers: list[str]) -> dict[str, Any]:
        return {"batchItemFailures": [{"itemIdentifier": seq(4)}] if seq(4) in numbers else []}

    handler = FakeHandler(answer)
    report = mapping_for(handler, batch_size=6, maximum_retry_attempts=3).deliver(order_records(9))

    [failed] = report.failed_batches
    assert (failed.first_sequence_number, failed.last_sequence_number, failed.batch_size) == (
        seq(4),
        seq(6),
        3,
    )
    assert handler.batches[1:4] == [[seq(4), seq(5), seq(6)]] * 3
    assert handler.batches[-1] == [seq(7), seq(8), seq(9)]  # the next batch is delivered
    assert report.records_delivered == 3 + 3


@pytest.mark.parametrize(
    "failures",
    [[{"itemIdentifier": ""}], [{"itemIdentifier": None}], [{"id": "x"}], [{"itemIdentifier": "999"}]],
    ids=["empty", "null", "misnamed", "not-in-the-batch"],
)
def test_given_a_bad_item_identifier_then_the_whole_batch_is_retried(failures: list[dict[str, Any]]) -> None:
    handler = FakeHandler(
        lambda numbers: {"batchItemFailures": failures if len(handler.batches) == 1 else []}
    )
    report = mapping_for(handler).deliver(order_records(3))
    assert handler.batches == [[seq(1), seq(2), seq(3)]] * 2
    assert (report.retries, report.records_delivered) == (1, 3)


def test_given_report_batch_item_failures_off_then_the_answer_is_not_read() -> None:
    handler = FakeHandler(lambda numbers: {"batchItemFailures": [{"itemIdentifier": numbers[0]}]})
    report = mapping_for(handler, report_batch_item_failures=False).deliver(order_records(3))
    assert (report.invocations, report.retries, report.records_delivered) == (1, 0, 3)


# ---------------------------------------------------------------------------- reading the stream
def test_given_a_streams_api_record_then_it_takes_the_shape_lambda_hands_a_function() -> None:
    # GIVEN a record as boto3's GetRecords returns it (a datetime, bytes for binary values)
    record = {
        "eventID": "e-1",
        "eventName": "MODIFY",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": datetime(2026, 11, 29, 14, 0, tzinfo=UTC),
            "Keys": {"PK": {"S": ORDER_PK}, "SK": {"S": "ORDER"}},
            "NewImage": {"PK": {"S": ORDER_PK}, "SK": {"S": "ORDER"}, "blob": {"B": b"\x00\xff"}},
            "OldImage": {"PK": {"S": ORDER_PK}, "SK": {"S": "ORDER"}, "m": {"M": {"bs": {"BS": [b"a"]}}}},
            "SequenceNumber": seq(9),
            "SizeBytes": 42,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }
    converted = to_lambda_record(record, "arn:stream")
    # THEN it has exactly the keys local/stream_records.py builds, in JSON types
    reference = lambda_record(item({"PK": ORDER_PK, "SK": "ORDER"}), item({"PK": ORDER_PK, "SK": "ORDER"}), 9)
    assert set(converted) == set(reference)
    assert set(converted["dynamodb"]) == set(reference["dynamodb"])
    assert converted["eventSourceARN"] == "arn:stream"
    assert (
        converted["dynamodb"]["ApproximateCreationDateTime"]
        == datetime(2026, 11, 29, 14, tzinfo=UTC).timestamp()
    )
    assert converted["dynamodb"]["NewImage"]["blob"] == {"B": "AP8="}
    assert converted["dynamodb"]["OldImage"]["m"] == {"M": {"bs": {"BS": ["YQ=="]}}}
    json.dumps(converted)  # what Lambda hands a function is JSON


def test_given_rolled_shards_then_parents_are_read_before_their_children() -> None:
    def shard(shard_id: str, start: int, parent: str | None = None) -> dict[str, Any]:
        found: dict[str, Any] = {
            "ShardId": shard_id,
            "SequenceNumberRange": {"StartingSequenceNumber": str(start)},
        }
        if parent:
            found["ParentShardId"] = parent
        return found

    shards = [
        shard("child", 1, "parent"),
        shard("grandchild", 2, "child"),
        shard("parent", 50),
        shard("orphan", 9, "gone"),
    ]
    assert [s["ShardId"] for s in order_shards(shards)] == ["orphan", "parent", "child", "grandchild"]


def _write(client: Any, table: str, key: dict[str, str], **attributes: str) -> None:
    client.put_item(TableName=table, Item=item(key, **attributes))


def test_given_writes_to_the_table_then_all_records_returns_each_in_lambdas_shape_in_order(
    tables: dict[str, str],
) -> None:
    table = tables["OrdersTable"]
    dynamodb = boto3.client("dynamodb")
    streams = boto3.client("dynamodbstreams")
    order_key = keys.order_key("tenant-a", "o-1")
    _write(dynamodb, table, order_key, doc="v1")
    _write(dynamodb, table, keys.history_key("tenant-a", "o-1", 1))
    _write(dynamodb, table, order_key, doc="v2")

    records = all_records(streams, table_stream_arn(dynamodb, table))

    assert [(r["eventName"], r["dynamodb"]["Keys"]["SK"]["S"]) for r in records] == [
        ("INSERT", "ORDER"),
        ("INSERT", "HIST#0000000001"),
        ("MODIFY", "ORDER"),
    ]
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert numbers == sorted(numbers)
    assert records[2]["dynamodb"]["OldImage"]["doc"] == {"S": "v1"}
    assert all(r["eventSourceARN"] == table_stream_arn(dynamodb, table) for r in records)
    assert all(isinstance(r["dynamodb"]["ApproximateCreationDateTime"], float) for r in records)


def test_given_a_checkpoint_when_the_poller_starts_again_then_it_delivers_only_what_is_new(
    tables: dict[str, str], tmp_path: Path, template: dict[str, Any]
) -> None:
    table = tables["OrdersTable"]
    dynamodb = boto3.client("dynamodb")
    streams = boto3.client("dynamodbstreams")
    checkpoint = tmp_path / "stream-checkpoints.json"

    def poller(handler: FakeHandler) -> StreamPoller:
        mapping = EventSourceMapping.from_template(template, handler)
        return StreamPoller(dynamodb, streams, table, mapping, checkpoint_path=checkpoint)

    # GIVEN an order write and a history entry write, polled and delivered
    _write(dynamodb, table, keys.order_key("tenant-a", "o-1"), doc="v1")
    _write(dynamodb, table, keys.history_key("tenant-a", "o-1", 1))
    first = FakeHandler()
    first_poller = poller(first)
    assert first_poller.poll_once() == 2
    assert [len(batch) for batch in first.batches] == [1]  # the history entry was filtered out
    assert json.loads(checkpoint.read_text())["stream_arn"] == table_stream_arn(dynamodb, table)
    # WHEN another order is written and a new poller starts from the checkpoint
    _write(dynamodb, table, keys.order_key("tenant-a", "o-2"), doc="v1")
    second = FakeHandler()
    second_poller = poller(second)
    while second_poller.poll_once():
        pass
    # THEN it delivers only the new write
    assert len(second.batches) == 1
    assert len(second.batches[0]) == 1
    assert second_poller.report.records_delivered == 1
    assert first.batches[0] != second.batches[0]


# ---------------------------------------------------------------------------- the local event sink
def domain_event(n: int, event_type: OrderEvent = OrderEvent.CREATED) -> DomainEvent:
    detail = {"event_id": f"event-{n}", "tenant_id": "tenant-a", "order_id": f"o-{n}", "sys_version": 1}
    return DomainEvent(event_type, detail)


def test_given_published_events_then_the_sink_keeps_them_in_order_and_appends_them_to_its_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "data" / "events.jsonl"
    sink = LocalEventSink(path, keep=2)

    refused = sink.publish([domain_event(1), domain_event(2, OrderEvent.UPDATED)])
    sink.publish([domain_event(3)])

    assert refused == []
    kept = sink.events()
    assert [(e["position"], e["id"], e["detail-type"]) for e in kept] == [
        (2, "event-2", "OrderUpdated"),
        (3, "event-3", "OrderCreated"),
    ]
    assert kept[0]["source"] == SOURCE
    assert kept[0]["detail"]["order_id"] == "o-2"
    assert datetime.strptime(kept[0]["time"], "%Y-%m-%dT%H:%M:%SZ")
    assert [e["id"] for e in sink.events(after=2)] == ["event-3"]
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["id"] for line in lines] == ["event-1", "event-2", "event-3"]


def test_given_a_sink_file_from_an_earlier_run_then_positions_go_on_from_it(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    LocalEventSink(path).publish([domain_event(1), domain_event(2)])

    again = LocalEventSink(path)
    again.publish([domain_event(3)])

    assert [(e["position"], e["id"]) for e in again.events()] == [
        (1, "event-1"),
        (2, "event-2"),
        (3, "event-3"),
    ]


def test_given_a_gateway_then_get_local_events_is_served_only_when_wired_in_and_shows_only_the_keys_tenant(
    tmp_path: Path, tables: dict[str, str]
) -> None:
    from tests.helpers import seed_key

    # GIVEN keys of two tenants (one key without orders:read) and events of both tenants
    seed_key("tenant-a", "key-a")
    seed_key("tenant-b", "key-b")
    seed_key("tenant-a", "key-a-write-only", ["orders:write"])
    sink = LocalEventSink(tmp_path / "events.jsonl")
    tenant_b = DomainEvent(OrderEvent.CREATED, {**domain_event(3).detail, "tenant_id": "tenant-b"})
    sink.publish([domain_event(1), domain_event(2), tenant_b])
    plain = Gateway(TEMPLATE)
    wired = Gateway(TEMPLATE, local_routes={"/_local/events": sink.answer})

    # WHEN the events are asked for without, with a wrong, with a write-only and with good keys
    not_there, _, _ = plain.handle("GET", "/_local/events", {"x-api-key": "key-a"})
    no_key, no_key_headers, no_key_body = wired.handle("GET", "/_local/events")
    unknown_key, _, _ = wired.handle("GET", "/_local/events", {"x-api-key": "not-a-key"})
    write_only, _, _ = wired.handle("GET", "/_local/events", {"x-api-key": "key-a-write-only"})
    status, headers, body = wired.handle("GET", "/_local/events?after=1", {"x-api-key": "key-a"})
    b_status, _, b_body = wired.handle("GET", "/_local/events", {"Authorization": "key-b"})
    bad_status, _, _ = wired.handle("GET", "/_local/events?after=last", {"x-api-key": "key-a"})

    # THEN no key (or an unknown one) is the template's 401 problem, a key without orders:read a 403
    assert not_there == 404
    assert (no_key, unknown_key, write_only) == (401, 401, 403)
    assert no_key_headers["Content-Type"] == "application/problem+json"
    assert json.loads(no_key_body)["code"] == "unauthorized"
    # AND each key sees its own tenant's events only, paged by position
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    document = json.loads(body)
    assert document["Count"] == 1
    assert [e["id"] for e in document["Items"]] == ["event-2"]
    assert b_status == 200
    assert [(e["id"], e["position"]) for e in json.loads(b_body)["Items"]] == [("event-3", 3)]
    assert bad_status == 400
