"""The refund routes (by id and by token, keyed or not, with and without If-Match; the PUT of a
refund reason): the judges of an order's refunds, refund storms, and their cases under faults.

- **refund storms**: 8 threads refund line 1 of one fulfilled order at once (every third names line 2
  too), each its own mix of the id or the token route, with or without If-Match (the version read before
  the storm) and with or without an Idempotency-Key of its own (2 rounds with --quick, else 12; a "retry
  later" is sent again): exactly one 200, every other answer 409 (the line is refunded), or 412 when
  sent with If-Match (the version moved); the order holds the accepted refund's lines refunded once, by
  one refund line each, in one write, no refused call's line refunded (`refund_storm_problems`), the
  refund and money rules holding; each keyed 200 replayed as it was. Then one keyed refund sent 5 times
  at once by token: one refund, one answer.
"""

from __future__ import annotations

import functools
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from harness.reliability.cases import (
    REFUSED_AS_DONE,
    Case,
    Route,
    check_replay,
    first_answer,
    idempotency_text,
)
from harness.reliability.clients import _ignoring_index, parallel, retryable, until_settled
from harness.reliability.core import (
    PARTIAL_FULFIL,
    REFUND_REASON,
    REFUNDS_PATH,
    RETRYABLE_CONFLICTS,
    STORM_THREADS,
    TENANT,
    Answer,
    Api,
    Problem,
    Store,
    Tally,
    key_text,
)
from harness.reliability.faults import IDEMPOTENCY
from harness.reliability.fulfilment import FULFIL_WRITES, fulfilled_order
from harness.reliability.money import all_money_problems


def _number(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0))


def is_refund_line(line: Mapping[str, Any]) -> bool:
    """A refund line (status `refunded`, `parent_line_item_id` the refunded line), of an order's JSON
    or model dump."""
    from orders_domain.domain.lifecycle import LineStatus

    return str(line.get("status")) == LineStatus.REFUNDED.value


