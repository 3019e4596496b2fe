"""`make fuzz`'s boundary cases (issue 29): what lives at the edges of the domain, which schemathesis
does not reach. Called from harness/fuzz/results.py's `run()`; `python -m harness.fuzz.boundaries
[--quick] [--family NAME]` runs them alone (the API as `make serve` runs it, on DynamoDB Local).

Every case is data (`Case`: method, the document's path template, path parameters, query, headers,
body, `Expect`), made by one function per family from the OpenAPI document's schemas and formats
(the live `/openapi.json`) and the service's own bounds (`Bounds.of_service`):

- **dates**: both ends of the calendar with extreme offsets (`0001-01-01T00:00:00+14:00`,
  `9999-12-31T23:59:59-12:00`, ...) in every date field of every body (a create with
  `override_order_date: true` among them, then the tenant's date-range searches), every date query
  (`asOf`, `created_time[gte]`, ...) and the search's date ranges (`[null, "9999-12-31"]`).
- **numbers**: every number field of every body (and of the order, as JSON Patch and PUT), every
  integer query, `If-Match` and every path parameter at and past its bounds: 4,400 digits, 30
  significant digits, 1e30, 1e100, 9.9e125, -1e30, 1e-130, -1, 0, -0.0, the documented maximum and
  minimum and one past; weight x quantity past DynamoDB's range.
- **money_strings**: money sent as strings that are not plain decimals (`" 10 "`, `"1_000"`, `"١٢"`,
  `"NaN"`, ...), in every money field.
- **strings**: `€` x 140,000 (420 KB) and `"` x 150,000 (JSON doubles it), with and without an
  Idempotency-Key; control characters and a lone surrogate (a distribution customer name among them,
  read back as XML: the XML must parse); every documented maxLength at and one past in `€` (ASCII
  where the field's pattern refuses `€`), in bodies, queries and path parameters.
- **duplicate_ids**: the same id twice in every id list (coupon `order_line_item_ids`, refund
  `line_numbers`/`lineNumbers`, fulfil/cancel/pickup `items`, the fulfillment list's `ids`): 422
  naming the id.
- **sizes**: bodies of exactly each byte limit and one byte over (the gateway's 6 MB, an order's own
  item in UTF-8 and as stored escaped in ASCII, in ASCII and in `€`, the XML reader's), JSON nesting
  at and past the limit and 100,000 deep, Idempotency-Key and API key lengths, every documented
  maxItems/maxProperties at and one past.
- **work**: JSON Patch `add /payload` (1,000 items) then 12 x `copy` of it into itself; a preview of
  500 lines x 12,000 zero coupons; a batch of 100 creates of 500 lines each at the amount bounds.
- **keyed_batch**: a keyed batch whose later operation is bad, after a patch `add
  /additional_email_confirmation_recipients/-`, sent three times: the patch applies once if the batch
  was accepted (and the repeats are replays), never if it was refused, at most once after a 5xx.
- **reads**: last, every read of the tenant (lists, searches, lookups, the fixtures, XML) answers 200:
  no stored value may make a later read fail.

A case expects (`judge`) a 4xx problem (`REFUSED`), or where the contract leaves the choice to the
service, a 2xx or a 4xx problem (`EITHER`); never a 5xx, never a batch operation that failed on the
server's side, never a request slower than `MAX_REQUEST_SECONDS`. A 4xx answer is a problem document
(JSON, or XML where XML was asked); a 2xx order keeps API.md's money rules (total, balance due, the
currency's minor units, no negative zero). Where cheap, a refused request must change nothing (the
order it named, or the list of orders billed to the create's own contact, reads the same after it).
A created order is read back (and a distribution order as XML, which must parse). Cases run on a
tenant of their own (`TENANT`) with its own orders (`seed`), so the sweep and schemathesis are not
disturbed. QUICK runs the cases marked `quick` (at least one of each family).

Where each part lives (`harness/fuzz/boundaries/`): `cases.py` what a case is (`Case`, `Expect`,
`Read`, `Lit`, `Raw`), the expectations, `Bounds`, the extreme values and the fixtures; `schema.py`
the document's operations and schemas; `routes.py` the routes the shared machinery knows by name,
the path parameters a case does not set, the base bodies (`BASE_BODIES`) and `body_case`; `table.py`
the case table (`cases_of`, `GENERATORS`, `generate`, `uncovered`). The document-driven families,
which reach every operation: `numbers.py` (numbers, money_strings), `dates.py`, `strings.py` (every
maxLength), `sizes.py` (key lengths, every maxItems), `reads.py`. Each route family's own cases and
base bodies: `orders.py` (create, preview), `changes.py` (PATCH, PUT, batch, the keyed batch),
`search.py`, `fulfilment.py`, `refunds.py`, `dialects.py` (theatre and distribution, JSON and XML),
`catalogue.py` (products, stock, prices, shipping, settings, credits: its fixtures seeded by `SEEDS`,
its refusals checked unchanged by `UNCHANGED_READS`, its body fields named by `BODY_NAMES`).
`judging.py` judges an answer; `runner.py` seeds the fixtures, sends the cases and reports; the command
line is `__main__.py`.

How a new operation joins: being in the OpenAPI document, it gets every document-driven family's
values, and `uncovered` fails the run until some case sends to it. Its route family's module adds
a valid body to `BASE_BODIES` where its schema's smallest instance is not one, and its own cases
(an id list, a limit, a header of its own) as a maker registered with `@cases_of(family, rank)`
(the rank places them among the family's cases). A new route family is one module here and one name
in the import below; a route the shared machinery must treat apart (an order id, a fixture of its
own) is named in `routes.py`.
"""

