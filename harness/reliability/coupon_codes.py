"""The coupon-code action (issue 32, refund_order, admin: `POST /orders/{tenantId}/{id}/coupon-codes/
{couponCodeId}/actions`, `{"action": "refund"}` or seeds/003's `{"order_id", "coupon_code_id",
"options": {"action": "refund", ...}}`; optional Idempotency-Key and If-Match): it refunds the lines
the order's coupons of that code applied to, through the one refund rule, reason `coupon_code_action`,
once; an unkeyed repeat is a 409 `already_refunded`.

Every case is on a `COUPON_ORDER` fulfilled whole: FULFIL_ORDER with a second coupon, of code
`COUPON_CODE`, applied to line L1 only, so the action must refund line 1 and leave line 2 alone.
The judge (`coupon_refund_problems`): line 1's every shipped unit refunded by one new refund line
of reason `coupon_code_action`, its `amount_refunded` up by what was paid for it (the line's captured
value), line 2 untouched, in one write of the order (more is a double effect, less a lost update),
and the refund and money rules holding (`refunds.refund_problems`, `money.all_money_problems`).

- **coupon-code storms** (`coupon_code_storms`): 8 threads send the action on one order at once (2
  rounds with --quick, else 12), each its own mix of an Idempotency-Key of its own, If-Match (the
  version read before) and the seeds' body (a "retry later" is sent again): exactly one 200, every
  other answer 409 `already_refunded` (412 with If-Match), never a 5xx; each keyed 200 replayed as it
  was; then one keyed action sent 5 times at once: one refund, every copy the same 200.
- **lost responses** and **injected faults** (`ROUTES`, in `routes.MUTATIONS`): a keyed action (the
  idempotency record's writes and the order's TransactWriteItems, as a refund's) and an unkeyed one
  with If-Match in the seeds' body (its TransactWriteItems); the careful client sends it again as it
  was: under a key it must end 200 (the keyed write id finds its own write), without one a 409
  `already_refunded` (or a 412) with the refund in sends it to read the order. The judge above then.
"""

from __future__ import annotations

import functools
import threading
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.reliability.cases import Case, Route, check_replay, first_answer, idempotency_text
from harness.reliability.clients import new_order, parallel, until_settled
from harness.reliability.core import (
    FULFIL_ORDER,
    STORM_THREADS,
    TENANT,
    Answer,
    Api,
    Problem,
    SetupFailed,
    Store,
    Tally,
    key_text,
)
from harness.reliability.faults import IDEMPOTENCY
from harness.reliability.money import all_money_problems
from harness.reliability.refunds import (
    REFUND_WRITES,
    is_refund_line,
    keyed_copies,
    refund_effect_problems,
    refund_problems,
)

COUPON_ACTION_PATH = "/orders/{tenantId}/{id}/coupon-codes/{couponCodeId}/actions"
COUPON_CODE = "CC-REL"
#: The refund reason every coupon-code refund line gives.
COUPON_REASON = "coupon_code_action"
#: The 409 of an action whose lines are refunded already.
ALREADY_REFUNDED = "already_refunded"
#: FULFIL_ORDER with a coupon of `COUPON_CODE` applied to L1 alone: the action refunds line 1 only.
COUPON_ORDER: dict[str, Any] = {
    **FULFIL_ORDER,
    "coupons": [
        *FULFIL_ORDER["coupons"],
        {
            "coupon_id": "code-1",
            "coupon_type": "code",
            "coupon_code_id": COUPON_CODE,
            "discount": "1.00",
            "order_line_item_ids": ["L1"],
        },
    ],
}
#: The line numbers the action refunds on a `COUPON_ORDER`.
COUPON_LINES = (1,)
FLAT_BODY = {"action": "refund"}


def seeds_body(order_id: str) -> dict[str, Any]:
    """seeds/003's body of the action on this order (pure)."""
    return {
        "order_id": order_id,
        "coupon_code_id": COUPON_CODE,
        "options": {"action": "refund", "batch_id": "harness", "do_not_perform_electronic_refund": True},
    }


def coupon_action(
    api: Api, order_ref: str, body: Any, *, key: str | None = None, if_match: int | None = None
) -> Answer:
    """POST the action on `COUPON_CODE` of the order."""
    path = COUPON_ACTION_PATH.format(tenantId=TENANT, id=order_ref, couponCodeId=COUPON_CODE)
    status, answer, _ = api.request("POST", path, body, idempotency_key=key, if_match=if_match)
    return status, answer


def coupon_order(api: Api, label: str, made: dict[str, str]) -> str:
    """A new `COUPON_ORDER`, fulfilled whole (every unit shipped and captured): its id."""
    order_id = new_order(api, label, made, COUPON_ORDER)

    def send() -> Answer:
        # (a tracking number has at most 100 characters; the label ends in its own random tag)
        tracking = f"{label[-90:]}-setup"
        status, answer, _ = api.fulfil(order_id, {"tracking_number": tracking}, key=f"{label}-setup")
        return status, answer

    status, answer = until_settled(send)
    if status != 200:
        raise SetupFailed(f"fulfil {order_id}: {status} {answer}")
    return order_id


