"""`make reliability`: whether a retry, a race or a fault can lose or double an order.

On DynamoDB Local (moto has neither real concurrency nor transaction tokens), through the local
gateway over HTTP, with the functions' real handlers. Writes reliability-results.json.

- **races**: concurrent creates with one Idempotency-Key (exactly one order, every answer the same
  order or a 409 to retry), with different keys (one order each, numbers unique), and reads of those
  orders while they are written (a 200 is the whole order, else 404; never a 500).
- **lost responses**: for every DynamoDB write call of every mutating route, a botocore hook sends the
  request to DynamoDB (so the write happens), then raises a read timeout as if the answer was lost, and
  the SDK retries; then the client retries the whole request with and without its Idempotency-Key.
- **injected faults**: throttling, TransactionConflict, a 500 and a timeout at each DynamoDB call of
  each mutating route; the answer must be a success or a retryable 409/429/503 (never a 500), and the
  client's retry with the same key must complete with one order.
- an **invariant checker** over every order afterwards: API.md's money rules, line counters, versions,
  unique numbers, one order per key, no idempotency record left in progress.
- **stream replay**: a few orders get versions 2 and 3 (the repository's `replace`: there is no
  update route yet; the invariant checker sees them too), then every record of the run's stream
  (DynamoDB Local's Streams API, local/stream.py) is delivered once to the order_stream handler in
  batches of 100 (this builds the projections: the harness runs no stream poller); the projections
  (each order's history entries and coupon usage rows: a Query of its item collection) and the
  event ids published are kept. Then every record is delivered again in random batches (1-100
  records, batches in random order), with ~10% of PutItem calls throttled and ~10% of events
  refused, failed records retried as Lambda retries them (from the first failed one of a batch)
  until they succeed: no projection may change, no event may be published that the first delivery
  did not publish, every version of every order must have had its event, and every order's history
  must rebuild the stored order (local/stream_replay.py).

Mutating routes join through `MUTATIONS` (a request maker and the DynamoDB writes it makes).
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import sys
import threading
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = "reliability-results.json"
TENANT = "tenant-a"
ORDER = {
    "payment_info": {"type": "card"},
    "shipping_charges": "4.99",
    "coupons": [{"coupon_id": "c1", "coupon_type": "promo", "discount": "1.50"}],
    "line_items": [
        {"description": "Ticket", "quantity": 2, "unit_price": "13.75", "taxes": "1.10", "shippable": True},
        {"description": "Poster", "quantity": 1, "unit_price": "9.99"},
    ],
}
#: Answers a client may retry (API.md: in progress, throttled, unavailable).
RETRYABLE = {409, 429, 503}


@dataclass
class Tally:
    concurrent_requests: int = 0
    injected_faults: int = 0
    replayed_stream_records: int = 0
    lost_updates: int = 0
    partial_writes: int = 0
    double_effects: int = 0
    server_errors: int = 0
    notes: list[str] = field(default_factory=list)

    def problem(self, kind: str, what: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        self.notes.append(f"{kind}: {what}")

    def results(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if k != "notes"}


@dataclass
class Api:
    base: str
    key: str

    def call(
        self, method: str, path: str, body: Any = None, idempotency_key: str | None = None
    ) -> tuple[int, Any]:
        headers = {"Authorization": self.key}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if idempotency_key is not None:
            headers["Idempotency-Key"] = f'"{idempotency_key}"'
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback only
                status, text = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read()
        return status, json.loads(text, parse_float=Decimal) if text else None

    def create(self, key: str | None) -> tuple[int, Any]:
        return self.call("POST", f"/orders/{TENANT}", ORDER, idempotency_key=key)


# ---------------------------------------------------------------------------- fault injection
class Faults:
    """botocore hooks on the functions' DynamoDB client: lose a response, or answer with an error."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._plan: dict[str, list[str]] = {}
        self._lock = threading.Lock()
        self.fired = 0
        client.meta.events.register("before-send.dynamodb", self._before_send)

    @contextmanager
    def once(self, api: str, fault: str, times: int = 1) -> Iterator[None]:
        """The next `times` attempts of `api` meet `fault` (then the SDK's own retry goes through)."""
        with self._lock:
            self._plan.setdefault(api, []).extend([fault] * times)
        try:
            yield
        finally:
            with self._lock:
                self._plan.pop(api, None)

    def _before_send(self, request: Any, **kwargs: Any) -> Any:
        from botocore.awsrequest import AWSResponse
        from botocore.compat import HTTPHeaders
        from botocore.exceptions import ReadTimeoutError

        from local.harness import CannedBody

        api = str(kwargs.get("event_name", "")).rsplit(".", 1)[-1]
        with self._lock:
            queue = self._plan.get(api)
            fault = queue.pop(0) if queue else None
        if fault is None:
            return None
        self.fired += 1
        if fault == "lost_response":
            self.client._endpoint.http_session.send(request)  # the write reaches DynamoDB...
            raise ReadTimeoutError(endpoint_url=request.url)  # ...and its answer is lost
        if fault == "timeout":
            raise ReadTimeoutError(endpoint_url=request.url)
        code, status = {
            "throttling": ("ProvisionedThroughputExceededException", 400),
            "transaction_conflict": ("TransactionConflictException", 400),
            "server_error": ("InternalServerError", 500),
        }[fault]
        body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": fault}).encode()
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/x-amz-json-1.0"
        return AWSResponse(request.url, status, headers, CannedBody(body))


