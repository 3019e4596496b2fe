"""`make fuzz`: whether an attacker's tools can break the API. Writes security-results.json.

Starts the whole API as `make serve` runs it (the local gateway from template.yaml, the authorizer,
every function, DynamoDB Local in its own process) with two tenants, creates orders for both that
share one party, installment schedule, shipping status and coupon (`SHARED_ID`, `SHARED_COUPON`: if
isolation failed, A's lookups for them would answer B's orders), then:

- **schemathesis** against `/openapi.json`: every operation, authenticated as tenant A on A's paths,
  checks `not_a_server_error`, `status_code_conformance`, `content_type_conformance`,
  `response_schema_conformance` and `negative_data_rejection`, stateful links where the document
  infers them; bounded by `--max-examples` per operation.
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

Distribution orders exist to fuzz: each tenant places one (`distribution_body`: the number both
share, the tenant's marker in its customer name, address and application id); its id and token join
the tenant's order ids and tokens (`distribution_ids` keeps the id).

Fulfillments exist to fuzz: each tenant gets a third order (`TO_FULFIL`: three units of one
line) fulfilled one unit at a time, twice (`<order id>.2` and `.3`, one unit left open), each
fulfillment with its own tracking number, the shared carrier and sku (`SHARED_QUERIES`), and the
tenant's marker in its `tracking_url` and `metadata`.

History exists to fuzz: each tenant's first order gets versions 2 and 3 (the repository's `replace`,
B's signed with B's marker), and the run's stream records go through the order_stream handler
(local/stream_replay.py), so the coupon lookups read real usage rows; while schemathesis runs, the
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

**Boundary cases** (issue 29, local/fuzz_boundaries.py, after schemathesis, on a third tenant of
their own, `fuzz_boundaries.TENANT`, with the stream consumer running): one generator per family
(dates, numbers, money strings, strings, duplicate ids, sizes, work multipliers, a keyed batch, and
last the tenant's reads), each derived from the document's schemas and formats and the service's own
bounds, every route of the document reached by at least one case. Each expects a 4xx problem where
the contract refuses the value (else a 2xx or a 4xx problem, the service's choice), never a 5xx or a
batch operation failed on the server's side, nothing changed on refusal where cheap to check, a
created order that reads back, API.md's money rules on every order answered, and no request slower
than `fuzz_boundaries.MAX_REQUEST_SECONDS`. QUICK runs a subset with cases of every family. B's
orders must read the same after them too.

`{"requests", "routes_fuzzed", "server_errors", "schema_violations", "cross_tenant_leaks",
"boundary_cases", "boundary_failures", "max_request_seconds"}` (`boundary_failures`: each failing
boundary request as `{case, status, detail}`, the detail with the start of its answer;
`max_request_seconds`: the slowest boundary request); any of `server_errors` (a boundary 5xx
included), `schema_violations` or `cross_tenant_leaks` above zero, or any boundary failure, fails
the command (which then prints schemathesis' FAILURES section: each
failing request as curl, and its answer). New routes join by being in the OpenAPI document; a route
whose ids are not order ids adds its id parameter to `FOREIGN_VALUES` (a value both tenants share)
or to `OWNED_IDS` (ids each tenant has its own of, seeded for both); a route that names no tenant
is swept by `dialect_probes` (a new dialect's order routes join `DIALECT_ORDER_ID_ROUTES`, a body
its probes need joins `BODIES`).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlencode

from orders_domain.domain.lifecycle import DISTRIBUTION_CANCELLED

from local import fuzz_boundaries

ROOT = Path(__file__).resolve().parent.parent
RESULTS = "security-results.json"
TENANT_A, TENANT_B = "tenant-a", "tenant-b"
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance,negative_data_rejection"
)
#: schemathesis failure codes that are server errors (the rest of its failures are schema violations).
SERVER_ERROR_CODES = {"ST101"}
ORDER = {"line_items": [{"description": "Ticket", "quantity": 1, "unit_price": "10.00"}]}
#: The party (contact and organization), installment schedule and coupon of every seeded order of
#: both tenants.
SHARED_ID = "shared-fuzz"
SHARED_COUPON = {
    "coupon_id": "FUZZ",
    "coupon_type": "promo",
    "coupon_code_id": "CODE-FUZZ",
    "discount": "1.00",
}
_SHARED: dict[str, Any] = {
    "line_items": [{"description": "Ticket", "quantity": 1, "unit_price": "10.00", "shippable": True}],
    "installment_schedule_id": SHARED_ID,
    "coupons": [SHARED_COUPON],
}
#: Each tenant's seeded orders: billed to the shared contact and shipped to the shared organization,
#: then the other way round, so each party lookup finds one.
SEEDED: list[dict[str, Any]] = [
    {
        **_SHARED,
        "bill_to_type": "contact",
        "bill_to_contact_id": SHARED_ID,
        "ship_to_type": "organization",
        "ship_to_organization_id": SHARED_ID,
    },
    {
        **_SHARED,
        "bill_to_type": "organization",
        "bill_to_organization_id": SHARED_ID,
        "ship_to_type": "contact",
        "ship_to_contact_id": SHARED_ID,
    },
]
#: Path parameters that are not order ids -> the value both tenants' orders share. A route whose
#: ids are not order ids adds its id parameter here (`id` is one outside `ORDER_ID_ROUTES`).
FOREIGN_VALUES = {
    "id": SHARED_ID,
    "customerType": "contact",
    "customerId": SHARED_ID,
    "couponType": SHARED_COUPON["coupon_type"],
    "couponId": SHARED_COUPON["coupon_id"],
    "couponCodeId": SHARED_COUPON["coupon_code_id"],
    "status": "awaiting_shipment",
    # a refund reason of the tenant's own: both tenants define one by this name (B's says B's marker)
    "name": "FuzzReason",
}
#: Path parameters naming a row that belongs to one tenant -> the `Tenant` field holding the tenant's
#: (the sweep asks for B's with A's key: 404; schemathesis draws A's).
OWNED_IDS = {"fulfillmentId": "fulfillment_ids"}
#: The sku and carrier of every seeded fulfillment of both tenants: a list filtered by them must
#: answer A's rows to A and none of B's.
SHARED_SKU = "FUZZ-SKU"
SHARED_QUERIES = {"sku": SHARED_SKU, "tracking_company": "Fuzz Carrier"}
#: Each tenant's order to fulfil: three units of one line, fulfilled one at a time, twice.
TO_FULFIL: dict[str, Any] = {
    "line_items": [
        {
            "order_line_item_id": "L1",
            "description": "Ticket",
            "quantity": 3,
            "unit_price": "10.00",
            "sku": SHARED_SKU,
            "shippable": True,
        }
    ],
}
FULFILMENTS = 2
#: The seed's camelCase names the fulfillment list accepts beside the document's (API.md).
CAMEL_QUERIES = {
    "starting_after": "startingAfter",
    "ending_before": "endingBefore",
    "order_id": "orderId",
    "tracking_number": "trackingNumber",
}
#: The source APIs' own dialects' order routes (issue 21): no `{tenantId}` in the path, the tenant
#: is the API key's own; `{id}` is an order id (or `token-<token>`) of that tenant.
DIALECT_ORDER_ID_ROUTES = ("/v3/orders/{id}", "/v1/orders/{id}", "/distribution/orders/{id}")
#: Where `{id}` is an order id (or `token-<token>`): these paths and the paths under them.
ORDER_ID_ROUTES = (
    "/orders/{tenantId}/{id}",
    "/orders/{tenantId}/void/{id}",
    "/orders/{tenantId}/close/{id}",
    *DIALECT_ORDER_ID_ROUTES,
)
#: The distribution dialect: its routes speak XML too; its key may come in its own header; both
#: tenants place one order under this order number (unique per tenant, not across tenants).
DISTRIBUTION_ROUTES = "/distribution/"
DISTRIBUTION_PLACE = "/distribution/orders"
DISTRIBUTION_KEY_HEADER = "X-ADILITY-API-KEY"
DISTRIBUTION_NUMBER = "FUZZ-DIST-0001"
XML_HEADERS = {"Content-Type": "application/xml", "Accept": "application/xml"}
#: The dialect's list containers and the name of their items (`<items><item>…</item></items>`).
#: The theatre dialect's reasons list: the built-ins and the key's tenant's own.
THEATRE_REASONS = "/v1/refund-reasons"
#: The sweep's body where an order is not the request: a search for the shared contact's orders, a
#: JSON Patch of a client field, a fulfil, a cancel and a fulfillment's tracking change (else the
#: answer is the body's 400, not the order's or the fulfillment's 404).
BODIES: dict[tuple[str, str], Any] = {
    ("PATCH", "/orders/{tenantId}/{id}"): [{"op": "replace", "path": "/notes", "value": "fuzz"}],
    ("POST", "/orders/{tenantId}/search"): {
        "bill_to_type": "contact",
        "bill_to_contact_id": SHARED_ID,
        "total": ["0.00", None],
    },
    ("POST", "/orders/{tenantId}/{id}/fulfill"): {"tracking_number": "fuzz-sweep"},
    ("POST", "/orders/{tenantId}/{id}/cancel"): {"reason": "fuzz"},
    ("PATCH", "/orders/{tenantId}/fulfillments/{fulfillmentId}"): {"tracking_url": "https://track.example/x"},
    ("POST", "/orders/{tenantId}/{id}/refunds"): {
        "refund_reason_name": "ChangedMindCannotMakeShow",
        "line_numbers": [1],
    },
    ("PUT", "/orders/{tenantId}/refund-reasons/{name}"): {"description": "fuzz"},
    # the dialects: the theatre fulfil takes no body; a theatre refund; a distribution cancel
    ("POST", "/v3/orders/{id}/fulfill"): None,
    ("POST", "/v1/orders/{id}/refunds"): {
        "refundReasonName": "ChangedMindCannotMakeShow",
        "lineNumbers": [1],
    },
    ("PUT", "/distribution/orders/{id}"): {"order": {"status": DISTRIBUTION_CANCELLED}},
}
#: The query parameter of signed list page tokens, and the one operation A's list tokens belong to.
PAGE_TOKEN = "exclusiveStartKey"  # noqa: S105 - a parameter's name
LIST_ROUTE = ("GET", "/orders/{tenantId}")
#: How often schemathesis takes `id`, `after`, `asOf`, `fulfillmentId`, ... from A's own values instead
#: of generating one.
DRAWN = 0.3


@dataclass
class Tenant:
    tenant_id: str
    key: str
    order_ids: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    marker: str = field(default_factory=lambda: f"marker-{uuid.uuid4().hex}")
    #: `LastEvaluatedKey` of the first history page (one entry) of the first order.
    history_tokens: list[str] = field(default_factory=list)
    #: Moments between the first order's versions (ISO 8601, UTC), for `asOf`.
    moments: list[str] = field(default_factory=list)
    #: `LastEvaluatedKey` of the first page (one row) of the tenant's list.
    page_tokens: list[str] = field(default_factory=list)
    #: Its fulfillments' ids (`<order id>.<n>`) and tracking numbers.
    fulfillment_ids: list[str] = field(default_factory=list)
    tracking_numbers: list[str] = field(default_factory=list)
    #: Its distribution order's id (`DISTRIBUTION_NUMBER`; also in `order_ids`, its token in `tokens`).
    distribution_ids: list[str] = field(default_factory=list)

    def secrets(self) -> list[str]:
        """Values that only this tenant's data contains."""
        return [
            *self.order_ids,
            *self.tokens,
            *self.history_tokens,
            *self.page_tokens,
            *self.fulfillment_ids,
            *self.tracking_numbers,
            self.marker,
        ]

    def owned(self, parameter: str) -> list[str]:
        """The tenant's ids for an `OWNED_IDS` path parameter."""
        values: list[str] = getattr(self, OWNED_IDS[parameter])
        return values


