"""The proof harness and the catalogue (issue 31): the fuzz's catalogue seed, sweep probes and view
(harness/fuzz/catalogue.py), its boundary cases (harness/fuzz/boundaries/catalogue.py), the bench's
catalogue routes and their calls (harness/bench/catalogue.py), and the reliability judges of stock and
credits and the cases under faults (harness/reliability/catalogue.py, catalogue_judges.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from orders_domain.domain import catalogue_rules, fulfil_rules
from orders_domain.models import OrderCreateRequest
from orders_domain.models.catalogue import (
    CatalogueSettings,
    CreditInput,
    Product,
    ProductInput,
    ShippingInput,
)
from orders_domain.models.fulfillments import CancelItemInput
from orders_domain.services import CreateOrders
from orders_domain.storage import keys

from harness import bench, fuzz, reliability
from harness.bench import catalogue as bench_catalogue
from harness.bench.families import REQUIRED_OPERATIONS
from harness.fuzz import boundaries as fb
from harness.fuzz import catalogue as fuzz_catalogue
from harness.fuzz.boundaries import catalogue as edge_catalogue
from harness.reliability import catalogue as rel_catalogue
from tests.fakes import InMemoryCatalogue, InMemoryOrderRepository
from tests.helpers import ROOT
from tests.unit.test_harness_search import measuring

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


@cache
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    return loaded


def kinds(problems: list[tuple[str, str]]) -> list[str]:
    return [kind for kind, _ in problems]


# ============================================================================ fuzz: the sweep
def tenants() -> tuple[fuzz.Tenant, fuzz.Tenant]:
    a = fuzz.Tenant(
        "tenant-a",
        "ka",
        order_ids=["order-a1", "order-a-stock"],
        tokens=["tok-a"],
        product_ids=["tenant-a-only-1", "tenant-a-disposable-1"],
        credit_ids=["credit-a"],
        catalogue_tokens=["CAT-A"],
        stock_order_ids=["order-a-stock"],
    )
    b = fuzz.Tenant(
        "tenant-b",
        "kb",
        order_ids=["order-b1", "order-b-stock"],
        tokens=["tok-b"],
        product_ids=["tenant-b-only-1", "tenant-b-disposable-1"],
        credit_ids=["credit-b"],
        catalogue_tokens=["CAT-B"],
        stock_order_ids=["order-b-stock"],
    )
    return a, b


#: The catalogue's paths, the create and list, and the stock releases: what the sweep's fakes serve.
SWEPT = (
    "/orders/{tenantId}",
    fuzz_catalogue.PRODUCTS,
    fuzz_catalogue.PRODUCT,
    fuzz_catalogue.SETTINGS,
    fuzz_catalogue.SHIPPING_LIST,
    fuzz_catalogue.SHIPPING,
    fuzz_catalogue.CREDITS,
    fuzz_catalogue.CUSTOMER_CREDITS,
    "/orders/{tenantId}/{id}/cancel",
    "/orders/{tenantId}/void/{id}",
)


def swept_document() -> dict[str, Any]:
    return {"paths": {path: document()["paths"][path] for path in SWEPT}}


Call = Callable[..., tuple[int, str]]


def fake_catalogue(a: fuzz.Tenant, b: fuzz.Tenant, *, leak: str | None = None) -> Call:
    """The catalogue as the sweep sees it: 401 without a key, 403 on another tenant's path, each
    tenant's own products (the shared one and its own), lists, settings, credits. `leak`: "product"
    answers B's products on A's path; "credits" lists B's credit with A's; "delete" deletes B's
    product from A's path."""
    tenant_of = {a.key: a, b.key: b}

    def product(tenant: fuzz.Tenant, product_id: str) -> str:
        return json.dumps({"product_id": product_id, "name": f"Fuzz {tenant.marker}", "stock_available": 98})

    def call(
        base: str, method: str, path: str, key: str | None, body: Any = None, **_: Any
    ) -> tuple[int, str]:
        if key is None:
            return 401, "{}"
        parts = urlsplit(path)
        segments = parts.path.strip("/").split("/")
        asking = tenant_of[key]
        if segments[1] != asking.tenant_id:
            return 403, "{}"
        other = b if asking is a else a
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        rest = segments[2:]
        if rest[:2] == ["catalogue", "products"] and len(rest) == 4:
            product_id = rest[3]
            mine = product_id in (fuzz_catalogue.SHARED_PRODUCT, *asking.product_ids)
            theirs = product_id in other.product_ids
            if method == "GET" and (mine or (theirs and leak == "product")):
                return 200, product(asking if mine else other, product_id)
            if method == "DELETE" and (mine or (theirs and leak == "delete")):
                return (200 if theirs else 204), ""
            if method == "PUT":
                return 200, product(asking, product_id)
            return 404, json.dumps({"detail": f"Product {product_id} was not found."})
        if rest == ["catalogue", "products"]:
            token = query.get("exclusiveStartKey")
            if token is not None and token not in asking.catalogue_tokens:
                return 400, json.dumps({"detail": "not a token of this list"})
            items = [json.loads(product(asking, p)) for p in asking.product_ids]
            return 200, json.dumps({"Count": len(items), "Items": items, "LastEvaluatedKey": None})
        if rest == ["catalogue", "settings"]:
            return 200, json.dumps(body if method == "PUT" else {"strict": False}, separators=(",", ":"))
        if rest[:2] == ["catalogue", "shipping"]:
            return 200, json.dumps({"shipping_options": [{"name": f"Ship {asking.marker}"}]})
        if rest == ["credits"]:
            return 201, json.dumps({"id": asking.credit_ids[0], "number": 1})
        if rest[:1] == ["credits"]:
            credits = [{"id": c} for c in asking.credit_ids + (other.credit_ids if leak == "credits" else [])]
            return 200, json.dumps({"open_credits": credits})
        if rest == []:
            if method == "POST":
                return 201, json.dumps({"id": "order-new"})
            if "exclusiveStartKey" in query:
                return 400, json.dumps({"detail": "not a token of this list"})
            return 200, json.dumps({"Count": 1, "Items": [{"id": asking.order_ids[0]}]})
        order_id = rest[0] if rest[-1] == "cancel" else rest[-1]
        if order_id in asking.order_ids:
            return 200, json.dumps({"id": order_id})
        return 404, json.dumps({"detail": f"Order {order_id} was not found."})

    return call


