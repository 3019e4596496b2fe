"""The orders routes in the fuzz: each tenant's seeded orders (`SEEDED`: sharing one party,
installment schedule and coupon with the other tenant's, `SHARED_ID`, `SHARED_COUPON`), the sweep's
order body (`ORDER`), and the list's page tokens (`with_page_tokens`) and their probes
(`page_token_probes`). The order-id route `/orders/{tenantId}/{id}`, and the paths under it, joins
`ORDER_ID_ROUTES`."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from harness.fuzz import client
from harness.fuzz.core import FOREIGN_VALUES, ORDER_ID_ROUTES, Tenant

ORDER_ID_ROUTES.append("/orders/{tenantId}/{id}")
#: The sweep's body of a POST, PUT or PATCH that has none in `BODIES`: an order.
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
    # the back office's own field: never in a portal answer (portal.py checks it is left out)
    "notes": "back office note",
}
#: Each tenant's seeded orders: billed to the shared contact and shipped to the shared organization,
#: then the other way round, so each party lookup finds one (and each is the shared party's: the
#: tenant's `party_order_ids`, what the portal key of the shared contact sees).
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
#: The query parameter of signed list page tokens, and the one operation A's list tokens belong to.
PAGE_TOKEN = "exclusiveStartKey"  # noqa: S105 - a parameter's name
LIST_ROUTE = ("GET", "/orders/{tenantId}")


def seed(base: str, tenant: Tenant) -> None:
    """The tenant's orders (`SEEDED`), each with its marker, and its own refund reason named as the
    other tenant's (`FOREIGN_VALUES["name"]`), its description the marker."""
    path = f"/orders/{tenant.tenant_id}/refund-reasons/{FOREIGN_VALUES['name']}"
    status, text = client.call(base, "PUT", path, tenant.key, {"description": f"reason {tenant.marker}"})
    if status != 200:
        raise SystemExit(f"cannot seed the refund reason of {tenant.tenant_id}: {status} {text[:300]}")
    for order in SEEDED:
        tenant.party_order_ids.append(seed_order(base, tenant, order)["id"])


def seed_order(base: str, tenant: Tenant, order: dict[str, Any]) -> dict[str, Any]:
    """Create one order of the tenant, with its marker: as answered (its id and token kept)."""
    status, text = client.call(
        base, "POST", f"/orders/{tenant.tenant_id}", tenant.key, {**order, "memo": tenant.marker}
    )
    if status != 201:
        raise SystemExit(f"cannot seed an order of {tenant.tenant_id}: {status} {text[:300]}")
    created: dict[str, Any] = json.loads(text)
    tenant.order_ids.append(created["id"])
    tenant.tokens.append(created["token"])
    return created


def with_page_tokens(base: str, tenants: list[Tenant]) -> None:
    """Each tenant's list page token: `LastEvaluatedKey` of its list's first page of one row."""
    for tenant in tenants:
        status, text = client.call(base, "GET", f"/orders/{tenant.tenant_id}?limit=1", tenant.key)
        token = json.loads(text).get("LastEvaluatedKey") if status == 200 else None
        if not token:
            raise SystemExit(f"no list page token for {tenant.tenant_id}: {status} {text[:300]}")
        tenant.page_tokens.append(token)


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
