"""Every failure path answers in API.md's problem shape and writes nothing."""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import pytest

from tests.helpers import body_of, header_of, invoke, load_event, with_body, with_caller, with_headers

pytestmark = pytest.mark.usefixtures("tables")

GOOD_LINE = {"description": "Ticket", "quantity": 1, "unit_price": 10}


def post(body: Any, **headers: str) -> dict[str, Any]:
    event = with_caller(with_body(load_event("create_order.json"), body))
    return invoke("create_order", with_headers(event, **{"Idempotency-Key": None, **headers}))


def assert_problem(response: dict[str, Any], status: int, code: str | None = None) -> dict[str, Any]:
    assert response["statusCode"] == status, response["body"]
    assert header_of(response, "Content-Type") == "application/problem+json"
    problem = body_of(response)
    assert problem["status"] == status
    assert problem["type"].startswith("/problems/")
    assert problem["title"]
    assert problem["detail"]
    assert problem["instance"]
    assert "Traceback" not in response["body"]
    assert "orders_domain" not in response["body"]
    if code:
        assert problem["code"] == code
    return problem


def order_count(tables: dict[str, str]) -> int:
    client = boto3.client("dynamodb", region_name="us-east-1")
    items = client.scan(TableName=tables["OrdersTable"])["Items"]
    return sum(1 for item in items if item.get("entity", {}).get("S") == "order")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"line_items": [GOOD_LINE], "id": "x"}, "id"),
        ({"line_items": [GOOD_LINE], "number": 7}, "number"),
        ({"line_items": [GOOD_LINE], "status": "paid"}, "status"),
        ({"line_items": [GOOD_LINE], "sys_version": 3}, "sys_version"),
        ({"line_items": [GOOD_LINE], "total": 1}, "total"),
        ({"line_items": [GOOD_LINE], "balance_due": 0}, "balance_due"),
        ({"line_items": [{**GOOD_LINE, "total": 5}]}, "line_items[0].total"),
        ({"line_items": [{**GOOD_LINE, "status": "paid"}]}, "line_items[0].status"),
        ({"line_items": [{**GOOD_LINE, "quantity_shipped": 1}]}, "line_items[0].quantity_shipped"),
        ({"line_items": [GOOD_LINE, {**GOOD_LINE, "picked_up": True}]}, "line_items[1].picked_up"),
    ],
)
def test_server_fields_are_400_naming_the_field(body: dict[str, Any], field: str) -> None:
    problem = assert_problem(post(body), 400, "validation_error")
    assert {"field": field, "error": "is set by the server and may not be sent"} in problem["errors"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        # server-owned at the other level only, or nowhere: unknown here
        ({"line_items": [GOOD_LINE], "quantity_shipped": 1}, "quantity_shipped"),
        ({"line_items": [{**GOOD_LINE, "sys_version": 3}]}, "line_items[0].sys_version"),
        ({"line_items": [{**GOOD_LINE, "token": "t"}]}, "line_items[0].token"),
        ({"line_items": [GOOD_LINE], "picked_up": True}, "picked_up"),
        ({"line_items": [{**GOOD_LINE, "number": 2}]}, "line_items[0].number"),
        ({"line_items": [GOOD_LINE], "billing_address": {"id": "a1"}}, "billing_address.id"),
        ({"line_items": [GOOD_LINE], "sys_anything": 1}, "sys_anything"),
    ],
)
def test_given_a_field_server_owned_only_at_another_level_when_sent_then_it_is_unknown_where_it_was_sent(
    body: dict[str, Any], field: str
) -> None:
    # GIVEN a create naming a field the server owns on the line but not the order, or the reverse,
    # or one inside an address, or a made-up sys_ field
    # WHEN it is posted
    problem = assert_problem(post(body), 400, "validation_error")
    # THEN the field is unknown where it was sent, not "set by the server"
    assert {"field": field, "error": "is not a known field"} in problem["errors"]


@pytest.mark.parametrize(
    ("loc", "message"),
    [
        (("body", "line_items", 0, "quantity_shipped"), "is set by the server and may not be sent"),
        (("body", "quantity_shipped"), "is not a known field"),
        (("body", "token"), "is set by the server and may not be sent"),
        (("body", "line_items", 3, "token"), "is not a known field"),
        (("line_items", 0, "status"), "is set by the server and may not be sent"),
        (("body", "shipping_address", "status"), "is not a known field"),
    ],
)
def test_given_an_unknown_field_error_when_mapped_then_it_is_checked_at_its_own_level(
    loc: tuple[Any, ...], message: str
) -> None:
    from orders_domain.http.api import field_errors_from_pydantic

    # GIVEN pydantic's extra_forbidden error at an order-level or a line-level location
    # WHEN it becomes a problem's field error
    (error,) = field_errors_from_pydantic([{"type": "extra_forbidden", "loc": loc, "msg": "Extra inputs"}])
    # THEN it is server-set only if that level's model marks the field so
    assert error.error == message


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"line_items": [GOOD_LINE], "colour": "red"}, "colour"),
        ({"line_items": [{**GOOD_LINE, "quantity": 0}]}, "line_items[0].quantity"),
        ({"line_items": [{**GOOD_LINE, "quantity": -2}]}, "line_items[0].quantity"),
        ({"line_items": [{**GOOD_LINE, "unit_price": -1}]}, "line_items[0].unit_price"),
        ({"line_items": [GOOD_LINE], "currency_code": "XYZ"}, "currency_code"),
        ({"line_items": [GOOD_LINE], "currency_code": "usd"}, "currency_code"),
        ({"line_items": []}, "line_items"),
        ({}, "line_items"),
    ],
)
def test_schema_violations_are_400_naming_the_field(body: dict[str, Any], field: str) -> None:
    problem = assert_problem(post(body), 400, "validation_error")
    assert field in [e["field"] for e in problem["errors"]], problem