def coupon_refund_problems(
    before: Mapping[str, Any], after: Mapping[str, Any], *, writes: int = 1
) -> list[Problem]:
    """Whether the action did exactly its refund (the module's docstring), in `writes` writes (0: none
    was accepted, nothing may have changed) (pure)."""
    lines = COUPON_LINES if writes else ()
    problems = refund_effect_problems(before, after, lines, writes=writes)
    old = {str(li.get("order_line_item_id")) for li in before.get("line_items") or [] if is_refund_line(li)}
    for line in after.get("line_items") or []:
        new = is_refund_line(line) and str(line.get("order_line_item_id")) not in old
        if new and line.get("refund_reason_name") != COUPON_REASON:
            problems.append(
                (
                    "partial_writes",
                    f"refund line {line.get('line_number')} gives {line.get('refund_reason_name')!r}, "
                    f"not {COUPON_REASON!r}",
                )
            )
    return problems


def answer_problems(status: int, answer: Any, *, conditional: bool) -> list[Problem]:
    """An answer a client settled (sent again while told "again later") that the action may not give:
    anything but 200, a 409 `already_refunded` or, with If-Match, a 412 (pure)."""
    code = answer.get("code") if isinstance(answer, dict) else None
    if status == 200 or (status == 409 and code == ALREADY_REFUNDED) or (status == 412 and conditional):
        return []
    kind = "server_errors" if status >= 500 else "lost_updates"
    return [(kind, f"answered {status} {code or answer}")]


@dataclass(frozen=True)
class ActionCall:
    """One action of a storm, as its client saw it in the end."""

    status: int
    answer: Any
    key: str | None
    conditional: bool
    body: Any


def storm_problems(
    before: Mapping[str, Any], after: Mapping[str, Any], calls: Sequence[ActionCall]
) -> list[Problem]:
    """Concurrent actions on one order: exactly one 200, the others `answer_problems`-clean, the
    order refunded once (`coupon_refund_problems`) (pure)."""
    problems: list[Problem] = []
    accepted = [call for call in calls if call.status == 200]
    if len(accepted) > 1:
        problems.append(("double_effects", f"{len(accepted)} coupon-code refunds of one order accepted"))
    elif not accepted:
        statuses = sorted(Counter(c.status for c in calls).items())
        problems.append(("lost_updates", f"no coupon-code refund accepted: {statuses}"))
    for call in calls:
        problems += answer_problems(call.status, call.answer, conditional=call.conditional)
    problems += coupon_refund_problems(before, after, writes=1 if accepted else 0)
    return problems


