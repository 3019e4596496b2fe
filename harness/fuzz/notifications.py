"""The notification route in the fuzz (issue 32: `POST /orders/{tenantId}/notifications/preview`,
notify_order): the order is named in the body (`order_id`, an id or `token-<token>`), not in the
path, so the sweep's generic probes cannot swap it; this family asks it itself (`notification_probes`,
in `FAMILY_PROBES`; its path in `SELF_SWEPT`): A's key with A's first order (200: the e-mail renders
A's marker, the order's `memo`) and with B's order id and token (404, nothing of B's rendered: B's
marker in the answer would be a leak). No key (401) and B's key (403) are the sweep's own probes,
with `BODY`. schemathesis draws `order_id` from A's order ids and tokens (`FOCUSED`), so its requests
reach real orders, not only 404s. Under the harness the e-mails go to a local outbox file
(`ORDERS_EMAIL_OUTBOX`, a temporary file of the run: results.py)."""

from __future__ import annotations

from typing import Any

from harness.fuzz.core import BODIES, FAMILY_PROBES, FOCUSED, Probe, Tenant, fill

NOTIFY = "/orders/{tenantId}/notifications/preview"


def notification_body(order_ref: str) -> dict[str, Any]:
    """An e-mail of the order: its id in the subject, its `memo` (the tenant's marker) in the body
    (pure)."""
    return {
        "order_id": order_ref,
        "email_template": {"subject": "Order {{order.id}}", "body": "<p>{{order.memo}}</p>"},
        "destination_email_address": "fuzz@example.com",
    }


BODIES[("POST", NOTIFY)] = notification_body("fuzz-order")
FOCUSED[NOTIFY] = {"body.order_id": "order_ids"}


def with_notification_body(a: Tenant) -> None:
    """The sweep's body of the route: an e-mail of A's first order (once A's orders are seeded)."""
    BODIES[("POST", NOTIFY)] = notification_body(a.order_ids[0])


def notification_probes(
    method: str, template_path: str, queries: set[Any], a: Tenant, b: Tenant
) -> list[Probe]:
    """A's key: A's first order's e-mail (200, with A's marker), B's order id and token (404) (pure)."""
    if (method, template_path) != ("POST", NOTIFY) or not (a.order_ids and b.order_ids and b.tokens):
        return []
    path = fill(NOTIFY, {"tenantId": a.tenant_id})
    probes = [
        Probe("own order's e-mail", path, a.key, {200}, notification_body(a.order_ids[0]), holds=a.marker)
    ]
    for ref in dict.fromkeys((*b.order_ids, f"token-{b.tokens[0]}")):
        probes.append(Probe("other tenant's order_id", path, a.key, {404}, notification_body(ref)))
    return probes


FAMILY_PROBES.append(notification_probes)