def sweep(monkeypatch: pytest.MonkeyPatch, leak: str | None = None) -> fuzz.Sweep:
    a, b = tenants()
    monkeypatch.setattr(fuzz.client, "call", fake_catalogue(a, b, leak=leak))
    return fuzz.tenant_sweep("http://api", swept_document(), a, b)


def test_given_an_isolated_catalogue_when_swept_then_no_leak_and_every_status_as_expected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    swept = sweep(monkeypatch)
    assert swept.leaks == []
    assert swept.unexpected == []
    assert swept.server_errors == []


@pytest.mark.parametrize(
    ("leak", "expected"),
    [
        # B's products read on A's path: a 200 where 404 is the answer, with B's marker in it
        (
            "product",
            {"other tenant's productId: GET /orders/tenant-a/catalogue/products/fuzz/tenant-b-only-1"},
        ),
        # B's credit listed to A: B's credit id in A's answer
        ("credits", {"shared customer: GET /orders/tenant-a/credits/contact/shared-fuzz"}),
        # B's product deleted from A's path
        (
            "delete",
            {"other tenant's productId: DELETE /orders/tenant-a/catalogue/products/fuzz/tenant-b-only-1"},
        ),
    ],
)
def test_given_a_catalogue_that_serves_b_s_rows_to_a_when_swept_then_each_is_a_leak(
    monkeypatch: pytest.MonkeyPatch, leak: str, expected: set[str]
) -> None:
    swept = sweep(monkeypatch, leak)
    found = {entry.rsplit(" -> ", 1)[0] for entry in swept.leaks}
    assert expected <= found, swept.leaks


