"""The proof harness and the search_orders routes: the bench's page figures, search tenant and read
billing (harness/bench), the fuzz's shared values, order-id routes and page-token probes (harness/fuzz)."""

from __future__ import annotations

import copy
import json
import tomllib
from typing import Any

import boto3
import pytest
from orders_domain.models import OrderCreateRequest
from orders_domain.models.requests import JsonPatchOperation
from orders_domain.models.search import SearchRequest
from orders_domain.runtime import wiring
from orders_domain.storage import keys

from harness import bench, fuzz
from harness.bench.catalogue import CATALOGUE_CALLS
from harness.bench.console import CONSOLE_CALLS
from harness.bench.customer import CUSTOMER_CALLS
from harness.bench.orders import ORDER_CALLS, steady_party
from harness.bench.results import cpu_top_routes
from harness.stream_replay import RecordingPublisher
from local.tables import load_template
from tests.helpers import ROOT, TEMPLATE, item_key


def measuring(tables: dict[str, str]) -> bench.Bench:
    """A Bench on moto whose recorder sees the functions' DynamoDB client."""
    template = load_template(TEMPLATE)
    endpoint: Any = None  # moto
    measured = bench.Bench(
        endpoint, tables, bench._index_keys(template, tables), bench._key_names(template, tables)
    )
    steady_party()  # as the bench's session does
    measured.recorder.attach(wiring.current().dynamodb)
    return measured


def body(sample: bench.Sample) -> dict[str, Any]:
    assert sample.answer["statusCode"] == 200, sample.answer
    answer: dict[str, Any] = json.loads(sample.answer["body"])
    return answer


# ---------------------------------------------------------------------------- bench: billing reads
def test_a_batch_get_is_billed_each_whole_item_rounded_up_one_by_one(tables: dict[str, str]) -> None:
    # GIVEN a 5 KB item and a small one
    measured = measuring(tables)
    client = boto3.client("dynamodb", region_name="us-east-1")
    measured.recorder.attach(client)
    table = tables["OrdersTable"]
    big = {**item_key(keys.order_key("t", "1")), "doc": {"S": "x" * 5000}}
    small = {**item_key(keys.order_key("t", "2")), "doc": {"S": "y"}}
    for item in (big, small):
        client.put_item(TableName=table, Item=item)
    measured.recorder.take()
    # WHEN both and a missing key are read with a projection of one small attribute
    missing = item_key(keys.order_key("t", "3"))
    wanted = [{k: item[k] for k in ("PK", "SK")} for item in (big, small)] + [missing]
    client.batch_get_item(RequestItems={table: {"Keys": wanted, "ProjectionExpression": "PK"}})
    # THEN each key is a GetItem of the whole item: 2 units (eventually consistent: 1), 0.5, 0.5
    assert measured.capacity(measured.recorder.take()) == (1.0 + 0.5 + 0.5, 0.0)
    # AND strongly consistent reads cost twice that
    client.batch_get_item(RequestItems={table: {"Keys": wanted, "ConsistentRead": True}})
    assert measured.capacity(measured.recorder.take()) == (2.0 + 1.0 + 1.0, 0.0)


def test_a_query_is_billed_by_the_index_entries_it_read_not_the_items(tables: dict[str, str]) -> None:
    # GIVEN 6 orders of 3 KB each in the tenant-date index (it projects keys and the summary)
    measured = measuring(tables)
    client = boto3.client("dynamodb", region_name="us-east-1")
    measured.recorder.attach(client)
    table = tables["OrdersTable"]
    for n in range(6):
        client.put_item(
            TableName=table,
            Item={
                **item_key(keys.order_key("t", str(n))),
                "tenant_list_pk": {"S": "T#t#ORDER#00"},
                "tenant_list_sk": {"S": f"2026-11-29T10:00:0{n}Z#{n}"},
                "summary": {"S": "s" * 300},
                "doc": {"S": "x" * 3000},
            },
        )
    measured.recorder.take()
    # WHEN the index is read with Limit 2
    out = client.query(
        TableName=table,
        IndexName="by-tenant-date",
        KeyConditionExpression="tenant_list_pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "T#t#ORDER#00"}},
        Limit=2,
    )
    # THEN two entries without the document were read: well under 4 KB, 0.5 RRU (18 KB of items)
    assert len(out["Items"]) == 2
    assert all("doc" not in item for item in out["Items"])
    assert measured.capacity(measured.recorder.take()) == (0.5, 0.0)


