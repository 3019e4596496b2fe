"""`stream`: the order_stream function (DynamoDB stream -> history entries, coupon usage rows,
EventBridge events) on a batch of 100 Lambda-shaped records of real order writes (orders made by the
create handler, read back with GetItem; new orders, new versions of existing ones, and records of
other items, which it skips), each batch new (or its conditional puts would be no-ops), and the same
batches delivered again (a replay changes nothing: what that costs). Self-time is the process's CPU
time during the invocation less the CPU inside every client call, on whichever thread made it (the
function makes its puts and PutEvents calls on a thread pool); events go through the real
EventBridgePublisher to an EventBridge client whose PutEvents is answered in-process ("all
accepted", `offline_events_client`), so the calls and their SDK work are real and nothing leaves the
machine. A put that fails its condition is billed as DynamoDB bills it (the existing item's size, no
index write).

`stream_throughput`: order changes per second per invocation (the batch's order changes over its
wall time, p50) in the three THROUGHPUT_MODES (one put per history entry and every call after the
one before, as before issue 33; the entries batched; batched and the calls at once, as deployed), on
DynamoDB Local as it answers here and with MODELED_LATENCY_MS added to every call (a `before-send`
hook that sleeps: the wait an AWS call costs, which DynamoDB Local on the same machine does not).
`changes_per_s_by_memory_mb` scales the CPU part to a Lambda memory size (a full vCPU at 1,769 MB):
`changes / (wall + cpu x (1769 / MB - 1))`, as if none of the extra CPU time overlapped a wait, and
DynamoDB Local's own time stays in `wall`: a pessimistic figure. `parallelization_factor` is what the
modeled, parallel figure at the function's MemorySize needs to carry SHARD_PEAK_CHANGES_PER_S with
HEADROOM. Run alone (DynamoDB Local, no `sam build`), from the repository root:
`PYTHONPATH=layers/orders_domain:. .venv/bin/python -c "from harness.bench.stream import main; main()"
[--quick] [--output FILE]`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from harness.bench.core import SDK_US_P50, TENANT, Bench, Call, Sample, _order_item, percentile
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
        from orders_domain.storage.orders import stored_text

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
                entry = history_entries.entry_for(None, json.loads(stored_text(self.item(order))))
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


def batch_puts(call: Call) -> list[dict[str, Any]]:
    """The items a BatchWriteItem call puts (none for any other call)."""
    if call.api != "BatchWriteItem":
        return []
    requests = [r for table in call.params["RequestItems"].values() for r in table]
    return [r["PutRequest"]["Item"] for r in requests if "PutRequest" in r]


def calls_per_change(calls: list[Call], records: list[dict[str, Any]]) -> dict[str, float | None]:
    """DynamoDB calls per order change, for orders without and with coupons (None: no such change);
    a BatchWriteItem of n items counts 1/n for the order of each."""
    changes = order_changes(records)
    counted = {True: 0.0, False: 0.0}
    for call in calls:
        if call.service != "dynamodb":
            continue
        items = batch_puts(call) or [call.params.get("Item") or call.params.get("Key") or {}]
        for item in items:
            pk = item.get("PK", {}).get("S")
            if pk in changes:
                counted[changes[pk][0]] += 1 / len(items)
    out: dict[str, float | None] = {}
    for label, coupons in (("without_coupons", False), ("with_coupons", True)):
        n = sum(count for has, count in changes.values() if has is coupons)
        out[label] = round(counted[coupons] / n, 2) if n else None
    return out


def batch_write_units(bench: Bench, calls: list[Call]) -> float:
    """WRU of the BatchWriteItem calls (`Bench.capacity` bills the single-item writes): each put as
    of a new item, with its index entries (a history entry has none, and one put again is billed
    the same: its size)."""
    from harness import capacity

    units = 0.0
    for call in calls:
        for item in batch_puts(call):
            table = next(iter(call.params["RequestItems"]))
            units += capacity.write_cost(None, item, bench.index_keys.get(table, {}))
    return units


def measure_stream(
    bench: Bench, name: str, make_event: Callable[[], dict[str, Any]], runs: int
) -> dict[str, Any]:
    events = [make_event() for _ in range(STREAM_WARM_UP + runs)]
    samples = []
    for n, batch in enumerate(events):
        sample = invoke_all_threads(bench, batch)
        assert sample.answer == {"batchItemFailures": []}, sample.answer
        if n >= STREAM_WARM_UP:
            samples.append(sample)
    last, records = samples[-1], events[-1]["Records"]
    rru, wru = bench.capacity(last.calls)
    wru += batch_write_units(bench, last.calls)
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
        # Conditional puts that took effect. History entries go by BatchWriteItem, unconditional: a
        # replay writes them again as they were (billed as the refused conditional put was).
        "puts_taking_effect": sum(
            1 for c in writes if c.api != "BatchWriteItem" and not (c.parsed or {}).get("Error")
        ),
        "rru": rru,
        "wru": wru,
        "put_events_calls": len(put_events),
        "events": sum(len(c.params["Entries"]) for c in put_events),
    }


def invoke_all_threads(bench: Bench, event: dict[str, Any]) -> Sample:
    """`bench.invoke` of the stream function, its self-time and SDK time counted on every thread:
    the process's CPU time during the call less the CPU inside each client call, whichever thread
    made it."""
    cpu_started = time.process_time_ns()
    sample = bench.invoke("order_stream", event)
    cpu = time.process_time_ns() - cpu_started
    sdk = sum(max(0, c.cpu_ended_ns - c.cpu_started_ns) for c in sample.calls)
    return Sample(
        self_ns=max(0, cpu - sdk),
        sdk_ns=sdk,
        wall_ns=sample.wall_ns,
        calls=sample.calls,
        answer=sample.answer,
    )


def stream_cost(bench: Bench, runs: int) -> dict[str, dict[str, Any]]:
    """A batch of 100 new records, and the same batches delivered again (a replay)."""
    batches = stream_batches(bench)
    count = max(5, runs // 20)
    fresh = measure_stream(bench, "stream_batch_100", batches.next, count)
    from local.stream_records import stream_event

    again = iter(list(batches.handed_out))
    replayed = measure_stream(bench, "stream_replayed_batch_100", lambda: stream_event(next(again)), count)
    return {"batch_100": fresh, "replayed_batch_100": replayed}


# ---------------------------------------------------------------------------- throughput
#: Added to every call for the "modeled_aws" figures (milliseconds, by botocore service id): a
#: DynamoDB PutItem from Lambda in its region takes single-digit milliseconds (5 assumed); PutEvents
#: is assumed to take 20. DynamoDB Local answers here in about a millisecond, on the same cores.
MODELED_LATENCY_MS = {"dynamodb": 5.0, "eventbridge": 20.0}
#: Lambda's CPU share is proportional to memory: one full vCPU at 1,769 MB.
FULL_VCPU_MB = 1769
#: The most order changes one stream shard can carry: its partition takes at most 1,000 write units
#: a second, and an order change writes at least two items there (the order, then its history
#: entry; coupon rows more), each at least one unit.
SHARD_PEAK_CHANGES_PER_S = 500
#: The consumer's capacity per shard over SHARD_PEAK_CHANGES_PER_S that the factor must give.
HEADROOM = 2.0
#: Batches measured per configuration (after one to warm up), at least.
THROUGHPUT_BATCHES = 5


@contextlib.contextmanager
def added_latency(clients: list[Any], milliseconds: dict[str, float]) -> Iterator[None]:
    """Each client's calls take `milliseconds[service]` longer (a `before-send` hook that sleeps:
    the request is made after it, the response still comes from where it came from)."""
    hooks = []
    for client in clients:
        service = client.meta.service_model.service_id.hyphenize()
        pause = milliseconds.get(service, 0.0) / 1000
        if not pause:
            continue

        def wait(pause: float = pause, **_: Any) -> None:
            time.sleep(pause)

        event = f"before-send.{service}"
        client.meta.events.register(event, wait)
        hooks.append((client, event, wait))
    try:
        yield
    finally:
        for client, event, wait in hooks:
            client.meta.events.unregister(event, wait)


def parallelization_factor(changes_per_s: float) -> int:
    """The ParallelizationFactor (1-10) whose concurrent batches per shard carry
    SHARD_PEAK_CHANGES_PER_S with HEADROOM at `changes_per_s` per invocation."""
    if changes_per_s <= 0:
        return 10
    return max(1, min(10, math.ceil(SHARD_PEAK_CHANGES_PER_S * HEADROOM / changes_per_s)))


#: The configurations measured: (puts at once, history entries a call, PutEvents calls at once).
THROUGHPUT_MODES = {
    # as before issue 33: a put per history entry, every call after the one before
    "one_by_one": (1, 1, 1),
    # entries 25 a BatchWriteItem, calls one after another
    "batched": (1, None, 1),
    # as deployed: batched, the calls at once
    "parallel": (None, None, None),
}
#: Memory sizes the CPU part is scaled to besides the function's own.
MEMORY_SIZES_MB = (512, 1024, 1769)


def _configure(writes: int | None, per_call: int | None, publishes: int | None) -> None:
    """The consumer's workers and entries per call (None: as deployed)."""
    from orders_domain.runtime import wiring
    from orders_domain.services.project import WRITE_WORKERS
    from orders_domain.storage.event_bus import PUBLISH_WORKERS
    from orders_domain.storage.history import ENTRIES_PER_CALL

    ports = wiring.current()
    ports.project_changes.workers = writes or WRITE_WORKERS
    ports.history.most_per_call = per_call or ENTRIES_PER_CALL
    publisher = ports.event_publisher
    if hasattr(publisher, "max_workers"):
        publisher.max_workers = publishes or PUBLISH_WORKERS