from __future__ import annotations

from harness.fuzz.boundaries import (
    catalogue,
    changes,
    dates,
    dialects,
    fulfilment,
    judging,
    numbers,
    orders,
    reads,
    refunds,
    runner,
    search,
    sizes,
    strings,
    table,
)
from harness.fuzz.boundaries.cases import (
    ANSWERED,
    CLIENT_TIMEOUT_SECONDS,
    EITHER,
    FAMILIES,
    MAX_REQUEST_SECONDS,
    MISSING_ORDER,
    NUMBER_EXTREMES,
    REFUSED,
    TENANT,
    XML_ACCEPT,
    Bounds,
    Case,
    Expect,
    Lit,
    Raw,
    Read,
    distribution_order,
    json_bytes,
    order_body,
    order_path,
    ref,
    watched,
)
from harness.fuzz.boundaries.judging import (
    ORDER_MONEY,
    Answer,
    is_server_error,
    judge,
    money_defects,
    names_id,
)
from harness.fuzz.boundaries.numbers import bound_values, number_expectation, storable
from harness.fuzz.boundaries.routes import (
    BASE_BODIES,
    BATCH,
    CANCEL,
    CREATE,
    DIST_ONE,
    FULFIL,
    FULFILLMENTS,
    PATCH,
    PICKUP,
    PLACE,
    PREVIEW,
    PUT,
    REASON_PUT,
    REFUND,
    SEARCH,
    THEATRE_REFUND,
    base_body,
    order_schema,
)
from harness.fuzz.boundaries.runner import Report, Runner, encoded, run, seed, url_of
from harness.fuzz.boundaries.schema import dotted, operations, parameters, place
from harness.fuzz.boundaries.table import CASES, GENERATORS, cases_of, generate, uncovered

__all__ = [
    "ANSWERED",
    "BASE_BODIES",
    "BATCH",
    "CANCEL",
    "CASES",
    "CLIENT_TIMEOUT_SECONDS",
    "CREATE",
    "DIST_ONE",
    "EITHER",
    "FAMILIES",
    "FULFIL",
    "FULFILLMENTS",
    "GENERATORS",
    "MAX_REQUEST_SECONDS",
    "MISSING_ORDER",
    "NUMBER_EXTREMES",
    "ORDER_MONEY",
    "PATCH",
    "PICKUP",
    "PLACE",
    "PREVIEW",
    "PUT",
    "REASON_PUT",
    "REFUND",
    "REFUSED",
    "SEARCH",
    "TENANT",
    "THEATRE_REFUND",
    "XML_ACCEPT",
    "Answer",
    "Bounds",
    "Case",
    "Expect",
    "Lit",
    "Raw",
    "Read",
    "Report",
    "Runner",
    "base_body",
    "bound_values",
    "cases_of",
    "catalogue",
    "changes",
    "dates",
    "dialects",
    "distribution_order",
    "dotted",
    "encoded",
    "fulfilment",
    "generate",
    "is_server_error",
    "json_bytes",
    "judge",
    "judging",
    "money_defects",
    "names_id",
    "number_expectation",
    "numbers",
    "operations",
    "order_body",
    "order_path",
    "order_schema",
    "orders",
    "parameters",
    "place",
    "reads",
    "ref",
    "refunds",
    "run",
    "runner",
    "search",
    "seed",
    "sizes",
    "storable",
    "strings",
    "table",
    "uncovered",
    "url_of",
    "watched",
]
