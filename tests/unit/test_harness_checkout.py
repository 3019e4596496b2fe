"""The proof harness and the create's catalogue reads and the admin's override (issue 31): the bench's
rows for describe, availability, price, eligibility, the override create and its preview, and the
preview's own calls (harness/bench/catalogue.py, orders.py); the override create under faults
(harness/reliability/checkout.py); schemathesis sent to the real routes (harness/fuzz/schemathesis_run.py)."""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from orders_domain.models import OrderCreateRequest
from orders_domain.models.catalogue import Product, ProductInput
from orders_domain.models.checkout import DescribeRequest
from orders_domain.models.overrides import OverrideRequest
from orders_domain.services import CreateOrders
from orders_domain.storage.catalogue import DynamoCatalogue

from harness import bench, fuzz, reliability
from harness.bench import catalogue as bench_catalogue
from harness.bench import orders as bench_orders
from harness.bench.families import OPERATION_CALLS, REQUIRED_OPERATIONS
from harness.fuzz import schemathesis_run
from harness.reliability import catalogue as rel_catalogue
from harness.reliability import checkout as rel_checkout
from tests.fakes import InMemoryCatalogue, InMemoryOrderRepository
from tests.unit.test_harness_search import measuring

CHECKOUT = (
    "describe_products",
    "availability",
    "preview_price",
    "preview_eligibility",
    "override_create",
    "override_preview",
)


def made_calls(sample: bench.Sample) -> dict[str, int]:
    calls: dict[str, int] = {}
    for call in sample.calls:
        calls[call.api] = calls.get(call.api, 0) + 1
    return calls


def stock_of(measured: bench.Bench, product_id: str) -> int:
    client = bench.core._admin_client(measured.endpoint)
    found = DynamoCatalogue(client, measured.tables["OrdersTable"]).get(
        bench.TENANT, "ticket", product_id, consistent=True
    )
    assert found is not None
    assert found.stock_available is not None
    return found.stock_available


# ============================================================================ bench
def test_the_bench_measures_the_create_s_catalogue_reads_and_the_override_and_holds_their_calls() -> None:
    routes = bench_catalogue.checkout_routes()
    assert [name for name, _, _ in routes] == list(CHECKOUT)
    assert set(CHECKOUT) <= set(REQUIRED_OPERATIONS)
    # the products' BatchGetItem, and their stock buckets' where the answer says how many are left
    stock_reads = (1 + bench_catalogue.BUCKET_READS, 1 + bench_catalogue.BUCKET_READS)
    assert {name: OPERATION_CALLS[name] for name in CHECKOUT} == {
        "describe_products": {"BatchGetItem": stock_reads},
        "availability": {"BatchGetItem": stock_reads},
        # no stock; the catalogue items read a moment ago are kept (storage.recent_items)
        "preview_price": {"BatchGetItem": (0, 1)},
        "preview_eligibility": {"BatchGetItem": (0, 1)},
        # as the reserving create: the record's put and update, the products, one transaction
        "override_create": bench_catalogue.CATALOGUE_CALLS["create_reserving_10_lines"],
        "override_preview": {"BatchGetItem": stock_reads, "Query": (2, 2)},
    }
    # the preview is held to its two Queries (a shippable order billed to a contact)
    assert OPERATION_CALLS["preview_10_lines"] == {"Query": (2, 2)}
    assert "preview_10_lines" in REQUIRED_OPERATIONS
    events = {name: make() for name, _, make in routes}
    # each event is its route's, with a body its route takes
    assert {name: e["resource"] for name, e in events.items()} == {
        "describe_products": "/orders/{tenantId}/products/describe",
        "availability": "/orders/{tenantId}/availability",
        "preview_price": "/orders/{tenantId}/preview/price",
        "preview_eligibility": "/orders/{tenantId}/preview/eligibility",
        "override_create": "/orders/{tenantId}/override",
        "override_preview": "/orders/{tenantId}/override/preview",
    }
    DescribeRequest.model_validate_json(events["describe_products"]["body"])
    for name in ("availability", "preview_price", "preview_eligibility"):
        order = OrderCreateRequest.model_validate_json(events[name]["body"])
        assert [line.product_id for line in order.line_items] == [f"bench-{n}" for n in range(10)]
    override = OverrideRequest.model_validate_json(events["override_create"]["body"])
    assert [o.order_line_item_id for o in override.override_manifest.line_items] == [
        line.order_line_item_id for line in override.order.line_items
    ]
    assert OverrideRequest.model_validate_json(events["override_preview"]["body"]) == override
    # the override is admin's and keyed: a new key each call
    for name in ("override_create", "override_preview"):
        assert "orders:admin" in events[name]["requestContext"]["authorizer"]["scopes"].split()
    key = events["override_create"]["headers"]["Idempotency-Key"]
    assert key != bench_catalogue.override_event()["headers"]["Idempotency-Key"]


