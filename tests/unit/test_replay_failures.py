"""`make replay-failures` on moto's SQS and DynamoDB Streams: a range given up on projects once, its
message goes only then, a dry run and a second run change nothing, trimmed ranges are named."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from orders_domain.models import Order, OrderCreateRequest
from orders_domain.runtime import wiring
from orders_domain.services import CreateOrders
from orders_domain.storage.orders import OrderRecord

from harness.stream_replay import RecordingPublisher
from local import replay_failures
from local.replay_failures import FailedRange, replay
from local.stream import all_records, describe_shards, sequence_number, table_stream_arn
from tests.fakes import InMemoryOrderRepository
from tests.helpers import COUPON_ORDER_REQUEST

TENANT = "tenant-a"
REGION = "us-east-1"


def new_order() -> Order:
    request = OrderCreateRequest.model_validate(COUPON_ORDER_REQUEST)
    return CreateOrders(InMemoryOrderRepository()).create(request, tenant_id=TENANT, actor="key_t").order


def on_failure_message(stream_arn: str, shard_id: str, first: str, last: str, count: int) -> str:
    """The body Lambda sends the on-failure destination of a DynamoDB event source (AWS's shape)."""
    return json.dumps(
        {
            "requestContext": {
                "requestId": "316aa6d0-8154-xmpl-9af7-85d5f4a6bc81",
                "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:order-stream",
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": 6,
            },
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled",
            },
            "version": "1.0",
            "timestamp": "2026-11-29T10:00:05.000Z",
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": first,
                "endSequenceNumber": last,
                "approximateArrivalOfFirstRecord": "2026-11-29T10:00:00Z",
                "approximateArrivalOfLastRecord": "2026-11-29T10:00:01Z",
                "batchSize": count,
                "streamArn": stream_arn,
            },
        }
    )


@pytest.fixture
def stream(tables: dict[str, str], publisher: RecordingPublisher) -> dict[str, Any]:
    """Three orders written to the table (their projections not made), the stream's records, a queue."""
    admin = boto3.client("dynamodb", region_name=REGION)
    orders = [new_order() for _ in range(3)]
    for order in orders:
        admin.put_item(TableName=tables["OrdersTable"], Item=OrderRecord(order=order).to_item())
    streams = boto3.client("dynamodbstreams", region_name=REGION)
    arn = table_stream_arn(admin, tables["OrdersTable"])
    sqs = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName="order-stream-failures")["QueueUrl"]
    return {
        "orders": orders,
        "records": all_records(streams, arn),
        "shard": describe_shards(streams, arn)[0]["ShardId"],
        "arn": arn,
        "streams": streams,
        "sqs": sqs,
        "queue": queue,
    }


def send_range(stream: dict[str, Any], first: int, last: int) -> None:
    records = stream["records"][first : last + 1]
    body = on_failure_message(
        stream["arn"],
        stream["shard"],
        sequence_number(records[0]),
        sequence_number(records[-1]),
        len(records),
    )
    stream["sqs"].send_message(QueueUrl=stream["queue"], MessageBody=body)


def messages_left(stream: dict[str, Any]) -> int:
    got = stream["sqs"].receive_message(QueueUrl=stream["queue"], MaxNumberOfMessages=10, VisibilityTimeout=0)
    return len(got.get("Messages") or [])


def versions(order: Order) -> list[int]:
    return [e.version for e in wiring.current().history.entries(TENANT, order.id)]


def test_given_a_range_given_up_on_when_replayed_then_exactly_its_orders_project_and_the_message_goes(
    stream: dict[str, Any], publisher: RecordingPublisher
) -> None:
    first, second, third = stream["orders"]
    send_range(stream, 1, 2)  # the second and third orders' records
    summary = replay(stream["sqs"], stream["streams"], stream["queue"], wait_seconds=0)
    assert (summary.replayed, summary.records, summary.left) == (1, 2, 0)
    assert [versions(o) for o in (first, second, third)] == [[], [1], [1]]
    assert sorted(e.detail["order_id"] for e in publisher.accepted) == sorted([second.id, third.id])
    assert messages_left(stream) == 0
    assert "message deleted" in summary.lines[0]


def test_replaying_a_range_again_changes_no_projection_and_publishes_only_the_same_events(
    stream: dict[str, Any], publisher: RecordingPublisher
) -> None:
    admin = boto3.client("dynamodb", region_name=REGION)
    table = wiring.current().settings.orders_table_name
    send_range(stream, 0, 2)
    replay(stream["sqs"], stream["streams"], stream["queue"], wait_seconds=0)
    before = sorted(json.dumps(i, sort_keys=True, default=str) for i in admin.scan(TableName=table)["Items"])
    ids = {e.event_id for e in publisher.accepted}
    send_range(stream, 0, 2)
    summary = replay(stream["sqs"], stream["streams"], stream["queue"], wait_seconds=0)
    assert summary.replayed == 1
    after = sorted(json.dumps(i, sort_keys=True, default=str) for i in admin.scan(TableName=table)["Items"])
    assert after == before
    assert {e.event_id for e in publisher.accepted} == ids
    assert len(publisher.accepted) == 6