#: Mutating route -> the DynamoDB write calls one request makes (with an Idempotency-Key).
MUTATIONS: dict[str, list[str]] = {"create": ["PutItem", "UpdateItem"]}
FAULTS = ("throttling", "transaction_conflict", "server_error", "timeout")


# ---------------------------------------------------------------------------- scenarios
def parallel(count: int, work: Callable[[int], Any], tally: Tally) -> list[Any]:
    tally.concurrent_requests += count
    with ThreadPoolExecutor(max_workers=min(count, 32)) as pool:
        return list(pool.map(work, range(count)))


def races(api: Api, tally: Tally, scale: int) -> dict[str, str]:
    """Returns idempotency key -> order id of every order these scenarios made."""
    made: dict[str, str] = {}
    # one key, many concurrent creates: one order; every answer that order or "retry later"
    for round_ in range(scale):
        key = f"race-same-{round_}-{uuid.uuid4().hex[:6]}"
        answers = parallel(25, functools.partial(_create_ignoring_index, api, key), tally)
        same = {body["id"] for status, body in answers if status in (200, 201)}
        for status, body in answers:
            if status >= 500:
                tally.problem("server_errors", f"race same key: {status} {body}")
            elif status not in (201, 409):
                tally.problem("server_errors", f"race same key: unexpected {status} {body}")
        if len(same) > 1:
            tally.problem("double_effects", f"one key, {len(same)} orders")
        if same:
            made[key] = same.pop()
    # different keys, concurrently, and reads of the orders made so far in between them
    keys = [f"race-many-{uuid.uuid4().hex}" for _ in range(50 * scale)]
    known = list(made.values())

    def create_or_read(i: int) -> tuple[str, tuple[int, Any]]:
        if i % 2:
            return "read", api.call("GET", f"/orders/{TENANT}/{known[i % len(known)]}")
        return keys[i // 2], api.create(keys[i // 2])

    mixed = parallel(2 * len(keys), create_or_read, tally)
    for what, (status, body) in mixed:
        if what != "read":
            continue
        if status >= 500:
            tally.problem("server_errors", f"read during writes: {status}")
        elif status != 200 or "line_items" not in body:
            tally.problem("partial_writes", f"a read during writes saw {status} {body}")
    for key, (status, body) in (entry for entry in mixed if entry[0] != "read"):
        if status in RETRYABLE:  # told to come back: the client does
            status, body = _retry_later(api, key)
        if status != 201:
            tally.problem("server_errors" if status >= 500 else "lost_updates", f"create {status} {body}")
        else:
            made[key] = body["id"]
    return made


def _create_ignoring_index(api: Api, key: str, _index: int) -> tuple[int, Any]:
    return api.create(key)


def lost_responses(api: Api, faults: Faults, tally: Tally) -> dict[str, str]:
    made: dict[str, str] = {}
    for route, calls in MUTATIONS.items():
        for api_call in calls:
            for occurrence in ("first", "every"):
                key = f"lost-{route}-{api_call}-{occurrence}-{uuid.uuid4().hex[:6]}"
                fault_count = 1 if occurrence == "first" else 4
                with faults.once(api_call, "lost_response", times=fault_count):
                    status, body = api.create(key)
                tally.injected_faults += fault_count
                if status >= 500 and status != 503:
                    tally.problem("server_errors", f"lost {api_call} response: {status} {body}")
                # the client retries the whole request with its key: it must get the one order
                retry_status, retry = _retry_later(api, key)
                if retry_status != 201:
                    tally.problem("lost_updates", f"retry after lost {api_call}: {retry_status} {retry}")
                    continue
                if status == 201 and body["id"] != retry["id"]:
                    tally.problem("double_effects", f"lost {api_call}: retry made another order")
                made[key] = retry["id"]
    return made


def injected_faults(api: Api, faults: Faults, tally: Tally) -> dict[str, str]:
    made: dict[str, str] = {}
    for route, calls in MUTATIONS.items():
        for api_call in calls:
            for fault in FAULTS:
                # four in a row outlast boto3's own retries (3 attempts), so the client sees the fault
                for depth in (1, 4):
                    key = f"fault-{route}-{api_call}-{fault}-{depth}-{uuid.uuid4().hex[:6]}"
                    with faults.once(api_call, fault, times=depth):
                        status, body = api.create(key)
                    tally.injected_faults += depth
                    if status >= 500 and status != 503:
                        tally.problem("server_errors", f"{fault} x{depth} at {api_call}: {status} {body}")
                    elif status not in (201, *RETRYABLE):
                        tally.problem("server_errors", f"{fault} x{depth} at {api_call}: unexpected {status}")
                    # (a 409 means the first attempt is still marked in progress: retry until it is not)
                    retry_status, retry = _retry_later(api, key)
                    if retry_status != 201:
                        tally.problem(
                            "lost_updates", f"retry after {fault} at {api_call}: {retry_status} {retry}"
                        )
                        continue
                    if status == 201 and retry["id"] != body["id"]:
                        tally.problem("double_effects", f"{fault} at {api_call}: retry made another order")
                    made[key] = retry["id"]
    return made


def _retry_later(api: Api, key: str) -> tuple[int, Any]:
    """Retry as a client told 409/429/503 does, until the first attempt's Lambda time (10 s here) is up."""
    import time

    deadline = time.monotonic() + 15
    status, body = api.create(key)
    while status in RETRYABLE and time.monotonic() < deadline:
        time.sleep(0.5)
        status, body = api.create(key)
    return status, body


def retries_without_key(api: Api, faults: Faults, tally: Tally) -> None:
    """Without a key a retry is a new request: two orders, as documented; counted, not a fault."""
    with faults.once("PutItem", "lost_response"):
        status, _ = api.create(None)
    tally.injected_faults += 1
    if status >= 500:
        tally.problem("server_errors", f"lost response without a key: {status}")


# ---------------------------------------------------------------------------- invariants
def check_invariants(client: Any, tables: dict[str, str], made: dict[str, str], tally: Tally) -> int:
    from orders_domain.storage.orders import OrderRecord

    orders = []
    paginator = client.get_paginator("scan")
    for page in paginator.paginate(
        TableName=tables["OrdersTable"],
        FilterExpression="entity = :order",
        ExpressionAttributeValues={":order": {"S": "order"}},
        ConsistentRead=True,
    ):
        orders += [OrderRecord.from_item(item).order for item in page["Items"]]
    by_id = {o.id: o for o in orders}
    for key, order_id in made.items():
        if order_id not in by_id:
            tally.problem("lost_updates", f"acknowledged order {order_id} ({key}) is not stored")
    numbers = Counter(o.number for o in orders)
    for number, count in numbers.items():
        if count > 1:
            tally.problem("double_effects", f"order number {number} used {count} times")
    for order in orders:
        for problem in money_problems(order):
            tally.problem("partial_writes", f"order {order.id}: {problem}")
    stuck = client.scan(
        TableName=tables["IdempotencyTable"],
        FilterExpression="#s = :p",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":p": {"S": "INPROGRESS"}},
    )["Items"]
    for item in stuck:
        tally.problem("partial_writes", f"idempotency record left in progress: {item['id']['S'][:40]}")
    return len(orders)


