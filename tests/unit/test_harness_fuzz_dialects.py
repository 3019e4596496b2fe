"""The fuzz's source dialects (harness/fuzz/, issue 21): the tenant-less routes as order-id routes for
schemathesis, each tenant's distribution order under one shared order number, the sweep's probes of
the dialect routes (no key, the other tenant's key and ids, XML and the distribution key header, the
refund reasons list, placing the other tenant's order) and what it counts as a leak."""

from __future__ import annotations

import json
import re
import tomllib
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from orders_domain.dialects import distribution_requests
from orders_domain.dialects import xml as dialect_xml
from orders_domain.domain.status_words import DISTRIBUTION_CANCELLED
from orders_domain.models.refunds import TheatreRefundRequest
from orders_domain.services import create_fingerprint

from harness import fuzz
from harness.fuzz.dialects import KEYS_CURRENT
from tests.helpers import ROOT

GET_DIST = "/distribution/orders/{id}"
PLACE = "/distribution/orders"
REASONS = "/v1/refund-reasons"
DIALECT_OPERATIONS = {
    ("GET", "/v3/orders/{id}"),
    ("POST", "/v3/orders/{id}/fulfill"),
    ("GET", "/v1/orders/{id}/will-call-check"),
    ("GET", "/v1/refund-reasons"),
    ("POST", "/v1/orders/{id}/refunds"),
    ("POST", "/distribution/orders"),
    ("GET", "/distribution/orders/{id}"),
    ("PUT", "/distribution/orders/{id}"),
    # issue 32: the theatre answers' sub-resources
    ("GET", "/v3/orders/{id}/products/{lineNumber}"),
    ("GET", "/v3/orders/{id}/products/{lineNumber}/passbook"),
    ("GET", "/v3/orders/{id}/payments/{paymentNumber}"),
}


def tenants() -> tuple[fuzz.Tenant, fuzz.Tenant]:
    a = fuzz.Tenant(
        "tenant-a",
        "ka",
        order_ids=["order-a1", "order-a2", "dist-a", "ticket-a"],
        tokens=["tok-a1", "tok-a2", "tok-ad", "tok-at"],
        distribution_ids=["dist-a"],
        ticket_ids=["ticket-a"],
    )
    b = fuzz.Tenant(
        "tenant-b",
        "kb",
        order_ids=["order-b1", "order-b2", "dist-b"],
        tokens=["tok-b1", "tok-b2", "tok-bd"],
        distribution_ids=["dist-b"],
    )
    return a, b


def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    return loaded


def dialect_document() -> dict[str, Any]:
    """The document's dialect routes (they name no tenant), as the sweep reads them."""
    paths = document()["paths"]
    return {"paths": {p: ops for p, ops in paths.items() if fuzz.is_tenant_from_key(p) and p != KEYS_CURRENT}}


def by_label(probes: list[fuzz.Probe]) -> dict[str, list[fuzz.Probe]]:
    grouped: dict[str, list[fuzz.Probe]] = {}
    for probe in probes:
        grouped.setdefault(probe.label, []).append(probe)
    return grouped


# ---------------------------------------------------------------------------- the document's routes
def test_given_the_document_when_read_then_its_tenantless_operations_are_the_eleven_dialect_routes() -> None:
    operations = {
        (method.upper(), path) for path, methods in dialect_document()["paths"].items() for method in methods
    }
    assert operations == DIALECT_OPERATIONS
    # AND every tenant-less path with an `{id}` is an order-id route (else its id would be swept and
    # drawn as a shared lookup value, not as A's and B's orders)
    for path in dialect_document()["paths"]:
        assert fuzz.is_order_id_route(path) == ("id" in fuzz.path_parameters(path)), path
    # AND the tenant's routes are not tenant-less
    assert not fuzz.is_tenant_from_key("/orders/{tenantId}/{id}")
    assert not fuzz.is_tenant_from_key("/orders/{tenantId}/refund-reasons")