def test_given_the_bench_s_catalogue_when_each_read_and_the_override_are_called_then_they_make_their_calls(
    tables: dict[str, str],
) -> None:
    # GIVEN the bench's catalogue (moto): 30 products of limited stock, 5 shipping products
    measured = measuring(tables)
    routes = {name: (function, make) for name, function, make in bench_catalogue.catalogue_routes(measured)}
    before = stock_of(measured, "bench-3")
    answers = {}
    for name in CHECKOUT:
        function, make = routes[name]
        if name == "override_create":
            # the first creates take blocks of 1 and 2 order numbers (amortised over a run's calls)
            for _ in range(2):
                assert measured.invoke(function, make()).answer["statusCode"] == 201
        # WHEN each is called as the bench bills it
        sample = measured.invoke(function, make(), before_images=True)
        # THEN it answers and makes exactly the calls its table names
        assert sample.answer["statusCode"] in (200, 201), (name, sample.answer)
        problem = bench.call_shape_problem(name, made_calls(sample), bench_catalogue.CATALOGUE_CALLS[name])
        assert problem is None, problem
        answers[name] = json.loads(sample.answer["body"])
    # AND the reads read the catalogue: every product known, each line's availability, the price
    described = answers["describe_products"]["products"]
    assert [(p["id"], Decimal(str(p["price"])), p["availability"]) for p in described] == [
        (f"bench-{n}", Decimal("13.75"), "OK") for n in range(10)
    ]
    assert [row["status"] for row in answers["availability"]["product_availability"]] == ["OK"] * 10
    assert Decimal(str(answers["preview_price"]["price"])) == Decimal("274.00")  # 10 x 2 x 13.75 - 1
    assert answers["preview_eligibility"] == {"eligible": True, "reason": None}
    # AND the override takes the overridden units (3 a line, 3 times: the warm calls and the billed one)
    made = answers["override_create"]
    assert [(line["quantity"], line["stock_reserved"]) for line in made["line_items"]] == [(3, 3)] * 10
    assert [Decimal(str(line["unit_price"])) for line in made["line_items"]] == [Decimal("12.00")] * 10
    assert len(made["override"]["lines"]) == 10
    assert stock_of(measured, "bench-3") == before - 3 * bench_catalogue.OVERRIDE_QUANTITY
    # AND its preview lists the 5 shipping options, takes nothing, and answers the override
    preview = answers["override_preview"]
    assert len(preview["manifest"]["shipping_options"]) == bench_catalogue.SHIPPINGS
    assert preview["order"]["override"]["lines"][0]["override_quantity"] == 3
    assert stock_of(measured, "bench-3") == before - 3 * bench_catalogue.OVERRIDE_QUANTITY


def test_given_the_bench_s_preview_when_called_then_it_makes_the_two_queries_its_table_names(
    tables: dict[str, str],
) -> None:
    # GIVEN the preview_10_lines body: shippable lines, billed to a contact, no catalogue product
    measured = measuring(tables)
    # WHEN it is called as the bench bills it
    sample = measured.invoke("create_order", bench_orders.preview_event(10), before_images=True)
    # THEN it reads the shipping products and the contact's open credits: two Queries, nothing else
    assert sample.answer["statusCode"] == 200, sample.answer
    calls = made_calls(sample)
    assert calls == {"Query": 2}
    expected = bench_orders.ORDER_CALLS["preview_10_lines"]
    assert bench.call_shape_problem("preview_10_lines", calls, expected) is None
    # AND a preview making no call (as before issue 31) no longer fits its table
    assert bench.call_shape_problem("preview_10_lines", {}, expected) == (
        "operations.preview_10_lines made no call, not Query x2"
    )


def test_given_results_whose_override_made_no_transaction_when_checked_then_check_shape_names_it() -> None:
    calls = {"PutItem": 2, "BatchGetItem": 1, "UpdateItem": 1}
    op = {"self_us_p50": 1, "self_us_p99": 2, "cpu_us_p50": 3, "ddb_calls": calls, "rru": 5.5, "wru": 60}
    ops = {"override_create": op}
    problems = [p for p in bench.check_shape({"operations": ops}) if "override_create" in p]
    assert problems == [
        "operations.override_create made BatchGetItem x1, PutItem x2, UpdateItem x1, not BatchGetItem x0-1, "
        "UpdateItem x1-2, PutItem x1, TransactWriteItems x1"
    ]
    # a billing call that takes a block of order numbers makes the counter's UpdateItem too: it fits
    refill = {"PutItem": 1, "BatchGetItem": 1, "TransactWriteItems": 1, "UpdateItem": 2}
    assert bench.call_shape_problem("override_create", refill, bench_catalogue.RESERVING_CALLS) is None
    missing = bench.check_shape({"operations": {}})
    assert {f"operations has no {name}" for name in (*CHECKOUT, "preview_10_lines")} <= set(missing)


