"""The bench's shared machinery: one handler call measured, and its DynamoDB calls billed.

`Bench.invoke` calls a function's real handler (events from events/, `event` and `route_event`)
and measures it: the handler's self-time, the CPU time of the thread running it less its CPU time
inside DynamoDB client calls (botocore's `before-parameter-build` to `after-call` hooks, `Recorder`:
the SDK's checks, serialisation, signing, parsing, retries; the wait on the network and DynamoDB
costs no CPU); the DynamoDB calls by API name; RRU/WRU from the real items (`Bench.capacity`:
harness/capacity.py applies DynamoDB's rounding, index projections and amplification, and
transaction rules). A Query is billed by the index entries it read (its `Limit`, the index's
projection), a BatchGetItem by each whole item it read, rounded up one by one (a projection does
not make it cheaper). `measure` gives a route's p50/p99 in microseconds; the printed table adds the
SDK's own CPU inside those calls beside self-time (`SDK_US_P50`), and the Lambda cost (costs.py)
bills the whole wall time (self, SDK, network and DynamoDB). Writes are billed from one more call
after the measured ones, whose items are read just before each write (`Recorder.read_before`): the
larger of the item before and after, each index entry it adds, changes, moves (twice) or removes,
twice in a transaction.

`Route` and `Family` are how a route family joins `operations` (families.py).
"""

from __future__ import annotations

import functools
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATE = ROOT / "template.yaml"
EVENTS = ROOT / "events"
RESULTS = "bench-results.json"
TENANT = "tenant-a"
#: The key events/authorizer.json (and the others) carry.
EVENT_KEY = "example-key-not-real"
#: botocore's own CPU inside DynamoDB calls, p50 per operation: printed beside self-time, not in the JSON.
SDK_US_P50: dict[str, int] = {}
#: Calls per operation before the measured ones.
WARM_UP_CALLS = 20


# ---------------------------------------------------------------------------- measuring DynamoDB calls
@dataclass
class Call:
    api: str
    table: str
    params: dict[str, Any]
    parsed: dict[str, Any] | None = None
    #: botocore's service id: "dynamodb", or "eventbridge" for the stream function's PutEvents.
    service: str = "dynamodb"
    #: The whole client call (parameter checks, serialisation, signing, the wire, parsing, retries).
    started_ns: int = 0
    ended_ns: int = 0
    #: The calling thread's CPU time at the call's start and end, and which thread it was.
    cpu_started_ns: int = 0
    cpu_ended_ns: int = 0
    thread: int = 0
    #: The items a write call writes, as they were just before it (None: not one; the field None:
    #: not read), in `written_keys` order. Read only in a billing call (`Bench.invoke(before_images=)`).
    before: list[dict[str, Any] | None] | None = None

    @property
    def call_ns(self) -> int:
        return max(0, self.ended_ns - self.started_ns)


@dataclass
class Recorder:
    """Botocore hooks on clients: which calls a handler makes and how long it waits on them.

    Per thread (a list page reads its shards from several threads at once): each hook belongs to
    the call its own thread is making.
    """

    calls: list[Call] = field(default_factory=list)
    _local: threading.local = field(default_factory=threading.local)
    #: When set, (API, params) -> the items a write call is about to write, as they are: read before
    #: each write call starts (its clocks included), for billing it by the item before and after.
    read_before: Callable[[str, dict[str, Any]], list[dict[str, Any] | None]] | None = None

    def attach(self, client: Any) -> None:
        events = client.meta.events
        service = client.meta.service_model.service_id.hyphenize()
        events.register(f"before-parameter-build.{service}", functools.partial(self._before_call, service))
        events.register(f"after-call.{service}", self._after_call)
        events.register(f"after-call-error.{service}", self._after_call_error)

    def _current(self) -> Call | None:
        call: Call | None = getattr(self._local, "call", None)
        return call

    def _before_call(self, service: str, model: Any, params: dict[str, Any], **_: Any) -> None:
        # The API's own parameters (before serialisation): what the handler asked for.
        before = None
        if self.read_before is not None and service == "dynamodb" and model.name in WRITE_APIS:
            before = self.read_before(model.name, params)
        call = Call(
            api=model.name,
            table=str(params.get("TableName", "")),
            params=dict(params),
            service=service,
            before=before,
            started_ns=time.perf_counter_ns(),
            cpu_started_ns=time.thread_time_ns(),
            thread=threading.get_ident(),
        )
        self._local.call = call
        self.calls.append(call)

    def _after_call(self, parsed: dict[str, Any], **_: Any) -> None:
        call = self._current()
        if call is not None:
            call.parsed = parsed
            call.ended_ns, call.cpu_ended_ns = time.perf_counter_ns(), time.thread_time_ns()

    def _after_call_error(self, **_: Any) -> None:
        call = self._current()
        if call is not None:
            call.ended_ns, call.cpu_ended_ns = time.perf_counter_ns(), time.thread_time_ns()

    def take(self) -> list[Call]:
        calls, self.calls = self.calls, []
        return calls


