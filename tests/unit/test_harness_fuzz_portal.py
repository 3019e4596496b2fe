"""The fuzz's customer portal (harness/fuzz/portal.py, issue 32): the portal routes in the fuzz's
tables, and the portal sweep against a fake API — one that keeps the portal's rules passes it; one
that breaks any of them (another order shown, an id told apart from a missing one, a back-office field
shown, another route or party let through, another query's page token taken, an order listed twice)
is a violation."""

from __future__ import annotations

import json
import re
import tomllib
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from harness import fuzz
from tests.helpers import ROOT

SHARED = "shared-fuzz"
PORTAL_KEY = "kp"
CONTACT_LIST = "/orders/{tenantId}/portal/contact/{contactId}"
CONTACT_ORDER = CONTACT_LIST + "/{id}"
ORGANIZATION_LIST = "/orders/{tenantId}/portal/organization/{organizationId}"
ORGANIZATION_ORDER = ORGANIZATION_LIST + "/{id}"
DOCUMENT: dict[str, Any] = {
    "paths": {
        "/orders/{tenantId}": {"get": {}, "post": {}},
        "/orders/{tenantId}/{id}": {"get": {}, "patch": {}},
        "/orders/{tenantId}/billToContact/{id}": {"get": {}},
        "/v3/orders/{id}": {"get": {}},
        CONTACT_LIST: {"get": {}},
        CONTACT_ORDER: {"get": {}},
        ORGANIZATION_LIST: {"get": {}},
        ORGANIZATION_ORDER: {"get": {}},
    }
}


def tenants() -> tuple[fuzz.Tenant, fuzz.Tenant]:
    a = fuzz.Tenant(
        "tenant-a",
        "ka",
        order_ids=["a-billed", "a-shipped", "a-other"],
        tokens=["ta1", "ta2", "ta3"],
        page_tokens=["LIST-A"],
        party_order_ids=["a-billed", "a-shipped"],
    )
    b = fuzz.Tenant(
        "tenant-b",
        "kb",
        order_ids=["b-billed", "b-shipped"],
        tokens=["tb1", "tb2"],
        page_tokens=["LIST-B"],
        party_order_ids=["b-billed", "b-shipped"],
    )
    return a, b


def orders_of(tenant: fuzz.Tenant) -> list[dict[str, Any]]:
    """The tenant's orders as its staff key reads them: the first billed to the shared contact, the
    second shipped to it (billed to the organization), the third nobody's; each with `notes`."""
    parties = [
        {"bill_to_type": "contact", "bill_to_contact_id": SHARED, "ship_to_type": "organization"},
        {"bill_to_type": "organization", "bill_to_organization_id": SHARED, "ship_to_type": "contact"},
        {"bill_to_type": "contact", "bill_to_contact_id": "someone"},
    ]
    made = []
    for n, (order_id, token) in enumerate(zip(tenant.order_ids, tenant.tokens, strict=True)):
        party = dict(parties[n % 3])
        if party.get("ship_to_type") == "contact":
            party["ship_to_contact_id"] = SHARED
        elif party.get("ship_to_type") == "organization":
            party["ship_to_organization_id"] = SHARED
        made.append(
            {
                "id": order_id,
                "token": token,
                "memo": tenant.marker,
                "notes": "back office",
                "sys_version": 1,
                "sys_created_by": "admin",
                "payment_info": {"type": "Visa"},
                **party,
            }
        )
    return made


Exchange = Callable[..., tuple[int, str, dict[str, str]]]