def test_given_the_catalogue_when_probed_then_a_s_own_rows_answer_and_b_s_are_404() -> None:
    a, b = tenants()
    product = fuzz_catalogue.catalogue_probes("GET", fuzz_catalogue.PRODUCT, set(), a, b)
    assert {(p.path.rsplit("/", 1)[1], frozenset(p.expected)) for p in product} == {
        ("shared-fuzz", frozenset({200})),
        ("tenant-a-only-1", frozenset({200})),
        ("tenant-b-only-1", frozenset({404})),
        ("tenant-b-disposable-1", frozenset({404})),
    }
    assert all(p.key == a.key for p in product)
    assert all(p.holds == a.marker for p in product if p.expected == {200})
    deleted = fuzz_catalogue.catalogue_probes("DELETE", fuzz_catalogue.PRODUCT, set(), a, b)
    assert [(p.path.rsplit("/", 1)[1], p.expected) for p in deleted] == [
        ("tenant-b-only-1", {404}),
        ("tenant-b-disposable-1", {404}),
        ("tenant-a-disposable-1", {204}),
    ]
    # an order of A naming B's product, and the product both have: A's own, at A's price
    created = fuzz_catalogue.catalogue_probes("POST", "/orders/{tenantId}", set(), a, b)
    assert [p.body["line_items"][0]["product_id"] for p in created] == ["tenant-b-only-1", "shared-fuzz"]
    assert all(p.expected == {201} and p.body["line_items"][0]["unit_price"] == "10.00" for p in created)
    # the create's catalogue reads: A's shared product billed to the shared contact (the preview holds
    # A's credit), and B's product (unknown to A's catalogue); describe of B's product: 400
    preview = fuzz_catalogue.catalogue_probes("POST", "/orders/{tenantId}/preview", set(), a, b)
    assert [(p.body["line_items"][0]["product_id"], p.holds) for p in preview] == [
        ("shared-fuzz", "credit-a"),
        ("tenant-b-only-1", None),
    ]
    assert preview[0].body["bill_to_contact_id"] == fuzz.SHARED_ID
    OrderCreateRequest.model_validate(preview[0].body)
    described = fuzz_catalogue.catalogue_probes(*fuzz_catalogue.DESCRIBE, set(), a, b)
    assert [(p.body["products"][0]["id"], p.expected) for p in described] == [
        ("tenant-b-only-1", {400}),
        ("shared-fuzz", {200}),
    ]
    # B's stock-holding order, cancelled or voided with A's key: 404
    for template in ("/orders/{tenantId}/{id}/cancel", "/orders/{tenantId}/void/{id}"):
        (release,) = fuzz_catalogue.catalogue_probes("POST", template, set(), a, b)
        assert "order-b-stock" in release.path
        assert release.expected == {404}
    # a credit grant under the key both tenants used: A's own credit, replayed
    (grant,) = fuzz_catalogue.catalogue_probes("POST", fuzz_catalogue.CREDITS, set(), a, b)
    assert grant.headers == {"Idempotency-Key": fuzz.CREDIT_KEY}
    assert (grant.expected, grant.holds) == ({201}, "credit-a")
    # tenants without a catalogue: nothing to ask
    assert (
        fuzz_catalogue.catalogue_probes("GET", fuzz_catalogue.PRODUCT, set(), fuzz.Tenant("t", "k"), b) == []
    )


def test_given_catalogue_page_tokens_when_probed_then_b_s_on_a_s_list_and_any_on_another_list_are_400() -> (
    None
):
    a, b = tenants()
    on_catalogue = fuzz_catalogue.catalogue_probes(
        "GET", fuzz_catalogue.PRODUCTS, {"exclusiveStartKey"}, a, b
    )
    tokens = [parse_qs(urlsplit(p.path).query).get("exclusiveStartKey") for p in on_catalogue]
    assert [t for t in tokens if t] == [["CAT-B"]]
    on_orders = fuzz_catalogue.catalogue_probes("GET", "/orders/{tenantId}", {"exclusiveStartKey"}, a, b)
    assert sorted(parse_qs(urlsplit(p.path).query)["exclusiveStartKey"][0] for p in on_orders) == [
        "CAT-A",
        "CAT-B",
    ]
    assert all(p.expected == {400} for p in on_orders)


def test_the_catalogue_s_path_parameters_are_shared_values_and_its_paths_are_swept_by_its_own_probes() -> (
    None
):
    assert {"productType", "productId", "shippingId", "customerType", "customerId"} <= set(
        fuzz.FOREIGN_VALUES
    )
    assert fuzz_catalogue.catalogue_probes in fuzz.FAMILY_PROBES
    catalogue_paths = {p for p in document()["paths"] if "/catalogue" in p or "/credits" in p}
    assert catalogue_paths == fuzz.SELF_SWEPT
    # B's catalogue is in B's view (its products with their stock, lists, settings, credits), before
    # the theatre's reasons, which stay last
    _, b = tenants()
    paths = fuzz.view_paths(b)
    assert "/orders/tenant-b/catalogue/products/fuzz/tenant-b-only-1" in paths
    assert "/orders/tenant-b/catalogue/products/fuzz/shared-fuzz" in paths
    assert "/orders/tenant-b/catalogue/settings" in paths
    assert "/orders/tenant-b/credits/contact/shared-fuzz" in paths
    assert paths[-1] == "/v1/refund-reasons"
    assert {"tenant-b-only-1", "credit-b", "CAT-B"} <= set(b.secrets())


