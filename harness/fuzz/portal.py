"""The customer portal in the fuzz (issue 32): its four routes in the tables, and the **portal sweep**.

The portal routes (search_orders, scope `orders:portal`): `GET /orders/{tenantId}/portal/contact/
{contactId}` and `/{id}`, and the organization's. A portal key is bound to one party of one tenant
and reaches those routes for that party only; a staff key with `orders:read` reaches them for any
party (the tenant sweep asks them so: A's staff key, the shared party, `FOREIGN_VALUES`). Their get
is an order-id route (`ORDER_ID_ROUTES`: B's ids 404 to A's key); schemathesis draws its order id and
party together (`FOCUSED`: the shared party's orders, `Tenant.party_order_ids`), so it reaches a
real order, not only 404s.

The portal sweep (`portal_sweep`, after the tenant sweep, on the orders as seeded) asks with a portal
key of tenant A's shared contact C (`PARTY`: the seeded orders' bill-to or ship-to, `make_portal_key`):

- every other route of the document (`portal_probes`): 403, on A's path with A's ids, on B's path, and
  on an order route with B's order id — whatever the ids, the key's scope is refused first;
- the portal routes for every other party: another contact, the organization with C's id, C's
  contact on B's path, C's id in upper case: 403;
- the portal get of every order id and token of A that is not C's and of every one of B's: 404, its
  body the same as a missing id's (the problem's `instance`, the request id, apart) and the same
  `Content-Type` — a portal never learns that an id exists;
- C's list with B's list page token, A's list page token, B's portal page token of C and A's portal
  page token of the organization (each another query) as `exclusiveStartKey`: 400;
- C's own list (one page of 100, and one row a page followed to the end) and the get of each of C's
  orders by id and by token: 200, exactly C's orders (bill-to or ship-to C, as A's staff key reads
  them), each once, none with `notes`, another back-office field or a `sys_*` field but
  `sys_version`, and none of the payer's data on an order C is only the ship-to of;
- no answer holding anything of B's (`Tenant.secrets`) that the request did not carry.

Each check is counted by kind (`PortalSweep.checks`); each failure is a violation, and any violation
fails the run (security-results.json `portal_sweep`, `portal_violations`).
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from harness.fuzz import client
from harness.fuzz.core import (
    BODIES,
    FOCUSED,
    FOREIGN_VALUES,
    ORDER_ID_ROUTES,
    Tenant,
    fill,
    is_order_id_route,
    is_tenant_from_key,
    own_ids,
)
from harness.fuzz.orders import ORDER, PAGE_TOKEN, SHARED_ID

CONTACT_LIST = "/orders/{tenantId}/portal/contact/{contactId}"
CONTACT_ORDER = CONTACT_LIST + "/{id}"
ORGANIZATION_LIST = "/orders/{tenantId}/portal/organization/{organizationId}"
ORGANIZATION_ORDER = ORGANIZATION_LIST + "/{id}"
PORTAL_ROUTES = frozenset(
    ("GET", path) for path in (CONTACT_LIST, CONTACT_ORDER, ORGANIZATION_LIST, ORGANIZATION_ORDER)
)
ORDER_ID_ROUTES.extend((CONTACT_ORDER, ORGANIZATION_ORDER))
# the shared party: every seeded order of both tenants is billed or shipped to it
FOREIGN_VALUES.update({"contactId": SHARED_ID, "organizationId": SHARED_ID})
FOCUSED[CONTACT_ORDER] = {"path.id": "party_order_ids", "path.contactId": "shared_contactId"}
FOCUSED[ORGANIZATION_ORDER] = {"path.id": "party_order_ids", "path.organizationId": "shared_organizationId"}
#: The party of the sweep's portal key: tenant A's shared contact.
PARTY = ("contact", SHARED_ID)
#: A contact no order names.
OTHER_CONTACT = "fuzz-other-contact"
#: Fields no portal answer holds (domain/portal.py: the back office's; `sys_*` but `sys_version` too).
LEFT_OUT = frozenset({"notes", "override", "batch_id", "process_id", "billing_run_id", "preview_id"})
KEPT_SYS = frozenset({"sys_version"})
#: The payer's data, not shown to a party that is only the ship-to (domain/portal.py `PAYER_FIELDS`).
PAYER = frozenset(
    {
        "bill_to_contact_id",
        "bill_to_organization_id",
        "billing_address",
        "payment_info",
        "payment_method",
        "payments",
        "refunded_payments",
        "credit_usages",
    }
)


@dataclass
class PortalSweep:
    requests: int = 0
    checks: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)

    def results(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "checks": dict(sorted(self.checks.items())),
            "violations": self.violations,
        }


@dataclass(frozen=True)
class PortalProbe:
    """One request of the portal sweep: its kind (what `checks` counts), method, path, body, the
    statuses allowed."""

    kind: str
    label: str
    method: str
    path: str
    expected: frozenset[int]
    body: Any = None


def make_portal_key(tenant: Tenant, party: tuple[str, str] = PARTY) -> str:
    """A portal key of the tenant's party, stored as `make api-key PORTAL_CONTACT=...` stores one (the
    running API's own key store: call it inside `harness.common.running_api`)."""
    from orders_domain.http.auth import store_api_key
    from orders_domain.runtime import wiring

    key = f"fuzz-portal-{uuid.uuid4().hex}"
    store_api_key(wiring.current().api_keys, tenant.tenant_id, key, [], party=party)
    return key