@dataclass
class Sweep:
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)


class Probe(NamedTuple):
    """One request of the sweep on a dialect route: the statuses allowed, and what the answer must
    hold (`rows`, as in the sweep; `holds`: a value of the asking tenant's own)."""

    label: str
    path: str
    key: str | None
    expected: set[int]
    body: Any = None
    headers: dict[str, str] | None = None
    rows: bool | None = None
    holds: str | None = None


def call(
    base: str,
    method: str,
    path: str,
    key: str | None,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
) -> tuple[int, str]:
    status, text, _ = exchange(base, method, path, key, body, headers=headers)
    return status, text


def exchange(
    base: str,
    method: str,
    path: str,
    key: str | None,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
) -> tuple[int, str, dict[str, str]]:
    """The status, body and headers of one request: a body as JSON, or a string as it is (its
    `Content-Type` in `headers`); `headers` added to (or replacing) the defaults."""
    data = (body if isinstance(body, str) else json.dumps(body)).encode() if body is not None else None
    sent = {"Content-Type": "application/json"} if data is not None else {}
    if key is not None:
        sent["Authorization"] = key
    sent.update(headers or {})
    request = urllib.request.Request(base + path, data=data, method=method, headers=sent)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
            return response.status, response.read().decode("utf-8", "replace"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace"), dict(error.headers)


def seed(base: str, tenant: Tenant) -> None:
    """The tenant's orders (`SEEDED`), each with its marker, and its own refund reason named as the
    other tenant's (`FOREIGN_VALUES["name"]`), its description the marker."""
    path = f"/orders/{tenant.tenant_id}/refund-reasons/{FOREIGN_VALUES['name']}"
    status, text = call(base, "PUT", path, tenant.key, {"description": f"reason {tenant.marker}"})
    if status != 200:
        raise SystemExit(f"cannot seed the refund reason of {tenant.tenant_id}: {status} {text[:300]}")
    for order in SEEDED:
        seed_order(base, tenant, order)


def seed_order(base: str, tenant: Tenant, order: dict[str, Any]) -> dict[str, Any]:
    """Create one order of the tenant, with its marker: as answered (its id and token kept)."""
    status, text = call(
        base, "POST", f"/orders/{tenant.tenant_id}", tenant.key, {**order, "memo": tenant.marker}
    )
    if status != 201:
        raise SystemExit(f"cannot seed an order of {tenant.tenant_id}: {status} {text[:300]}")
    created: dict[str, Any] = json.loads(text)
    tenant.order_ids.append(created["id"])
    tenant.tokens.append(created["token"])
    return created


def fulfil_body(tenant: Tenant, n: int) -> dict[str, Any]:
    """The `n`th fulfil of the tenant's `TO_FULFIL` order: one unit, its own tracking number, the shared
    carrier, the tenant's marker in the tracking URL and the metadata (pure)."""
    return {
        "items": [{"order_line_item_id": TO_FULFIL["line_items"][0]["order_line_item_id"], "quantity": 1}],
        "tracking_company": SHARED_QUERIES["tracking_company"],
        "tracking_number": f"{tenant.tenant_id}-track-{n}-{uuid.uuid4().hex[:12]}",
        "tracking_url": f"https://track.example/{tenant.marker}",
        "metadata": {"fuzz": tenant.marker, "n": n},
    }


def fulfillment_id_of(location: str | None) -> str | None:
    """The fulfillment id a fulfil's `Location` (`/orders/<tenant>/fulfillments/<id>`) names (pure)."""
    if not location or "/fulfillments/" not in location:
        return None
    return location.rsplit("/", 1)[1] or None


def fulfilled_orders(fulfillment_ids: list[str]) -> list[str]:
    """The order ids of these fulfillment ids (`<order id>.<n>`), each once, in order (pure)."""
    from orders_domain.storage.keys import parse_fulfillment_id

    parsed = (parse_fulfillment_id(f) for f in fulfillment_ids)
    return list(dict.fromkeys(p[0] for p in parsed if p is not None))


def seed_fulfillments(base: str, tenant: Tenant) -> None:
    """The tenant's `TO_FULFIL` order, fulfilled `FULFILMENTS` times one unit at a time (one left open)."""
    created = seed_order(base, tenant, TO_FULFIL)
    for n in range(1, FULFILMENTS + 1):
        body = fulfil_body(tenant, n)
        path = f"/orders/{tenant.tenant_id}/{created['id']}/fulfill"
        status, text, headers = exchange(base, "POST", path, tenant.key, body)
        fulfillment_id = fulfillment_id_of(headers.get("Location"))
        if status != 200 or fulfillment_id is None:
            raise SystemExit(f"cannot fulfil {path}: {status} {headers.get('Location')} {text[:300]}")
        tenant.fulfillment_ids.append(fulfillment_id)
        tenant.tracking_numbers.append(body["tracking_number"])


def distribution_body(tenant: Tenant) -> dict[str, Any]:
    """The tenant's distribution order: `DISTRIBUTION_NUMBER` (both tenants'), the tenant's marker in
    its customer name, address and application id (pure)."""
    return {
        "order": {
            "order_number": DISTRIBUTION_NUMBER,
            "customer_name": f"Fuzz {tenant.marker}",
            "items": [{"offer_id": "FUZZ-OFFER", "quantity": 2, "price": "10.00"}],
            "shipping_address": {
                "address_line_1": f"1 {tenant.marker} Street",
                "address_line_2": "",
                "city": "Fuzz City",
                "state_code": "CA",
                "postal_code": "94000",
            },
            "application_id": tenant.marker,
        }
    }


def xml_document(root: str, value: Any) -> str:
    """`value` as the distribution dialect's XML, written by the service's own writer (pure)."""
    from orders_domain.dialects import xml

    return xml.dumps(root, value)


def placement_leaks(status: int, text: str, headers: dict[str, str], a: Tenant, b: Tenant) -> list[str]:
    """What is wrong with A's answer to placing the order number B placed first: anything but A's
    own new order (201, not a replay, an id not B's, nothing of B's) (pure)."""
    where = f"other tenant's order_number: POST {DISTRIBUTION_PLACE} as {a.tenant_id} -> {status}"
    if status != 201:
        return [where]
    leaks = []
    if any(secret in text for secret in b.secrets()):
        leaks.append(f"{where} with {b.tenant_id}'s data")
    replayed = {k.lower(): v for k, v in headers.items()}.get("idempotent-replayed", "")
    if replayed.lower() == "true":
        leaks.append(f"{where} replayed")
    try:
        placed = json.loads(text)["order"]
    except (ValueError, KeyError, TypeError):
        return [*leaks, f"{where} not an order"]
    if placed.get("id") in b.distribution_ids or a.marker not in json.dumps(placed):
        leaks.append(f"{where}: not {a.tenant_id}'s order")
    return leaks


def keep_distribution(base: str, tenant: Tenant, text: str) -> None:
    """Record the tenant's placed distribution order: its id, and its token as the tenant reads it."""
    order_id = json.loads(text)["order"]["id"]
    status, answer = call(base, "GET", f"/orders/{tenant.tenant_id}/{order_id}", tenant.key)
    if status != 200:
        raise SystemExit(f"cannot read the distribution order {order_id}: {status} {answer[:300]}")
    tenant.distribution_ids.append(order_id)
    tenant.order_ids.append(order_id)
    tenant.tokens.append(json.loads(answer)["token"])


def seed_distribution(base: str, a: Tenant, b: Tenant) -> list[str]:
    """B's distribution order, then A's under the same order number (`DISTRIBUTION_NUMBER`): A's
    must be A's own new order (201), not B's and not a 409. The leaks found (`placement_leaks`)."""
    status, text, _ = exchange(base, "POST", DISTRIBUTION_PLACE, b.key, distribution_body(b))
    if status != 201:
        raise SystemExit(f"cannot place the distribution order of {b.tenant_id}: {status} {text[:300]}")
    keep_distribution(base, b, text)
    status, text, headers = exchange(base, "POST", DISTRIBUTION_PLACE, a.key, distribution_body(a))
    leaks = placement_leaks(status, text, headers, a, b)
    if not leaks:
        keep_distribution(base, a, text)
    return leaks


def tenant_view(base: str, tenant: Tenant) -> dict[str, str]:
    """The tenant's orders, fulfillments, distribution orders (as the distribution API shows them)
    and refund reasons (as the theatre API lists them) as its own key reads them: request -> status
    and body."""
    paths = view_paths(tenant)
    view = {}
    for path in paths:
        status, text = call(base, "GET", path, tenant.key)
        view[path] = f"{status} {text}"
    return view


def view_paths(tenant: Tenant) -> list[str]:
    """What `tenant_view` reads (pure)."""
    paths = [f"/orders/{tenant.tenant_id}/{order_id}?consistentRead=true" for order_id in tenant.order_ids]
    paths += [f"/orders/{tenant.tenant_id}/fulfillments/{f}" for f in tenant.fulfillment_ids]
    paths.append(f"/orders/{tenant.tenant_id}/fulfillments?limit=100")
    paths += [f"{DISTRIBUTION_PLACE}/{d}" for d in tenant.distribution_ids]
    paths.append(THEATRE_REASONS)
    return paths


def changed(before: dict[str, str], after: dict[str, str], when: str) -> list[str]:
    """What reads differently now (pure)."""
    return [f"{when}: GET {path} changed" for path in before if after.get(path) != before[path]]


def with_history(base: str, running: Any, tenants: list[Tenant]) -> None:
    """Versions 2 and 3 of each tenant's first order, the run's stream through the order_stream
    handler (history entries, coupon rows; events to a recording publisher), then each tenant's
    first history page token and moments between its first order's versions."""
    from local import stream_replay as replay

    for tenant in tenants:
        replay.add_versions(tenant.tenant_id, tenant.order_ids[:1], by=tenant.marker)
    replay.install_publisher(replay.RecordingPublisher())
    with replay.quiet():
        replay.Consumer().deliver(replay.stream_records(running.admin, running.tables["OrdersTable"]))
    for tenant in tenants:
        path = f"/orders/{tenant.tenant_id}/{tenant.order_ids[0]}/history"
        status, text = call(base, "GET", path + "?limit=1", tenant.key)
        token = json.loads(text).get("LastEvaluatedKey") if status == 200 else None
        if not token:
            raise SystemExit(f"no history page token for {tenant.tenant_id}: {status} {text[:300]}")
        tenant.history_tokens.append(token)
        status, text = call(base, "GET", path, tenant.key)
        tenant.moments = between([entry["at"] for entry in json.loads(text)["Items"]])


def with_page_tokens(base: str, tenants: list[Tenant]) -> None:
    """Each tenant's list page token: `LastEvaluatedKey` of its list's first page of one row."""
    for tenant in tenants:
        status, text = call(base, "GET", f"/orders/{tenant.tenant_id}?limit=1", tenant.key)
        token = json.loads(text).get("LastEvaluatedKey") if status == 200 else None
        if not token:
            raise SystemExit(f"no list page token for {tenant.tenant_id}: {status} {text[:300]}")
        tenant.page_tokens.append(token)


@contextmanager
def stream_consumer(running: Any) -> Iterator[None]:
    """The order_stream poller `make serve` runs, on the run's table, while the block runs."""
    from local.stream import order_stream_poller
    from local.tables import load_template

    template = load_template(ROOT / "template.yaml")
    table = running.tables["OrdersTable"]
    poller = order_stream_poller(running.admin.meta.endpoint_url, table, template, None).start()
    try:
        yield
    finally:
        poller.stop()


def between(instants: list[str]) -> list[str]:
    """The moments halfway between consecutive instants (ISO 8601), as UTC ISO 8601 (pure)."""
    from datetime import UTC, datetime

    parsed = [datetime.fromisoformat(i.replace("Z", "+00:00")) for i in instants]
    return [
        (a + (b - a) / 2).astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
        for a, b in pairwise(parsed)
    ]


def fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: values.get(m.group(1), "x"), path)