def refunds_of(order: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Parent line id -> the refund lines pointing at it (`parent_line_item_id`), in order: the order's
    own line objects."""
    found: dict[str, list[dict[str, Any]]] = {}
    for line in order.get("line_items") or []:
        if is_refund_line(line):
            found.setdefault(str(line.get("parent_line_item_id")), []).append(line)
    return found


def refund_problems(order: Mapping[str, Any]) -> list[Problem]:
    """One order's refunds against its lines (the invariant checker's; the order's JSON or model dump).
    Per goods line the refund lines pointing at it refund (their -quantity) exactly its
    `quantity_returned` units and at most its `quantity_shipped`: more is units refunded twice (a
    double effect), fewer a counter moved without its refund line (a partial write); its
    `amount_refunded` is at most its `amount_paid`. Each refund line points at a goods line and refunds
    units (a negative quantity). The order's `amount_refunded` is its lines', at most its
    `amount_paid`, and what its `refunded` payment entries and `refunded_payments` rows pay back."""
    problems: list[Problem] = []
    goods = {
        str(li["order_line_item_id"]): li for li in order.get("line_items") or [] if not is_refund_line(li)
    }
    children = refunds_of(order)
    for parent, lines in children.items():
        numbers = [li.get("line_number") for li in lines]
        if parent not in goods:
            problems.append(
                ("partial_writes", f"refund lines {numbers} point at no line of the order ({parent})")
            )
        for li in lines:
            if int(li.get("quantity") or 0) >= 0:
                problems.append(
                    ("partial_writes", f"refund line {li.get('line_number')}: quantity {li.get('quantity')}")
                )
    for line_id, line in goods.items():
        at = f"line {line.get('line_number')} ({line_id})"
        mine = children.get(line_id, [])
        units = -sum(int(li.get("quantity") or 0) for li in mine)
        returned = int(line.get("quantity_returned") or 0)
        shipped = int(line.get("quantity_shipped") or 0)
        if units > returned or units > shipped:
            problems.append(
                (
                    "double_effects",
                    f"{at}: refunded {units} units in {len(mine)} refund lines, {returned} returned, "
                    f"{shipped} shipped",
                )
            )
        elif units < returned:
            problems.append(
                ("partial_writes", f"{at}: {returned} units returned, its refund lines refund {units}")
            )
        if _number(line.get("amount_refunded")) > _number(line.get("amount_paid")):
            problems.append(
                (
                    "double_effects",
                    f"{at}: refunded {line.get('amount_refunded')} of {line.get('amount_paid')} paid",
                )
            )
    refunded = _number(order.get("amount_refunded"))
    by_lines = sum((_number(li.get("amount_refunded")) for li in goods.values()), Decimal(0))
    if refunded != by_lines:
        problems.append(("partial_writes", f"amount_refunded {refunded}, its lines' {by_lines}"))
    if refunded > _number(order.get("amount_paid")):
        problems.append(("double_effects", f"refunded {refunded} of {order.get('amount_paid')} paid"))
    from orders_domain.domain.lifecycle import PaymentStatus

    entries = sum(
        (
            -_number(p.get("amount"))
            for p in order.get("payments") or []
            if str(p.get("status")) == PaymentStatus.REFUNDED.value
        ),
        Decimal(0),
    )
    rows = sum((_number(r.get("amount")) for r in order.get("refunded_payments") or []), Decimal(0))
    if entries != refunded or rows != refunded:
        problems.append(
            (
                "partial_writes",
                f"amount_refunded {refunded}, its refunded payment entries {entries}, its refunded_payments "
                f"rows {rows}",
            )
        )
    return problems


def refund_effect_problems(
    before: Mapping[str, Any], after: Mapping[str, Any], line_numbers: Collection[int], *, writes: int = 1
) -> list[Problem]:
    """Whether refunds did exactly this to the order, in `writes` writes: each named line's every
    refundable unit (shipped, not yet returned) refunded by one new refund line, its `amount_refunded`
    up by what was paid for it and not yet refunded; no other line refunded (a partial write: a line no
    accepted refund named). More units, refund lines, money or writes is a double effect, fewer a
    lost update."""
    problems: list[Problem] = []
    was = {
        str(li["order_line_item_id"]): li for li in before.get("line_items") or [] if not is_refund_line(li)
    }
    old = {str(li.get("order_line_item_id")) for li in before.get("line_items") or [] if is_refund_line(li)}
    new_refunds = {
        parent: [li for li in lines if str(li.get("order_line_item_id")) not in old]
        for parent, lines in refunds_of(after).items()
    }
    for line in after.get("line_items") or []:
        if is_refund_line(line):
            continue
        line_id = str(line["order_line_item_id"])
        at = f"line {line.get('line_number')} ({line_id})"
        prior = was.get(line_id, {})
        named = int(line.get("line_number") or 0) in line_numbers
        units = int(line.get("quantity_returned") or 0) - int(prior.get("quantity_returned") or 0)
        money_back = _number(line.get("amount_refunded")) - _number(prior.get("amount_refunded"))
        added = len(new_refunds.get(line_id, []))
        if not named:
            if units or added or money_back:
                problems.append(
                    (
                        "partial_writes",
                        f"{at}: {units} units refunded ({added} refund lines), though no accepted refund "
                        "named it",
                    )
                )
            continue
        want_units = int(prior.get("quantity_shipped") or 0) - int(prior.get("quantity_returned") or 0)
        want_money = _number(prior.get("amount_paid")) - _number(prior.get("amount_refunded"))
        want_added = 1 if want_units else 0
        if (units, added) != (want_units, want_added):
            kind = "double_effects" if units > want_units or added > want_added else "lost_updates"
            problems.append(
                (
                    kind,
                    f"{at}: {units} units refunded in {added} refund lines, expected {want_units} in "
                    f"{want_added}",
                )
            )
        elif money_back != want_money:
            kind = "double_effects" if money_back > want_money else "lost_updates"
            problems.append((kind, f"{at}: {money_back} paid back, expected {want_money}"))
    gained = int(after["sys_version"]) - int(before["sys_version"])
    if not problems and gained != writes:
        kind = "double_effects" if gained > writes else "lost_updates"
        problems.append((kind, f"{gained} writes of the order, expected {writes}"))
    return problems


@dataclass(frozen=True)
class RefundCall:
    """One refund of a refund storm, as its client saw it in the end."""

    #: The line numbers it named.
    lines: tuple[int, ...]
    status: int
    #: Sent with If-Match (the version read before the storm): a 412 is an answer it may get.
    conditional: bool = False
    #: The error's `code`, when it was refused.
    code: str | None = None


#: The answer that refuses a refund of a line already refunded (the order's state: a 409).
REFUND_REFUSED = 409


def refund_storm_problems(
    before: Mapping[str, Any], after: Mapping[str, Any], calls: Sequence[RefundCall]
) -> list[Problem]:
    """Concurrent refunds of one line of one order (some naming a second line too): exactly one is
    accepted (200), every other is refused (409; 412 when sent with If-Match), and the order holds
    exactly the accepted refund's lines refunded once (`refund_effect_problems`), in one write."""
    problems: list[Problem] = []
    accepted = [call for call in calls if call.status == 200]
    if len(accepted) > 1:
        problems.append(("double_effects", f"{len(accepted)} refunds of one line accepted"))
    elif not accepted:
        problems.append(
            ("lost_updates", f"no refund accepted: {sorted(Counter(c.status for c in calls).items())}")
        )
    for call in calls:
        # with If-Match (the version before the storm) a call that lost finds the version moved: 412
        allowed = (200, 412 if call.conditional else REFUND_REFUSED)
        if call.status not in allowed or (call.status == 409 and call.code in RETRYABLE_CONFLICTS):
            kind = "server_errors" if call.status >= 500 else "lost_updates"
            problems.append(
                (kind, f"a refund of lines {list(call.lines)} answered {call.status} {call.code}")
            )
    named = {number for call in accepted for number in call.lines}
    problems += refund_effect_problems(before, after, named, writes=len(accepted))
    return problems


def refund_storm_thread(
    api: Api, order_id: str, token_ref: str, base: int, tag: str, start: threading.Barrier, thread: int
) -> tuple[RefundCall, Any, str | None]:
    """One thread of a refund storm: line 1 (with line 2 on every third), by id or by token, with or
    without If-Match (the version read before the storm) and an Idempotency-Key of its own, as its
    number says; sent as the others are (a barrier), again while told "again later"."""
    by_token, conditional, keyed = thread % 2 == 1, (thread // 2) % 2 == 1, (thread // 4) % 2 == 1
    lines = (1, 2) if thread % 3 == 0 else (1,)
    key = f"{tag}-{thread}" if keyed else None
    body = {"refund_reason_name": REFUND_REASON, "line_numbers": list(lines)}
    send = functools.partial(
        api.refund, token_ref if by_token else order_id, body, key=key, if_match=base if conditional else None
    )
    start.wait(timeout=60)
    status, answer = until_settled(send)
    code = answer.get("code") if status != 200 and isinstance(answer, dict) else None
    return RefundCall(lines, status, conditional, code), answer, key


def refund_storms(api: Api, store: Store, tally: Tally, scale: int) -> dict[str, str]:
    """STORM_THREADS threads refund line 1 of one fulfilled order at once (every third names line 2
    too), by id and by token, with and without If-Match and an Idempotency-Key (each thread its own
    mix), 2 rounds with --quick, else 12: one refund accepted, the others refused (409, or 412 with
    If-Match), the accepted one's lines refunded once. Then one keyed refund sent 5 times at once by
    token: one refund, one answer."""
    made: dict[str, str] = {}
    tag = uuid.uuid4().hex[:6]
    answered: Counter[str] = Counter()
    for round_ in range(2 * scale):
        what = f"refund storm {round_}"
        order_id, _ = fulfilled_order(api, f"refund-storm-{round_}-{tag}", made, None)
        before = store.doc(order_id)
        token_ref = f"token-{before['token']}"
        thread = functools.partial(
            refund_storm_thread,
            api,
            order_id,
            token_ref,
            int(before["sys_version"]),
            f"refund-storm-{round_}-{tag}",
            threading.Barrier(STORM_THREADS),
        )
        results = parallel(STORM_THREADS, thread, tally)
        calls = [call for call, _, _ in results]
        after = store.doc(order_id)
        tally.found(what, refund_storm_problems(before, after, calls))
        tally.found(what, refund_problems(after))
        tally.found(
            what, [("partial_writes", f"money: {p}") for p in all_money_problems(store.order(order_id))]
        )
        for n, (call, answer, key) in enumerate(results):
            answered[f"{'keyed ' if key else ''}{'If-Match ' if call.conditional else ''}{call.status}"] += 1
            if key is not None and call.status == 200:
                ref = token_ref if n % 2 else order_id
                body = {"refund_reason_name": REFUND_REASON, "line_numbers": list(call.lines)}
                check_replay(tally, what, (200, answer), api.refund(ref, body, key=key))

    # one keyed refund sent 5 times at once by token: one refund, every copy answered the same 200
    what = "keyed refund x5"
    key = f"refund-keyed-{tag}"
    order_id, _ = fulfilled_order(api, key, made, None)
    before = store.doc(order_id)
    body = {"refund_reason_name": REFUND_REASON, "line_numbers": [1]}
    keyed = functools.partial(api.refund, f"token-{before['token']}", body, key=key)
    copies = keyed_copies(tally, what, keyed)
    after = store.doc(order_id)
    tally.found(what, refund_effect_problems(before, after, [1]))
    tally.found(what, refund_problems(after))
    tally.notes.append(
        f"refund storms: {2 * scale} rounds of {STORM_THREADS} threads: {dict(sorted(answered.items()))}; "
        f"keyed refund x5: {copies}"
    )
    return made


def keyed_copies(tally: Tally, what: str, keyed: Callable[[], tuple[int, Any]], copies: int = 5) -> list[int]:
    """One keyed write sent `copies` times at once: each answer a 200 or a retryable one, and once
    settled every copy the same 200 (one effect, answered alike). The first answers' statuses, sorted."""
    answers = parallel(copies, functools.partial(_ignoring_index, keyed), tally)
    for status, answer in answers:
        if status != 200 and not retryable(status, answer):
            tally.problem("server_errors" if status >= 500 else "lost_updates", f"{what}: {status} {answer}")
    settled = [(status, answer) if status == 200 else until_settled(keyed) for status, answer in answers]
    if any(status != 200 for status, _ in settled):
        tally.problem("lost_updates", f"{what}: not every copy ended 200: {[s for s, _ in settled]}")
    elif any(answer != settled[0] for answer in settled):
        tally.problem("double_effects", f"{what}: the copies were answered differently")
    return sorted(status for status, _ in answers)


@dataclass
class RefundCase(Case):
    """POST a refund of lines 1 and 2 of a fulfilled FULFIL_ORDER (`partial`: of line 1 of one
    fulfilled as PARTIAL_FULFIL, whose other units stay open) by its id, or by its token (`token`:
    the guest's route); `keyed`: under an Idempotency-Key, `conditional`: with If-Match. One
    transaction writes the order (its refund lines, counters, payments) with a ClientRequestToken."""

    api: Api
    store: Store
    label: str
    token: bool = False
    partial: bool = False
    keyed: bool = True
    conditional: bool = False
    made: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.order_id, _ = fulfilled_order(
            self.api, self.label, self.made, PARTIAL_FULFIL if self.partial else None
        )
        self.before = self.store.doc(self.order_id)
        self.base = int(self.before["sys_version"])
        self.ref = f"token-{self.before['token']}" if self.token else self.order_id
        self.lines = (1,) if self.partial else (1, 2)
        self.body = {"refund_reason_name": REFUND_REASON, "line_numbers": list(self.lines)}

    def only(self, call: str) -> str | None:
        from orders_domain.storage import keys

        if call.endswith(IDEMPOTENCY):
            return idempotency_text(REFUNDS_PATH, self.label)
        if call == "Query":  # the token route finds the order's key on the by-token index
            return keys.token_pk(TENANT, str(self.before["token"]))
        return key_text(self.order_id)

    def _send(self, if_match: int | None) -> Answer:
        return self.api.refund(self.ref, self.body, key=self.label if self.keyed else None, if_match=if_match)

    def send(self) -> Answer:
        return self._send(self.base if self.conditional else None)

    def answered_version(self, final: Answer) -> int | None:
        """The order version a 200 answered."""
        return int(final[1]["sys_version"])

    def landed(self) -> bool:
        """Whether a refund line of line 1 is stored (the refund is all or nothing)."""
        line = next(li for li in self.before["line_items"] if li["line_number"] == 1)
        return bool(refunds_of(self.store.doc(self.order_id)).get(str(line["order_line_item_id"])))

    def settle(self, first: Answer, what: str, tally: Tally, *, strict: bool) -> None:
        status = first[0]
        first_answer(tally, what, first, (200, 412) if self.conditional else (200,), strict=strict)
        final = first
        if status == 412 and self.landed():
            tally.problem("partial_writes", f"{what}: answered 412 (not applied), yet the lines are refunded")
        elif status != 200:
            # sent again as it was (its key, its If-Match); without a key a refusal (REFUSED_AS_DONE:
            # the line is refunded, the version moved) sends the client to read the order for its
            # refund, and a 412 without it to send the refund again at the order's version. Under a key
            # the retry must answer 200: its own write is found by the keyed write id.
            final = until_settled(self.send)
            if final[0] == 412 and not self.landed():
                current = int(self.store.doc(self.order_id)["sys_version"])
                final = until_settled(functools.partial(self._send, current))
            if final[0] != 200 and (self.keyed or not (final[0] in REFUSED_AS_DONE and self.landed())):
                done = "its refund is in" if self.landed() else "nothing is refunded"
                tally.problem(
                    "lost_updates", f"{what}: the client's retry ended {final[0]} {final[1]} ({done})"
                )
        after = self.store.doc(self.order_id)
        tally.found(what, refund_effect_problems(self.before, after, self.lines))
        tally.found(what, refund_problems(after))
        tally.found(
            what,
            [("partial_writes", f"money: {p}") for p in all_money_problems(self.store.order(self.order_id))],
        )
        if final[0] == 200 and self.answered_version(final) != int(after["sys_version"]):
            tally.problem(
                "partial_writes",
                f"{what}: answered the order at version {self.answered_version(final)}, it is at "
                f"{after['sys_version']}",
            )
        if final[0] == 200 and self.keyed:
            check_replay(tally, what, final, self.send())


@dataclass
class ReasonCase(Case):
    """PUT one of the tenant's own refund reasons (admin; one PutItem of its item): idempotent by nature,
    sent again until it is answered 200; the reason is then listed once, as sent."""

    api: Api
    label: str
    made: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.name = self.label[-64:]  # the label ends in its own random tag
        self.body = {"description": f"harness {self.label}"[:200], "self_service": True}

    def only(self, call: str) -> str | None:
        from orders_domain.storage import keys

        return keys.refund_reason_key(TENANT, self.name)["SK"]

    def send(self) -> Answer:
        return self.api.put_reason(self.name, self.body)

    def settle(self, first: Answer, what: str, tally: Tally, *, strict: bool) -> None:
        first_answer(tally, what, first, (200,), strict=strict)
        final = first if first[0] == 200 else until_settled(self.send)
        if final[0] != 200:
            tally.problem("lost_updates", f"{what}: the client's retry ended {final[0]} {final[1]}")
        listed_reasons = [r for r in self.api.reasons() if r["name"] == self.name]
        if len(listed_reasons) != 1:
            kind = "double_effects" if listed_reasons else "lost_updates"
            tally.problem(kind, f"{what}: the reason is listed {len(listed_reasons)} times")
        elif {k: listed_reasons[0].get(k) for k in self.body} != self.body:
            tally.problem("partial_writes", f"{what}: the reason is listed as {listed_reasons[0]}")


#: The writes of a keyed refund: as a fulfil's (the idempotency record's PutItem and UpdateItem, one
#: transaction writing the order alone, with a ClientRequestToken). Faults are injected at these (the
#: order's GetItem is the write loop's read that every change route's cases fault already) and, on the
#: guest's route, at the Query that first finds the order's key on the by-token index.
REFUND_WRITES = FULFIL_WRITES
TOKEN_REFUND_CALLS = ("Query", *REFUND_WRITES)


#: The routes of refunds under faults, each its DynamoDB calls and a maker of one request
#: (`MUTATIONS`, in harness/reliability/routes.py, assembles every family's table).
ROUTES: dict[str, Route] = {
    "refund": Route(REFUND_WRITES, REFUND_WRITES, lambda a, s, label: RefundCase(a, s, label)),
    "refund_token_if_match": Route(
        REFUND_WRITES,
        TOKEN_REFUND_CALLS,
        lambda a, s, label: RefundCase(a, s, label, token=True, partial=True, conditional=True),
    ),
    "refund_if_match_without_key": Route(
        ("TransactWriteItems",),
        ("TransactWriteItems",),
        lambda a, s, label: RefundCase(a, s, label, partial=True, keyed=False, conditional=True),
    ),
    "refund_reason": Route(("PutItem",), ("PutItem",), lambda a, s, label: ReasonCase(a, label)),
}
