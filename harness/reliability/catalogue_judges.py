"""The judges of the catalogue's stock and credits (pure; harness/reliability/catalogue.py runs them):
a product's stock against the units orders hold of it (`stock_problems`: never lost, never counted
twice), an order's lines against the units they hold (`holding_problems`), a keyed grant's credits
(`credit_problems`: one credit, one number, the one answered) and a stock race's first wave
(`race_problems`: as many orders as units, every other create `sold_out`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from harness.reliability.core import Problem

#: The product type of every product the run stocks (the orders' lines name it).
PRODUCT_TYPE = "rel"


def stock_problems(start: int, stock: int | None, held: int) -> list[Problem]:
    """A product's stock against what the orders hold of it: `stock + held == start`. Less is units
    lost (taken and held by no order, or a release lost), more is units counted twice (given back
    twice, or held without being taken); a negative or missing stock is oversold or lost."""
    if stock is None:
        return [("partial_writes", f"the product has no stock left to count (start {start}, {held} held)")]
    problems: list[Problem] = []
    if stock < 0:
        problems.append(("double_effects", f"the stock is {stock}: oversold"))
    if stock + held < start:
        problems.append(
            ("lost_updates", f"stock {stock} + {held} held = {stock + held} < {start}: units lost")
        )
    elif stock + held > start:
        problems.append(
            ("double_effects", f"stock {stock} + {held} held = {stock + held} > {start}: units counted twice")
        )
    return problems


def holding(order: Mapping[str, Any], product_id: str) -> int:
    """The units an order (its JSON or model dump) holds of the product: its lines' `stock_reserved`."""
    return sum(
        int(line.get("stock_reserved") or 0)
        for line in order.get("line_items") or []
        if line.get("product_type") == PRODUCT_TYPE and line.get("product_id") == product_id
    )


def holding_problems(order: Mapping[str, Any]) -> list[Problem]:
    """Each line holding stock holds exactly its units still standing (not cancelled; not refunded
    either where the line gives stock back on refund): else the order and the stock disagree."""
    problems: list[Problem] = []
    for line in order.get("line_items") or []:
        if line.get("stock_reserved") is None:
            continue
        gone = int(line.get("quantity_cancelled") or 0)
        if line.get("release_stock_on_refund"):
            gone += int(line.get("quantity_returned") or 0)
        standing = max(0, int(line["quantity"]) - gone)
        if int(line["stock_reserved"]) != standing:
            kind = "double_effects" if int(line["stock_reserved"]) < standing else "partial_writes"
            problems.append(
                (
                    kind,
                    f"line {line.get('order_line_item_id')}: holds {line['stock_reserved']} units, "
                    f"{standing} stand",
                )
            )
    return problems


def credit_problems(
    credits: Sequence[Mapping[str, Any]], answered: Mapping[str, Any] | None
) -> list[Problem]:
    """A keyed grant, settled: the customer has exactly one credit, with a number, and the answer
    (None: the client never got a 201) names that credit and that number."""
    if len(credits) != 1:
        kind = "double_effects" if credits else "lost_updates"
        return [
            (kind, f"the customer has {len(credits)} credits, not 1: {[c.get('number') for c in credits]}")
        ]
    credit = credits[0]
    problems: list[Problem] = []
    if not isinstance(credit.get("number"), int | Decimal) or int(credit["number"]) < 1:
        problems.append(("partial_writes", f"the credit has no number: {credit.get('number')}"))
    if answered is not None and (answered.get("id"), answered.get("number")) != (
        credit["id"],
        credit["number"],
    ):
        problems.append(
            (
                "double_effects",
                f"answered credit {answered.get('id')} number {answered.get('number')}, stored "
                f"{credit['id']} number {credit['number']}",
            )
        )
    return problems


@dataclass(frozen=True)
class RaceCall:
    """One request of a stock race, as its client saw it in the end."""

    kind: str  # "create" or "cancel"
    status: int
    code: str | None = None


def race_problems(calls: Sequence[RaceCall], stock: int, creates_possible: int) -> list[Problem]:
    """The first wave of a stock race: `creates_possible` creates made (201), every other one refused
    `sold_out` (409), the stock then 0 (conservation is `stock_problems`')."""
    problems: list[Problem] = []
    made = sum(1 for call in calls if call.status == 201)
    if made > creates_possible:
        problems.append(("double_effects", f"{made} orders made of {creates_possible} units: oversold"))
    elif made < creates_possible:
        problems.append(("lost_updates", f"{made} orders made, {creates_possible} units were there"))
    problems += [
        (
            "server_errors" if call.status >= 500 else "lost_updates",
            f"a create answered {call.status} {call.code}",
        )
        for call in calls
        if call.status != 201 and (call.status, call.code) != (409, "sold_out")
    ]
    if made == creates_possible and stock != 0:
        problems.append(("lost_updates", f"every unit sold, yet the stock is {stock}"))
    return problems
