"""The catalogue's model and rules (issue 31): what an admin may put (the first and last valid value
of each field and one past it), a price with options, availability levels, eligibility, and the
service on its in-memory port."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from orders_domain.domain import catalogue_rules as rules
from orders_domain.domain.catalogue_rules import Availability
from orders_domain.domain.errors import NotFound, ValidationFailed
from orders_domain.models.catalogue import MAX_STOCK, Product, ProductInput
from orders_domain.services.catalogue import KeepCatalogue
from pydantic import ValidationError

from tests.fakes import InMemoryCatalogue, InMemoryCredits

BODY: dict[str, Any] = {"name": "Seat", "unit_price": "12.50", "currency_code": "EUR", "stock": 5}


def body(**changes: Any) -> ProductInput:
    return ProductInput.model_validate({**BODY, **changes})


def product(**changes: Any) -> Product:
    return Product.of("t", "ticket", "p1", body(**changes))


@pytest.mark.parametrize(
    ("changes", "ok"),
    [
        ({"stock": 0}, True),
        ({"stock": MAX_STOCK}, True),
        ({"stock": MAX_STOCK + 1}, False),
        ({"stock": -1}, False),
        ({"stock": 1.5}, False),
        ({"stock": None}, True),
        ({"unit_price": "0.00"}, True),
        ({"unit_price": "-0.01"}, False),
        ({"unit_price": "12.505"}, False),  # not whole cents of EUR
        ({"unit_price": "1000000000.00"}, True),
        ({"unit_price": "1000000000.01"}, False),
        ({"currency_code": "JPY", "unit_price": "12"}, True),
        ({"currency_code": "JPY", "unit_price": "12.50"}, False),
        ({"currency_code": "XXZ"}, False),
        ({"tax_rate": "1"}, True),
        ({"tax_rate": "1.01"}, False),
        ({"offer_kind": "deal"}, True),
        ({"offer_kind": "voucher"}, False),
        ({"name": ""}, False),
        ({"name": "x" * 200}, True),
        ({"name": "x" * 201}, False),
        ({"vouchers": []}, False),  # unknown fields (a voucher code in a request among them) are refused
        ({"variant_options": [{"option_id": "a", "value": "A"}, {"option_id": "a", "value": "B"}]}, False),
        ({"eligibility": {"customer_types": ["contact", "contact"]}}, False),
        ({"eligibility": {"customer_types": ["person"]}}, False),
    ],
)
def test_given_a_product_body_when_validated_then_the_edges_hold(changes: dict[str, Any], ok: bool) -> None:
    if ok:
        assert body(**changes).name
    else:
        with pytest.raises(ValidationError):
            body(**changes)


@pytest.mark.parametrize(
    ("stock", "quantity", "expected"),
    [
        (None, 10**6, Availability.OK),
        (10, 5, Availability.OK),  # 5 left: not under the threshold of 5
        (10, 6, Availability.LOW),
        (10, 10, Availability.LOW),
        (10, 11, Availability.SOLD_OUT),
        (0, 1, Availability.SOLD_OUT),
    ],
)
def test_given_stock_and_a_quantity_when_asked_then_ok_low_or_sold_out(
    stock: int | None, quantity: int, expected: Availability
) -> None:
    assert rules.availability(product(stock=stock), quantity) is expected


def test_given_options_when_priced_then_their_deltas_add_and_a_price_never_goes_below_zero() -> None:
    priced = product(
        variant_options=[{"option_id": "vip", "value": "VIP", "price_delta": "7.50"}],
        modifier_options=[{"option_id": "kid", "value": "Child", "price_delta": "-20.00"}],
    )
    assert rules.unit_price(priced) == Decimal("12.50")
    assert rules.unit_price(priced, ["vip"]) == Decimal("20.00")
    free = rules.unit_price(priced, [], ["kid"])
    assert (free, str(free)) == (Decimal(0), "0.00")
    with pytest.raises(ValidationFailed) as refused:
        rules.unit_price(priced, ["gold"], field="line_items[0]")
    assert refused.value.errors[0].field == "line_items[0].variant_options[0]"


@pytest.mark.parametrize(
    ("rule", "party", "eligible"),
    [
        (None, ("contact", "c1"), True),
        ({"customer_types": ["organization"]}, ("contact", "c1"), False),
        ({"customer_types": ["contact"]}, ("contact", "c1"), True),
        ({"customer_ids": ["c2"]}, ("contact", "c1"), False),
        ({"customer_types": ["contact"], "customer_ids": ["c1"]}, ("contact", "c1"), True),
        ({"customer_ids": ["c1"]}, (None, None), False),
    ],
)
def test_given_an_eligibility_rule_when_a_party_asks_then_it_is_judged(
    rule: dict[str, Any] | None, party: tuple[str | None, str | None], eligible: bool
) -> None:
    reason = rules.ineligible_reason(product(eligibility=rule), *party)
    assert (reason is None) is eligible


def test_given_the_service_when_a_product_is_put_read_and_deleted_then_a_second_delete_is_404() -> None:
    keep = KeepCatalogue(InMemoryCatalogue(), InMemoryCredits())
    put = keep.put_product("t", "ticket", "p1", body())
    assert keep.product("t", "ticket", "p1") == put
    with pytest.raises(NotFound):
        keep.product("other-tenant", "ticket", "p1")
    keep.delete_product("t", "ticket", "p1")
    with pytest.raises(NotFound):
        keep.delete_product("t", "ticket", "p1")
