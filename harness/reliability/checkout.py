"""The admin's override create (issue 31, `POST /orders/{tenantId}/override`) under lost responses and
injected faults.

A keyed override of an order of `ORDERED` (1) unit of its own product of `catalogue.START` (5) units,
its line's quantity overridden to `OVERRIDE_QUANTITY` (2) and its unit price to `OVERRIDE_UNIT_PRICE`:
the stock follows the overridden quantity, so the create takes 2 units in its own TransactWriteItems.
Its DynamoDB calls are the reserving create's (the idempotency record's PutItem and UpdateItem, the
products' BatchGetItem, the TransactWriteItems of the order and the decrement). The careful client
sends it again with its key while told "again later"; then there must be exactly one order (its memo,
by Scan), the one every 201 named and the key replays; its stock taken once (`check_stock`: the
product's stock plus the units the order holds is its start, the line holding its 2 standing units);
and its override recorded once (`override_problems`: the order's `override` names the line once, with
the client's original figures and the admin's, and the line carries the admin's quantity and price —
an override applied twice would record the overridden figures as the original ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from harness.reliability.cases import Route
from harness.reliability.catalogue import (
    PRICE,
    RESERVING_CALLS,
    RESERVING_WRITES,
    ReservingCreateCase,
    order_of,
)
from harness.reliability.core import Answer, Problem, Tally

OVERRIDE_PATH = "/orders/{tenantId}/override"
#: The units the client's order asks, and what the admin sets: quantity (the units taken) and price.
ORDERED = 1
OVERRIDE_QUANTITY = 2
OVERRIDE_UNIT_PRICE = "7.50"
#: The line the override names (`catalogue.order_of`'s).
LINE = "S1"


def override_body(product_id: str, memo: str) -> dict[str, Any]:
    """An order of `ORDERED` unit of the product, its line overridden to `OVERRIDE_QUANTITY` units at
    `OVERRIDE_UNIT_PRICE` (pure)."""
    line = {
        "order_line_item_id": LINE,
        "override_unit_price": OVERRIDE_UNIT_PRICE,
        "override_quantity": OVERRIDE_QUANTITY,
    }
    return {"order": order_of(product_id, ORDERED, memo), "override_manifest": {"line_items": [line]}}


def override_problems(order: Mapping[str, Any]) -> list[Problem]:
    """The order (its JSON, stored or answered) records the admin's override once: `override.lines`
    names `LINE` once, its original figures the client's (`ORDERED` units at `PRICE`) and its
    overridden ones the admin's, and the line carries the admin's quantity and unit price (pure)."""
    recorded = order.get("override")
    if not isinstance(recorded, Mapping):
        return [("partial_writes", f"order {order.get('id')} has no override recorded")]
    problems: list[Problem] = []
    lines = [entry for entry in recorded.get("lines") or [] if entry.get("order_line_item_id") == LINE]
    if len(lines) != 1 or len(recorded.get("lines") or []) != 1:
        what = f"the override records {recorded.get('lines')}, not line {LINE} once"
        problems.append(("double_effects", what))
    for entry in lines[:1]:
        figures = (
            int(entry.get("original_quantity") or 0),
            _money(entry.get("original_unit_price")),
            int(entry.get("override_quantity") or 0),
            _money(entry.get("override_unit_price")),
        )
        wanted = (ORDERED, Decimal(PRICE), OVERRIDE_QUANTITY, Decimal(OVERRIDE_UNIT_PRICE))
        if figures != wanted:
            # the originals being the overridden figures: the override applied over itself
            problems.append(("double_effects", f"the override records {figures}, not {wanted}"))
    line = next((li for li in order.get("line_items") or [] if li.get("order_line_item_id") == LINE), None)
    if line is None:
        problems.append(("partial_writes", f"order {order.get('id')} has no line {LINE}"))
    elif (int(line.get("quantity") or 0), _money(line.get("unit_price"))) != (
        OVERRIDE_QUANTITY,
        Decimal(OVERRIDE_UNIT_PRICE),
    ):
        what = f"line {LINE} is {line.get('quantity')} at {line.get('unit_price')}, not overridden"
        problems.append(("partial_writes", what))
    return problems


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@dataclass
class OverrideCreateCase(ReservingCreateCase):
    """POST a keyed override create (`override_body`) of its own product of `START` units; settled as
    the reserving create is: sent again with its key while not answered 201 (the module's docstring),
    its answer and its stored order also holding the override once (`override_problems`)."""

    path: ClassVar[str] = OVERRIDE_PATH
    noun: ClassVar[str] = "override"

    def body_for(self, product_id: str) -> dict[str, Any]:
        return override_body(product_id, self.label)

    def judge_answer(self, what: str, answer: Answer, tally: Tally) -> None:
        tally.found(f"{what}: the answer", override_problems(answer[1]))

    def judge_orders(self, what: str, final: Answer, orders: list[dict[str, Any]], tally: Tally) -> None:
        if not orders and final[0] == 201:
            tally.problem("lost_updates", f"{what}: answered 201 {final[1]['id']}, and no order is stored")
        for order in orders:
            tally.found(f"{what}: order {order.get('id')}", override_problems(order))


#: The override's routes under faults (`MUTATIONS`, in harness/reliability/routes.py): its calls are
#: the reserving create's.
ROUTES: dict[str, Route] = {
    "override_create": Route(
        RESERVING_WRITES, RESERVING_CALLS, lambda a, s, label: OverrideCreateCase(a, s, label)
    ),
}
