"""`make bench`: what a request costs. Writes bench-results.json and prints a table.

Everything runs against DynamoDB Local in its own process (started here; never moto), with the
functions' real handlers and the events in events/. What it proves, section by section of the JSON,
and where each part lives in harness/bench/:

- `cold_start` (`cold_starts.py`): per function, its cold start as Lambda runs it from `sam build`'s
  output, against the floor of the same moment (a fresh process that imports boto3 and makes a
  client); a native route's cold start must not load the distribution dialect's XML parser.
- `operations`: per route, the handler's self-time p50/p99 in microseconds (its thread's CPU time
  less its CPU inside DynamoDB client calls), the DynamoDB calls by API name and RRU/WRU from the
  real items (`core.py`: `Bench`, `Recorder`, `measure`). The routes come in one module per route
  family, assembled in `families.py`: `orders.py` (create, preview, get by id, by token, with
  fields=, history, `?asOf=`), `search.py` (the list page, search, customer and coupon lookups),
  `changes.py` (PATCH, PUT, DELETE, batch), `fulfilment.py` (fulfil, cancel, void, close, the
  fulfillments, will-call), `refunds.py` (refunds and reasons), `dialects.py` (the theatre and
  distribution dialects, JSON and XML), `catalogue.py` (the create reserving stock, the catalogue
  function's products, shipping products, settings, credits and describe, and the create_order
  function's availability, price, eligibility, override and override preview), and the warm authorizer
  (`families.py`). `FULFIL_CALLS`, `REFUND_CALLS`, `DIALECT_CALLS` and `CATALOGUE_CALLS` are the
  DynamoDB calls each makes (check_shape holds a run to them).
- `stream` (`stream.py`): the order_stream function on batches of 100 records, new and replayed.
- `scaling` (`runner.py`): create self-time by lines; the cost of a first page by the tenant's size
  (`search.py`); what importing the XML path takes (`cold_starts.py`).
- `cost_per_million` (`costs.py`): dollars per million requests at the on-demand list prices in
  `PRICES`.
- `package_bytes` (`cold_starts.py`): the built layer and functions (`sam build` output in
  .aws-sam/build).

`runner.py` runs the sections (`run`), `results.py` holds the JSON to its shape (`check_shape`) and
prints the table and the budgets, `__main__.py` is the command (`python -m harness.bench [--quick]`).

How a new operation joins:
1. A route of an existing family: one line (name, function, event maker) in its module's routes
   function (`order_routes`, `search_routes`, `change_routes`, `fulfil_routes`, `refund_routes`,
   `dialect_routes`), after making what it reads; where the family holds its calls (`FULFIL_CALLS`,
   `REFUND_CALLS`, `DIALECT_CALLS`), its DynamoDB calls there too (check_shape then requires the
   route and holds a run to its calls).
2. A new family: add one module here (its events, what its routes read, a `<family>_routes(bench)`
   returning them and `FAMILY = Family(<family>_routes, operations, calls)`, as refunds.py does),
   and register it in `families.GROUPS` (one line, in the last group, before the authorizer: its
   orders are made after the earlier routes are measured, so their figures stay as they were).
3. A new function: its native route's event in `cold_starts.COLD_START_EVENTS` (check_shape
   requires a cold start of every entry); a route priced in the JSON: `costs.COSTS` and
   `cost_per_million` (their keys are fixed).

`--quick` runs few iterations (CI checks the JSON only; timings vary from machine to machine and are
never asserted).
"""

