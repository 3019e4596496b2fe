"""The proof harness and the refund_order routes: the bench's refund and reason events, the fresh
fulfilled orders each refund takes, the routes' call shapes and a refund's cost
(harness/bench/refunds.py)."""

from __future__ import annotations

import copy
import json
from collections import Counter
from typing import Any

import pytest
from orders_domain.models.refunds import RefundReasonInput, RefundRequest

from harness import bench, capacity
from tests.unit.test_harness_search import measuring, results


def calls_of(sample: bench.Sample) -> dict[str, int]:
    return dict(Counter(call.api for call in sample.calls if call.service == "dynamodb"))


# ---------------------------------------------------------------------------- events
def test_given_an_order_when_its_refund_event_is_built_then_it_refunds_line_1_and_sends_no_key() -> None:
    # GIVEN events/refund_order.json carries an Idempotency-Key and refunds by a token
    # WHEN the bench builds a refund of order-1, and of a token, for tenant t-1
    by_id = bench.refund_event("order-1", tenant="t-1")
    by_token = bench.refund_event("token-abc", tenant="t-1")
    # THEN each is the refund route of that order, as the authorizer passes it on for t-1
    assert by_id["resource"] == by_id["requestContext"]["resourcePath"] == bench.REFUND
    assert by_id["path"] == "/orders/t-1/order-1/refunds"
    assert by_id["requestContext"]["path"] == "/v1/orders/t-1/order-1/refunds"
    assert by_id["pathParameters"] == {"tenantId": "t-1", "id": "order-1"}
    assert by_token["pathParameters"] == {"tenantId": "t-1", "id": "token-abc"}
    assert by_id["httpMethod"] == by_id["requestContext"]["httpMethod"] == "POST"
    assert by_id["requestContext"]["authorizer"]["tenant_id"] == "t-1"
    # AND no Idempotency-Key or If-Match is sent (the change routes are measured without)
    for headers in (by_id["headers"], by_id["multiValueHeaders"]):
        assert {k.lower() for k in headers}.isdisjoint({"idempotency-key", "if-match"})
    # AND the body refunds line 1 with a built-in reason (no reason is read)
    request = RefundRequest.model_validate_json(by_id["body"])
    assert (request.refund_reason_name, request.line_numbers) == ("ChangedMindCannotMakeShow", [1])


def test_given_the_reason_routes_when_their_events_are_built_then_the_list_gets_and_each_put_changes() -> (
    None
):
    listed = bench.reasons_event()
    assert (listed["httpMethod"], listed["resource"], listed["path"]) == (
        "GET",
        bench.REFUND_REASONS,
        f"/orders/{bench.TENANT}/refund-reasons",
    )
    assert listed["body"] is None
    put = bench.reasons_event("BenchBoxOffice", bench.reason_body())
    assert (put["httpMethod"], put["resource"]) == ("PUT", bench.REFUND_REASON)
    assert put["pathParameters"] == {"tenantId": bench.TENANT, "name": "BenchBoxOffice"}
    # THEN the PUT's body is a valid reason (admin only), with a new description each time
    reason = RefundReasonInput.model_validate_json(put["body"])
    assert reason.self_service is False
    assert reason.description != bench.reason_body()["description"]
    # AND the events carry the admin scope the PUT needs
    assert "orders:admin" in put["requestContext"]["authorizer"]["scopes"].split()