def fake_api(a: fuzz.Tenant, b: fuzz.Tenant, *, broken: str | None = None) -> Exchange:
    """The API as the portal's rules say (`broken`: which rule it breaks). Staff keys `ka`, `kb`; the
    portal key `kp` of A's shared contact."""
    stored = {a.tenant_id: orders_of(a), b.tenant_id: orders_of(b)}
    keys = {a.key: a.tenant_id, b.key: b.tenant_id, PORTAL_KEY: a.tenant_id}
    issued: dict[str, str] = {}  # page token -> the query (path) it was issued for

    def answer(status: int, body: Any) -> tuple[int, str, dict[str, str]]:
        media = "application/problem+json" if status >= 400 else "application/json"
        return status, json.dumps(body), {"Content-Type": media}

    def problem(status: int, detail: str) -> tuple[int, str, dict[str, str]]:
        return answer(status, {"status": status, "detail": detail, "instance": str(uuid.uuid4())})

    def portal_view(order: dict[str, Any], kind: str, party: str) -> dict[str, Any]:
        billed = order.get("bill_to_type") == kind and order.get(f"bill_to_{kind}_id") == party
        hidden = {"notes"} if broken != "notes" else set()
        hidden |= set() if billed else {"payment_info", f"bill_to_{order['bill_to_type']}_id"}
        return {
            k: v
            for k, v in order.items()
            if k not in hidden and (not k.startswith("sys_") or k == "sys_version")
        }

    def belongs(order: dict[str, Any], kind: str, party: str) -> bool:
        return any(
            order.get(f"{role}_type") == kind and order.get(f"{role}_{kind}_id") == party
            for role in ("bill_to", "ship_to")
        )

    def page(
        path: str, items: list[dict[str, Any]], query: dict[str, list[str]]
    ) -> tuple[int, str, dict[str, str]]:
        start = query.get("exclusiveStartKey", [None])[0]
        offset = 0
        if start is not None:
            if issued.get(start) != path and broken != "tokens":
                return problem(400, "This page token belongs to another query.")
            offset = int(start.rsplit("-", 1)[1]) if start.startswith("page-") else 0
        limit = int(query.get("limit", ["25"])[0])
        rows = items[offset : offset + limit]
        token = None
        if offset + limit < len(items):
            token = f"page-{uuid.uuid4().hex[:6]}-{offset + limit}"
            issued[token] = path
        return answer(200, {"Count": len(rows), "Items": rows, "LastEvaluatedKey": token})

    def exchange(
        base: str, method: str, path: str, key: str | None, body: Any = None, *, headers: Any = None
    ) -> tuple[int, str, dict[str, str]]:
        split = urlsplit(path)
        query = parse_qs(split.query)
        if key not in keys:
            return problem(401, "Unauthorized")
        tenant = keys[key]
        portal = re.fullmatch(
            r"/orders/([^/]+)/portal/(contact|organization)/([^/]+)(?:/([^/]+))?", split.path
        )
        if key == PORTAL_KEY and broken != "routes":
            if not portal or portal.group(1) != tenant or portal.group(2, 3) != ("contact", SHARED):
                return problem(403, "Forbidden")
        elif key == PORTAL_KEY and not portal:
            return answer(200, {"id": "anything"})
        if portal:
            if portal.group(1) != tenant:
                return problem(403, "Forbidden")
            kind, party, ref = portal.group(2, 3, 4)
            mine = [o for o in stored[tenant] if belongs(o, kind, party)]
            if broken == "twice":
                mine = [*mine, mine[0]]
            views = [portal_view(o, kind, party) for o in mine]
            if ref is None:
                return page(split.path, views, query)
            every = stored[tenant] if broken == "others" else mine
            for order in every:
                if ref in (order["id"], f"token-{order['token']}"):
                    return answer(200, portal_view(order, kind, party))
            exists = any(ref in (o["id"], f"token-{o['token']}") for o in stored[tenant])
            if broken == "tells" and exists:
                return problem(404, "That order is someone else's.")
            return problem(404, "No such order.")
        if split.path == f"/orders/{tenant}" and method == "GET":
            return page(split.path, stored[tenant], query)
        return answer(200, {"id": "x"})

    return exchange


def run_sweep(monkeypatch: pytest.MonkeyPatch, broken: str | None = None) -> fuzz.PortalSweep:
    a, b = tenants()
    monkeypatch.setattr(fuzz.client, "exchange", fake_api(a, b, broken=broken))
    return fuzz.portal_sweep("http://api", DOCUMENT, a, b, PORTAL_KEY)


# ---------------------------------------------------------------------------- the tables
def test_given_the_document_when_read_then_the_portal_routes_are_order_id_routes_with_shared_parties() -> (
    None
):
    document = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    portal_paths = {p for p in document["paths"] if "/portal/" in p}
    # THEN the four portal operations are the document's, each a GET
    assert {("GET", p) for p in portal_paths} == set(fuzz.PORTAL_ROUTES)
    # AND the gets' `{id}` is an order id (B's is a 404 to A's staff key), the lists' is not there
    assert fuzz.is_order_id_route(CONTACT_ORDER)
    assert fuzz.is_order_id_route(ORGANIZATION_ORDER)
    assert not fuzz.is_order_id_route(CONTACT_LIST)
    # AND the party is the one every seeded order of both tenants is billed or shipped to
    assert fuzz.FOREIGN_VALUES["contactId"] == fuzz.FOREIGN_VALUES["organizationId"] == fuzz.SHARED_ID
    assert fuzz.PARTY == ("contact", fuzz.SHARED_ID)
    # AND the seeded orders carry a back-office note (its absence from the portal proves something)
    assert all(order.get("notes") for order in fuzz.SEEDED)


def test_given_a_s_party_orders_when_configured_then_schemathesis_draws_them_with_the_party() -> None:
    a, _ = tenants()
    config = tomllib.loads(fuzz.schemathesis_config(a, [], list(DOCUMENT["paths"])))
    (block,) = [o for o in config["operations"] if o["include-path"] == [CONTACT_ORDER]]
    assert block["parameters"] == {
        "path.id": {"dictionary": "party_order_ids", "probability": fuzz.FOCUSED_DRAWN},
        "path.contactId": {"dictionary": "shared_contactId", "probability": fuzz.FOCUSED_DRAWN},
    }
    assert config["dictionaries"]["party_order_ids"]["values"] == [
        "a-billed",
        "a-shipped",
        "token-ta1",
        "token-ta2",
    ]
    # AND an operation not in the document gets no block (the coupon-code action's is not in DOCUMENT)
    assert not [o for o in config["operations"] if fuzz.COUPON_CODE_ACTION in o["include-path"]]


