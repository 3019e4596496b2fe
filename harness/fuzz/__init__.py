"""`make fuzz`: whether an attacker's tools can break the API. Writes security-results.json.

Starts the whole API as `make serve` runs it (the local gateway from template.yaml, the authorizer,
every function, DynamoDB Local in its own process) with two tenants, creates orders for both that
share one party, installment schedule, shipping status and coupon (`SHARED_ID`, `SHARED_COUPON`: if
isolation failed, A's lookups for them would answer B's orders), then:

- **schemathesis** against `/openapi.json`, sent to the gateway's own routes (`--url`): every
  operation, authenticated as tenant A on A's paths, checks `not_a_server_error`,
  `status_code_conformance`, `content_type_conformance`, `response_schema_conformance` and
  `negative_data_rejection`, stateful links where the document infers them; bounded by
  `--max-examples` per operation. An operation it did not test, or whose every valid request was
  answered 404 (never reached), fails the run.
- a **tenant sweep** generated from the same document (run first, on the orders as seeded:
  schemathesis may patch or delete A's): every operation with no key (401), with B's key on A's
  path (403), and with A's key on A's path but B's order ids and tokens (404) — and no answer may
  carry a byte of the other tenant's data (to A's key, B's order ids, tokens, fulfillment ids,
  tracking numbers and a marker in B's orders, fulfillments and refund reason; to B's key, A's;
  without a key, either's). Order-id routes are the paths under `/orders/{tenantId}/{id}` (and
  `/void/{id}`, `/close/{id}`) and the source dialects' (`DIALECT_ORDER_ID_ROUTES`); a path
  parameter of `OWNED_IDS` (`fulfillmentId`) names a row of one tenant: A's key asks for each of
  B's (404) and a GET for A's own (200); every other path parameter (a lookup's party, schedule,
  coupon or shipping status) is filled from `FOREIGN_VALUES`, the values B's orders share, and A's
  request must answer 200 with nothing of B's (an answer with no rows proves nothing: it is listed
  with the unexpected statuses). An
  operation with an `asOf` query asks for B's orders as they stood at a time B's history covers
  (404); one with an `after` page token pages A's order with B's token and with a token of another
  of A's orders (400), and B's order with B's token (400 or 404); one with an `exclusiveStartKey`
  page token asks for A's page with B's list page token, and (all but A's list itself) with A's
  list page token, a token of another query (400 both). The fulfillment list (its queries, and the
  seed's camelCase names for them) is asked with B's fulfillment ids as `starting_after` and
  `ending_before` cursors (400, with A's `order_id` too), for B's `order_id`, B's
  `tracking_number`s and B's `ids` (200 and no rows), for A's and B's `ids` together and for the
  `sku` and `tracking_company` both tenants' fulfillments share (`SHARED_QUERIES`: 200, A's rows
  only). B's orders, fulfillments, distribution order (as the distribution API shows it) and
  refund reasons (as the theatre API lists them), as B reads them, must be the same after the
  sweep and after schemathesis as before (a change is counted as a leak).
- the **source dialects** (issue 21: `/v3/...`, `/v1/...`, `/distribution/...`) name no tenant in
  the path, the key's own is used, so B's key on A's path does not apply; instead
  (`dialect_probes`): no key (401); B's key on A's order id and token (404); A's key on B's order
  id, token and distribution order (404), a distribution route again in XML both ways
  (`XML_HEADERS`) and with A's key in `DISTRIBUTION_KEY_HEADER` (404); a GET of A's own order by id
  and by token (200, so the 404s are not a route that finds nothing). `GET /v1/refund-reasons`
  as A lists A's reason of the shared name (`FOREIGN_VALUES["name"]`) and nothing of B's, whose
  reason of that name describes B's marker; as B, B's and nothing of A's. The distribution place:
  the seed places B's order under `DISTRIBUTION_NUMBER`, then A's under the same number, which must
  be A's own new order (201, not a replay, not B's: `placement_leaks`, counted as leaks); the sweep
  places B's order (number and body) as A, in JSON and XML, and A's as B (409: the number is each
  one's own already; a replay of the other's order would be a leak) and A's own again (201, A's).
  `GET /keys/current` (issue 35) names no tenant either: no key (401), A's key answers A's tenant and
  B's B's (each answer checked for the other tenant's data like every answer).

Distribution orders exist to fuzz: each tenant places one (`distribution_body`: the number both
share, the tenant's marker in its customer name, address and application id); its id and token join
the tenant's order ids and tokens (`distribution_ids` keeps the id).

Fulfillments exist to fuzz: each tenant gets a third order (`TO_FULFIL`: three units of one
line) fulfilled one unit at a time, twice (`<order id>.2` and `.3`, one unit left open), each
fulfillment with its own tracking number, the shared carrier and sku (`SHARED_QUERIES`), and the
tenant's marker in its `tracking_url` and `metadata`.

History exists to fuzz: each tenant's first order gets versions 2 and 3 (the repository's `replace`,
B's signed with B's marker), and the run's stream records go through the order_stream handler
(harness/stream_replay.py), so the coupon lookups read real usage rows; while schemathesis runs, the
stream poller `make serve` runs follows its writes (its patches get history within a fraction of a
second, as on AWS: an `asOf` between two versions is answered, not a 503).

schemathesis draws `id`, `after` and `asOf` from A's order ids, history tokens and moments of its
history part of the time (`DRAWN`), so the history route and the time-travel read reach real
history, not only 404s; `exclusiveStartKey` from A's list page tokens; the lookups' path parameters
(`FOREIGN_VALUES`; a lookup's `id` too) from the shared values, so they reach real rows; and
`fulfillmentId`, the fulfillment list's `starting_after`, `ending_before` and `ids` from A's
fulfillment ids (`ids` also all of them joined), its `order_id` from the order A fulfilled,
`tracking_number` from A's tracking numbers and `sku` and `tracking_company` from the shared ones,
so the fulfillment routes reach real fulfillments and later pages, not only 404s and empty lists.
The dialects' `id` is drawn as the other order routes' (A's order ids and tokens, A's distribution
order among them); schemathesis sends A's key in `Authorization` to every route, tenant-less ones too.

**Boundary cases** (issue 29, harness/fuzz/boundaries/, after schemathesis, on a third tenant of
their own, `boundaries.TENANT`, with the stream consumer running): one generator per family
(dates, numbers, money strings, strings, duplicate ids, sizes, work multipliers, a keyed batch, and
last the tenant's reads), each derived from the document's schemas and formats and the service's own
bounds, every route of the document reached by at least one case. Each expects a 4xx problem where
the contract refuses the value (else a 2xx or a 4xx problem, the service's choice), never a 5xx or a
batch operation failed on the server's side, nothing changed on refusal where cheap to check, a
created order that reads back, API.md's money rules on every order answered, and no request slower
than `boundaries.MAX_REQUEST_SECONDS`. QUICK runs a subset with cases of every family. B's
orders must read the same after them too.

The **portal sweep** (issue 32, `portal.py`, after the tenant sweep, on the orders as seeded): a
portal key of tenant A's shared contact (`PARTY`, `make_portal_key`) asks every other route of the
document (403, whatever the ids and tenant), the portal routes for every other party (403), the
portal get of every order of A's that is not the contact's and of every one of B's, by id and token
(404, the body a missing id's but for its request id), the contact's list with other queries' page
tokens (400), and the contact's own list and orders (200: exactly the orders A's staff key lists as
billed or shipped to it, each once, without `notes`, the back office's fields, `sys_*` but
`sys_version`, or, where it is only the ship-to, the payer's data). Its counts and violations are
`portal_sweep` in the results; a violation fails the run. B's view is read after it too.

Issue 32's other routes join the tables: the coupon-code action (refunds.py: an order-id route, its
body `{"action": "refund"}`, its `couponCodeId` the shared coupon's code: A's key with B's order is a
404 that refunds nothing, B's view shows any change), the theatre sub-resources (dialects.py:
`lineNumber` and `paymentNumber` in `FOREIGN_VALUES`, the own-order GETs asked of each tenant's paid
`TICKET` order, `seed_ticket`), the notification e-mail (notifications.py: the order named in the
body; its own probes, `notification_probes`). schemathesis draws the values an operation needs
together where one alone would rarely reach a row (`FOCUSED`, `FOCUSED_DRAWN`: a ticket order with its
line or payment number, a shared-party order with the party or the coupon code, A's order ids as the
notification's `order_id`). Every order list answers whole orders now: the sweep's "nothing of B's"
holds on them.

`{"requests", "routes_fuzzed", "server_errors", "schema_violations", "cross_tenant_leaks",
"boundary_cases", "boundary_failures", "max_request_seconds", "portal_sweep", "portal_violations"}`
(`boundary_failures`: each failing boundary request as `{case, status, detail}`, the detail with the
start of its answer; `max_request_seconds`: the slowest boundary request; `portal_sweep`: `{requests,
checks, violations}`), and issue 36's `fast_path_requests` and `fast_path_differences` (`fast_path.py`:
every answer of the fast path, whichever part of the run asked, compared with the general path's
answer to the same event); any of `server_errors` (a boundary 5xx included), `schema_violations`,
`cross_tenant_leaks`, `portal_violations` or `fast_path_differences` above zero, a run whose fast path
answered nothing, or any boundary failure, fails the command
(which then prints schemathesis' FAILURES section: each failing request as curl, and its answer).

Where each part lives (`harness/fuzz/`): `core.py` the tenants (`Tenant`), the sweep's record and the
tables the route families fill (`FOREIGN_VALUES`, `OWNED_IDS`, `ORDER_ID_ROUTES`, `BODIES`);
`client.py` the HTTP client (`call`, `exchange`: a test replaces them there); `sweep.py` the tenant
sweep and B's view; `schemathesis_run.py` schemathesis, its config, its failure report and the
operations it never reached;
`results.py` the whole run (`run`) and its results; `__main__.py` the command line; `fast_path.py`
the fast path's differential check (`differential`). One module per
route family, each adding its routes to the tables when imported: `orders.py` (the seeded orders,
the list's page tokens), `changes.py` (the PATCH's body), `search.py` (the lookups' shared values,
the search's body), `fulfilment.py` (the fulfillments, void and close), `refunds.py` (the reasons),
`stream.py` (history, the stream consumer), `dialects.py` (theatre and distribution, JSON and XML),
`catalogue.py` (products, stock, settings, credits), `portal.py` (the customer portal and its sweep),
`notifications.py` (the notification e-mail).
The boundary cases are `boundaries/` (its own docstring).

The catalogue (issue 31, `catalogue.py`): each tenant puts a product both tenants have (the shared
`productType`/`productId` of `FOREIGN_VALUES`), two of its own, a shipping product both have, grants
the shared contact a credit under one Idempotency-Key both send, and orders 2 units of its shared
product (the order holds them); B's catalogue is strict. Its paths are swept by its own probes
(`FAMILY_PROBES`, `SELF_SWEPT`: A's products, lists, settings and credits are A's; B's products are
404 on A's path; B's catalogue page token 400 on A's list, either tenant's on every other list; an
order of A naming B's product takes none of B's stock; B's stock-holding order is 404 to A's cancel
and void), and B's catalogue (its products with their stock, lists, settings, credits) is part of
B's view: any change is a leak.

How a new operation joins: by being in the OpenAPI document (schemathesis and the sweep read it).
In its route family's module here (a new family: one module, and one name in the import below):
a path parameter that is not an order id joins `FOREIGN_VALUES` (a value both tenants share) or
`OWNED_IDS` (ids each tenant has its own of, seeded for both); a route whose `{id}` is an order id
joins `ORDER_ID_ROUTES`; a body the sweep's probes need (where an order is not the request) joins
`BODIES`; a family that must judge A's own requests itself (an upsert, a DELETE, a 201) adds a
maker to `FAMILY_PROBES` and its paths to `SELF_SWEPT`; a route that names no tenant is swept by
`dialect_probes` (a new dialect's order routes join `DIALECT_ORDER_ID_ROUTES`). Its boundary
cases: `boundaries/__init__.py` says how.
"""

