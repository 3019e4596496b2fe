"""JSON types are strict where a coercion would hide a client's mistake; server-owned fields are one list."""

from __future__ import annotations

from typing import Any

import pytest
from orders_domain.models import (
    LINE_SERVER_FIELDS,
    ORDER_SERVER_FIELDS,
    RESPONSE_EXCLUDED_FIELDS,
    SERVER_OWNED_FIELDS,
    Order,
    protected_paths,
)

from local.openapi import build
from tests.helpers import body_of
from tests.unit.test_bad_input import GOOD_LINE, assert_problem, order_count, post


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({**GOOD_LINE, "quantity": True}, "line_items[0].quantity"),
        ({**GOOD_LINE, "quantity": "2"}, "line_items[0].quantity"),
        ({**GOOD_LINE, "shippable": "yes"}, "line_items[0].shippable"),
        ({**GOOD_LINE, "shippable": 1}, "line_items[0].shippable"),
        ({**GOOD_LINE, "optional": "true"}, "line_items[0].optional"),
        ({**GOOD_LINE, "unit_price": True}, "line_items[0].unit_price"),
        (
            {**GOOD_LINE, "related_transactions": [{"transaction_number": False}]},
            "line_items[0].related_transactions[0].transaction_number",
        ),
    ],
)
def test_a_coercible_but_wrong_json_type_is_400_naming_the_field(
    line: dict[str, Any], field: str, tables: dict[str, str]
) -> None:
    # WHEN a create sends a boolean for a number, or a string for a boolean
    problem = assert_problem(post({"line_items": [line]}), 400, "validation_error")
    # THEN the field is named and nothing is written
    assert field in [e["field"] for e in problem["errors"]], problem
    assert order_count(tables) == 0


@pytest.mark.usefixtures("tables")
def test_an_order_level_boolean_must_be_a_boolean() -> None:
    problem = assert_problem(post({"line_items": [GOOD_LINE], "override_order_date": "no"}), 400)
    assert [e["field"] for e in problem["errors"]] == ["override_order_date"]


@pytest.mark.usefixtures("tables")
def test_numeric_strings_for_money_stay_accepted() -> None:
    response = post(
        {"line_items": [{**GOOD_LINE, "unit_price": "10.50", "taxes": "1"}], "shipping_charges": "2"}
    )
    assert response["statusCode"] == 201, response["body"]
    order = body_of(response)
    assert order["total"] == 13.5
    assert order["line_items"][0]["quantity"] == 1


@pytest.mark.usefixtures("tables")
def test_picked_up_in_a_create_is_named_as_server_set() -> None:
    problem = assert_problem(post({"line_items": [{**GOOD_LINE, "picked_up": True}]}), 400)
    assert problem["errors"] == [
        {"field": "line_items[0].picked_up", "error": "is set by the server and may not be sent"}
    ]


def test_server_owned_fields_come_from_the_models_markers() -> None:
    assert {"id", "number", "token", "status", "total", "sys_version", "payments"} <= ORDER_SERVER_FIELDS
    assert {"line_number", "status", "quantity_shipped", "picked_up", "total"} <= LINE_SERVER_FIELDS
    assert SERVER_OWNED_FIELDS == ORDER_SERVER_FIELDS | LINE_SERVER_FIELDS
    # every sys_* field is the server's; what the client writes is not
    assert {name for name in Order.model_fields if name.startswith("sys_")} <= ORDER_SERVER_FIELDS
    assert not {"currency_code", "shipping_charges", "memo", "line_items"} & SERVER_OWNED_FIELDS
    assert {"tenant_id", "sys_deleted", "sys_deleted_at", "sys_recent_write_ids"} == RESPONSE_EXCLUDED_FIELDS
    assert {"/id", "/sys_version", "/status", "/line_items/*/quantity_shipped"} <= protected_paths()
    assert "/memo" not in protected_paths()


@pytest.mark.usefixtures("tables")
def test_openapi_order_response_lists_exactly_what_a_response_can_carry() -> None:
    schema = build()["components"]["schemas"]["OrderResponse"]
    documented = set(schema["properties"])
    # THEN it is the order's fields less the internal ones, plus _links: nothing a response never has
    assert documented == (set(Order.model_fields) - RESPONSE_EXCLUDED_FIELDS) | {"_links"}
    assert not {"sys_deleted", "sys_deleted_at", "duplicate_prevention_key", "tenant_id"} & documented
    # AND a real response (with a payment) carries nothing undocumented
    body = body_of(post({"line_items": [GOOD_LINE], "payment_info": {"type": "card"}, "memo": "m"}))
    assert set(body) <= documented
    assert {"id", "status", "total", "payments", "_links", "memo"} <= set(body)
