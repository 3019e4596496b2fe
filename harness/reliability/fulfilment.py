"""The fulfil and cancel_order routes (fulfil whole, partial and with If-Match; cancel whole and
partial, void, close, all under an Idempotency-Key; the fulfillment PATCH of tracking and of a
will-call pickup, with and without If-Match): fulfil storms, and their cases under faults. Their
judges are in harness/reliability/fulfilment_judges.py.

- **fulfil storms**: 8 threads fulfil and cancel single units of one order's two lines at once, turn
  about (3 calls each with --quick, else 10; the lines hold 3/4 of the calls' units, so the last calls
  find nothing open), without If-Match (a "retry later" is sent again), then with it (each call on
  the ETag its thread just read). Each line's units shipped (cancelled) must be its 200 fulfils
  (cancels), no unit shipped and cancelled, no call refused (409/422) while its line had a unit open,
  `sys_version` up by one per 200, every 200 fulfil's record written (the one its `Location` names,
  found by the call's `tracking_number`) and no refused one's, the records agreeing with the counters,
  the money rules (`money_problems`, the domain's too) holding. Then one keyed partial fulfil sent 5
  times at once: one fulfilment, one record, one answer.
"""

from __future__ import annotations

import functools
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from harness.reliability.cases import (
    REFUSED_AS_DONE,
    Case,
    Route,
    check_replay,
    first_answer,
    idempotency_text,
)
from harness.reliability.clients import new_order, parallel, retryable, until_settled
from harness.reliability.core import (
    ACTION_PATHS,
    FULFIL_ORDER,
    FULFIL_PATH,
    PARTIAL_CANCEL,
    PARTIAL_FULFIL,
    PARTIAL_FULFIL_DELTA,
    STORM_THREADS,
    Answer,
    Api,
    SetupFailed,
    Store,
    Tally,
    key_text,
)
from harness.reliability.faults import IDEMPOTENCY
from harness.reliability.fulfilment_judges import (
    STORM_REFUSALS,
    Delta,
    Outcome,
    effect_problems,
    fulfil_record_problems,
    fulfillment_problems,
    open_units,
    storm_problems,
)
from harness.reliability.money import all_money_problems


def fulfilled_order(
    api: Api, label: str, made: dict[str, str], items: list[dict[str, Any]] | None
) -> tuple[str, str]:
    """A new FULFIL_ORDER fulfilled as `items` say (None: every unit): its id and its record's id."""
    order_id = new_order(api, label, made, FULFIL_ORDER)
    body: dict[str, Any] = {"tracking_number": f"{label}-setup", **({"items": items} if items else {})}
    location: list[str] = []

    def send() -> Answer:
        status, answer, headers = api.fulfil(order_id, body, key=f"{label}-setup")
        location.append(headers.get("location", ""))
        return status, answer

    status, answer = until_settled(send)
    if status != 200 or not location[-1]:
        raise SetupFailed(f"fulfil {order_id}: {status} {answer}")
    return order_id, location[-1].rsplit("/", 1)[1]