def money_problems(order: Any) -> list[str]:
    """API.md's rules that every order keeps at every state."""
    problems = []
    lines = order.line_items
    if order.subtotal != sum((li.total + li.discounts - li.taxes for li in lines), Decimal(0)):
        problems.append("subtotal is not the lines' gross")
    if order.discounts != sum((li.discounts for li in lines), Decimal(0)):
        problems.append("discounts are not the lines'")
    if order.taxes != sum((li.taxes for li in lines), Decimal(0)):
        problems.append("taxes are not the lines'")
    if order.total != order.subtotal - order.discounts + order.taxes + order.shipping_charges:
        problems.append("total != subtotal - discounts + taxes + shipping")
    paid = order.amount_paid + order.amount_pending_capture - order.amount_refunded
    if order.balance_due != order.total - paid:
        problems.append("balance_due != total - (paid + pending - refunded)")
    if order.amount_refunded > order.amount_paid:
        problems.append("refunded more than paid")
    for li in lines:
        if li.quantity_shipped + li.quantity_cancelled > li.quantity:
            problems.append(f"line {li.line_number}: shipped + cancelled > quantity")
        if li.quantity_returned > li.quantity_shipped:
            problems.append(f"line {li.line_number}: returned > shipped")
    if order.sys_version < 1:
        problems.append("version below 1")
    return problems