def test_the_catalogue_seed_puts_valid_bodies_under_the_shared_values() -> None:
    a, b = tenants()
    ProductInput.model_validate(fuzz_catalogue.product_body(a))
    assert fuzz_catalogue.product_body(a)["unit_price"] != fuzz_catalogue.product_body(b)["unit_price"]
    CreditInput.model_validate(fuzz_catalogue.CREDIT)
    OrderCreateRequest.model_validate(fuzz_catalogue.stock_order(a, fuzz.SHARED_PRODUCT, 2))
    ProductInput.model_validate(fuzz.BODIES[("PUT", fuzz_catalogue.PRODUCT)])
    ShippingInput.model_validate(fuzz.BODIES[("PUT", fuzz_catalogue.SHIPPING)])
    CatalogueSettings.model_validate(fuzz.BODIES[("PUT", fuzz_catalogue.SETTINGS)])
    CreditInput.model_validate(fuzz.BODIES[("POST", fuzz_catalogue.CREDITS)])
    assert (
        fuzz_catalogue.path_of(fuzz_catalogue.PRODUCT, a)
        == "/orders/tenant-a/catalogue/products/fuzz/shared-fuzz"
    )
    assert fuzz_catalogue.path_of(fuzz_catalogue.SHIPPING, a).endswith(fuzz.FOREIGN_VALUES["shippingId"])


def seeding_api(
    sent: list[tuple[str, str, str | None]], b_credit_to_a: bool
) -> Callable[..., tuple[int, str]]:
    def call(
        base: str, method: str, path: str, key: str | None, body: Any = None, **_: Any
    ) -> tuple[int, str]:
        sent.append((method, path, key))
        if path.endswith("/credits"):
            tenant = "b" if key == "kb" or b_credit_to_a else "a"
            return 201, json.dumps({"id": f"credit-{tenant}", "number": 1})
        if method == "POST":
            return 201, json.dumps(
                {"id": f"order-{len(sent)}", "token": "t", "line_items": [{"stock_reserved": 2}]}
            )
        if "limit=1" in path:
            return 200, json.dumps({"LastEvaluatedKey": f"token-{key}"})
        return 200, "{}"

    return call


@pytest.mark.parametrize("b_credit_to_a", [False, True])
def test_given_the_seed_when_a_s_grant_is_answered_b_s_credit_then_it_is_a_leak(
    monkeypatch: pytest.MonkeyPatch, b_credit_to_a: bool
) -> None:
    a, b = fuzz.Tenant("tenant-a", "ka"), fuzz.Tenant("tenant-b", "kb")
    sent: list[tuple[str, str, str | None]] = []
    monkeypatch.setattr(fuzz.client, "call", seeding_api(sent, b_credit_to_a))
    leaks = fuzz.seed_catalogue("http://api", a, b)
    assert bool(leaks) is b_credit_to_a
    assert b.credit_ids == ["credit-b"]
    assert a.credit_ids == ([] if b_credit_to_a else ["credit-a"])
    # each tenant: its shared product, two of its own, a stock order; B's catalogue made strict last
    assert len(a.product_ids) == len(b.product_ids) == 2
    assert a.stock_order_ids
    assert a.stock_order_ids[0] in a.order_ids
    assert sent[-1] == ("PUT", "/orders/tenant-b/catalogue/settings", "kb")
    assert ("PUT", "/orders/tenant-a/catalogue/products/fuzz/shared-fuzz", "ka") in sent
    assert a.catalogue_tokens == ["token-ka"]


# ============================================================================ fuzz: boundary cases
@cache
def all_cases() -> tuple[fb.Case, ...]:
    return tuple(fb.generate(document(), fb.Bounds()))


def catalogue_cases() -> list[fb.Case]:
    return [c for c in all_cases() if "/catalogue" in c.route or "/credits" in c.route]