# ---------------------------------------------------------------------------- bench: the routes
def test_a_search_event_is_the_route_as_the_authorizer_passes_it_for_the_tenant() -> None:
    got = bench.search_event("GET", bench.CUSTOMER, bench.CUSTOMER_PARAMS, bench.page_query(), tenant="t-1")
    assert got["path"] == "/orders/t-1/customer/contact/contact-42"
    assert got["resource"] == got["requestContext"]["resourcePath"] == bench.CUSTOMER
    assert got["pathParameters"] == {"tenantId": "t-1", "customerType": "contact", "customerId": "contact-42"}
    assert got["queryStringParameters"] == {"limit": "25"}
    assert got["requestContext"]["authorizer"]["tenant_id"] == "t-1"
    posted = bench.search_event("POST", bench.SEARCH, body=bench.SEARCH_FILTERS)
    assert posted["httpMethod"] == "POST"
    assert json.loads(posted["body"]) == bench.SEARCH_FILTERS
    assert SearchRequest.model_validate(bench.SEARCH_FILTERS).filters()


def test_page_figures_go_through_the_handler_and_count_queries_rows_and_rru(tables: dict[str, str]) -> None:
    # GIVEN a tenant of 40 orders, all the bench customer's, none of a type
    measured = measuring(tables)
    template = bench.template_orders(bench.PAGES_TENANT)[(1, None)]
    bench.write_orders(measured, [template], 0, 40)

    def make(resource: str, params: dict[str, str] | None = None, body: Any = None) -> Any:
        method = "POST" if body is not None else "GET"
        return lambda: bench.search_event(
            method, resource, params, bench.page_query(), body, tenant=bench.PAGES_TENANT
        )

    # WHEN its list, its customer's page and a search no order matches are measured
    listed = bench.page_figures(measured, "list", make(bench.LIST), 2)
    customer = bench.page_figures(measured, "customer", make(bench.CUSTOMER, bench.CUSTOMER_PARAMS), 2)
    searched = bench.page_figures(measured, "search", make(bench.SEARCH, body=bench.SEARCH_FILTERS), 2)
    # THEN each has the section's figures; the list reads every write shard (32), at least 0.5 RRU each
    for figures in (listed, customer, searched):
        assert set(figures) == bench.PAGE_COST_KEYS
    assert listed["rows"] == customer["rows"] == 25
    assert listed["queries"] >= 32
    assert listed["rru"] >= 16
    assert listed["rows_read"] >= 25
    # AND the customer's page merges two partitions (each order is in both) and the search finds none
    assert customer["queries"] >= 2
    assert customer["rows_read"] >= 2 * 25
    assert searched["rows"] == 0
    assert searched["rows_read"] == 40


