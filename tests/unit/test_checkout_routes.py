"""The catalogue's read answers on moto, through the handlers (issue 31): describe, availability, price,
eligibility and the preview's full manifest (seeds/003). Reads never reserve stock."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from tests.helpers import body_of, invoke, load_event, with_body, with_caller
from tests.unit.test_catalogue_routes import CREDIT, CREDITS, call, get_product, put_product, route

SEAT = {"name": "Seat", "unit_price": 30, "currency_code": "USD", "stock": 3, "low_stock_threshold": 2}
VIP = {
    "name": "VIP",
    "unit_price": 100,
    "currency_code": "USD",
    "variant_options": [{"option_id": "front", "value": "Front row", "price_delta": 25}],
    "eligibility": {"customer_types": ["organization"]},
}


def create_route(
    resource: str, body: Any, tenant: str = "tenant-a", scopes: str = "orders:read"
) -> tuple[int, Any]:
    event = copy.deepcopy(load_event("create_order_preview.json"))
    path = resource.replace("{tenantId}", tenant)
    event.update(resource=resource, path=path)
    event["requestContext"].update(resourcePath=resource, path="/v1" + path)
    event["pathParameters"] = {"tenantId": tenant}
    response = invoke("create_order", with_caller(with_body(event, body), tenant, scopes=scopes))
    return response["statusCode"], body_of(response)


def order(*lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "currency_code": "USD",
        "bill_to_type": "contact",
        "bill_to_contact_id": "c-1",
        "line_items": list(lines),
        **fields,
    }


def seat(quantity: int = 1, **changes: Any) -> dict[str, Any]:
    return {"product_type": "ticket", "product_id": "seat", "quantity": quantity, **changes}


@pytest.fixture
def catalogue() -> None:
    assert put_product("seat", SEAT)[0] == 200
    assert put_product("vip", VIP)[0] == 200


pytestmark = [pytest.mark.usefixtures("tables"), pytest.mark.usefixtures("catalogue")]


def describe(body: dict[str, Any], tenant: str = "tenant-a") -> tuple[int, Any]:
    status, answer, _ = call(route("POST", "/orders/{tenantId}/products/describe", body=body, tenant=tenant))
    return status, answer


def test_describe_prices_options_judges_the_customer_and_tells_availability() -> None:
    status, answer = describe(
        {
            "customer_type": "contact",
            "customer_id": "c-1",
            "products": [
                {"type": "ticket", "id": "seat"},
                {
                    "type": "ticket",
                    "id": "vip",
                    "variant_options": [{"option_id": "front", "value": "Front row"}],
                },
            ],
        }
    )
    assert status == 200, answer
    seat_row, vip_row = answer["products"]
    assert (seat_row["type"], seat_row["id"], Decimal(str(seat_row["price"]))) == ("ticket", "seat", 30)
    assert (seat_row["ineligible"], seat_row["availability"]) == (False, "OK")
    assert (Decimal(str(vip_row["price"])), vip_row["ineligible"], vip_row["availability"]) == (
        125,
        True,
        "OK",
    )


def test_describe_says_low_and_sold_out_by_the_stock_left() -> None:
    put_product("seat", {**SEAT, "stock": 2})
    assert (
        describe({"products": [{"type": "ticket", "id": "seat"}]})[1]["products"][0]["availability"] == "LOW"
    )
    put_product("seat", {**SEAT, "stock": 0})
    assert (
        describe({"products": [{"type": "ticket", "id": "seat"}]})[1]["products"][0]["availability"]
        == "SOLD_OUT"
    )


@pytest.mark.parametrize(
    ("products", "field"),
    [
        ([{"type": "ticket", "id": "seat"}, {"type": "ticket", "id": "nope"}], "products[1]"),
        (
            [{"type": "ticket", "id": "vip", "variant_options": [{"option_id": "back"}]}],
            "products[0].variant_options[0]",
        ),
    ],
)
def test_describe_names_what_the_catalogue_does_not_hold(products: list[dict[str, Any]], field: str) -> None:
    status, problem = describe({"products": products})
    assert status == 400, problem
    assert problem["errors"][0]["field"] == field


def test_describe_takes_100_products_and_not_101_and_never_another_tenants() -> None:
    many = [{"type": "ticket", "id": "seat"}] * 100
    assert describe({"products": many})[0] == 200
    assert describe({"products": [*many, {"type": "ticket", "id": "seat"}]})[0] == 400
    assert describe({"products": [{"type": "ticket", "id": "seat"}]}, tenant="tenant-b")[0] == 400


def test_availability_sums_the_units_of_lines_naming_one_product() -> None:
    status, answer = create_route(
        "/orders/{tenantId}/availability", order(seat(1), seat(1), {"quantity": 1, "unit_price": 5})
    )
    assert status == 200, answer
    assert answer["product_availability"] == [
        {"order_line_item_id": None, "line_number": 1, "status": "LOW"},
        {"order_line_item_id": None, "line_number": 2, "status": "LOW"},
    ]
    status, answer = create_route("/orders/{tenantId}/availability", order(seat(4, order_line_item_id="L1")))
    assert answer["product_availability"] == [
        {"order_line_item_id": "L1", "line_number": 1, "status": "SOLD_OUT"}
    ]
    assert get_product("seat")[1]["stock_available"] == 3


def test_price_is_the_total_as_placed_and_eligibility_judges_the_bill_to_party() -> None:
    status, answer = create_route("/orders/{tenantId}/preview/price", order(seat(2)))
    assert (status, Decimal(str(answer["price"]))) == (200, Decimal("60"))
    status, answer = create_route("/orders/{tenantId}/preview/eligibility", order(seat(1)))
    assert (status, answer) == (200, {"eligible": True, "reason": None})
    status, answer = create_route(
        "/orders/{tenantId}/preview/eligibility",
        order({"product_type": "ticket", "product_id": "vip", "quantity": 1}),
    )
    assert answer["eligible"] is False
    assert "ticket/vip" in answer["reason"]


def test_the_preview_manifest_reports_what_a_create_would_refuse_and_reserves_nothing() -> None:
    # GIVEN a strict catalogue, a sold-out seat line, an ineligible VIP line, an unknown product
    assert call(route("PUT", "/orders/{tenantId}/catalogue/settings", body={"strict": True}))[0] == 200
    body = order(
        seat(4, order_line_item_id="A"),
        {"product_type": "ticket", "product_id": "vip", "quantity": 1, "order_line_item_id": "B"},
        {
            "product_type": "ticket",
            "product_id": "gone",
            "quantity": 1,
            "unit_price": 9,
            "order_line_item_id": "C",
        },
    )
    status, preview = create_route("/orders/{tenantId}/preview", body)
    assert status == 200, preview
    codes = [(e["code"], e["order_line_item_id"]) for e in preview["manifest"]["errors"]]
    assert codes == [("SOLD_OUT", "A"), ("INELIGIBLE", "B"), ("UNKNOWN_PRODUCT", "C")]
    assert preview["manifest"]["product_availability"] == [
        {"order_line_item_id": "A", "line_number": 1, "status": "SOLD_OUT"},
        {"order_line_item_id": "B", "line_number": 2, "status": "OK"},
    ]
    assert Decimal(str(preview["order"]["total"])) == Decimal("229")  # 4 x 30 + 100 + 9
    assert [(p["id"], p["availability"]) for p in preview["products"]] == [
        ("seat", "SOLD_OUT"),
        ("vip", "OK"),
    ]
    assert preview["line_item_mappings"] == {"0": "A", "1": "B", "2": "C"}
    # THEN the create itself refuses it, and nothing was reserved by the preview
    assert get_product("seat")[1]["stock_available"] == 3


def test_a_shippable_preview_lists_shipping_options_and_says_when_none_is_the_default() -> None:
    shipping = "/orders/{tenantId}/catalogue/shipping/{shippingId}"
    call(route("PUT", shipping, {"shippingId": "post"}, body={"name": "Post", "cost": 4}))
    status, preview = create_route("/orders/{tenantId}/preview", order(seat(1, shippable=True)))
    assert status == 200, preview
    assert [s["id"] for s in preview["manifest"]["shipping_options"]] == ["post"]
    assert [(e["code"], e["order_line_item_id"]) for e in preview["manifest"]["errors"]] == [
        ("NO_DEFAULT_SHIPPING_PRODUCT", None)
    ]
    call(route("PUT", shipping, {"shippingId": "post"}, body={"name": "Post", "cost": 4, "default": True}))
    assert (
        create_route("/orders/{tenantId}/preview", order(seat(1, shippable=True)))[1]["manifest"]["errors"]
        == []
    )
    # an order with nothing to ship lists no options
    assert create_route("/orders/{tenantId}/preview", order(seat(1)))[1]["manifest"]["shipping_options"] == []


def test_open_credits_lower_what_is_due_unless_the_order_says_not_to() -> None:
    for amount, currency in [(25, "USD"), (10, "USD"), (7, "EUR")]:
        grant = {**CREDIT, "customer_id": "c-1", "amount": amount, "currency_code": currency}
        assert call(route("POST", CREDITS, body=grant))[0] == 201
    paid = order(seat(2), payment_info={"type": "card"})
    status, preview = create_route("/orders/{tenantId}/preview", paid)
    assert status == 200, preview
    manifest = preview["manifest"]
    assert [c["number"] for c in manifest["open_credits"]] == [1, 2, 3]
    assert Decimal(str(manifest["open_credit_balance"])) == Decimal("35")
    assert Decimal(str(manifest["total_amount_due_at_checkout"])) == Decimal("25")  # 60 - 35
    assert [Decimal(str(p["amount_due"])) for p in manifest["payments_due"]] == [Decimal("25")]
    status, kept = create_route("/orders/{tenantId}/preview", {**paid, "do_not_apply_open_credits": True})
    assert (kept["manifest"]["open_credits"], Decimal(str(kept["manifest"]["open_credit_balance"]))) == (
        [],
        0,
    )
    assert Decimal(str(kept["manifest"]["total_amount_due_at_checkout"])) == Decimal("60")


def test_the_catalogue_reads_are_reads_a_write_only_key_cannot_make() -> None:
    for resource in ("/orders/{tenantId}/availability", "/orders/{tenantId}/preview/price"):
        assert create_route(resource, order(seat(1)), scopes="orders:write")[0] == 403


def test_a_line_with_no_price_and_no_product_is_told_which_field_it_lacks() -> None:
    status, problem = create_route("/orders/{tenantId}/preview", order({"quantity": 1}))
    assert status == 400, problem
    (error,) = problem["errors"]
    assert error["field"] == "line_items[0]"
    assert "unit_price is required unless the line names a catalogue product" in error["error"]