#: The DynamoDB calls that write items (what `written_keys` knows).
WRITE_APIS = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems")


def written_keys(
    api: str, params: dict[str, Any], key_names: dict[str, tuple[str, ...]]
) -> list[tuple[str, dict[str, Any]]]:
    """(table, key) of each item a write call writes (a transaction's condition checks included, in
    its order); `key_names`: table -> its key attributes (a put names its key in its item)."""

    def key_of(table: str, body: dict[str, Any]) -> dict[str, Any]:
        if "Key" in body:
            return dict(body["Key"])
        return {name: body["Item"][name] for name in key_names.get(table, ("PK", "SK"))}

    if api == "TransactWriteItems":
        out = []
        for entry in params["TransactItems"]:
            ((_kind, body),) = entry.items()
            out.append((str(body["TableName"]), key_of(str(body["TableName"]), body)))
        return out
    if api in WRITE_APIS:
        return [(str(params["TableName"]), key_of(str(params["TableName"]), params))]
    return []


def self_cpu_ns(cpu_total_ns: int, calls: list[Call]) -> int:
    """The measuring thread's CPU time less its CPU inside (DynamoDB and PutEvents) client calls."""
    me = threading.get_ident()
    return cpu_total_ns - sum(c.cpu_ended_ns - c.cpu_started_ns for c in calls if c.thread == me)


@dataclass
class Sample:
    #: The handler's own time: the CPU time of the thread running it, less that thread's CPU inside
    #: DynamoDB client calls (CPU, not wall time: on a 2-core machine DynamoDB Local competes for
    #: the cores, and a handler waiting for one is not doing work).
    self_ns: int
    #: botocore's CPU inside those calls: reported beside self-time.
    sdk_ns: int
    wall_ns: int
    calls: list[Call]
    answer: Any


