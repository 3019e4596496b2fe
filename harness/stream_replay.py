"""The orders table's stream replayed through its consumer: what `make reliability` and `make fuzz` share.

The harness runs the API without a stream poller (harness/common.py), so a run's projections
(history entries, coupon usage rows, domain events) exist once these helpers hand the run's stream
records — read from DynamoDB Local's Streams API by local/stream.py — to the order_stream handler
through local/stream.py's `EventSourceMapping` with template.yaml's filter and batch size, reading
partial batch responses as Lambda does (a batch is sent again from its first failed record), and
retrying until every record went through (no MaximumRetryAttempts: a harness gives up on nothing).

Faults to inject on the way: `RecordingPublisher(refuse_share=...)` refuses some events,
`ThrottledPuts` answers some PutItem calls with DynamoDB's throttling error.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
Record = dict[str, Any]
#: Lambda's largest batch from a DynamoDB stream is the template's BatchSize (100).
LARGEST_BATCH = 100


# ---------------------------------------------------------------------------- injected faults
class RecordingPublisher:
    """`ports.EventPublisher` that keeps what it accepts and refuses, as PutEvents refuses entries,
    the events whose ids are in `refuse` and a share of the others (`refuse_share`, 0 by default);
    the refused ones are returned. The tests' publisher too."""

    def __init__(self, refuse_share: float = 0.0, seed: int = 17) -> None:
        self.refuse_share = refuse_share
        self.refuse: set[str] = set()
        self.accepted: list[Any] = []
        self.refused = 0
        self.calls = 0
        self._rng = random.Random(seed)  # noqa: S311 - fault injection, not security
        self._lock = threading.Lock()

    def publish(self, events: Sequence[Any]) -> list[Any]:
        with self._lock:
            self.calls += 1
            refused: list[Any] = []
            for event in events:
                if (self.refuse and event.event_id in self.refuse) or (
                    self.refuse_share and self._rng.random() < self.refuse_share
                ):
                    refused.append(event)
                else:
                    self.accepted.append(event)
            self.refused += len(refused)
            return refused

    def accepted_ids(self, since: int = 0) -> list[str]:
        """Ids of the events accepted from the `since`-th on (one per accepted publication)."""
        return [str(e.event_id) for e in self.accepted[since:]]