# ---------------------------------------------------------------------------- the shape of a run
def test_given_results_when_a_refund_route_is_missing_or_makes_other_calls_then_check_shape_names_it() -> (
    None
):
    # GIVEN results with every route (the refund ones with their calls), refund_order's cold start
    # and a refund priced
    assert bench.check_shape(results()) == []
    assert bench.COLD_START_EVENTS["refund_order"] == "refund_order.json"
    assert "refund" in bench.COSTS
    assert set(bench.REFUND_OPERATIONS).isdisjoint(bench.FULFIL_OPERATIONS)
    # WHEN a route is missing, a refund also reads the reasons, the by-token refund writes without a
    # transaction, or the reason list scans
    missing = results()
    del missing["operations"]["refund_reason_put"]
    reading = copy.deepcopy(results())
    reading["operations"]["refund"]["ddb_calls"] = {"GetItem": 1, "Query": 1, "TransactWriteItems": 1}
    plain = copy.deepcopy(results())
    plain["operations"]["refund_by_token"]["ddb_calls"] = {"Query": 1, "GetItem": 1, "UpdateItem": 1}
    scanning = copy.deepcopy(results())
    scanning["operations"]["refund_reasons"]["ddb_calls"] = {"Scan": 1}
    unpriced = results()
    del unpriced["cost_per_million"]["refund"]
    no_cold = results()
    del no_cold["cold_start"]["refund_order"]
    # THEN check_shape names each
    assert bench.check_shape(missing) == ["operations has no refund_reason_put"]
    assert bench.check_shape(reading) == [
        "operations.refund made GetItem x1, Query x1, TransactWriteItems x1,"
        " not GetItem x1, TransactWriteItems x1"
    ]
    assert bench.check_shape(plain) == [
        "operations.refund_by_token made GetItem x1, Query x1, UpdateItem x1,"
        " not Query x1, GetItem x1, TransactWriteItems x1"
    ]
    assert bench.check_shape(scanning) == ["operations.refund_reasons made Scan x1, not Query x1"]
    assert len(bench.check_shape(unpriced)) == 1
    assert bench.check_shape(no_cold) == ["cold_start does not cover every function"]


def test_given_the_measured_figures_when_priced_then_a_refund_costs_gateway_lambda_and_its_capacity() -> None:
    # GIVEN an authorizer of 1 ms and a refund of 4.2 ms (5 billed) writing 18 WRU after 1 RRU
    measured = bench.Bench("http://unused", {}, {})
    names = ("create_10_lines", "get", "list_page", "patch", "fulfil", "console_list_page", "history_page")
    measured.wall_us_p50.update(
        dict.fromkeys(names, 5_000), authorizer_warm=100, refund=4_200, console_page=300
    )
    measured.wall_us_p50["stream_batch_100"] = 100_000
    ops = {name: {"rru": 0.5, "wru": 10} for name in names}
    ops["refund"] = {"rru": 1.0, "wru": 18}
    stream = {"batch_100": {"wru": 100, "events": 90, "order_changes": 90}}
    # WHEN priced per million at 512 MB
    costs = bench.cost_per_million(measured, ops, stream, 512, 256)
    # THEN it is API Gateway, two Lambda requests (1 ms and 5 ms at 0.5 GB) and its capacity
    gb_ms = bench.PRICES["lambda_per_gb_second"] * 1e6 / 1000 * 0.5
    expected = (
        bench.PRICES["api_gateway_rest_per_million_requests"]
        + 2 * bench.PRICES["lambda_per_million_requests"]
        + (1 + 5) * gb_ms
        + 1.0 * bench.PRICES["dynamodb_per_million_rru"]
        + 18 * bench.PRICES["dynamodb_per_million_wru"]
    )
    assert costs["refund"] == round(expected, 2)
    assert set(costs) == bench.COSTS