def path_parameters(path: str) -> list[str]:
    return re.findall(r"\{([^}]+)\}", path)


def is_order_id_route(path: str) -> bool:
    """Whether the path's `{id}` is an order id: a path of `ORDER_ID_ROUTES` or under one (pure)."""
    return any(path == route or path.startswith(route + "/") for route in ORDER_ID_ROUTES)


def is_tenant_from_key(path: str) -> bool:
    """Whether the path names no tenant: a source dialect's, acting for the key's own tenant (pure)."""
    return "tenantId" not in path_parameters(path)


def lookup_id_paths(paths: list[str]) -> list[str]:
    """The paths whose `{id}` is not an order id (a party's, a schedule's) (pure)."""
    return [p for p in paths if "id" in path_parameters(p) and not is_order_id_route(p)]


def shared_path(template_path: str, tenant: Tenant, ids: dict[str, str] | None = None) -> str:
    """The tenant's path with `ids` for their parameters and every other parameter the value both
    tenants share (pure)."""
    return fill(template_path, {**FOREIGN_VALUES, **(ids or {}), "tenantId": tenant.tenant_id})


def own_ids(template_path: str, tenant: Tenant) -> dict[str, str]:
    """The tenant's first id for each `OWNED_IDS` parameter of the path it has one of (pure)."""
    return {
        p: tenant.owned(p)[0] for p in path_parameters(template_path) if p in OWNED_IDS and tenant.owned(p)
    }