# ---------------------------------------------------------------------------- stream replay
#: Injected while the stream is delivered again: the share of PutItem calls throttled and of events
#: refused (each fails its record, which is retried).
STREAM_FAULT_SHARE = 0.1
#: At least this many records are delivered again (the whole stream as often as it takes).
MIN_REPLAYED_RECORDS = 100


def stream_replay_versions(order_ids: list[str]) -> int:
    """Versions 2 and 3 of these orders (local/stream_replay.py's `add_versions`): MODIFY records in
    the stream, coupon rows to remove, histories of more than one entry to rebuild."""
    from local.stream_replay import add_versions

    return add_versions(TENANT, order_ids, by="reliability")


def stream_replay(running: Any, tally: Tally, rng: random.Random) -> None:
    """Deliver the run's stream once, then again in random batches with faults: nothing may change."""
    from orders_domain import wiring

    from local import stream_replay as replay

    table = running.tables["OrdersTable"]
    records = replay.stream_records(running.admin, table)
    orders = replay.orders_in(records)
    publisher = replay.RecordingPublisher(seed=rng.randrange(2**32))
    replay.install_publisher(publisher)
    throttle = replay.ThrottledPuts(wiring.current().dynamodb, STREAM_FAULT_SHARE, seed=rng.randrange(2**32))
    consumer = replay.Consumer()

    # (a) once, in stream order: the projections of the run
    with replay.quiet():
        first = consumer.deliver(records)
    first_ids = set(publisher.accepted_ids())
    snapshot = replay.projections(running.admin, table, orders)
    announced: dict[str, set[int]] = {}
    for event in publisher.accepted:
        announced.setdefault(event.detail["order_id"], set()).add(int(event.detail["sys_version"]))
    if first.retries:
        tally.notes.append(f"stream: the first delivery retried {first.retries} batch(es) with no fault")

    # (b) again, in random splits, with throttled puts and refused events, until every record succeeds
    mark, sent = len(publisher.accepted), consumer.records_sent
    delivered_once = max(1, consumer.records_sent)
    publisher.refuse_share, throttle.active = STREAM_FAULT_SHARE, True
    invocations = consumer.invocations
    with replay.quiet():
        for _ in range(-(-MIN_REPLAYED_RECORDS // delivered_once)):
            for batch in replay.random_batches(records, rng):
                consumer.deliver(batch)
    publisher.refuse_share, throttle.active = 0.0, False
    tally.replayed_stream_records += consumer.records_sent - sent
    tally.injected_faults += throttle.fired + publisher.refused

    # (c) nothing changed, nothing new announced, every version announced, every history rebuilds
    for what in replay.differences(snapshot, replay.projections(running.admin, table, orders)):
        kind = "lost_updates" if what.startswith("gone") else "double_effects"
        tally.problem(kind, f"stream replay: projection {what}")
    again = set(publisher.accepted_ids(mark))
    for event_id in sorted(again - first_ids):
        tally.problem("double_effects", f"stream replay: event {event_id} the first delivery did not publish")
    for event_id in sorted(first_ids - again):
        tally.problem("lost_updates", f"stream replay: event {event_id} was not published again")
    for tenant_id, order_id in orders:
        order = wiring.current().orders.get(tenant_id, order_id, consistent=True)
        missing = set(range(1, order.sys_version + 1)) - announced.get(order_id, set()) if order else set()
        if missing:
            tally.problem("lost_updates", f"stream: order {order_id}: no event of versions {sorted(missing)}")
    for problem in replay.history_mismatches(running.admin, table, orders):
        tally.problem("lost_updates", f"stream: {problem}")
    tally.notes.append(
        f"stream: {len(records)} records ({first.records_filtered} filtered out as on AWS) of {len(orders)} "
        f"orders, {len(snapshot)} projection items, {len(first_ids)} events; replayed "
        f"{tally.replayed_stream_records} records in {consumer.invocations - invocations} invocations "
        f"({throttle.fired} PutItems throttled, {publisher.refused} events refused)"
    )


# ---------------------------------------------------------------------------- the run
def run(scale: int) -> tuple[dict[str, int], list[str]]:
    from orders_domain import wiring

    from local.harness import running_api

    tally = Tally()
    key = f"reliability-{uuid.uuid4().hex}"
    with running_api("rel", {key: TENANT}) as running:
        faults = Faults(wiring.current().dynamodb)
        api = Api(running.base_url, key)
        made = races(api, tally, scale)
        made |= lost_responses(api, faults, tally)
        made |= injected_faults(api, faults, tally)
        retries_without_key(api, faults, tally)
        versions = stream_replay_versions(sorted(set(made.values()))[: 10 * scale])
        checked = check_invariants(running.admin, running.tables, made, tally)
        # Faults that fired (a planned fault the SDK never reached, after its last attempt, is not counted).
        tally.injected_faults = faults.fired
        tally.notes.append(f"invariants checked on {checked} orders ({versions} later versions written)")
        stream_replay(running, tally, random.Random(20261129))  # noqa: S311 - not security
    return tally.results(), tally.notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.reliability", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round of each race (CI)")
    parser.add_argument("--output", default=RESULTS)
    args = parser.parse_args(argv)
    results, notes = run(scale=1 if args.quick else 6)
    Path(args.output).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    for name, value in results.items():
        print(f"{name:<26}{value:>8}")
    for note in notes:
        print(f"  {note}")
    failed = any(results[k] for k in ("lost_updates", "partial_writes", "double_effects", "server_errors"))
    print(f"\n{'FAIL' if failed else 'ok'}: wrote {args.output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