from __future__ import annotations

# The route families first, in this order: importing each adds its routes to core's tables, and the
# tables keep that order (the schemathesis config lists `FOREIGN_VALUES` in it).
# isort: off
from harness.fuzz import orders, changes, search, fulfilment, refunds, stream, dialects, catalogue, portal
from harness.fuzz import notifications

# isort: on
from harness.fuzz import boundaries, client, core, results, schemathesis_run, sweep
from harness.fuzz.catalogue import (
    CREDIT_KEY,
    SHARED_PRODUCT,
    catalogue_probes,
    catalogue_view_paths,
    seed_catalogue,
)
from harness.fuzz.client import call
from harness.fuzz.core import (
    BODIES,
    DRAWN,
    FAMILY_PROBES,
    FOCUSED,
    FOCUSED_DRAWN,
    FOREIGN_VALUES,
    ORDER_ID_ROUTES,
    OWNED_IDS,
    RESULTS,
    ROOT,
    SELF_SWEPT,
    TENANT_A,
    TENANT_B,
    Probe,
    Sweep,
    Tenant,
    answered_rows,
    fill,
    is_order_id_route,
    is_tenant_from_key,
    lookup_id_paths,
    own_ids,
    path_parameters,
    shared_path,
)
from harness.fuzz.dialects import (
    DIALECT_ORDER_ID_ROUTES,
    DISTRIBUTION_KEY_HEADER,
    DISTRIBUTION_NUMBER,
    DISTRIBUTION_PLACE,
    DISTRIBUTION_ROUTES,
    SUB_RESOURCES,
    THEATRE_REASONS,
    TICKET,
    XML_HEADERS,
    dialect_probes,
    distribution_body,
    keep_distribution,
    placement_leaks,
    seed_distribution,
    seed_ticket,
    xml_document,
)
from harness.fuzz.fulfilment import (
    CAMEL_QUERIES,
    FULFILLMENT_BINDINGS,
    FULFILMENTS,
    SHARED_QUERIES,
    SHARED_SKU,
    TO_FULFIL,
    fulfil_body,
    fulfilled_orders,
    fulfillment_dictionaries,
    fulfillment_id_of,
    fulfillment_list_probes,
    seed_fulfillments,
)
from harness.fuzz.notifications import NOTIFY, notification_body, notification_probes, with_notification_body
from harness.fuzz.orders import (
    LIST_ROUTE,
    ORDER,
    PAGE_TOKEN,
    SEEDED,
    SHARED_COUPON,
    SHARED_ID,
    page_token_probes,
    seed,
    seed_order,
    with_page_tokens,
)
from harness.fuzz.portal import (
    PARTY,
    PORTAL_ROUTES,
    PortalProbe,
    PortalSweep,
    field_problems,
    list_problems,
    make_portal_key,
    portal_probes,
    portal_sweep,
    shape,
    token_probes,
)
from harness.fuzz.refunds import COUPON_CODE_ACTION
from harness.fuzz.results import run
from harness.fuzz.schemathesis_run import (
    CHECKS,
    FAILURE_REPORT_CHARS,
    NEGATIVE_DATA_REJECTION_STATUSES,
    SERVER_ERROR_CODES,
    failure_report,
    schemathesis,
    schemathesis_config,
    unreached_operations,
)
from harness.fuzz.stream import between, history_probes, stream_consumer, with_history
from harness.fuzz.sweep import changed, owned_id_probes, tenant_sweep, tenant_view, view_paths