def dialect_probes(method: str, template_path: str, a: Tenant, b: Tenant) -> list[Probe]:
    """The sweep of a route that names no tenant (the key's is used): no key (401); B's key on A's
    order id and token (404: B's tenant has no such order); A's key on B's order ids, token and
    distribution order (404); on a GET, A's own order by id and by token (200). A distribution route
    again in XML both ways and with A's key in `DISTRIBUTION_KEY_HEADER`. Without an order id: the
    reasons list as A and as B (200, each with its own reason: the other's, of the same name, is
    not there); placing B's order (its number, its body) as A and A's as B (409: the number is
    each one's own already; B's order replayed to A would be a leak), as A in XML too, and A's own
    again (201, A's order); any other route, no key (401) and A's own request (nothing of B's) (pure)."""
    distribution = template_path.startswith(DISTRIBUTION_ROUTES)
    body = BODIES.get((method, template_path))
    # the body's one member is the XML document's root (`{"order": {...}}` is `<order>...</order>`)
    xml_body = xml_document(*next(iter(body.items()))) if distribution and isinstance(body, dict) else None
    probes: list[Probe] = []
    if "id" in path_parameters(template_path):
        own_id = a.distribution_ids[0] if distribution and a.distribution_ids else a.order_ids[0]

        def at(order_ref: str) -> str:
            return fill(template_path, {**FOREIGN_VALUES, "id": order_ref})

        probes.append(Probe("no key", at(own_id), None, {401}, body))
        for ref in dict.fromkeys((own_id, f"token-{a.tokens[0]}")):
            probes.append(Probe("other tenant's key on own id", at(ref), b.key, {404}, body))
        foreign = dict.fromkeys((b.order_ids[0], f"token-{b.tokens[0]}", *b.distribution_ids))
        for ref in foreign:
            probes.append(Probe("other tenant's id", at(ref), a.key, {404}, body))
            if distribution:
                probes.append(Probe("other tenant's id, XML", at(ref), a.key, {404}, xml_body, XML_HEADERS))
                by_header = {DISTRIBUTION_KEY_HEADER: a.key}
                probes.append(
                    Probe(
                        f"other tenant's id, {DISTRIBUTION_KEY_HEADER}", at(ref), None, {404}, body, by_header
                    )
                )
        if method == "GET":
            for ref in dict.fromkeys((own_id, f"token-{a.tokens[0]}")):
                probes.append(Probe("own order", at(ref), a.key, {200}))
            if distribution:
                probes.append(Probe("own order, XML", at(own_id), a.key, {200}, None, XML_HEADERS))
        return probes
    path = fill(template_path, FOREIGN_VALUES)
    if (method, template_path) == ("POST", DISTRIBUTION_PLACE):
        theirs, mine = distribution_body(b), distribution_body(a)
        # A's order is placed by the seed: B's body under the number is another order of A's
        taken = {409} if a.distribution_ids else {201}
        own = a.distribution_ids[0] if a.distribution_ids else None
        probes += [
            Probe("no key", path, None, {401}, mine),
            Probe("other tenant's order", path, a.key, taken, theirs),
            Probe(
                "other tenant's order, XML",
                path,
                a.key,
                taken,
                xml_document("order", theirs["order"]),
                XML_HEADERS,
            ),
            Probe(
                "other tenant's key, own order's body",
                path,
                b.key,
                {409} if b.distribution_ids else {201},
                mine,
            ),
            Probe("own order again", path, a.key, {201}, mine, holds=own),
        ]
    elif (method, template_path) == ("GET", THEATRE_REASONS):
        probes += [
            Probe("no key", path, None, {401}),
            # (A's reason of the shared name is listed; the sweep's PUT of it, before, rewrote its
            # description, so its name is what is looked for; B's, of the same name, keeps B's marker)
            Probe("own read", path, a.key, {200}, holds=FOREIGN_VALUES["name"]),
            Probe("other tenant's key", path, b.key, {200}, holds=b.marker),
        ]
    else:
        probes += [
            Probe("no key", path, None, {401}, body),
            Probe("own route", path, a.key, set(range(200, 500)), body),
        ]
    return probes