def party_path(template: str, tenant: Tenant, party_id: str, order_ref: str | None = None) -> str:
    """A portal route's path of the tenant for this party id (and order) (pure)."""
    values = {"tenantId": tenant.tenant_id, "contactId": party_id, "organizationId": party_id}
    return fill(template, {**values, **({"id": order_ref} if order_ref else {})})


def portal_probes(document: Mapping[str, Any], a: Tenant, b: Tenant) -> list[PortalProbe]:
    """Every request of the sweep that is judged by its status alone (pure): 403 on every other route
    and on every other party's portal routes; C's list with another query's page token, 400."""
    forbidden = frozenset({403})
    probes: list[PortalProbe] = []
    for template, operations in document["paths"].items():
        for method in operations:
            verb = method.upper()
            if (verb, template) in PORTAL_ROUTES:
                continue
            body = BODIES.get((verb, template), ORDER if verb in ("POST", "PUT", "PATCH") else None)
            order_route = is_order_id_route(template)
            mine = {**own_ids(template, a), **({"id": a.order_ids[0]} if order_route and a.order_ids else {})}
            paths = [fill(template, {**FOREIGN_VALUES, **mine, "tenantId": a.tenant_id})]
            if not is_tenant_from_key(template):
                paths.append(fill(template, {**FOREIGN_VALUES, **mine, "tenantId": b.tenant_id}))
            if order_route and b.order_ids:
                paths.append(
                    fill(template, {**FOREIGN_VALUES, "id": b.order_ids[0], "tenantId": a.tenant_id})
                )
            probes += [
                PortalProbe("other route", f"{verb} {template}", verb, path, forbidden, body)
                for path in dict.fromkeys(paths)
            ]
    own = a.party_order_ids[0] if a.party_order_ids else "x"
    parties = [
        (CONTACT_LIST, CONTACT_ORDER, a, OTHER_CONTACT, "another contact"),
        (CONTACT_LIST, CONTACT_ORDER, a, SHARED_ID.upper(), "the contact's id in upper case"),
        (ORGANIZATION_LIST, ORGANIZATION_ORDER, a, SHARED_ID, "the organization of the contact's id"),
        (ORGANIZATION_LIST, ORGANIZATION_ORDER, a, OTHER_CONTACT, "another organization"),
        (CONTACT_LIST, CONTACT_ORDER, b, SHARED_ID, "the contact on the other tenant's path"),
    ]
    for listed, one, tenant, party_id, label in parties:
        probes.append(
            PortalProbe("other party", label, "GET", party_path(listed, tenant, party_id), forbidden)
        )
        probes.append(
            PortalProbe("other party", label, "GET", party_path(one, tenant, party_id, own), forbidden)
        )
    return probes


def token_probes(tokens: Mapping[str, list[str]], a: Tenant) -> list[PortalProbe]:
    """C's list with each other query's page token (label -> tokens): 400 (pure)."""
    own = party_path(CONTACT_LIST, a, PARTY[1])
    return [
        PortalProbe("page token", label, "GET", f"{own}?{urlencode({PAGE_TOKEN: token})}", frozenset({400}))
        for label, values in tokens.items()
        for token in values
    ]


def shape(text: str) -> str:
    """A problem answer without what differs from request to request (its `instance`, the request's
    id) (pure)."""
    try:
        answer = json.loads(text)
    except ValueError:
        return text
    if isinstance(answer, dict) and "instance" in answer:
        answer["instance"] = "<request id>"
    return json.dumps(answer)