def test_a_dry_run_reads_the_range_and_changes_nothing(
    stream: dict[str, Any], publisher: RecordingPublisher
) -> None:
    send_range(stream, 0, 2)
    summary = replay(stream["sqs"], stream["streams"], stream["queue"], dry_run=True, wait_seconds=0)
    assert (summary.dry_run, summary.replayed) == (1, 0)
    assert summary.lines == [
        f"would replay shard {stream['shard']} "
        f"{sequence_number(stream['records'][0])}..{sequence_number(stream['records'][2])} "
        "(3 records): 3 records read, 3 of order items"
    ]
    assert [versions(o) for o in stream["orders"]] == [[], [], []]
    assert publisher.accepted == []
    assert messages_left(stream) == 1  # visible again at once


def test_a_range_whose_records_still_fail_keeps_its_message(
    stream: dict[str, Any], publisher: RecordingPublisher, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functions.order_stream import app

    poison = sequence_number(stream["records"][1])
    real = app.process
    tries: list[int] = []

    def failing(records: Any, context: Any = None) -> Any:
        tries.append(len(records))
        outcome = real([r for r in records if sequence_number(r) != poison], context)
        return outcome._replace(failures=[*outcome.failures, {"itemIdentifier": poison}])

    monkeypatch.setattr(app, "process", failing)
    monkeypatch.setattr(replay_failures, "RETRY_PAUSE_SECONDS", 0.0)
    send_range(stream, 0, 2)
    summary = replay(stream["sqs"], stream["streams"], stream["queue"], wait_seconds=0)
    assert (summary.failed, summary.replayed) == (1, 0)
    assert tries == [3, 1, 1]  # the whole range, then only the failing record
    assert summary.lines[0].startswith("FAILED")
    assert poison in summary.lines[0]
    assert messages_left(stream) == 1
    assert [versions(o) for o in stream["orders"]] == [[1], [], [1]]


class TrimmedStreams:
    """A DynamoDB Streams client whose records of the range are gone."""

    def get_shard_iterator(self, **_: Any) -> dict[str, Any]:
        error = {"Error": {"Code": "TrimmedDataAccessException", "Message": "trimmed"}}
        raise ClientError(error, "GetShardIterator")  # type: ignore[arg-type]


def test_a_trimmed_range_is_named_with_what_can_still_be_done_and_kept_unless_dropped(
    stream: dict[str, Any], publisher: RecordingPublisher
) -> None:
    send_range(stream, 0, 2)
    later = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
    summary = replay(stream["sqs"], TrimmedStreams(), stream["queue"], now=lambda: later, wait_seconds=0)
    assert (summary.trimmed, summary.left) == (1, 1)
    (line,) = summary.lines
    assert line.startswith(f"TRIMMED shard {stream['shard']}")
    assert "first record 36.0 h old" in line
    assert "coupon usage rows exactly" in line
    assert "TrimmedDataAccessException" in line
    assert messages_left(stream) == 1
    dropped = replay(stream["sqs"], TrimmedStreams(), stream["queue"], drop_trimmed=True, wait_seconds=0)
    assert "deleted message" in dropped.lines[-1]
    assert messages_left(stream) == 0


def test_a_message_that_is_not_an_on_failure_record_is_kept_and_named(stream: dict[str, Any]) -> None:
    stream["sqs"].send_message(QueueUrl=stream["queue"], MessageBody='{"hello": "world"}')
    summary = replay(stream["sqs"], stream["streams"], stream["queue"], wait_seconds=0)
    assert summary.unreadable_messages == 1
    assert "not a DynamoDB stream on-failure record" in summary.lines[0]
    assert messages_left(stream) == 1


def test_the_range_of_a_message_and_its_table() -> None:
    arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders-api-OrdersTable-1X/stream/2026-11-01T00:00:00"
    message = {
        "MessageId": "m1",
        "ReceiptHandle": "r1",
        "Body": on_failure_message(arn, "shardId-1", "5", "9", 4),
    }
    failed = FailedRange.of(message)
    assert (failed.shard_id, failed.first, failed.last, failed.batch_size) == ("shardId-1", "5", "9", 4)
    assert failed.table_name == "orders-api-OrdersTable-1X"
    assert failed.first_arrival == datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    assert failed.first_arrival + timedelta(hours=24) > failed.first_arrival


def test_read_range_stops_at_the_last_sequence_number(stream: dict[str, Any]) -> None:
    records = stream["records"]
    message = {
        "MessageId": "m",
        "ReceiptHandle": "r",
        "Body": on_failure_message(
            stream["arn"], stream["shard"], sequence_number(records[0]), sequence_number(records[1]), 2
        ),
    }
    got = replay_failures.read_range(stream["streams"], FailedRange.of(message))
    assert [sequence_number(r) for r in got] == [sequence_number(r) for r in records[:2]]


def test_the_command_points_the_consumer_at_the_messages_table_and_its_bus(
    stream: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    boto3.client("events", region_name=REGION).create_event_bus(Name="orders-bus")
    monkeypatch.setenv("ORDERS_EVENT_BUS_NAME", "orders-bus")
    monkeypatch.setenv("ORDERS_STREAM_FAILURES_QUEUE_URL", stream["queue"])
    table = wiring.current().settings.orders_table_name
    send_range(stream, 0, 0)
    assert replay_failures.main(["--dry-run"]) == 0
    assert "1 listed (dry run)" in capsys.readouterr().out
    assert replay_failures.main([]) == 0
    assert "1 range(s) replayed (1 records)" in capsys.readouterr().out
    assert wiring.current().settings.orders_table_name == table
    assert versions(stream["orders"][0]) == [1]
    assert messages_left(stream) == 0