@dataclass
class Bench:
    endpoint: str
    tables: dict[str, str]
    index_keys: dict[str, dict[str, Any]]
    #: Table name -> its key attributes.
    key_names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    recorder: Recorder = field(default_factory=Recorder)
    #: Whole-handler time (self + DynamoDB) p50 per measured operation, for the Lambda cost.
    wall_us_p50: dict[str, int] = field(default_factory=dict)

    def invoke(self, function: str, event: dict[str, Any], *, before_images: bool = False) -> Sample:
        """One handler call, measured; `before_images`: a billing call, each write's items read just
        before it (its timings then include those reads: never one of the measured calls)."""
        from local.lambda_runtime import FakeLambdaContext

        handler = _handler(function)
        context = FakeLambdaContext(function_name=function)
        self.recorder.take()
        self.recorder.read_before = self._items_before if before_images else None
        try:
            started, cpu_started = time.perf_counter_ns(), time.thread_time_ns()
            answer: Any = handler(event, context)
            wall, cpu = time.perf_counter_ns() - started, time.thread_time_ns() - cpu_started
        finally:
            self.recorder.read_before = None
        calls = self.recorder.take()
        own = self_cpu_ns(cpu, calls)
        return Sample(self_ns=own, sdk_ns=cpu - own, wall_ns=wall, calls=calls, answer=answer)

    # ------------------------------------------------------------------ capacity of the recorded calls
    def capacity(self, calls: list[Call]) -> tuple[float, float]:
        from harness import capacity

        rru, wru = 0.0, 0.0
        for call in calls:
            if call.service != "dynamodb":
                continue
            error = ((call.parsed or {}).get("Error") or {}).get("Code")
            if error == "ConditionalCheckFailedException" and call.api in (
                "PutItem",
                "UpdateItem",
                "DeleteItem",
            ):
                # A write whose condition fails is billed the existing item's size (at least 1 WRU)
                # and writes no index. The item is as it was, so reading it now reads it then.
                if call.api == "PutItem":
                    names = self.key_names.get(call.table, ("PK", "SK"))
                    key = {name: call.params["Item"][name] for name in names}
                else:
                    key = call.params["Key"]
                wru += capacity.write_units(capacity.item_size(self._item_now(call.table, key)))
            elif call.api == "GetItem":
                item = (call.parsed or {}).get("Item") or {}
                rru += capacity.read_units(
                    capacity.item_size(item), consistent=bool(call.params.get("ConsistentRead"))
                )
            elif call.api == "Query":
                # No FilterExpression or ProjectionExpression here: the items answered are the items
                # read (at most `Limit`), each as the index projects it.
                items = (call.parsed or {}).get("Items") or []
                size = sum(capacity.item_size(i) for i in items)
                rru += capacity.read_units(size, consistent=bool(call.params.get("ConsistentRead")))
            elif call.api == "BatchGetItem":
                rru += self._batch_get_units(call)
            elif call.api in ("PutItem", "UpdateItem", "DeleteItem"):
                before = call.before[0] if call.before else None
                wru += self._write_units(call.api, call.table, call.params, before, call.before is not None)
            elif call.api == "TransactWriteItems":
                entries = call.params["TransactItems"]
                befores = call.before or [None] * len(entries)
                for entry, before in zip(entries, befores, strict=True):
                    ((kind, body),) = entry.items()
                    wru += 2 * self._write_units(
                        kind, body["TableName"], body, before, call.before is not None
                    )
        return rru, wru

    def _write_units(
        self, kind: str, table: str, request: dict[str, Any], before: dict[str, Any] | None, seen: bool
    ) -> int:
        """WRU of one item write (a call's, or a transaction's entry: doubled by the caller).

        `seen`: the item was read just before the write (`before`, None if there was none): billed by
        the larger image and each index entry added, changed, moved or removed. Not seen (a measured
        call's, a stream batch's): a put or update as of a new item, a delete as 1 unit."""
        from harness import capacity

        keys = self.index_keys.get(table, {})
        if kind in ("Put", "PutItem"):
            return capacity.write_cost(before, request["Item"], keys)
        if kind in ("Update", "UpdateItem"):
            return capacity.write_cost(before, self._item_now(table, request["Key"]), keys)
        if kind in ("Delete", "DeleteItem"):
            return capacity.write_cost(before, None, keys) if before is not None else 1
        # A condition check writes nothing: the item's size, no index.
        seen_item = before if seen and before is not None else self._item_now(table, request["Key"])
        return capacity.write_units(capacity.item_size(seen_item))

    def _items_before(self, api: str, params: dict[str, Any]) -> list[dict[str, Any] | None]:
        """The items a write call is about to write, as they are now (None: no such item)."""
        out = []
        for table, key in written_keys(api, params, self.key_names):
            read = _admin_client(self.endpoint).get_item(TableName=table, Key=key, ConsistentRead=True)
            out.append(read.get("Item"))
        return out

    def _batch_get_units(self, call: Call) -> float:
        """A BatchGetItem reads each key as a GetItem of its own: the whole item (a projection does
        not make it cheaper; a key that finds nothing still costs the minimum), rounded up per item.
        Keys it answered as unprocessed were not read."""
        from harness import capacity

        unprocessed = (call.parsed or {}).get("UnprocessedKeys") or {}
        units = 0.0
        for table, request in call.params["RequestItems"].items():
            skipped = (unprocessed.get(table) or {}).get("Keys") or []
            consistent = bool(request.get("ConsistentRead"))
            for key in request["Keys"]:
                if key not in skipped:
                    item = self._item_now(table, key)  # the key alone if none: the minimum
                    units += capacity.read_units(capacity.item_size(item), consistent=consistent)
        return units

    def _item_now(self, table: str, key: dict[str, Any]) -> dict[str, Any]:
        out = _admin_client(self.endpoint).get_item(TableName=table, Key=key, ConsistentRead=True)
        return dict(out.get("Item") or key)


def _handler(function: str) -> Callable[..., Any]:
    import importlib

    handler: Callable[..., Any] = importlib.import_module(f"functions.{function}.app").lambda_handler
    return handler


_ADMIN: dict[str, Any] = {}


def _admin_client(endpoint: str) -> Any:
    """A second client, not recorded, for reading items back (never inside a measured call)."""
    if endpoint not in _ADMIN:
        import boto3

        _ADMIN[endpoint] = boto3.client("dynamodb", endpoint_url=endpoint)
    return _ADMIN[endpoint]