# ============================================================================ reliability
def overridden(product_id: str = "p-1", stock: int = 5) -> tuple[dict[str, Any], InMemoryCatalogue]:
    """The override case's order, made as the create service makes it (its JSON), and the catalogue."""
    catalogue = InMemoryCatalogue()
    body = ProductInput.model_validate(
        {"name": "Seat", "unit_price": rel_catalogue.PRICE, "currency_code": "USD", "stock": stock}
    )
    catalogue.put(Product.of("tenant-a", "rel", product_id, body))
    request = OverrideRequest.model_validate(rel_checkout.override_body(product_id, "memo"))
    service = CreateOrders(InMemoryOrderRepository(catalogue=catalogue), catalogue=lambda: catalogue)
    made = service.create(
        request.order, tenant_id="tenant-a", actor="key_t", override=request.override_manifest
    )
    return made.order.model_dump(mode="json"), catalogue


def kinds(problems: list[tuple[str, str]]) -> list[str]:
    return [kind for kind, _ in problems]


def test_given_an_override_as_the_service_records_it_then_it_holds_the_overridden_units_once() -> None:
    order, catalogue = overridden()
    # the stock follows the overridden quantity: 2 of 5 taken, the line holding them
    assert reliability.holding(order, "p-1") == rel_checkout.OVERRIDE_QUANTITY
    stock = catalogue.get("tenant-a", "rel", "p-1")
    assert stock is not None
    assert reliability.stock_problems(5, stock.stock_available, reliability.holding(order, "p-1")) == []
    assert reliability.holding_problems(order) == []
    assert rel_checkout.override_problems(order) == []


def test_given_an_override_recorded_twice_or_not_at_all_when_judged_then_it_is_counted() -> None:
    order, _ = overridden()
    # applied over itself: the overridden figures recorded as the client's
    again = json.loads(json.dumps(order))
    again["override"]["lines"][0]["original_quantity"] = rel_checkout.OVERRIDE_QUANTITY
    again["override"]["lines"][0]["original_unit_price"] = rel_checkout.OVERRIDE_UNIT_PRICE
    assert kinds(rel_checkout.override_problems(again)) == ["double_effects"]
    twice = json.loads(json.dumps(order))
    twice["override"]["lines"] *= 2
    assert kinds(rel_checkout.override_problems(twice)) == ["double_effects"]
    lost = {k: v for k, v in order.items() if k != "override"}
    assert kinds(rel_checkout.override_problems(lost)) == ["partial_writes"]
    # the record written, the line not overridden
    plain = json.loads(json.dumps(order))
    plain["line_items"][0]["quantity"] = rel_checkout.ORDERED
    assert kinds(rel_checkout.override_problems(plain)) == ["partial_writes"]


class StubApi:
    """Answers a product's PUT and an override as the API would (no faults, no store)."""

    base, key = "http://api", "k"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, Any, str | None]] = []

    def call(
        self, method: str, path: str, body: Any = None, idempotency_key: str | None = None
    ) -> tuple[int, Any]:
        self.sent.append((method, path, body, idempotency_key))
        return (201, {"id": "order-1"}) if method == "POST" else (200, {})


@pytest.mark.usefixtures("tables")
def test_the_override_create_runs_under_faults_at_the_reserving_create_s_calls_at_its_own_requests() -> None:
    route = reliability.MUTATIONS["override_create"]
    assert route.writes == reliability.MUTATIONS["create_reserving"].writes
    assert route.calls == reliability.MUTATIONS["create_reserving"].calls
    assert route.targeted
    api: Any = StubApi()
    store: Any = object()
    case = route.start(api, store, "lost-override")
    assert isinstance(case, rel_checkout.OverrideCreateCase)
    # made ready: its own product of 5 units, registered for the run's stock invariants
    assert reliability.STOCKED[case.product_id] == rel_catalogue.START
    assert api.sent[0][:2] == ("PUT", f"/orders/tenant-a/catalogue/products/rel/{case.product_id}")
    # faults aim at its own record, products and transaction
    assert case.only(f"PutItem{reliability.IDEMPOTENCY}") == reliability.idempotency_text(
        "/orders/{tenantId}/override", "lost-override"
    )
    assert case.only("BatchGetItem") == case.only("TransactWriteItems") == case.product_id
    # sent to the override route under its key, a body the route takes
    assert case.send() == (201, {"id": "order-1"})
    method, path, body, key = api.sent[-1]
    assert (method, path, key) == ("POST", "/orders/tenant-a/override", "lost-override")
    request = OverrideRequest.model_validate(body)
    assert request.order.memo == "lost-override"
    assert [(line.product_id, line.quantity) for line in request.order.line_items] == [(case.product_id, 1)]
    assert request.override_manifest.line_items[0].override_quantity == rel_checkout.OVERRIDE_QUANTITY


