"""The operator console's requests (issue 35; `operations`, `CONSOLE_OPERATIONS`): the console
function's page and script (`events/console.json`: no key, no authorizer), the key it asks about
first (`GET /keys/current`, get_order: the authorizer's context, no DynamoDB call), and the list pages
it reads: the order list as the console asks it (`CONSOLE_LIST_FIELDS`, every one a list row's: the
page is answered from the rows, no order read) and the chart's page (`CHART_FIELDS`, 100 rows). They
read the search family's tenant, so this family is set up after it.

What a typical look costs (`cost_per_million`'s `console_look`: one list page, one order, one history
page) is priced from these and the orders family's `get` and `history_page`.
"""

from __future__ import annotations

from typing import Any

from harness.bench.core import Family, Route, event
from harness.bench.search import LIST, search_event

#: What the console's list and chart ask of the list route (each a list row's field: see
#: models.orders.SUMMARY_FIELDS): find.js's LIST_FIELDS and chart.js's (the bench's tests hold them equal).
CONSOLE_LIST_FIELDS = (
    "number,date,status,total,currency_code,purchase_order_number,bill_to_type,bill_to_contact_id,"
    "bill_to_organization_id"
)
CHART_FIELDS = "date,total,currency_code"
CONSOLE_PAGE = 25
CHART_PAGE = 100
#: The console's script module (functions/console/static/).
SCRIPT = "console.js"
#: The routes and their DynamoDB calls: the page, its script and the key: none; a list page from
#: the rows is the summary view's Queries alone.
CONSOLE_CALLS: dict[str, dict[str, tuple[int, int]]] = {
    "console_page": {},
    "console_script": {},
    "keys_current": {},
    "console_list_page": {"Query": (32, 64)},
    "console_chart_page": {"Query": (32, 128)},
}
CONSOLE_OPERATIONS = tuple(CONSOLE_CALLS)


def page_event(asset: str | None = None) -> dict[str, Any]:
    """`GET /console` (the page), or `GET /console/{asset}`."""
    got = event("console.json")
    if asset is not None:
        got["resource"] = got["requestContext"]["resourcePath"] = "/console/{asset}"
        got["path"] = f"/console/{asset}"
        got["requestContext"]["path"] = f"/v1/console/{asset}"
        got["pathParameters"] = {"asset": asset}
    return got


def list_event(limit: int, fields: str) -> dict[str, Any]:
    return search_event("GET", LIST, query={"limit": str(limit), "fields": fields})


def console_routes(_bench: Any) -> list[Route]:
    return [
        ("console_page", "console", page_event),
        ("console_script", "console", lambda: page_event(SCRIPT)),
        ("keys_current", "get_order", lambda: event("keys_current.json")),
        ("console_list_page", "search_orders", lambda: list_event(CONSOLE_PAGE, CONSOLE_LIST_FIELDS)),
        ("console_chart_page", "search_orders", lambda: list_event(CHART_PAGE, CHART_FIELDS)),
    ]


FAMILY = Family(console_routes, CONSOLE_OPERATIONS, CONSOLE_CALLS)
