"""The proof harness and the fulfill_order and cancel_order routes: the bench's events, call shapes,
fulfil cost and write billing from the items before and after (harness/bench/fulfilment.py,
costs.py, core.py)."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3
import pytest
from orders_domain.models.fulfillments import CancelRequest, FulfillmentUpdate, FulfilRequest
from orders_domain.storage import keys

from harness import bench, capacity
from tests.helpers import item_key
from tests.unit.test_harness_search import measuring, results

ORDER = {"id": "order-1", "line_items": [{"order_line_item_id": "L1"}, {"order_line_item_id": "L2"}]}


# ---------------------------------------------------------------------------- events
def test_given_a_fulfil_of_an_order_when_its_event_is_built_then_it_names_the_route_and_sends_no_key() -> (
    None
):
    # GIVEN the event files carry an Idempotency-Key and If-Match
    # WHEN the bench builds a partial fulfil of order-1 for tenant t-1
    got = bench.fulfil_event("order-1", bench.partial_fulfil_body(ORDER, "TRK-9"), tenant="t-1")
    # THEN it is the fulfil route of that order, as the authorizer passes it on for t-1
    assert got["resource"] == got["requestContext"]["resourcePath"] == bench.FULFIL
    assert got["path"] == "/orders/t-1/order-1/fulfill"
    assert got["requestContext"]["path"] == "/v1/orders/t-1/order-1/fulfill"
    assert got["pathParameters"] == {"tenantId": "t-1", "id": "order-1"}
    assert got["httpMethod"] == got["requestContext"]["httpMethod"] == "POST"
    assert got["requestContext"]["authorizer"]["tenant_id"] == "t-1"
    # AND no Idempotency-Key or If-Match is sent (the change routes are measured without)
    for headers in (got["headers"], got["multiValueHeaders"]):
        assert {k.lower() for k in headers}.isdisjoint({"idempotency-key", "if-match"})
    # AND its body is a valid fulfil of one unit of the first line, with tracking
    request = FulfilRequest.model_validate_json(got["body"])
    assert [(i.order_line_item_id, i.quantity) for i in request.items or []] == [("L1", 1)]
    assert request.tracking_number == "TRK-9"
    # AND no body means the whole order
    assert bench.fulfil_event("order-1")["body"] is None


def test_given_each_cancel_kind_when_its_event_is_built_then_it_is_that_routes_path() -> None:
    paths = {kind: bench.cancel_event(kind, "order-1")["path"] for kind in bench.CANCELS}
    assert paths == {
        "cancel": "/orders/tenant-a/order-1/cancel",
        "void": "/orders/tenant-a/void/order-1",
        "close": "/orders/tenant-a/close/order-1",
    }
    partial = bench.cancel_event("cancel", "order-1", bench.partial_cancel_body(ORDER))
    request = CancelRequest.model_validate_json(partial["body"])
    assert [(i.order_line_item_id, i.quantity) for i in request.items or []] == [("L1", 1)]
    assert "Idempotency-Key" not in partial["headers"]


def test_given_the_fulfillment_routes_when_their_events_are_built_then_lists_query_and_patches_change() -> (
    None
):
    listed = bench.fulfillments_event({"tracking_number": "TRK-0"})
    assert listed["path"] == f"/orders/{bench.FULFIL_TENANT}/fulfillments"
    assert listed["queryStringParameters"] == {"tracking_number": "TRK-0"}
    assert listed["multiValueQueryStringParameters"] == {"tracking_number": ["TRK-0"]}
    assert listed["httpMethod"] == "GET"
    assert listed["body"] is None
    patched = bench.fulfillment_event("order-1.2", "PATCH", bench.tracking_patch())
    assert patched["pathParameters"] == {"tenantId": bench.TENANT, "fulfillmentId": "order-1.2"}
    assert patched["resource"] == bench.FULFILLMENT
    update = FulfillmentUpdate.model_validate_json(patched["body"])
    # THEN every patch names a new tracking number (each one changes the fulfillment)
    assert update.tracking_number
    assert update.tracking_number != bench.tracking_patch()["tracking_number"]


# ---------------------------------------------------------------------------- call shapes
def test_given_calls_within_the_expected_counts_when_checked_then_no_problem_is_found() -> None:
    assert (
        bench.call_shape_problem(
            "fulfil", {"GetItem": 1, "TransactWriteItems": 1}, bench.FULFIL_CALLS["fulfil"]
        )
        is None
    )
    assert (
        bench.call_shape_problem("fulfillments_list", {"Query": 33}, bench.FULFIL_CALLS["fulfillments_list"])
        is None
    )


def test_given_an_extra_a_missing_or_a_foreign_call_when_checked_then_the_calls_made_are_named() -> None:
    expected = bench.FULFIL_CALLS["fulfil"]
    # WHEN the fulfil also writes an idempotency record, or writes the order outside a transaction
    extra = bench.call_shape_problem(
        "fulfil", {"GetItem": 1, "TransactWriteItems": 1, "PutItem": 1}, expected
    )
    plain = bench.call_shape_problem("fulfil", {"GetItem": 1, "UpdateItem": 1}, expected)
    # THEN each names what it made and what it should have
    assert extra == (
        "operations.fulfil made GetItem x1, PutItem x1, TransactWriteItems x1,"
        " not GetItem x1, TransactWriteItems x1"
    )
    assert plain == "operations.fulfil made GetItem x1, UpdateItem x1, not GetItem x1, TransactWriteItems x1"
    # AND a tenant list that misses shards, or scans, fails too
    listed = bench.FULFIL_CALLS["fulfillments_list"]
    assert bench.call_shape_problem("fulfillments_list", {"Query": 31}, listed) == (
        "operations.fulfillments_list made Query x31, not Query x32-64"
    )
    assert bench.call_shape_problem("fulfillments_list", {"Query": 32, "Scan": 1}, listed) is not None
    assert bench.call_shape_problem("get_fulfillment", {}, bench.FULFIL_CALLS["get_fulfillment"]) == (
        "operations.get_fulfillment made no call, not GetItem x1"
    )


def test_the_bench_write_shards_are_the_tenant_lists() -> None:
    assert bench.WRITE_SHARDS == keys.WRITE_SHARDS
    assert (
        len(keys.sharded_pks("t", keys.INDEX_TENANT_DATE, kind=keys.FULFILLMENT_KIND)) == bench.WRITE_SHARDS
    )


def test_given_results_when_a_fulfil_route_is_missing_or_makes_other_calls_then_check_shape_names_it() -> (
    None
):
    # GIVEN results with every route (the fulfil ones with their calls) and fulfil priced
    assert bench.check_shape(results()) == []
    assert {"fulfill_order", "cancel_order"} <= set(bench.COLD_START_EVENTS)
    assert "fulfil" in bench.COSTS
    # WHEN a route is missing, or cancel makes a Scan
    missing = results()
    del missing["operations"]["patch_fulfillment"]
    scanning = copy.deepcopy(results())
    scanning["operations"]["cancel"]["ddb_calls"] = {"GetItem": 1, "UpdateItem": 1, "Scan": 1}
    unpriced = results()
    del unpriced["cost_per_million"]["fulfil"]
    # THEN check_shape names each
    assert bench.check_shape(missing) == ["operations has no patch_fulfillment"]
    assert bench.check_shape(scanning) == [
        "operations.cancel made GetItem x1, Scan x1, UpdateItem x1, not GetItem x1, UpdateItem x1"
    ]
    assert len(bench.check_shape(unpriced)) == 1
    no_cold = results()
    del no_cold["cold_start"]["cancel_order"]
    assert bench.check_shape(no_cold) == ["cold_start does not cover every function"]


# ---------------------------------------------------------------------------- what a fulfil costs
def test_given_the_measured_figures_when_priced_then_a_fulfil_costs_gateway_lambda_and_its_capacity() -> None:
    # GIVEN an authorizer of 1 ms and a fulfil of 12.5 ms (13 billed) writing 20 WRU after 1 RRU
    measured = bench.Bench("http://unused", {}, {})
    measured.wall_us_p50.update(
        authorizer_warm=100,
        create_10_lines=5_000,
        get=2_000,
        list_page=50_000,
        patch=5_000,
        fulfil=12_500,
        refund=12_500,
        stream_batch_100=100_000,
        console_page=300,
        console_list_page=20_000,
        history_page=3_000,
    )
    op = {"rru": 0.5, "wru": 10}
    priced = ("create_10_lines", "get", "list_page", "patch", "refund", "console_list_page", "history_page")
    ops = {name: dict(op) for name in priced}
    ops["fulfil"] = {"rru": 1.0, "wru": 20}
    stream = {"batch_100": {"wru": 100, "events": 90, "order_changes": 90}}
    # WHEN priced per million at 512 MB
    costs = bench.cost_per_million(measured, ops, stream, 512, 256)
    # THEN it is API Gateway, two Lambda requests (1 ms and 13 ms at 0.5 GB) and its capacity
    gb_ms = bench.PRICES["lambda_per_gb_second"] * 1e6 / 1000 * 0.5
    expected = (
        bench.PRICES["api_gateway_rest_per_million_requests"]
        + 2 * bench.PRICES["lambda_per_million_requests"]
        + (1 + 13) * gb_ms
        + 1.0 * bench.PRICES["dynamodb_per_million_rru"]
        + 20 * bench.PRICES["dynamodb_per_million_wru"]
    )
    assert costs["fulfil"] == round(expected, 2)
    assert set(costs) == bench.COSTS


# ---------------------------------------------------------------------------- billing writes
def test_given_writes_of_each_kind_when_their_keys_are_taken_then_each_item_written_is_named() -> None:
    names = {"orders": ("PK", "SK"), "idem": ("id",)}
    put = {"TableName": "idem", "Item": {"id": {"S": "k"}, "status": {"S": "x"}}}
    assert bench.written_keys("PutItem", put, names) == [("idem", {"id": {"S": "k"}})]
    order_key = item_key(keys.order_key("t", "1"))
    fulfillment_key = item_key(keys.fulfillment_key("t", "1", 2))
    update = {"TableName": "orders", "Key": order_key, "UpdateExpression": "SET a = :a"}
    assert bench.written_keys("UpdateItem", update, names) == [("orders", order_key)]
    fulfillment = {**fulfillment_key, "summary": {"S": "{}"}}
    transaction = {
        "TransactItems": [{"Update": update}, {"Put": {"TableName": "orders", "Item": fulfillment}}]
    }
    assert bench.written_keys("TransactWriteItems", transaction, names) == [
        ("orders", order_key),
        ("orders", fulfillment_key),
    ]
    assert bench.written_keys("GetItem", {"TableName": "orders", "Key": order_key}, names) == []


def fulfillment_item(tracking: str, summary: str = "{}") -> dict[str, Any]:
    sort = {"S": "2026-01-01T00:00:00.000Z#1.2"}
    return {
        **item_key(keys.fulfillment_key("t", "1", 2)),
        "summary": {"S": summary},
        "tenant_list_pk": {"S": "T#t#FUL#07"},
        "tenant_list_sk": sort,
        "tracking_pk": {"S": f"T#t#TRK#{tracking}"},
        "tracking_sk": sort,
    }


def test_given_a_transaction_replacing_an_item_when_billed_with_its_before_image_then_a_moved_key_costs_two(
    tables: dict[str, str],
) -> None:
    # GIVEN a fulfillment item with tracking number A (table, tenant list and tracking index: 1 KB each)
    measured = measuring(tables)
    client = boto3.client("dynamodb", region_name="us-east-1")
    measured.recorder.attach(client)
    table = tables["OrdersTable"]
    client.put_item(TableName=table, Item=fulfillment_item("A"))
    measured.recorder.take()
    # WHEN one transaction puts it again with tracking number B, its item read just before
    measured.recorder.read_before = measured._items_before
    client.transact_write_items(
        TransactItems=[{"Put": {"TableName": table, "Item": fulfillment_item("B", '{"n":1}')}}]
    )
    measured.recorder.read_before = None
    (call,) = measured.recorder.take()
    # THEN the item before it is on the call
    assert call.before == [fulfillment_item("A")]
    # AND it is billed: the table 1, the tenant list's changed entry 1, the tracking index's moved
    # entry 2 (a delete and a put), all twice in a transaction
    assert measured.capacity([call]) == (0.0, 2 * (1 + 1 + 2))
    # AND without the before image it would read as a new item's (the tracking move missed)
    call.before = None
    assert measured.capacity([call]) == (0.0, 2 * (1 + 1 + 1))


def test_given_an_update_that_changes_nothing_an_index_projects_when_billed_then_no_index_write_is_billed(
    tables: dict[str, str],
) -> None:
    # GIVEN an item in the tracking index (its summary projected)
    measured = measuring(tables)
    client = boto3.client("dynamodb", region_name="us-east-1")
    measured.recorder.attach(client)
    table = tables["OrdersTable"]
    item = fulfillment_item("A")
    client.put_item(TableName=table, Item=item)
    measured.recorder.take()
    # WHEN an attribute no index projects is set, the item read just before
    measured.recorder.read_before = measured._items_before
    key = {"PK": item["PK"], "SK": item["SK"]}
    client.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET note = :n",
        ExpressionAttributeValues={":n": {"S": "x"}},
    )
    measured.recorder.read_before = None
    (call,) = measured.recorder.take()
    # THEN only the table write is billed; and a delete of it, each index entry it leaves too
    assert measured.capacity([call]) == (0.0, 1)
    expected_delete = capacity.write_cost(
        call.before[0] if call.before else None, None, measured.index_keys[table]
    )
    assert expected_delete == 3
    measured.recorder.read_before = measured._items_before
    client.delete_item(TableName=table, Key=key)
    measured.recorder.read_before = None
    (deleted,) = measured.recorder.take()
    assert measured.capacity([deleted]) == (0.0, 3)


# ---------------------------------------------------------------------------- the routes, as measured
def test_given_the_fulfil_tenant_when_each_new_route_is_called_as_the_bench_calls_it_then_it_makes_its_calls(
    tables: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the bench's fulfil tenant, of 3 orders fulfilled twice each (moto)
    monkeypatch.setattr(bench.fulfilment, "FULFILLED_ORDERS", 3)
    measured = measuring(tables)
    routes = bench.fulfil_routes(measured)
    assert [name for name, _, _ in routes] == list(bench.FULFIL_OPERATIONS)
    answers = {}
    for name, function, make in routes:
        # WHEN each is called once, as a billing call
        sample = measured.invoke(function, make(), before_images=True)
        # THEN it answers 200 and makes exactly the calls FULFIL_CALLS names
        assert sample.answer["statusCode"] == 200, (name, sample.answer)
        calls: dict[str, int] = {}
        for call in sample.calls:
            calls[call.api] = calls.get(call.api, 0) + 1
        assert bench.call_shape_problem(name, calls, bench.FULFIL_CALLS[name]) is None
        rru, wru = measured.capacity(sample.calls)
        assert rru > 0
        assert (wru > 0) is (
            name
            not in (
                "fulfillments_list",
                "fulfillments_by_order",
                "fulfillments_by_tracking",
                "get_fulfillment",
                "will_call_check",
                "will_call_check_by_token",
            )
        )
        answers[name] = json.loads(sample.answer["body"])
    # AND the lists read the tenant's 6 fulfillments, an order's 2 and one tracking number's 1
    assert len(answers["fulfillments_list"]["data"]) == 6
    assert len(answers["fulfillments_by_order"]["data"]) == 2
    assert [f["tracking_number"] for f in answers["fulfillments_by_tracking"]["data"]] == ["TRK-0"]
    assert answers["fulfil"]["status"] == "fulfilled"
    assert answers["void"]["status"] == "voided"
    assert answers["close"]["status"] == "closed"
    # AND the will-call check answers the partly fulfilled order's lines, by id and by token alike
    assert answers["will_call_check"] == answers["will_call_check_by_token"] | {
        "_links": answers["will_call_check"]["_links"]
    }
    assert answers["will_call_check"]["line_items"][0]["refundable"] is True