class SettleStore:
    """The store a settled override reads: the orders of its memo, the product's stock."""

    def __init__(self, orders: list[dict[str, Any]], stock: int) -> None:
        self.orders, self.stock = orders, stock

    def with_memo(self, memo: str) -> list[dict[str, Any]]:
        return self.orders


def settle(
    monkeypatch: pytest.MonkeyPatch, orders: list[dict[str, Any]], stock: int, first: tuple[int, Any]
) -> reliability.Tally:
    monkeypatch.setattr(rel_catalogue, "stocked", lambda api, stock: "p-1")
    monkeypatch.setattr(rel_catalogue, "stock_of", lambda store, product_id: store.stock)

    class Answers(StubApi):
        def call(
            self, method: str, path: str, body: Any = None, idempotency_key: str | None = None
        ) -> tuple[int, Any]:
            return 201, orders[0]

    tally = reliability.Tally()
    case = rel_checkout.OverrideCreateCase(Answers(), SettleStore(orders, stock), "fault-override")  # type: ignore[arg-type]
    case.settle(first, "override", tally, strict=True)
    return tally


def test_given_a_settled_override_when_checked_then_one_order_and_its_stock_taken_once_is_clean(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order, _ = overridden()
    # answered 503 first, then the retry's 201: one order, 3 of 5 left, 2 held
    tally = settle(monkeypatch, [order], 3, (503, {"code": "unavailable"}))
    assert tally.results()["lost_updates"] == tally.double_effects == tally.partial_writes == 0, tally.notes
    # two orders of one key, and the stock taken for both
    tally = settle(monkeypatch, [order, {**order, "id": "other"}], 1, (201, order))
    assert tally.double_effects >= 1
    assert any("2 orders of one keyed override" in note for note in tally.notes)
    # the stock taken twice for one order (1 left, 2 held): units lost
    tally = settle(monkeypatch, [order], 1, (201, order))
    assert tally.lost_updates == 1
    assert any("units lost" in note for note in tally.notes)
    # a 500 first: a server error, whatever the retry does
    tally = settle(monkeypatch, [order], 3, (500, {"code": "internal_error"}))
    assert tally.server_errors == 1


# ============================================================================ fuzz: schemathesis
def test_schemathesis_is_sent_to_the_gateway_s_own_routes_not_the_document_s_first_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sent: list[list[str]] = []

    def run(command: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        sent.append(command)
        report = command[command.index("--report-json-path") + 1]
        Path(report).write_text(json.dumps({"operations": {"tested": 1}}), encoding="utf-8")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(schemathesis_run.subprocess, "run", run)
    a = fuzz.Tenant("tenant-a", "key-a")
    schemathesis_run.schemathesis("http://127.0.0.1:5000", a, {"paths": {}}, 5, tmp_path, quick=True)
    (command,) = sent
    assert command[command.index("run") + 1] == "http://127.0.0.1:5000/openapi.json"
    # the base URL given whole: schemathesis appends no path of the document's servers to it
    assert command[command.index("--url") + 1] == "http://127.0.0.1:5000"
    document = json.loads((Path(__file__).resolve().parents[2] / "docs" / "openapi.json").read_text())
    assert document["servers"][0]["url"].endswith("/{stage}")  # why: its path is `/v1` by default


def test_given_schemathesis_answers_when_an_operation_was_only_ever_404_then_it_is_unreached() -> None:
    def rate(
        accepted: int = 0, unreachable: int = 0, conflicts: int = 0, rejected: int = 0
    ) -> dict[str, int]:
        return {
            "accepted": accepted,
            "unreachable": unreachable,
            "conflicts": conflicts,
            "rejected": rejected,
        }

    report = {
        "valid_rates": {
            "GET /orders/{tenantId}": {"fuzzing": rate(accepted=11)},
            "POST /orders/{tenantId}": {"fuzzing": rate(rejected=5)},  # reached: refused on its data
            "POST /orders/{tenantId}/close/{id}": {"fuzzing": rate(conflicts=15)},
            "PATCH /orders/{tenantId}/{id}": {
                "examples": rate(unreachable=1),
                "fuzzing": rate(unreachable=15),
            },
            "GET /orders/{tenantId}/{id}": {"fuzzing": rate()},  # no valid request: not counted
        }
    }
    assert schemathesis_run.unreached_operations(report) == ["PATCH /orders/{tenantId}/{id}"]
    assert schemathesis_run.unreached_operations({}) == []
