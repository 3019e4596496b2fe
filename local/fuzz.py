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
  carry a byte of B's data (B's order ids, tokens, fulfillment ids, tracking numbers and a marker
  in B's orders and fulfillments). Order-id routes are the paths under `/orders/{tenantId}/{id}`
  (and `/void/{id}`, `/close/{id}`); a path parameter of `OWNED_IDS` (`fulfillmentId`) names a row
  of one tenant: A's key asks for each of B's (404) and a GET for A's own (200); every other path
  parameter (a lookup's party, schedule, coupon or shipping status) is filled from
  `FOREIGN_VALUES`, the values B's orders share, and A's request must answer 200 with nothing of
  B's (an answer with no rows proves nothing: it is listed with the unexpected statuses). An
  operation with an `asOf` query asks for B's orders as they stood at a time B's history covers
  (404); one with an `after` page token pages A's order with B's token and with a token of another
  of A's orders (400), and B's order with B's token (400 or 404); one with an `exclusiveStartKey`
  page token asks for A's page with B's list page token, and (all but A's list itself) with A's
  list page token, a token of another query (400 both). The fulfillment list (its queries, and the
  seed's camelCase names for them) is asked with B's fulfillment ids as `starting_after` and
  `ending_before` cursors (400, with A's `order_id` too), for B's `order_id`, B's
  `tracking_number`s and B's `ids` (200 and no rows), for A's and B's `ids` together and for the
  `sku` and `tracking_company` both tenants' fulfillments share (`SHARED_QUERIES`: 200, A's rows
  only). B's orders and fulfillments, as B reads them, must be the same after the sweep and after
  schemathesis as before (a change is counted as a leak).

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

`{"requests", "routes_fuzzed", "server_errors", "schema_violations", "cross_tenant_leaks"}`; any of the
last three above zero fails the command. New routes join by being in the OpenAPI document; a route
whose ids are not order ids adds its id parameter to `FOREIGN_VALUES` (a value both tenants share)
or to `OWNED_IDS` (ids each tenant has its own of, seeded for both).
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
from typing import Any
from urllib.parse import urlencode

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
#: Where `{id}` is an order id (or `token-<token>`): these paths and the paths under them.
ORDER_ID_ROUTES = ("/orders/{tenantId}/{id}", "/orders/{tenantId}/void/{id}", "/orders/{tenantId}/close/{id}")
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


def call(base: str, method: str, path: str, key: str | None, body: Any = None) -> tuple[int, str]:
    status, text, _ = exchange(base, method, path, key, body)
    return status, text


def exchange(
    base: str, method: str, path: str, key: str | None, body: Any = None
) -> tuple[int, str, dict[str, str]]:
    """The status, body and headers of one request."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else {}
    if key is not None:
        headers["Authorization"] = key
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)  # noqa: S310
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
    from orders_domain.keys import parse_fulfillment_id

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


def tenant_view(base: str, tenant: Tenant) -> dict[str, str]:
    """The tenant's orders and fulfillments as its own key reads them: request -> status and body."""
    paths = [f"/orders/{tenant.tenant_id}/{order_id}?consistentRead=true" for order_id in tenant.order_ids]
    paths += [f"/orders/{tenant.tenant_id}/fulfillments/{f}" for f in tenant.fulfillment_ids]
    paths.append(f"/orders/{tenant.tenant_id}/fulfillments?limit=100")
    view = {}
    for path in paths:
        status, text = call(base, "GET", path, tenant.key)
        view[path] = f"{status} {text}"
    return view


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
    ) -> None:
        status, text = call(base, method, path, key, body)
        sweep.requests += 1
        where = f"{label}: {method} {path} -> {status}"
        if status >= 500:
            sweep.server_errors.append(where)
        # What the request itself carried may be echoed ("Order <id> was not found."): not a leak.
        sent = path + json.dumps(body)
        if any(secret in text for secret in b.secrets() if secret not in sent):
            sweep.leaks.append(where)
        elif status not in expected:
            (sweep.leaks if 200 <= status < 300 else sweep.unexpected).append(where)
        elif rows and not answered_rows(text):
            # Nothing found proves nothing: the shared values must find A's own orders.
            sweep.unexpected.append(f"{where} with no rows")
        elif rows is False and answered_rows(text):
            # B's values must find nothing: A's rows would be a filter that ignores them.
            sweep.unexpected.append(f"{where} with rows")

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
    lines = []
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


def run(max_examples: int, *, quick: bool = False) -> tuple[dict[str, int], dict[str, Any]]:
    from local.harness import running_api

    a = Tenant(TENANT_A, f"fuzz-a-{uuid.uuid4().hex}")
    b = Tenant(TENANT_B, f"fuzz-b-{uuid.uuid4().hex}")
    keys = {a.key: a.tenant_id, b.key: b.tenant_id}
    with running_api("fuzz", keys) as api, tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        seed(api.base_url, a)
        seed(api.base_url, b)
        # Before the history: the fulfils' stream records go through the order_stream handler too.
        seed_fulfillments(api.base_url, a)
        seed_fulfillments(api.base_url, b)
        with_history(api.base_url, api, [a, b])
        with_page_tokens(api.base_url, [a, b])
        document = api.gateway.openapi()
        b_before = tenant_view(api.base_url, b)
        # The sweep first: it sees the seeded orders as they are (schemathesis may patch or delete A's).
        sweep = tenant_sweep(api.base_url, document, a, b)
        sweep.leaks += changed(b_before, tenant_view(api.base_url, b), "after the sweep")
        # As under `make serve`, the stream consumer follows every write schemathesis makes: history
        # trails a change by a fraction of a second, as on AWS, and `?asOf=` of a moment whose history
        # is written is answered (a 503 is only right in that short window, not for the whole run).
        with stream_consumer(api):
            fuzzed = schemathesis(api.base_url, a, document, max_examples, Path(tmp), quick=quick)
        sweep.leaks += changed(b_before, tenant_view(api.base_url, b), "after schemathesis")
    operations = sum(len(methods) for methods in document["paths"].values())

    failures = fuzzed.get("failures") or []
    st_server_errors = sum(f["count"] for f in failures if f.get("code") in SERVER_ERROR_CODES)
    st_violations = sum(f["count"] for f in failures if f.get("code") not in SERVER_ERROR_CODES)
    results = {
        "requests": int(fuzzed["test_cases"]["generated"]) + sweep.requests,
        "routes_fuzzed": int(fuzzed["operations"]["tested"]),
        "server_errors": st_server_errors + len(sweep.server_errors),
        "schema_violations": st_violations,
        "cross_tenant_leaks": len(sweep.leaks),
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
        "schemathesis_summary": fuzzed["log"][-2500:],
    }
    return results, details


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few examples per operation (CI)")
    parser.add_argument("--output", default=RESULTS)
    args = parser.parse_args(argv)
    results, details = run(max_examples=25 if args.quick else 150, quick=args.quick)
    Path(args.output).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    for name, value in results.items():
        print(f"{name:<20}{value:>8}")
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
    failed = results["server_errors"] or results["schema_violations"] or results["cross_tenant_leaks"]
    if failed or details["untested_operations"]:
        print("\n" + details["schemathesis_summary"])
        print(f"\nFAIL: see above; wrote {args.output}")
        return 1
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
