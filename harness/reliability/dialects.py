"""The source dialects' write routes (issue 21): the theatre fulfil (with and without a key) and
refund by token, the distribution place (JSON and XML) and cancel; each over its native route's
service. Place storms, and their cases under faults; the judges of a place are in
harness/reliability/dialect_judges.py.

- **place storms** (the distribution dialect, issue 21): one `POST /distribution/orders`, whose
  order_number is its idempotency key and names the order, sent 8 times at once (a "retry later", a 409
  `idempotency_in_progress` with `Retry-After`, is sent again): in JSON; half in XML, half in JSON (the
  same order either way); then the same number with two bodies, half each (`scale` rounds of the
  three). Exactly one order per number holding the accepted body, every copy of that body answered 201
  with the order its number names (only one of them not `Idempotent-Replayed`: more is a double
  effect), every copy of the other body 409 `order_number_taken`, never a 5xx
  (`place_storm_problems`).
"""

from __future__ import annotations

import functools
import threading
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from orders_domain.domain.status_words import DISTRIBUTION_CANCELLED

from harness.reliability.cases import (
    REFUSED_AS_DONE,
    Case,
    Route,
    check_replay,
    first_answer,
    idempotency_text,
)
from harness.reliability.clients import new_order, parallel, until_settled
from harness.reliability.core import (
    DISTRIBUTION_CANCEL,
    DISTRIBUTION_ORDER_PATH,
    DISTRIBUTION_PATH,
    FULFIL_ORDER,
    JSON,
    PLACE_STORM_THREADS,
    REFUND_REASON,
    THEATRE_FULFIL_PATH,
    THEATRE_REFUND_PATH,
    XML,
    Answer,
    Api,
    SetupFailed,
    Store,
    Tally,
    key_text,
)
from harness.reliability.dialect_judges import (
    PlaceCall,
    answered_id,
    number_id,
    place_body,
    place_storm_problems,
    placed_problems,
)
from harness.reliability.faults import IDEMPOTENCY
from harness.reliability.fulfilment import FULFIL_CALLS, FULFIL_WRITES, check_order
from harness.reliability.fulfilment_judges import Delta, effect_problems, fulfil_record_problems, open_units
from harness.reliability.money import all_money_problems
from harness.reliability.refunds import REFUND_WRITES, TOKEN_REFUND_CALLS, RefundCase


def place_storm_thread(
    api: Api,
    bodies: Mapping[str, Mapping[str, Any]],
    plan: Sequence[tuple[str, str]],
    start: threading.Barrier,
    retried: list[int],
    index: int,
) -> PlaceCall:
    """One place of a storm: the body and media type `plan[index]` names, sent when every thread is
    ready (a barrier), then again while told "again later" (a 409 `idempotency_in_progress` with
    `Retry-After`: the first place of the number still running)."""
    which, media = plan[index]
    replayed: list[bool] = []

    def send() -> Answer:
        status, answer, headers = api.place(bodies[which], media)
        replayed.append(headers.get("idempotent-replayed") == "true")
        return status, answer

    start.wait(timeout=60)
    status, answer = until_settled(send, retried)
    code = answer.get("code") if status != 201 and isinstance(answer, Mapping) else None
    return PlaceCall(which, media, status, answered_id(answer) if status == 201 else None, replayed[-1], code)


