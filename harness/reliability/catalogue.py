"""The catalogue routes (issue 31) and the stock orders move: stock races, and the catalogue's writes,
the reserving create and the releasing cancel under faults.

- **stock races** (`stock_races`): a product of `RACE_STOCK` (3) units, `RACE_CREATES` (10) keyed
  creates of one unit each at once: exactly 3 orders (201), 7 `sold_out` 409s, the stock 0 and the 3
  orders holding 1 each; then, at once, each of those orders cancelled twice (each with a key of its
  own: one cancel each takes effect, the other is told the order is cancelled, 409) and 6 new
  creates: every answer one of those (or a `sold_out`), never a 5xx, and after it all the stock plus
  the units the orders hold is the 3 it started with (2 rounds with --quick, else 6).
- **lost responses** and **injected faults** (harness/reliability/runner.py): at every DynamoDB call
  of a keyed create whose line reserves 2 units of its own product of `START` (5) units (the
  idempotency record's writes, the products' BatchGetItem, the TransactWriteItems of the order and
  the decrement), of a keyed cancel giving back every unit (3) or one of an order holding 3 (the
  order's read, the record's writes, the products' consistent BatchGetItem, the TransactWriteItems
  of the order and the increment), of a product's PUT (one PutItem) and of a keyed credit grant (the
  record's writes, the credit's GetItem and PutItem, aimed at the customer's partition; the number's
  UpdateItem apart, `grant_credit_number`: the counter is the tenant's, grants send one at a time).
  After the careful client
  settles (sent again with its key while told "again later"; a cancel refused as done, 409/412/422,
  sends it to read the order), the stock plus what the orders hold is the product's start
  (`stock_problems`: less is units lost, more units counted twice), each line holds what is left of
  it (`holding_problems`), a create made one order (its memo, by Scan) and a cancel cancelled its units
  once, in one write; a product reads as put; a grant left exactly one credit of the customer, with
  one number, the one its answers name (`credit_problems`), and its key replays that answer.
- at the end (`stock_invariants`), every product the run gave stock to against every order stored: its
  stock plus the units the orders hold of it is its start.
"""

from __future__ import annotations

import functools
import json
import threading
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from harness.reliability.cases import REFUSED_AS_DONE, Case, Route, first_answer, idempotency_text
from harness.reliability.catalogue_judges import (
    PRODUCT_TYPE,
    RaceCall,
    credit_problems,
    holding,
    holding_problems,
    race_problems,
    stock_problems,
)
from harness.reliability.clients import parallel, until_settled
from harness.reliability.core import (
    ACTION_PATHS,
    TENANT,
    Answer,
    Api,
    SetupFailed,
    Store,
    Tally,
    key_text,
)
from harness.reliability.faults import IDEMPOTENCY
from harness.reliability.fulfilment import check_order

#: The price of every product the run stocks, and what the fault cases stock.
PRICE = "10.00"
START = 5
#: Units a fault case's create reserves; units the order a cancel case cancels holds.
RESERVED = 2
HELD = 3
#: The stock races: units, creates at once, and the creates sent beside the cancels.
RACE_STOCK = 3
RACE_CREATES = 10
RACE_LATE_CREATES = 6
CREATE_PATH = "/orders/{tenantId}"
CREDITS_PATH = "/orders/{tenantId}/credits"
#: The tenant's credit-number counter: what its UpdateItem carries (storage.keys.credit_number_counter_key).
CREDIT_NUMBER = "CREDIT_NUMBER"
#: Every product the run gave stock to -> its stock when put (`stock_invariants` checks them all).
STOCKED: dict[str, int] = {}
_STOCKED_LOCK = threading.Lock()
#: Held while a grant is sent or settled, and by a grant whose faults aim at the credit number from
#: when it is made ready (`GrantCase`): one grant's calls at a time.
_GRANT_SENDS = threading.RLock()


# ---------------------------------------------------------------------------- the store
def stock_of(store: Store, product_id: str) -> int | None:
    """The product's stock as stored (consistent reads with our own client: the sum of its stock
    buckets), None without one."""
    from orders_domain.storage.catalogue import DynamoCatalogue

    found = DynamoCatalogue(store.admin, store.table).get(TENANT, PRODUCT_TYPE, product_id, consistent=True)
    return None if found is None else found.stock_available


