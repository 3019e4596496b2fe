"""The search_orders routes (`operations`): `list_page`, `search`, `customer_lookup`,
`coupon_lookup` (whole orders: the index page, then the page's orders by key), reading a tenant of
`SEARCH_ORDERS` orders (written by key, their coupon usage rows
by the order_stream handler from the orders' INSERT records); and the page cost by tenant size
(`scaling`, `page_cost`): with 100 / 1,000 / 10,000 orders in a tenant, through the search_orders
handler, a list page (`GET /orders/{tenantId}?limit=25`, the scatter-gather read over every write
shard of the tenant-date index), a customer lookup page (the bill-to and ship-to partitions merged;
every order of that tenant is the customer's) and a search that no order matches (the tenant's list
read with a filter: its worst case, stopped at 500 examined rows), the list and the lookup also as
`view=summary` rows (no order read) — each one's latency, self-time, queries, RRU, index rows read and
rows answered.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from harness.bench.core import Bench, Family, Route, _admin_client, percentile, refuse_failure, route_event
from harness.bench.orders import order_body

#: The tenant the search_orders routes read in `operations`, and how many orders it holds.
SEARCH_TENANT = "tenant-search"
SEARCH_ORDERS = 200
#: The tenant of the page-cost figures.
PAGES_TENANT = "tenant-pages"
#: Orders in the tenant for the page-cost figures (the quick run stops at the second).
PAGE_SIZES = (100, 1_000, 10_000)
PAGE_LIMIT = 25
#: The search_orders routes the bench calls (resource templates).
LIST = "/orders/{tenantId}"
SEARCH = "/orders/{tenantId}/search"
CUSTOMER = "/orders/{tenantId}/customer/{customerType}/{customerId}"
COUPON = "/orders/{tenantId}/coupon/{couponType}/{couponId}"
#: The customer and coupon of `order_body` (every bench order has them).
CUSTOMER_PARAMS = {"customerType": "contact", "customerId": "contact-42"}
COUPON_PARAMS = {"couponType": "promo", "couponId": "c1"}
#: The search measured: a total range and a type list. In SEARCH_TENANT a quarter of the orders match
#: (`SEARCH_KINDS`); the page-cost tenant's orders have no type, so none does there (the worst case).
SEARCH_FILTERS: dict[str, Any] = {"total": ["20.00", "30.00"], "type": ["ticket"]}
#: SEARCH_TENANT's orders cycle through these (lines, type): a 1-line order totals 26.50.
SEARCH_KINDS = ((1, "ticket"), (1, "gift"), (3, "ticket"), (3, "gift"))
#: Keys of each size of each page-cost section of `scaling`.
PAGE_COST_KEYS = {"wall_us_p50", "self_us_p50", "queries", "rru", "rows_read", "rows"}
PAGE_COSTS = (
    "page_cost_by_orders",
    "page_cost_summary_by_orders",
    "customer_page_cost_by_orders",
    "customer_page_cost_summary_by_orders",
    "search_page_cost_by_orders",
)
#: The search_orders routes `operations` measures.
SEARCH_OPERATIONS = ("list_page", "search", "customer_lookup", "coupon_lookup")


def search_event(
    method: str,
    resource: str,
    params: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: Any | None = None,
    tenant: str = SEARCH_TENANT,
) -> dict[str, Any]:
    """A search_orders route's event as the authorizer passes it on, for `tenant`'s own key."""
    return route_event("search_orders.json", method, resource, params, query, body, tenant)


def page_query() -> dict[str, str]:
    return {"limit": str(PAGE_LIMIT)}


def summary_query() -> dict[str, str]:
    """A page of list rows alone (`view=summary`): no order read."""
    return {**page_query(), "view": "summary"}


def template_orders(tenant: str) -> dict[tuple[int, str | None], Any]:
    """Orders as the create service prices them (`order_body`: customer contact-42, coupon c1), by
    (lines, type), to copy under new ids, numbers and tokens (write_orders sets them)."""
    from orders_domain.models import OrderCreateRequest
    from orders_domain.services import Pricing

    pricing = Pricing()
    made = {}
    for lines, kind in [(1, None), *SEARCH_KINDS]:
        body = {**order_body(lines), **({"type": kind} if kind else {})}
        request = OrderCreateRequest.model_validate(body)
        made[(lines, kind)] = pricing.price(request, tenant_id=tenant, actor="bench")
    return made


def write_orders(bench: Bench, templates: list[Any], first: int, count: int) -> list[dict[str, Any]]:
    """Orders `first` to `count - 1` of a tenant (copies of `templates` in turn, a second apart, the
    last a second before the templates' creation), written by key; their items."""
    from orders_domain.storage.orders import OrderRecord

    admin = _admin_client(bench.endpoint)
    table = bench.tables["OrdersTable"]
    items = []
    for i in range(first, count):
        template = templates[i % len(templates)]
        created = template.sys_created_at.replace(microsecond=0) - timedelta(seconds=count - i)
        order = template.model_copy(
            update={
                "id": str(uuid.uuid4()),
                "number": i + 1,
                "token": uuid.uuid4().hex,
                "sys_created_at": created,
                "date": created.isoformat().replace("+00:00", "Z"),
            }
        )
        items.append(OrderRecord(order=order).to_item())
    for start in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        pending: dict[str, Any] = {table: batch}
        while pending:
            pending = admin.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    return items


def search_tenant(bench: Bench) -> None:
    """SEARCH_TENANT's orders (SEARCH_KINDS in turn), and their coupon usage rows, written by the
    order_stream handler from the orders' INSERT records as the stream would deliver them."""
    from local.stream_records import lambda_record, stream_event

    templates = template_orders(SEARCH_TENANT)
    items = write_orders(bench, [templates[kind] for kind in SEARCH_KINDS], 0, SEARCH_ORDERS)
    records = [lambda_record(None, item, 800_000 + n) for n, item in enumerate(items)]
    for start in range(0, len(records), 100):
        answer = bench.invoke("order_stream", stream_event(records[start : start + 100])).answer
        assert answer == {"batchItemFailures": []}, answer


def page_cost(bench: Bench, sizes: tuple[int, ...], runs: int) -> dict[str, dict[str, dict[str, Any]]]:
    """First pages through the search_orders handler with `n` orders in the tenant: the list (flat
    in n, its cost the shard fan-out), the customer lookup (two partitions) and a search no order
    matches (bounded by the rows a page examines)."""
    pages: dict[str, Callable[[], dict[str, Any]]] = {
        "page_cost_by_orders": lambda: search_event("GET", LIST, query=page_query(), tenant=PAGES_TENANT),
        "page_cost_summary_by_orders": lambda: search_event(
            "GET", LIST, query=summary_query(), tenant=PAGES_TENANT
        ),
        "customer_page_cost_by_orders": lambda: search_event(
            "GET", CUSTOMER, CUSTOMER_PARAMS, page_query(), tenant=PAGES_TENANT
        ),
        "customer_page_cost_summary_by_orders": lambda: search_event(
            "GET", CUSTOMER, CUSTOMER_PARAMS, summary_query(), tenant=PAGES_TENANT
        ),
        "search_page_cost_by_orders": lambda: search_event(
            "POST", SEARCH, query=page_query(), body=SEARCH_FILTERS, tenant=PAGES_TENANT
        ),
    }
    template = template_orders(PAGES_TENANT)[(1, None)]
    written = 0
    out: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in pages}
    for n in sizes:
        write_orders(bench, [template], written, n)
        written = n
        for name, make in pages.items():
            out[name][str(n)] = figures = page_figures(bench, name, make, max(5, runs // 10))
            if name != "search_page_cost_by_orders" and figures["rows"] != PAGE_LIMIT:
                raise SystemExit(f"{name} at {n} orders answered {figures['rows']} rows, not {PAGE_LIMIT}")
    return out


def page_figures(
    bench: Bench, name: str, make_event: Callable[[], dict[str, Any]], runs: int
) -> dict[str, Any]:
    """One page route's cost: wall and self-time p50, Query calls, RRU, index rows read, rows answered."""
    samples = []
    for _ in range(runs):
        sample = bench.invoke("search_orders", make_event())
        refuse_failure(name, sample.answer)
        samples.append(sample)
    last = samples[-1]
    queries = [c for c in last.calls if c.api == "Query"]
    return {
        "wall_us_p50": percentile([s.wall_ns for s in samples], 0.5) // 1000,
        "self_us_p50": percentile([s.self_ns for s in samples], 0.5) // 1000,
        "queries": len(queries),
        "rru": bench.capacity(last.calls)[0],
        "rows_read": sum(len((c.parsed or {}).get("Items") or []) for c in queries),
        "rows": json.loads(last.answer["body"])["Count"],
    }


def search_routes(bench: Bench) -> list[Route]:
    """The search_orders routes as `operations` measures them, after writing what they read
    (`search_tenant`)."""
    search_tenant(bench)
    return [
        ("list_page", "search_orders", lambda: search_event("GET", LIST, query=page_query())),
        (
            "search",
            "search_orders",
            lambda: search_event("POST", SEARCH, query=page_query(), body=SEARCH_FILTERS),
        ),
        (
            "customer_lookup",
            "search_orders",
            lambda: search_event("GET", CUSTOMER, CUSTOMER_PARAMS, page_query()),
        ),
        ("coupon_lookup", "search_orders", lambda: search_event("GET", COUPON, COUPON_PARAMS, page_query())),
    ]


FAMILY = Family(search_routes, SEARCH_OPERATIONS)
