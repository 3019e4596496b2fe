"""The source dialects in the fuzz (issue 21: the theatre's `/v3/...` and `/v1/...`, the
distribution's `/distribution/...`, JSON and XML): they name no tenant in the path, the key's own
is used, so the sweep probes them apart (`dialect_probes`); each tenant places a distribution order
under one number (`seed_distribution`, `placement_leaks`); the sweep's bodies for the theatre fulfil
and refund and the distribution cancel. The dialects' order routes (`DIALECT_ORDER_ID_ROUTES`) join
`ORDER_ID_ROUTES`."""

from __future__ import annotations

import json
from typing import Any

from orders_domain.domain.status_words import DISTRIBUTION_CANCELLED

from harness.fuzz import client
from harness.fuzz.core import (
    BODIES,
    FOCUSED,
    FOREIGN_VALUES,
    ORDER_ID_ROUTES,
    Probe,
    Tenant,
    fill,
    path_parameters,
)
from harness.fuzz.orders import seed_order

#: The source APIs' own dialects' order routes (issue 21): no `{tenantId}` in the path, the tenant
#: is the API key's own; `{id}` is an order id (or `token-<token>`) of that tenant.
DIALECT_ORDER_ID_ROUTES = ("/v3/orders/{id}", "/v1/orders/{id}", "/distribution/orders/{id}")
ORDER_ID_ROUTES.extend(DIALECT_ORDER_ID_ROUTES)
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
#: The key itself (issue 35): tenant-less like the dialects; it answers the key's own tenant only.
KEYS_CURRENT = "/keys/current"
# the dialects: the theatre fulfil takes no body; a theatre refund; a distribution cancel
BODIES[("POST", "/v3/orders/{id}/fulfill")] = None
BODIES[("POST", "/v1/orders/{id}/refunds")] = {
    "refundReasonName": "ChangedMindCannotMakeShow",
    "lineNumbers": [1],
}
BODIES[("PUT", "/distribution/orders/{id}")] = {"order": {"status": DISTRIBUTION_CANCELLED}}
#: The theatre answers' sub-resources (issue 32): one product, its pass, one payment of an order. Their
#: number (a line's, a payment's 1-based position) is one every tenant's ticket order has
#: (`FOREIGN_VALUES`); the sweep's own-order GETs ask them of the tenant's `TICKET` order (200: its
#: line 1 is a paid ticket, its fulfilment its payment 1), and schemathesis draws its id and the number
#: together (`FOCUSED`), else a real product, pass or payment is too rare to reach.
SUB_RESOURCES = (
    "/v3/orders/{id}/products/{lineNumber}",
    "/v3/orders/{id}/products/{lineNumber}/passbook",
    "/v3/orders/{id}/payments/{paymentNumber}",
)
FOREIGN_VALUES.update({"lineNumber": "1", "paymentNumber": "1"})
for _path in SUB_RESOURCES:
    FOCUSED[_path] = {
        "path.id": "ticket_ids",
        **{f"path.{name}": f"shared_{name}" for name in path_parameters(_path) if name != "id"},
    }
#: Each tenant's paid ticket order (fulfilled by `seed_ticket`): line 1 a ticket (not a fee, not
#: shipped, no vouchers) with the theatre's members, paid by card.
TICKET: dict[str, Any] = {
    "line_items": [
        {
            "order_line_item_id": "T1",
            "sku": "FUZZ-TICKET",
            "description": "ADULT Ticket",
            "quantity": 2,
            "unit_price": "12.50",
            "payload": {"theatre": "Fuzz Cinema 1", "movie": "Fuzz", "showDateTime": "2030-01-01 20:00"},
        }
    ],
    "payment_info": {"type": "Visa"},
}


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
    status, answer = client.call(base, "GET", f"/orders/{tenant.tenant_id}/{order_id}", tenant.key)
    if status != 200:
        raise SystemExit(f"cannot read the distribution order {order_id}: {status} {answer[:300]}")
    tenant.distribution_ids.append(order_id)
    tenant.order_ids.append(order_id)
    tenant.tokens.append(json.loads(answer)["token"])


def seed_distribution(base: str, a: Tenant, b: Tenant) -> list[str]:
    """B's distribution order, then A's under the same order number (`DISTRIBUTION_NUMBER`): A's
    must be A's own new order (201), not B's and not a 409. The leaks found (`placement_leaks`)."""
    status, text, _ = client.exchange(base, "POST", DISTRIBUTION_PLACE, b.key, distribution_body(b))
    if status != 201:
        raise SystemExit(f"cannot place the distribution order of {b.tenant_id}: {status} {text[:300]}")
    keep_distribution(base, b, text)
    status, text, headers = client.exchange(base, "POST", DISTRIBUTION_PLACE, a.key, distribution_body(a))
    leaks = placement_leaks(status, text, headers, a, b)
    if not leaks:
        keep_distribution(base, a, text)
    return leaks


def seed_ticket(base: str, tenant: Tenant) -> None:
    """The tenant's `TICKET` order (with its marker), fulfilled whole: a paid ticket with a payment."""
    order_id = seed_order(base, tenant, TICKET)["id"]
    status, text = client.call(base, "POST", f"/orders/{tenant.tenant_id}/{order_id}/fulfill", tenant.key)
    if status != 200:
        raise SystemExit(f"cannot fulfil the ticket order of {tenant.tenant_id}: {status} {text[:300]}")
    tenant.ticket_ids.append(order_id)


def dialect_probes(method: str, template_path: str, a: Tenant, b: Tenant) -> list[Probe]:
    """The sweep of a route that names no tenant (the key's is used): no key (401); B's key on A's
    order id and token (404: B's tenant has no such order); A's key on B's order ids, token and
    distribution order (404); on a GET, A's own order by id and by token (200). A distribution route
    again in XML both ways and with A's key in `DISTRIBUTION_KEY_HEADER`. Without an order id: the
    reasons list as A and as B (200, each with its own reason: the other's, of the same name, is
    not there); placing B's order (its number, its body) as A and A's as B (409: the number is
    each one's own already; B's order replayed to A would be a leak), as A in XML too, and A's own
    again (201, A's order); any other route, no key (401) and A's own request (nothing of B's). A theatre
    sub-resource (`SUB_RESOURCES`) is asked of A's ticket order (`TICKET`) where A has one (pure)."""
    distribution = template_path.startswith(DISTRIBUTION_ROUTES)
    body = BODIES.get((method, template_path))
    # the body's one member is the XML document's root (`{"order": {...}}` is `<order>...</order>`)
    xml_body = xml_document(*next(iter(body.items()))) if distribution and isinstance(body, dict) else None
    probes: list[Probe] = []
    if "id" in path_parameters(template_path):
        own_id = a.distribution_ids[0] if distribution and a.distribution_ids else a.order_ids[0]
        own_token = a.tokens[0]
        if template_path in SUB_RESOURCES and a.ticket_ids:
            own_id = a.ticket_ids[0]
            own_token = a.tokens[a.order_ids.index(own_id)]

        def at(order_ref: str) -> str:
            return fill(template_path, {**FOREIGN_VALUES, "id": order_ref})

        probes.append(Probe("no key", at(own_id), None, {401}, body))
        for ref in dict.fromkeys((own_id, f"token-{own_token}")):
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
            for ref in dict.fromkeys((own_id, f"token-{own_token}")):
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
    elif (method, template_path) == ("GET", KEYS_CURRENT):
        probes += [
            Probe("no key", path, None, {401}),
            Probe("own key", path, a.key, {200}, holds=a.tenant_id),
            Probe("other tenant's key", path, b.key, {200}, holds=b.tenant_id),
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