def distribution_storms(api: Api, store: Store, tally: Tally, scale: int) -> dict[str, str]:
    """The distribution dialect's place, whose order_number is its idempotency key (and names the order),
    sent PLACE_STORM_THREADS times at once per round: the same order in JSON; the same order half in
    XML, half in JSON (the same request: the same order); then the same number with two bodies (half
    each, both media). `place_storm_problems` judges each round: one order, every copy of the accepted
    body answered 201 with it, every other refused 409 `order_number_taken`."""
    made: dict[str, str] = {}
    tag = uuid.uuid4().hex[:6]
    threads = PLACE_STORM_THREADS
    rounds: list[tuple[str, dict[str, dict[str, Any]], list[tuple[str, str]]]] = []
    for round_ in range(scale):
        same = f"place-storm-{round_}-json-{tag}"
        rounds.append((same, {"A": place_body(same)}, [("A", JSON)] * threads))
        mixed = f"place-storm-{round_}-xml-{tag}"
        rounds.append((mixed, {"A": place_body(mixed)}, [("A", (XML, JSON)[n % 2]) for n in range(threads)]))
        two = f"place-storm-{round_}-two-{tag}"
        bodies = {"A": place_body(two, "Alice", 2), "B": place_body(two, "Bob", 3)}
        rounds.append((two, bodies, [("AB"[n % 2], (JSON, XML)[n // 2 % 2]) for n in range(threads)]))
    answered: Counter[str] = Counter()
    retried: list[int] = []
    for number, bodies, plan in rounds:
        thread = functools.partial(
            place_storm_thread, api, bodies, plan, threading.Barrier(len(plan)), retried
        )
        calls = parallel(len(plan), thread, tally)
        stored = store.with_number(number)
        tally.found(f"place storm {number}", place_storm_problems(number, calls, stored, bodies))
        for doc in stored:
            made[f"distribution:{number}:{doc['id']}"] = doc["id"]
        kind = "two bodies" if len(bodies) > 1 else "one body"
        answered.update(f"{kind} {c.status}{' replayed' if c.replayed else ''}" for c in calls)
    tally.notes.append(
        f"place storms: {len(rounds)} rounds of {threads} at once: {dict(sorted(answered.items()))}, "
        f"{len(retried)} told to retry later"
    )
    return made


@dataclass
class TheatreFulfilCase(Case):
    """POST /v3/orders/{id}/fulfill (the theatre dialect: no body, every open unit; the answer is the
    theatre order, `Location` its fulfillment) of a new FULFIL_ORDER, under an Idempotency-Key
    (`keyed`) or without one. The fulfil's record is the order's only one (it sends no tracking number
    to mark it by). Without a key the client's retry of an answer it never got is a new request: a
    refusal (REFUSED_AS_DONE: nothing is left open) sends it to read the order, as the checks do."""

    api: Api
    store: Store
    label: str
    keyed: bool = True
    made: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.order_id = new_order(self.api, self.label, self.made, FULFIL_ORDER)
        self.before = self.store.doc(self.order_id)
        self.delta: Delta = open_units(self.before)
        self.path = THEATRE_FULFIL_PATH.format(id=self.order_id)
        #: The fulfillment the last 200 named (`Location`).
        self.location: str | None = None

    def only(self, call: str) -> str | None:
        return (
            idempotency_text(THEATRE_FULFIL_PATH, self.label)
            if call.endswith(IDEMPOTENCY)
            else key_text(self.order_id)
        )

    def send(self) -> Answer:
        status, body, headers = self.api.dialect("POST", self.path, key=self.label if self.keyed else None)
        if status == 200:
            self.location = headers.get("location", "").rsplit("/", 1)[-1] or None
        return status, body

    def landed(self) -> bool:
        return bool(self.store.fulfillments(self.order_id))

    def settle(self, first: Answer, what: str, tally: Tally, *, strict: bool) -> None:
        first_answer(tally, what, first, (200,), strict=strict)
        final = first
        if first[0] != 200:
            final = until_settled(self.send)
            if final[0] != 200 and not (final[0] in REFUSED_AS_DONE and self.landed()):
                tally.problem("lost_updates", f"{what}: the client's retry ended {final[0]} {final[1]}")
            elif final[0] != 200:
                tally.note(f"note: {what}: the retry answered {final[0]}, though an earlier send did it")
        answered = self.location if final[0] == 200 else None
        _, records = check_order(tally, what, self.store, self.order_id, self.before, self.delta)
        tally.found(what, fulfil_record_problems(records, None, self.delta, answered))
        if final[0] == 200 and (final[1] or {}).get("status") != "Fulfilled":
            tally.problem(
                "partial_writes", f"{what}: answered 200 with the order {(final[1] or {}).get('status')}"
            )
        if final[0] == 200 and self.keyed:
            check_replay(tally, what, final, self.send())


@dataclass
class TheatreRefundCase(RefundCase):
    """POST /v1/orders/token-{token}/refunds (the theatre dialect: `refundReasonName`, `lineNumbers`; the
    answer is the theatre order, its version in the `ETag`) of lines 1 and 2 of a fulfilled FULFIL_ORDER
    under an Idempotency-Key: the same refund transaction as the native route's, judged as RefundCase."""

    token: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        self.theatre_body = {"refundReasonName": REFUND_REASON, "lineNumbers": list(self.lines)}
        #: The version the last 200 named (its ETag).
        self.etag_version: int | None = None

    def only(self, call: str) -> str | None:
        if call.endswith(IDEMPOTENCY):
            return idempotency_text(THEATRE_REFUND_PATH, self.label)
        return super().only(call)

    def _send(self, if_match: int | None) -> Answer:
        path = THEATRE_REFUND_PATH.format(id=self.ref)
        key = self.label if self.keyed else None
        status, body, headers = self.api.dialect("POST", path, self.theatre_body, key=key, if_match=if_match)
        if status == 200:
            self.etag_version = etag_version(headers.get("etag"))
        return status, body

    def answered_version(self, final: Answer) -> int | None:
        return self.etag_version


def etag_version(value: str | None) -> int | None:
    """The version an `ETag` names (`"3"`, or weak `W/"3"`); None when there is none."""
    text = str(value or "").removeprefix("W/").strip('"')
    return int(text) if text.isdigit() else None


#: A distribution place's writes: the idempotency record's PutItem (in progress, keyed by the
#: order_number) and UpdateItem (its answer), and the order's conditional PutItem (its id derived from
#: the number). The order-number counter's UpdateItem is tenant-wide and taken in blocks (rarely made):
#: the native create's cases fault it, untargeted.
PLACE_WRITES = (f"PutItem{IDEMPOTENCY}", "PutItem", f"UpdateItem{IDEMPOTENCY}")


@dataclass
class PlaceCase(Case):
    """POST /distribution/orders of a new order_number (the label) in `media` (JSON or XML, both ways):
    the idempotency layer runs it under that number and the order id derives from it. The client sends
    the same order again with the same number until it is no longer told to retry: it must get its
    order (201, the id the number names), never a second one, never a 409; then once more, answered
    the same order replayed."""

    api: Api
    store: Store
    label: str
    media: str = JSON
    made: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.number = self.label[-100:]
        self.order_id = number_id(self.number)
        self.body = place_body(self.number)
        self.replayed = False

    def only(self, call: str) -> str | None:
        if call.endswith(IDEMPOTENCY):
            return idempotency_text(DISTRIBUTION_PATH, self.number)
        return key_text(self.order_id)

    def send(self) -> Answer:
        status, body, headers = self.api.place(self.body, self.media)
        self.replayed = headers.get("idempotent-replayed") == "true"
        return status, body

    def settle(self, first: Answer, what: str, tally: Tally, *, strict: bool) -> None:
        first_answer(tally, what, first, (201,), strict=strict)
        final = first if first[0] == 201 else until_settled(self.send)
        code = final[1].get("code") if final[0] != 201 and isinstance(final[1], Mapping) else None
        if final[0] != 201:
            kind = "server_errors" if final[0] >= 500 and final[0] != 503 else "lost_updates"
            tally.problem(kind, f"{what}: the client's retry of its order_number ended {final[0]} {code}")
        elif answered_id(final[1]) != self.order_id:
            tally.problem(
                "partial_writes",
                f"{what}: answered order {answered_id(final[1])}, its number names {self.order_id}",
            )
        tally.found(what, placed_problems(self.store.with_number(self.number), self.body))
        if final[0] == 201:
            self.made[f"distribution:{self.number}"] = self.order_id
            again = self.send()
            if again != final or not self.replayed:
                tally.problem(
                    "double_effects",
                    f"{what}: sent once more, answered {again[0]} (replayed: {self.replayed}), "
                    "not the same order",
                )


@dataclass
class DistributionCancelCase(Case):
    """PUT /distribution/orders/{id} `{"order": {"status": "cancelled"}}` (no key: the distribution API
    sends none) on an order placed there: a cancel of the whole order, one write through the write
    loop. The client sends it again until it is no longer told to retry: it must be answered the
    cancelled order (200), never a 409 or a 5xx; then once more, answered without a write."""

    api: Api
    store: Store
    label: str
    made: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        number = self.label[-100:]
        status, answer, _ = self.api.place(place_body(number))
        if status != 201:
            raise SetupFailed(f"place {number}: {status} {answer}")
        self.order_id = str(answer["order"]["id"])
        self.made[f"distribution:{number}"] = self.order_id
        self.before = self.store.doc(self.order_id)
        self.path = DISTRIBUTION_ORDER_PATH.format(id=self.order_id)

    def only(self, call: str) -> str | None:
        return key_text(self.order_id)

    def send(self) -> Answer:
        status, body, _ = self.api.dialect("PUT", self.path, DISTRIBUTION_CANCEL)
        return status, body

    def settle(self, first: Answer, what: str, tally: Tally, *, strict: bool) -> None:
        from orders_domain.domain.lifecycle import OrderStatus

        first_answer(tally, what, first, (200,), strict=strict)
        final = first if first[0] == 200 else until_settled(self.send)
        doc = self.store.doc(self.order_id)
        cancelled = doc.get("status") == OrderStatus.CANCELLED
        if final[0] != 200:
            code = final[1].get("code") if isinstance(final[1], Mapping) else None
            kind = "server_errors" if final[0] >= 500 and final[0] != 503 else "lost_updates"
            if cancelled and final[0] < 500:
                kind = "partial_writes"  # refused, though its cancel is in
            tally.problem(
                kind, f"{what}: the client's retry ended {final[0]} {code} (cancelled: {cancelled})"
            )
        elif (final[1].get("order") or {}).get("status") != DISTRIBUTION_CANCELLED:
            tally.problem("partial_writes", f"{what}: answered 200 with the order {final[1].get('order')}")
        if not cancelled:
            tally.problem("lost_updates", f"{what}: the order is {doc.get('status')}, not cancelled")
        else:
            gained = int(doc["sys_version"]) - int(self.before["sys_version"])
            if gained != 1:
                tally.problem("double_effects", f"{what}: cancelled in {gained} writes")
            delta = {line: (0, n) for line, (n, _) in open_units(self.before).items()}
            tally.found(what, effect_problems(self.before, doc, delta, writes=gained))
        tally.found(
            what,
            [("partial_writes", f"money: {p}") for p in all_money_problems(self.store.order(self.order_id))],
        )
        again = self.send()
        if again[0] != 200 or (again[1].get("order") or {}).get("status") != DISTRIBUTION_CANCELLED:
            tally.problem(
                "partial_writes", f"{what}: sent to the cancelled order again, answered {again[0]} {again[1]}"
            )
        if int(self.store.doc(self.order_id)["sys_version"]) != int(doc["sys_version"]):
            tally.problem("double_effects", f"{what}: sent to the cancelled order again, it wrote the order")


#: The routes of the source dialects under faults, each its DynamoDB calls and a maker of one request
#: (`MUTATIONS`, in harness/reliability/routes.py, assembles every family's table).
ROUTES: dict[str, Route] = {
    # the source dialects (issue 21): each over the native route's service, its own path and answer
    "theatre_fulfil": Route(FULFIL_WRITES, FULFIL_CALLS, lambda a, s, label: TheatreFulfilCase(a, s, label)),
    "theatre_fulfil_without_key": Route(
        ("TransactWriteItems",),
        ("GetItem", "TransactWriteItems"),
        lambda a, s, label: TheatreFulfilCase(a, s, label, keyed=False),
    ),
    "theatre_refund_token": Route(
        REFUND_WRITES, TOKEN_REFUND_CALLS, lambda a, s, label: TheatreRefundCase(a, s, label)
    ),
    "distribution_place": Route(PLACE_WRITES, PLACE_WRITES, lambda a, s, label: PlaceCase(a, s, label)),
    "distribution_place_xml": Route(
        PLACE_WRITES, PLACE_WRITES, lambda a, s, label: PlaceCase(a, s, label, media=XML)
    ),
    "distribution_cancel": Route(
        ("UpdateItem",), ("GetItem", "UpdateItem"), lambda a, s, label: DistributionCancelCase(a, s, label)
    ),
}