def _per_second(changes: int, wall_s: float, cpu_s: float, memory_mb: int) -> int:
    return round(changes / (wall_s + cpu_s * max(0.0, FULL_VCPU_MB / memory_mb - 1)))


def throughput_of(bench: Bench, batches: StreamBatches, count: int, memory_mb: int) -> dict[str, Any]:
    """Order changes per second per invocation over `count` new batches (after one to warm up)."""
    walls, cpus, changes = [], [], 0
    for n in range(count + 1):
        event = batches.next()
        sample = invoke_all_threads(bench, event)
        assert sample.answer == {"batchItemFailures": []}, sample.answer
        if n:
            walls.append(sample.wall_ns)
            cpus.append(sample.self_ns + sample.sdk_ns)
            changes = sum(count for _, count in order_changes(event["Records"]).values())
    wall_s, cpu_s = percentile(walls, 0.5) / 1e9, percentile(cpus, 0.5) / 1e9
    return {
        "order_changes": changes,
        "wall_ms_p50": round(wall_s * 1000, 1),
        "cpu_ms_p50": round(cpu_s * 1000, 1),
        "changes_per_s": round(changes / wall_s),
        "changes_per_s_at_lambda_memory": _per_second(changes, wall_s, cpu_s, memory_mb),
        "changes_per_s_by_memory_mb": {
            str(mb): _per_second(changes, wall_s, cpu_s, mb) for mb in sorted({*MEMORY_SIZES_MB, memory_mb})
        },
    }


