"""The fuzz's fulfillments (harness/fuzz/): what each tenant is seeded, the sweep's probes of the
fulfillment routes with the other tenant's ids, cursors, tracking numbers and orders, and what
schemathesis draws from tenant A's fulfillments."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from orders_domain.models import OrderCreateRequest
from orders_domain.models.fulfillments import CancelRequest, FulfillmentUpdate, FulfilRequest

from harness import fuzz
from tests.helpers import ROOT

LIST = "/orders/{tenantId}/fulfillments"
ONE = "/orders/{tenantId}/fulfillments/{fulfillmentId}"
OWN_LIST = "/orders/tenant-a/fulfillments"


def tenants() -> tuple[fuzz.Tenant, fuzz.Tenant]:
    a = fuzz.Tenant(
        "tenant-a",
        "ka",
        order_ids=["order-a1", "order-a2", "order-a3"],
        tokens=["token-a"],
        fulfillment_ids=["order-a3.2", "order-a3.3"],
        tracking_numbers=["TRACK-A1", "TRACK-A2"],
    )
    b = fuzz.Tenant(
        "tenant-b",
        "kb",
        order_ids=["order-b1", "order-b2", "order-b3"],
        tokens=["token-b"],
        fulfillment_ids=["order-b3.2", "order-b3.3"],
        tracking_numbers=["TRACK-B1", "TRACK-B2"],
    )
    return a, b


def list_queries() -> set[Any]:
    document = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    parameters = document["paths"][LIST]["get"]["parameters"]
    return {p["name"] for p in parameters if p["in"] == "query"}


def query_of(path: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(path).query)


# ---------------------------------------------------------------------------- seeding
def test_given_the_order_to_fulfil_when_fulfilled_twice_one_unit_each_then_one_unit_stays_open() -> None:
    # GIVEN the order each tenant fulfils
    order = OrderCreateRequest.model_validate({**fuzz.TO_FULFIL, "memo": "marker"})
    (line,) = fuzz.TO_FULFIL["line_items"]
    # WHEN its fulfil bodies are made
    a, b = tenants()
    bodies = [fuzz.fulfil_body(b, n) for n in range(1, fuzz.FULFILMENTS + 1)]
    # THEN each is a valid fulfil of one unit of its line, and one unit is left for schemathesis
    for body in bodies:
        request = FulfilRequest.model_validate(body)
        assert request.items is not None
        assert [(i.order_line_item_id, i.quantity) for i in request.items] == [
            (line["order_line_item_id"], 1)
        ]
    assert line["quantity"] == fuzz.FULFILMENTS + 1
    assert len(order.line_items) == 1
    # AND each carries its own tracking number, the shared sku and carrier, and B's marker
    assert len({body["tracking_number"] for body in bodies}) == fuzz.FULFILMENTS
    assert all(body["tracking_company"] == fuzz.SHARED_QUERIES["tracking_company"] for body in bodies)
    assert line["sku"] == fuzz.SHARED_QUERIES["sku"]
    assert all(b.marker in body["tracking_url"] and b.marker in body["metadata"].values() for body in bodies)
    # AND no tracking number holds the marker (asking for it would hide the marker from the leak check)
    assert all(b.marker not in body["tracking_number"] for body in bodies)
    assert all(a.marker not in json.dumps(body) for body in bodies)


def test_given_a_fulfils_location_when_read_then_the_fulfillment_id_is_its_last_segment() -> None:
    assert fuzz.fulfillment_id_of("/orders/tenant-a/fulfillments/o-1.2") == "o-1.2"
    assert fuzz.fulfillment_id_of(None) is None
    assert fuzz.fulfillment_id_of("/orders/tenant-a/o-1") is None
    assert fuzz.fulfillment_id_of("/orders/tenant-a/fulfillments/") is None


def test_given_fulfillment_ids_when_their_orders_are_asked_then_each_order_once_in_order() -> None:
    assert fuzz.fulfilled_orders(["o-1.2", "o-1.3", "o-2.2"]) == ["o-1", "o-2"]
    assert fuzz.fulfilled_orders(["no-version"]) == []
    assert fuzz.fulfilled_orders([]) == []


def test_given_a_tenant_with_fulfillments_when_secrets_are_listed_then_ids_and_tracking_numbers_count() -> (
    None
):
    _, b = tenants()
    secrets = b.secrets()
    assert {"order-b3.2", "order-b3.3", "TRACK-B1", "TRACK-B2", b.marker} <= set(secrets)
    assert b.owned("fulfillmentId") == ["order-b3.2", "order-b3.3"]


def test_given_the_sweeps_bodies_when_validated_then_each_new_route_gets_a_body_it_accepts() -> None:
    # (an invalid body would answer 400 before the order or fulfillment is looked up, not 404)
    FulfilRequest.model_validate(fuzz.BODIES[("POST", "/orders/{tenantId}/{id}/fulfill")])
    CancelRequest.model_validate(fuzz.BODIES[("POST", "/orders/{tenantId}/{id}/cancel")])
    FulfillmentUpdate.model_validate(fuzz.BODIES[("PATCH", ONE)])


def test_given_a_path_with_a_fulfillment_id_when_filled_then_the_tenants_own_id_goes_in() -> None:
    a, _ = tenants()
    assert fuzz.own_ids(ONE, a) == {"fulfillmentId": "order-a3.2"}
    assert fuzz.shared_path(ONE, a, fuzz.own_ids(ONE, a)) == "/orders/tenant-a/fulfillments/order-a3.2"
    # a tenant without fulfillments has none to give; paths without the parameter need none
    assert fuzz.own_ids(ONE, fuzz.Tenant("tenant-a", "ka")) == {}
    assert fuzz.own_ids(LIST, a) == {}
    assert fuzz.shared_path(LIST, a) == OWN_LIST


# ---------------------------------------------------------------------------- B's data, before and after
def test_given_two_views_when_compared_then_every_changed_or_missing_answer_is_named() -> None:
    before = {"/x": "200 {}", "/y": "200 {}", "/z": "200 {}"}
    after = {"/x": "200 {}", "/y": '200 {"n": 1}'}
    assert fuzz.changed(before, after, "after the sweep") == [
        "after the sweep: GET /y changed",
        "after the sweep: GET /z changed",
    ]
    assert fuzz.changed(before, dict(before), "after schemathesis") == []


# ---------------------------------------------------------------------------- the sweep's probes
def test_given_a_fulfillment_route_when_probed_then_b_s_ids_on_a_s_path_are_404_and_a_s_own_get_200() -> None:
    a, b = tenants()
    got = fuzz.owned_id_probes("GET", ONE, a, b)
    assert [(p, s) for _, p, s in got] == [
        ("/orders/tenant-a/fulfillments/order-a3.2", {200}),
        ("/orders/tenant-a/fulfillments/order-b3.2", {404}),
        ("/orders/tenant-a/fulfillments/order-b3.3", {404}),
    ]
    # a PATCH does not change A's own row: only B's are asked for
    patched = fuzz.owned_id_probes("PATCH", ONE, a, b)
    assert [(p, s) for _, p, s in patched] == [
        ("/orders/tenant-a/fulfillments/order-b3.2", {404}),
        ("/orders/tenant-a/fulfillments/order-b3.3", {404}),
    ]


def test_given_the_documents_list_when_probed_then_b_s_cursors_400_and_b_s_filters_find_nothing() -> None:
    a, b = tenants()
    # WHEN the probes of the document's list operation are built
    probes = fuzz.fulfillment_list_probes(OWN_LIST, list_queries(), a, b)
    by_path = {path: (expected, rows) for _, path, expected, rows in probes}
    assert all(path.startswith(OWN_LIST + "?") for path in by_path)
    # THEN each of B's fulfillment ids is a cursor both ways, by either name, alone and with A's order: 400
    for foreign in b.fulfillment_ids:
        for name in ("starting_after", "startingAfter", "ending_before", "endingBefore"):
            assert by_path[f"{OWN_LIST}?{name}={foreign}"] == ({400}, None)
        for name in ("starting_after", "ending_before"):
            assert by_path[f"{OWN_LIST}?order_id=order-a3&{name}={foreign}"] == ({400}, None)
    # AND B's order, B's tracking numbers and B's ids find nothing (200, no rows)
    for name in ("order_id", "orderId"):
        assert by_path[f"{OWN_LIST}?{name}=order-b3"] == ({200}, False)
    for number in b.tracking_numbers:
        for name in ("tracking_number", "trackingNumber"):
            assert by_path[f"{OWN_LIST}?{name}={number}"] == ({200}, False)
    assert by_path[f"{OWN_LIST}?ids=order-b3.2%2Corder-b3.3"] == ({200}, False)
    # AND A's and B's ids together, and the shared sku and carrier, find A's rows (the leak check: only A's)
    assert by_path[f"{OWN_LIST}?ids=order-a3.2%2Corder-a3.3%2Corder-b3.2%2Corder-b3.3"] == ({200}, True)
    assert by_path[f"{OWN_LIST}?sku=FUZZ-SKU"] == ({200}, True)
    assert by_path[f"{OWN_LIST}?tracking_company=Fuzz+Carrier"] == ({200}, True)
    assert len(probes) == 8 + 4 + 2 + 4 + 1 + 1 + 2


def test_given_an_operation_without_the_lists_queries_when_probed_then_nothing_is_added() -> None:
    a, b = tenants()
    assert (
        fuzz.fulfillment_list_probes("/orders/tenant-a", {"limit", "exclusiveStartKey", "fields"}, a, b) == []
    )
    # and a tenant B without fulfillments gives no fulfillment probes (nothing of B's to ask for)
    bare = fuzz.Tenant("tenant-b", "kb", order_ids=["order-b1"])
    assert fuzz.fulfillment_list_probes(OWN_LIST, list_queries(), a, bare) == []


def test_given_a_list_page_when_told_apart_then_empty_data_is_no_rows() -> None:
    assert not fuzz.answered_rows('{"data": [], "has_more": false}')
    assert fuzz.answered_rows('{"data": [{"id": "order-a3.2"}], "has_more": false}')


# ---------------------------------------------------------------------------- the sweep, against fakes
def document() -> dict[str, Any]:
    listed = [{"name": n, "in": "query"} for n in sorted(list_queries())]
    return {"paths": {LIST: {"get": {"parameters": listed}}, ONE: {"get": {}, "patch": {}}}}


Call = Callable[[str, str, str, "str | None", Any], tuple[int, str]]


def fake_api(a: fuzz.Tenant, b: fuzz.Tenant, *, leaky: bool) -> Call:
    """The fulfillment routes as the sweep sees them: 401 without a key, 403 on another tenant's path,
    each tenant's own fulfillments; `leaky` answers B's fulfillment to A's key on A's path."""
    rows: dict[str, dict[str, Any]] = {
        f: {"id": f, "tracking_number": number, "metadata": {"fuzz": tenant.marker}}
        for tenant in (a, b)
        for f, number in zip(tenant.fulfillment_ids, tenant.tracking_numbers, strict=True)
    }

    def call(base: str, method: str, path: str, key: str | None, body: Any = None) -> tuple[int, str]:
        if key is None:
            return 401, "{}"
        if key != a.key:
            return 403, "{}"
        parts = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path.startswith(OWN_LIST + "/"):
            wanted = parts.path.rsplit("/", 1)[1]
            if wanted in a.fulfillment_ids or (leaky and wanted in rows):
                return 200, json.dumps(rows[wanted])
            return 404, json.dumps({"detail": f"Fulfillment {wanted} was not found."})
        cursor = query.get("starting_after") or query.get("startingAfter") or query.get("ending_before")
        cursor = cursor or query.get("endingBefore")
        if cursor and cursor not in a.fulfillment_ids:
            return 400, json.dumps({"detail": f"names no fulfillment: '{cursor}'"})
        found = list(a.fulfillment_ids)
        order_id = query.get("order_id") or query.get("orderId")
        if order_id is not None:
            found = [f for f in found if f.startswith(order_id + ".")]
        number = query.get("tracking_number") or query.get("trackingNumber")
        if number is not None:
            found = [f for f in found if rows[f]["tracking_number"] == number]
        if "ids" in query:
            found = [f for f in found if f in query["ids"].split(",")]
        return 200, json.dumps({"data": [rows[f] for f in found], "has_more": False})

    return call


def test_given_an_isolated_api_when_swept_then_no_leak_and_every_status_as_expected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = tenants()
    monkeypatch.setattr(fuzz.client, "call", fake_api(a, b, leaky=False))
    sweep = fuzz.tenant_sweep("http://api", document(), a, b)
    assert sweep.leaks == []
    assert sweep.unexpected == []
    assert sweep.server_errors == []
    # the list: no key, B's key, A's own read and its probes; each route of one fulfillment: the same
    # two, A's own (GET) and B's two ids
    assert sweep.requests == 3 + 22 + (2 + 1 + 2) + (2 + 2)


def test_given_an_api_that_serves_b_s_fulfillment_on_a_s_path_when_swept_then_each_is_a_leak(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = tenants()
    monkeypatch.setattr(fuzz.client, "call", fake_api(a, b, leaky=True))
    sweep = fuzz.tenant_sweep("http://api", document(), a, b)
    assert sorted(sweep.leaks) == sorted(
        f"other tenant's fulfillmentId: {method} /orders/tenant-a/fulfillments/{f} -> 200"
        for method in ("GET", "PATCH")
        for f in b.fulfillment_ids
    )


def test_given_a_list_that_ignores_b_s_filters_when_swept_then_a_s_rows_are_unexpected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a list that answers A's rows whatever order or tracking number is asked for
    a, b = tenants()
    isolated = fake_api(a, b, leaky=False)

    def ignoring(base: str, method: str, path: str, key: str | None, body: Any = None) -> tuple[int, str]:
        for name in ("order_id", "orderId", "tracking_number", "trackingNumber"):
            path = path.replace(f"?{name}=", "?ignored=")
        return isolated(base, method, path, key, body)

    monkeypatch.setattr(fuzz.client, "call", ignoring)
    sweep = fuzz.tenant_sweep("http://api", document(), a, b)
    # THEN no leak (A's rows only), but each such answer is listed: B's values must find nothing
    assert sweep.leaks == []
    assert len(sweep.unexpected) == 2 + 4
    assert all(entry.endswith("-> 200 with rows") for entry in sweep.unexpected)


# ---------------------------------------------------------------------------- schemathesis
def test_given_a_s_fulfillments_when_configured_then_schemathesis_draws_them_part_of_the_time() -> None:
    a, _ = tenants()
    config = tomllib.loads(fuzz.schemathesis_config(a))
    parameters, dictionaries = config["parameters"], config["dictionaries"]

    def drawn(name: str) -> dict[str, Any]:
        return {"dictionary": name, "probability": fuzz.DRAWN}

    assert parameters["path.fulfillmentId"] == drawn("fulfillment_ids")
    assert parameters["query.starting_after"] == parameters["query.ending_before"] == drawn("fulfillment_ids")
    assert dictionaries["fulfillment_ids"]["values"] == ["order-a3.2", "order-a3.3"]
    assert parameters["query.ids"] == drawn("fulfillment_id_lists")
    assert dictionaries["fulfillment_id_lists"]["values"] == [
        "order-a3.2",
        "order-a3.3",
        "order-a3.2,order-a3.3",
    ]
    assert parameters["query.order_id"] == drawn("fulfilled_order_ids")
    assert dictionaries["fulfilled_order_ids"]["values"] == ["order-a3"]
    assert parameters["query.tracking_number"] == drawn("tracking_numbers")
    assert dictionaries["tracking_numbers"]["values"] == ["TRACK-A1", "TRACK-A2"]
    for name, value in fuzz.SHARED_QUERIES.items():
        assert parameters[f"query.{name}"] == drawn(f"shared_{name}")
        assert dictionaries[f"shared_{name}"]["values"] == [value]
    # AND nothing of another tenant: every value drawn is A's or shared
    assert "order-b3" not in json.dumps(config)
    # AND each parameter bound is one the document's fulfillment routes have
    assert {p.split(".", 1)[1] for p, _ in fuzz.FULFILLMENT_BINDINGS} <= list_queries() | {"fulfillmentId"}


def test_given_a_tenant_without_fulfillments_when_configured_then_nothing_of_them_is_bound() -> None:
    config = tomllib.loads(fuzz.schemathesis_config(fuzz.Tenant("tenant-a", "ka", order_ids=["order-a1"])))
    assert not {p for p, _ in fuzz.FULFILLMENT_BINDINGS} & set(config["parameters"])
    assert fuzz.fulfillment_dictionaries(fuzz.Tenant("tenant-a", "ka")) == {}