def check_order(
    tally: Tally,
    what: str,
    store: Store,
    order_id: str,
    before: dict[str, Any],
    delta: Delta,
    *,
    writes: int = 1,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The change did `delta` in `writes` writes, the records agree with the counters, the money rules
    hold; the order and its records as stored."""
    after, records = store.doc(order_id), store.fulfillments(order_id)
    tally.found(what, effect_problems(before, after, delta, writes=writes))
    tally.found(what, [("partial_writes", f"half write: {p}") for p in fulfillment_problems(after, records)])
    tally.found(what, [("partial_writes", f"money: {p}") for p in all_money_problems(store.order(order_id))])
    return after, records


def storm_call(
    api: Api, order_id: str, kind: str, line: str, label: str, if_match: str | None
) -> tuple[int, Any, str]:
    """Fulfil (marked `label`) or cancel one unit of `line`: status, body, the fulfillment named."""
    item = {"order_line_item_id": line, "quantity": 1}
    if kind == "cancel":
        return (*api.order_action("cancel", order_id, {"items": [item]}, if_match=if_match), "")
    status, answer, headers = api.fulfil(
        order_id, {"items": [item], "tracking_number": label}, if_match=if_match
    )
    return status, answer, headers.get("location", "").rsplit("/", 1)[-1]


def storm_thread(
    api: Api, order_id: str, tag: str, per_thread: int, retried: list[int], conditional: bool, thread: int
) -> list[tuple[Outcome, Any]]:
    """One thread of a fulfil storm: fulfils and cancels of one unit, turn about, of both lines. Without
    If-Match each is sent until it is no longer told to retry; with it, once, on the ETag just read."""
    out = []
    for n in range(per_thread):
        kind = ("fulfil", "cancel")[(thread + n) % 2]
        line = ("S1", "S2")[(thread // 2 + n) % 2]
        label = f"storm-{tag}-{thread}-{n}" if kind == "fulfil" else ""
        named: list[str] = []

        def send(if_match: str | None, kind: str = kind, line: str = line, label: str = label) -> Answer:
            status, body, location = storm_call(api, order_id, kind, line, label, if_match)
            named.append(location)  # noqa: B023 - read right after the send, in this iteration
            return status, body

        if conditional:
            status, body, headers = api.read(order_id)
            answer = send(headers["etag"]) if status == 200 and "etag" in headers else (status, body)
        else:
            answer = until_settled(functools.partial(send, None), retried)
        fulfillment_id = named[-1] if named and answer[0] == 200 and named[-1] else None
        out.append((Outcome(kind, line, answer[0], label, fulfillment_id), answer[1]))
    return out


def fulfil_storms(api: Api, store: Store, tally: Tally, scale: int) -> dict[str, str]:
    """STORM_THREADS threads fulfil and cancel single units of one order's two lines at once, without
    If-Match, then with it (each call on the ETag its thread just read); then one keyed fulfil sent
    5 times at once."""
    made: dict[str, str] = {}
    per_thread = min(10, 3 * scale)
    tag = uuid.uuid4().hex[:6]
    summary = []
    for conditional in (False, True):
        name = "fulfil storm" + (" with If-Match" if conditional else "")
        # two lines holding 3/4 of the calls' units between them: the last calls find nothing open
        units = max(1, STORM_THREADS * per_thread * 3 // 8)
        lines = [
            {**FULFIL_ORDER["line_items"][0], "order_line_item_id": "S1", "quantity": units},
            {**FULFIL_ORDER["line_items"][1], "order_line_item_id": "S2", "quantity": units},
        ]
        order_id = new_order(
            api, f"fulfil-storm-{int(conditional)}-{tag}", made, {**FULFIL_ORDER, "line_items": lines}
        )
        before = store.doc(order_id)
        retried: list[int] = []
        storm = functools.partial(
            storm_thread, api, order_id, f"{tag}-{int(conditional)}", per_thread, retried
        )
        answers = [
            a
            for chunk in parallel(STORM_THREADS, functools.partial(storm, conditional), tally, per_thread)
            for a in chunk
        ]
        allowed = (200, *STORM_REFUSALS, *((412,) if conditional else ()))
        for outcome, body in answers:
            if outcome.status not in allowed or retryable(outcome.status, body):
                kind = "server_errors" if outcome.status >= 500 else "lost_updates"
                tally.problem(
                    kind, f"{name}: {outcome.kind} of {outcome.line} answered {outcome.status} {body}"
                )
        outcomes = [outcome for outcome, _ in answers]
        tally.found(name, storm_problems(before, store.doc(order_id), outcomes, store.fulfillments(order_id)))
        tally.found(
            name, [("partial_writes", f"money: {p}") for p in all_money_problems(store.order(order_id))]
        )
        tally_of = Counter(f"{o.kind} {o.status}" for o in outcomes)
        summary.append(
            f"{name}: {dict(sorted(tally_of.items()))}" + ("" if conditional else f", {len(retried)} retried")
        )

    # one keyed fulfil sent 5 times at once: one fulfilment, one record, one answer
    key = f"fulfil-keyed-{tag}"
    order_id = new_order(api, key, made, FULFIL_ORDER)
    before = store.doc(order_id)
    location: list[str] = []

    def keyed(_index: int = 0) -> Answer:
        status, answer, headers = api.fulfil(
            order_id, {"items": PARTIAL_FULFIL, "tracking_number": key}, key=key
        )
        if status == 200:
            location.append(headers.get("location", "").rsplit("/", 1)[-1])
        return status, answer

    copies = parallel(5, keyed, tally)
    for status, body in copies:
        if status != 200 and not retryable(status, body):
            tally.problem("server_errors", f"keyed fulfil x5: answered {status} {body}")
    settled = [(status, body) if status == 200 else until_settled(keyed) for status, body in copies]
    what = "keyed fulfil x5"
    if any(status != 200 for status, _ in settled):
        tally.problem("lost_updates", f"{what}: not every copy ended 200: {[s for s, _ in settled]}")
    elif any(answer != settled[0] for answer in settled):
        tally.problem("double_effects", f"{what}: the copies were answered differently")
    _, records = check_order(tally, what, store, order_id, before, dict(PARTIAL_FULFIL_DELTA))
    tally.found(
        what,
        fulfil_record_problems(records, key, dict(PARTIAL_FULFIL_DELTA), location[0] if location else None),
    )
    if len(set(location)) > 1:
        tally.problem("double_effects", f"{what}: the answers named fulfillments {sorted(set(location))}")
    tally.notes.append(f"fulfil storms: {STORM_THREADS} threads x {per_thread}; " + "; ".join(summary))
    return made


@dataclass
class FulfilCase(Case):
    """POST fulfil under an Idempotency-Key: of every open unit, or `partial` (PARTIAL_FULFIL), and
    `conditional`: with If-Match. Its record is marked by its `tracking_number` (the label)."""

    api: Api
    store: Store
    label: str
    partial: bool = False
    conditional: bool = False
    made: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.order_id = new_order(self.api, self.label, self.made, FULFIL_ORDER)
        self.before = self.store.doc(self.order_id)
        self.base = int(self.before["sys_version"])
        self.body: dict[str, Any] = {"tracking_number": self.label}
        if self.partial:
            self.body["items"] = PARTIAL_FULFIL
        self.delta: Delta = dict(PARTIAL_FULFIL_DELTA) if self.partial else open_units(self.before)
        #: The fulfillment the last 200 named (`Location`).
        self.location: str | None = None

    def only(self, call: str) -> str | None:
        return (
            idempotency_text(FULFIL_PATH, self.label)
            if call.endswith(IDEMPOTENCY)
            else key_text(self.order_id)
        )

    def _send(self, if_match: int | None) -> Answer:
        status, body, headers = self.api.fulfil(self.order_id, self.body, key=self.label, if_match=if_match)
        if status == 200:
            self.location = headers.get("location", "").rsplit("/", 1)[-1] or None
        return status, body

    def send(self) -> Answer:
        return self._send(self.base if self.conditional else None)

    def landed(self) -> bool:
        return any(r.get("tracking_number") == self.label for r in self.store.fulfillments(self.order_id))

    def settle(self, first: Answer, what: str, tally: Tally, *, strict: bool) -> None:
        status = first[0]
        first_answer(tally, what, first, (200, 412) if self.conditional else (200,), strict=strict)
        final = first
        if status == 412 and self.landed():
            tally.problem(
                "partial_writes", f"{what}: answered 412 (not applied), yet its fulfillment was written"
            )
        elif status != 200:
            # the client sends it again with its key (and its If-Match); a refusal (REFUSED_AS_DONE)
            # sends it to read the order's fulfillments for its own; a 412 without it, to send it
            # again at the order's version
            final = until_settled(self.send)
            if final[0] == 412 and not self.landed():
                current = int(self.store.doc(self.order_id)["sys_version"])
                final = until_settled(functools.partial(self._send, current))
            if final[0] != 200 and not (final[0] in REFUSED_AS_DONE and self.landed()):
                tally.problem("lost_updates", f"{what}: the client's retry ended {final[0]} {final[1]}")
            elif final[0] != 200:
                tally.note(
                    f"note: {what}: the keyed retry answered {final[0]}, though an earlier send did it"
                )
        answered = self.location if final[0] == 200 else None
        _, records = check_order(tally, what, self.store, self.order_id, self.before, self.delta)
        tally.found(what, fulfil_record_problems(records, self.label, self.delta, answered))
        if final[0] == 200:
            check_replay(tally, what, final, self.send())


@dataclass
class OrderActionCase(Case):
    """POST cancel (every open unit, or `items`), void or close under an Idempotency-Key, on an order
    made ready for it: a whole cancel and a void on a partly fulfilled order (their open units are
    cancelled), a close on a fulfilled one, a partial cancel on a new one."""

    api: Api
    store: Store
    label: str
    action: str
    items: list[dict[str, Any]] | None = None
    made: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from orders_domain.domain.lifecycle import OrderStatus

        one = [{"order_line_item_id": "L1", "quantity": 1}]
        if self.action == "close":
            self.order_id, _ = fulfilled_order(self.api, self.label, self.made, None)
        elif self.action == "void" or self.items is None:
            self.order_id, _ = fulfilled_order(self.api, self.label, self.made, one)
        else:
            self.order_id = new_order(self.api, self.label, self.made, FULFIL_ORDER)
        self.before = self.store.doc(self.order_id)
        self.delta: Delta = {}
        if self.items is not None:
            self.delta = {i["order_line_item_id"]: (0, i["quantity"]) for i in self.items}
        elif self.action != "close":
            self.delta = {line: (0, n) for line, (n, _) in open_units(self.before).items()}
        self.status = {"void": OrderStatus.VOIDED, "close": OrderStatus.CLOSED}.get(self.action)
        self.body = None if self.items is None else {"items": self.items, "reason": self.label}

    def only(self, call: str) -> str | None:
        if call.endswith(IDEMPOTENCY):
            return idempotency_text(ACTION_PATHS[self.action], self.label)
        return key_text(self.order_id)

    def send(self) -> Answer:
        return self.api.order_action(self.action, self.order_id, self.body, key=self.label)

    def settle(self, first: Answer, what: str, tally: Tally, *, strict: bool) -> None:
        first_answer(tally, what, first, (200,), strict=strict)
        final = first
        if first[0] != 200:
            # sent again with its key; a refusal (REFUSED_AS_DONE: an earlier send may have done it)
            # sends the client to read the order, which the checks below do
            final = until_settled(self.send)
            if final[0] not in (200, *REFUSED_AS_DONE):
                tally.problem("lost_updates", f"{what}: the client's retry ended {final[0]} {final[1]}")
            elif final[0] != 200:
                tally.note(
                    f"note: {what}: the keyed retry answered {final[0]} ({(final[1] or {}).get('code')})"
                )
        after, _ = check_order(tally, what, self.store, self.order_id, self.before, self.delta)
        if self.status is not None and after.get("status") != self.status:
            tally.problem("lost_updates", f"{what}: the order is {after.get('status')}, not {self.status}")
        if final[0] == 200:
            check_replay(tally, what, final, self.send())


@dataclass
class FulfillmentPatchCase(Case):
    """PATCH a fulfillment (no Idempotency-Key): new tracking details, or the `pickup` of its lines;
    `conditional`: with If-Match (the fulfillment's ETag). Each is a write of the order and its
    record in one transaction."""

    api: Api
    store: Store
    label: str
    pickup: bool = False
    conditional: bool = False
    made: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.order_id, self.fulfillment_id = fulfilled_order(self.api, self.label, self.made, PARTIAL_FULFIL)
        self.before = self.store.doc(self.order_id)
        self.base = self._record()["sys_version"]
        self.tracking = f"{self.label}-new"
        self.body: dict[str, Any] = (
            {"picked_up": True}
            if self.pickup
            else {"tracking_number": self.tracking, "tracking_company": "harness"}
        )

    def _record(self) -> dict[str, Any]:
        found = [r for r in self.store.fulfillments(self.order_id) if r["id"] == self.fulfillment_id]
        if not found:
            raise SetupFailed(f"fulfillment {self.fulfillment_id} is not stored")
        return found[0]

    def applied(self) -> bool:
        record = self._record()
        return (
            bool(record.get("picked_up")) if self.pickup else record.get("tracking_number") == self.tracking
        )

    def only(self, call: str) -> str | None:
        return key_text(self.order_id)

    def _send(self, if_match: int | None) -> Answer:
        return self.api.patch_fulfillment(self.fulfillment_id, self.body, if_match=if_match)

    def send(self) -> Answer:
        return self._send(int(self.base) if self.conditional else None)

    def settle(self, first: Answer, what: str, tally: Tally, *, strict: bool) -> None:
        status = first[0]
        first_answer(tally, what, first, (200, 412) if self.conditional else (200,), strict=strict)
        if status == 412 and self.applied():
            tally.problem(
                "partial_writes", f"{what}: answered 412 (not applied), yet the fulfillment changed"
            )
        elif status != 200:
            # again as it was sent; a refusal (REFUSED_AS_DONE: the fulfillment moved on, nothing is
            # left to pick up) sends the client to read the fulfillment, and to send it again at its
            # version if its change is not in
            final = until_settled(self.send)
            if final[0] == 412 and not self.applied():
                final = until_settled(functools.partial(self._send, int(self._record()["sys_version"])))
            if final[0] != 200 and not (final[0] in REFUSED_AS_DONE and self.applied()):
                tally.problem("lost_updates", f"{what}: the client's retry ended {final[0]} {final[1]}")
        after, _ = check_order(tally, what, self.store, self.order_id, self.before, {})
        record = self._record()
        if not self.applied():
            tally.problem("lost_updates", f"{what}: the fulfillment is not changed: {record}")
        elif int(record["sys_version"]) != int(after["sys_version"]):
            tally.problem(
                "partial_writes",
                f"{what}: half write: the fulfillment is at version {record['sys_version']}, "
                f"the order at {after['sys_version']}",
            )
        if self.pickup:
            lines = {li["order_line_item_id"]: li.get("picked_up") for li in after["line_items"]}
            if not all(lines[i["order_line_item_id"]] for i in record["items"] if i["quantity"]):
                tally.problem(
                    "partial_writes", f"{what}: half write: picked up, the order's lines say {lines}"
                )
        else:
            found = (
                self.api.fulfillment_ids(tracking_number=self.tracking),
                self.api.fulfillment_ids(tracking_number=f"{self.label}-setup"),
            )
            if found != ([self.fulfillment_id], []):
                tally.problem("partial_writes", f"{what}: the tracking lookup (new, old) answers {found}")


#: The calls of a keyed fulfil: the idempotency record's PutItem (in progress) and UpdateItem (its
#: answer), the order's read, and the transaction writing the order and its fulfillment record.
FULFIL_CALLS = ("GetItem", f"PutItem{IDEMPOTENCY}", "TransactWriteItems", f"UpdateItem{IDEMPOTENCY}")
FULFIL_WRITES = FULFIL_CALLS[1:]
#: The calls of a keyed cancel, void or close: as a fulfil's, the order written alone (UpdateItem).
ACTION_CALLS = ("GetItem", f"PutItem{IDEMPOTENCY}", "UpdateItem", f"UpdateItem{IDEMPOTENCY}")
ACTION_WRITES = ACTION_CALLS[1:]


#: The routes of fulfil and cancel_order under faults, each its DynamoDB calls and a maker of one request
#: (`MUTATIONS`, in harness/reliability/routes.py, assembles every family's table).
ROUTES: dict[str, Route] = {
    "fulfil": Route(FULFIL_WRITES, FULFIL_CALLS, lambda a, s, label: FulfilCase(a, s, label)),
    "fulfil_partial": Route(
        FULFIL_WRITES, FULFIL_CALLS, lambda a, s, label: FulfilCase(a, s, label, partial=True)
    ),
    "fulfil_partial_if_match": Route(
        FULFIL_WRITES,
        FULFIL_CALLS,
        lambda a, s, label: FulfilCase(a, s, label, partial=True, conditional=True),
    ),
    "cancel": Route(ACTION_WRITES, ACTION_CALLS, lambda a, s, label: OrderActionCase(a, s, label, "cancel")),
    "cancel_partial": Route(
        ACTION_WRITES,
        ACTION_CALLS,
        lambda a, s, label: OrderActionCase(a, s, label, "cancel", items=PARTIAL_CANCEL),
    ),
    "void": Route(ACTION_WRITES, ACTION_CALLS, lambda a, s, label: OrderActionCase(a, s, label, "void")),
    "close": Route(ACTION_WRITES, ACTION_CALLS, lambda a, s, label: OrderActionCase(a, s, label, "close")),
    "fulfillment_tracking": Route(
        ("TransactWriteItems",),
        ("GetItem", "TransactWriteItems"),
        lambda a, s, label: FulfillmentPatchCase(a, s, label),
    ),
    "fulfillment_pickup": Route(
        ("TransactWriteItems",),
        ("GetItem", "TransactWriteItems"),
        lambda a, s, label: FulfillmentPatchCase(a, s, label, pickup=True),
    ),
    "fulfillment_pickup_if_match": Route(
        ("TransactWriteItems",),
        ("GetItem", "TransactWriteItems"),
        lambda a, s, label: FulfillmentPatchCase(a, s, label, pickup=True, conditional=True),
    ),
}