class ThrottledPuts:
    """A `before-call` hook on a DynamoDB client: while `active`, a share of PutItem and BatchWriteItem
    calls answer
    ProvisionedThroughputExceededException without reaching DynamoDB. `before-call` comes after the
    SDK's retry handling, so the handler sees the error as it would once boto3's retries ran out."""

    def __init__(self, client: Any, share: float, seed: int = 29) -> None:
        self.share = share
        self.active = False
        self.fired = 0
        self._rng = random.Random(seed)  # noqa: S311 - fault injection, not security
        self._lock = threading.Lock()
        client.meta.events.register("before-call.dynamodb.PutItem", self._before_call)
        # History entries are written with BatchWriteItem: the whole call answers throttled.
        client.meta.events.register("before-call.dynamodb.BatchWriteItem", self._before_call)

    def _before_call(self, **_: Any) -> tuple[Any, dict[str, Any]] | None:
        with self._lock:
            if not self.active or self._rng.random() >= self.share:
                return None
            self.fired += 1
        from botocore.awsrequest import AWSResponse
        from botocore.compat import HTTPHeaders

        parsed = {
            "Error": {"Code": "ProvisionedThroughputExceededException", "Message": "injected"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        return AWSResponse("", 400, HTTPHeaders(), None), parsed


def add_versions(tenant_id: str, order_ids: Sequence[str], *, by: str = "harness") -> int:
    """Versions 2 (a note) and 3 (another note, the coupons removed) of each order, written as the
    update routes will write them (the repository's conditional `replace`; there is no update route
    yet), so the stream holds MODIFY records and coupon rows to remove. The versions written."""
    from datetime import UTC, datetime

    from orders_domain.runtime import wiring

    from local.stream_records import next_version

    repo = wiring.current().orders
    written = 0
    for order_id in order_ids:
        order = repo.get(tenant_id, order_id, consistent=True)
        if order is None or order.sys_version != 1:
            continue
        for step in (2, 3):
            changes: dict[str, Any] = {
                "notes": f"{by}: version {step}",
                "sys_last_modified_at": max(datetime.now(UTC), order.sys_last_modified_at),
                "sys_last_modified_by_id": by,
            }
            if step == 3:
                changes["coupons"] = []
            written_version = next_version(order, **changes)
            repo.replace(written_version, expected_version=order.sys_version)
            order = written_version
            written += 1
    return written


def install_publisher(publisher: Any) -> None:
    """The API's wiring as it is (settings, DynamoDB client and its hooks), with `publisher` as the
    event publisher every handler of this process (the stream consumer) gets."""
    from orders_domain.runtime import wiring

    now = wiring.current()
    wiring.reset(wiring.Wiring(settings=now.settings, dynamodb=now.dynamodb, event_publisher=publisher))


# ---------------------------------------------------------------------------- reading and delivering
def stream_records(admin: Any, table_name: str) -> list[Record]:
    """Every record of the table's stream so far (every shard, from TRIM_HORIZON), in Lambda's shape."""
    import boto3

    from local.stream import all_records, table_stream_arn

    streams = boto3.client("dynamodbstreams", endpoint_url=admin.meta.endpoint_url)
    return all_records(streams, table_stream_arn(admin, table_name))


@dataclass
class Consumer:
    """The order_stream handler behind Lambda's event source mapping; counts what it was sent."""

    invocations: int = 0
    records_sent: int = 0
    _invoke: Callable[[dict[str, Any]], Any] | None = None
    _mapping: Any = None

    def __post_init__(self) -> None:
        from local.stream import EventSourceMapping, function_invoke
        from local.tables import load_template

        template = load_template(ROOT / "template.yaml")
        self._invoke = function_invoke(template)
        # The template's mapping, retrying until every record succeeds.
        self._mapping = EventSourceMapping.from_template(template, self._counted, maximum_retry_attempts=-1)

    def _counted(self, event: dict[str, Any]) -> Any:
        assert self._invoke is not None
        self.invocations += 1
        self.records_sent += len(event["Records"])
        return self._invoke(event)

    def deliver(self, records: Sequence[Mapping[str, Any]]) -> Any:
        """Filter, batch (BatchSize) and deliver, retrying failed records; the mapping's report."""
        return self._mapping.deliver(records)


def random_batches(
    records: Sequence[Record], rng: random.Random, largest: int = LARGEST_BATCH
) -> list[list[Record]]:
    """The records cut into consecutive batches of random sizes (1..`largest`), the batches in random
    order: every record exactly once, each batch in stream order."""
    batches: list[list[Record]] = []
    start = 0
    while start < len(records):
        size = rng.randint(1, largest)
        batches.append(list(records[start : start + size]))
        start += size
    rng.shuffle(batches)
    return batches


# ---------------------------------------------------------------------------- what the records say
def order_of(record: Mapping[str, Any]) -> tuple[str, str] | None:
    """(tenant, order id) when the record is a write of an order item, else None."""
    from orders_domain.storage.order_records import order_change

    change = order_change(record)
    return None if change is None else (change.tenant_id, change.order_id)


def orders_in(records: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """Every order the records write, in the order they first appear."""
    seen: dict[tuple[str, str], None] = {}
    for record in records:
        order = order_of(record)
        if order is not None:
            seen.setdefault(order, None)
    return list(seen)


# ---------------------------------------------------------------------------- projections
def projections(admin: Any, table: str, orders: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """Every item of each order's collection but the order itself (history entries, coupon usage
    rows), keyed by (PK, SK): one Query per order, strongly consistent."""
    from orders_domain.storage import keys

    out: dict[tuple[str, str], Any] = {}
    for tenant_id, order_id in orders:
        request: dict[str, Any] = {
            "TableName": table,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": keys.order_key(tenant_id, order_id)["PK"]}},
            "ConsistentRead": True,
        }
        while True:
            page = admin.query(**request)
            for item in page.get("Items", []):
                if item["SK"]["S"] != keys.ORDER_SK:
                    out[(item["PK"]["S"], item["SK"]["S"])] = item
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return out


def history_mismatches(admin: Any, table: str, orders: Sequence[tuple[str, str]]) -> list[str]:
    """Orders whose history, rebuilt up to the stored version, is not the stored document."""
    from orders_domain.domain import history_entries
    from orders_domain.runtime import wiring
    from orders_domain.storage import keys
    from orders_domain.storage.codec import typed_key
    from orders_domain.storage.orders import stored_text

    store = wiring.current().history
    problems = []
    for tenant_id, order_id in orders:
        item = admin.get_item(
            TableName=table, Key=typed_key(keys.order_key(tenant_id, order_id)), ConsistentRead=True
        ).get("Item")
        if item is None:
            continue  # written, then removed (the API never removes an order item)
        stored = json.loads(stored_text(item))
        version = int(stored["sys_version"])
        rebuilt = history_entries.rebuild(store.entries(tenant_id, order_id, upto=version), version)
        if rebuilt is None:
            problems.append(f"order {order_id}: no history to rebuild version {version} from")
        elif rebuilt != stored:
            problems.append(f"order {order_id}: version {version} rebuilt from history is not the order")
    return problems


def differences(before: Mapping[Any, Any], after: Mapping[Any, Any]) -> list[str]:
    """The keys added, removed or changed between two projection snapshots (pure)."""
    out = [f"new {key}" for key in after.keys() - before.keys()]
    out += [f"gone {key}" for key in before.keys() - after.keys()]
    out += [f"changed {key}" for key in before.keys() & after.keys() if before[key] != after[key]]
    return sorted(out)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """The handlers' logs and metrics (stdout) dropped, at the file-descriptor level: Powertools'
    log handler holds the original stream."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(devnull)
        os.close(saved)