def test_given_the_dialect_paths_when_lookups_are_listed_then_none_is_a_lookup() -> None:
    paths = list(document()["paths"])
    lookups = fuzz.lookup_id_paths(paths)
    assert not [p for p in lookups if fuzz.is_tenant_from_key(p)]
    # and a path merely starting like a dialect route is not taken for one
    assert not fuzz.is_order_id_route("/v3/orders")
    assert not fuzz.is_order_id_route("/v1/refund-reasons")
    assert not fuzz.is_order_id_route("/distribution/ordersx/{id}")


def test_given_a_s_orders_when_configured_then_schemathesis_draws_the_dialects_id_from_them() -> None:
    # GIVEN A with a distribution order among its orders
    a, b = tenants()
    config = tomllib.loads(fuzz.schemathesis_config(a, fuzz.lookup_id_paths(list(document()["paths"]))))
    # THEN `id` draws A's order ids and tokens, its distribution order's too
    assert config["parameters"]["path.id"] == {"dictionary": "order_ids", "probability": fuzz.DRAWN}
    assert {"dist-a", "token-tok-ad", "order-a1"} <= set(config["dictionaries"]["order_ids"]["values"])
    # AND no dialect path draws the shared lookup id instead
    (lookup,) = [
        o for o in config["operations"] if o["parameters"].get("path.id", {}).get("dictionary") == "shared_id"
    ]
    assert not [p for p in lookup["include-path"] if fuzz.is_tenant_from_key(p)]
    assert lookup["include-path"]  # the real lookups still do
    # AND nothing of B's is drawn
    assert not any(secret in json.dumps(config) for secret in b.secrets())


# ---------------------------------------------------------------------------- seeding
def test_given_both_tenants_distribution_bodies_when_validated_then_one_number_two_orders() -> None:
    a, b = tenants()
    mine, theirs = fuzz.distribution_body(a), fuzz.distribution_body(b)
    placed_a = distribution_requests.PlaceOrder.model_validate(mine)
    placed_b = distribution_requests.PlaceOrder.model_validate(theirs)
    # THEN both use the one order number, each carries its own tenant's marker and not the other's
    assert placed_a.order.order_number == placed_b.order.order_number == fuzz.DISTRIBUTION_NUMBER
    assert a.marker in json.dumps(mine)
    assert b.marker not in json.dumps(mine)
    assert b.marker in json.dumps(theirs)
    assert a.marker not in json.dumps(theirs)
    # AND they are different requests (B's body sent by A is not a replay of A's: a 409)
    fingerprint_a = create_fingerprint(distribution_requests.create_request(placed_a.order))
    fingerprint_b = create_fingerprint(distribution_requests.create_request(placed_b.order))
    assert fingerprint_a != fingerprint_b


def test_given_a_distribution_body_when_written_as_xml_then_the_service_reads_the_same_order() -> None:
    _, b = tenants()
    body = fuzz.distribution_body(b)
    document_text = fuzz.xml_document("order", body["order"])
    assert "<order><order_number>" in document_text
    assert "<items><item><offer_id>FUZZ-OFFER</offer_id><quantity>2</quantity>" in document_text
    read = distribution_requests.PlaceOrder.model_validate(dialect_xml.loads(document_text))
    assert read == distribution_requests.PlaceOrder.model_validate(body)
    # the same request as its JSON (so the XML probe is answered as the JSON one: 409, not a new order)
    assert create_fingerprint(distribution_requests.create_request(read.order)) == create_fingerprint(
        distribution_requests.create_request(distribution_requests.PlaceOrder.model_validate(body).order)
    )


def test_given_text_with_markup_when_written_as_xml_then_the_service_reads_it_back() -> None:
    written = fuzz.xml_document("order", {"a": "x<y&z>", "b": None, "items": [{"n": "1"}, {"n": "2"}]})
    assert "x&lt;y&amp;z&gt;" in written
    assert dialect_xml.loads(written) == {
        "order": {"a": "x<y&z>", "b": None, "items": [{"n": "1"}, {"n": "2"}]}
    }


