"""`stream`: the order_stream function (DynamoDB stream -> history entries, coupon usage rows,
EventBridge events) on a batch of 100 Lambda-shaped records of real order writes (orders made by the
create handler, read back with GetItem; new orders, new versions of existing ones, and records of
other items, which it skips), each batch new (or its conditional puts would be no-ops), and the same
batches delivered again (a replay changes nothing: what that costs). Self-time as core.py measures
it (less the SDK's CPU inside PutEvents calls too); events go through the real EventBridgePublisher
to an EventBridge client whose PutEvents is answered in-process ("all accepted",
`offline_events_client`), so the calls and their SDK work are real and nothing leaves the machine.
A put that fails its condition is billed as DynamoDB bills it (the existing item's size, no index
write).
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from harness.bench.core import SDK_US_P50, TENANT, Bench, Call, _order_item, percentile
from harness.bench.orders import create_event, next_version

#: A stream batch: new orders without and with a coupon, new versions of orders, other items' records.
STREAM_BATCH = {"insert_plain": 40, "insert_coupon": 20, "modify": 30, "other_items": 10}
#: Batches before the measured ones (each batch is 100 records and about 110 writes).
STREAM_WARM_UP = 3
#: The event bus the stream function is told to publish to (its PutEvents never leave the process).
EVENT_BUS = "bench-orders"


@dataclass
class StreamBatches:
    """Batches of stream records of order writes (STREAM_BATCH), each projecting something new: INSERTs
    of new orders (copies under new ids of the two orders the create handler made: one without a
    coupon, one with one), MODIFYs taking a pool of orders one version further, and records of
    other items (history entries, the order-number counter), which the function skips on their key
    (on AWS the event source's filter drops them first)."""

    plain: Any
    coupon: Any
    fingerprint: str | None
    pool: list[Any]
    rng: random.Random
    sequence: int = 0
    number: int = 1_000_000
    #: Every batch handed out, in order (the replay delivers them again).
    handed_out: list[list[dict[str, Any]]] = field(default_factory=list)

    def item(self, order: Any) -> dict[str, Any]:
        from orders_domain.storage.orders import OrderRecord

        return OrderRecord(order=order, request_fingerprint=self.fingerprint).to_item()

    def copy(self, template: Any) -> Any:
        self.number += 1
        return template.model_copy(
            update={"id": str(uuid.uuid4()), "number": self.number, "token": uuid.uuid4().hex}
        )

    def records(
        self, writes: list[tuple[dict[str, Any] | None, dict[str, Any] | None]]
    ) -> list[dict[str, Any]]:
        from local.stream_records import lambda_record

        out = []
        for old, new in writes:
            self.sequence += 1
            out.append(lambda_record(old, new, self.sequence))
        return out

    def next(self) -> dict[str, Any]:
        from orders_domain.domain import history_entries
        from orders_domain.storage import keys
        from orders_domain.storage.codec import typed_key
        from orders_domain.storage.history import to_item as history_item

        from local.stream_records import stream_event

        writes: list[tuple[dict[str, Any] | None, dict[str, Any] | None]] = []
        writes += [(None, self.item(self.copy(self.plain))) for _ in range(STREAM_BATCH["insert_plain"])]
        writes += [(None, self.item(self.copy(self.coupon))) for _ in range(STREAM_BATCH["insert_coupon"])]
        for n, order in enumerate(self.pool[: STREAM_BATCH["modify"]]):
            self.pool[n] = following = next_version(order)
            writes.append((self.item(order), self.item(following)))
        for n in range(STREAM_BATCH["other_items"]):
            order = self.pool[n % len(self.pool)]
            if n % 3 == 2:
                old = {**typed_key(keys.order_number_counter_key(TENANT)), "last_number": {"N": "7"}}
                writes.append((old, {**old, "last_number": {"N": "57"}}))
            else:
                entry = history_entries.entry_for(None, json.loads(self.item(order)["doc"]["S"]))
                writes.append((None, history_item(TENANT, order.id, entry)))
        self.rng.shuffle(writes)
        batch = self.records(writes)
        self.handed_out.append(batch)
        return stream_event(batch)


def stream_batches(bench: Bench) -> StreamBatches:
    """Two orders made by the create handler (read back as stored), and a pool of orders for the
    MODIFYs whose creation the function has already projected."""
    from orders_domain.storage.orders import OrderRecord

    from local.stream_records import stream_event

    made = {}
    for kind, coupons in (("plain", []), ("coupon", None)):
        request = create_event(3)
        if coupons is not None:
            request["body"] = json.dumps({**json.loads(request["body"]), "coupons": coupons})
        made[kind] = OrderRecord.from_item(
            _order_item(bench, json.loads(bench.invoke("create_order", request).answer["body"])["id"])
        )
    batches = StreamBatches(
        plain=made["plain"].order,
        coupon=made["coupon"].order,
        fingerprint=made["plain"].request_fingerprint,
        pool=[],
        rng=random.Random(20261129),  # noqa: S311 - the order of a batch's records, not security
    )
    half = STREAM_BATCH["modify"] // 2
    batches.pool = [batches.copy(batches.plain) for _ in range(STREAM_BATCH["modify"] - half)]
    batches.pool += [batches.copy(batches.coupon) for _ in range(half)]
    created = batches.records([(None, batches.item(order)) for order in batches.pool])
    assert bench.invoke("order_stream", stream_event(created)).answer == {"batchItemFailures": []}
    return batches


def order_changes(records: list[dict[str, Any]]) -> dict[str, tuple[bool, int]]:
    """PK -> (whether the order has coupons after its last write here, how many of its writes the
    records hold), for each order item the records write (a removal is no change to project)."""
    from orders_domain.storage import keys
    from orders_domain.storage.order_records import order_change

    out: dict[str, tuple[bool, int]] = {}
    for change in filter(None, map(order_change, records)):
        if change.new is not None:
            pk = keys.order_key(change.tenant_id, change.order_id)["PK"]
            out[pk] = (bool(change.new.get("coupons")), out.get(pk, (False, 0))[1] + 1)
    return out


def calls_per_change(calls: list[Call], records: list[dict[str, Any]]) -> dict[str, float | None]:
    """DynamoDB calls per order change, for orders without and with coupons (None: no such change)."""
    changes = order_changes(records)
    counted = {True: 0, False: 0}
    for call in calls:
        pk = (call.params.get("Item") or call.params.get("Key") or {}).get("PK", {}).get("S")
        if call.service == "dynamodb" and pk in changes:
            counted[changes[pk][0]] += 1
    out: dict[str, float | None] = {}
    for label, coupons in (("without_coupons", False), ("with_coupons", True)):
        n = sum(count for has, count in changes.values() if has is coupons)
        out[label] = round(counted[coupons] / n, 2) if n else None
    return out


def measure_stream(
    bench: Bench, name: str, make_event: Callable[[], dict[str, Any]], runs: int
) -> dict[str, Any]:
    events = [make_event() for _ in range(STREAM_WARM_UP + runs)]
    samples = []
    for n, batch in enumerate(events):
        sample = bench.invoke("order_stream", batch)
        assert sample.answer == {"batchItemFailures": []}, sample.answer
        if n >= STREAM_WARM_UP:
            samples.append(sample)
    last, records = samples[-1], events[-1]["Records"]
    rru, wru = bench.capacity(last.calls)
    writes = [c for c in last.calls if c.service == "dynamodb"]
    put_events = [c for c in last.calls if c.api == "PutEvents"]
    bench.wall_us_p50[name] = percentile([s.wall_ns for s in samples], 0.5) // 1000
    SDK_US_P50[name] = percentile([s.sdk_ns for s in samples], 0.5) // 1000
    self_p50 = percentile([s.self_ns for s in samples], 0.5) // 1000
    return {
        "records": len(records),
        "order_changes": sum(count for _, count in order_changes(records).values()),
        "self_us_p50": self_p50,
        "self_us_p99": percentile([s.self_ns for s in samples], 0.99) // 1000,
        "self_us_per_record_p50": round(self_p50 / len(records), 1),
        # The whole invocation (self, SDK, DynamoDB Local's answers): the batch's Lambda duration here.
        "wall_ms_p50": round(percentile([s.wall_ns for s in samples], 0.5) / 1e6, 1),
        "ddb_calls": dict(Counter(c.api for c in writes)),
        "ddb_calls_per_order_change": calls_per_change(writes, records),
        "puts_taking_effect": sum(1 for c in writes if not (c.parsed or {}).get("Error")),
        "rru": rru,
        "wru": wru,
        "put_events_calls": len(put_events),
        "events": sum(len(c.params["Entries"]) for c in put_events),
    }


def stream_cost(bench: Bench, runs: int) -> dict[str, dict[str, Any]]:
    """A batch of 100 new records, and the same batches delivered again (a replay)."""
    batches = stream_batches(bench)
    count = max(5, runs // 20)
    fresh = measure_stream(bench, "stream_batch_100", batches.next, count)
    from local.stream_records import stream_event

    again = iter(list(batches.handed_out))
    replayed = measure_stream(bench, "stream_replayed_batch_100", lambda: stream_event(next(again)), count)
    return {"batch_100": fresh, "replayed_batch_100": replayed}


# ---------------------------------------------------------------------------- EventBridge, offline
def accepted_answer(body: bytes | str | None) -> bytes:
    """PutEvents' answer accepting every entry of a request body."""
    entries = json.loads(body or "{}").get("Entries") or []
    answer = {"FailedEntryCount": 0, "Entries": [{"EventId": str(uuid.uuid4())} for _ in entries]}
    return json.dumps(answer).encode()


def offline_events_client() -> Any:
    """An EventBridge client whose PutEvents is answered in the process, every entry accepted: the
    SDK does all its work (validation, serialisation, signing, parsing), no request leaves."""
    import boto3
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders

    from harness.common import CannedBody

    client = boto3.client("events", region_name="us-east-1")  # the bench's own (fake) credentials

    def answer(request: Any, **_: Any) -> Any:
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/x-amz-json-1.1"
        return AWSResponse(request.url, 200, headers, CannedBody(accepted_answer(request.body)))

    client.meta.events.register("before-send.eventbridge.PutEvents", answer)
    return client


@contextlib.contextmanager
def loopback_event_bus() -> Iterator[str]:
    """A loopback endpoint answering PutEvents (every entry accepted), for the cold-start children:
    they publish as on AWS, through the EventBridge client the wiring builds."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            answer = accepted_answer(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