def test_too_many_decimals_for_the_currency_is_400() -> None:
    problem = assert_problem(post({"line_items": [{**GOOD_LINE, "unit_price": 10.005}]}), 400)
    assert problem["errors"] == [
        {
            "field": "line_items[0].unit_price",
            "error": "line_items[0].unit_price has more decimals than USD allows (2)",
        }
    ]


def test_discount_over_the_amount_is_422() -> None:
    body = {"line_items": [GOOD_LINE], "coupons": [{"coupon_id": "C", "discount": "10.01"}]}
    problem = assert_problem(post(body), 422)
    assert problem["errors"][0]["field"] == "coupons[0].discount"


@pytest.mark.parametrize(
    "raw",
    [
        '{"line_items": [',
        "not json",
        "[1, 2]",
        '"a string"',
        "null",
        '{"line_items": NaN}',
        "[" * 5000 + "]" * 5000,
    ],
)
def test_malformed_or_non_object_json_is_400(raw: str) -> None:
    assert_problem(post(raw), 400)


def test_deeply_nested_payload_is_400() -> None:
    nested: Any = "leaf"
    for _ in range(40):
        nested = {"a": nested}
    assert_problem(post({"line_items": [GOOD_LINE], "payload": nested}), 400)


def test_no_bad_request_writes_anything(tables: dict[str, str]) -> None:
    # GIVEN a series of bad requests
    for body in (
        {"line_items": [GOOD_LINE], "id": "x"},
        "not json",
        {"line_items": [{**GOOD_LINE, "quantity": 0}]},
    ):
        post(body)
    post({"line_items": [GOOD_LINE], "coupons": [{"coupon_id": "C", "discount": 99}]})
    # THEN not a single order was written
    assert order_count(tables) == 0


def test_order_over_the_item_limit_is_413_and_not_written(tables: dict[str, str]) -> None:
    lines = [{**GOOD_LINE, "description": "x" * 9000} for _ in range(50)]
    assert_problem(post({"line_items": lines}), 413, "payload_too_large")
    assert order_count(tables) == 0


def test_missing_caller_context_is_401() -> None:
    event = load_event("create_order.json")
    event["requestContext"].pop("authorizer")
    assert_problem(invoke("create_order", event), 401, "unauthorized")


def test_another_tenants_caller_is_403() -> None:
    event = with_caller(load_event("create_order.json"), tenant_id="tenant-b")
    assert_problem(invoke("create_order", event), 403, "forbidden")


def test_read_only_key_cannot_create() -> None:
    event = with_caller(load_event("create_order.json"), scopes="orders:read")
    assert_problem(invoke("create_order", event), 403, "forbidden")


def test_problem_instance_is_the_request_id() -> None:
    event = with_caller(with_body(load_event("create_order.json"), "oops"))
    response = invoke("create_order", event)
    assert body_of(response)["instance"] == event["requestContext"]["requestId"]
    assert header_of(response, "x-request-id") == event["requestContext"]["requestId"]


def test_json_body_is_exact_decimal_text() -> None:
    response = post({"line_items": [{"quantity": 3, "unit_price": 0.1}]})
    assert '"total":0.30' in response["body"].replace(" ", "")
    assert json.loads(response["body"])["total"] == 0.3


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data"]
)
def test_a_body_that_is_not_json_is_415(content_type: str) -> None:
    response = post({"line_items": [GOOD_LINE]}, **{"Content-Type": content_type})
    assert_problem(response, 415, "unsupported_media_type")


def test_json_with_charset_is_fine() -> None:
    response = post({"line_items": [GOOD_LINE]}, **{"Content-Type": "application/json; charset=utf-8"})
    assert response["statusCode"] == 201


def test_a_body_that_is_not_utf8_is_400() -> None:
    # GIVEN bytes that are not UTF-8, passed base64-encoded as API Gateway passes binary bodies
    event = with_caller(load_event("create_order.json"))
    event["body"] = base64.b64encode(b'{"memo": "\xff\xfe\xc3\x28"}').decode()
    event["isBase64Encoded"] = True
    problem = assert_problem(invoke("create_order", event), 400)
    assert problem["errors"] == [{"field": "body", "error": "is not UTF-8"}]