from harness.bench import (
    changes,
    cold_starts,
    core,
    costs,
    dialects,
    families,
    fulfilment,
    orders,
    refunds,
    results,
    runner,
    search,
    stream,
)
from harness.bench.changes import CHANGE_OPERATIONS
from harness.bench.cold_starts import (
    _CHILD,
    COLD_START_EVENTS,
    COLD_START_FUNCTIONS,
    XML_COLD_STARTS,
    XML_PARSER,
    xml_path_problem,
)
from harness.bench.core import (
    EVENT_KEY,
    EVENTS,
    ROOT,
    TENANT,
    Bench,
    Call,
    Family,
    Recorder,
    Route,
    Sample,
    measure,
    percentile,
    refuse_failure,
    written_keys,
)
from harness.bench.costs import COSTS, PRICES, cost_per_million, route_cost
from harness.bench.dialects import (
    DIALECT_CALLS,
    DIALECT_OPERATIONS,
    DIALECT_ROUTES,
    DISTRIBUTION_CANCEL_BODY,
    JSON,
    THEATRE_REFUND_BODY,
    XML,
    dialect_costs,
    dialect_event,
    dialect_routes,
    order_number,
    place_body,
    place_xml,
)
from harness.bench.families import FAMILIES, GROUPS, operations
from harness.bench.fulfilment import (
    CANCELS,
    FULFIL,
    FULFIL_CALLS,
    FULFIL_OPERATIONS,
    FULFIL_TENANT,
    FULFILLMENT,
    WRITE_SHARDS,
    cancel_event,
    fulfil_event,
    fulfil_routes,
    fulfillment_event,
    fulfillments_event,
    partial_cancel_body,
    partial_fulfil_body,
    tracking_patch,
)
from harness.bench.orders import create_event, history_event, new_order, next_version, order_body
from harness.bench.refunds import (
    OWN_REASONS,
    REFUND,
    REFUND_CALLS,
    REFUND_OPERATIONS,
    REFUND_REASON,
    REFUND_REASONS,
    FulfilledOrders,
    reason_body,
    reasons_event,
    refund_event,
    refund_routes,
)
from harness.bench.results import (
    CPU_TOP,
    SHAPE,
    budgets,
    call_shape_problem,
    check_shape,
    cpu_top_routes,
    print_table,
)
from harness.bench.runner import _index_keys, _key_names, run, scaling
from harness.bench.search import (
    COUPON,
    COUPON_PARAMS,
    CUSTOMER,
    CUSTOMER_PARAMS,
    LIST,
    PAGE_COST_KEYS,
    PAGE_COSTS,
    PAGES_TENANT,
    SEARCH,
    SEARCH_FILTERS,
    SEARCH_OPERATIONS,
    page_figures,
    page_query,
    search_event,
    search_tenant,
    template_orders,
    write_orders,
)
from harness.bench.stream import calls_per_change, offline_events_client, order_changes

__all__ = [
    "CANCELS",
    "CHANGE_OPERATIONS",
    "COLD_START_EVENTS",
    "COLD_START_FUNCTIONS",
    "COSTS",
    "COUPON",
    "COUPON_PARAMS",
    "CPU_TOP",
    "CUSTOMER",
    "CUSTOMER_PARAMS",
    "DIALECT_CALLS",
    "DIALECT_OPERATIONS",
    "DIALECT_ROUTES",
    "DISTRIBUTION_CANCEL_BODY",
    "EVENTS",
    "EVENT_KEY",
    "FAMILIES",
    "FULFIL",
    "FULFILLMENT",
    "FULFIL_CALLS",
    "FULFIL_OPERATIONS",
    "FULFIL_TENANT",
    "GROUPS",
    "JSON",
    "LIST",
    "OWN_REASONS",
    "PAGES_TENANT",
    "PAGE_COSTS",
    "PAGE_COST_KEYS",
    "PRICES",
    "REFUND",
    "REFUND_CALLS",
    "REFUND_OPERATIONS",
    "REFUND_REASON",
    "REFUND_REASONS",
    "ROOT",
    "SEARCH",
    "SEARCH_FILTERS",
    "SEARCH_OPERATIONS",
    "SHAPE",
    "TENANT",
    "THEATRE_REFUND_BODY",
    "WRITE_SHARDS",
    "XML",
    "XML_COLD_STARTS",
    "XML_PARSER",
    "_CHILD",
    "Bench",
    "Call",
    "Family",
    "FulfilledOrders",
    "Recorder",
    "Route",
    "Sample",
    "_index_keys",
    "_key_names",
    "budgets",
    "call_shape_problem",
    "calls_per_change",
    "cancel_event",
    "changes",
    "check_shape",
    "cold_starts",
    "core",
    "cost_per_million",
    "costs",
    "cpu_top_routes",
    "create_event",
    "dialect_costs",
    "dialect_event",
    "dialect_routes",
    "dialects",
    "families",
    "fulfil_event",
    "fulfil_routes",
    "fulfillment_event",
    "fulfillments_event",
    "fulfilment",
    "history_event",
    "measure",
    "new_order",
    "next_version",
    "offline_events_client",
    "operations",
    "order_body",
    "order_changes",
    "order_number",
    "orders",
    "page_figures",
    "page_query",
    "partial_cancel_body",
    "partial_fulfil_body",
    "percentile",
    "place_body",
    "place_xml",
    "print_table",
    "reason_body",
    "reasons_event",
    "refund_event",
    "refund_routes",
    "refunds",
    "refuse_failure",
    "results",
    "route_cost",
    "run",
    "runner",
    "scaling",
    "search",
    "search_event",
    "search_tenant",
    "stream",
    "template_orders",
    "tracking_patch",
    "write_orders",
    "written_keys",
    "xml_path_problem",
]