def named(name: str) -> fb.Case:
    (found,) = [c for c in catalogue_cases() if c.name == name]
    return found


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("product.stock = 10^9 + 1 (stock product)", "1000000001", frozenset({400})),
        ("product.stock = -1 (stock product)", "-1", frozenset({400})),
        ("product.stock = 1.5 (stock product)", "1.5", frozenset({400})),
        ('product.stock = "5" (stock product)', "5", frozenset({400})),
        ("product.stock = true (stock product)", True, frozenset({400})),
        ("product.unit_price = -0.01 (stock product)", "-0.01", frozenset({400})),
        ("product.unit_price = three decimals in USD (stock product)", "10.005", frozenset({400})),
        ("product.unit_price = decimals in JPY (stock product)", "10.50", frozenset({400})),
    ],
)
def test_given_a_stock_or_price_the_contract_refuses_then_400_and_the_product_unchanged(
    name: str, value: Any, expected: frozenset[int]
) -> None:
    case = named(name)
    field = name.split(" = ")[0].removeprefix("product.")
    sent_value = case.body[field]
    assert (sent_value.text if isinstance(sent_value, fb.Lit) else sent_value) == value
    assert case.expect.statuses == expected
    assert case.expect.unchanged == edge_catalogue.product_path(edge_catalogue.STOCK_ID)
    assert case.params["productId"] == edge_catalogue.STOCK_ID


def test_given_stock_0_and_10_to_the_9_then_accepted_and_an_order_of_it_is_sold_out_or_made() -> None:
    zero = named("product.stock = 0, then ordered (stock product)".replace(" (stock product)", ""))
    most = named("product.stock = 10^9, then ordered")
    assert (zero.body["stock"], most.body["stock"]) == (0, 1_000_000_000)
    assert zero.expect.statuses == most.expect.statuses == fb.ANSWERED
    (_, sold_out) = zero.expect.then
    (_, made) = most.expect.then
    assert (sold_out.method, sold_out.statuses) == ("POST", frozenset({409}))
    assert made.statuses == frozenset({201})
    OrderCreateRequest.model_validate(sold_out.body)
    assert sold_out.body["line_items"][0]["product_id"] == edge_catalogue.STOCK_ID


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("0", frozenset({400})),
        ("0.001", frozenset({400})),
        ("10^9 + 0.01", frozenset({400})),
        ("0.01", frozenset({201})),
    ],
)
def test_given_a_credit_amount_when_granted_then_refused_past_its_bounds_and_the_credits_unchanged(
    label: str, expected: frozenset[int]
) -> None:
    case = named(f"credit.amount = {label}")
    assert case.expect.statuses == expected
    assert case.expect.unchanged == edge_catalogue.PARTY_CREDITS


def test_given_ids_of_64_and_65_characters_then_64_is_taken_and_read_back_65_refused() -> None:
    for parameter in ("productType", "productId"):
        taken = named(f"path {parameter} of 64 characters")
        refused = named(f"path {parameter} of 65 characters")
        assert len(taken.params[parameter]) == 64
        assert len(refused.params[parameter]) == 65
        assert taken.expect.statuses == fb.ANSWERED
        assert refused.expect.statuses == fb.REFUSED
        assert [r.path for r in taken.expect.then] == [
            edge_catalogue.product_path(*reversed((taken.params["productType"], taken.params["productId"])))
        ]
    shipping = named("path shippingId of 65 characters")
    assert shipping.expect.unchanged == f"/orders/{fb.TENANT}/catalogue/shipping"
    assert named("credit.customer_id of 201 characters").expect.statuses == frozenset({400})


def test_given_an_option_or_customer_id_twice_then_422_naming_it() -> None:
    for name, value in (
        ("variant_options option_id [edge-opt, edge-opt]", "edge-opt"),
        ("eligibility customer_ids [edge-c, edge-c]", "edge-c"),
    ):
        case = named(name)
        assert case.family == "duplicate_ids"
        assert (case.expect.statuses, case.expect.names) == (frozenset({422}), value)
        assert json.dumps(case.body).count(value) == 2


def test_every_refused_write_of_the_catalogue_leaves_what_it_names_unchanged() -> None:
    writes = [c for c in catalogue_cases() if c.method != "GET" and c.expect.statuses <= fb.REFUSED]
    assert writes
    assert all(c.expect.unchanged for c in writes if "4,400 digits" not in c.name and "path " not in c.name)


