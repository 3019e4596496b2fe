"""The proof harness and the source dialects' routes (issue 21): the bench's events for the theatre and
distribution routes (no tenant in the path, JSON or XML), their call shapes, the cold start of the XML
path and a dialect route's price (harness/bench/dialects.py, cold_starts.py)."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections import Counter
from typing import Any

from orders_domain.dialects import xml
from orders_domain.dialects.distribution_requests import ChangeOrder, PlaceOrder
from orders_domain.models.refunds import TheatreRefundRequest

from harness import bench
from tests.unit.test_harness_search import measuring, results

LAYER = bench.ROOT / "layers" / "orders_domain"


def calls_of(sample: bench.Sample) -> dict[str, int]:
    return dict(Counter(call.api for call in sample.calls if call.service == "dynamodb"))


def header(event: dict[str, Any], name: str) -> str | None:
    return next((v for k, v in event["headers"].items() if k.lower() == name.lower()), None)


# ---------------------------------------------------------------------------- events
def test_given_a_dialect_route_when_its_event_is_built_then_its_path_names_no_tenant_and_the_key_does() -> (
    None
):
    # GIVEN events/theatre_get_order.json (a token, tenant-a) and events/distribution_place_order.json
    # WHEN the bench builds a theatre get of order-1 and a distribution cancel of it, for tenant t-1
    got = bench.dialect_event("theatre_get", "order-1", tenant="t-1")
    cancel = bench.dialect_event(
        "distribution_cancel", "order-1", bench.DISTRIBUTION_CANCEL_BODY, tenant="t-1"
    )
    # THEN each is its route for that order with no tenant in the path: the authorizer's is t-1's
    assert (got["httpMethod"], got["resource"], got["path"]) == (
        "GET",
        "/v3/orders/{id}",
        "/v3/orders/order-1",
    )
    assert got["requestContext"]["resourcePath"] == got["resource"]
    assert got["requestContext"]["path"] == f"/{got['requestContext']['stage']}/v3/orders/order-1"
    assert got["pathParameters"] == {"id": "order-1"}
    assert got["requestContext"]["authorizer"]["tenant_id"] == "t-1"
    assert "{tenantId}" not in got["resource"]
    assert (cancel["httpMethod"], cancel["path"]) == ("PUT", "/distribution/orders/order-1")
    # AND the distribution key stays in its own header; no Idempotency-Key or If-Match is sent
    assert header(cancel, "X-ADILITY-API-KEY") == bench.EVENT_KEY
    for event in (got, cancel):
        for headers in (event["headers"], event["multiValueHeaders"]):
            assert {k.lower() for k in headers}.isdisjoint({"idempotency-key", "if-match"})
    # AND a body is sent (and the answer asked for) as JSON, the cancel being the dialect's own
    assert header(cancel, "Content-Type") == header(cancel, "Accept") == bench.JSON
    assert ChangeOrder.model_validate_json(cancel["body"]).order.status == "cancelled"
    assert header(got, "Content-Type") is None
    assert got["body"] is None


def test_given_the_routes_without_an_order_when_built_then_they_have_no_path_parameters() -> None:
    reasons = bench.dialect_event("theatre_reasons")
    placed = bench.dialect_event("distribution_place", body=bench.place_body("N-1"))
    assert (reasons["httpMethod"], reasons["path"], reasons["pathParameters"]) == (
        "GET",
        "/v1/refund-reasons",
        None,
    )
    assert (placed["httpMethod"], placed["path"], placed["pathParameters"]) == (
        "POST",
        "/distribution/orders",
        None,
    )
    # every route names its function and a sample event the function's route table has
    assert {function for _, function, _, _ in bench.DIALECT_ROUTES.values()} == {
        "get_order",
        "fulfill_order",
        "will_call_check",
        "refund_order",
        "create_order",
        "cancel_order",
    }
    for sample, _, method, resource in bench.DIALECT_ROUTES.values():
        stored = json.loads((bench.EVENTS / sample).read_text(encoding="utf-8"))
        assert (stored["httpMethod"], stored["resource"]) == (method, resource)


def test_given_an_order_number_when_placed_in_xml_then_it_is_the_same_order_as_in_json() -> None:
    # GIVEN a new order number (each place a new order: the number is unique per tenant)
    number = bench.order_number()
    assert number != bench.order_number()
    # WHEN the bench builds its place in JSON and in XML
    as_json = bench.dialect_event("distribution_place", body=bench.place_body(number))
    as_xml = bench.dialect_event("distribution_place", body=bench.place_xml(number), media=bench.XML)
    # THEN the XML is sent and asked for as XML, and reads (as the route's edge reads it) as the JSON
    assert header(as_xml, "Content-Type") == header(as_xml, "Accept") == bench.XML
    assert as_xml["body"].startswith("<?xml")
    from_xml = PlaceOrder.model_validate(xml.loads(as_xml["body"]))
    from_json = PlaceOrder.model_validate_json(as_json["body"])
    assert from_xml == from_json
    assert from_json.order.order_number == number
    assert [(i.offer_id, i.quantity, str(i.price)) for i in from_json.order.items] == [("deal-0", 2, "13.75")]


def test_given_the_theatre_refund_when_built_then_it_speaks_the_theatre_api_members() -> None:
    refund = bench.dialect_event("theatre_refund", "token-abc", bench.THEATRE_REFUND_BODY)
    assert (refund["httpMethod"], refund["path"]) == ("POST", "/v1/orders/token-abc/refunds")
    request = TheatreRefundRequest.model_validate_json(refund["body"]).domain()
    assert (request.refund_reason_name, request.line_numbers) == ("ChangedMindCannotMakeShow", [1])


# ---------------------------------------------------------------------------- the shape of a run
def test_given_results_when_a_dialect_route_is_missing_or_makes_other_calls_then_check_shape_names_it() -> (
    None
):
    # GIVEN results with every route, the dialect ones with their calls (each that of its native route)
    assert bench.check_shape(results()) == []
    assert bench.DIALECT_CALLS["theatre_fulfil"] == bench.FULFIL_CALLS["fulfil"]
    assert bench.DIALECT_CALLS["theatre_refund_by_token"] == bench.REFUND_CALLS["refund_by_token"]
    assert set(bench.DIALECT_OPERATIONS).isdisjoint({*bench.FULFIL_OPERATIONS, *bench.REFUND_OPERATIONS})
    # WHEN a route is missing, a theatre get by id queries too, a place skips the idempotency record,
    # an unshipped distribution get reads fulfillments, or a cancel sent again writes
    missing = results()
    del missing["operations"]["distribution_place_xml"]
    querying = copy.deepcopy(results())
    querying["operations"]["theatre_get"]["ddb_calls"] = {"Query": 1, "GetItem": 1}
    unkeyed = copy.deepcopy(results())
    unkeyed["operations"]["distribution_place"]["ddb_calls"] = {"PutItem": 1, "UpdateItem": 1}
    reading = copy.deepcopy(results())
    reading["operations"]["distribution_get"]["ddb_calls"] = {"GetItem": 1, "Query": 1}
    writing = copy.deepcopy(results())
    writing["operations"]["distribution_cancel_again"]["ddb_calls"] = {"GetItem": 1, "UpdateItem": 1}
    # THEN check_shape names each
    assert bench.check_shape(missing) == ["operations has no distribution_place_xml"]
    assert bench.check_shape(querying) == ["operations.theatre_get made GetItem x1, Query x1, not GetItem x1"]
    assert bench.check_shape(unkeyed) == [
        "operations.distribution_place made PutItem x1, UpdateItem x1, not PutItem x2, UpdateItem x1-2, "
        "BatchGetItem x0-1"
    ]
    assert bench.check_shape(reading) == [
        "operations.distribution_get made GetItem x1, Query x1, not GetItem x1"
    ]
    assert bench.check_shape(writing) == [
        "operations.distribution_cancel_again made GetItem x1, UpdateItem x1, not GetItem x1"
    ]


def test_given_the_xml_place_when_cold_starts_are_listed_then_it_runs_create_order_and_is_checked() -> None:
    # GIVEN the cold starts: every function's native route, and create_order answering an XML place
    assert bench.COLD_START_EVENTS["create_order_xml"] == "distribution_place_order.json"
    assert bench.COLD_START_FUNCTIONS == {"create_order_xml": "create_order"}
    natives = [name for name in bench.COLD_START_EVENTS if name not in bench.XML_COLD_STARTS]
    for name in natives:
        sample = json.loads((bench.EVENTS / bench.COLD_START_EVENTS[name]).read_text(encoding="utf-8"))
        assert not str(sample.get("resource", "")).startswith("/distribution"), name
    # WHEN a child reports whether it loaded the XML parser
    # THEN a native route that did, or the XML place that did not, is refused; the others pass
    for name in (*natives, "floor"):
        assert bench.xml_path_problem(name, xml_loaded=False) is None
    assert bench.xml_path_problem("floor", xml_loaded=True) is None
    assert bench.xml_path_problem("create_order_xml", xml_loaded=True) is None
    loaded = bench.xml_path_problem("get_order", xml_loaded=True)
    assert loaded is not None
    assert "get_order" in loaded
    assert bench.XML_PARSER in loaded
    never = bench.xml_path_problem("create_order_xml", xml_loaded=False)
    assert never is not None
    assert "not the XML path" in never
    # AND the budget lines judge the XML place's cold start as every other
    measured = results()
    assert any(what == "cold start create_order_xml <= 1.5x floor" for what, _, _ in bench.budgets(measured))


def test_given_a_cold_start_child_when_asked_to_time_the_xml_path_then_it_reports_both_after_its_clock() -> (
    None
):
    # GIVEN the cold-start child as the floor (boto3 and a client: no XML) with the layer on the path
    env = {**os.environ, "PYTHONPATH": str(LAYER), "DYNAMODB_ENDPOINT_URL": "http://127.0.0.1:9"}
    # WHEN it runs, asked to time the XML path's import after its cold start
    out = subprocess.run(  # noqa: S603 - the bench's own child, as `cold_start` runs it
        [sys.executable, "-c", bench._CHILD, "floor", "unused.json", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("BENCH "))
    measured = json.loads(line[6:])
    # THEN the XML parser was not loaded by the measured start, and its import was timed afterwards
    assert measured["answer"] == 200
    assert measured["xml_loaded"] is False
    assert measured["xml_import_ms"] > 0
    assert measured["ms"] > 0


def test_given_the_measured_figures_when_dialect_routes_are_priced_then_as_any_route() -> None:
    # GIVEN an authorizer of 0.1 ms, a distribution place of 6.2 ms (7 billed) with 8 WRU, and a theatre
    # get that was not measured
    measured = bench.Bench("http://unused", {}, {})
    measured.wall_us_p50.update(authorizer_warm=100, distribution_place=6_200)
    ops = {"distribution_place": {"rru": 0.0, "wru": 8.0}}
    # WHEN priced per million at 512 MB
    costs = bench.dialect_costs(measured, ops, 512)
    # THEN only the measured route is priced: API Gateway, two Lambda requests (1 ms, 7 ms) and its WRU
    gb_ms = bench.PRICES["lambda_per_gb_second"] * 1e6 / 1000 * 0.5
    expected = (
        bench.PRICES["api_gateway_rest_per_million_requests"]
        + 2 * bench.PRICES["lambda_per_million_requests"]
        + (1 + 7) * gb_ms
        + 8 * bench.PRICES["dynamodb_per_million_wru"]
    )
    assert costs == {"distribution_place": round(expected, 2)}
    assert costs["distribution_place"] == bench.route_cost(
        measured, ops["distribution_place"], "distribution_place", 512
    )


# ---------------------------------------------------------------------------- the routes, as measured
def test_given_the_dialect_routes_when_each_is_called_as_the_bench_calls_it_then_it_makes_exactly_its_calls(
    tables: dict[str, str],
) -> None:
    # GIVEN the dialect routes as the bench makes them (moto), after the refund routes (the tenant's
    # own reasons)
    measured = measuring(tables)
    bench.refund_routes(measured)
    routes = bench.dialect_routes(measured)
    assert [name for name, _, _ in routes] == list(bench.DIALECT_OPERATIONS)
    owners = {(method, resource): function for _, function, method, resource in bench.DIALECT_ROUTES.values()}
    answers: dict[str, Any] = {}
    billed: dict[str, tuple[float, float]] = {}
    for name, function, make in routes:
        # WHEN each is called once, as a billing call (each write's items read before it)
        event = make()
        assert function == owners[(event["httpMethod"], event["resource"])], name
        sample = measured.invoke(function, event, before_images=True)
        # THEN it answers 2xx and makes the calls DIALECT_CALLS names
        assert sample.answer["statusCode"] in (200, 201), (name, sample.answer)
        calls = calls_of(sample)
        assert bench.call_shape_problem(name, calls, bench.DIALECT_CALLS[name]) is None, (name, calls)
        billed[name] = measured.capacity(sample.calls)
        body = sample.answer["body"]
        answers[name] = body if body.startswith("<") else json.loads(body)
    # AND the theatre routes answer the theatre API's shapes, the distribution ones theirs, in the
    # media type asked for
    assert answers["theatre_get"]["id"] == answers["theatre_get_by_token"]["id"]
    assert answers["theatre_fulfil"]["status"] == "Fulfilled"
    assert [r["name"] for r in answers["theatre_refund_reasons"]["refundReasons"]][9:] == sorted(
        bench.OWN_REASONS
    )
    assert answers["theatre_refund_by_token"]["status"] == "PartiallyRefunded"
    assert answers["theatre_will_call_by_token"]["lineItems"]
    for name in ("distribution_place_xml", "distribution_get_xml"):
        assert answers[name].startswith("<?xml")
        assert xml.loads(answers[name])["order"]["status"] == "active"
    assert answers["distribution_place"]["order"]["status"] == "active"
    assert answers["distribution_get"]["order"]["shipments"] == []
    assert answers["distribution_get_shipped"]["order"]["shipments"]
    assert answers["distribution_cancel"]["order"]["status"] == "cancelled"
    assert answers["distribution_cancel_again"]["order"]["status"] == "cancelled"
    # AND a get by id reads 0.5 RRU; the writes bill write units; a cancel sent again writes nothing
    assert billed["theatre_get"] == billed["distribution_get"] == (0.5, 0.0)
    assert billed["theatre_fulfil"][1] > 0
    assert billed["distribution_place"][1] > 0
    assert billed["distribution_place_xml"][1] > 0
    assert billed["distribution_cancel"][1] > 0
    assert billed["distribution_cancel_again"][1] == 0


def test_given_an_order_when_fulfilled_by_the_theatre_route_then_it_costs_what_the_native_fulfil_costs(
    tables: dict[str, str],
) -> None:
    # GIVEN two new 3-line orders of the create handler
    measured = measuring(tables)
    native, theatre = bench.new_order(measured), bench.new_order(measured)
    # WHEN one is fulfilled by the native route, the other by the theatre dialect's (billing calls)
    by_native = measured.invoke("fulfill_order", bench.fulfil_event(native["id"]), before_images=True)
    by_theatre = measured.invoke(
        "fulfill_order", bench.dialect_event("theatre_fulfil", theatre["id"]), before_images=True
    )
    # THEN both answer 200 with the same calls and the same capacity: the same fulfil
    assert by_native.answer["statusCode"] == by_theatre.answer["statusCode"] == 200
    assert calls_of(by_native) == calls_of(by_theatre) == {"GetItem": 1, "TransactWriteItems": 1}
    assert measured.capacity(by_native.calls) == measured.capacity(by_theatre.calls)


def test_given_a_place_when_called_then_its_writes_are_the_idempotency_records_and_the_order_it_names(
    tables: dict[str, str],
) -> None:
    from orders_domain.services.common import order_id_for_number

    # GIVEN a distribution place as the bench sends it (XML both ways)
    measured = measuring(tables)
    number = bench.order_number()
    event = bench.dialect_event("distribution_place", body=bench.place_xml(number), media=bench.XML)
    # WHEN it is called
    sample = measured.invoke("create_order", event)
    # THEN it made one order, the one its number names, and the idempotency record of its number
    assert sample.answer["statusCode"] == 201
    assert xml.loads(sample.answer["body"])["order"]["id"] == order_id_for_number(bench.TENANT, number)
    puts = [(c.table, c.api) for c in sample.calls if c.api == "PutItem"]
    assert puts == [(tables["IdempotencyTable"], "PutItem"), (tables["OrdersTable"], "PutItem")]
    assert [c.table for c in sample.calls if c.api == "UpdateItem"][-1] == tables["IdempotencyTable"]