def test_given_the_sweeps_dialect_bodies_when_validated_then_each_route_accepts_its_body() -> None:
    # (an invalid body answers 400 before the order is looked up, not the 404 the sweep expects)
    TheatreRefundRequest.model_validate(fuzz.BODIES[("POST", "/v1/orders/{id}/refunds")])
    cancel = distribution_requests.ChangeOrder.model_validate(fuzz.BODIES[("PUT", GET_DIST)])
    assert cancel.order.status == DISTRIBUTION_CANCELLED
    assert fuzz.BODIES[("POST", "/v3/orders/{id}/fulfill")] is None  # the theatre fulfil takes no body
    as_xml = fuzz.xml_document(*next(iter(fuzz.BODIES[("PUT", GET_DIST)].items())))
    assert distribution_requests.ChangeOrder.model_validate(dialect_xml.loads(as_xml)) == cancel


def placed(order_id: str, tenant: fuzz.Tenant) -> str:
    return json.dumps({"order": {"id": order_id, "customer_name": f"Fuzz {tenant.marker}"}})


def test_given_a_s_answer_to_b_s_order_number_when_checked_then_only_a_s_own_new_order_passes() -> None:
    a, b = tenants()
    assert fuzz.placement_leaks(201, placed("dist-a", a), {}, a, b) == []
    # a 409 (the number taken across tenants) or any other status
    (taken,) = fuzz.placement_leaks(409, '{"code": "order_number_taken"}', {}, a, b)
    assert taken.endswith("-> 409")
    # B's order answered (its id, its marker), or a replay
    assert fuzz.placement_leaks(201, placed("dist-b", b), {}, a, b)
    assert fuzz.placement_leaks(201, placed("dist-x", a) + b.marker, {}, a, b)
    replayed = fuzz.placement_leaks(201, placed("dist-a", a), {"Idempotent-Replayed": "true"}, a, b)
    assert [entry.endswith("replayed") for entry in replayed] == [True]
    # an order that is not A's (no A marker), or no order at all
    assert fuzz.placement_leaks(201, placed("dist-x", b).replace(b.marker, "someone"), {}, a, b)
    assert fuzz.placement_leaks(201, "[]", {}, a, b)


Exchange = Callable[..., tuple[int, str, dict[str, str]]]


def test_given_b_placed_first_when_a_places_the_same_number_then_each_keeps_its_own_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN an API that gives each tenant its own order for the number
    a, b = fuzz.Tenant("tenant-a", "ka"), fuzz.Tenant("tenant-b", "kb")
    sent: list[tuple[str, str | None]] = []

    def exchange(base: str, method: str, path: str, key: str | None, body: Any = None, **_: Any) -> Any:
        sent.append((method, key))
        tenant = a if key == a.key else b
        return 201, placed(f"dist-{tenant.tenant_id}", tenant), {}

    def call(base: str, method: str, path: str, key: str | None, body: Any = None, **_: Any) -> Any:
        return 200, json.dumps({"token": f"tok-{path.rsplit('/', 1)[1]}"})

    monkeypatch.setattr(fuzz.client, "exchange", exchange)
    monkeypatch.setattr(fuzz.client, "call", call)
    # WHEN seeded
    leaks = fuzz.seed_distribution("http://api", a, b)
    # THEN B placed first, then A; each keeps its order and token
    assert sent == [("POST", "kb"), ("POST", "ka")]
    assert leaks == []
    assert (b.distribution_ids, b.order_ids, b.tokens) == (
        ["dist-tenant-b"],
        ["dist-tenant-b"],
        ["tok-dist-tenant-b"],
    )
    assert a.distribution_ids == ["dist-tenant-a"]


