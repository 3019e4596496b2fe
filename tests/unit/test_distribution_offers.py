"""The distribution API's offers priced from the tenant's catalogue (issue 31), on moto through the
handlers: an `offer_id` names the product of type `offer`; a deal's order answers its vouchers in JSON
and XML; cancelling the order cancels them; an offer the catalogue does not hold keeps today's price."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from tests.dialect_helpers import JSON_BOTH_WAYS, XML_BOTH_WAYS, dialect_call
from tests.helpers import body_of, get_event_for, invoke
from tests.unit.test_catalogue_routes import put_product

pytestmark = pytest.mark.usefixtures("tables")

DEAL = {"name": "Spa day", "unit_price": 49.0, "currency_code": "USD", "stock": 4, "offer_kind": "deal"}


def place(
    number: str, *items: dict[str, Any], headers: dict[str, str | None] | None = None
) -> tuple[int, Any]:
    body = {"order": {"order_number": number, "customer_name": "Ann Lee", "items": list(items)}}
    status, answer, _ = dialect_call(
        "distribution_place", body=json.dumps(body), headers=headers or JSON_BOTH_WAYS
    )
    return status, answer


def native(order_id: str) -> dict[str, Any]:
    got: dict[str, Any] = body_of(
        invoke("get_order", get_event_for(order_id, query={"consistentRead": "true"}))
    )
    return got


def test_given_a_deal_offer_when_placed_then_it_is_priced_from_the_catalogue_and_answers_its_vouchers() -> (
    None
):
    assert put_product("spa-1", DEAL, product_type="offer")[0] == 200
    status, placed = place("d-1", {"offer_id": "spa-1", "quantity": 2})
    assert status == 201, placed
    order = placed["order"]
    assert [v["offer_id"] for v in order["vouchers"]] == ["spa-1", "spa-1"]
    assert {v["status"] for v in order["vouchers"]} == {"active"}
    assert len({v["code"] for v in order["vouchers"]}) == 2
    stored = native(order["id"])
    assert Decimal(str(stored["total"])) == Decimal("98.00")
    assert [v["code"] for v in stored["line_items"][0]["vouchers"]] == [v["code"] for v in order["vouchers"]]
    # WHEN the order is cancelled THEN its vouchers are cancelled in the same write, and the stock returns
    cancel = json.dumps({"order": {"status": "cancelled"}})
    status, cancelled, _ = dialect_call("distribution_cancel", order["id"], cancel, headers=JSON_BOTH_WAYS)
    assert status == 200, cancelled
    assert {v["status"] for v in cancelled["order"]["vouchers"]} == {"cancelled"}
    assert put_product("spa-1", DEAL, product_type="offer")[1]["stock_available"] == 4


def test_given_a_deal_offer_in_xml_then_the_vouchers_are_xml_elements() -> None:
    put_product("spa-1", DEAL, product_type="offer")
    body = (
        "<order><order_number>x-1</order_number><customer_name>Ann</customer_name>"
        "<items><item><offer_id>spa-1</offer_id><quantity>1</quantity></item></items></order>"
    )
    status, text, _ = dialect_call("distribution_place", body=body, headers=XML_BOTH_WAYS)
    assert status == 201, text
    assert "<vouchers><voucher><code>" in text
    assert "<status>active</status><offer_id>spa-1</offer_id></voucher></vouchers>" in text


def test_a_price_that_is_not_the_catalogues_is_a_400_naming_the_item_price_and_nothing_is_sold() -> None:
    put_product("spa-1", DEAL, product_type="offer")
    status, problem = place("d-2", {"offer_id": "spa-1", "quantity": 1, "price": "1.00"})
    assert status == 400, problem
    assert problem["errors"][0]["field"] == "order.items[0].price"
    status, again = place("d-2", {"offer_id": "spa-1", "quantity": 1, "price": "49.00"})
    assert status == 201, again


def test_more_than_the_stock_is_a_409_sold_out_naming_the_item() -> None:
    put_product("spa-1", DEAL, product_type="offer")
    status, problem = place("d-3", {"offer_id": "spa-1", "quantity": 5})
    assert status == 409, problem
    assert problem["code"] == "sold_out"
    assert problem["errors"][0]["field"].startswith("order.items[0]")


def test_an_offer_the_catalogue_does_not_hold_keeps_todays_behaviour() -> None:
    status, placed = place("d-4", {"offer_id": "unknown-1", "quantity": 2})
    assert status == 201, placed
    assert placed["order"]["vouchers"] == []
    assert Decimal(str(native(placed["order"]["id"])["total"])) == 0
    status, priced = place("d-5", {"offer_id": "unknown-1", "quantity": 2, "price": "12.50"})
    assert Decimal(str(native(priced["order"]["id"])["total"])) == Decimal("25.00")
