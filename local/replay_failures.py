"""`make replay-failures`: project again what the order stream's event source gave up on.

    make replay-failures              replay every message of the on-failure queue, then delete it
    make replay-failures DRY_RUN=1    read the messages and their records, change nothing
    (options of `python -m local.replay_failures`: --queue-url, --max-messages, --drop-trimmed)

When Lambda gives up on stream records (template: MaximumRetryAttempts, MaximumRecordAgeInSeconds)
it sends the on-failure queue where they are, not what they are: a message whose
`DDBStreamBatchInfo` names the stream, the shard and the first and last sequence numbers of the
range (Powertools' parser models it: `DDBStreamBatchInfo`). For each message this reads the range
back from the stream (GetShardIterator AT_SEQUENCE_NUMBER of the first, GetRecords until past the
last), runs it through the order_stream function's own code (`app.process`: the same reading,
projection, retries and publication, in batches of the template's BatchSize), again for the records
that still fail (up to ATTEMPTS times), and deletes the message only once every record of its range
projected. A message it cannot finish is left in the queue (visible again when the run ends).

Idempotent: every projection is keyed by the order version (services/project.py), so replaying a
range twice, after its records projected on a later delivery, or while the live consumer runs
changes nothing, and an event published again carries the same id.

Stream records live 24 hours. A range already trimmed (TrimmedDataAccessException, or a shard or
stream no longer there) cannot be read: it is reported as such, with what can still be done, and
kept in the queue (`--drop-trimmed` deletes it after the report). The message names no order, so the
orders must come from elsewhere (the function logs "A projection failed" with the order id and the
sequence number). For a named order, its current item is enough to rebuild its coupon usage rows
exactly (they depend on the latest version alone) and its current version's event; it is not enough
for its history: each entry holds the way from the version before, so the entries of the versions
written during the lost range are gone, and the versions after them cannot be rebuilt until the next
snapshot entry (one at least every SNAPSHOT_EVERY versions); their events cannot be derived again.

Which queue: --queue-url, else ORDERS_STREAM_FAILURES_QUEUE_URL, else the stack's
OrderStreamFailuresQueueUrl output (STACK, default: samconfig.toml's stack_name). The table is the
one whose stream the message names; the event bus ORDERS_EVENT_BUS_NAME, else the stack's
OrderEventBusName. DYNAMODB_ENDPOINT_URL for a local DynamoDB, as elsewhere.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

#: Tries of a range's records before its message is left in the queue.
ATTEMPTS = 3
#: How long a received message stays hidden from other readers while this run works on it.
VISIBILITY_SECONDS = 900
#: DynamoDB Streams keeps records this long.
STREAM_RETENTION = timedelta(hours=24)
#: Empty GetRecords answers in a row after which a range's end counts as unreachable (AWS may answer
#: empty before the end of a shard's records).
EMPTY_READS = 20
#: The order_stream event's batch size (template.yaml BatchSize).
BATCH_SIZE = 100
#: The pause before a range's failing records are tried again, doubling each time.
RETRY_PAUSE_SECONDS = 1.0
TRIMMED_ADVICE = (
    "its records are older than the stream's 24 hours and gone. The message names no order: find them "
    'in the order_stream logs ("A projection failed": order_id, sequence_number). For such an order, '
    "its current item rebuilds its coupon usage rows exactly and its current version's event; the "
    "history entries of the versions written in the range are lost, and the versions after them cannot "
    "be rebuilt until the next snapshot entry; their events cannot be derived again."
)
Record = dict[str, Any]


class RangeUnreadable(Exception):
    """The range cannot be read from the stream (trimmed, or its shard or stream gone)."""


@dataclass(frozen=True)
class FailedRange:
    """A message of the on-failure queue: where the records it gave up on are."""

    message_id: str
    receipt_handle: str
    stream_arn: str
    shard_id: str
    first: str
    last: str
    batch_size: int
    first_arrival: datetime

    @classmethod
    def of(cls, message: dict[str, Any]) -> FailedRange:
        """The range a queue message names; ValueError when it is not an on-failure record of a
        DynamoDB stream."""
        from aws_lambda_powertools.utilities.parser.models.dynamodb import DDBStreamBatchInfo
        from pydantic import ValidationError

        try:
            info = DDBStreamBatchInfo.model_validate(json.loads(message["Body"])["DDBStreamBatchInfo"])
        except (KeyError, TypeError, ValueError, ValidationError) as error:
            raise ValueError(f"not a DynamoDB stream on-failure record: {error}") from error
        return cls(
            message_id=str(message["MessageId"]),
            receipt_handle=str(message["ReceiptHandle"]),
            stream_arn=info.stream_arn,
            shard_id=info.shard_id,
            first=info.start_sequence_number,
            last=info.end_sequence_number,
            batch_size=info.batch_size,
            first_arrival=info.approximate_arrival_of_first_record,
        )

    @property
    def table_name(self) -> str:
        """arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>"""
        return self.stream_arn.split(":", 5)[-1].split("/")[1]

    def __str__(self) -> str:
        return f"shard {self.shard_id} {self.first}..{self.last} ({self.batch_size} records)"


def read_range(streams: Any, failed: FailedRange) -> list[Record]:
    """The range's records from the stream, in Lambda's shape; RangeUnreadable when it is gone."""
    from botocore.exceptions import ClientError

    from local.stream import read_batch, sequence_number, shard_iterator

    last, records, empty = int(failed.last), [], 0
    try:
        iterator = shard_iterator(
            streams, failed.stream_arn, failed.shard_id, "AT_SEQUENCE_NUMBER", failed.first
        )
        while iterator is not None:
            batch, iterator = read_batch(streams, failed.stream_arn, iterator)
            empty = 0 if batch else empty + 1
            records += [r for r in batch if int(sequence_number(r)) <= last]
            if any(int(sequence_number(r)) >= last for r in batch):
                return records
            if empty >= EMPTY_READS:
                break
    except ClientError as error:
        code = (error.response.get("Error") or {}).get("Code")
        if code in ("TrimmedDataAccessException", "ResourceNotFoundException", "ExpiredIteratorException"):
            raise RangeUnreadable(f"{code}: {error}") from error
        raise
    raise RangeUnreadable(
        f"the stream ends before sequence number {failed.last} ({len(records)} records read)"
    )


def project(records: Sequence[Record]) -> list[str]:
    """The records through the order_stream function's code, in batches of BATCH_SIZE, the failing
    ones again up to ATTEMPTS times in all; the sequence numbers that still fail."""
    from functions.order_stream import app
    from local.stream import sequence_number

    pending = list(records)
    for attempt in range(ATTEMPTS):
        failed: set[str] = set()
        for start in range(0, len(pending), BATCH_SIZE):
            outcome = app.process(pending[start : start + BATCH_SIZE])
            failed |= {f["itemIdentifier"] for f in outcome.failures}
        pending = [r for r in pending if sequence_number(r) in failed]
        if not pending:
            return []
        if attempt + 1 < ATTEMPTS:
            time.sleep(RETRY_PAUSE_SECONDS * 2**attempt)
    return [sequence_number(r) for r in pending]


@dataclass
class Summary:
    replayed: int = 0
    records: int = 0
    dry_run: int = 0
    trimmed: int = 0
    failed: int = 0
    unreadable_messages: int = 0
    lines: list[str] = field(default_factory=list)

    @property
    def left(self) -> int:
        return self.trimmed + self.failed + self.unreadable_messages


def _order_changes(records: Sequence[Record]) -> int:
    from orders_domain.storage.order_records import is_order_item

    return sum(1 for r in records if is_order_item(r))


def replay(
    sqs: Any,
    streams: Any,
    queue_url: str,
    *,
    dry_run: bool = False,
    drop_trimmed: bool = False,
    max_messages: int | None = None,
    use_table: Callable[[str], None] = lambda _: None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    wait_seconds: int = 1,
) -> Summary:
    """Replay the queue's messages (see the module docstring); `use_table` points the consumer's
    wiring at a message's table before its records are projected."""
    summary = Summary()
    keep: list[str] = []  # receipt handles to make visible again at the end
    try:
        while max_messages is None or summary.replayed + summary.dry_run + summary.left < max_messages:
            answer = sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=10 if max_messages is None else min(10, max_messages),
                VisibilityTimeout=VISIBILITY_SECONDS,
                WaitTimeSeconds=wait_seconds,
            )
            messages = answer.get("Messages") or []
            if not messages:
                break
            for message in messages:
                done = _one(sqs, streams, queue_url, message, summary, dry_run, drop_trimmed, use_table, now)
                if not done:
                    keep.append(str(message["ReceiptHandle"]))
    finally:
        for handle in keep:
            sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=handle, VisibilityTimeout=0)
    return summary