def belongs(order: Mapping[str, Any], party: tuple[str, str]) -> bool:
    """Whether the party is the order's bill-to or ship-to (type and id) (pure)."""
    kind, party_id = party
    return any(
        order.get(f"{role}_type") == kind and order.get(f"{role}_{kind}_id") == party_id
        for role in ("bill_to", "ship_to")
    )


def field_problems(order: Mapping[str, Any], party: tuple[str, str]) -> list[str]:
    """What a portal answer's order holds that it must not (pure): a back-office field, a `sys_*`
    field but `sys_version`, the payer's data where the party is only the ship-to. `order` is the
    answer's, `party` the portal's."""
    names = set(order)
    found = sorted(names & LEFT_OUT) + sorted(n for n in names if n.startswith("sys_") and n not in KEPT_SYS)
    kind, party_id = party
    payer = order.get("bill_to_type") == kind and order.get(f"bill_to_{kind}_id") == party_id
    if not payer and "bill_to_type" in order:
        found += sorted(names & PAYER)
    return found


def list_problems(answer: Any, expected: set[str], party: tuple[str, str]) -> list[str]:
    """What is wrong with a page of the party's list (one page of all of it) (pure): other orders
    than `expected`, one twice, an order with a field it must not hold."""
    items = answer.get("Items") if isinstance(answer, dict) else None
    if not isinstance(items, list):
        return ["not a list page"]
    ids = [str(item.get("id")) for item in items if isinstance(item, dict)]
    problems = []
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        problems.append(f"listed twice: {twice}")
    if set(ids) != expected:
        problems.append(
            f"listed {sorted(set(ids) - expected)} beyond and lacks {sorted(expected - set(ids))}"
        )
    for item in items:
        bad = field_problems(item, party)
        if bad:
            problems.append(f"order {item.get('id')} holds {bad}")
    return problems


def tenant_orders(base: str, tenant: Tenant, sweep: PortalSweep) -> list[dict[str, Any]]:
    """Every order of the tenant, whole, as its staff key lists them (the tenant list, 100 a page)."""
    orders: list[dict[str, Any]] = []
    after: str | None = None
    for _ in range(100):
        query = {"limit": "100", "consistentRead": "true", **({PAGE_TOKEN: after} if after else {})}
        status, text, _ = client.exchange(
            base, "GET", f"/orders/{tenant.tenant_id}?{urlencode(query)}", tenant.key
        )
        sweep.requests += 1
        if status != 200:
            sweep.violations.append(f"setup: {tenant.tenant_id}'s list answers {status} {text[:200]}")
            break
        page = json.loads(text)
        orders += [item for item in page.get("Items") or [] if isinstance(item, dict)]
        after = page.get("LastEvaluatedKey")
        if not after:
            break
    return orders