def tenant_sweep(base: str, document: dict[str, Any], a: Tenant, b: Tenant) -> Sweep:
    sweep = Sweep()

    def probe(
        label: str,
        method: str,
        path: str,
        key: str | None,
        expected: set[int],
        body: Any,
        *,
        rows: bool | None = None,
        headers: dict[str, str] | None = None,
        holds: str | None = None,
    ) -> None:
        if headers is None:
            status, text = call(base, method, path, key, body)
        else:
            status, text = call(base, method, path, key, body, headers=headers)
        sweep.requests += 1
        where = f"{label}: {method} {path} -> {status}"
        if headers is not None:
            where += f" ({', '.join(f'{k}: {v}' for k, v in headers.items())})"
        if status >= 500:
            sweep.server_errors.append(where)
        # What the request itself carried may be echoed ("Order <id> was not found."): not a leak.
        sent = path + (body if isinstance(body, str) else json.dumps(body))
        # Nothing of another tenant than the key's (without a key: of either) may be answered.
        asking = key or (headers or {}).get(DISTRIBUTION_KEY_HEADER)
        others = [tenant for tenant in (a, b) if tenant.key != asking]
        if any(secret in text for other in others for secret in other.secrets() if secret not in sent):
            sweep.leaks.append(where)
        elif status not in expected:
            (sweep.leaks if 200 <= status < 300 else sweep.unexpected).append(where)
        elif rows and not answered_rows(text):
            # Nothing found proves nothing: the shared values must find A's own orders.
            sweep.unexpected.append(f"{where} with no rows")
        elif rows is False and answered_rows(text):
            # B's values must find nothing: A's rows would be a filter that ignores them.
            sweep.unexpected.append(f"{where} with rows")
        elif holds is not None and holds not in text:
            # The asker's own data must be there: an answer without it proves nothing.
            sweep.unexpected.append(f"{where} without its own data")

    for template_path, operations in document["paths"].items():
        order_route = is_order_id_route(template_path)
        owned = [p for p in path_parameters(template_path) if p in OWNED_IDS]
        others = [p for p in path_parameters(template_path) if p not in ("tenantId", "id", *owned)]
        if order_route:
            own = shared_path(template_path, a, {**own_ids(template_path, a), "id": a.order_ids[0]})
        else:
            own = shared_path(template_path, a, own_ids(template_path, a))
            others.extend(p for p in path_parameters(template_path) if p == "id")
        missing = [p for p in others if p not in FOREIGN_VALUES]
        if missing:
            sweep.unexpected.append(f"{template_path}: no FOREIGN_VALUES for {', '.join(missing)}")
        if is_tenant_from_key(template_path):
            for method in operations:
                for one in dialect_probes(method.upper(), template_path, a, b):
                    probe(
                        one.label,
                        method.upper(),
                        one.path,
                        one.key,
                        one.expected,
                        one.body,
                        rows=one.rows,
                        headers=one.headers,
                        holds=one.holds,
                    )
            continue
        for method in operations:
            verb = method.upper()
            body = BODIES.get((verb, template_path), ORDER if verb in ("POST", "PUT", "PATCH") else None)
            queries = {
                p.get("name") for p in operations[method].get("parameters", []) if p.get("in") == "query"
            }
            probe("no key", verb, own, None, {401}, body)
            probe("other tenant's key", verb, own, b.key, {403}, body)
            if order_route:
                for foreign in (b.order_ids[0], f"token-{b.tokens[0]}"):
                    path = fill(template_path, {**FOREIGN_VALUES, "tenantId": a.tenant_id, "id": foreign})
                    probe("other tenant's id", verb, path, a.key, {404}, body)
                for label, path, expected in history_probes(template_path, queries, a, b):
                    probe(label, verb, path, a.key, expected, body)
            elif owned:
                # A's own row is there; B's, asked for on A's path, is not.
                for label, path, expected in owned_id_probes(verb, template_path, a, b):
                    probe(label, verb, path, a.key, expected, body)
            elif others:
                # B's orders share these values: A's answer lists A's orders, none of B's.
                probe("shared values", verb, own, a.key, {200}, body, rows=True)
            elif verb == "GET" or (verb, template_path) in BODIES:
                probe("own read", verb, own, a.key, {200}, body, rows=True)
            else:
                # No id to swap: the answer to A's own request must still hold nothing of B's.
                probe("own route", verb, own, a.key, set(range(200, 500)), body)
            for label, path, expected in page_token_probes(verb, template_path, own, queries, a, b):
                probe(label, verb, path, a.key, expected, body)
            for label, path, expected, has_rows in fulfillment_list_probes(own, queries, a, b):
                probe(label, verb, path, a.key, expected, body, rows=has_rows)
    return sweep