def _one(
    sqs: Any,
    streams: Any,
    queue_url: str,
    message: dict[str, Any],
    summary: Summary,
    dry_run: bool,
    drop_trimmed: bool,
    use_table: Callable[[str], None],
    now: Callable[[], datetime],
) -> bool:
    """One message; whether it was deleted."""
    try:
        failed = FailedRange.of(message)
    except ValueError as error:
        summary.unreadable_messages += 1
        summary.lines.append(f"KEPT message {message.get('MessageId')}: {error}")
        return False
    try:
        records = read_range(streams, failed)
    except RangeUnreadable as error:
        summary.trimmed += 1
        age = now() - failed.first_arrival
        old = f", first record {age.total_seconds() / 3600:.1f} h old" if age > STREAM_RETENTION else ""
        summary.lines.append(f"TRIMMED {failed}{old}: {error}; {TRIMMED_ADVICE}")
        if drop_trimmed and not dry_run:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=failed.receipt_handle)
            summary.lines.append(f"  deleted message {failed.message_id} (--drop-trimmed)")
            return True
        return False
    changes = _order_changes(records)
    if dry_run:
        summary.dry_run += 1
        summary.lines.append(f"would replay {failed}: {len(records)} records read, {changes} of order items")
        return False
    use_table(failed.table_name)
    still_failing = project(records)
    if still_failing:
        summary.failed += 1
        summary.lines.append(
            f"FAILED {failed}: {len(still_failing)} of {len(records)} records still fail after "
            f"{ATTEMPTS} tries (first {still_failing[0]}); message kept"
        )
        return False
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=failed.receipt_handle)
    summary.replayed += 1
    summary.records += len(records)
    summary.lines.append(
        f"replayed {failed}: {len(records)} records, {changes} of order items; message deleted"
    )
    return True


