"""Every route `operations` measures, as an assembly of the route families' lists.

Each family is a module here with its routes' events, what they read, and one `FAMILY` (core.Family:
a function making what its routes read and returning them as (name, function, event maker), the
operations check_shape requires, their DynamoDB calls); `GROUPS` lists the families, one line each.
"""

from __future__ import annotations

from typing import Any

from harness.bench import catalogue, changes, console, customer, dialects, fulfilment, orders, refunds, search
from harness.bench.core import Bench, Family, Route, event, measure


def authorizer_routes(_bench: Bench) -> list[Route]:
    """The authorizer, warm (the key cached): a request's share of every route's cost."""
    return [("authorizer_warm", "authorizer", lambda: event("authorizer.json"))]


#: The families in the order they are set up and measured, in two groups: the families of a group
#: make what their routes read, in turn, then the group's routes are measured. The fulfil, cancel,
#: refund and dialect routes' orders and fulfillments are made after the routes above them are
#: measured (their figures as before these routes joined); a new family joins the last group, before
#: the authorizer.
GROUPS: tuple[tuple[Family, ...], ...] = (
    (orders.FAMILY, search.FAMILY, changes.FAMILY),
    (
        fulfilment.FAMILY,
        refunds.FAMILY,
        dialects.FAMILY,
        catalogue.FAMILY,
        customer.FAMILY,
        console.FAMILY,
        Family(authorizer_routes),
    ),
)
FAMILIES = tuple(family for group in GROUPS for family in group)
#: The operations a run's results must hold, and the DynamoDB calls of those whose calls are held.
REQUIRED_OPERATIONS = tuple(name for family in FAMILIES for name in family.required)
OPERATION_CALLS = {name: calls for family in FAMILIES for name, calls in family.calls.items()}


def operations(bench: Bench, runs: int) -> dict[str, dict[str, Any]]:
    """Every route, as one line each of its family's list: (name, function, event maker)."""
    measured: dict[str, dict[str, Any]] = {}
    for group in GROUPS:
        routes = [route for family in group for route in family.routes(bench)]
        measured.update({name: measure(bench, name, function, make, runs) for name, function, make in routes})
    return measured