def owned_id_probes(method: str, template_path: str, a: Tenant, b: Tenant) -> list[tuple[str, str, set[int]]]:
    """(label, path, the statuses allowed) for A's key on a path with `OWNED_IDS` parameters: each of
    B's ids on A's path (404), and on a GET A's own first (200) (pure)."""
    owned = [p for p in path_parameters(template_path) if p in OWNED_IDS]
    mine = {**own_ids(template_path, a), "id": a.order_ids[0] if a.order_ids else "x"}
    probes = []
    if method == "GET" and set(owned) <= set(mine):
        probes.append(("own row", shared_path(template_path, a, mine), {200}))
    for parameter in owned:
        for foreign in b.owned(parameter):
            path = shared_path(template_path, a, {**mine, parameter: foreign})
            probes.append((f"other tenant's {parameter}", path, {404}))
    return probes


def fulfillment_list_probes(
    own: str, queries: set[Any], a: Tenant, b: Tenant
) -> list[tuple[str, str, set[int], bool | None]]:
    """(label, path with its query, the statuses allowed, whether rows must be there (True), must not
    (False) or either (None)) for A's key on A's path `own`, by the queries the operation has: B's
    fulfillment ids as cursors (400, with A's `order_id` too); B's `order_id`, tracking numbers and
    `ids` (200, no rows); A's and B's `ids` together and the shared sku and carrier (200, A's rows).
    The cursors, `order_id` and `tracking_number` again by the seed's camelCase names (pure)."""
    probes: list[tuple[str, str, set[int], bool | None]] = []

    def asked(name: str, value: str) -> list[str]:
        """The query by the document's name and by the seed's camelCase one, if it has one."""
        names = [name] + ([CAMEL_QUERIES[name]] if name in CAMEL_QUERIES else [])
        return [f"{own}?{urlencode({n: value})}" for n in names]

    for cursor in ("starting_after", "ending_before"):
        if cursor not in queries:
            continue
        for foreign in b.fulfillment_ids:
            probes += [(f"other tenant's {cursor}", path, {400}, None) for path in asked(cursor, foreign)]
            if "order_id" in queries:
                for order_id in fulfilled_orders(a.fulfillment_ids):
                    path = f"{own}?{urlencode({'order_id': order_id, cursor: foreign})}"
                    probes.append((f"own order_id, other tenant's {cursor}", path, {400}, None))
    if "order_id" in queries:
        for order_id in fulfilled_orders(b.fulfillment_ids):
            probes += [
                ("other tenant's order_id", path, {200}, False) for path in asked("order_id", order_id)
            ]
    if "tracking_number" in queries:
        for number in b.tracking_numbers:
            probes += [
                ("other tenant's tracking_number", path, {200}, False)
                for path in asked("tracking_number", number)
            ]
    if "ids" in queries and b.fulfillment_ids:
        probes.append(
            ("other tenant's ids", f"{own}?{urlencode({'ids': ','.join(b.fulfillment_ids)})}", {200}, False)
        )
        if a.fulfillment_ids:
            both = ",".join(a.fulfillment_ids + b.fulfillment_ids)
            probes.append(("own and other tenant's ids", f"{own}?{urlencode({'ids': both})}", {200}, True))
    if b.fulfillment_ids:
        for name, value in SHARED_QUERIES.items():
            if name in queries:
                probes.append((f"shared {name}", f"{own}?{urlencode({name: value})}", {200}, True))
    return probes


def answered_rows(text: str) -> bool:
    """Whether an answer holds rows: a page envelope's `Count` above 0 or a list's `data` not empty
    (any other answer counts)."""
    try:
        answer = json.loads(text)
    except ValueError:
        return True
    return not (isinstance(answer, dict) and (answer.get("Count") == 0 or answer.get("data") == []))


def page_token_probes(
    method: str, template_path: str, own: str, queries: set[Any], a: Tenant, b: Tenant
) -> list[tuple[str, str, set[int]]]:
    """(label, path with its query, the statuses allowed) for A's key on A's path `own`: B's list page
    tokens, and A's list page tokens on any other operation (bound to another query) (pure)."""
    if PAGE_TOKEN not in queries:
        return []
    probes = [
        ("other tenant's list token", f"{own}?{urlencode({PAGE_TOKEN: token})}", {400})
        for token in b.page_tokens
    ]
    if (method, template_path) != LIST_ROUTE:
        probes += [
            ("another query's page token", f"{own}?{urlencode({PAGE_TOKEN: token})}", {400})
            for token in a.page_tokens
        ]
    return probes


