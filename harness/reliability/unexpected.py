"""`make reliability`'s **unexpected faults** (issue 29): an exception that is no service error, raised
after something was written, in each multi-write flow; a careful client then settles the request.

The service's own errors (`OrdersError`) and the store's (botocore's) are what the rest of the harness
injects. Here the service raises a plain Python exception (`RuntimeError`, `ArithmeticError`: what a
create with `exchange_rate` 1e30 once raised) by an in-process hook on the domain layer, which the local
gateway's handlers share with the harness (as harness/reliability/faults.py's `Faults` hooks their
DynamoDB client). Each hook raises for one planned call only, aimed by a marker only its flow's request
carries (an order id, a `memo`, a patched value), so the flows run side by side:

- `render`: `orders_domain.domain.order_text.links_for` of one order, which every order answer (the
  order's JSON, a batch's patched order) renders: the write is done, its answer is not;
- `create_before` / `create_after`: `CreateOrders.create` of the request whose `memo` is the marker,
  before it writes anything, or once it has written the order;
- `patch_before` / `patch_after`: `ChangeOrders.patch` whose JSON Patch adds the marker, likewise.

The flows (`FLOWS`) are in harness/reliability/unexpected_flows.py; here, the hooks, the answers
as a client sees them, and the judges of a keyed request's answers and effects.

A double effect, a lost write, a 5xx answered to the retry (or a batch that answered 5xx for an
operation's fault) is counted in the run's `Tally`; each flow's first answer and retry are noted, and
`unexpected_faults` in reliability-results.json holds each flow's verdict ("ok", or its problems).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from harness.reliability.clients import listed, retryable
from harness.reliability.core import RETRY_SECONDS, Problem

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

    `install` wraps `order_text.links_for` (order answers look it up at call time, whichever
    module imported `order_json`), `CreateOrders.create` and `ChangeOrders.patch`
    (class attributes: every instance, the batch's too); `uninstall` puts the originals back.
    Unplanned calls go through untouched."""

    def __init__(self) -> None:
        self._plan: list[Aimed] = []
        self._lock = threading.Lock()
        self._originals: dict[str, Any] = {}
        #: Exceptions raised so far.
        self.fired = 0

    def install(self) -> None:
        from orders_domain.domain import order_text
        from orders_domain.services.change import ChangeOrders
        from orders_domain.services.create import CreateOrders

        if self._originals:
            return
        links_for = order_text.links_for
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

        order_text.links_for = aimed_links_for  # type: ignore[assignment]
        CreateOrders.create = aimed_create  # type: ignore[method-assign,assignment]
        ChangeOrders.patch = aimed_patch  # type: ignore[method-assign,assignment]

    def uninstall(self) -> None:
        from orders_domain.domain import order_text
        from orders_domain.services.change import ChangeOrders
        from orders_domain.services.create import CreateOrders

        if not self._originals:
            return
        order_text.links_for = self._originals["links_for"]
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
            raise RAISED[point](f"injected by harness/reliability/unexpected.py at {point}")


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