def test_given_the_document_when_probed_then_every_other_route_and_party_is_forbidden() -> None:
    a, b = tenants()
    probes = fuzz.portal_probes(DOCUMENT, a, b)
    assert all(p.expected == {403} for p in probes)
    routes = {(p.method, p.path) for p in probes if p.kind == "other route"}
    # every operation but the portal's, on A's path, on B's path, and an order route with B's order
    assert ("GET", "/orders/tenant-a") in routes
    assert ("GET", "/orders/tenant-b") in routes
    assert ("POST", "/orders/tenant-a") in routes
    assert ("PATCH", "/orders/tenant-a/a-billed") in routes
    assert ("PATCH", "/orders/tenant-a/b-billed") in routes
    assert ("GET", "/v3/orders/a-billed") in routes
    assert not [r for r in routes if "/portal/" in r[1]]
    # AND the other parties: another contact, the organization of the contact's id, the contact on B's
    # path, the id in another case — each list and get
    parties = {p.path for p in probes if p.kind == "other party"}
    assert "/orders/tenant-a/portal/contact/fuzz-other-contact" in parties
    assert f"/orders/tenant-a/portal/organization/{SHARED}/a-billed" in parties
    assert f"/orders/tenant-b/portal/contact/{SHARED}" in parties
    assert f"/orders/tenant-a/portal/contact/{SHARED.upper()}" in parties
    assert f"/orders/tenant-a/portal/contact/{SHARED}" not in parties


# ---------------------------------------------------------------------------- the pure judges
def test_given_portal_answers_when_judged_then_back_office_and_payer_fields_are_named() -> None:
    party = ("contact", SHARED)
    billed = {"id": "o", "bill_to_type": "contact", "bill_to_contact_id": SHARED, "sys_version": 2}
    assert fuzz.field_problems({**billed, "payment_info": {}}, party) == []
    assert fuzz.field_problems({**billed, "notes": "x", "sys_updated_by": "y"}, party) == [
        "notes",
        "sys_updated_by",
    ]
    shipped = {"id": "o", "bill_to_type": "organization", "ship_to_type": "contact", "payment_info": {}}
    assert fuzz.field_problems(shipped, party) == ["payment_info"]
    page = {"Items": [billed, billed]}
    assert fuzz.list_problems(page, {"o"}, party) == ["listed twice: ['o']"]
    assert fuzz.list_problems({"Items": []}, {"o"}, party) == ["listed [] beyond and lacks ['o']"]
    assert fuzz.list_problems("nope", set(), party) == ["not a list page"]
    # a problem's request id apart, two answers are the same shape
    one = json.dumps({"status": 404, "detail": "No such order.", "instance": "r1"})
    two = json.dumps({"status": 404, "detail": "No such order.", "instance": "r2"})
    assert fuzz.shape(one) == fuzz.shape(two)
    assert fuzz.shape(one) != fuzz.shape(two.replace("No such", "Someone else's"))


# ---------------------------------------------------------------------------- the sweep, against fakes
def test_given_a_portal_that_keeps_its_rules_when_swept_then_no_violation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    swept = run_sweep(monkeypatch)
    assert swept.violations == []
    # THEN every kind of check ran: every other route and party, A's other order and B's (id and
    # token), another query's page tokens, the contact's list (whole, and one a page) and its orders
    assert swept.checks["not the party's order"] == 2 + 2 * 2
    assert swept.checks["own order"] == 2 * 2
    assert swept.checks["page token"] == 4
    assert swept.checks["own list"] == 1 + 2
    assert swept.checks["missing order"] == 1
    assert swept.checks["other route"] > 0
    assert swept.checks["other party"] == 10
    assert swept.results()["requests"] == swept.requests


@pytest.mark.parametrize(
    ("broken", "kind"),
    [
        ("others", "not the party's order"),  # A's other order shown to the contact
        ("tells", "not the party's order"),  # an existing id answered unlike a missing one
        ("notes", "own list"),  # the back office's notes shown
        ("routes", "other route"),  # the portal key reaches other routes
        ("tokens", "page token"),  # another query's page token taken
        ("twice", "own list"),  # an order both billed and shipped to the party listed twice
    ],
)
def test_given_a_portal_that_breaks_a_rule_when_swept_then_each_break_is_a_violation(
    monkeypatch: pytest.MonkeyPatch, broken: str, kind: str
) -> None:
    swept = run_sweep(monkeypatch, broken)
    assert [v for v in swept.violations if v.startswith(kind)], swept.violations