def history_probes(
    template_path: str, queries: set[Any], a: Tenant, b: Tenant
) -> list[tuple[str, str, set[int]]]:
    """(label, path with its query, the statuses allowed) for A's key: B's orders as they stood at
    a moment of B's history, and page tokens of B's order and of another of A's orders (pure)."""
    probes = []
    own = fill(template_path, {"tenantId": a.tenant_id, "id": a.order_ids[0]})
    if "asOf" in queries:
        for foreign in (b.order_ids[0], f"token-{b.tokens[0]}"):
            path = fill(template_path, {"tenantId": a.tenant_id, "id": foreign})
            for moment in b.moments:
                probes.append(("other tenant's order asOf", f"{path}?{urlencode({'asOf': moment})}", {404}))
    if "after" in queries:
        other_own = fill(template_path, {"tenantId": a.tenant_id, "id": a.order_ids[1]})
        foreign = fill(template_path, {"tenantId": a.tenant_id, "id": b.order_ids[0]})
        for token in b.history_tokens:
            probes.append(("other tenant's page token", f"{own}?{urlencode({'after': token})}", {400}))
            # B's token is bound to B (400) and the order is B's (404): either check may answer first.
            probes.append(
                ("other tenant's order and token", f"{foreign}?{urlencode({'after': token})}", {400, 404})
            )
        for token in a.history_tokens:
            probes.append(("another order's page token", f"{other_own}?{urlencode({'after': token})}", {400}))
    return probes


def schemathesis(
    base: str, a: Tenant, document: dict[str, Any], max_examples: int, workdir: Path, *, quick: bool
) -> dict[str, Any]:
    key = a.key
    config = workdir / "schemathesis.toml"
    config.write_text(schemathesis_config(a, lookup_id_paths(list(document["paths"]))), encoding="utf-8")
    report = workdir / "schemathesis-report.json"
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file", str(config),
        "run", f"{base}/openapi.json",
        "-H", f"Authorization: {key}",
        "--checks", CHECKS,
        "--max-examples", str(max_examples),
        # One worker: CPython 3.11's ast module is not thread-safe under hypothesis' lambda parsing.
        "--workers", "1",
        "--seed", "20261124",
        "--no-color",
        "--report", "json", "--report-json-path", str(report),
        # The coverage phase (boundary and negative values of every keyword) takes minutes: full runs only.
        "--phases", "examples,fuzzing,stateful" if quick else "examples,coverage,fuzzing,stateful",
    ]  # fmt: skip
    out = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=1800, check=False)
    (workdir / "schemathesis.log").write_text(out.stdout + out.stderr, encoding="utf-8")
    if not report.is_file():
        raise SystemExit(f"schemathesis wrote no report:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    loaded: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    loaded["log"] = out.stdout
    return loaded


def schemathesis_config(a: Tenant, lookup_paths: list[str] | None = None) -> str:
    """A's tenant on every path; part of the time (`DRAWN`) A's order ids, history page tokens,
    moments of its history and list page tokens, so requests reach real orders, real history and
    later pages; and the shared values for the lookups' path parameters (`FOREIGN_VALUES`; `id` on
    `lookup_paths`, where it is not an order id), so lookups reach real rows. Where A has
    fulfillments: their ids for `fulfillmentId`, the list's cursors and `ids` (one, or all joined),
    the order fulfilled for `order_id`, their tracking numbers and the shared sku and carrier
    (`SHARED_QUERIES`), so the fulfillment routes reach real fulfillments and pages (pure)."""
    dictionaries = {
        "order_ids": [*a.order_ids, *(f"token-{t}" for t in a.tokens)],
        "history_tokens": a.history_tokens,
        "moments": a.moments,
        "page_tokens": a.page_tokens,
        **{f"shared_{name}": [value] for name, value in FOREIGN_VALUES.items()},
        **fulfillment_dictionaries(a),
    }
    # A schema-violating request may also be refused by the gateway for its size (API.md: 413, and
    # the request line's and headers' limits, 414 and 431), as API Gateway refuses it.
    from schemathesis.config._checks import NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES  # pinned 4.32

    rejections = [*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, "413", "414", "431"]
    lines = ["[checks.negative_data_rejection]", f"expected-statuses = {json.dumps(rejections)}", ""]
    for name, values in dictionaries.items():
        if values:
            lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}", ""]
    lines += ["[parameters]", f'tenantId = "{a.tenant_id}"']
    bindings = [
        ("path.id", "order_ids"),
        ("query.after", "history_tokens"),
        ("query.asOf", "moments"),
        (f"query.{PAGE_TOKEN}", "page_tokens"),
        *((f"path.{name}", f"shared_{name}") for name in FOREIGN_VALUES if name != "id"),
        *FULFILLMENT_BINDINGS,
    ]
    for parameter, name in bindings:
        if dictionaries.get(name):
            lines.append(f'"{parameter}" = {{ dictionary = "{name}", probability = {DRAWN} }}')
    if lookup_paths:
        lines += [
            "",
            "[[operations]]",
            f"include-path = {json.dumps(sorted(lookup_paths))}",
            f'parameters = {{ "path.id" = {{ dictionary = "shared_id", probability = {DRAWN} }} }}',
        ]
    return "\n".join(lines) + "\n"


#: schemathesis' own list for `negative_data_rejection` (4.32); local.fuzz adds the size refusals.
NEGATIVE_DATA_REJECTION_STATUSES = (
    "400",
    "401",
    "403",
    "404",
    "405",
    "406",
    "409",
    "415",
    "422",
    "428",
    "429",
    "5xx",
)

#: schemathesis parameter -> the dictionary of `fulfillment_dictionaries` it draws from.
FULFILLMENT_BINDINGS = (
    *((f"path.{parameter}", field_name) for parameter, field_name in OWNED_IDS.items()),
    ("query.starting_after", "fulfillment_ids"),
    ("query.ending_before", "fulfillment_ids"),
    ("query.ids", "fulfillment_id_lists"),
    ("query.order_id", "fulfilled_order_ids"),
    ("query.tracking_number", "tracking_numbers"),
    *((f"query.{name}", f"shared_{name}") for name in SHARED_QUERIES),
)


def fulfillment_dictionaries(a: Tenant) -> dict[str, list[str]]:
    """A's fulfillment values to draw, none when A has no fulfillments (pure)."""
    if not a.fulfillment_ids:
        return {}
    return {
        "fulfillment_ids": a.fulfillment_ids,
        "fulfillment_id_lists": [*a.fulfillment_ids, ",".join(a.fulfillment_ids)],
        "fulfilled_order_ids": fulfilled_orders(a.fulfillment_ids),
        "tracking_numbers": a.tracking_numbers,
        **{f"shared_{name}": [value] for name, value in SHARED_QUERIES.items()},
    }


