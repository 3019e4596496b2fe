"""`make reliability`'s **unexpected faults** (issue 29): the multi-write flows run under the hooks
of harness/reliability/unexpected.py, side by side, and their verdicts.

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
  `harness.reliability`), in one write.

"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from harness.reliability.clients import add, careful_patch, listed, order_with_list
from harness.reliability.core import (
    ACTION_PATHS,
    ORDER,
    PARTIAL_CANCEL,
    REFUNDS_PATH,
    TENANT,
    Api,
    Problem,
    Store,
    Tally,
)
from harness.reliability.fulfilment import FulfilCase, OrderActionCase
from harness.reliability.fulfilment_judges import (
    effect_problems,
    fulfil_record_problems,
    fulfillment_problems,
)
from harness.reliability.money import all_money_problems
from harness.reliability.refunds import RefundCase, refund_effect_problems, refund_problems
from harness.reliability.runner import CASE_WORKERS
from harness.reliability.unexpected import (
    Exchange,
    Reply,
    Unexpected,
    batch_result_problems,
    batch_results,
    count_problems,
    exchange_problems,
    exchanged,
    list_problems,
    reply,
    unfinished,
    until_answered,
    verdict,
)


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
