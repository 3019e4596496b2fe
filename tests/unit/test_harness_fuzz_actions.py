"""The fuzz's issue-32 write and e-mail routes (harness/fuzz/): the coupon-code action (an order-id
route whose code is the seeded orders' shared coupon's: a real coupon if isolation fails) and the
notification e-mail (the order named in the body: its own probes), and the sweep's rule for values of
the other tenant that the asker's own accepted writes put in its own data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from orders_domain.models.notifications import NotificationRequest
from orders_domain.models.refunds import CouponCodeActionRequest

from harness import fuzz

ACTION = "/orders/{tenantId}/{id}/coupon-codes/{couponCodeId}/actions"


def tenants() -> tuple[fuzz.Tenant, fuzz.Tenant]:
    # (ids that no marker's hex digits can hold by chance)
    a = fuzz.Tenant(
        "tenant-a",
        "ka",
        order_ids=["order-a1", "order-a2"],
        tokens=["tok-a1", "tok-a2"],
        product_ids=["prod-a"],
    )
    b = fuzz.Tenant(
        "tenant-b",
        "kb",
        order_ids=["order-b1", "order-b2"],
        tokens=["tok-b1", "tok-b2"],
        product_ids=["prod-b"],
    )
    return a, b


# ---------------------------------------------------------------------------- the coupon-code action
def test_given_the_coupon_code_action_when_swept_then_it_is_an_order_route_with_a_real_code() -> None:
    # THEN its `{id}` is an order id (B's: 404), its code the coupon every seeded order carries
    assert fuzz.is_order_id_route(ACTION)
    assert fuzz.COUPON_CODE_ACTION == ACTION
    code = fuzz.FOREIGN_VALUES["couponCodeId"]
    assert all(any(c.get("coupon_code_id") == code for c in order["coupons"]) for order in fuzz.SEEDED)
    # AND the sweep's body is the action the service reads (else the answer is the body's 400)
    request = CouponCodeActionRequest.model_validate(fuzz.BODIES[("POST", ACTION)])
    assert request.action == "refund"
    # AND schemathesis draws the shared party's orders with the code, together
    assert fuzz.FOCUSED[ACTION] == {"path.id": "party_order_ids", "path.couponCodeId": "shared_couponCodeId"}


def test_given_a_coupon_action_that_refunds_b_s_order_for_a_when_swept_then_it_is_a_leak(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = tenants()
    document: dict[str, Any] = {"paths": {ACTION: {"post": {}}}}

    def isolated(
        base: str, method: str, path: str, key: str | None, body: Any = None, **_: Any
    ) -> tuple[int, str]:
        if key is None:
            return 401, "{}"
        if key != a.key or not path.startswith("/orders/tenant-a/"):
            return 403, "{}"
        return 404, '{"detail": "No such order."}'

    monkeypatch.setattr(fuzz.client, "call", isolated)
    swept = fuzz.tenant_sweep("http://api", document, a, b)
    assert (swept.leaks, swept.unexpected, swept.requests) == ([], [], 4)

    def refunding(
        base: str, method: str, path: str, key: str | None, body: Any = None, **_: Any
    ) -> tuple[int, str]:
        status, text = isolated(base, method, path, key, body)
        if status == 404 and "/order-b1/" in path:
            return 200, json.dumps({"id": "order-b1", "memo": b.marker})
        return status, text

    monkeypatch.setattr(fuzz.client, "call", refunding)
    swept = fuzz.tenant_sweep("http://api", document, a, b)
    assert swept.leaks == [
        "other tenant's id: POST /orders/tenant-a/order-b1/coupon-codes/CODE-FUZZ/actions -> 200"
    ]


# ---------------------------------------------------------------------------- the notification e-mail
def test_given_the_notification_route_when_probed_then_a_s_order_renders_and_b_s_are_404() -> None:
    a, b = tenants()
    # GIVEN the sweep's body once A's orders are seeded
    fuzz.with_notification_body(a)
    body = fuzz.BODIES[("POST", fuzz.NOTIFY)]
    assert NotificationRequest.model_validate(body).order_id == "order-a1"
    # WHEN the route is probed
    probes = fuzz.notification_probes("POST", fuzz.NOTIFY, set(), a, b)
    # THEN A's own order's e-mail must render A's marker (its memo), B's orders and token are 404
    assert [(p.label, p.key, p.expected, p.body["order_id"], p.holds) for p in probes] == [
        ("own order's e-mail", "ka", {200}, "order-a1", a.marker),
        ("other tenant's order_id", "ka", {404}, "order-b1", None),
        ("other tenant's order_id", "ka", {404}, "order-b2", None),
        ("other tenant's order_id", "ka", {404}, "token-tok-b1", None),
    ]
    assert all(p.path == "/orders/tenant-a/notifications/preview" for p in probes)
    assert "{{order.memo}}" in probes[0].body["email_template"]["body"]
    # AND no other operation is probed
    assert fuzz.notification_probes("GET", fuzz.NOTIFY, set(), a, b) == []
    assert fuzz.notification_probes("POST", "/orders/{tenantId}", set(), a, b) == []
    assert fuzz.FOCUSED[fuzz.NOTIFY] == {"body.order_id": "order_ids"}


def test_given_a_notification_that_renders_b_s_order_for_a_when_swept_then_it_is_a_leak(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = tenants()
    fuzz.with_notification_body(a)
    document: dict[str, Any] = {"paths": {fuzz.NOTIFY: {"post": {}}}}
    orders = {"order-a1": a.marker, "order-b1": b.marker}

    def rendering(
        base: str, method: str, path: str, key: str | None, body: Any = None, **_: Any
    ) -> tuple[int, str]:
        if key is None:
            return 401, "{}"
        if key != a.key:
            return 403, "{}"
        memo = orders.get(body["order_id"])  # B's orders rendered to A: the broken isolation
        return (200, json.dumps({"body": f"<p>{memo}</p>"})) if memo else (404, "{}")

    monkeypatch.setattr(fuzz.client, "call", rendering)
    swept = fuzz.tenant_sweep("http://api", document, a, b)
    assert swept.leaks == ["other tenant's order_id: POST /orders/tenant-a/notifications/preview -> 200"]
    assert swept.unexpected == []


# ---------------------------------------------------------------------------- A's own writes
def test_given_a_s_order_naming_b_s_product_when_a_s_list_shows_it_then_it_is_not_a_leak(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN A's accepted create naming B's product id (A's own data now), then A's list of whole orders
    a, b = tenants()
    document: dict[str, Any] = {"paths": {"/orders/{tenantId}": {"post": {}, "get": {}}}}
    stored: list[str] = []

    def api(
        base: str, method: str, path: str, key: str | None, body: Any = None, **_: Any
    ) -> tuple[int, str]:
        if key != a.key:
            return (401 if key is None else 403), "{}"
        if method == "POST":
            stored.append(json.dumps(body))
            return 201, json.dumps(body)
        return 200, json.dumps({"Count": len(stored), "Items": stored})

    naming = fuzz.Probe("order naming B's product", "/orders/tenant-a", "ka", {201}, {"product_id": "prod-b"})
    monkeypatch.setattr(
        fuzz.sweep, "FAMILY_PROBES", [lambda m, t, q, a_, b_: [naming] if m == "POST" else []]
    )
    monkeypatch.setattr(fuzz.client, "call", api)
    swept = fuzz.tenant_sweep("http://api", document, a, b)
    # THEN the list showing it is no leak: A wrote it
    assert any("prod-b" in row for row in stored)
    assert (swept.leaks, swept.unexpected) == ([], [])
    # BUT B's marker in A's list still is one (A never sent it)
    stored.append(json.dumps({"memo": b.marker}))
    swept = fuzz.tenant_sweep("http://api", document, a, b)
    assert swept.leaks == ["own read: GET /orders/tenant-a -> 200"]