def run(max_examples: int, *, quick: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    from local.harness import running_api

    a = Tenant(TENANT_A, f"fuzz-a-{uuid.uuid4().hex}")
    b = Tenant(TENANT_B, f"fuzz-b-{uuid.uuid4().hex}")
    edge_key = f"fuzz-edge-{uuid.uuid4().hex}"  # issue 29: the boundary cases' own tenant
    keys = {a.key: a.tenant_id, b.key: b.tenant_id, edge_key: fuzz_boundaries.TENANT}
    with running_api("fuzz", keys) as api, tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        seed(api.base_url, a)
        seed(api.base_url, b)
        # Before the history: the fulfils' stream records go through the order_stream handler too.
        seed_fulfillments(api.base_url, a)
        seed_fulfillments(api.base_url, b)
        # B's distribution order, then A's under the same number: A's own new order, or a leak.
        placed = seed_distribution(api.base_url, a, b)
        with_history(api.base_url, api, [a, b])
        with_page_tokens(api.base_url, [a, b])
        document = api.gateway.openapi()
        b_before = tenant_view(api.base_url, b)
        # The sweep first: it sees the seeded orders as they are (schemathesis may patch or delete A's).
        sweep = tenant_sweep(api.base_url, document, a, b)
        sweep.requests += 1  # A's placement under B's order number
        sweep.leaks += placed
        sweep.leaks += changed(b_before, tenant_view(api.base_url, b), "after the sweep")
        # As under `make serve`, the stream consumer follows every write schemathesis makes: history
        # trails a change by a fraction of a second, as on AWS, and `?asOf=` of a moment whose history
        # is written is answered (a 503 is only right in that short window, not for the whole run).
        with stream_consumer(api):
            fuzzed = schemathesis(api.base_url, a, document, max_examples, Path(tmp), quick=quick)
        sweep.leaks += changed(b_before, tenant_view(api.base_url, b), "after schemathesis")
        # --- issue 29: the boundary cases of every route (local/fuzz_boundaries.py), on their own tenant.
        with stream_consumer(api):
            edges = fuzz_boundaries.run(api.base_url, edge_key, document, quick=quick)
        sweep.leaks += changed(b_before, tenant_view(api.base_url, b), "after the boundary cases")
        # --- end of issue 29's boundary cases
    operations = sum(len(methods) for methods in document["paths"].values())

    failures = fuzzed.get("failures") or []
    st_server_errors = sum(f["count"] for f in failures if f.get("code") in SERVER_ERROR_CODES)
    st_violations = sum(f["count"] for f in failures if f.get("code") not in SERVER_ERROR_CODES)
    results: dict[str, Any] = {
        "requests": int(fuzzed["test_cases"]["generated"]) + sweep.requests + edges.requests,
        "routes_fuzzed": int(fuzzed["operations"]["tested"]),
        "server_errors": st_server_errors + len(sweep.server_errors) + edges.server_errors,
        "schema_violations": st_violations,
        "cross_tenant_leaks": len(sweep.leaks),
        # issue 29: the boundary cases (local/fuzz_boundaries.py)
        "boundary_cases": edges.cases,
        "boundary_failures": edges.failures,
        "max_request_seconds": round(edges.max_seconds, 3),
    }
    details = {
        "schemathesis_failures": failures,
        "schemathesis_errors": fuzzed.get("errors") or [],
        "sweep_server_errors": sweep.server_errors,
        "sweep_leaks": sweep.leaks,
        "sweep_unexpected_status": sweep.unexpected,
        "untested_operations": (
            [f"schemathesis tested {results['routes_fuzzed']} of the document's {operations} operations"]
            if results["routes_fuzzed"] < operations
            else []
        ),
        "schemathesis_summary": failure_report(fuzzed["log"]),
        "slowest_boundary_request": edges.slowest,
    }
    return results, details


#: How much of schemathesis' FAILURES section a failed run prints.
FAILURE_REPORT_CHARS = 20_000


def failure_report(log: str) -> str:
    """What a failed run prints of schemathesis' output: its FAILURES section (each failing request
    and answer, as curl), at most `FAILURE_REPORT_CHARS` of it, then its summary; the log's last
    2,500 characters when it has no such section (pure)."""
    start = log.find("= FAILURES =")
    if start < 0:
        return log[-2500:]
    start = log.rfind("\n", 0, start) + 1
    end = min(
        (i for i in (log.find("= WARNINGS =", start), log.find("= SUMMARY =", start)) if i >= 0), default=-1
    )
    end = len(log) if end < 0 else log.rfind("\n", 0, end) + 1
    failures = log[start:end]
    if len(failures) > FAILURE_REPORT_CHARS:
        failures = failures[:FAILURE_REPORT_CHARS] + "\n[... the FAILURES section goes on ...]\n"
    summary = log.find("= SUMMARY =", end)
    return failures + (log[log.rfind("\n", 0, summary) + 1 :] if summary >= 0 else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few examples per operation (CI)")
    parser.add_argument("--output", default=RESULTS)
    args = parser.parse_args(argv)
    results, details = run(max_examples=25 if args.quick else 150, quick=args.quick)
    Path(args.output).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    for name, value in results.items():
        if name != "boundary_failures":
            print(f"{name:<20}{value:>8}")
    print(f"{'boundary_failures':<20}{len(results['boundary_failures']):>8}")
    print(f"slowest boundary request: {details['slowest_boundary_request']}")
    for name in (
        "schemathesis_failures",
        "schemathesis_errors",
        "sweep_server_errors",
        "sweep_leaks",
        "sweep_unexpected_status",
        "untested_operations",
    ):
        if details[name]:
            print(f"\n{name}:")
            for entry in details[name]:
                print(f"  {entry}")
    if results["boundary_failures"]:
        print("\nboundary_failures:")
        for failure in results["boundary_failures"]:
            print(f"  {failure['case']}\n    {failure['status']} {failure['detail']}")
    failed = results["server_errors"] or results["schema_violations"] or results["cross_tenant_leaks"]
    if failed or details["untested_operations"] or results["boundary_failures"]:
        print("\n" + details["schemathesis_summary"])
        print(f"\nFAIL: see above; wrote {args.output}")
        return 1
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