def portal_sweep(
    base: str, document: Mapping[str, Any], a: Tenant, b: Tenant, key: str, *, party: tuple[str, str] = PARTY
) -> PortalSweep:
    """The sweep (the module's docstring) with `key`, a portal key of A's `party`."""
    sweep = PortalSweep()

    def ask(
        kind: str, label: str, method: str, path: str, body: Any = None, asking: str = key
    ) -> tuple[int, str, dict[str, str]]:
        status, text, headers = client.exchange(base, method, path, asking, body)
        sweep.requests += 1
        sweep.checks[kind] += 1
        sent = path + ("" if body is None else json.dumps(body))
        if asking == key and any(secret in text and secret not in sent for secret in b.secrets()):
            sweep.violations.append(f"{kind}: {label}: {method} {path} -> {status} with {b.tenant_id}'s data")
        if status >= 500:
            sweep.violations.append(f"{kind}: {label}: {method} {path} -> {status} {text[:200]}")
        return status, text, headers

    for probe in portal_probes(document, a, b):
        status, text, _ = ask(probe.kind, probe.label, probe.method, probe.path, probe.body)
        if status not in probe.expected:
            sweep.violations.append(
                f"{probe.kind}: {probe.label}: {probe.method} {probe.path} -> {status} {text[:200]}"
            )

    # What A's staff key lists (every order of A's, whole): which are the party's, the portal's oracle.
    owned: dict[str, dict[str, Any]] = {}
    others: list[str] = []
    for order in tenant_orders(base, a, sweep):
        refs = [str(order.get("id")), *([f"token-{order['token']}"] if order.get("token") else [])]
        if belongs(order, party):
            owned[str(order.get("id"))] = order
        else:
            others += refs
    if not any("notes" in order for order in owned.values()):
        sweep.violations.append("setup: no order of the party has `notes`: leaving them out proves nothing")
    one = CONTACT_ORDER if party[0] == "contact" else ORGANIZATION_ORDER
    listed = CONTACT_LIST if party[0] == "contact" else ORGANIZATION_LIST
    if not owned or not others:
        sweep.violations.append(f"setup: A has {len(owned)} orders of the party and {len(others)} others")

    # A missing id's answer, then every other order of A's and every one of B's: the same answer.
    missing = f"fuzz-missing-{uuid.uuid4().hex[:12]}"
    status, text, headers = ask("missing order", "missing", "GET", party_path(one, a, party[1], missing))
    expected_shape, expected_type = shape(text), headers.get("Content-Type")
    if status != 404:
        sweep.violations.append(f"missing order: GET {party_path(one, a, party[1], missing)} -> {status}")
    foreign = [*others, *b.order_ids, *(f"token-{t}" for t in b.tokens)]
    for ref in dict.fromkeys(foreign):
        path = party_path(one, a, party[1], ref)
        status, text, headers = ask("not the party's order", ref, "GET", path)
        if status != 404 or shape(text) != expected_shape or headers.get("Content-Type") != expected_type:
            sweep.violations.append(
                f"not the party's order: GET {path} -> {status} {text[:200]} "
                f"(a missing id's: {expected_shape[:200]})"
            )

    # Page tokens of other queries: B's list, A's list, B's portal of the party, A's portal of another party.
    def first_token(path: str, asking: str) -> list[str]:
        status, text, _ = client.exchange(base, "GET", f"{path}?limit=1", asking)
        sweep.requests += 1
        token = json.loads(text).get("LastEvaluatedKey") if status == 200 else None
        return [token] if token else []

    other_kind = "organization" if party[0] == "contact" else "contact"
    other_listed = ORGANIZATION_LIST if party[0] == "contact" else CONTACT_LIST
    tokens = {
        f"{b.tenant_id}'s list page token": b.page_tokens,
        f"{a.tenant_id}'s list page token": a.page_tokens,
        f"{b.tenant_id}'s portal page token of the party": first_token(
            party_path(listed, b, party[1]), b.key
        ),
        f"{a.tenant_id}'s portal page token of the {other_kind}": first_token(
            party_path(other_listed, a, party[1]), a.key
        ),
    }
    if not all(tokens.values()):
        sweep.violations.append(f"setup: no page token for {[k for k, v in tokens.items() if not v]}")
    for probe in token_probes(tokens, a) if listed == CONTACT_LIST else []:
        status, text, _ = ask(probe.kind, probe.label, probe.method, probe.path)
        if status not in probe.expected:
            sweep.violations.append(f"page token: {probe.label}: GET {probe.path} -> {status} {text[:200]}")

    # The party's own orders: its list (one page, then one row a page) and each order by id and token.
    own_list = party_path(listed, a, party[1])
    status, text, _ = ask("own list", "one page", "GET", f"{own_list}?limit=100&consistentRead=true")
    problems = (
        list_problems(json.loads(text), set(owned), party) if status == 200 else [f"{status} {text[:200]}"]
    )
    sweep.violations += [f"own list: GET {own_list}?limit=100: {p}" for p in problems]
    walked: list[str] = []
    after: str | None = None
    for _ in range(len(owned) + 2):
        query = {"limit": "1", **({PAGE_TOKEN: after} if after else {})}
        status, text, _ = ask("own list", "one a page", "GET", f"{own_list}?{urlencode(query)}")
        if status != 200:
            sweep.violations.append(f"own list: GET {own_list} one a page -> {status} {text[:200]}")
            break
        page = json.loads(text)
        walked += [item.get("id") for item in page.get("Items") or []]
        after = page.get("LastEvaluatedKey")
        if not after:
            break
    if sorted(walked) != sorted(owned):
        sweep.violations.append(f"own list, one a page: listed {walked}, the party's are {sorted(owned)}")
    for order_id, order in owned.items():
        for ref in (order_id, f"token-{order.get('token')}"):
            path = party_path(one, a, party[1], ref)
            status, text, _ = ask("own order", ref, "GET", path)
            answer = json.loads(text) if status == 200 else {}
            bad = field_problems(answer, party) if status == 200 else []
            if status != 200 or answer.get("id") != order_id or bad:
                sweep.violations.append(f"own order: GET {path} -> {status} {bad or text[:200]}")
    return sweep
