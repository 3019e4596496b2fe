"""order_stream: the orders table's DynamoDB stream -> history, coupon usage rows, EventBridge events.

Powertools' BatchProcessor runs each record through `record_handler` and reports the records that
failed (partial batch response): Lambda delivers again from the first of them. Every delivery runs
every record of the batch, so a record that can never succeed (a poison record) holds back nothing
but itself: the records after it are projected on the first delivery, and when Lambda gives up on it
(template: 5 retries) the on-failure queue names the range from it on, which is safe to replay. A
record of another item type (history entries, coupon rows, counters, keys) is skipped on its key
alone; the event source's filter keeps most of them from reaching the function at all. The events of
the records that projected are published together at the end, ten to a PutEvents call; a record
whose event was refused is reported failed as well, so it is delivered again (its projections are
then no-ops and its event is the same event, with the same id).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from orders_domain.domain.events import DomainEvent
from orders_domain.runtime import cold_start, wiring

logger = Logger()
metrics = Metrics()
# Every record failing is a partial response too (all of them retried), not an exception: the same
# answer either way, without a traceback per record in the logs.
processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)


def record_handler(record: DynamoDBRecord) -> tuple[str, DomainEvent] | None:
    """Project one record; its sequence number and event when it is an order's change."""
    change = wiring.current().read_order_change(record.raw_event)
    if change is None:
        return None
    event = wiring.current().project_changes.project(change)
    return (change.sequence_number, event) if event is not None else None


@logger.inject_lambda_context
@metrics.log_metrics
def _handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    records = event.get("Records") or []
    with processor(records=records, handler=record_handler, lambda_context=context):
        outcomes = processor.process()
    failures = list(processor.response()["batchItemFailures"])
    to_publish = [result for status, result, _ in outcomes if status == "success" and result is not None]
    refused = wiring.current().project_changes.publish([event for _, event in to_publish])
    if refused:
        refused_ids = {event.event_id for event in refused}
        failures += [{"itemIdentifier": seq} for seq, event in to_publish if event.event_id in refused_ids]
        logger.warning(
            "EventBridge refused events; their records are retried", extra={"refused": len(refused)}
        )
    metrics.add_metric(name="StreamRecords", unit=MetricUnit.Count, value=len(records))
    metrics.add_metric(name="EventsPublished", unit=MetricUnit.Count, value=len(to_publish) - len(refused))
    metrics.add_metric(name="StreamRecordFailures", unit=MetricUnit.Count, value=len(failures))
    return {"batchItemFailures": failures}


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        return _handle(event, context)
    finally:
        cold_start.resume()