def test_the_base_bodies_of_the_catalogue_are_valid_and_its_fields_are_named_under_their_body() -> None:
    ProductInput.model_validate(fb.BASE_BODIES[edge_catalogue.PRODUCT_PUT])
    ShippingInput.model_validate(fb.BASE_BODIES[edge_catalogue.SHIPPING_PUT])
    CatalogueSettings.model_validate(fb.BASE_BODIES[edge_catalogue.SETTINGS_PUT])
    CreditInput.model_validate(fb.BASE_BODIES[edge_catalogue.GRANT])
    # a product's weight is `product.weight`: no case of it reads as the order's weight x quantity
    weights = [c for c in all_cases() if c.route == edge_catalogue.PRODUCT and "weight" in c.name]
    assert weights
    assert all(c.name.startswith("product.weight = ") for c in weights)
    assert all(
        "line_items" in c.body for c in all_cases() if c.family == "numbers" and c.name.startswith("weight ")
    )
    # every case is unique, and the quick run sends some of the catalogue's own
    quick = [
        c
        for c in fb.generate(document(), fb.Bounds(), quick=True)
        if c.route in (edge_catalogue.PRODUCT, edge_catalogue.CREDITS)
    ]
    assert {c.family for c in quick} >= {"numbers", "strings", "duplicate_ids"}


def test_given_a_refused_product_put_that_changed_the_product_when_run_then_it_is_a_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN an API that refuses the PUT yet changes the product it names
    reads = iter(['{"stock_available": 5}', '{"stock_available": 7}'])

    def send(
        base: str, key: str | None, method: str, path: str, body: bytes | None, headers: Any, **_: Any
    ) -> fb.Answer:
        if method == "GET":
            return fb.Answer(200, next(reads), 0.01, {"Content-Type": "application/json"})
        problem = json.dumps({"type": "/problems/x", "title": "x", "status": 400})
        return fb.Answer(400, problem, 0.01, {"Content-Type": "application/problem+json"})

    monkeypatch.setattr(fb.runner, "send", send)
    runner = fb.Runner("http://api", "key", document(), {})
    # WHEN a refused stock case runs
    runner.run(named('product.stock = "5" (stock product)'))
    # THEN it is a failure naming the product read
    (failure,) = runner.report.failures
    assert "changed" in failure["detail"]
    assert edge_catalogue.STOCK_ID in failure["detail"]


# ============================================================================ bench
def test_the_bench_measures_every_catalogue_route_and_the_catalogue_s_cold_start() -> None:
    assert bench.COLD_START_EVENTS["catalogue"] == "catalogue.json"
    assert set(bench_catalogue.CATALOGUE_CALLS) == {
        "create_reserving_10_lines",
        "catalogue_put_product",
        "catalogue_get_product",
        "catalogue_products_page",
        "catalogue_put_shipping",
        "catalogue_shipping_list",
        "catalogue_settings",
        "grant_credit",
        "customer_credits",
        # the create's catalogue reads, describe and the override (tests/unit/test_harness_checkout.py)
        "describe_products",
        "availability",
        "preview_price",
        "preview_eligibility",
        "override_create",
        "override_preview",
    }
    assert set(bench_catalogue.CATALOGUE_CALLS) <= set(REQUIRED_OPERATIONS)
    grant = bench_catalogue.grant_event()
    assert grant["headers"]["Idempotency-Key"] != bench_catalogue.grant_event()["headers"]["Idempotency-Key"]
    CreditInput.model_validate_json(grant["body"])
    put = bench_catalogue.put_product_event()
    assert "orders:admin" in put["requestContext"]["authorizer"]["scopes"].split()
    assert ProductInput.model_validate_json(put["body"]).stock is not None


def test_given_the_catalogue_tenant_when_each_route_is_called_as_the_bench_calls_it_then_it_makes_its_calls(
    tables: dict[str, str],
) -> None:
    # GIVEN the bench's catalogue (moto): products, shipping products, a customer's credits
    measured = measuring(tables)
    routes = bench_catalogue.catalogue_routes(measured)
    assert [name for name, _, _ in routes] == list(bench_catalogue.CATALOGUE_CALLS)
    answers = {}
    for name, function, make in routes:
        if function != "catalogue":
            continue  # the reserving create: its order-number counter is amortised over a run's calls
        # WHEN each is called once, as a billing call
        sample = measured.invoke(function, make(), before_images=True)
        # THEN it answers and makes exactly the calls CATALOGUE_CALLS names
        assert sample.answer["statusCode"] in (200, 201), (name, sample.answer)
        calls: dict[str, int] = {}
        for call in sample.calls:
            calls[call.api] = calls.get(call.api, 0) + 1
        assert bench.call_shape_problem(name, calls, bench_catalogue.CATALOGUE_CALLS[name]) is None
        answers[name] = json.loads(sample.answer["body"])
    # AND the lists read what was made: a full page, every shipping product, the customer's credits
    assert answers["catalogue_products_page"]["Count"] == bench_catalogue.PAGE
    assert answers["catalogue_products_page"]["LastEvaluatedKey"]
    assert len(answers["catalogue_shipping_list"]["shipping_options"]) == bench_catalogue.SHIPPINGS
    assert len(answers["customer_credits"]["open_credits"]) == bench_catalogue.CREDITS_OF_CUSTOMER