def _order_item(bench: Bench, order_id: str) -> dict[str, Any]:
    from orders_domain.storage import keys
    from orders_domain.storage.codec import typed_key

    out = _admin_client(bench.endpoint).get_item(
        TableName=bench.tables["OrdersTable"],
        Key=typed_key(keys.order_key(TENANT, order_id)),
        ConsistentRead=True,
    )
    return dict(out["Item"])


# ---------------------------------------------------------------------------- events
def event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    loaded["requestContext"]["requestId"] = str(uuid.uuid4())
    return loaded


def route_event(
    sample: str,
    method: str,
    resource: str,
    params: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: Any | None = None,
    tenant: str = TENANT,
) -> dict[str, Any]:
    """An event of `sample` (in events/) for another route, as the authorizer passes it on for
    `tenant`'s own key: no Idempotency-Key or If-Match (the change routes are measured without)."""
    got = event(sample)
    path_params = {"tenantId": tenant, **(params or {})}
    path = resource
    for name, value in path_params.items():
        path = path.replace("{" + name + "}", value)
    got["resource"] = got["requestContext"]["resourcePath"] = resource
    got["httpMethod"] = got["requestContext"]["httpMethod"] = method
    got["path"] = path
    got["requestContext"]["path"] = "/v1" + path
    got["pathParameters"] = path_params
    got["queryStringParameters"] = query
    got["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    got["headers"] = {
        k: v for k, v in got["headers"].items() if k.lower() not in ("idempotency-key", "if-match")
    }
    got["multiValueHeaders"] = {k: [v] for k, v in got["headers"].items()}
    got["body"] = None if body is None else json.dumps(body)
    got["requestContext"]["authorizer"]["tenant_id"] = tenant
    return got


# ---------------------------------------------------------------------------- the measurements
def percentile(values: list[int], share: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def measure(
    bench: Bench, name: str, function: str, make_event: Callable[[], dict[str, Any]], runs: int
) -> dict[str, Any]:
    # Warm: the first call builds clients and schemas, and the next few still run slower (caches,
    # branch predictors, allocator pools) — enough of them that a short run's median is a warm one.
    for _ in range(WARM_UP_CALLS):
        refuse_failure(name, bench.invoke(function, make_event()).answer)
    samples = [bench.invoke(function, make_event()) for _ in range(runs)]
    refuse_failure(name, samples[-1].answer)
    # One more call, not timed, bills the route: its calls, and each write's items read before it.
    billed = bench.invoke(function, make_event(), before_images=True)
    refuse_failure(name, billed.answer)
    rru, wru = bench.capacity(billed.calls)
    bench.wall_us_p50[name] = percentile([s.wall_ns for s in samples], 0.5) // 1000
    SDK_US_P50[name] = percentile([s.sdk_ns for s in samples], 0.5) // 1000
    return {
        "self_us_p50": percentile([s.self_ns for s in samples], 0.5) // 1000,
        "self_us_p99": percentile([s.self_ns for s in samples], 0.99) // 1000,
        # the thread's whole CPU per call: the handler's own and the SDK's (issue 36)
        "cpu_us_p50": percentile([s.self_ns + s.sdk_ns for s in samples], 0.5) // 1000,
        "ddb_calls": dict(Counter(c.api for c in billed.calls if c.service == "dynamodb")),
        "rru": rru,
        "wru": wru,
    }


def refuse_failure(name: str, answer: Any) -> None:
    """Stop the run when a route answers an error: its figures would be an error's."""
    status = answer.get("statusCode") if isinstance(answer, dict) else None
    if isinstance(status, int) and status >= 400:
        raise SystemExit(f"{name} answered {status}: {str(answer.get('body'))[:500]}")


# ---------------------------------------------------------------------------- route families
#: A measured route: (name, function, event maker); `measure` makes a new event for each call.
Route = tuple[str, str, Callable[[], dict[str, Any]]]


@dataclass(frozen=True)
class Family:
    """A route family as `operations` measures it and `check_shape` holds it: each family's module
    has one (`FAMILY`), and families.py lists them."""

    #: Makes what the family's routes read (orders, fulfillments, a tenant's rows), then returns the
    #: routes, in the order they are measured.
    routes: Callable[[Bench], list[Route]]
    #: The operations a run's results must hold (`check_shape`: "operations has no ...").
    required: tuple[str, ...] = ()
    #: Operation -> the DynamoDB calls it makes, API -> (fewest, most) calls, no other API
    #: (`check_shape` holds a run to them).
    calls: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