# ---------------------------------------------------------------------------- the routes, as measured
def test_given_a_fulfilled_order_when_copies_are_taken_then_each_is_a_new_refundable_order_written_in_a_batch(
    tables: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the bench's fulfilled order to copy, copies written 3 at a time
    monkeypatch.setattr(bench.refunds, "REFUND_BATCH", 3)
    measured = measuring(tables)
    orders = bench.FulfilledOrders.made(measured)
    assert orders.template.order.status == "fulfilled"
    # WHEN four are taken
    taken = [orders.take() for _ in range(4)]
    # THEN each is a new order (id, number, token), the first three written in one batch, the fourth
    # in the next (two left in the pool)
    assert len({o.id for o in taken}) == len({o.token for o in taken}) == len({o.number for o in taken}) == 4
    assert len(orders.pool) == 2
    # AND each is stored as the original is, fulfilled: its first line refundable once
    first = measured.invoke("refund_order", bench.refund_event(taken[0].id))
    assert first.answer["statusCode"] == 200, first.answer
    again = measured.invoke("refund_order", bench.refund_event(taken[0].id))
    assert again.answer["statusCode"] == 409, again.answer
    by_token = measured.invoke("refund_order", bench.refund_event(f"token-{taken[3].token}"))
    assert by_token.answer["statusCode"] == 200, by_token.answer


def test_given_the_refund_routes_when_each_is_called_as_the_bench_calls_it_then_it_makes_exactly_its_calls(
    tables: dict[str, str],
) -> None:
    # GIVEN the refund routes as the bench makes them (moto): a fulfilled order to copy, two own reasons
    measured = measuring(tables)
    routes = bench.refund_routes(measured)
    assert [name for name, _, _ in routes] == list(bench.REFUND_OPERATIONS)
    answers: dict[str, Any] = {}
    billed: dict[str, tuple[float, float]] = {}
    for name, function, make in routes:
        # WHEN each is called once, as a billing call (each write's items read before it)
        sample = measured.invoke(function, make(), before_images=True)
        # THEN it answers 200 and makes exactly the calls REFUND_CALLS names
        assert sample.answer["statusCode"] == 200, (name, sample.answer)
        calls = calls_of(sample)
        assert bench.call_shape_problem(name, calls, bench.REFUND_CALLS[name]) is None, calls
        assert calls == {api: low for api, (low, _) in bench.REFUND_CALLS[name].items()}
        billed[name] = measured.capacity(sample.calls)
        answers[name] = json.loads(sample.answer["body"])
        if name == "refund_by_token":
            # (the token's order id from the index, then the order read once, consistently)
            reads = [c.params["ConsistentRead"] for c in sample.calls if c.api == "GetItem"]
            assert reads == [True]
        if name == "refund":
            # AND the refund's transaction is billed twice its write: the order before and after
            (write,) = [c for c in sample.calls if c.api == "TransactWriteItems"]
            assert write.params["ClientRequestToken"]
            table = tables["OrdersTable"]
            after = measured._item_now(table, write.params["TransactItems"][0]["Update"]["Key"])
            assert write.before is not None
            expected = capacity.write_cost(write.before[0], after, measured.index_keys[table])
            assert billed[name][1] == 2 * expected
    # AND line 1 of a fresh fulfilled order is refunded, by id and by token alike
    for name in ("refund", "refund_by_token"):
        refund_lines = [li for li in answers[name]["line_items"] if li["status"] == "refunded"]
        assert [(li["line_number"], li["refund_reason_name"]) for li in refund_lines] == [
            (4, "ChangedMindCannotMakeShow")
        ]
        assert answers[name]["status"] == "partially refunded"
    assert answers["refund"]["id"] != answers["refund_by_token"]["id"]
    # AND the list reads the nine built-in reasons and the tenant's own; the PUT replaces one of them
    names = [r["name"] for r in answers["refund_reasons"]["refund_reasons"]]
    assert len(names) == 9 + len(bench.OWN_REASONS)
    assert names[9:] == sorted(bench.OWN_REASONS)
    assert answers["refund_reason_put"]["name"] == bench.OWN_REASONS[0]
    # AND the reads cost read units, the writes write units, the list and the PUT as one item each
    assert billed["refund"][0] > 0
    assert billed["refund"][1] > 0
    assert billed["refund_by_token"][0] > billed["refund"][0]
    assert billed["refund_reasons"] == (0.5, 0.0)
    assert billed["refund_reason_put"] == (0.0, 1)