def storm_thread(
    api: Api, order_id: str, base: int, tag: str, start: threading.Barrier, thread: int
) -> ActionCall:
    """One thread of a storm: with an Idempotency-Key of its own, If-Match and the seeds' body as its
    number says; sent as the others are (a barrier), again while told "again later"."""
    keyed, conditional, seeds = thread % 2 == 1, (thread // 2) % 2 == 1, (thread // 4) % 2 == 1
    key = f"{tag}-{thread}" if keyed else None
    body = seeds_body(order_id) if seeds else FLAT_BODY
    send = functools.partial(
        coupon_action, api, order_id, body, key=key, if_match=base if conditional else None
    )
    start.wait(timeout=60)
    status, answer = until_settled(send)
    return ActionCall(status, answer, key, conditional, body)


def coupon_code_storms(api: Api, store: Store, tally: Tally, scale: int) -> dict[str, str]:
    """The storms of the module's docstring; the orders they made."""
    made: dict[str, str] = {}
    tag = uuid.uuid4().hex[:6]
    answered: Counter[str] = Counter()
    for round_ in range(2 * scale):
        what = f"coupon-code storm {round_}"
        order_id = coupon_order(api, f"coupon-storm-{round_}-{tag}", made)
        before = store.doc(order_id)
        thread = functools.partial(
            storm_thread,
            api,
            order_id,
            int(before["sys_version"]),
            f"coupon-storm-{round_}-{tag}",
            threading.Barrier(STORM_THREADS),
        )
        calls = parallel(STORM_THREADS, thread, tally)
        after = store.doc(order_id)
        tally.found(what, storm_problems(before, after, calls))
        tally.found(what, refund_problems(after))
        tally.found(
            what, [("partial_writes", f"money: {p}") for p in all_money_problems(store.order(order_id))]
        )
        for call in calls:
            answered[
                f"{'keyed ' if call.key else ''}{'If-Match ' if call.conditional else ''}{call.status}"
            ] += 1
            if call.key is not None and call.status == 200:
                check_replay(
                    tally, what, (200, call.answer), coupon_action(api, order_id, call.body, key=call.key)
                )

    what = "keyed coupon-code refund x5"
    key = f"coupon-keyed-{tag}"
    order_id = coupon_order(api, key, made)
    before = store.doc(order_id)
    keyed = functools.partial(coupon_action, api, order_id, FLAT_BODY, key=key)
    copies = keyed_copies(tally, what, keyed)
    after = store.doc(order_id)
    tally.found(what, coupon_refund_problems(before, after))
    tally.found(what, refund_problems(after))
    tally.notes.append(
        f"coupon-code storms: {2 * scale} rounds of {STORM_THREADS} threads: "
        f"{dict(sorted(answered.items()))}; "
        f"keyed x5: {copies}"
    )
    return made


@dataclass
class CouponCodeCase(Case):
    """The action on a fulfilled `COUPON_ORDER`; `keyed`: under an Idempotency-Key, `conditional`: with
    If-Match, `seeds`: in seeds/003's body. One transaction writes the order (as a refund)."""

    api: Api
    store: Store
    label: str
    keyed: bool = True
    conditional: bool = False
    seeds: bool = False
    made: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.order_id = coupon_order(self.api, self.label, self.made)
        self.before = self.store.doc(self.order_id)
        self.base = int(self.before["sys_version"])
        self.body = seeds_body(self.order_id) if self.seeds else FLAT_BODY

    def only(self, call: str) -> str | None:
        if call.endswith(IDEMPOTENCY):
            return idempotency_text(COUPON_ACTION_PATH, self.label)
        return key_text(self.order_id)

    def _send(self, if_match: int | None) -> Answer:
        return coupon_action(
            self.api, self.order_id, self.body, key=self.label if self.keyed else None, if_match=if_match
        )

    def send(self) -> Answer:
        return self._send(self.base if self.conditional else None)

    def landed(self) -> bool:
        """Whether line 1 has a refund line (the refund is all or nothing)."""
        line = next(li for li in self.before["line_items"] if li["line_number"] == COUPON_LINES[0])
        parent = str(line["order_line_item_id"])
        return any(
            is_refund_line(li) and str(li.get("parent_line_item_id")) == parent
            for li in self.store.doc(self.order_id)["line_items"]
        )

    def settle(self, first: Answer, what: str, tally: Tally, *, strict: bool) -> None:
        first_answer(tally, what, first, (200, 412) if self.conditional else (200,), strict=strict)
        final = first
        if first[0] == 412 and self.landed():
            tally.problem("partial_writes", f"{what}: answered 412 (not applied), yet line 1 is refunded")
        elif first[0] != 200:
            # sent again as it was; under a key the retry must answer 200 (its own write is found by the
            # keyed write id); without one, 409 `already_refunded` (or 412) with the refund in sends the
            # client to read the order, and a 412 without it to send again at the order's version
            final = until_settled(self.send)
            if final[0] == 412 and not self.landed():
                current = int(self.store.doc(self.order_id)["sys_version"])
                final = until_settled(functools.partial(self._send, current))
            done = final[0] in (409, 412) and self.landed()
            if final[0] != 200 and (self.keyed or not done):
                state = "its refund is in" if self.landed() else "nothing is refunded"
                tally.problem(
                    "lost_updates", f"{what}: the client's retry ended {final[0]} {final[1]} ({state})"
                )
            elif final[0] == 409:
                tally.found(what, answer_problems(*final, conditional=self.conditional))
        after = self.store.doc(self.order_id)
        tally.found(what, coupon_refund_problems(self.before, after))
        tally.found(what, refund_problems(after))
        tally.found(
            what,
            [("partial_writes", f"money: {p}") for p in all_money_problems(self.store.order(self.order_id))],
        )
        if final[0] == 200 and int(final[1]["sys_version"]) != int(after["sys_version"]):
            tally.problem(
                "partial_writes",
                f"{what}: answered the order at version {final[1]['sys_version']}, it is at "
                f"{after['sys_version']}",
            )
        if final[0] == 200 and self.keyed:
            check_replay(tally, what, final, self.send())


#: The coupon-code action under faults: keyed (a refund's writes: the idempotency record's PutItem and
#: UpdateItem, the order's TransactWriteItems), and unkeyed with If-Match in the seeds' body (the
#: TransactWriteItems alone). `MUTATIONS` (routes.py) registers them.
ROUTES: dict[str, Route] = {
    "coupon_code_refund": Route(
        REFUND_WRITES, REFUND_WRITES, lambda a, s, label: CouponCodeCase(a, s, label)
    ),
    "coupon_code_refund_unkeyed": Route(
        ("TransactWriteItems",),
        ("TransactWriteItems",),
        lambda a, s, label: CouponCodeCase(a, s, label, keyed=False, conditional=True, seeds=True),
    ),
}
