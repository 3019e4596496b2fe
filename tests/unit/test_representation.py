"""The one-pass order JSON is the same text as the dict path, with money as exact JSON numbers."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from orders_domain.domain import jsonio
from orders_domain.http.representation import order_body, order_json
from orders_domain.models import Order, OrderCreateRequest
from orders_domain.services import CreateOrders

from tests.fakes import InMemoryOrderRepository


def make_order(body: dict[str, Any]) -> Order:
    request = OrderCreateRequest.model_validate(jsonio.loads(json.dumps(body)))
    return CreateOrders(InMemoryOrderRepository()).create(request, tenant_id="t1", actor="test").order


ORDERS: dict[str, dict[str, Any]] = {
    "one line": {"line_items": [{"quantity": 1, "unit_price": "12.50"}]},
    "ten lines, coupon, payment": {
        "currency_code": "JPY",
        "coupons": [{"coupon_id": "c", "coupon_type": "promo", "discount": 7}],
        "payment_info": {"type": "card"},
        "line_items": [{"quantity": n + 1, "unit_price": 999, "weight": "0.125"} for n in range(10)],
    },
    "text that looks like numbers and markers": {
        "memo": 'x","total":"5 \u00e9\u4e2d \\" ' + jsonio.number_token(Decimal("1"))[:10],
        "line_items": [
            {
                "quantity": 1,
                "unit_price": "0.01",
                "payload": {"total": "5", "nested": {"amount": "1E+2"}, "big": 123456789012345678},
            }
        ],
    },
}


@pytest.mark.parametrize("body", ORDERS.values(), ids=ORDERS.keys())
def test_given_an_order_when_serialised_in_one_pass_then_it_is_the_dict_paths_text(
    body: dict[str, Any],
) -> None:
    order = make_order(body)
    assert order_json(order) == jsonio.dumps(order_body(order))


def test_given_an_order_when_serialised_then_money_is_exact_json_numbers_and_strings_stay_strings() -> None:
    order = make_order(ORDERS["text that looks like numbers and markers"])
    parsed = json.loads(order_json(order), parse_float=Decimal)
    assert parsed["total"] == Decimal("0.01")
    assert isinstance(parsed["total"], Decimal)
    assert parsed["line_items"][0]["unit_price"] == Decimal("0.01")
    # client strings are never turned into numbers, whatever they look like
    assert parsed["memo"] == order.memo
    assert parsed["line_items"][0]["payload"]["total"] == "5"
    assert parsed["line_items"][0]["payload"]["nested"]["amount"] == "1E+2"
    assert parsed["_links"]["self"]["href"] == f"/orders/t1/{order.id}"


def test_stored_json_keeps_decimals_as_strings_so_they_read_back_exactly() -> None:
    order = make_order(ORDERS["ten lines, coupon, payment"])
    stored = order.model_dump_json(exclude_none=True)
    assert '"total":"' in stored
    assert Order.model_validate_json(stored) == order


def test_with_fields_the_projection_is_served() -> None:
    order = make_order(ORDERS["one line"])
    assert json.loads(order_json(order, "total,line_items.sku")) == {
        "id": order.id,
        "total": 12.5,
        "line_items": [{}],
    }


def test_a_request_models_repr_names_no_customer_data() -> None:
    # Powertools logs route arguments with an f-string on every request: the repr must be cheap and
    # must not carry names, addresses or amounts
    request = OrderCreateRequest.model_validate(
        {"memo": "Jane Doe, 1 Main St", "line_items": [{"quantity": 1, "unit_price": 5}]}
    )
    assert "Jane" not in repr(request)
    assert repr(request).startswith("OrderCreateRequest(")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("1" * 38, None),
        ("1" * 39, "number_too_precise"),
        ("0." + "1" * 38, None),
        ("-0." + "1" * 39, "number_too_precise"),
        ("1" * 20 + "E+100", None),
        ("9.99E+125", None),
        ("1E+126", "number_out_of_range"),
        ("1E-128", None),
        ("1E-129", "number_out_of_range"),
        ("0E-500", None),
        ("0", None),
    ],
)
def test_numbers_dynamodb_cannot_hold_are_refused(text: str, error: str | None) -> None:
    from orders_domain.models import Number
    from pydantic import TypeAdapter, ValidationError

    adapter = TypeAdapter(Number)
    if error is None:
        assert adapter.validate_python(Decimal(text)) == Decimal(text)
    else:
        with pytest.raises(ValidationError) as raised:
            adapter.validate_python(Decimal(text))
        assert raised.value.errors()[0]["type"] == error


def test_the_names_fields_may_ask_for_are_exactly_the_order_responses_top_level_names() -> None:
    # GIVEN the OpenAPI document's order response model, WHEN fields= checks names without building it,
    # THEN it accepts exactly that model's names (its aliases: `_links`)
    from orders_domain.http.representation import _response_fields
    from orders_domain.models.responses import OrderResponse

    assert _response_fields() == {info.alias or name for name, info in OrderResponse.model_fields.items()}