# ---------------------------------------------------------------------------- the command
def _stack_output(key: str) -> str:
    import boto3

    from local.api_keys import _stack_name

    stack = _stack_name()
    outputs = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    for output in outputs:
        if output["OutputKey"] == key:
            return str(output["OutputValue"])
    raise SystemExit(f"stack {stack} has no {key} output")


def _use_table(event_bus: Callable[[], str]) -> Callable[[str], None]:
    """Point the process's wiring at a table (the consumer's code reads `wiring.current()`)."""

    def use(table_name: str) -> None:
        from orders_domain.runtime import wiring
        from orders_domain.runtime.settings import Settings

        if wiring.current().settings.orders_table_name == table_name:
            return
        settings = Settings(
            orders_table_name=table_name,
            idempotency_table_name="",
            dynamodb_endpoint_url=os.environ.get("DYNAMODB_ENDPOINT_URL") or None,
            event_bus_name=event_bus(),
        )
        wiring.reset(wiring.Wiring(settings=settings))

    return use


def main(argv: list[str] | None = None) -> int:
    import boto3
    from orders_domain.runtime import wiring
    from orders_domain.runtime.settings import Settings

    from local.api_keys import caller_region

    parser = argparse.ArgumentParser(
        prog="python -m local.replay_failures", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--queue-url", default="", help="default: ORDERS_STREAM_FAILURES_QUEUE_URL or the stack's"
    )
    parser.add_argument("--dry-run", action="store_true", help="read messages and records; change nothing")
    parser.add_argument("--drop-trimmed", action="store_true", help="delete the messages of trimmed ranges")
    parser.add_argument("--max-messages", type=int, default=None)
    args = parser.parse_args(argv)
    os.environ["AWS_DEFAULT_REGION"] = caller_region(os.environ)
    queue_url = (
        args.queue_url
        or os.environ.get("ORDERS_STREAM_FAILURES_QUEUE_URL")
        or _stack_output("OrderStreamFailuresQueueUrl")
    )

    def event_bus() -> str:
        return os.environ.get("ORDERS_EVENT_BUS_NAME") or _stack_output("OrderEventBusName")

    endpoint = os.environ.get("DYNAMODB_ENDPOINT_URL") or None
    # No table yet: each message names its own (use_table); nothing is built before.
    wiring.reset(wiring.Wiring(settings=Settings("", "", endpoint)))
    summary = replay(
        boto3.client("sqs"),
        boto3.client("dynamodbstreams", endpoint_url=endpoint),
        queue_url,
        dry_run=args.dry_run,
        drop_trimmed=args.drop_trimmed,
        max_messages=args.max_messages,
        use_table=_use_table(event_bus),
    )
    for line in summary.lines:
        print(line)
    print(
        f"{summary.replayed} range(s) replayed ({summary.records} records), {summary.dry_run} listed "
        f"(dry run), {summary.trimmed} trimmed, {summary.failed} still failing, "
        f"{summary.unreadable_messages} unreadable"
    )
    return 1 if summary.left else 0


if __name__ == "__main__":
    sys.exit(main())
