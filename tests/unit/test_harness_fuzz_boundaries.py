"""The fuzz's boundary cases (harness/fuzz/boundaries/, issue 29): the generators (every family, every
route of the document, the values and limits the issue names), the bodies they send, and what the
harness counts as a failure (a 5xx, a slow request, a change on refusal, a patch applied twice, ...),
without starting a server."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import cache
from typing import Any
from urllib.parse import unquote

import pytest
from orders_domain.dialects import distribution_requests
from orders_domain.models.fulfillments import CancelRequest, FulfillmentUpdate, FulfilRequest
from orders_domain.models.refunds import RefundReasonInput, RefundRequest, TheatreRefundRequest
from orders_domain.models.requests import BatchRequest, JsonPatchOperation, OrderCreateRequest
from orders_domain.models.search import SearchRequest

from harness.fuzz import boundaries as fb
from tests.helpers import ROOT

BOUNDS = fb.Bounds()
FIXTURES = {
    "open": "o-open",
    "scratch": "o-scratch",
    "fulfilled_order": "o-fulfilled",
    "token": "tok-f",
    "fulfillment": "o-fulfilled.2",
    "spare": "o-spare",
    "spare_token": "tok-s",
    "spare_fulfillment": "o-spare.2",
    "dist": "d-1",
    "keyed": "o-keyed",
    "missing": fb.MISSING_ORDER,
}
PROBLEM = {"Content-Type": "application/problem+json"}
JSON_ANSWER = {"Content-Type": "application/json"}


@cache
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    return loaded


@cache
def all_cases() -> tuple[fb.Case, ...]:
    return tuple(fb.generate(document(), BOUNDS))


def family(name: str) -> list[fb.Case]:
    return [c for c in all_cases() if c.family == name]


def sent(case: fb.Case) -> bytes:
    data, _ = fb.encoded(case.body, None, FIXTURES)
    return data or b""


def problem(status: int, **members: Any) -> str:
    return json.dumps({"type": "/problems/x", "title": "x", "status": status, **members})


# ---------------------------------------------------------------------------- families and routes
def test_given_the_document_when_generated_then_every_family_has_cases_and_reads_come_last() -> None:
    families = [c.family for c in all_cases()]
    assert set(families) == set(fb.FAMILIES)
    # the reads of what was stored run after every case that stored something
    first_read = families.index("reads")
    assert set(families[first_read:]) == {"reads"}


def test_given_quick_when_generated_then_a_few_cases_of_every_family() -> None:
    quick = fb.generate(document(), BOUNDS, quick=True)
    assert {c.family for c in quick} == set(fb.FAMILIES)
    assert all(c.quick for c in quick)
    assert len(quick) < len(all_cases()) / 10


def test_given_the_document_when_generated_then_every_operation_has_a_boundary_case() -> None:
    assert fb.uncovered(document(), all_cases()) == []
    # and no case goes to a route the document does not have
    operations = set(fb.operations(document()))
    assert {(c.method, c.route) for c in all_cases()} <= operations


def test_given_a_route_without_a_case_when_checked_then_it_is_uncovered() -> None:
    grown = {"paths": {**document()["paths"], "/v9/new": {"get": {}}}}
    assert fb.uncovered(grown, all_cases()) == [("GET", "/v9/new")]


def test_given_the_cases_when_labelled_then_each_label_is_unique() -> None:
    labels = [c.label for c in all_cases()]
    assert len(labels) == len(set(labels))


def test_given_every_case_when_its_url_is_built_then_every_parameter_is_filled() -> None:
    for case in all_cases():
        url = fb.url_of(case, FIXTURES)
        assert "{" not in url.split("?")[0], case.label
        assert "%%" not in unquote(url), case.label


# ---------------------------------------------------------------------------- the bodies
BASE_MODELS: dict[tuple[str, str], Callable[[Any], Any]] = {
    fb.CREATE: OrderCreateRequest.model_validate,
    fb.PREVIEW: OrderCreateRequest.model_validate,
    fb.PUT: OrderCreateRequest.model_validate,
    fb.BATCH: BatchRequest.model_validate,
    fb.SEARCH: SearchRequest.model_validate,
    fb.FULFIL: FulfilRequest.model_validate,
    fb.CANCEL: CancelRequest.model_validate,
    fb.REFUND: RefundRequest.model_validate,
    fb.THEATRE_REFUND: TheatreRefundRequest.model_validate,
    fb.PICKUP: FulfillmentUpdate.model_validate,
    fb.REASON_PUT: RefundReasonInput.model_validate,
    fb.PLACE: distribution_requests.PlaceOrder.model_validate,
    ("PUT", fb.DIST_ONE): distribution_requests.ChangeOrder.model_validate,
    fb.PATCH: lambda ops: [JsonPatchOperation.model_validate(op) for op in ops],
}


@pytest.mark.parametrize(("method", "route"), sorted(BASE_MODELS))
def test_given_a_base_body_when_validated_then_the_route_accepts_it(method: str, route: str) -> None:
    # (a case's refusal is then its boundary value's, not a broken body around it)
    BASE_MODELS[(method, route)](fb.base_body(method, route, document(), "edge-watch-1"))


def test_given_the_fixture_order_when_validated_then_it_is_a_valid_create() -> None:
    OrderCreateRequest.model_validate(fb.order_body("edge-party"))
    distribution_requests.PlaceOrder.model_validate(fb.distribution_order("EDGE-1"))


def test_given_json_with_literal_numbers_when_written_then_they_go_digit_for_digit() -> None:
    body = {"a": fb.Lit("9.9e125"), "b": [fb.Lit("-0.0"), fb.Lit("9" * 4400)], "c": "€\x00"}
    data = fb.json_bytes(body)
    assert data.startswith(b'{"a":9.9e125,"b":[-0.0,' + b"9" * 4400 + b'],"c":"')
    assert "€".encode() in data  # UTF-8, not \\u escapes: sizes are counted in bytes


def test_given_a_path_when_placed_then_missing_containers_are_made_from_the_schema() -> None:
    schema = fb.order_schema(document())
    body = fb.place(document(), schema, fb.order_body(), ("coupons", 0, "discount"), fb.Lit("1e30"))
    assert body["coupons"] == [{"discount": fb.Lit("1e30")}]
    body = fb.place(document(), schema, fb.order_body(), ("billing_address", "latitude"), 91)
    assert body["billing_address"] == {"latitude": 91}
    deep = ("line_items", 0, "related_transactions", 0, "amount")
    assert fb.place(document(), schema, fb.order_body(), deep, 1)["line_items"][0][
        "related_transactions"
    ] == [{"amount": 1}]
    assert fb.order_body()["line_items"][0].get("related_transactions") is None  # a copy was changed


def test_given_fixtures_when_a_case_is_encoded_then_placeholders_are_filled() -> None:
    (case,) = [c for c in family("keyed_batch") if "exchange_rate" in c.name]
    assert b"o-keyed" in sent(case)
    assert fb.url_of(case, FIXTURES) == f"/orders/{fb.TENANT}/batch"


# ---------------------------------------------------------------------------- the values
def test_given_the_dates_family_then_both_ends_of_the_calendar_reach_every_date_input() -> None:
    cases = family("dates")
    # a create overriding its date to year 1 at +14:00, then the tenant's date-range searches
    (create,) = [c for c in cases if (c.method, c.route) == fb.CREATE and c.name == "date = year 1 at +14:00"]
    assert create.body["date"] == "0001-01-01T00:00:00+14:00"
    assert create.body["override_order_date"] is True
    assert any(r.method == "POST" and r.body and "date" in r.body for r in create.expect.then)
    assert create.quick
    # the other end, in a search's date range and in the date queries
    assert any(c.body == {"date": [None, "9999-12-31"]} for c in cases if (c.method, c.route) == fb.SEARCH)
    queries = {name for c in cases for name, _ in c.query}
    assert {"asOf", "created_time[gte]", "created_time[lte]", "created_time"} <= queries
    values = {value for c in cases for _, value in c.query}
    assert {"0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"} <= values
    # the patch of the date overrides it too
    patched = [c for c in cases if (c.method, c.route) == fb.PATCH and c.name.startswith("date = ")]
    assert patched
    assert all({"op": "add", "path": "/override_order_date", "value": True} in c.body for c in patched)


NUMBER_FIELDS = {
    "exchange_rate": (fb.CREATE, ("exchange_rate",)),
    "weight": (fb.CREATE, ("line_items", 0, "weight")),
    "unit_price": (fb.CREATE, ("line_items", 0, "unit_price")),
    "quantity": (fb.CREATE, ("line_items", 0, "quantity")),
    "discount": (fb.CREATE, ("coupons", 0, "discount")),
    "shipping_charges": (fb.CREATE, ("shipping_charges",)),
    "fulfil quantity": (fb.FULFIL, ("items", 0, "quantity")),
    "refund line number": (fb.REFUND, ("line_numbers", 0)),
    "distribution price": (fb.PLACE, ("order", "items", 0, "price")),
    "search total": (fb.SEARCH, ("total", 0)),
}


@pytest.mark.parametrize("name", sorted(NUMBER_FIELDS))
def test_given_a_number_field_then_every_extreme_and_bound_is_sent_to_it(name: str) -> None:
    (method, route), path = NUMBER_FIELDS[name]
    cases = [c for c in family("numbers") if (c.method, c.route) == (method, route)]
    labels = {c.name.split(" = ", 1)[1] for c in cases if c.name.startswith(fb.dotted(path) + " = ")}
    assert {label for label, _ in fb.NUMBER_EXTREMES} <= labels
    assert {"4,400 digits", "30 significant digits", "1e30", "1e100", "9.9e125", "-1e30", "-0.0"} <= labels


def test_given_the_numbers_family_then_the_4400_digit_literal_is_sent_as_written() -> None:
    (case,) = [
        c
        for c in family("numbers")
        if c.label == "numbers/exchange_rate = 4,400 digits: POST /orders/{tenantId}"
    ]
    assert re.search(rb'"exchange_rate":9{4400}[,}]', sent(case))
    assert case.expect.statuses == fb.REFUSED
    assert case.expect.unchanged == fb.watched(case.body["bill_to_contact_id"])


def test_given_weight_times_quantity_then_the_product_is_past_dynamodbs_range() -> None:
    cases = [c for c in family("numbers") if c.name.startswith("weight ")]
    products = {
        Decimal(c.body["line_items"][0]["weight"].text) * c.body["line_items"][0]["quantity"] for c in cases
    }
    assert any(not fb.storable(p) for p in products)
    assert all(fb.storable(Decimal(c.body["line_items"][0]["weight"].text)) for c in cases)


@pytest.mark.parametrize(
    ("literal", "leaf", "expected"),
    [
        ("9" * 4400, {"type": "number"}, fb.REFUSED),
        ("1e30", {"type": "number"}, fb.EITHER),  # exchange_rate: no documented bound, storable
        ("1e30", {"type": "number", "minimum": 0, "exclusiveMaximum": 10**12}, fb.REFUSED),
        ("999999999999.99", {"type": "number", "minimum": 0, "exclusiveMaximum": 10**12}, fb.EITHER),
        (
            "1.001",
            {"type": "number", "minimum": 0, "exclusiveMaximum": 10**12},
            fb.REFUSED,
        ),  # money: 2 decimals
        ("1.001", {"type": "number", "minimum": 0}, fb.EITHER),  # a weight may have 3
        ("1e126", {"type": "number"}, fb.REFUSED),  # past DynamoDB's range
        ("1e-130", {"type": "number"}, fb.REFUSED),
        ("-0.0", {"type": "integer", "exclusiveMinimum": 0}, fb.REFUSED),
        ("-0.0", {"type": "number", "minimum": 0, "exclusiveMaximum": 10**12}, fb.EITHER),
        ("1.5", {"type": "integer"}, fb.REFUSED),
        ("1000001", {"type": "integer", "maximum": 1_000_000}, fb.REFUSED),
        ("1000000", {"type": "integer", "maximum": 1_000_000}, fb.EITHER),
    ],
)
def test_given_a_number_when_expected_then_refused_only_past_what_any_field_or_bound_holds(
    literal: str, leaf: dict[str, Any], expected: frozenset[int]
) -> None:
    assert fb.number_expectation(literal, leaf, BOUNDS) == expected


def test_given_a_search_filter_when_expected_then_unstored_numbers_are_the_services_choice() -> None:
    assert fb.number_expectation("1e200", {"type": "number"}, BOUNDS, stored=False) == fb.EITHER
    assert fb.number_expectation("9" * 4400, {"type": "number"}, BOUNDS, stored=False) == fb.REFUSED


def test_given_documented_bounds_then_values_at_and_just_past_each_are_made() -> None:
    assert fb.bound_values({"type": "integer", "exclusiveMinimum": 0, "maximum": 1_000_000}) == [
        ("maximum inside", "1000000"),
        ("maximum past", "1000001"),
        ("exclusiveMinimum inside", "1"),
        ("exclusiveMinimum past", "0"),
    ]
    assert fb.bound_values({"type": "number", "minimum": 0, "exclusiveMaximum": 1e12}) == [
        ("exclusiveMaximum inside", "999999999999.99"),
        ("exclusiveMaximum past", "1000000000000"),
        ("minimum inside", "0"),
        ("minimum past", "-0.01"),
    ]


def test_given_money_strings_then_unit_price_gets_each_and_the_unplain_are_refused() -> None:
    cases = {
        c.body["line_items"][0]["unit_price"]: c
        for c in family("money_strings")
        if (c.method, c.route) == fb.CREATE and c.name.startswith("line_items[0].unit_price")
    }
    for text in (" 10 ", "1_000", "١٢", "NaN", ""):
        assert cases[text].expect.statuses == fb.REFUSED
    # every money field of the create gets them
    fields = {c.name.split(" = ")[0] for c in family("money_strings") if (c.method, c.route) == fb.CREATE}
    assert {
        "line_items[0].unit_price",
        "line_items[0].taxes",
        "shipping_charges",
        "coupons[0].discount",
    } <= fields


def test_given_the_strings_family_then_multibyte_and_escaped_bodies_go_with_and_without_a_key() -> None:
    cases = family("strings")
    euro = [c for c in cases if (c.method, c.route) == fb.CREATE and c.name.startswith("memo = € x 140,000")]
    assert len(euro) == 2
    assert {bool(c.headers.get("Idempotency-Key")) for c in euro} == {True, False}
    assert all(420_000 <= len(sent(c)) < 421_000 for c in euro)
    quotes = [
        c for c in cases if (c.method, c.route) == fb.CREATE and c.name.startswith('memo = " x 150,000')
    ]
    assert len(quotes) == 2
    assert all(len(sent(c)) > 300_000 for c in quotes)  # JSON escaping doubles it


def test_given_control_characters_in_a_customer_name_then_its_xml_is_read_back_and_must_parse() -> None:
    (case,) = [c for c in family("strings") if c.name == "customer_name with control characters"]
    assert "\x01" in case.body["order"]["customer_name"]
    (xml_read,) = fb.Runner("http://api", "key", document(), FIXTURES).rereads(case, "d-new")
    assert xml_read.xml
    assert xml_read.headers == fb.XML_ACCEPT
    assert xml_read.path == f"/distribution/orders/{fb.ref('created')}"


def test_given_every_documented_max_length_then_one_past_it_in_euros_is_refused() -> None:
    (case,) = [
        c
        for c in family("strings")
        if c.label == "strings/order.customer_name = € x 201: POST /distribution/orders"
    ]
    assert case.body["order"]["customer_name"] == "€" * 201
    assert case.expect.statuses == fb.REFUSED
    paths = {(c.method, c.route) for c in family("strings") if c.name.startswith("path ")}
    with_parameters = {op for op in fb.operations(document()) if fb.parameters(document(), *op, "path")}
    assert paths == with_parameters


@pytest.mark.parametrize(
    ("name", "names"),
    [
        ("coupon order_line_item_ids [L1, L1]", "L1"),
        ("fulfil items [L1, L1]", "L1"),
        ("cancel items [L1, L1]", "L1"),
        ("refund line_numbers [1, 1]", "1"),
        ("theatre refund lineNumbers [1, 1]", "1"),
        ("pickup items [L1, L1]", "L1"),
        ("fulfillment list ids=F,F", fb.ref("fulfillment")),
    ],
)
def test_given_an_id_list_then_the_same_id_twice_expects_422_naming_it(name: str, names: str) -> None:
    cases = [c for c in family("duplicate_ids") if c.name == name]
    assert cases
    for case in cases:
        assert case.expect.statuses == frozenset({422})
        assert case.expect.names == names
    listed = json.dumps(cases[0].body) + json.dumps(cases[0].query)
    assert listed.count(names if names != "1" else "1, 1") >= (1 if names == "1" else 2)


def test_given_each_byte_limit_then_a_body_exactly_at_it_and_one_byte_over() -> None:
    sizes = {c.name: c for c in family("sizes")}
    for limit in (BOUNDS.max_body_bytes, BOUNDS.max_xml_bytes):
        at = [c for c in sizes.values() if isinstance(c.body, fb.Raw) and len(c.body.data) == limit]
        over = [c for c in sizes.values() if isinstance(c.body, fb.Raw) and len(c.body.data) == limit + 1]
        assert at
        assert over
        assert all(c.expect.statuses <= fb.REFUSED for c in over)
    over_item = [
        c
        for c in sizes.values()
        if isinstance(c.body, fb.Raw) and len(c.body.data) == BOUNDS.max_order_item_bytes + 1
    ]
    assert len(over_item) == 2  # in ASCII and in `€` (fewer characters than bytes)
    assert all(c.expect.statuses == fb.REFUSED for c in over_item)
    euro = next(c for c in over_item if "€" in c.name)
    assert isinstance(euro.body, fb.Raw)
    assert len(euro.body.data.decode()) < BOUNDS.max_order_item_bytes
    # the stored order's own measure: JSON escaped in ASCII, where a `€` takes 6 bytes
    escaped = [c for c in sizes.values() if c.name.endswith("in €, escaped)")]
    assert [c.expect.statuses for c in escaped] == [fb.EITHER, fb.REFUSED]
    for case in escaped:
        assert isinstance(case.body, fb.Raw)
        euros = case.body.data.decode().count("€")
        assert (euros * 6 < BOUNDS.max_order_stored_bytes) == (case.expect.statuses == fb.EITHER)
    gateway_over = sizes[f"create body of {BOUNDS.max_body_bytes + 1:,} bytes (gateway limit + 1)"]
    assert gateway_over.expect.statuses == frozenset({413})


def test_given_documented_list_limits_then_each_is_sent_at_and_one_past() -> None:
    names = {(c.method, c.route, c.name) for c in family("sizes")}
    assert (*fb.CREATE, "line_items of 500 (maxItems)") in names
    assert (*fb.CREATE, "line_items of 501") in names
    assert (*fb.BATCH, "operations of 101") in names
    assert (*fb.PATCH, "JSON Patch of 101 operations") in names
    assert (*fb.FULFIL, "metadata of 51") in names
    (lines,) = [
        c
        for c in family("sizes")
        if (c.method, c.route, c.name) == (*fb.CREATE, "line_items of 500 (maxItems)")
    ]
    assert len({line["order_line_item_id"] for line in lines.body["line_items"]}) == 500


def test_given_the_work_family_then_each_multiplier_is_at_its_size() -> None:
    cases = {c.name: c for c in family("work")}
    copies = cases["add /payload (1,000 items), then 12 x copy of it into itself"].body
    assert len(copies[0]["value"]["items"]) == 1000
    assert [op["op"] for op in copies[1:]] == ["copy"] * 12
    assert all(op["from"] == "/payload" and op["path"].startswith("/payload/") for op in copies[1:])
    preview = cases["preview of 500 lines x 12,000 zero coupons"].body
    assert (len(preview["line_items"]), len(preview["coupons"])) == (500, 12_000)
    (batch,) = [c for n, c in cases.items() if n.startswith("batch of 100 creates")]
    assert isinstance(batch.body, fb.Raw)
    assert len(batch.body.data) <= BOUNDS.max_body_bytes
    operations = json.loads(batch.body.data)["operations"]
    assert len(operations) == 100
    assert all(len(op["object"]["line_items"]) == 500 for op in operations)


def test_given_the_keyed_batch_then_a_patch_and_a_bad_create_go_three_times_with_one_key() -> None:
    (case,) = [c for c in family("keyed_batch") if "exchange_rate 1e30" in c.name]
    patch, create = case.body["operations"]
    assert (
        patch["patch_directives"]
        == [
            {
                "op": "add",
                "path": "/additional_email_confirmation_recipients/-",
                "value": case.expect.applied_once[1],
            }
        ]
        if case.expect.applied_once
        else False
    )
    assert create["object"]["exchange_rate"] == fb.Lit("1e30")
    assert case.expect.sends == 3
    assert case.headers["Idempotency-Key"]
    assert case.expect.applied_once is not None
    assert case.expect.applied_once[0] == fb.order_path("keyed")


# ---------------------------------------------------------------------------- judging one answer
def test_given_a_5xx_when_judged_then_it_is_a_server_error_even_where_any_answer_would_do() -> None:
    problems = fb.judge(fb.EITHER, fb.Answer(500, problem(500, code="internal_error"), 0.01, PROBLEM))
    assert problems == ["server error 500"]
    assert fb.is_server_error(problems[0])


def test_given_a_slow_answer_when_judged_then_it_fails_on_time_alone() -> None:
    slow = fb.Answer(400, problem(400), fb.MAX_REQUEST_SECONDS + 0.01, PROBLEM)
    (problem_found,) = fb.judge(fb.REFUSED, slow)
    assert problem_found.startswith(f"took {fb.MAX_REQUEST_SECONDS + 0.01:.2f} s")
    assert not fb.is_server_error(problem_found)
    assert fb.judge(fb.REFUSED, fb.Answer(400, problem(400), fb.MAX_REQUEST_SECONDS, PROBLEM)) == []


def test_given_the_budget_then_it_is_under_the_functions_timeout() -> None:
    assert 0 < fb.MAX_REQUEST_SECONDS < 10  # template.yaml: Timeout 10
    assert fb.CLIENT_TIMEOUT_SECONDS > fb.MAX_REQUEST_SECONDS


@pytest.mark.parametrize(
    ("statuses", "answer", "expected"),
    [
        (fb.REFUSED, fb.Answer(400, problem(400), 0.1, PROBLEM), []),
        (fb.REFUSED, fb.Answer(201, "{}", 0.1, JSON_ANSWER), ["expected a 4xx problem, got 201"]),
        (fb.EITHER, fb.Answer(201, "{}", 0.1, JSON_ANSWER), []),
        (
            fb.REFUSED,
            fb.Answer(400, "Bad", 0.1, {"Content-Type": "text/plain"}),
            ["a 400 that is not a problem (Content-Type text/plain)"],
        ),
        (fb.REFUSED, fb.Answer(413, problem(400), 0.1, PROBLEM), ["a problem whose status is not 413"]),
        (fb.REFUSED, fb.Answer(0, "TimeoutError: timed out", 60.0), ["no answer (TimeoutError: timed out)"]),
        (
            fb.REFUSED,
            fb.Answer(
                404,
                "<problem><status>404</status></problem>",
                0.1,
                {"Content-Type": "application/problem+xml"},
            ),
            [],
        ),
    ],
)
def test_given_an_answer_when_judged_then_the_expected_rule_decides(
    statuses: frozenset[int], answer: fb.Answer, expected: list[str]
) -> None:
    assert fb.judge(statuses, answer) == expected


def test_given_a_batch_answered_200_when_an_operation_failed_on_the_server_then_it_is_a_server_error() -> (
    None
):
    failed: dict[str, Any] = {
        "operation": "create",
        "outcome": "error",
        "status": 500,
        "code": "internal_error",
    }
    batch = {
        "success_count": 1,
        "error_count": 1,
        "results": [{"operation": "patch", "outcome": "success"}, failed],
    }
    (found,) = fb.judge(fb.EITHER, fb.Answer(200, json.dumps(batch), 0.1, JSON_ANSWER))
    assert found == "batch operation 1 (create) failed with 500"
    assert fb.is_server_error(found)
    failed.update(status=400, code="validation_error")
    assert fb.judge(fb.EITHER, fb.Answer(200, json.dumps(batch), 0.1, JSON_ANSWER)) == []


def test_given_a_refusal_when_it_must_name_the_id_then_only_its_detail_or_errors_count() -> None:
    named = problem(422, detail="x", errors=[{"field": "items", "error": "names L1 more than once"}])
    assert fb.judge(frozenset({422}), fb.Answer(422, named, 0.1, PROBLEM), names="L1") == []
    other = problem(422, detail="names L12 more than once", instance="L1")
    assert fb.judge(frozenset({422}), fb.Answer(422, other, 0.1, PROBLEM), names="L1") == ["does not name L1"]
    numbers = problem(422, errors=[{"field": "line_numbers", "error": "names 1 more than once"}])
    assert fb.names_id(fb.Answer(422, numbers, 0.1, PROBLEM), "1")
    assert not fb.names_id(fb.Answer(422, problem(422, detail="line 10 twice"), 0.1, PROBLEM), "1")


def order(**changes: Any) -> dict[str, Any]:
    money = dict.fromkeys(fb.ORDER_MONEY, 0)
    money.update(subtotal=40, total=40, balance_due=40)
    line = {"line_number": 1, "unit_price": 10, "total": 40, "taxes": 0, "discounts": 0}
    return {"currency_code": "USD", **money, "line_items": [line], **changes}


def test_given_an_order_answer_when_its_money_is_checked_then_api_md_rules_hold() -> None:
    assert fb.money_defects(json.dumps(order())) == []
    assert fb.money_defects(json.dumps(order(total=41, balance_due=41))) == [
        "total != subtotal - discounts + taxes + shipping_charges"
    ]
    assert fb.money_defects(json.dumps(order(balance_due=39))) == [
        "balance_due != total - (amount_paid + amount_pending_capture - amount_refunded)"
    ]
    assert fb.money_defects(json.dumps(order(amount_refunded=1, balance_due=41))) == [
        "amount_refunded > amount_paid"
    ]
    preview = '{"preview": ' + json.dumps(order()).replace('"taxes": 0', '"taxes": -0.0', 1) + "}"
    assert fb.money_defects(preview) == ["taxes is a negative zero (-0.0)"]
    # a client's own number that is not money may be -0.0 (a latitude): not a money defect
    assert fb.money_defects(json.dumps({**order(), "billing_address": {"latitude": -0.0}})) == []
    based = json.dumps({**order(), "base_currency_code": "JPY", "total_in_base_currency": 4400.5})
    assert fb.money_defects(based) == ["total_in_base_currency 4400.5 has more than 0 decimals"]
    three = json.dumps(order()).replace('"unit_price": 10', '"unit_price": 10.005')
    assert fb.money_defects(three) == ["line 1 unit_price 10.005 has more than 2 decimals"]
    # a 2xx with such an order fails its case
    assert fb.judge(fb.EITHER, fb.Answer(201, json.dumps(order(total=41, balance_due=41)), 0.1, JSON_ANSWER))


def test_given_xml_was_asked_when_the_answer_does_not_parse_then_it_fails() -> None:
    bad = fb.Answer(200, "<order><name>A\x01B</name></order>", 0.1, {"Content-Type": "application/xml"})
    assert fb.judge(fb.ANSWERED, bad, xml=True) == ["the XML answer does not parse"]
    good = fb.Answer(200, "<order><name>A\ufffdB</name></order>", 0.1, {"Content-Type": "application/xml"})
    assert fb.judge(fb.ANSWERED, good, xml=True) == []


# ---------------------------------------------------------------------------- running, on a fake API
class FakeApi:
    """Answers by (method, path without its query) -> Answer (else 200 `{}`); records what was sent."""

    def __init__(self, answers: Mapping[tuple[str, str], Callable[[], fb.Answer]]) -> None:
        self.answers = answers
        self.sent: list[tuple[str, str, bytes | None, dict[str, str]]] = []

    def __call__(
        self,
        base: str,
        key: str | None,
        method: str,
        path: str,
        body: bytes | None,
        headers: Mapping[str, str],
        **_: Any,
    ) -> fb.Answer:
        self.sent.append((method, path, body, dict(headers)))
        for (m, where), answer in self.answers.items():
            if m == method and path.split("?")[0] == where:
                return answer()
        return fb.Answer(200, "{}", 0.01, JSON_ANSWER)


def runner(monkeypatch: pytest.MonkeyPatch, api: FakeApi) -> fb.Runner:
    monkeypatch.setattr(fb.runner, "send", api)
    return fb.Runner("http://api", "key", document(), FIXTURES)


def one(family_name: str, name: str, method: str, route: str) -> fb.Case:
    (found,) = [c for c in family(family_name) if (c.name, c.method, c.route) == (name, method, route)]
    return found


def test_given_a_5xx_and_a_slow_request_when_run_then_both_are_failures_and_the_time_is_recorded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api = FakeApi(
        {
            ("POST", f"/orders/{fb.TENANT}/search"): lambda: fb.Answer(500, problem(500), 0.02, PROBLEM),
            ("GET", f"/orders/{fb.TENANT}/fulfillments"): lambda: fb.Answer(
                200, '{"data": []}', 7.5, JSON_ANSWER
            ),
        }
    )
    run = runner(monkeypatch, api)
    search = next(c for c in family("dates") if (c.method, c.route) == fb.SEARCH)
    listing = next(c for c in family("dates") if c.route == fb.FULFILLMENTS)
    run.run(search)
    run.run(listing)
    report = run.report
    assert (report.cases, report.requests, report.server_errors) == (2, 2, 1)
    first, second = report.failures
    assert first["case"] == search.label
    assert first["status"] == 500
    assert first["detail"].startswith("server error 500 -- answer: {")
    assert second["status"] == 200
    assert second["detail"].startswith("took 7.50 s")
    assert report.max_seconds == 7.5
    assert report.slowest.startswith(listing.label)


def test_given_a_refusal_that_changed_the_order_when_run_then_it_is_a_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    versions = iter(['{"sys_version": 1}', '{"sys_version": 2}'])
    api = FakeApi(
        {
            ("GET", f"/orders/{fb.TENANT}/o-open"): lambda: fb.Answer(200, next(versions), 0.01, JSON_ANSWER),
            ("POST", f"/orders/{fb.TENANT}/o-open/fulfill"): lambda: fb.Answer(
                422,
                problem(422, errors=[{"field": "items", "error": "names L1 more than once"}]),
                0.01,
                PROBLEM,
            ),
        }
    )
    run = runner(monkeypatch, api)
    run.run(one("duplicate_ids", "fulfil items [L1, L1]", *fb.FULFIL))
    (failure,) = run.report.failures
    assert failure["detail"].startswith(
        f"refused, but /orders/{fb.TENANT}/o-open?consistentRead=true changed"
    )
    assert [m for m, *_ in api.sent] == ["GET", "POST", "GET"]


def test_given_a_created_order_when_run_then_it_is_read_back_and_must_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api = FakeApi(
        {
            ("POST", f"/orders/{fb.TENANT}"): lambda: fb.Answer(
                201, json.dumps({**order(), "id": "o-new"}), 0.01, JSON_ANSWER
            ),
            ("GET", f"/orders/{fb.TENANT}/o-new"): lambda: fb.Answer(500, problem(500), 0.01, PROBLEM),
        }
    )
    run = runner(monkeypatch, api)
    run.run(one("dates", "date = year 9999 at -12:00", *fb.CREATE))
    failing = [f for f in run.report.failures if "o-new" in f["case"]]
    assert [f["status"] for f in failing] == [500]
    assert run.report.server_errors == 1
    # and the tenant's searches were asked after it
    assert sum(1 for m, p, *_ in api.sent if (m, p) == ("POST", f"/orders/{fb.TENANT}/search")) == 3


def test_given_a_keyed_batch_applied_twice_when_run_then_it_is_a_double_effect(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = one("keyed_batch", "patch, then a create with exchange_rate 1e30, sent three times", *fb.BATCH)
    assert case.expect.applied_once is not None
    value = case.expect.applied_once[1]
    batch = json.dumps({"results": [{"operation": "patch", "outcome": "success"}]})
    api = FakeApi(
        {
            ("POST", f"/orders/{fb.TENANT}/batch"): lambda: fb.Answer(200, batch, 0.01, JSON_ANSWER),
            ("GET", f"/orders/{fb.TENANT}/o-keyed"): lambda: fb.Answer(
                200,
                json.dumps({"additional_email_confirmation_recipients": [value, value]}),
                0.01,
                JSON_ANSWER,
            ),
        }
    )
    run = runner(monkeypatch, api)
    run.run(case)
    details = [f["detail"] for f in run.report.failures]
    # the repeats were not replays, and the patch applied twice
    assert sum(d.startswith("a repeat with the same key was not a replay") for d in details) == 2
    assert any(d.startswith("the batch's patch applied 2 times (expected once)") for d in details)
    keys = {h["Idempotency-Key"] for m, _, _, h in api.sent if m == "POST"}
    assert len(keys) == 1


def test_given_a_keyed_batch_refused_when_run_then_the_patch_must_not_apply(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = one(
        "keyed_batch", "patch, then a create with unit_price 4,400 digits, sent three times", *fb.BATCH
    )
    api = FakeApi(
        {
            ("POST", f"/orders/{fb.TENANT}/batch"): lambda: fb.Answer(400, problem(400), 0.01, PROBLEM),
            ("GET", f"/orders/{fb.TENANT}/o-keyed"): lambda: fb.Answer(
                200, json.dumps({"additional_email_confirmation_recipients": []}), 0.01, JSON_ANSWER
            ),
        }
    )
    run = runner(monkeypatch, api)
    run.run(case)
    assert run.report.failures == []


def test_given_no_answer_when_run_then_it_is_a_failure_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    api = FakeApi(
        {("PATCH", f"/orders/{fb.TENANT}/o-open"): lambda: fb.Answer(0, "TimeoutError: timed out", 60.0)}
    )
    run = runner(monkeypatch, api)
    run.run(one("work", "add /payload (1,000 items), then 12 x copy of it into itself", *fb.PATCH))
    (failure,) = run.report.failures
    assert failure["status"] == 0
    assert failure["detail"].startswith("no answer")
    assert run.report.max_seconds == 60.0


@pytest.mark.parametrize(("applied", "double"), [(1, False), (3, True)])
def test_given_a_keyed_batch_answered_5xx_when_run_then_a_retry_must_not_apply_it_again(
    monkeypatch: pytest.MonkeyPatch, applied: int, double: bool
) -> None:
    case = one("keyed_batch", "patch, then a create with exchange_rate 1e30, sent three times", *fb.BATCH)
    assert case.expect.applied_once is not None
    recipients = [case.expect.applied_once[1]] * applied
    api = FakeApi(
        {
            ("POST", f"/orders/{fb.TENANT}/batch"): lambda: fb.Answer(500, problem(500), 0.01, PROBLEM),
            ("GET", f"/orders/{fb.TENANT}/o-keyed"): lambda: fb.Answer(
                200, json.dumps({"additional_email_confirmation_recipients": recipients}), 0.01, JSON_ANSWER
            ),
        }
    )
    run = runner(monkeypatch, api)
    run.run(case)
    assert run.report.server_errors == 3
    doubled = [f for f in run.report.failures if f["detail"].startswith("the batch's patch applied")]
    assert [f["detail"].split(" -- ")[0] for f in doubled] == (
        ["the batch's patch applied 3 times (expected at most once)"] if double else []
    )


def test_given_the_service_when_its_bounds_are_read_then_they_are_the_domains_own() -> None:
    from orders_domain.models import types
    from orders_domain.storage import orders

    bounds = fb.Bounds.of_service()
    assert bounds.max_order_stored_bytes == types.MAX_ORDER_STORED_BYTES
    assert bounds.max_order_item_bytes == orders.MAX_ORDER_ITEM_BYTES
    assert bounds.max_amount == types.MAX_AMOUNT
    assert bounds.max_json_depth == types.MAX_JSON_DEPTH
