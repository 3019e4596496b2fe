"""The table's DynamoDB stream, consumed locally the way Lambda's event source mapping consumes it.

`make serve` has no Lambda service to poll the stream, so without this the order_stream function
would never run locally: no history, no coupon usage rows, no events. This module is that service,
kept as close to AWS as the local engines allow:

- reading: DynamoDB Local (and moto) serve the DynamoDB Streams API; `all_records` and
  `StreamPoller` read it shard by shard, parents before children, and turn each record into the
  shape Lambda hands a function (`to_lambda_record`: the same keys as local/stream_records.py).
- filtering: the FilterCriteria of the function's DynamoDB event in template.yaml, applied with
  Lambda's semantics (`matches`), so a record AWS would never deliver is never delivered here.
- delivery: `EventSourceMapping` batches (BatchSize), reads partial batch responses
  (ReportBatchItemFailures: retry from the lowest failed sequence number), bisects a batch whose
  invocation raised (BisectBatchOnFunctionError), gives up after MaximumRetryAttempts and records
  the batch as the on-failure destination would get it, then moves on — as Lambda does.
- position: `StreamPoller` keeps each shard's last processed sequence number in a JSON file, so a
  restart resumes where it stopped (a replay would be harmless anyway: projections are idempotent).

Not emulated: MaximumRecordAgeInSeconds, MaximumBatchingWindowInSeconds (0 in the template),
ParallelizationFactor (1: one batch per shard at a time), tumbling windows, and retry backoff
beyond a short fixed pause.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

#: The function that consumes the orders table's stream, found in the template by its code folder.
STREAM_FUNCTION_CODE_URI = "functions/order_stream"
FUNCTION_TYPE = "AWS::Serverless::Function"
#: Lambda's defaults for a DynamoDB event source mapping (services-ddb-params), for what the
#: template leaves out.
DEFAULT_SETTINGS: dict[str, Any] = {
    "BatchSize": 100,
    "MaximumRetryAttempts": -1,  # infinite: retried until the record expires
    "BisectBatchOnFunctionError": False,
    "FunctionResponseTypes": [],
    "StartingPosition": "TRIM_HORIZON",
}
#: GetRecords' own maximum per call.
GET_RECORDS_LIMIT = 1000
#: What Lambda's on-failure destination message names as the reason (requestContext.condition).
RETRY_ATTEMPTS_EXHAUSTED = "RetryAttemptsExhausted"

Record = dict[str, Any]
Invoke = Callable[[dict[str, Any]], Any]


class StreamUnavailable(RuntimeError):
    """The table has no stream, or the endpoint does not serve the Streams API."""


# ---------------------------------------------------------------------------- the template
def stream_function(template: Mapping[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(logical id, function properties, DynamoDB event properties) of the stream consumer.

    Found by its CodeUri (functions/order_stream/) and its one event of Type DynamoDB, so renaming
    the logical id in the template changes nothing here.
    """
    defaults = ((template.get("Globals") or {}).get("Function")) or {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        if not isinstance(resource, dict) or resource.get("Type") != FUNCTION_TYPE:
            continue
        properties = {**defaults, **(resource.get("Properties") or {})}
        code_uri = str(properties.get("CodeUri") or "").strip().removeprefix("./").strip("/")
        if code_uri != STREAM_FUNCTION_CODE_URI:
            continue
        for event in (properties.get("Events") or {}).values():
            if isinstance(event, dict) and event.get("Type") == "DynamoDB":
                return str(logical_id), properties, dict(event.get("Properties") or {})
        raise ValueError(f"{logical_id} ({STREAM_FUNCTION_CODE_URI}/) has no event of Type DynamoDB")
    raise ValueError(f"no function with CodeUri {STREAM_FUNCTION_CODE_URI}/ in the template")


def event_source_settings(template: Mapping[str, Any]) -> dict[str, Any]:
    """BatchSize, MaximumRetryAttempts, BisectBatchOnFunctionError, FunctionResponseTypes and
    StartingPosition of the stream consumer's event, Lambda's defaults for those not given."""
    _, _, event = stream_function(template)
    return {name: copy.deepcopy(event.get(name, default)) for name, default in DEFAULT_SETTINGS.items()}


def filter_patterns(template: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The parsed patterns of the stream consumer's FilterCriteria (none: every record passes).

    Each is checked against what `matches` supports, so a pattern this emulation would get wrong
    fails `make serve` at start rather than letting records through that AWS would drop.
    """
    _, _, event = stream_function(template)
    patterns = []
    for entry in (event.get("FilterCriteria") or {}).get("Filters") or []:
        pattern = json.loads(entry["Pattern"])
        if not isinstance(pattern, dict):
            raise ValueError(f"filter pattern {entry['Pattern']!r} is not a JSON object")
        _check_pattern(pattern, "")
        patterns.append(pattern)
    return patterns


# ---------------------------------------------------------------------------- filtering
def _check_pattern(pattern: Mapping[str, Any], where: str) -> None:
    for key, value in pattern.items():
        path = f"{where}.{key}" if where else key
        if isinstance(value, dict):
            _check_pattern(value, path)
        elif isinstance(value, list):
            for allowed in value:
                if isinstance(allowed, dict | list):
                    raise ValueError(
                        f"filter pattern at {path}: {json.dumps(allowed)} is a content filter "
                        "(prefix, anything-but, numeric, exists, ...) that local/stream.py does not emulate"
                    )
        else:
            raise ValueError(f"filter pattern at {path}: a value must be an array or an object")


def _same(allowed: Any, value: Any) -> bool:
    # JSON equality: numbers by value (1 and 1.0), everything else by type and value (True is not 1).
    def is_number(x: Any) -> bool:
        return isinstance(x, int | float) and not isinstance(x, bool)

    if is_number(allowed) and is_number(value):
        return bool(allowed == value)
    return type(allowed) is type(value) and bool(allowed == value)


def _matches_pattern(pattern: Mapping[str, Any], data: Any) -> bool:
    if not isinstance(data, Mapping):
        return False
    for key, expected in pattern.items():
        if key not in data:
            return False
        value = data[key]
        if isinstance(expected, dict):
            if not _matches_pattern(expected, value):
                return False
            continue
        candidates = value if isinstance(value, list) else [value]
        if not any(_same(allowed, candidate) for allowed in expected for candidate in candidates):
            return False
    return True


def matches(patterns: Sequence[Mapping[str, Any]], record: Mapping[str, Any]) -> bool:
    """Whether Lambda's event filtering lets `record` (Lambda's record shape) through.

    The subset of the filter-rule syntax supported (all the template uses):
    - a pattern is a JSON object; every key it names must be in the record (AND);
    - an object value matches the record's object at that key, recursively (nested keys);
    - an array value lists exact values (strings, numbers, booleans, null); the record's value must
      equal one of them, or, when the record's value is an array, one of its elements must.
    A record matches when any pattern matches (OR); no patterns at all let every record through.
    Content filters (objects inside the arrays: prefix, anything-but, numeric, exists, ...) are
    refused by `filter_patterns` instead of being guessed at.
    """
    return not patterns or any(_matches_pattern(pattern, record) for pattern in patterns)


# ---------------------------------------------------------------------------- reading the Streams API
def _attribute_json(value: Any) -> Any:
    # boto3 decodes binary attributes to bytes; Lambda's event carries them base64-encoded (JSON).
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for kind, inner in value.items():
            if kind == "B" and isinstance(inner, bytes | bytearray):
                out[kind] = base64.b64encode(inner).decode("ascii")
            elif kind == "BS":
                out[kind] = [
                    base64.b64encode(b).decode("ascii") if isinstance(b, bytes) else b for b in inner
                ]
            elif kind == "M":
                out[kind] = {name: _attribute_json(v) for name, v in inner.items()}
            elif kind == "L":
                out[kind] = [_attribute_json(v) for v in inner]
            else:
                out[kind] = inner
        return out
    return value


def _image(image: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _attribute_json(value) for name, value in image.items()}


def to_lambda_record(stream_record: Mapping[str, Any], stream_arn: str) -> Record:
    """A record of GetRecords (as boto3 returns it) in the shape Lambda's event carries it:
    ApproximateCreationDateTime as epoch seconds (boto3 gives a datetime), binary values base64,
    and eventSourceARN, which the Streams API leaves out."""
    stream = stream_record.get("dynamodb") or {}
    created = stream.get("ApproximateCreationDateTime")
    dynamodb: dict[str, Any] = {
        "ApproximateCreationDateTime": created.timestamp() if isinstance(created, datetime) else created,
        "Keys": _image(stream.get("Keys") or {}),
    }
    for name in ("NewImage", "OldImage"):
        if name in stream:
            dynamodb[name] = _image(stream[name])
    for name in ("SequenceNumber", "SizeBytes", "StreamViewType"):
        if name in stream:
            dynamodb[name] = stream[name]
    record: Record = {
        "eventID": stream_record.get("eventID"),
        "eventName": stream_record.get("eventName"),
        "eventVersion": stream_record.get("eventVersion"),
        "eventSource": stream_record.get("eventSource", "aws:dynamodb"),
        "awsRegion": stream_record.get("awsRegion"),
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }
    if "userIdentity" in stream_record:  # TTL deletions
        record["userIdentity"] = dict(stream_record["userIdentity"])
    return record


def sequence_number(record: Mapping[str, Any]) -> str:
    """The stream record's sequence number (Lambda's shape or the Streams API's)."""
    return str(record["dynamodb"]["SequenceNumber"])


def _sequence_key(value: str | None) -> int:
    return int(value) if value else 0


def _error_code(error: BaseException) -> str:
    response = getattr(error, "response", None)
    return str(((response or {}).get("Error") or {}).get("Code") or "")


def table_stream_arn(dynamodb_client: Any, table_name: str) -> str:
    """The table's current stream (LatestStreamArn); StreamUnavailable when it has none."""
    try:
        table = dynamodb_client.describe_table(TableName=table_name)["Table"]
    except Exception as error:
        raise StreamUnavailable(f"cannot describe table {table_name}: {error}") from error
    arn = table.get("LatestStreamArn")
    if not arn or not (table.get("StreamSpecification") or {}).get("StreamEnabled", True):
        raise StreamUnavailable(f"table {table_name} has no stream (StreamSpecification in template.yaml)")
    return str(arn)


def order_shards(shards: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Shards parents before children (a parent no longer listed counts as done), siblings by their
    starting sequence number: the order Lambda processes a stream's shards in."""
    by_id = {str(s["ShardId"]): dict(s) for s in shards}

    def start(shard: Mapping[str, Any]) -> int:
        return _sequence_key((shard.get("SequenceNumberRange") or {}).get("StartingSequenceNumber"))

    ordered: list[dict[str, Any]] = []
    placed: set[str] = set()
    pending = sorted(by_id.values(), key=start)
    while pending:
        ready = [s for s in pending if s.get("ParentShardId") not in by_id or s["ParentShardId"] in placed]
        if not ready:  # a cycle cannot happen on AWS; never loop forever on a broken answer
            ready = pending[:1]
        for shard in ready:
            ordered.append(shard)
            placed.add(str(shard["ShardId"]))
        pending = [s for s in pending if str(s["ShardId"]) not in placed]
    return ordered


def describe_shards(streams_client: Any, stream_arn: str) -> list[dict[str, Any]]:
    """Every shard of the stream (DescribeStream, all pages), parents before children."""
    shards: list[dict[str, Any]] = []
    arguments: dict[str, Any] = {"StreamArn": stream_arn}
    while True:
        description = streams_client.describe_stream(**arguments)["StreamDescription"]
        shards += description.get("Shards") or []
        last = description.get("LastEvaluatedShardId")
        if not last:
            return order_shards(shards)
        arguments["ExclusiveStartShardId"] = last


def shard_iterator(
    streams_client: Any, stream_arn: str, shard_id: str, iterator_type: str, after: str | None = None
) -> str | None:
    """A shard iterator (TRIM_HORIZON, LATEST, or AFTER_SEQUENCE_NUMBER `after`)."""
    arguments: dict[str, Any] = {
        "StreamArn": stream_arn,
        "ShardId": shard_id,
        "ShardIteratorType": iterator_type,
    }
    if after is not None:
        arguments["SequenceNumber"] = after
    iterator = streams_client.get_shard_iterator(**arguments).get("ShardIterator")
    return str(iterator) if iterator else None


def read_batch(
    streams_client: Any, stream_arn: str, iterator: str, limit: int = GET_RECORDS_LIMIT
) -> tuple[list[Record], str | None]:
    """One GetRecords call: its records in Lambda's shape, and the next iterator (None: the shard
    is closed and read to its end)."""
    answer = streams_client.get_records(ShardIterator=iterator, Limit=limit)
    records = [to_lambda_record(r, stream_arn) for r in answer.get("Records") or []]
    following = answer.get("NextShardIterator")
    return records, (str(following) if following else None)


#: For all_records: empty answers in a row after which a closed shard that still hands out
#: iterators counts as read (AWS may answer empty before the end; local engines never do).
_EMPTY_READS_OF_A_CLOSED_SHARD = 3


def read_shard(streams_client: Any, stream_arn: str, shard: Mapping[str, Any]) -> list[Record]:
    """Every record the shard holds now, from TRIM_HORIZON, in sequence order.

    An open shard is read until an answer is empty (caught up); a closed one (EndingSequenceNumber)
    until its iterator runs out.
    """
    closed = bool((shard.get("SequenceNumberRange") or {}).get("EndingSequenceNumber"))
    iterator = shard_iterator(streams_client, stream_arn, str(shard["ShardId"]), "TRIM_HORIZON")
    records: list[Record] = []
    empty = 0
    while iterator is not None:
        batch, iterator = read_batch(streams_client, stream_arn, iterator)
        records += batch
        empty = 0 if batch else empty + 1
        if empty and (not closed or empty >= _EMPTY_READS_OF_A_CLOSED_SHARD):
            break
    return records


def all_records(streams_client: Any, stream_arn: str) -> list[Record]:
    """Every record in the stream now, in Lambda's shape: every shard from TRIM_HORIZON, parents
    before children, each shard's records in sequence order (to replay a whole run)."""
    records: list[Record] = []
    for shard in describe_shards(streams_client, stream_arn):
        records += read_shard(streams_client, stream_arn, shard)
    return records


# ---------------------------------------------------------------------------- delivery
@dataclass(frozen=True)
class FailedBatch:
    """A batch given up on: what Lambda sends the on-failure destination (DDBStreamBatchInfo),
    i.e. where the records are in the stream, not the records themselves."""

    shard_id: str
    first_sequence_number: str
    last_sequence_number: str
    batch_size: int
    #: requestContext.condition of the destination message.
    reason: str
    #: What the last attempt said (the function's error, or the records it reported failed).
    error: str


@dataclass
class DeliveryReport:
    """What a delivery did. `records_delivered` counts records the function processed without
    reporting them failed (once each, however often they were sent)."""

    invocations: int = 0
    records_delivered: int = 0
    records_filtered: int = 0
    retries: int = 0
    bisections: int = 0
    failed_batches: list[FailedBatch] = field(default_factory=list)

    def add(self, other: DeliveryReport) -> None:
        self.invocations += other.invocations
        self.records_delivered += other.records_delivered
        self.records_filtered += other.records_filtered
        self.retries += other.retries
        self.bisections += other.bisections
        self.failed_batches += other.failed_batches


@dataclass
class _Attempt:
    #: The records to send again (None: the batch succeeded).
    remaining: list[Record] | None
    error: str = ""
    #: The invocation raised (bisected when bisection is on), rather than reporting failures.
    function_error: bool = False


class EventSourceMapping:
    """Lambda's stream event source mapping for one function, minus the polling (`deliver`)."""

    def __init__(
        self,
        invoke: Invoke,
        *,
        batch_size: int = DEFAULT_SETTINGS["BatchSize"],
        maximum_retry_attempts: int = DEFAULT_SETTINGS["MaximumRetryAttempts"],
        bisect_batch_on_function_error: bool = False,
        report_batch_item_failures: bool = False,
        patterns: Sequence[Mapping[str, Any]] = (),
        retry_pause_seconds: float = 0.0,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.invoke = invoke
        self.batch_size = batch_size
        #: -1: retried until it succeeds (Lambda: until the record expires).
        self.maximum_retry_attempts = maximum_retry_attempts
        self.bisect = bisect_batch_on_function_error
        self.report_batch_item_failures = report_batch_item_failures
        self.patterns = [dict(p) for p in patterns]
        self.retry_pause_seconds = retry_pause_seconds

    @classmethod
    def from_template(
        cls,
        template: Mapping[str, Any],
        invoke: Invoke,
        *,
        retry_pause_seconds: float = 0.0,
        maximum_retry_attempts: int | None = None,
    ) -> EventSourceMapping:
        """The mapping the template declares for the stream consumer (`maximum_retry_attempts`
        instead of the template's, e.g. -1 for a harness that gives up on nothing)."""
        settings = event_source_settings(template)
        retries = (
            settings["MaximumRetryAttempts"] if maximum_retry_attempts is None else maximum_retry_attempts
        )
        return cls(
            invoke,
            batch_size=int(settings["BatchSize"]),
            maximum_retry_attempts=int(retries),
            bisect_batch_on_function_error=bool(settings["BisectBatchOnFunctionError"]),
            report_batch_item_failures="ReportBatchItemFailures" in (settings["FunctionResponseTypes"] or []),
            patterns=filter_patterns(template),
            retry_pause_seconds=retry_pause_seconds,
        )

    def deliver(self, records: Sequence[Mapping[str, Any]], *, shard_id: str = "") -> DeliveryReport:
        """Deliver records of one shard, in order: filtered, in batches of `batch_size`, each
        retried, bisected or given up on as Lambda would; returns what happened."""
        report = DeliveryReport()
        wanted = [dict(r) for r in records if matches(self.patterns, r)]
        report.records_filtered = len(records) - len(wanted)
        for start in range(0, len(wanted), self.batch_size):
            self._deliver_batch(wanted[start : start + self.batch_size], shard_id, report)
        return report

    def _deliver_batch(self, batch: list[Record], shard_id: str, report: DeliveryReport) -> None:
        # (records, retries spent on them). Halves of a bisected batch start with none spent, as on
        # AWS; they go to the front, so records keep their order.
        pending: list[tuple[list[Record], int]] = [(batch, 0)]
        while pending:
            records, retries = pending.pop(0)
            attempt = self._attempt(records, report)
            if attempt.remaining is None:
                continue
            remaining = attempt.remaining
            if attempt.function_error and self.bisect and len(remaining) > 1:
                report.bisections += 1
                half = (len(remaining) + 1) // 2
                pending[:0] = [(remaining[:half], 0), (remaining[half:], 0)]
                continue
            if 0 <= self.maximum_retry_attempts <= retries:
                report.failed_batches.append(
                    FailedBatch(
                        shard_id=shard_id,
                        first_sequence_number=sequence_number(remaining[0]),
                        last_sequence_number=sequence_number(remaining[-1]),
                        batch_size=len(remaining),
                        reason=RETRY_ATTEMPTS_EXHAUSTED,
                        error=attempt.error,
                    )
                )
                continue
            report.retries += 1
            if self.retry_pause_seconds:
                time.sleep(self.retry_pause_seconds)
            pending.insert(0, (remaining, retries + 1))

    def _attempt(self, records: list[Record], report: DeliveryReport) -> _Attempt:
        report.invocations += 1
        try:
            # A fresh copy per invocation, as each Lambda invocation deserialises its own event.
            response = self.invoke({"Records": copy.deepcopy(records)})
        except Exception as error:  # noqa: BLE001 - a function error, handled as Lambda handles it
            return _Attempt(records, f"{type(error).__name__}: {error}", function_error=True)
        failures = response.get("batchItemFailures") if isinstance(response, Mapping) else None
        if not self.report_batch_item_failures or not failures:
            # Without ReportBatchItemFailures the answer is not read; an empty or null list (or no
            # answer at all) is complete success.
            report.records_delivered += len(records)
            return _Attempt(None)
        position = {sequence_number(record): index for index, record in enumerate(records)}
        lowest: int | None = None
        for failure in failures if isinstance(failures, list) else [failures]:
            identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
            if not isinstance(identifier, str) or identifier not in position:
                # An empty, null, misnamed or unknown itemIdentifier fails the whole batch.
                return _Attempt(records, f"batchItemFailures names no record of the batch: {failure!r}")
            lowest = position[identifier] if lowest is None else min(lowest, position[identifier])
        assert lowest is not None
        # Checkpointed up to the lowest failure; retried from it (with bisection on, too: the
        # batch is split at that sequence number and only the rest is retried).
        report.records_delivered += lowest
        return _Attempt(
            records[lowest:],
            f"the function reported {len(failures)} failed record(s), "
            f"the first {sequence_number(records[lowest])}",
        )


# ---------------------------------------------------------------------------- polling
def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class _ShardState:
    shard_id: str
    parent_id: str | None
    iterator: str | None = None
    #: The last sequence number processed (delivered, filtered out or given up on).
    last_sequence_number: str | None = None
    #: Read to its end (closed), or gone from the stream.
    finished: bool = False
    #: Where to start when there is no checkpoint and no iterator yet.
    start_at: str = "TRIM_HORIZON"


class StreamPoller:
    """A daemon thread that polls a table's stream and delivers new records through a mapping.

    Per shard it keeps an iterator and the last sequence number processed (saved to
    `checkpoint_path` after each delivery, so a restart resumes AFTER_SEQUENCE_NUMBER); it
    re-describes the stream every `describe_interval` seconds (DynamoDB Local rolls shards) and
    at once when a shard ends; it polls every `poll_interval` seconds when idle. A failing poll is
    logged and retried; it never ends the thread.
    """

    def __init__(
        self,
        dynamodb_client: Any,
        streams_client: Any,
        table_name: str,
        mapping: EventSourceMapping,
        *,
        checkpoint_path: Path | None = None,
        starting_position: str = "TRIM_HORIZON",
        poll_interval: float = 0.25,
        describe_interval: float = 5.0,
        log: Callable[[str], None] = _stderr,
    ) -> None:
        self.dynamodb = dynamodb_client
        self.streams = streams_client
        self.table_name = table_name
        self.mapping = mapping
        self.checkpoint_path = checkpoint_path
        self.starting_position = starting_position
        self.poll_interval = poll_interval
        self.describe_interval = describe_interval
        self.log = log
        self.stream_arn: str | None = None
        #: Everything delivered since start (read it for diagnostics; only the thread writes it).
        self.report = DeliveryReport()
        self._shards: dict[str, _ShardState] = {}
        self._described_at: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_error: tuple[str, float] | None = None
        self._fresh = True

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> StreamPoller:
        """Find the stream (StreamUnavailable when there is none to read), then poll in a thread."""
        self._resolve()
        self._describe()
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"stream-poller-{self.table_name}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the delivery in progress, if any (it is not interrupted half way)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                read = self.poll_once()
                self._last_error = None
            except Exception as error:  # noqa: BLE001 - logged, and the next poll tries again
                self._log_error(f"{type(error).__name__}: {error}")
                read = 0
                self._stop.wait(1.0)
            if not read:
                self._stop.wait(self.poll_interval)

    def _log_error(self, message: str) -> None:
        # The same failure every quarter second (DynamoDB stopped, say) is logged once a minute.
        now = time.monotonic()
        if self._last_error is None or self._last_error[0] != message or now - self._last_error[1] > 60:
            self.log(f"stream: polling {self.table_name}'s stream failed, retrying: {message}")
            self._last_error = (message, now)

    # ------------------------------------------------------------------ one poll
    def poll_once(self) -> int:
        """Read each shard that is ready once and deliver what it had; the records read."""
        if self.stream_arn is None:
            self._resolve()
        if self._described_at is None or time.monotonic() - self._described_at >= self.describe_interval:
            self._describe()
            if self.stream_arn is None:
                return 0
        read = 0
        for state in list(self._shards.values()):
            if self._stop.is_set():
                break
            if state.finished or not self._parent_done(state):
                continue
            read += self._poll_shard(state)
        return read

    def _parent_done(self, state: _ShardState) -> bool:
        parent = self._shards.get(state.parent_id) if state.parent_id else None
        return parent is None or parent.finished

    def _poll_shard(self, state: _ShardState) -> int:
        assert self.stream_arn is not None
        from botocore.exceptions import ClientError

        if state.iterator is None:
            state.iterator = self._iterator(state)
            if state.iterator is None:
                self._finish(state)
                return 0
        try:
            records, following = read_batch(self.streams, self.stream_arn, state.iterator)
        except ClientError as error:
            code = _error_code(error)
            if code == "TrimmedDataAccessException":
                # What the iterator pointed at is gone: start again at the oldest record there is.
                state.iterator, state.last_sequence_number = None, None
                state.start_at = "TRIM_HORIZON"
                return 0
            if code == "ExpiredIteratorException" or "Invalid ShardIterator" in str(error):
                state.iterator = None  # a new one, after the last record processed
                return 0
            if code == "ResourceNotFoundException":
                self._described_at = None  # the shard (or the stream) is gone: look again
                state.iterator = None
                return 0
            raise
        if records:
            report = self.mapping.deliver(records, shard_id=state.shard_id)
            self.report.add(report)
            for failed in report.failed_batches:
                self.log(
                    f"stream: gave up on {failed.batch_size} record(s) of {failed.shard_id} "
                    f"({failed.first_sequence_number}..{failed.last_sequence_number}) after "
                    f"{self.mapping.maximum_retry_attempts} retries: {failed.error} "
                    "(on AWS their position goes to the on-failure queue)"
                )
            state.last_sequence_number = sequence_number(records[-1])
        # Only now: a delivery that failed unexpectedly reads the same records again next poll.
        state.iterator = following
        if state.iterator is None:
            self._finish(state)
        elif records:
            self._save()
        return len(records)

    def _iterator(self, state: _ShardState) -> str | None:
        from botocore.exceptions import ClientError

        assert self.stream_arn is not None
        try:
            if state.last_sequence_number is not None:
                return shard_iterator(
                    self.streams,
                    self.stream_arn,
                    state.shard_id,
                    "AFTER_SEQUENCE_NUMBER",
                    state.last_sequence_number,
                )
            return shard_iterator(self.streams, self.stream_arn, state.shard_id, state.start_at)
        except ClientError as error:
            code = _error_code(error)
            if code == "TrimmedDataAccessException":
                state.last_sequence_number = None
                state.start_at = "TRIM_HORIZON"
                return shard_iterator(self.streams, self.stream_arn, state.shard_id, "TRIM_HORIZON")
            if code == "ResourceNotFoundException":
                return None
            raise

    def _finish(self, state: _ShardState) -> None:
        state.finished = True
        state.iterator = None
        self._described_at = None  # its children may be there now: look at once, not in 5 s
        self._save()

    # ------------------------------------------------------------------ the stream and its shards
    def _resolve(self) -> None:
        arn = table_stream_arn(self.dynamodb, self.table_name)
        try:
            self.streams.describe_stream(StreamArn=arn, Limit=1)
        except Exception as error:
            raise StreamUnavailable(
                f"the endpoint does not serve the DynamoDB Streams API: {error}"
            ) from error
        if arn != self.stream_arn:
            self.stream_arn = arn
            self._shards = {}
            self._described_at = None
            # No checkpoint: the mapping starts now (StartingPosition applies).
            self._fresh = not self._load()

    def _describe(self) -> None:
        from botocore.exceptions import ClientError

        assert self.stream_arn is not None
        try:
            shards = describe_shards(self.streams, self.stream_arn)
        except ClientError as error:
            if _error_code(error) == "ResourceNotFoundException":
                self.stream_arn = None  # the table was recreated: its new stream, next poll
                return
            raise
        known, self._shards = self._shards, {}
        listed = {str(shard["ShardId"]) for shard in shards}
        # A known shard no longer listed was trimmed away (after 24 hours): forgotten once read to
        # its end; one still being read goes first (it is older than any listed one).
        for shard_id, state in known.items():
            if shard_id not in listed and not state.finished:
                self._shards[shard_id] = state
        for shard in shards:
            shard_id = str(shard["ShardId"])
            state = known.get(shard_id) or _ShardState(shard_id, shard.get("ParentShardId"))
            if shard_id not in known and self._fresh and self.starting_position == "LATEST":
                # LATEST applies where the mapping starts only: open shards from their tip, closed
                # ones not at all. Shards that appear later are read from their start.
                state.start_at = "LATEST"
                state.finished = bool((shard.get("SequenceNumberRange") or {}).get("EndingSequenceNumber"))
            self._shards[shard_id] = state
        self._fresh = False
        self._described_at = time.monotonic()

    # ------------------------------------------------------------------ checkpoints
    def _load(self) -> bool:
        """Shard positions from the checkpoint file when it is of this stream (a recreated table
        has a new stream, and its old positions mean nothing there); whether there were any."""
        if self.checkpoint_path is None or not self.checkpoint_path.is_file():
            return False
        try:
            saved = json.loads(self.checkpoint_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            self.log(f"stream: ignoring unreadable checkpoint file {self.checkpoint_path}: {error}")
            return False
        if not isinstance(saved, dict) or saved.get("stream_arn") != self.stream_arn:
            return False
        for shard_id, position in (saved.get("shards") or {}).items():
            self._shards[shard_id] = _ShardState(
                shard_id,
                position.get("parent_shard_id"),
                last_sequence_number=position.get("sequence_number"),
                finished=bool(position.get("finished")),
            )
        return bool(self._shards)

    def _save(self) -> None:
        if self.checkpoint_path is None or self.stream_arn is None:
            return
        document = {
            "stream_arn": self.stream_arn,
            "shards": {
                state.shard_id: {
                    "parent_shard_id": state.parent_id,
                    "sequence_number": state.last_sequence_number,
                    "finished": state.finished,
                }
                for state in self._shards.values()
            },
        }
        self.checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.checkpoint_path.with_name(self.checkpoint_path.name + ".tmp")
        temporary.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        os.replace(temporary, self.checkpoint_path)  # never a half-written file after a crash


# ---------------------------------------------------------------------------- the order_stream function
def function_invoke(template: Mapping[str, Any]) -> Invoke:
    """Invoke the stream consumer's handler in-process through local.lambda_runtime, as the local
    gateway invokes HTTP functions: its own instance pool, a context with its name and timeout."""
    from local import lambda_runtime
    from local.gateway import function_handlers

    logical_id, properties, _ = stream_function(template)
    module, attribute = function_handlers(template)[logical_id]
    pool = lambda_runtime.InstancePool(module, attribute, function_name=logical_id)
    pool.warm()  # an import error shows at start, not as a failed batch per record
    timeout = int(properties.get("Timeout") or 3)

    def invoke(event: dict[str, Any]) -> Any:
        context = lambda_runtime.FakeLambdaContext(function_name=logical_id, timeout_seconds=timeout)
        return pool.invoke(event, context)

    return invoke


def order_stream_poller(
    endpoint_url: str,
    table_name: str,
    template: Mapping[str, Any],
    checkpoint_path: Path | None,
    *,
    invoke: Invoke | None = None,
    **options: Any,
) -> StreamPoller:
    """The poller `make serve` runs: the table's stream at `endpoint_url` -> the order_stream
    handler (or `invoke`), through the mapping template.yaml declares. Not started yet."""
    import boto3

    dynamodb = boto3.client("dynamodb", endpoint_url=endpoint_url)
    streams = boto3.client("dynamodbstreams", endpoint_url=endpoint_url)
    mapping = EventSourceMapping.from_template(
        template, invoke or function_invoke(template), retry_pause_seconds=0.1
    )
    options.setdefault("starting_position", event_source_settings(template)["StartingPosition"])
    return StreamPoller(dynamodb, streams, table_name, mapping, checkpoint_path=checkpoint_path, **options)
