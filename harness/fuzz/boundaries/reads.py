"""The reads family, last: every read of the edge tenant answers 200 after all the other families
stored (its list and searches, the fixture orders, and every GET of the document: lookups,
fulfillments, history, the dialects' reads, the distribution's as XML too)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from harness.fuzz.boundaries.cases import (
    ANSWERED,
    TENANT_READS,
    XML_ACCEPT,
    Bounds,
    Case,
    Counter,
    Expect,
    ref,
)
from harness.fuzz.boundaries.routes import DIST_ONE, ONE_ORDER, ORDER_ROUTE, SEARCH, default_params
from harness.fuzz.boundaries.schema import operations, parameters
from harness.fuzz.boundaries.table import cases_of

#: GETs whose fixture is not the open order (issue 32): the theatre's payment 1 and pass of line 2 (a
#: ticket: not shipped) exist once an order is fulfilled and paid: the fulfilled fixture's.
READ_TARGETS: dict[str, tuple[str, dict[str, str]]] = {
    "/v3/orders/{id}/payments/{paymentNumber}": ("fulfilled_order", {}),
    "/v3/orders/{id}/products/{lineNumber}/passbook": ("fulfilled_order", {"lineNumber": "2"}),
}


@cases_of("reads", 10)
def reads(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """Last: every read of the tenant answers 200 after all that was stored (lists, searches,
    lookups, fulfillments, the fixtures, history, XML)."""
    del bounds, counter
    cases = []
    for read in TENANT_READS:
        if read.method == "GET":
            cases.append(
                Case(
                    "reads",
                    "the list",
                    "GET",
                    ORDER_ROUTE,
                    query=(("limit", "100"),),
                    expect=Expect(ANSWERED),
                )
            )
        else:
            name = f"search {json.dumps(read.body)}"
            cases.append(Case("reads", name, *SEARCH, body=read.body, expect=Expect(ANSWERED)))
    for fixture in ("open", "scratch", "fulfilled_order", "spare", "keyed"):
        cases.append(
            Case(
                "reads",
                f"the {fixture} order",
                "GET",
                ONE_ORDER,
                params={"id": ref(fixture)},
                query=(("consistentRead", "true"),),
                expect=Expect(ANSWERED),
            )
        )
    explicit = {("GET", ONE_ORDER), ("GET", ORDER_ROUTE)}
    for method, route in operations(document):
        if method != "GET" or (method, route) in explicit:
            continue
        target, extra = READ_TARGETS.get(route, ("open", {}))
        params = {**default_params(route, target), **extra}
        query: tuple[tuple[str, str], ...] = ()
        if any(p.get("name") == "limit" for p in parameters(document, method, route, "query")):
            query = (("limit", "100"),)
        cases.append(Case("reads", "after the boundary cases", method, route, params=params, query=query))
        if route == DIST_ONE:
            cases.append(
                Case(
                    "reads",
                    "after the boundary cases, as XML",
                    method,
                    route,
                    params=params,
                    headers=XML_ACCEPT,
                )
            )
    return [
        replace(c, expect=replace(c.expect, statuses=ANSWERED, xml=bool(c.headers)), quick=True)
        for c in cases
    ]