def test_given_an_api_whose_order_numbers_span_tenants_when_seeded_then_a_s_409_is_a_leak(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = fuzz.Tenant("tenant-a", "ka"), fuzz.Tenant("tenant-b", "kb")

    def exchange(base: str, method: str, path: str, key: str | None, body: Any = None, **_: Any) -> Any:
        if key == b.key:
            return 201, placed("dist-b", b), {}
        return 409, '{"code": "order_number_taken"}', {}

    monkeypatch.setattr(fuzz.client, "exchange", exchange)
    monkeypatch.setattr(fuzz.client, "call", lambda *args, **kwargs: (200, '{"token": "tok-b"}'))
    leaks = fuzz.seed_distribution("http://api", a, b)
    assert len(leaks) == 1
    assert "-> 409" in leaks[0]
    assert a.distribution_ids == []
    assert a.order_ids == []


def test_given_a_tenant_with_a_distribution_order_when_viewed_then_it_and_the_reasons_are_read() -> None:
    _, b = tenants()
    paths = fuzz.view_paths(b)
    assert "/distribution/orders/dist-b" in paths
    assert "/orders/tenant-b/dist-b?consistentRead=true" in paths
    assert paths[-1] == REASONS
    assert "dist-b" in b.secrets()
    assert "tok-bd" in b.secrets()


# ---------------------------------------------------------------------------- the probes
def test_given_a_distribution_read_when_probed_then_every_key_and_id_and_dialect_is_asked() -> None:
    a, b = tenants()
    probes = by_label(fuzz.dialect_probes("GET", GET_DIST, a, b))
    # no key, on A's own distribution order
    assert [(p.path, p.key, p.expected) for p in probes["no key"]] == [
        ("/distribution/orders/dist-a", None, {401})
    ]
    # B's key on A's order and token: B's tenant has no such order
    assert [(p.path, p.key, p.expected) for p in probes["other tenant's key on own id"]] == [
        ("/distribution/orders/dist-a", "kb", {404}),
        ("/distribution/orders/token-tok-a1", "kb", {404}),
    ]
    # A's key on each of B's: its first order, its token and its distribution order; in JSON, in XML
    # and with A's key in the distribution header
    foreign = [
        "/distribution/orders/order-b1",
        "/distribution/orders/token-tok-b1",
        "/distribution/orders/dist-b",
    ]
    assert [(p.path, p.key, p.expected) for p in probes["other tenant's id"]] == [
        (f, "ka", {404}) for f in foreign
    ]
    assert [(p.path, p.headers) for p in probes["other tenant's id, XML"]] == [
        (f, fuzz.XML_HEADERS) for f in foreign
    ]
    header = probes[f"other tenant's id, {fuzz.DISTRIBUTION_KEY_HEADER}"]
    assert [(p.path, p.key, p.headers) for p in header] == [
        (f, None, {fuzz.DISTRIBUTION_KEY_HEADER: "ka"}) for f in foreign
    ]
    # AND A's own, by id and token, and in XML: 200 (the 404s are not a route that finds nothing)
    assert [(p.path, p.key, p.expected) for p in probes["own order"]] == [
        ("/distribution/orders/dist-a", "ka", {200}),
        ("/distribution/orders/token-tok-a1", "ka", {200}),
    ]
    assert [(p.path, p.headers) for p in probes["own order, XML"]] == [
        ("/distribution/orders/dist-a", fuzz.XML_HEADERS)
    ]


def test_given_a_distribution_cancel_when_probed_then_its_body_goes_as_json_and_as_xml_and_a_s_is_kept() -> (
    None
):
    a, b = tenants()
    probes = fuzz.dialect_probes("PUT", GET_DIST, a, b)
    assert "own order" not in by_label(probes)  # A's own order is not cancelled by the sweep
    for probe in probes:
        if probe.headers == fuzz.XML_HEADERS:
            assert probe.body == fuzz.xml_document("order", {"status": DISTRIBUTION_CANCELLED})
            assert probe.body.endswith("<order><status>cancelled</status></order>")
        else:
            assert probe.body == {"order": {"status": "cancelled"}}
    assert len(probes) == 1 + 2 + 3 * 3


def test_given_a_theatre_route_when_probed_then_json_only_and_a_s_first_order_is_the_own_one() -> None:
    a, b = tenants()
    got = fuzz.dialect_probes("GET", "/v3/orders/{id}", a, b)
    assert not [p for p in got if p.headers]
    assert [(p.label, p.path, p.key, p.expected) for p in got] == [
        ("no key", "/v3/orders/order-a1", None, {401}),
        ("other tenant's key on own id", "/v3/orders/order-a1", "kb", {404}),
        ("other tenant's key on own id", "/v3/orders/token-tok-a1", "kb", {404}),
        ("other tenant's id", "/v3/orders/order-b1", "ka", {404}),
        ("other tenant's id", "/v3/orders/token-tok-b1", "ka", {404}),
        ("other tenant's id", "/v3/orders/dist-b", "ka", {404}),
        ("own order", "/v3/orders/order-a1", "ka", {200}),
        ("own order", "/v3/orders/token-tok-a1", "ka", {200}),
    ]
    refunds = fuzz.dialect_probes("POST", "/v1/orders/{id}/refunds", a, b)
    assert {p.path for p in refunds if p.key == "ka"} == {
        "/v1/orders/order-b1/refunds",
        "/v1/orders/token-tok-b1/refunds",
        "/v1/orders/dist-b/refunds",
    }
    assert all(p.body == fuzz.BODIES[("POST", "/v1/orders/{id}/refunds")] for p in refunds)


def test_given_a_theatre_sub_resource_when_probed_then_a_s_ticket_order_is_the_own_one() -> None:
    # GIVEN A with a paid ticket order (issue 32: a product with a pass and a payment)
    a, b = tenants()
    for template in fuzz.SUB_RESOURCES:
        # WHEN a product, its pass or a payment is probed
        got = fuzz.dialect_probes("GET", template, a, b)
        number = "1"
        at = template.replace("{lineNumber}", number).replace("{paymentNumber}", number)
        # THEN A's own GETs ask A's ticket order (by id and token: 200), B's key asks it too (404),
        # and A's key asks B's orders with the number both tenants' orders have (404)
        assert [(p.label, p.path, p.key, p.expected) for p in got] == [
            ("no key", at.format(id="ticket-a"), None, {401}),
            ("other tenant's key on own id", at.format(id="ticket-a"), "kb", {404}),
            ("other tenant's key on own id", at.format(id="token-tok-at"), "kb", {404}),
            ("other tenant's id", at.format(id="order-b1"), "ka", {404}),
            ("other tenant's id", at.format(id="token-tok-b1"), "ka", {404}),
            ("other tenant's id", at.format(id="dist-b"), "ka", {404}),
            ("own order", at.format(id="ticket-a"), "ka", {200}),
            ("own order", at.format(id="token-tok-at"), "ka", {200}),
        ]
    # AND a tenant without a ticket order is asked on its first order, as the other theatre routes
    bare = fuzz.Tenant("tenant-a", "ka", order_ids=["order-a1"], tokens=["tok-a1"])
    got = fuzz.dialect_probes("GET", fuzz.SUB_RESOURCES[0], bare, b)
    assert got[-1].path == "/v3/orders/token-tok-a1/products/1"


def test_given_the_ticket_order_when_validated_then_its_line_is_a_paid_ticket_once_fulfilled() -> None:
    from orders_domain.models import OrderCreateRequest

    # GIVEN the fuzz's ticket order as the service reads it
    request = OrderCreateRequest.model_validate({**fuzz.TICKET, "memo": "marker"})
    # THEN its first line is a ticket (not a fee, not shipped, no vouchers), paid by card
    line = request.line_items[0]
    assert (line.type, line.shippable, getattr(line, "vouchers", None)) == (None, False, None)
    assert request.payment_info is not None
    # AND schemathesis draws the sub-resources' order from the ticket orders, with the number
    config = tomllib.loads(fuzz.schemathesis_config(tenants()[0], [], list(document()["paths"])))
    (block,) = [o for o in config["operations"] if "path.lineNumber" in o["parameters"]]
    assert set(block["include-path"]) == set(fuzz.SUB_RESOURCES) - {
        "/v3/orders/{id}/payments/{paymentNumber}"
    }
    assert block["parameters"]["path.id"] == {"dictionary": "ticket_ids", "probability": fuzz.FOCUSED_DRAWN}
    assert config["dictionaries"]["ticket_ids"]["values"] == ["ticket-a", "token-tok-at"]


def test_given_the_reasons_list_when_probed_then_each_tenant_must_see_its_own_reason() -> None:
    a, b = tenants()
    got = fuzz.dialect_probes("GET", REASONS, a, b)
    assert [(p.label, p.key, p.expected, p.holds) for p in got] == [
        ("no key", None, {401}, None),
        ("own read", "ka", {200}, fuzz.FOREIGN_VALUES["name"]),
        ("other tenant's key", "kb", {200}, b.marker),
    ]
    assert {p.path for p in got} == {REASONS}


def test_given_the_place_route_when_probed_then_each_tenant_sends_the_others_order() -> None:
    a, b = tenants()
    got = by_label(fuzz.dialect_probes("POST", PLACE, a, b))
    (theirs,) = got["other tenant's order"]
    assert (theirs.key, theirs.expected, theirs.body) == ("ka", {409}, fuzz.distribution_body(b))
    (as_xml,) = got["other tenant's order, XML"]
    assert as_xml.headers == fuzz.XML_HEADERS
    assert b.marker in as_xml.body
    assert as_xml.expected == {409}
    (reverse,) = got["other tenant's key, own order's body"]
    assert (reverse.key, reverse.expected, reverse.body) == ("kb", {409}, fuzz.distribution_body(a))
    (again,) = got["own order again"]
    assert (again.key, again.expected, again.holds) == ("ka", {201}, "dist-a")
    assert [p.expected for p in got["no key"]] == [{401}]
    # a tenant A whose placement failed has no order under the number: B's body would make one
    bare = fuzz.Tenant("tenant-a", "ka", order_ids=["order-a1"], tokens=["tok-a1"])
    assert by_label(fuzz.dialect_probes("POST", PLACE, bare, b))["other tenant's order"][0].expected == {201}


# ---------------------------------------------------------------------------- the sweep, against fakes
Call = Callable[..., tuple[int, str]]
ROUTE = re.compile(r"^/(?:v3/orders|v1/orders|distribution/orders)/([^/]+)(/.*)?$")


def fake_dialects(
    a: fuzz.Tenant, b: fuzz.Tenant, *, leak: str | None = None, blind: bool = False, no_reasons: bool = False
) -> Call:
    """The dialect routes for the key's own tenant (the key in `Authorization` or the distribution
    header). `leak`: `orders` serves any tenant's order to any key, `reasons` lists the other
    tenant's reason too, `place` replays the other tenant's order when sent its body. `blind`: every
    order route answers 404; `no_reasons`: the reasons list holds no tenant's own reason."""

    def order_of(tenant: fuzz.Tenant, ref: str) -> dict[str, Any] | None:
        for order_id, token in zip(tenant.order_ids, tenant.tokens, strict=True):
            if ref in (order_id, f"token-{token}"):
                return {"id": order_id, "token": token, "customer_name": f"Fuzz {tenant.marker}"}
        return None

    def call(
        base: str, method: str, path: str, key: str | None, body: Any = None, *, headers: Any = None
    ) -> tuple[int, str]:
        key = key or (headers or {}).get(fuzz.DISTRIBUTION_KEY_HEADER)
        if key not in (a.key, b.key):
            return 401, '{"title": "Unauthorized"}'
        tenant, other = (a, b) if key == a.key else (b, a)
        if path == REASONS:
            owners = [] if no_reasons else [tenant, other] if leak == "reasons" else [tenant]
            reasons = [{"name": "FuzzReason", "description": f"reason {t.marker}"} for t in owners]
            return 200, json.dumps({"refundReasons": reasons})
        if path == PLACE:
            text = body if isinstance(body, str) else json.dumps(body)
            if tenant.marker in text:
                return 201, json.dumps({"order": order_of(tenant, tenant.distribution_ids[0])})
            if leak == "place":
                return 201, json.dumps({"order": order_of(other, other.distribution_ids[0])})
            return 409, '{"code": "order_number_taken"}'
        matched = ROUTE.match(path)
        assert matched, path
        ref = matched.group(1)
        order = (
            None if blind else order_of(tenant, ref) or (order_of(other, ref) if leak == "orders" else None)
        )
        if order is None:
            return 404, json.dumps({"detail": f"Order {ref} was not found."})
        return 200, json.dumps({"order": order})

    return call


def sweep(monkeypatch: pytest.MonkeyPatch, **kwargs: Any) -> fuzz.Sweep:
    a, b = tenants()
    monkeypatch.setattr(fuzz.client, "call", fake_dialects(a, b, **kwargs))
    return fuzz.tenant_sweep("http://api", dialect_document(), a, b)


def test_given_isolated_dialect_routes_when_swept_then_no_leak_and_every_status_as_expected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    swept = sweep(monkeypatch)
    assert swept.leaks == []
    assert swept.unexpected == []
    assert swept.server_errors == []
    # theatre: GET order 8, fulfil 6, will-call 8, refund 6, a product, its pass, a payment 8 each;
    # distribution: GET 15, PUT 12, place 5; the reasons list 3
    assert swept.requests == 8 + 6 + 8 + 6 + 3 * 8 + 15 + 12 + 5 + 3


def test_given_routes_that_serve_any_tenants_order_when_swept_then_each_cross_answer_is_a_leak(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    swept = sweep(monkeypatch, leak="orders")
    # every request with one tenant's key for the other's order: A's key on B's three (JSON, and
    # XML and header on the distribution routes), B's key on A's two
    per_theatre_route = 3 + 2
    per_distribution_route = 3 * 3 + 2
    assert len(swept.leaks) == 7 * per_theatre_route + 2 * per_distribution_route
    assert all("other tenant's" in entry for entry in swept.leaks)
    assert any(
        entry.startswith("other tenant's key on own id: GET /v3/orders/order-a1 -> 200")
        for entry in swept.leaks
    )


def test_given_a_reasons_list_with_the_other_tenants_reason_when_swept_then_both_reads_are_leaks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    swept = sweep(monkeypatch, leak="reasons")
    # A sees B's marker, and B sees A's (the answer to B's key is checked for A's data)
    assert sorted(swept.leaks) == [
        "other tenant's key: GET /v1/refund-reasons -> 200",
        "own read: GET /v1/refund-reasons -> 200",
    ]


def test_given_a_place_that_replays_the_other_tenants_order_when_swept_then_it_is_a_leak(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    swept = sweep(monkeypatch, leak="place")
    assert sorted(swept.leaks) == [
        "other tenant's key, own order's body: POST /distribution/orders -> 201",
        "other tenant's order, XML: POST /distribution/orders -> 201 "
        "(Content-Type: application/xml, Accept: application/xml)",
        "other tenant's order: POST /distribution/orders -> 201",
    ]


def test_given_routes_that_find_nothing_when_swept_then_own_reads_are_unexpected_not_proof(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    swept = sweep(monkeypatch, blind=True)
    assert swept.leaks == []
    # A's own order by id and by token on six GET routes (the theatre's sub-resources among them: its
    # ticket order), and in XML on the distribution one
    assert len(swept.unexpected) == 6 * 2 + 1
    assert all(entry.startswith("own order") and "-> 404" in entry for entry in swept.unexpected)


def test_given_a_reasons_list_without_the_tenants_own_reason_when_swept_then_both_reads_are_unexpected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # (a list that holds no tenant's reason proves nothing about whose reasons it would list)
    swept = sweep(monkeypatch, no_reasons=True)
    assert swept.leaks == []
    assert sorted(swept.unexpected) == [
        "other tenant's key: GET /v1/refund-reasons -> 200 without its own data",
        "own read: GET /v1/refund-reasons -> 200 without its own data",
    ]


# ---------------------------------------------------------------------------- requests and reports
def test_given_an_xml_body_and_the_distribution_header_when_sent_then_they_go_as_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent: list[urllib.request.Request] = []

    class Answer:
        status = 404
        headers: dict[str, str] = {}

        def __enter__(self) -> Answer:
            return self

        def __exit__(self, *args: object) -> None:
            return None

        def read(self) -> bytes:
            return b"<problem/>"

    def urlopen(request: urllib.request.Request, timeout: float) -> Answer:
        sent.append(request)
        return Answer()

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    status, text = fuzz.call(
        "http://api",
        "PUT",
        "/distribution/orders/x",
        None,
        "<order/>",
        headers={**fuzz.XML_HEADERS, "X-ADILITY-API-KEY": "ka"},
    )
    assert (status, text) == (404, "<problem/>")
    (request,) = sent
    assert request.data == b"<order/>"
    assert request.get_header("Content-type") == "application/xml"
    assert request.get_header("Accept") == "application/xml"
    assert request.get_header("X-adility-api-key") == "ka"
    assert request.get_header("Authorization") is None
    # AND a dict body is still JSON, with the key in Authorization
    fuzz.call("http://api", "POST", "/x", "ka", {"a": 1})
    assert sent[1].data == b'{"a": 1}'
    assert sent[1].get_header("Content-type") == "application/json"
    assert sent[1].get_header("Authorization") == "ka"


def test_given_schemathesis_output_when_a_run_fails_then_its_failures_section_is_printed() -> None:
    log = (
        "Schemathesis v4\n" + "x" * 5000 + "\n"
        "==== FAILURES ====\n__ GET /v3/orders/{id} __\n    curl -X GET http://api/v3/orders/1\n"
        "==== WARNINGS ====\nmismatch\n"
        "==== SUMMARY ====\nFailures: 1\n"
    )
    report = fuzz.failure_report(log)
    assert report.startswith("==== FAILURES ====\n")
    assert "curl -X GET http://api/v3/orders/1" in report
    assert "mismatch" not in report
    assert report.endswith("==== SUMMARY ====\nFailures: 1\n")
    # a log without failures: its tail
    assert fuzz.failure_report("y" * 3000) == "y" * 2500
    # a very long section is cut
    long = "== FAILURES ==\n" + "z" * (fuzz.FAILURE_REPORT_CHARS * 2) + "\n== SUMMARY ==\nend\n"
    assert len(fuzz.failure_report(long)) < fuzz.FAILURE_REPORT_CHARS + 200


# ---------------------------------------------------------------------------- GET /keys/current (issue 35)
def keys_document() -> dict[str, Any]:
    return {"paths": {KEYS_CURRENT: document()["paths"][KEYS_CURRENT]}}


def fake_keys(a: fuzz.Tenant, b: fuzz.Tenant, *, swapped: bool = False) -> Call:
    """`/keys/current` answering the key's own tenant (`swapped`: the other's)."""

    def call(
        base: str, method: str, path: str, key: str | None, body: Any = None, *, headers: Any = None
    ) -> tuple[int, str]:
        assert path == KEYS_CURRENT
        if key not in (a.key, b.key):
            return 401, '{"title": "Unauthorized"}'
        mine = (a if key == a.key else b) if not swapped else (b if key == a.key else a)
        return 200, json.dumps({"tenant_id": mine.tenant_id, "key_id": "key_x", "scopes": ["orders:read"]})

    return call


@pytest.mark.parametrize("swapped", [False, True])
def test_given_the_key_route_when_swept_then_each_key_must_answer_its_own_tenant(
    monkeypatch: pytest.MonkeyPatch, swapped: bool
) -> None:
    a, b = tenants()
    monkeypatch.setattr(fuzz.client, "call", fake_keys(a, b, swapped=swapped))
    swept = fuzz.tenant_sweep("http://api", keys_document(), a, b)
    assert swept.requests == 3
    assert swept.server_errors == []
    if swapped:  # each key answered as the other tenant's: both reads are refused
        assert len(swept.unexpected) + len(swept.leaks) == 2
    else:
        assert (swept.unexpected, swept.leaks) == ([], [])
