"""order_stream: the orders table's DynamoDB stream -> history, coupon usage rows, EventBridge events.

A batch goes through three steps, each failing only the records it has to:
1. Powertools' BatchProcessor runs each record through `record_handler`, which reads it and works out
   its projection (no I/O); a record that cannot be read fails there, alone.
2. The projections' puts are made at once (ProjectOrderChanges.write: a bounded thread pool, a
   throttled put tried again with backoff within the retry window); a record any of whose puts
   still failed is reported failed.
3. The events of the records whose puts all succeeded are published (PutEvents calls at once); a
   record whose event was refused is reported failed as well. A failed record's event is never
   published: it is published when the record is delivered again and projects.

Lambda delivers again from the first failed record (partial batch response). Every delivery runs
every record of the batch, so a record that can never succeed (a poison record) holds back nothing
but itself: the records after it are projected on the first delivery, and when Lambda gives up on it
(template: 5 retries) the on-failure queue names the range from it on, which is safe to replay
(`make replay-failures`). A record of another item type (history entries, coupon rows, counters,
keys) is skipped on its key alone; the event source's filter keeps most of them from reaching the
function at all. Projecting again is a no-op and an event published again has the same id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from orders_domain.runtime import cold_start, wiring
from orders_domain.services.project import Projection, retry_window

logger = Logger()
metrics = Metrics()
# Every record failing is a partial response too (all of them retried), not an exception: the same
# answer either way, without a traceback per record in the logs.
processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
#: Without a Lambda context (a replay run by an operator): the retry window's share of this.
UNBOUNDED_SECONDS = 60.0


def record_handler(record: DynamoDBRecord) -> tuple[str, Projection] | None:
    """Read one record; its sequence number and projection when it is an order's change."""
    change = wiring.current().read_order_change(record.raw_event)
    if change is None:
        return None
    projection = wiring.current().project_changes.plan(change)
    return (change.sequence_number, projection) if projection is not None else None


class BatchOutcome(NamedTuple):
    # (A NamedTuple, not a dataclass: local/lambda_runtime.py loads this module outside sys.modules.)
    #: Lambda's partial batch response entries: the records to deliver again.
    failures: list[dict[str, str]]
    #: Store calls made again after a transient failure.
    retries: int
    published: int


def process(records: Sequence[dict[str, Any]], context: Any = None) -> BatchOutcome:
    """Project a batch of raw stream records: the handler's work, and what local/replay_failures.py
    runs on the records it reads back from the stream (without a context)."""
    with processor(records=list(records), handler=record_handler, lambda_context=context):
        outcomes = processor.process()
    failures = [
        {"itemIdentifier": str(f["itemIdentifier"])} for f in processor.response()["batchItemFailures"]
    ]
    planned = [result for status, result, _ in outcomes if status == "success" and result is not None]
    project = wiring.current().project_changes
    remaining = context.get_remaining_time_in_millis() / 1000 if context is not None else UNBOUNDED_SECONDS
    written = project.write([projection for _, projection in planned], retry_for=retry_window(remaining))
    to_publish = []
    for (sequence_number, projection), error in zip(planned, written.errors, strict=True):
        if error is not None:
            failures.append({"itemIdentifier": sequence_number})
            logger.warning(
                "A projection failed; its record is retried",
                extra={
                    "tenant_id": projection.tenant_id,
                    "order_id": projection.order_id,
                    "sequence_number": sequence_number,
                    "error": repr(error),
                },
            )
        elif projection.event is not None:
            to_publish.append((sequence_number, projection.event))
    refused = project.publish([event for _, event in to_publish])
    if refused:
        refused_ids = {event.event_id for event in refused}
        failures += [{"itemIdentifier": seq} for seq, event in to_publish if event.event_id in refused_ids]
        logger.warning(
            "EventBridge refused events; their records are retried", extra={"refused": len(refused)}
        )
    return BatchOutcome(failures, written.retries, len(to_publish) - len(refused))


@logger.inject_lambda_context
@metrics.log_metrics
def _handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    records = event.get("Records") or []
    outcome = process(records, context)
    metrics.add_metric(name="StreamRecords", unit=MetricUnit.Count, value=len(records))
    metrics.add_metric(name="ProjectionRetries", unit=MetricUnit.Count, value=outcome.retries)
    metrics.add_metric(name="EventsPublished", unit=MetricUnit.Count, value=outcome.published)
    metrics.add_metric(name="StreamRecordFailures", unit=MetricUnit.Count, value=len(outcome.failures))
    return {"batchItemFailures": outcome.failures}


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        return _handle(event, context)
    finally:
        cold_start.resume()