def stream_throughput(bench: Bench, runs: int, memory_mb: int) -> dict[str, Any]:
    """The consumer's changes per second per invocation in each of THROUGHPUT_MODES, on DynamoDB
    Local and with MODELED_LATENCY_MS added; the ParallelizationFactor the modeled parallel figure at
    `memory_mb` needs."""
    from orders_domain.runtime import wiring

    batches = stream_batches(bench)
    count = max(THROUGHPUT_BATCHES, runs // 30)
    clients = [wiring.current().dynamodb]
    publisher_client = getattr(wiring.current().event_publisher, "client", None)
    if publisher_client is not None:
        clients.append(publisher_client)
    out: dict[str, Any] = {"memory_mb": memory_mb, "modeled_latency_ms": dict(MODELED_LATENCY_MS)}
    try:
        for setting, latency in (("dynamodb_local", {}), ("modeled_aws", MODELED_LATENCY_MS)):
            with added_latency(clients, latency):
                out[setting] = {}
                for mode, configuration in THROUGHPUT_MODES.items():
                    _configure(*configuration)
                    out[setting][mode] = throughput_of(bench, batches, count, memory_mb)
    finally:
        _configure(None, None, None)
    modeled = out["modeled_aws"]["parallel"]["changes_per_s_at_lambda_memory"]
    out["shard_peak_changes_per_s"] = SHARD_PEAK_CHANGES_PER_S
    out["parallelization_factor"] = parallelization_factor(modeled)
    return out


def print_throughput(result: dict[str, Any]) -> None:
    sizes = list(result["modeled_aws"]["parallel"]["changes_per_s_by_memory_mb"])
    print(
        f"{'stream throughput':<30}{'changes':>8}{'wall ms':>9}{'cpu ms':>8}{'changes/s':>10}"
        + "".join(f"{'at ' + mb + ' MB':>12}" for mb in sizes)
    )
    for setting in ("dynamodb_local", "modeled_aws"):
        for mode, figures in result[setting].items():
            print(
                f"{setting + ', ' + mode:<30}{figures['order_changes']:>8}{figures['wall_ms_p50']:>9}"
                f"{figures['cpu_ms_p50']:>8}{figures['changes_per_s']:>10}"
                + "".join(f"{figures['changes_per_s_by_memory_mb'][mb]:>12}" for mb in sizes)
            )
    print(
        f"modeled latency {result['modeled_latency_ms']} ms; ParallelizationFactor for "
        f"{result['shard_peak_changes_per_s']} changes/s per shard with {HEADROOM:g}x headroom: "
        f"{result['parallelization_factor']}"
    )


def main(argv: list[str] | None = None) -> int:
    """The stream section alone: DynamoDB Local, the tables, the function's wiring as `make bench`
    makes them; prints (and with --output writes) the stream figures and the throughput."""
    import sys

    from harness.bench.core import TEMPLATE
    from harness.bench.runner import bench_session
    from harness.stream_replay import quiet
    from local.stream import stream_function
    from local.tables import load_template

    parser = argparse.ArgumentParser(description="make bench's stream section alone, with the throughput")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output", default="")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    runs = 20 if args.quick else 300
    template = load_template(TEMPLATE)
    memory_mb = int(
        stream_function(template)[1].get("MemorySize") or template["Globals"]["Function"]["MemorySize"]
    )
    with bench_session(template) as bench, quiet():
        results = {
            "stream": stream_cost(bench, runs),
            "stream_throughput": stream_throughput(bench, runs, memory_mb),
        }
    for name, op in results["stream"].items():
        print(
            f"{name}: {op['records']} records, {op['order_changes']} order changes, wall p50 "
            f"{op['wall_ms_p50']} ms, self p50 {op['self_us_p50']} us, {op['ddb_calls']}, "
            f"{op['put_events_calls']} PutEvents, {op['puts_taking_effect']} puts took effect"
        )
    print_throughput(results["stream_throughput"])
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=2, sort_keys=True)
            out.write("\n")
    return 0


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