def holdings(store: Store) -> tuple[dict[str, int], dict[str, list[dict[str, Any]]]]:
    """Product id -> the units every stored order holds of it, and the orders naming each (a Scan)."""
    from orders_domain.storage.orders import stored_text

    held: Counter[str] = Counter()
    naming: dict[str, list[dict[str, Any]]] = {}
    for page in store.admin.get_paginator("scan").paginate(
        TableName=store.table,
        FilterExpression="entity = :order AND contains(#doc, :type)",
        ExpressionAttributeNames={"#doc": "doc"},
        ExpressionAttributeValues={
            ":order": {"S": "order"},
            ":type": {"S": f'"product_type":"{PRODUCT_TYPE}"'},
        },
        ConsistentRead=True,
    ):
        for item in page["Items"]:
            doc = json.loads(stored_text(item), parse_float=Decimal)
            named = {
                str(li.get("product_id"))
                for li in doc.get("line_items") or []
                if li.get("product_type") == PRODUCT_TYPE
            }
            for product_id in named:
                held[product_id] += holding(doc, product_id)
                naming.setdefault(product_id, []).append(doc)
    return dict(held), naming


def stocked(api: Api, stock: int) -> str:
    """A new product of `stock` units (registered for `stock_invariants`): its id."""
    product_id = f"p-{uuid.uuid4().hex}"
    body = {"name": f"Harness {product_id}", "unit_price": PRICE, "currency_code": "USD", "stock": stock}
    path = f"/orders/{TENANT}/catalogue/products/{PRODUCT_TYPE}/{product_id}"
    status, answer = until_settled(lambda: api.call("PUT", path, body))
    if status != 200:
        raise SetupFailed(f"product {product_id}: {status} {answer}")
    with _STOCKED_LOCK:
        STOCKED[product_id] = stock
    return product_id


def order_of(product_id: str, units: int, memo: str) -> dict[str, Any]:
    """An order of `units` of the product at its price (line `S1`), marked by its memo (pure)."""
    line = {
        "order_line_item_id": "S1",
        "description": "Seat",
        "quantity": units,
        "unit_price": PRICE,
        "product_type": PRODUCT_TYPE,
        "product_id": product_id,
    }
    return {"memo": memo, "line_items": [line]}


def check_stock(
    tally: Tally, what: str, store: Store, product_id: str, start: int, orders: Sequence[Mapping[str, Any]]
) -> None:
    """The product's stock plus what `orders` hold of it is `start`; each holds what stands of it."""
    held = sum(holding(order, product_id) for order in orders)
    tally.found(what, stock_problems(start, stock_of(store, product_id), held))
    for order in orders:
        tally.found(f"{what}: order {order.get('id')}", holding_problems(order))


# ---------------------------------------------------------------------------- stock races
def race_create(
    api: Api, product_id: str, tag: str, start: threading.Barrier, n: int
) -> tuple[RaceCall, Any]:
    key = f"{tag}-{n}"
    start.wait(timeout=60)
    status, answer = until_settled(
        lambda: api.call("POST", f"/orders/{TENANT}", order_of(product_id, 1, key), idempotency_key=key)
    )
    code = answer.get("code") if status != 201 and isinstance(answer, dict) else None
    return RaceCall("create", status, code), answer


def race_cancel(api: Api, order_id: str, key: str, start: threading.Barrier) -> RaceCall:
    start.wait(timeout=60)
    status, answer = until_settled(lambda: api.order_action("cancel", order_id, None, key=key))
    return RaceCall(
        "cancel", status, answer.get("code") if status != 200 and isinstance(answer, dict) else None
    )