__all__ = [
    "BODIES",
    "CAMEL_QUERIES",
    "CHECKS",
    "COUPON_CODE_ACTION",
    "CREDIT_KEY",
    "DIALECT_ORDER_ID_ROUTES",
    "DISTRIBUTION_KEY_HEADER",
    "DISTRIBUTION_NUMBER",
    "DISTRIBUTION_PLACE",
    "DISTRIBUTION_ROUTES",
    "DRAWN",
    "FAILURE_REPORT_CHARS",
    "FAMILY_PROBES",
    "FOCUSED",
    "FOCUSED_DRAWN",
    "FOREIGN_VALUES",
    "FULFILLMENT_BINDINGS",
    "FULFILMENTS",
    "LIST_ROUTE",
    "NEGATIVE_DATA_REJECTION_STATUSES",
    "NOTIFY",
    "ORDER",
    "ORDER_ID_ROUTES",
    "OWNED_IDS",
    "PAGE_TOKEN",
    "PARTY",
    "PORTAL_ROUTES",
    "RESULTS",
    "ROOT",
    "SEEDED",
    "SELF_SWEPT",
    "SERVER_ERROR_CODES",
    "SHARED_COUPON",
    "SHARED_ID",
    "SHARED_PRODUCT",
    "SHARED_QUERIES",
    "SHARED_SKU",
    "SUB_RESOURCES",
    "TENANT_A",
    "TENANT_B",
    "THEATRE_REASONS",
    "TICKET",
    "TO_FULFIL",
    "XML_HEADERS",
    "PortalProbe",
    "PortalSweep",
    "Probe",
    "Sweep",
    "Tenant",
    "answered_rows",
    "between",
    "boundaries",
    "call",
    "catalogue",
    "catalogue_probes",
    "catalogue_view_paths",
    "changed",
    "changes",
    "client",
    "core",
    "dialect_probes",
    "dialects",
    "distribution_body",
    "failure_report",
    "field_problems",
    "fill",
    "fulfil_body",
    "fulfilled_orders",
    "fulfillment_dictionaries",
    "fulfillment_id_of",
    "fulfillment_list_probes",
    "fulfilment",
    "history_probes",
    "is_order_id_route",
    "is_tenant_from_key",
    "keep_distribution",
    "list_problems",
    "lookup_id_paths",
    "make_portal_key",
    "notification_body",
    "notification_probes",
    "notifications",
    "orders",
    "own_ids",
    "owned_id_probes",
    "page_token_probes",
    "path_parameters",
    "placement_leaks",
    "portal",
    "portal_probes",
    "portal_sweep",
    "refunds",
    "results",
    "run",
    "schemathesis",
    "schemathesis_config",
    "schemathesis_run",
    "search",
    "seed",
    "seed_catalogue",
    "seed_distribution",
    "seed_fulfillments",
    "seed_order",
    "seed_ticket",
    "shape",
    "shared_path",
    "stream",
    "stream_consumer",
    "sweep",
    "tenant_sweep",
    "tenant_view",
    "token_probes",
    "unreached_operations",
    "view_paths",
    "with_history",
    "with_notification_body",
    "with_page_tokens",
    "xml_document",
]
