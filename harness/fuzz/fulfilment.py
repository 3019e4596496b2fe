"""The fulfilment routes in the fuzz: each tenant's order fulfilled one unit at a time, twice
(`TO_FULFIL`, `seed_fulfillments`: its own tracking numbers, the shared carrier and sku, its marker
in the tracking URL and metadata), a fulfillment's id as a row of one tenant (`OWNED_IDS`), the
fulfillment list's probes (`fulfillment_list_probes`), what schemathesis draws for the fulfillment
routes (`FULFILLMENT_BINDINGS`, `fulfillment_dictionaries`), and the sweep's bodies for a fulfil, a
cancel and a fulfillment's PATCH. Void and close (`/orders/{tenantId}/void/{id}`, `/close/{id}`)
join `ORDER_ID_ROUTES`."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from harness.fuzz import client
from harness.fuzz.core import BODIES, ORDER_ID_ROUTES, OWNED_IDS, Tenant
from harness.fuzz.orders import seed_order

ORDER_ID_ROUTES.extend(("/orders/{tenantId}/void/{id}", "/orders/{tenantId}/close/{id}"))
OWNED_IDS["fulfillmentId"] = "fulfillment_ids"
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
BODIES[("POST", "/orders/{tenantId}/{id}/fulfill")] = {"tracking_number": "fuzz-sweep"}
BODIES[("POST", "/orders/{tenantId}/{id}/cancel")] = {"reason": "fuzz"}
BODIES[("PATCH", "/orders/{tenantId}/fulfillments/{fulfillmentId}")] = {
    "tracking_url": "https://track.example/x"
}


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
        status, text, headers = client.exchange(base, "POST", path, tenant.key, body)
        fulfillment_id = fulfillment_id_of(headers.get("Location"))
        if status != 200 or fulfillment_id is None:
            raise SystemExit(f"cannot fulfil {path}: {status} {headers.get('Location')} {text[:300]}")
        tenant.fulfillment_ids.append(fulfillment_id)
        tenant.tracking_numbers.append(body["tracking_number"])


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