# ============================================================================ reliability: judges
def test_given_stock_and_holdings_when_judged_then_conserved_is_clean_and_a_double_count_is_flagged() -> None:
    assert reliability.stock_problems(5, 3, 2) == []
    # a release given twice (or a reservation held without its decrement): more than the start
    assert kinds(reliability.stock_problems(5, 5, 2)) == ["double_effects"]
    # units taken and held by no order, or a release lost: less than the start
    assert kinds(reliability.stock_problems(5, 1, 2)) == ["lost_updates"]
    assert kinds(reliability.stock_problems(3, -1, 4)) == ["double_effects"]
    assert kinds(reliability.stock_problems(5, None, 2)) == ["partial_writes"]


def created(stock: int = 5, units: int = 3) -> tuple[Any, InMemoryCatalogue]:
    """An order of `units` of a product of `stock`, made as the create service makes it."""
    catalogue = InMemoryCatalogue()
    body = ProductInput.model_validate(
        {"name": "Seat", "unit_price": "10.00", "currency_code": "USD", "stock": stock}
    )
    catalogue.put(Product.of("tenant-a", "rel", "p-1", body))
    request = OrderCreateRequest.model_validate(rel_catalogue.order_of("p-1", units, "memo"))
    service = CreateOrders(InMemoryOrderRepository(catalogue=catalogue), catalogue=lambda: catalogue)
    return service.create(request, tenant_id="tenant-a", actor="key_t").order, catalogue


def test_given_orders_holding_stock_as_the_services_write_them_then_their_holdings_are_clean() -> None:
    order, _ = created()
    doc = order.model_dump(mode="json")
    assert reliability.holding(doc, "p-1") == 3
    assert reliability.holding(doc, "p-2") == 0
    assert reliability.holding_problems(doc) == []
    # one unit cancelled, as the cancel writes it: the line holds 2, 1 goes back
    changed = fulfil_rules.cancel(order, [CancelItemInput(order_line_item_id="S1", quantity=1)])
    released, back = catalogue_rules.releases(order, changed)
    assert [r.quantity for r in back] == [1]
    assert reliability.holding(released.model_dump(mode="json"), "p-1") == 2
    assert reliability.holding_problems(released.model_dump(mode="json")) == []
    # a stock of 5 less the 2 held after 1 came back: conserved
    assert reliability.stock_problems(5, 5 - 3 + 1, 2) == []


def test_given_a_line_holding_other_than_its_standing_units_when_judged_then_it_is_counted() -> None:
    order, _ = created()
    doc = order.model_dump(mode="json")
    cancelled = json.loads(json.dumps(doc))
    cancelled["line_items"][0]["quantity_cancelled"] = 3  # cancelled, its stock never given back
    assert kinds(reliability.holding_problems(cancelled)) == ["partial_writes"]
    short = json.loads(json.dumps(doc))
    short["line_items"][0]["stock_reserved"] = 1  # two units released, none cancelled
    assert kinds(reliability.holding_problems(short)) == ["double_effects"]


def test_given_a_granted_credit_when_judged_then_one_credit_with_the_answered_number_is_clean() -> None:
    credit = {"id": "c-1", "number": 7, "amount_available": Decimal("12.50")}
    assert reliability.credit_problems([credit], {"id": "c-1", "number": 7}) == []
    assert reliability.credit_problems([credit], None) == []
    assert kinds(reliability.credit_problems([credit, {**credit, "id": "c-2", "number": 8}], None)) == [
        "double_effects"
    ]
    assert kinds(reliability.credit_problems([], {"id": "c-1", "number": 7})) == ["lost_updates"]
    # answered a number the stored credit does not have: the answer names another grant
    assert kinds(reliability.credit_problems([credit], {"id": "c-1", "number": 6})) == ["double_effects"]