def second_wave(
    api: Api, product_id: str, tag: str, orders: list[str], start: threading.Barrier, n: int
) -> tuple[RaceCall, Any]:
    """One request of a stock race's second wave: a cancel of an order (two per order, each its own
    key), or a new create of one unit."""
    if n < 2 * len(orders):
        return race_cancel(api, orders[n // 2], f"{tag}-cancel-{n}", start), None
    return race_create(api, product_id, f"{tag}-late", start, n)


def stock_races(api: Api, store: Store, tally: Tally, scale: int) -> dict[str, str]:
    """The stock races (the module's docstring): returns the orders made, by key."""
    made: dict[str, str] = {}
    answered: Counter[str] = Counter()
    for round_ in range(2 * scale):
        what = f"stock race {round_}"
        tag = f"stock-race-{round_}-{uuid.uuid4().hex[:6]}"
        product_id = stocked(api, RACE_STOCK)
        barrier = threading.Barrier(RACE_CREATES)
        first = parallel(RACE_CREATES, functools.partial(race_create, api, product_id, tag, barrier), tally)
        for n, (call, answer) in enumerate(first):
            answered[f"create {call.status} {call.code or ''}".strip()] += 1
            if call.status == 201:
                made[f"{tag}-{n}"] = answer["id"]
        tally.found(
            what, race_problems([call for call, _ in first], stock_of(store, product_id) or 0, RACE_STOCK)
        )
        orders = [answer["id"] for call, answer in first if call.status == 201]
        # each order cancelled twice (two keys) while new creates ask for the units given back
        wave = functools.partial(
            second_wave, api, product_id, tag, orders, threading.Barrier(2 * len(orders) + RACE_LATE_CREATES)
        )
        waved = parallel(2 * len(orders) + RACE_LATE_CREATES, wave, tally)
        calls = [call for call, _ in waved]
        for n, (call, answer) in enumerate(waved):
            if call.kind == "create" and call.status == 201:
                made[f"{tag}-late-{n}"] = answer["id"]
        for call in calls:
            answered[f"{call.kind} {call.status} {call.code or ''}".strip()] += 1
            # a cancel of an order the other cancel of it has cancelled is refused as done
            allowed = (200, *REFUSED_AS_DONE) if call.kind == "cancel" else (201,)
            if call.status not in allowed and (call.status, call.code) != (409, "sold_out"):
                kind = "server_errors" if call.status >= 500 else "lost_updates"
                tally.problem(kind, f"{what}: a {call.kind} answered {call.status} {call.code}")
        for order_id in orders:
            if (status := store.doc(order_id).get("status")) != "cancelled":
                tally.problem("lost_updates", f"{what}: order {order_id} cancelled twice is {status}")
        _, naming = holdings(store)
        check_stock(tally, what, store, product_id, RACE_STOCK, naming.get(product_id, []))
    tally.notes.append(f"stock races: {2 * scale} rounds: {dict(sorted(answered.items()))}")
    return made


# ---------------------------------------------------------------------------- cases under faults
@dataclass
class ReservingCreateCase(Case):
    """POST a keyed create of `RESERVED` units of its own product of `START` units (one TransactWriteItems
    writes the order and takes the units); settled as `CreateCase` is: sent again with its key."""

    api: Api
    store: Store
    label: str
    made: dict[str, str] = field(default_factory=dict)
    #: The route it sends to (the override's case sends to its own), and what its orders are called.
    path: ClassVar[str] = CREATE_PATH
    noun: ClassVar[str] = "create"

    def __post_init__(self) -> None:
        self.product_id = stocked(self.api, START)
        self.body = self.body_for(self.product_id)

    def body_for(self, product_id: str) -> dict[str, Any]:
        return order_of(product_id, RESERVED, self.label)

    def only(self, call: str) -> str | None:
        if call.endswith(IDEMPOTENCY):
            return idempotency_text(self.path, self.label)
        return self.product_id  # the products' BatchGetItem, the transaction's decrement

    def send(self) -> Answer:
        return self.api.call("POST", self.path.format(tenantId=TENANT), self.body, idempotency_key=self.label)

    def judge_answer(self, what: str, answer: Answer, tally: Tally) -> None:
        """What the answer of a 201 must also be (nothing more for a plain create)."""

    def judge_orders(self, what: str, final: Answer, orders: list[dict[str, Any]], tally: Tally) -> None:
        """What the stored orders must also be (nothing more for a plain create)."""

    def settle(self, first: Answer, what: str, tally: Tally, *, strict: bool) -> None:
        first_answer(tally, what, first, (201,), strict=strict)
        final = first if first[0] == 201 else until_settled(self.send)
        if final[0] != 201:
            tally.problem("lost_updates", f"{what}: the client's retry ended {final[0]} {final[1]}")
        elif first[0] == 201 and first[1]["id"] != final[1]["id"]:
            tally.problem("double_effects", f"{what}: the retry made another order")
        if final[0] == 201:
            self.made[self.label] = final[1]["id"]
            self.judge_answer(what, final, tally)
            replay = self.send()
            if replay[0] != 201 or replay[1]["id"] != final[1]["id"]:
                tally.problem("double_effects", f"{what}: the key's replay is {replay[0]} {replay[1]}")
        orders = self.store.with_memo(self.label)
        if len(orders) > 1:
            tally.problem("double_effects", f"{what}: {len(orders)} orders of one keyed {self.noun}")
        self.judge_orders(what, final, orders, tally)
        check_stock(tally, what, self.store, self.product_id, START, orders)


@dataclass
class ReleasingCancelCase(Case):
    """POST a keyed cancel of an order holding `HELD` units of its own product (of `START`): every
    unit (`partial` False), or one; the order and the increment in one TransactWriteItems."""

    api: Api
    store: Store
    label: str
    partial: bool = False
    made: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from harness.reliability.clients import new_order

        self.product_id = stocked(self.api, START)
        self.order_id = new_order(
            self.api, f"{self.label}-setup", self.made, order_of(self.product_id, HELD, self.label)
        )
        self.before = self.store.doc(self.order_id)
        units = 1 if self.partial else HELD
        self.delta = {"S1": (0, units)}
        self.body = (
            {"items": [{"order_line_item_id": "S1", "quantity": 1}], "reason": "harness"}
            if self.partial
            else None
        )

    def only(self, call: str) -> str | None:
        if call.endswith(IDEMPOTENCY):
            return idempotency_text(ACTION_PATHS["cancel"], self.label)
        if call == "BatchGetItem":
            return self.product_id
        return key_text(self.order_id)

    def send(self) -> Answer:
        return self.api.order_action("cancel", self.order_id, self.body, key=self.label)

    def settle(self, first: Answer, what: str, tally: Tally, *, strict: bool) -> None:
        first_answer(tally, what, first, (200,), strict=strict)
        final = first if first[0] == 200 else until_settled(self.send)
        if final[0] not in (200, *REFUSED_AS_DONE):
            tally.problem("lost_updates", f"{what}: the client's retry ended {final[0]} {final[1]}")
        after, _ = check_order(tally, what, self.store, self.order_id, self.before, self.delta)
        check_stock(tally, what, self.store, self.product_id, START, [after])
        if final[0] == 200:
            replay = self.send()
            if replay != final:
                tally.problem("double_effects", f"{what}: the key's replay is {replay[0]} {replay[1]}")


@dataclass
class ProductCase(Case):
    """PUT a product (no key; the GetItem of its bucket count and one TransactWriteItems of the product
    and its stock buckets, idempotent by nature), sent again until answered 200: it then reads as put,
    its stock the one sent."""

    api: Api
    label: str
    made: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.product_id = f"p-{uuid.uuid4().hex}"
        self.path = f"/orders/{TENANT}/catalogue/products/{PRODUCT_TYPE}/{self.product_id}"
        self.body = {"name": self.label[:200], "unit_price": PRICE, "currency_code": "USD", "stock": START}

    def only(self, call: str) -> str | None:
        return self.product_id

    def send(self) -> Answer:
        return self.api.call("PUT", self.path, self.body)

    def settle(self, first: Answer, what: str, tally: Tally, *, strict: bool) -> None:
        first_answer(tally, what, first, (200,), strict=strict)
        final = first if first[0] == 200 else until_settled(self.send)
        if final[0] != 200:
            tally.problem("lost_updates", f"{what}: the client's retry ended {final[0]} {final[1]}")
        status, product = self.api.call("GET", self.path)
        if status != 200 or (product.get("name"), product.get("stock_available")) != (
            self.body["name"],
            START,
        ):
            tally.problem("lost_updates", f"{what}: the product reads {status} {product}")


@dataclass
class GrantCase(Case):
    """POST a keyed credit grant to a customer of its own; settled by sending it again with its key
    while not answered 201: one credit, one number, the one every answer names, replayed by its key.
    `number_only`: its faults aim at the tenant's credit-number counter, which every grant's requests
    carry: such a case holds `_GRANT_SENDS` from when it is made ready (before its fault is planned) to
    when it is settled, and every other grant holds it while it sends or settles, so the fault meets
    the grant it was planned for."""

    api: Api
    label: str
    number_only: bool = False
    made: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.customer = f"c-{uuid.uuid4().hex}"
        self.body = {
            "customer_type": "contact",
            "customer_id": self.customer,
            "amount": "12.50",
            "currency_code": "USD",
        }
        if self.number_only:
            _GRANT_SENDS.acquire()  # released when settled (or when its send fails)

    def only(self, call: str) -> str | None:
        from orders_domain.storage import keys

        if call.endswith(IDEMPOTENCY):
            return idempotency_text(CREDITS_PATH, self.label)
        if self.number_only:
            return CREDIT_NUMBER
        return keys.credits_pk(TENANT, "contact", self.customer)

    def send(self) -> Answer:
        try:
            with _GRANT_SENDS:
                return self.api.call(
                    "POST", f"/orders/{TENANT}/credits", self.body, idempotency_key=self.label
                )
        except BaseException:
            if self.number_only:
                _GRANT_SENDS.release()
            raise

    def settle(self, first: Answer, what: str, tally: Tally, *, strict: bool) -> None:
        try:
            with _GRANT_SENDS:  # its retries too: a fault planned for another grant must meet that one
                self._settle(first, what, tally, strict=strict)
        finally:
            if self.number_only:
                _GRANT_SENDS.release()

    def _settle(self, first: Answer, what: str, tally: Tally, *, strict: bool) -> None:
        first_answer(tally, what, first, (201,), strict=strict)
        final = first if first[0] == 201 else until_settled(self.send)
        if final[0] != 201:
            tally.problem("lost_updates", f"{what}: the client's retry ended {final[0]} {final[1]}")
        status, listed = self.api.call("GET", f"/orders/{TENANT}/credits/contact/{self.customer}")
        if status != 200:
            raise SetupFailed(f"{what}: credits of {self.customer}: {status} {listed}")
        credits = listed["open_credits"]
        tally.found(what, credit_problems(credits, final[1] if final[0] == 201 else None))
        if first[0] == 201:
            tally.found(what, credit_problems(credits, first[1]))
        if final[0] == 201:
            replay = self.send()
            if replay[0] != 201 or replay[1] != final[1]:
                tally.problem("double_effects", f"{what}: the key's replay is {replay[0]} {replay[1]}")


def stock_invariants(store: Store, tally: Tally) -> int:
    """Every product the run gave stock to (`STOCKED`) against every order stored: its stock plus the
    units the orders hold of it is its start, each line holding what stands of it. The products checked."""
    held, naming = holdings(store)
    for product_id, start in sorted(STOCKED.items()):
        what = f"stock of {product_id}"
        tally.found(what, stock_problems(start, stock_of(store, product_id), held.get(product_id, 0)))
    for orders in naming.values():
        for order in orders:
            tally.found(f"order {order.get('id')}", holding_problems(order))
    return len(STOCKED)


#: The calls of a keyed create that reserves stock: the idempotency record's PutItem and UpdateItem,
#: the products' (and settings') BatchGetItem, and one TransactWriteItems of the order and the decrement.
RESERVING_CALLS = (f"PutItem{IDEMPOTENCY}", "BatchGetItem", "TransactWriteItems", f"UpdateItem{IDEMPOTENCY}")
RESERVING_WRITES = (f"PutItem{IDEMPOTENCY}", "TransactWriteItems", f"UpdateItem{IDEMPOTENCY}")
#: The calls of a keyed cancel that gives stock back: the order's read, the record's writes, the
#: products' consistent BatchGetItem, one TransactWriteItems of the order and the increment.
RELEASING_CALLS = (
    "GetItem",
    f"PutItem{IDEMPOTENCY}",
    "BatchGetItem",
    "TransactWriteItems",
    f"UpdateItem{IDEMPOTENCY}",
)
RELEASING_WRITES = (f"PutItem{IDEMPOTENCY}", "TransactWriteItems", f"UpdateItem{IDEMPOTENCY}")
#: The calls of a keyed grant beside its number: the record's writes, the credit's GetItem and PutItem.
GRANT_CALLS = (f"PutItem{IDEMPOTENCY}", "GetItem", "PutItem", f"UpdateItem{IDEMPOTENCY}")
GRANT_WRITES = (f"PutItem{IDEMPOTENCY}", "PutItem", f"UpdateItem{IDEMPOTENCY}")


#: The catalogue's routes under faults, each its DynamoDB calls and a maker of one request
#: (`MUTATIONS`, in harness/reliability/routes.py, assembles every family's table).
ROUTES: dict[str, Route] = {
    "create_reserving": Route(
        RESERVING_WRITES, RESERVING_CALLS, lambda a, s, label: ReservingCreateCase(a, s, label)
    ),
    "cancel_releasing": Route(
        RELEASING_WRITES, RELEASING_CALLS, lambda a, s, label: ReleasingCancelCase(a, s, label)
    ),
    "cancel_releasing_partial": Route(
        RELEASING_WRITES, RELEASING_CALLS, lambda a, s, label: ReleasingCancelCase(a, s, label, partial=True)
    ),
    # issue 33: the product's bucket count read, then the product and its stock buckets in one transaction
    "catalogue_product": Route(
        ("TransactWriteItems",), ("GetItem", "TransactWriteItems"), lambda a, s, label: ProductCase(a, label)
    ),
    "grant_credit": Route(GRANT_WRITES, GRANT_CALLS, lambda a, s, label: GrantCase(a, label)),
    "grant_credit_number": Route(
        ("UpdateItem",), ("UpdateItem",), lambda a, s, label: GrantCase(a, label, number_only=True)
    ),
}
