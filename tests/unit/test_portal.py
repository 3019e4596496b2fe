"""The customer portal through the local gateway (authorizer included): a portal key bound to one
contact or organization sees exactly that party's orders (bill-to or ship-to, each once), 404 for
every other order of the tenant, 403 on every staff route and for another party; staff keys may use
the portal for any party; what a portal answer leaves out is left out. And the lookups answer whole
orders as seeds/003 does (`view=summary` the list rows)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from orders_domain.http.auth import store_api_key
from orders_domain.http.routes import ROUTE_SCOPES, SCOPE_PORTAL
from orders_domain.runtime import wiring

from local.gateway import Gateway
from tests.helpers import TEMPLATE, body_of, invoke, load_event, seed_key

pytestmark = pytest.mark.usefixtures("tables")

PORTAL_KEY, STAFF_KEY, WRITER_KEY = "portal-key-c1", "staff-reader-key", "staff-writer-key"
LINE = {"description": "Ticket", "sku": "T-1", "quantity": 1, "unit_price": "10.00"}


@pytest.fixture
def gateway() -> Gateway:
    store_api_key(wiring.current().api_keys, "tenant-a", PORTAL_KEY, [], party=("contact", "c-1"))
    seed_key("tenant-a", STAFF_KEY, ["orders:read"])
    seed_key("tenant-a", WRITER_KEY, ["orders:read", "orders:write", "orders:admin"])
    return Gateway(TEMPLATE)


def call(gw: Gateway, method: str, path: str, key: str, body: Any = None) -> tuple[int, Any]:
    status, _headers, raw = gw.handle(
        method,
        path,
        {"Authorization": key, "Content-Type": "application/json"},
        json.dumps(body).encode() if body is not None else None,
    )
    return status, json.loads(raw) if raw else None


def create(gw: Gateway, **fields: Any) -> dict[str, Any]:
    status, body = call(gw, "POST", "/orders/tenant-a", WRITER_KEY, {"line_items": [dict(LINE)], **fields})
    assert status == 201, body
    return dict(body)


def orders_of_c1_and_others(gw: Gateway) -> tuple[list[str], list[str]]:
    """Orders where contact c-1 is bill-to, ship-to, both; and others' (another contact's, an
    organization whose id is also c-1). Returns (c-1's ids newest first, the others' ids)."""
    billed = create(gw, bill_to_type="contact", bill_to_contact_id="c-1", notes="internal: VIP")["id"]
    other = create(gw, bill_to_type="contact", bill_to_contact_id="c-2")["id"]
    shipped = create(
        gw,
        bill_to_type="contact",
        bill_to_contact_id="c-9",
        ship_to_type="contact",
        ship_to_contact_id="c-1",
        billing_address={"line1": "9 Payer Road", "city": "Leeds"},
    )["id"]
    same_id_org = create(gw, bill_to_type="organization", bill_to_organization_id="c-1")["id"]
    both = create(
        gw, bill_to_type="contact", bill_to_contact_id="c-1", ship_to_type="contact", ship_to_contact_id="c-1"
    )["id"]
    return [both, shipped, billed], [other, same_id_org]


def all_ids(gw: Gateway, path: str, key: str, limit: int) -> list[str]:
    ids: list[str] = []
    token = None
    while True:
        query = f"?limit={limit}" + (f"&exclusiveStartKey={token}" if token else "")
        status, body = call(gw, "GET", path + query, key)
        assert status == 200, body
        ids.extend(item["id"] for item in body["Items"])
        token = body["LastEvaluatedKey"]
        if token is None:
            return ids


def test_given_a_portal_key_for_contact_c1_when_it_lists_and_gets_then_it_sees_exactly_c1s_orders_once(
    gateway: Gateway,
) -> None:
    # GIVEN orders billed to, shipped to, and billed and shipped to contact c-1, and two of others
    mine, others = orders_of_c1_and_others(gateway)
    # WHEN its portal key pages its own list one, two and ten at a time
    for limit in (1, 2, 10):
        ids = all_ids(gateway, "/orders/tenant-a/portal/contact/c-1", PORTAL_KEY, limit)
        # THEN c-1's three orders come, each once, newest first
        assert ids == mine
    # AND each of its orders is readable by id, every other order of the tenant is a 404 (not a 403)
    for order_id in mine:
        status, body = call(gateway, "GET", f"/orders/tenant-a/portal/contact/c-1/{order_id}", PORTAL_KEY)
        assert status == 200, body
        assert body["id"] == order_id
    for order_id in [*others, "no-such-order", "token-nope"]:
        status, body = call(gateway, "GET", f"/orders/tenant-a/portal/contact/c-1/{order_id}", PORTAL_KEY)
        assert status == 404, body
        assert body["code"] == "not_found"


def test_given_a_portal_key_when_it_names_another_party_or_any_staff_route_then_403(gateway: Gateway) -> None:
    mine, others = orders_of_c1_and_others(gateway)
    # WHEN it names another contact, or an organization with its own id, in a portal path: 403
    for path in (
        "/orders/tenant-a/portal/contact/c-2",
        f"/orders/tenant-a/portal/contact/c-2/{others[0]}",
        "/orders/tenant-a/portal/organization/c-1",
        f"/orders/tenant-a/portal/organization/c-1/{others[1]}",
    ):
        status, body = call(gateway, "GET", path, PORTAL_KEY)
        assert status == 403, (path, body)
    # AND every route the gateway serves that is not a portal route is a 403, whatever it names
    served = {(route.method, route.path) for route in gateway.routes}
    assert {route for route, scope in ROUTE_SCOPES.items() if scope == SCOPE_PORTAL} <= served
    for method, resource in sorted(ROUTE_SCOPES):
        if ROUTE_SCOPES[(method, resource)] == SCOPE_PORTAL or (method, resource) not in served:
            continue
        path = resource.replace("{tenantId}", "tenant-a").replace("{id}", mine[0])
        path = path.replace("{", "x").replace("}", "x")
        status, body = call(
            gateway, method, path, PORTAL_KEY, {} if method in ("POST", "PUT", "PATCH") else None
        )
        assert status == 403, (method, path, status, body)
    # AND another tenant's portal path is a 403 too
    status, _ = call(gateway, "GET", "/orders/tenant-b/portal/contact/c-1", PORTAL_KEY)
    assert status == 403


def test_given_a_staff_read_key_when_it_uses_the_portal_then_any_party_is_served(gateway: Gateway) -> None:
    mine, _ = orders_of_c1_and_others(gateway)
    assert all_ids(gateway, "/orders/tenant-a/portal/contact/c-1", STAFF_KEY, 25) == mine
    status, body = call(gateway, "GET", "/orders/tenant-a/portal/organization/c-1", STAFF_KEY)
    assert status == 200
    assert body["Count"] == 1


def test_a_portal_answer_leaves_out_internal_fields_and_a_payers_data_from_a_ship_to_party(
    gateway: Gateway,
) -> None:
    mine, _ = orders_of_c1_and_others(gateway)
    _both, shipped, billed = mine
    # GIVEN the order billed to c-1 with internal notes: the portal answer has no notes, no sys_* but
    # the version, and its one link is its portal path
    status, body = call(gateway, "GET", f"/orders/tenant-a/portal/contact/c-1/{billed}", PORTAL_KEY)
    assert status == 200
    assert "notes" not in body
    assert body["sys_version"] == 1
    assert not [name for name in body if name.startswith("sys_") and name != "sys_version"]
    assert body["_links"] == {"self": {"href": f"/orders/tenant-a/portal/contact/c-1/{billed}"}}
    assert body["line_items"][0]["description"] == "Ticket"
    # AND the order only shipped to c-1 shows neither the payer's id nor the billing address
    status, body = call(gateway, "GET", f"/orders/tenant-a/portal/contact/c-1/{shipped}", PORTAL_KEY)
    assert status == 200
    assert "billing_address" not in body
    assert "bill_to_contact_id" not in body
    assert body["ship_to_contact_id"] == "c-1"
    # AND the list shows each order the same way
    status, page = call(gateway, "GET", "/orders/tenant-a/portal/contact/c-1?fields=notes,total", PORTAL_KEY)
    assert status == 200
    assert [set(item) for item in page["Items"]] == [{"id", "total"}] * 3


def test_given_a_seed_shaped_client_when_it_reads_a_customer_lookup_then_items_are_whole_orders(
    gateway: Gateway,
) -> None:
    mine, _ = orders_of_c1_and_others(gateway)
    for path in (
        "/orders/tenant-a/customer/contact/c-1",
        "/orders/tenant-a/billToContact/c-1",
        "/orders/tenant-a",
    ):
        status, body = call(gateway, "GET", path, STAFF_KEY)
        assert status == 200, body
        # THEN Items[0].line_items is the order's lines, as GET answers them
        first = body["Items"][0]
        status, order = call(gateway, "GET", f"/orders/tenant-a/{first['id']}", STAFF_KEY)
        assert status == 200
        assert first == order
        assert first["line_items"][0]["sku"] == "T-1"
    # AND view=summary keeps the cheap list rows; fields projects whole orders (nested too)
    status, rows = call(gateway, "GET", "/orders/tenant-a/customer/contact/c-1?view=summary", STAFF_KEY)
    assert status == 200
    assert "line_items" not in rows["Items"][0]
    assert rows["Items"][0]["id"] == mine[0]
    status, cut = call(gateway, "GET", "/orders/tenant-a/billToContact/c-1?fields=line_items.sku", STAFF_KEY)
    assert status == 200
    assert cut["Items"][0] == {"id": mine[0], "line_items": [{"sku": "T-1"}]}
    status, problem = call(gateway, "GET", "/orders/tenant-a?view=everything", STAFF_KEY)
    assert status == 400, problem


def test_a_portal_key_cannot_be_made_with_other_scopes_or_a_bad_party() -> None:
    store = wiring.current().api_keys
    with pytest.raises(ValueError, match="alone"):
        store_api_key(store, "tenant-a", "k1", ["orders:read"], party=("contact", "c-1"))
    with pytest.raises(ValueError, match="contact or an organization"):
        store_api_key(store, "tenant-a", "k2", [], party=("customer", "c-1"))
    with pytest.raises(ValueError, match="needs a party"):
        store_api_key(store, "tenant-a", "k3", ["orders:portal"])
    with pytest.raises(ValueError, match="no '/'"):
        store_api_key(store, "tenant-a", "k4", [], party=("contact", "a/b"))


def test_the_sample_portal_event_lists_its_contacts_orders(gateway: Gateway) -> None:
    made = create(gateway, bill_to_type="contact", bill_to_contact_id="contact-42")
    create(gateway, bill_to_type="contact", bill_to_contact_id="contact-43")
    response = invoke("search_orders", load_event("portal_contact_orders.json"))
    assert response["statusCode"] == 200, response["body"]
    assert [item["id"] for item in body_of(response)["Items"]] == [made["id"]]