def test_given_a_stock_race_when_judged_then_as_many_orders_as_units_and_the_rest_sold_out() -> None:
    sold_out = reliability.RaceCall("create", 409, "sold_out")
    made = reliability.RaceCall("create", 201)
    assert reliability.race_problems([made] * 3 + [sold_out] * 7, 0, 3) == []
    assert kinds(reliability.race_problems([made] * 4 + [sold_out] * 6, 0, 3)) == ["double_effects"]
    assert kinds(reliability.race_problems([made] * 2 + [sold_out] * 8, 1, 3)) == ["lost_updates"]
    failed = reliability.race_problems(
        [made] * 3 + [sold_out] * 6 + [reliability.RaceCall("create", 500)], 0, 3
    )
    assert kinds(failed) == ["server_errors"]
    assert kinds(reliability.race_problems([made] * 3 + [sold_out] * 7, 2, 3)) == ["lost_updates"]


# ============================================================================ reliability: the cases
class StubApi:
    """Answers a product's PUT, a create and a cancel as the API would (no faults, no store)."""

    base, key = "http://api", "k"

    def call(
        self, method: str, path: str, body: Any = None, idempotency_key: str | None = None
    ) -> tuple[int, Any]:
        if method == "POST":
            return 201, {"id": "order-1", "line_items": body["line_items"]}
        return 200, {}


class StubStore:
    def doc(self, order_id: str) -> dict[str, Any]:
        return {"id": order_id, "sys_version": 1, "line_items": []}


@pytest.mark.usefixtures("tables")
def test_the_catalogue_routes_run_under_faults_aimed_at_their_own_requests() -> None:
    routes = reliability.MUTATIONS
    assert {
        "create_reserving",
        "cancel_releasing",
        "cancel_releasing_partial",
        "catalogue_product",
        "grant_credit",
        "grant_credit_number",
    } <= set(routes)
    assert routes["create_reserving"].writes == (
        f"PutItem{reliability.IDEMPOTENCY}",
        "TransactWriteItems",
        f"UpdateItem{reliability.IDEMPOTENCY}",
    )
    assert "BatchGetItem" in routes["cancel_releasing"].calls
    assert "TransactWriteItems" in routes["cancel_releasing"].writes
    # a product's PUT reads its bucket count, then is one transaction (the product and its stock
    # buckets, issue 33): its faults aim at both
    assert routes["catalogue_product"].writes == ("TransactWriteItems",)
    assert routes["catalogue_product"].calls == ("GetItem", "TransactWriteItems")
    # the credit number's counter is the tenant's: grants are sent one at a time
    assert routes["grant_credit_number"].calls == ("UpdateItem",)
    api: Any = StubApi()
    store: Any = StubStore()
    create = reliability.ReservingCreateCase(api, store, "lost-create")
    assert create.product_id in reliability.STOCKED
    assert create.only("TransactWriteItems") == create.only("BatchGetItem") == create.product_id
    assert create.only(f"PutItem{reliability.IDEMPOTENCY}") == reliability.idempotency_text(
        "/orders/{tenantId}", "lost-create"
    )
    assert create.body["line_items"][0]["quantity"] == rel_catalogue.RESERVED
    grant = reliability.GrantCase(api, "fault-grant")
    assert (
        grant.only("PutItem")
        == grant.only("GetItem")
        == keys.credits_pk("tenant-a", "contact", grant.customer)
    )
    number = reliability.GrantCase(api, "fault-number", number_only=True)
    try:
        # made ready, it holds the grants' lock (released when settled): no other grant meets its fault
        assert number.only("UpdateItem") == "CREDIT_NUMBER"
        assert rel_catalogue._GRANT_SENDS._is_owned()  # type: ignore[attr-defined]
    finally:
        rel_catalogue._GRANT_SENDS.release()
    assert keys.credit_number_counter_key("tenant-a")["SK"] == rel_catalogue.CREDIT_NUMBER
    cancel = reliability.ReleasingCancelCase(api, store, "fault-cancel", partial=True)
    assert cancel.only("GetItem") == cancel.only("TransactWriteItems") == reliability.key_text("order-1")
    assert cancel.only("BatchGetItem") == cancel.product_id
    assert cancel.delta == {"S1": (0, 1)}
    assert reliability.ReleasingCancelCase(api, store, "fault-cancel-all").delta == {
        "S1": (0, rel_catalogue.HELD)
    }
