"""`make reliability`'s **unexpected faults** (issue 29): an exception that is no service error, raised
after something was written, in each multi-write flow; a careful client then settles the request.

The service's own errors (`OrdersError`) and the store's (botocore's) are what the rest of the harness
injects. Here the service raises a plain Python exception (`RuntimeError`, `ArithmeticError`: what a
create with `exchange_rate` 1e30 once raised) by an in-process hook on the domain layer, which the local
gateway's handlers share with the harness (as `reliability.Faults` hooks their DynamoDB client). Each
hook raises for one planned call only, aimed by a marker only its flow's request carries (an order id,
a `memo`, a patched value), so the flows run side by side:

- `render`: `orders_domain.http.representation.links_for` of one order, which every order answer (the
  order's JSON, a batch's patched order) renders: the write is done, its answer is not;
- `create_before` / `create_after`: `CreateOrders.create` of the request whose `memo` is the marker,
  before it writes anything, or once it has written the order;
- `patch_before` / `patch_after`: `ChangeOrders.patch` whose JSON Patch adds the marker, likewise.

The flows (`FLOWS`):

- a keyed batch (patch X: `add` a value to its list; create an order marked by `memo`) whose create
  raises before its write, or after it; the same batch the other way round (create, then patch X)
  whose patch raises before or after its write; and the batch whose answer raises while rendering X.
  An operation's fault must be that operation's error result (status 500 `internal_error`): the
  batch answers 200 and its answer is stored, so the retry with the key replays it (equal, marked
  `Idempotent-Replayed`), never running an operation again. The client then finishes each operation
  not reported done as a careful client does: a create alone under the key its result names
  (`<key>#<position>`: it finds the order if it was made), a patch with If-Match at the version it
  read first (a 412 sends it to read the order: its value may be in). Then X holds the value once, at
  one version more, and one order carries the memo. A batch whose rendering raised after its writes
  may answer 500; its retry must then not run them again.
- single-order routes whose answer raises after the order's write, before the answer is stored: a
  keyed create, an unkeyed PATCH (`add`), a keyed partial fulfil, a keyed partial cancel and a keyed
  refund; and a keyed create that raises before its (only) write. Their first answer may be a 500 (no
  answer was stored); the retry with the same key must then find the first write (the create's id
  and every keyed change's write id derive from the key) and answer it, not a 5xx, and a further send
  must replay that answer. The PATCH, which takes no key, is settled with If-Match at the version read
  before it. A create that raised before its write must have written nothing, and its retry (the
  fault gone) makes the order. Each change must then be in exactly once: one order, the list's value
  once, the fulfil's units and its one record, the cancelled units, the refunded lines (the judges of
  `local.reliability`), in one write.

A double effect, a lost write, a 5xx answered to the retry (or a batch that answered 5xx for an
operation's fault) is counted in the run's `Tally`; each flow's first answer and retry are noted, and
`unexpected_faults` in reliability-results.json holds each flow's verdict ("ok", or its problems).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from local.reliability import (
    ACTION_PATHS,
    CASE_WORKERS,
    ORDER,
    PARTIAL_CANCEL,
    REFUNDS_PATH,
    RETRY_SECONDS,
    TENANT,
    Api,
    FulfilCase,
    OrderActionCase,
    Problem,
    RefundCase,
    Store,
    Tally,
    add,
    all_money_problems,
    careful_patch,
    effect_problems,
    fulfil_record_problems,
    fulfillment_problems,
    listed,
    order_with_list,
    refund_effect_problems,
    refund_problems,
    retryable,
)

#: Where a hook raises (module docstring).
POINTS = ("render", "create_before", "create_after", "patch_before", "patch_after")
#: What each point raises: plain Python exceptions, neither the service's errors nor the store's.
RAISED: dict[str, type[Exception]] = {
    "render": RuntimeError,
    "create_before": ArithmeticError,
    "create_after": ArithmeticError,
    "patch_before": RuntimeError,
    "patch_after": RuntimeError,
}
#: The answer of an operation whose fault became its error result (services.batch).
FAULT_RESULT = ("error", 500, "internal_error")


# ---------------------------------------------------------------------------- injection
@dataclass(eq=False)
class Aimed:
    """An exception planned at `point` for the next `left` calls that carry `marker`."""

    point: str
    marker: str
    left: int


class Unexpected:
    """In-process hooks on the domain layer that raise a plain exception at a planned call.

    `install` wraps `representation.links_for` (order answers look it up at call time, whichever
    module imported `order_json`), `CreateOrders.create` and `ChangeOrders.patch` (class attributes:
    every instance, the batch's too); `uninstall` puts the originals back. Unplanned calls go through
    untouched."""

    def __init__(self) -> None:
        self._plan: list[Aimed] = []
        self._lock = threading.Lock()
        self._originals: dict[str, Any] = {}
        #: Exceptions raised so far.
        self.fired = 0

    def install(self) -> None:
        from orders_domain.http import representation
        from orders_domain.services.change import ChangeOrders
        from orders_domain.services.create import CreateOrders

        if self._originals:
            return
        links_for = representation.links_for
        create = CreateOrders.create
        patch = ChangeOrders.patch
        self._originals = {"links_for": links_for, "create": create, "patch": patch}

        def aimed_links_for(order: Any) -> Any:
            self.raise_if("render", order.id)
            return links_for(order)

        def aimed_create(service: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            marker = getattr(request, "memo", None)
            self.raise_if("create_before", marker)
            created = create(service, request, *args, **kwargs)
            self.raise_if("create_after", marker)
            return created

        def aimed_patch(service: Any, *args: Any, **kwargs: Any) -> Any:
            # (tenant_id, order_ref, operations, *, actor, if_match)
            values = patched_values(args[2] if len(args) > 2 else kwargs.get("operations"))
            self.raise_if("patch_before", *values)
            changed = patch(service, *args, **kwargs)
            self.raise_if("patch_after", *values)
            return changed

        representation.links_for = aimed_links_for  # type: ignore[assignment]
        CreateOrders.create = aimed_create  # type: ignore[method-assign,assignment]
        ChangeOrders.patch = aimed_patch  # type: ignore[method-assign,assignment]

    def uninstall(self) -> None:
        from orders_domain.http import representation
        from orders_domain.services.change import ChangeOrders
        from orders_domain.services.create import CreateOrders

        if not self._originals:
            return
        representation.links_for = self._originals["links_for"]
        CreateOrders.create = self._originals["create"]  # type: ignore[method-assign]
        ChangeOrders.patch = self._originals["patch"]  # type: ignore[method-assign]
        self._originals = {}

    @contextmanager
    def installed(self) -> Iterator[Unexpected]:
        self.install()
        try:
            yield self
        finally:
            self.uninstall()

    @contextmanager
    def once(self, point: str, marker: str, times: int = 1) -> Iterator[Aimed]:
        """The next `times` calls at `point` that carry `marker` raise; yields the plan (`left`: the
        calls it has still to hit). The plan is gone when the block ends, spent or not."""
        if point not in POINTS:
            raise ValueError(f"no such point: {point}")
        aimed = Aimed(point, marker, times)
        with self._lock:
            self._plan.append(aimed)
        try:
            yield aimed
        finally:
            with self._lock:
                self._plan.remove(aimed)

    def take(self, point: str, *carried: Any) -> bool:
        """Whether a call at `point` carrying these values is planned to raise (a plan is spent)."""
        with self._lock:
            aimed = next(
                (a for a in self._plan if a.point == point and a.left and a.marker in carried),
                None,
            )
            if aimed is None:
                return False
            aimed.left -= 1
            self.fired += 1
            return True

    def raise_if(self, point: str, *carried: Any) -> None:
        if self.take(point, *carried):
            raise RAISED[point](f"injected by local/reliability_faults.py at {point}")


def patched_values(operations: Any) -> list[Any]:
    """The `value`s a JSON Patch carries (what a patch flow's marker is)."""
    if not isinstance(operations, Sequence):
        return []
    return [op.get("value") for op in operations if isinstance(op, Mapping) and "value" in op]


# ---------------------------------------------------------------------------- answers
@dataclass(frozen=True)
class Reply:
    """One answer as the client got it (header names in lower case)."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def replayed(self) -> bool:
        return self.headers.get("idempotent-replayed", "").lower() == "true"

    @property
    def server_error(self) -> bool:
        """A 5xx that is not "again later" (503)."""
        return self.status >= 500 and self.status != 503

    def same_answer(self, other: Reply) -> bool:
        return (self.status, self.body) == (other.status, other.body)

    def summary(self) -> str:
        text = str(self.status)
        body = self.body if isinstance(self.body, Mapping) else {}
        if body.get("code"):
            text += f" {body['code']}"
        results = body.get("results")
        if isinstance(results, list):
            text += " [" + ", ".join(map(outcome_text, results)) + "]"
        return text + (" (replayed)" if self.replayed else "")


def outcome_text(result: Any) -> str:
    """One batch result, briefly: `success`, or `error <status> <code>`."""
    if not isinstance(result, Mapping):
        return repr(result)
    if result.get("outcome") == "success":
        return "success"
    return f"{result.get('outcome')} {result.get('status')} {result.get('code')}"


def reply(answer: tuple[int, Any, dict[str, str]]) -> Reply:
    status, body, headers = answer
    return Reply(status, body, headers)


def until_answered(send: Callable[[], Reply]) -> Reply:
    """Send again while the answer says "again later" (`reliability.retryable`), for a while."""
    deadline = time.monotonic() + RETRY_SECONDS
    answer = send()
    while retryable(answer.status, answer.body) and time.monotonic() < deadline:
        time.sleep(0.2)
        answer = send()
    return answer


@dataclass(frozen=True)
class Exchange:
    """A keyed request under an unexpected fault, as its client saw it: the first answer (the fault
    planned), the retry with the same key (settled), one more send after a success (`again`), and
    whether the planned exception was raised at all."""

    first: Reply
    retry: Reply
    again: Reply | None
    fired: bool

    def describe(self) -> str:
        text = f"first {self.first.summary()}, retry {self.retry.summary()}"
        if self.again is not None:
            text += f", again {self.again.summary()}"
        return text


def exchanged(send: Callable[[], Reply], ok: int, fault: AbstractContextManager[Aimed]) -> Exchange:
    """Send under `fault`, then again with the same key until settled, then once more after a success."""
    with fault as aimed:
        first = send()
        fired = aimed.left == 0
    retry = until_answered(send)
    again = send() if retry.status == ok else None
    return Exchange(first, retry, again, fired)


# ---------------------------------------------------------------------------- judges
def exchange_problems(exchange: Exchange, ok: int, *, first_may_fail: bool) -> list[Problem]:
    """What a keyed request's answers say went wrong. A 5xx answered to the retry; a first 5xx where
    the fault must have become an answer (`first_may_fail` false: a batch's operation); an answer
    stored (a first `ok`) that the retry does not replay, or a success the next send does not: a
    new run of the request, a double effect."""
    first, retry, again = exchange.first, exchange.retry, exchange.again
    problems: list[Problem] = []
    if first.server_error and not first_may_fail:
        problems.append(
            ("server_errors", f"answered {first.summary()}: an operation's fault must be its result")
        )
    if retry.server_error:
        problems.append(("server_errors", f"the retry with the same key answered {retry.summary()}"))
    elif first.status == ok and not retry.same_answer(first):
        problems.append(
            ("double_effects", f"the retry is not the stored answer {first.summary()}: {retry.summary()}")
        )
    if retry.status == ok and again is not None and not again.same_answer(retry):
        problems.append(("double_effects", f"sent again after {retry.summary()}, answered {again.summary()}"))
    return problems


def count_problems(what: str, count: int, expected: int = 1) -> list[Problem]:
    """`count` effects where `expected` were due: more is a double effect (or, none being due, a
    partial write), fewer a lost write."""
    if count == expected:
        return []
    kind = "lost_updates"
    if count > expected:
        kind = "double_effects" if expected else "partial_writes"
    return [(kind, f"{what}: {count}, expected {expected}")]


def list_problems(doc: Mapping[str, Any], value: str, base: int) -> list[Problem]:
    """The order's list holds `value` once, written in one write after version `base`."""
    problems = count_problems(f"{value!r} in the order's list", listed(doc).count(value))
    version = int(doc["sys_version"])
    if not problems and version != base + 1:
        kind = "double_effects" if version > base + 1 else "lost_updates"
        problems.append((kind, f"the order is at version {version}, expected {base + 1}: one write"))
    return problems


def batch_result_problems(
    answer: Reply, kinds: Sequence[str], faulted: int | None, key: str
) -> list[Problem]:
    """A keyed batch's answer: 200, one result per operation, each `success` but the one whose
    operation raised (`faulted`), which is its error result (FAULT_RESULT); each create's result
    names the key it ran under (`<key>#<position>`: the client may send it alone with it)."""
    if answer.status != 200:
        kind = "server_errors" if answer.server_error else "lost_updates"
        return [(kind, f"the batch answered {answer.summary()}")]
    results = answer.body.get("results") if isinstance(answer.body, Mapping) else None
    if not isinstance(results, list) or len(results) != len(kinds):
        count = len(results) if isinstance(results, list) else 0
        return [("lost_updates", f"the batch answered {count} results for {len(kinds)} operations")]
    problems: list[Problem] = []
    for position, (kind, result) in enumerate(zip(kinds, results, strict=True)):
        got = (result.get("outcome"), result.get("status"), result.get("code"))
        if position == faulted and got != FAULT_RESULT:
            problems.append(
                (
                    "server_errors",
                    f"operation {position} ({kind}) raised; its result is {outcome_text(result)}, not "
                    f"{' '.join(map(str, FAULT_RESULT))}",
                )
            )
        elif position != faulted and result.get("outcome") != "success":
            problems.append(
                (
                    "lost_updates",
                    f"operation {position} ({kind}) failed beside the fault: {outcome_text(result)}",
                )
            )
        if kind == "create" and result.get("idempotency_key") != f"{key}#{position}":
            problems.append(
                (
                    "lost_updates",
                    f"the create's result names key {result.get('idempotency_key')!r}, not {key}#{position}: "
                    "its client cannot send it alone",
                )
            )
    return problems


def batch_results(answer: Reply, size: int) -> list[Any]:
    """The batch's results (None for each when it never answered 200: the client knows nothing)."""
    if answer.status == 200 and isinstance(answer.body, Mapping):
        results = answer.body.get("results")
        if isinstance(results, list) and len(results) == size:
            return results
    return [None] * size


def unfinished(result: Any) -> bool:
    """Whether a careful client must finish this operation itself: not reported done (an error, even
    a 500, may come after its write: the client finishes it in a way that finds that write)."""
    return not (isinstance(result, Mapping) and result.get("outcome") == "success")


def verdict(problems: Sequence[Problem]) -> str:
    """A flow's entry in the results file: "ok", or its problems."""
    return "; ".join(f"{kind}: {what}" for kind, what in problems) or "ok"


# ---------------------------------------------------------------------------- flows
@dataclass
class FlowReport:
    flow: str
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Orders made by the flow: key -> id (the invariant checker checks them).
    made: dict[str, str] = field(default_factory=dict)


def _fired_note(report: FlowReport, exchange: Exchange, point: str) -> None:
    report.notes.append(f"unexpected faults: {report.flow}: {exchange.describe()}")
    if not exchange.fired:
        report.notes.append(f"harness: unexpected faults: {report.flow}: the {point} exception never fired")


def _create_alone(api: Api, body: Mapping[str, Any], key: str) -> Reply:
    return until_answered(lambda: reply(api.request("POST", f"/orders/{TENANT}", body, idempotency_key=key)))


@dataclass(frozen=True)
class BatchFlow:
    """A keyed batch of a patch of X and a create, in `kinds` order, one of which raises at `point`
    (`render`: the answer's rendering of X, after both ran)."""

    kinds: tuple[str, str]
    point: str

    def run(self, api: Api, store: Store, unexpected: Unexpected, name: str, label: str) -> FlowReport:
        report = FlowReport(name)
        x, base = order_with_list(api, f"{label}-x", report.made)
        create_body = {**ORDER, "memo": label}
        by_kind = {
            "patch": {"operation": "patch", "id": x, "patch_directives": add(label)},
            "create": {"operation": "create", "object": create_body},
        }
        operations = [by_kind[kind] for kind in self.kinds]
        path = f"/orders/{TENANT}/batch"

        def send() -> Reply:
            return reply(api.request("POST", path, {"operations": operations}, idempotency_key=label))

        render = self.point == "render"
        marker = x if render else label
        exchange = exchanged(send, 200, unexpected.once(self.point, marker))
        _fired_note(report, exchange, self.point)
        report.problems += exchange_problems(exchange, 200, first_may_fail=render)
        faulted = None if render or not exchange.fired else self.kinds.index(self.point.partition("_")[0])
        # the answer the key stored (the first, or the retry's after a first that stored none)
        stored = exchange.first if exchange.first.status == 200 else exchange.retry
        report.problems += batch_result_problems(stored, self.kinds, faulted, label)
        stored_orders = len(store.with_memo(label))
        in_list = listed(store.doc(x)).count(label)
        report.notes.append(
            f"unexpected faults: {name}: before the client finished: {stored_orders} order(s) made, "
            f"the value {in_list} time(s) in X"
        )

        # the client finishes what the stored answer does not report done
        for position, (kind, result) in enumerate(zip(self.kinds, batch_results(stored, 2), strict=True)):
            if not unfinished(result):
                continue
            if kind == "create":
                key = (result or {}).get("idempotency_key") or f"{label}#{position}"
                alone = _create_alone(api, create_body, key)
                report.notes.append(f"unexpected faults: {name}: the create sent alone: {alone.summary()}")
                if alone.status != 201:
                    kind_of = "server_errors" if alone.server_error else "lost_updates"
                    report.problems.append((kind_of, f"the create sent alone with {key}: {alone.summary()}"))
            else:
                finished = reply((*careful_patch(api, x, label, base), {}))
                report.notes.append(
                    f"unexpected faults: {name}: the patch sent alone (If-Match {base}): {finished.summary()}"
                )
                if finished.status != 200:
                    kind_of = "server_errors" if finished.server_error else "lost_updates"
                    report.problems.append(
                        (kind_of, f"the patch of X could not be finished: {finished.summary()}")
                    )
        report.problems += list_problems(store.doc(x), label, base)
        made = store.with_memo(label)
        report.problems += count_problems("orders made by the batch's create", len(made))
        for n, doc in enumerate(made):
            report.made[f"{label}#create/{n}"] = str(doc["id"])
        return report


def create_flow(point: str) -> Callable[[Api, Store, Unexpected, str, str], FlowReport]:
    """A keyed create whose answer raises after the order's write (`render`), or whose service raises
    before its only write (`create_before`)."""

    def run(api: Api, store: Store, unexpected: Unexpected, name: str, label: str) -> FlowReport:
        from orders_domain.services.common import order_id_for_key

        report = FlowReport(name)
        body = {**ORDER, "memo": label}

        def send() -> Reply:
            return reply(api.request("POST", f"/orders/{TENANT}", body, idempotency_key=label))

        marker = order_id_for_key(TENANT, label) if point == "render" else label
        with unexpected.once(point, marker) as aimed:
            first = send()
            fired = aimed.left == 0
        if point == "create_before" and first.status != 201:
            # it raised before writing anything: nothing may be stored
            report.problems += count_problems(
                "orders stored by a create that raised before its write", len(store.with_memo(label)), 0
            )
        retry = until_answered(send)
        again = send() if retry.status == 201 else None
        exchange = Exchange(first, retry, again, fired)
        _fired_note(report, exchange, point)
        report.problems += exchange_problems(exchange, 201, first_may_fail=True)
        if retry.status == 201 and retry.body.get("id") != order_id_for_key(TENANT, label):
            report.problems.append(("double_effects", f"the retry answered order {retry.body.get('id')}"))
        made = store.with_memo(label)
        report.problems += count_problems("orders made by one keyed create", len(made))
        for n, doc in enumerate(made):
            report.made[f"{label}/{n}"] = str(doc["id"])
        return report

    return run


def patch_flow(api: Api, store: Store, unexpected: Unexpected, name: str, label: str) -> FlowReport:
    """An unkeyed PATCH (`add`) whose answer raises after its write; the client settles it with
    If-Match at the version it read before (a 412 sends it to read the order)."""
    report = FlowReport(name)
    x, base = order_with_list(api, label, report.made)
    with unexpected.once("render", x) as aimed:
        first = reply((*api.patch(x, add(label)), {}))
        fired = aimed.left == 0
    retry = first
    if first.status != 200:
        retry = reply((*careful_patch(api, x, label, base), {}))
    exchange = Exchange(first, retry, None, fired)
    _fired_note(report, exchange, "render")
    if retry.server_error:
        report.problems.append(("server_errors", f"the conditional retry answered {retry.summary()}"))
    elif retry.status != 200:
        report.problems.append(("lost_updates", f"the conditional retry ended {retry.summary()}"))
    report.problems += list_problems(store.doc(x), label, base)
    return report


def _half_and_money(store: Store, order_id: str, after: Mapping[str, Any]) -> list[Problem]:
    records = store.fulfillments(order_id)
    problems: list[Problem] = [
        ("partial_writes", f"half write: {p}") for p in fulfillment_problems(after, records)
    ]
    return problems + money_problems(store, order_id)


def money_problems(store: Store, order_id: str) -> list[Problem]:
    return [("partial_writes", f"money: {p}") for p in all_money_problems(store.order(order_id))]


def keyed_post(api: Api, path: str, body: Any, key: str) -> Callable[[], Reply]:
    return lambda: reply(api.request("POST", path, body, idempotency_key=key))


def answer_raises_once(
    send: Callable[[], Reply], unexpected: Unexpected, order_id: str, report: FlowReport
) -> Exchange:
    """A keyed single-order request whose answer raises once after its write (aimed at `order_id`),
    sent and retried with its key: the first may fail, the retry must answer 200 (its problems noted)."""
    exchange = exchanged(send, 200, unexpected.once("render", order_id))
    _fired_note(report, exchange, "render")
    report.problems += exchange_problems(exchange, 200, first_may_fail=True)
    return exchange


def fulfil_flow(api: Api, store: Store, unexpected: Unexpected, name: str, label: str) -> FlowReport:
    """A keyed partial fulfil (PARTIAL_FULFIL, its record marked by `tracking_number`) whose answer
    raises after the transaction wrote the order and its record."""
    case = FulfilCase(api, store, label, partial=True)
    report = FlowReport(name, made=case.made)

    exchange = answer_raises_once(
        lambda: reply(api.fulfil(case.order_id, case.body, key=label)), unexpected, case.order_id, report
    )
    after = store.doc(case.order_id)
    report.problems += effect_problems(case.before, after, case.delta)
    answered = None
    if exchange.retry.status == 200:
        answered = exchange.retry.headers.get("location", "").rsplit("/", 1)[-1] or None
    report.problems += fulfil_record_problems(store.fulfillments(case.order_id), label, case.delta, answered)
    report.problems += _half_and_money(store, case.order_id, after)
    return report


def cancel_flow(api: Api, store: Store, unexpected: Unexpected, name: str, label: str) -> FlowReport:
    """A keyed partial cancel (PARTIAL_CANCEL of a new FULFIL_ORDER: units stay open, so twice shows)
    whose answer raises after the order's write."""
    case = OrderActionCase(api, store, label, "cancel", items=PARTIAL_CANCEL)
    report = FlowReport(name, made=case.made)
    path = ACTION_PATHS["cancel"].format(tenantId=TENANT, id=case.order_id)
    answer_raises_once(
        lambda: reply(api.request("POST", path, case.body, idempotency_key=label)),
        unexpected,
        case.order_id,
        report,
    )
    after = store.doc(case.order_id)
    report.problems += effect_problems(case.before, after, case.delta)
    report.problems += _half_and_money(store, case.order_id, after)
    return report


def refund_flow(api: Api, store: Store, unexpected: Unexpected, name: str, label: str) -> FlowReport:
    """A keyed refund of lines 1 and 2 of a fulfilled order whose answer raises after its write."""
    case = RefundCase(api, store, label)
    report = FlowReport(name, made=case.made)
    path = REFUNDS_PATH.format(tenantId=TENANT, id=case.ref)
    exchange = answer_raises_once(
        lambda: reply(api.request("POST", path, case.body, idempotency_key=label)),
        unexpected,
        case.order_id,
        report,
    )
    after = store.doc(case.order_id)
    report.problems += refund_effect_problems(case.before, after, case.lines)
    report.problems += refund_problems(after)
    report.problems += money_problems(store, case.order_id)
    if exchange.retry.status == 200 and int(exchange.retry.body["sys_version"]) != int(after["sys_version"]):
        report.problems.append(
            (
                "partial_writes",
                f"answered the order at version {exchange.retry.body['sys_version']}, it is at "
                f"{after['sys_version']}",
            )
        )
    return report


Flow = Callable[[Api, Store, Unexpected, str, str], FlowReport]

#: Each multi-write flow, by the name its verdict has in the results file.
FLOWS: dict[str, Flow] = {
    "batch_patch_then_create_raises": BatchFlow(("patch", "create"), "create_before").run,
    "batch_patch_then_create_raises_after_its_write": BatchFlow(("patch", "create"), "create_after").run,
    "batch_create_then_patch_raises": BatchFlow(("create", "patch"), "patch_before").run,
    "batch_create_then_patch_raises_after_its_write": BatchFlow(("create", "patch"), "patch_after").run,
    "batch_answer_raises": BatchFlow(("patch", "create"), "render").run,
    "create_raises_before_its_write": create_flow("create_before"),
    "create_answer_raises": create_flow("render"),
    "patch_answer_raises": patch_flow,
    "fulfil_answer_raises": fulfil_flow,
    "cancel_answer_raises": cancel_flow,
    "refund_answer_raises": refund_flow,
}


def unexpected_faults(api: Api, store: Store, tally: Tally) -> tuple[dict[str, str], dict[str, str]]:
    """Every flow of FLOWS, side by side, under hooks installed for the section only: each flow's
    verdict ("ok", or its problems, also counted in `tally`), and the orders the flows made."""
    unexpected = Unexpected()

    def one(item: tuple[str, Flow]) -> FlowReport:
        name, flow = item
        return flow(api, store, unexpected, name, f"unexpected-{name}-{uuid.uuid4().hex[:6]}")

    with unexpected.installed(), ThreadPoolExecutor(max_workers=CASE_WORKERS) as pool:
        reports = list(pool.map(one, FLOWS.items()))
    verdicts: dict[str, str] = {}
    made: dict[str, str] = {}
    for report in reports:
        tally.found(f"unexpected faults: {report.flow}", report.problems)
        for note in report.notes:
            tally.note(note)
        verdicts[report.flow] = verdict(report.problems)
        made |= report.made
    tally.note(f"unexpected faults: {unexpected.fired} exceptions raised in {len(reports)} flows")
    return verdicts, made
