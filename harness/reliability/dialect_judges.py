"""The judges of the distribution dialect's place: the body of a place, the order its
order_number names (`number_id`, which the invariant checker also applies), the stored orders of one
number against the place that made them (`placed_problems`) and a place storm
(`place_storm_problems`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.reliability.core import TENANT, Problem
from harness.reliability.refunds import _number, is_refund_line


def place_body(number: str, customer: str = "Harness Customer", units: int = 2) -> dict[str, Any]:
    """`POST /distribution/orders`: two offers (the first of `units` units), priced (`price`, ours)."""
    return {
        "order": {
            "order_number": number,
            "customer_name": customer,
            "items": [
                {"offer_id": "deal-1", "quantity": units, "price": "13.75"},
                {"offer_id": "deal-2", "quantity": 1, "price": "9.99"},
            ],
        }
    }


def number_id(order_number: str) -> str:
    """The id of TENANT's order of this distribution order_number (services.common derives it)."""
    from orders_domain.services.common import order_id_for_number

    return order_id_for_number(TENANT, order_number)


def answered_id(answer: Any) -> str | None:
    """The order id a distribution answer names (`{"order": {"id"}}`, JSON or XML read back)."""
    order = answer.get("order") if isinstance(answer, Mapping) else None
    return str(order["id"]) if isinstance(order, Mapping) and order.get("id") else None


def placed_problems(stored: Sequence[Mapping[str, Any]], body: Mapping[str, Any]) -> list[Problem]:
    """The stored orders of one distribution order_number against the place that made them: exactly one
    (none is a lost update, more a double effect), whose id derives from the number, holding what was
    sent (the customer; each offer as a line of its units at its price; else a partial write)."""
    placed = body["order"]
    number = str(placed["order_number"])
    if not stored:
        return [("lost_updates", f"order_number {number}: no order stored")]
    if len(stored) > 1:
        return [
            ("double_effects", f"order_number {number}: {len(stored)} orders {[d['id'] for d in stored]}")
        ]
    doc, problems = stored[0], []
    if doc["id"] != number_id(number):
        problems.append(
            (
                "partial_writes",
                f"order_number {number}: stored as {doc['id']}, its number names {number_id(number)}",
            )
        )
    if doc.get("ship_to_name") != placed["customer_name"]:
        problems.append(
            (
                "partial_writes",
                f"order_number {number}: customer {doc.get('ship_to_name')!r}, "
                f"sent {placed['customer_name']!r}",
            )
        )
    lines = [
        (str(li.get("sku")), int(li["quantity"]), _number(li.get("unit_price")))
        for li in doc.get("line_items") or []
        if not is_refund_line(li)
    ]
    sent = [(str(i["offer_id"]), int(i["quantity"]), _number(i.get("price"))) for i in placed["items"]]
    if lines != sent:
        problems.append(("partial_writes", f"order_number {number}: lines {lines}, sent {sent}"))
    return problems


@dataclass(frozen=True)
class PlaceCall:
    """One place of a place storm, as its client saw it in the end."""

    #: Which of the storm's bodies it sent, and in which media type (both ways).
    body: str
    media: str
    status: int
    #: The order a 201 named, whether it said `Idempotent-Replayed: true`, a refusal's `code`.
    order_id: str | None = None
    replayed: bool = False
    code: str | None = None


#: The refusal of an order_number that names another order (a place with another body).
NUMBER_TAKEN = "order_number_taken"


def place_storm_problems(
    number: str,
    calls: Sequence[PlaceCall],
    stored: Sequence[Mapping[str, Any]],
    bodies: Mapping[str, Mapping[str, Any]],
) -> list[Problem]:
    """Places of one order_number at once, each settled as a client settles it: the bodies accepted
    (201) are one (two is a double effect; none a lost update), every place of it answered 201 with
    the order its number names (one of them made it: more than one not replayed is a double effect),
    every place of another body refused 409 `order_number_taken` (a 201 is a double effect, anything
    else a lost update; a "retry later" the client was left with, too), never a 5xx; the one stored
    order holds the accepted body (`placed_problems`)."""
    problems: list[Problem] = []
    accepted = sorted({call.body for call in calls if call.status == 201})
    if len(accepted) > 1:
        problems.append(("double_effects", f"order_number {number}: bodies {accepted} all answered 201"))
    elif not accepted:
        problems.append(("lost_updates", f"order_number {number}: no place answered 201"))
    winner = accepted[0] if len(accepted) == 1 else None
    for call in calls:
        if call.status >= 500:
            problems.append(
                ("server_errors", f"a place of body {call.body} ({call.media}) answered {call.status}")
            )
        elif call.body == winner and (call.status != 201 or call.order_id != number_id(number)):
            problems.append(
                (
                    "lost_updates",
                    f"a place of the accepted body {call.body} ({call.media}) answered {call.status} "
                    f"{call.code or call.order_id}",
                )
            )
        elif winner is not None and call.body != winner and (call.status, call.code) != (409, NUMBER_TAKEN):
            kind = "double_effects" if call.status == 201 else "lost_updates"
            problems.append(
                (
                    kind,
                    f"a place of another body {call.body} ({call.media}) answered {call.status} {call.code}",
                )
            )
    made = [call for call in calls if call.status == 201 and not call.replayed]
    if len(made) > 1:
        problems.append(
            ("double_effects", f"order_number {number}: {len(made)} answers say they made the order")
        )
    if winner is not None:
        problems += placed_problems(stored, bodies[winner])
    elif len(stored) > 1:
        problems.append(("double_effects", f"order_number {number}: {len(stored)} orders stored"))
    return problems