def test_the_search_tenant_has_coupon_rows_from_the_stream_and_a_quarter_matches_the_search(
    tables: dict[str, str], publisher: RecordingPublisher, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the bench's search tenant, of 8 orders
    monkeypatch.setattr(bench.search, "SEARCH_ORDERS", 8)
    measured = measuring(tables)
    bench.search_tenant(measured)
    # WHEN its coupon lookup runs
    sample = measured.invoke(
        "search_orders", bench.search_event("GET", bench.COUPON, bench.COUPON_PARAMS, bench.page_query())
    )
    # THEN every order used the coupon: one Query of each shard of its usage rows, one BatchGetItem of
    # the orders, each order billed whole (0.5 RRU each under 4 KB) beside each Query's 0.5
    assert body(sample)["Count"] == 8
    apis = [c.api for c in sample.calls]
    assert apis == ["Query"] * keys.COUPON_SHARDS + ["BatchGetItem"]
    assert measured.capacity(sample.calls) == (0.5 * keys.COUPON_SHARDS + 8 * 0.5, 0.0)
    # AND the search (a total range and a type list) finds the 1-line tickets: a quarter
    found = body(
        measured.invoke(
            "search_orders",
            bench.search_event("POST", bench.SEARCH, query=bench.page_query(), body=bench.SEARCH_FILTERS),
        )
    )
    assert found["Count"] == 2
    assert all(row["type"] == "ticket" and row["total"] == 26.5 for row in found["Items"])


def test_a_route_answering_an_error_stops_the_run() -> None:
    with pytest.raises(SystemExit, match="list_page answered 500"):
        bench.refuse_failure("list_page", {"statusCode": 500, "body": "{}"})
    bench.refuse_failure("get", {"statusCode": 200, "body": "{}"})
    bench.refuse_failure("authorizer_warm", {"principalId": "k", "policyDocument": {}})


# ---------------------------------------------------------------------------- bench: shape and budgets
def results() -> dict[str, Any]:
    """The smallest results check_shape() accepts (a quick run's page sizes)."""
    op = {
        "self_us_p50": 400,
        "self_us_p99": 900,
        "cpu_us_p50": 1_000,
        "ddb_calls": {"Query": 1},
        "rru": 1.0,
        "wru": 0,
    }
    ops = {
        name: dict(op) for name in ("get", "create_10_lines", "authorizer_warm", "history_page", "get_as_of")
    }
    ops.update({name: dict(op) for name in (*bench.SEARCH_OPERATIONS, *bench.CHANGE_OPERATIONS)})
    ops["get"]["ddb_calls"] = {"GetItem": 1}
    ops["authorizer_warm"]["ddb_calls"] = {}
    ops["history_page"]["ddb_calls"] = ops["get_as_of"]["ddb_calls"] = {"GetItem": 1, "Query": 1}
    for name, calls in {
        **bench.FULFIL_CALLS,
        **bench.REFUND_CALLS,
        **bench.DIALECT_CALLS,
        **CATALOGUE_CALLS,
        **ORDER_CALLS,
        **CUSTOMER_CALLS,
        **CONSOLE_CALLS,
    }.items():
        ops[name] = {**op, "ddb_calls": {api: fewest for api, (fewest, _) in calls.items()}}
    stream: dict[str, Any] = dict.fromkeys(bench.SHAPE["stream"] or (), 0)
    stream.update(
        ddb_calls={},
        ddb_calls_per_order_change={"without_coupons": 1.0, "with_coupons": 1.5},
        events=90,
        put_events_calls=9,
    )
    page = {
        "wall_us_p50": 50_000,
        "self_us_p50": 1_000,
        "queries": 32,
        "rru": 16.0,
        "rows_read": 96,
        "rows": 25,
    }
    # the five dearest (routes no test leaves out)
    for cpu, name in enumerate(("get", "history_page", "get_as_of", "authorizer_warm", "create_10_lines")):
        ops[name]["cpu_us_p50"] = 5_000 + 1_000 * cpu
    return {
        "cold_start": {
            name: {"median_ms": 300.0, "floor_median_ms": 250.0} for name in bench.COLD_START_EVENTS
        },
        "operations": ops,
        "cpu_top_routes": cpu_top_routes(ops),
        "stream": {"batch_100": dict(stream), "replayed_batch_100": dict(stream)},
        "scaling": {section: {"100": dict(page), "1000": dict(page)} for section in bench.PAGE_COSTS},
        "cost_per_million": dict.fromkeys(bench.COSTS, 1.0),
        "package_bytes": {"layer_unzipped": 2**20},
    }


def test_the_shape_asks_for_the_search_routes_and_every_page_cost_section() -> None:
    assert bench.check_shape(results()) == []
    assert {"search_orders", "patch_order"} <= set(bench.COLD_START_EVENTS)
    no_coupon = results()
    del no_coupon["operations"]["coupon_lookup"]
    assert bench.check_shape(no_coupon) == ["operations has no coupon_lookup"]
    no_batch = results()
    del no_batch["operations"]["batch_10_patches"]
    assert bench.check_shape(no_batch) == ["operations has no batch_10_patches"]
    short = results()
    del short["scaling"]["search_page_cost_by_orders"]["1000"]
    assert bench.check_shape(short) == [
        "scaling.search_page_cost_by_orders needs 100 and 1000 orders at least"
    ]
    renamed = copy.deepcopy(results())
    renamed["scaling"]["page_cost_by_orders"]["100"].pop("rows_read")
    assert len(bench.check_shape(renamed)) == 1


def test_the_list_page_budget_compares_the_largest_tenant_with_the_smallest() -> None:
    def line(measured: dict[str, Any]) -> tuple[str, bool, str]:
        return next(b for b in bench.budgets(measured) if b[0].startswith("list page RRU"))

    flat = results()
    flat["scaling"]["page_cost_by_orders"]["10000"] = {
        **flat["scaling"]["page_cost_by_orders"]["100"],
        "rru": 17.5,
    }
    assert line(flat) == ("list page RRU at 10,000 orders <= 1.25x at 100", True, "17.5 vs 16 RRU")
    growing = copy.deepcopy(flat)
    growing["scaling"]["page_cost_by_orders"]["10000"]["rru"] = 40.0
    assert line(growing)[1] is False
    scanning = results()
    scanning["operations"]["search"]["ddb_calls"] = {"Scan": 1}
    scan_line = next(b for b in bench.budgets(scanning) if "Scan" in b[0])
    assert scan_line[1] is False


# ---------------------------------------------------------------------------- fuzz
def test_order_id_routes_are_the_paths_under_an_order_and_lookups_ids_are_not() -> None:
    for path in (
        "/orders/{tenantId}/{id}",
        "/orders/{tenantId}/{id}/history",
        "/orders/{tenantId}/void/{id}",
        "/orders/{tenantId}/close/{id}",
    ):
        assert fuzz.is_order_id_route(path), path
    for path in (
        "/orders/{tenantId}",
        "/orders/{tenantId}/billToContact/{id}",
        "/orders/{tenantId}/installmentSchedule/{id}",
        "/orders/{tenantId}/{idempotency}",
    ):
        assert not fuzz.is_order_id_route(path), path
    paths = ["/orders/{tenantId}/{id}", "/orders/{tenantId}/shipToOrganization/{id}", "/orders/{tenantId}"]
    assert fuzz.lookup_id_paths(paths) == ["/orders/{tenantId}/shipToOrganization/{id}"]


def test_every_path_parameter_of_the_document_is_an_order_id_or_has_a_shared_value() -> None:
    document = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    owned_paths = []
    for path in document["paths"]:
        others = [p for p in fuzz.path_parameters(path) if p != "tenantId"]
        if fuzz.is_order_id_route(path):
            others.remove("id")
        owned = [p for p in others if p in fuzz.OWNED_IDS]
        owned_paths += [path] if owned else []
        rest = set(others) - set(owned)
        assert rest <= set(fuzz.FOREIGN_VALUES), f"{path}: add its parameters to FOREIGN_VALUES or OWNED_IDS"
    # a fulfillment id is one tenant's: each tenant is seeded some, the sweep asks for B's on A's path
    assert owned_paths == ["/orders/{tenantId}/fulfillments/{fulfillmentId}"]
    assert not set(fuzz.OWNED_IDS) & set(fuzz.FOREIGN_VALUES)
    tenant = fuzz.Tenant("t-a", "k", fulfillment_ids=["o-1.2"])
    assert all(tenant.owned(p) == ["o-1.2"] for p in fuzz.OWNED_IDS)
    assert fuzz.shared_path("/orders/{tenantId}/coupon/{couponType}/{couponId}", fuzz.Tenant("t-a", "k")) == (
        "/orders/t-a/coupon/promo/FUZZ"
    )


def test_the_seeded_orders_are_valid_and_carry_every_shared_value() -> None:
    for order in fuzz.SEEDED:
        OrderCreateRequest.model_validate({**order, "memo": "marker"})
    text = json.dumps(fuzz.SEEDED)
    # every value the orders share (a refund reason's name is shared by the reasons `seed` puts, the
    # catalogue's product and shipping ids by the catalogues `seed_catalogue` puts: test_harness_catalogue)
    catalogue = ("productType", "productId", "shippingId")
    # (a theatre product's and payment's number: of every tenant's ticket order, test_harness_fuzz_dialects)
    numbers = ("lineNumber", "paymentNumber")
    shared = {
        v
        for k, v in fuzz.FOREIGN_VALUES.items()
        if k not in ("customerType", "status", "name", *catalogue, *numbers)
    }
    assert all(f'"{value}"' in text for value in shared)
    roles = {(o["bill_to_type"], o["ship_to_type"]) for o in fuzz.SEEDED}
    assert roles == {("contact", "organization"), ("organization", "contact")}  # every party lookup finds one
    assert all(line["shippable"] for o in fuzz.SEEDED for line in o["line_items"])
    SearchRequest.model_validate(fuzz.BODIES[("POST", "/orders/{tenantId}/search")])
    for operation in fuzz.BODIES[("PATCH", "/orders/{tenantId}/{id}")]:
        JsonPatchOperation.model_validate(operation)


def test_page_token_probes_send_bs_token_everywhere_and_as_list_token_to_every_other_query() -> None:
    a = fuzz.Tenant("tenant-a", "ka", page_tokens=["LA"])
    b = fuzz.Tenant("tenant-b", "kb", page_tokens=["LB"])
    queries = {"limit", "exclusiveStartKey", "fields"}
    listed = fuzz.page_token_probes("GET", "/orders/{tenantId}", "/orders/tenant-a", queries, a, b)
    assert [(p, s) for _, p, s in listed] == [("/orders/tenant-a?exclusiveStartKey=LB", {400})]
    own = "/orders/tenant-a/billToContact/shared-fuzz"
    lookup = fuzz.page_token_probes("GET", "/orders/{tenantId}/billToContact/{id}", own, queries, a, b)
    assert [(p, s) for _, p, s in lookup] == [
        (own + "?exclusiveStartKey=LB", {400}),
        (own + "?exclusiveStartKey=LA", {400}),
    ]
    searched = fuzz.page_token_probes(
        "POST", "/orders/{tenantId}/search", "/orders/tenant-a/search", queries, a, b
    )
    assert len(searched) == 2
    assert fuzz.page_token_probes("GET", "/orders/{tenantId}/{id}", "/x", {"fields"}, a, b) == []
    assert "LB" in b.secrets()


def test_an_answer_without_rows_is_told_apart() -> None:
    assert not fuzz.answered_rows('{"Count": 0, "Items": [], "LastEvaluatedKey": null}')
    assert fuzz.answered_rows('{"Count": 1, "Items": [{"id": "x"}], "LastEvaluatedKey": null}')
    assert fuzz.answered_rows('{"refund_reasons": []}')
    assert fuzz.answered_rows("not json")


def test_schemathesis_draws_page_tokens_and_the_shared_values_and_a_lookups_id() -> None:
    a = fuzz.Tenant("tenant-a", "ka", order_ids=["a1"], tokens=["ta"], page_tokens=["LA"])
    lookups = ["/orders/{tenantId}/installmentSchedule/{id}", "/orders/{tenantId}/billToContact/{id}"]
    config = tomllib.loads(fuzz.schemathesis_config(a, lookups))
    parameters = config["parameters"]
    assert parameters["query.exclusiveStartKey"] == {"dictionary": "page_tokens", "probability": fuzz.DRAWN}
    assert config["dictionaries"]["page_tokens"]["values"] == ["LA"]
    for name, value in fuzz.FOREIGN_VALUES.items():
        # (a number as a number: an integer parameter's dictionary of strings would be negative data)
        assert config["dictionaries"][f"shared_{name}"]["values"] == [
            int(value) if value.isdigit() else value
        ]
        if name != "id":
            assert parameters[f"path.{name}"] == {"dictionary": f"shared_{name}", "probability": fuzz.DRAWN}
    # `id` is an order id but on the lookups, where the shared id is drawn instead
    assert parameters["path.id"]["dictionary"] == "order_ids"
    (lookup,) = [o for o in config["operations"] if set(o["include-path"]) == set(lookups)]
    assert lookup["include-path"] == sorted(lookups)
    assert lookup["parameters"] == {"path.id": {"dictionary": "shared_id", "probability": fuzz.DRAWN}}
