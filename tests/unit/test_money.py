"""Money rules as properties: whatever the order, the totals add up to the cent."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from orders_domain.domain import money
from orders_domain.domain.errors import Unprocessable
from orders_domain.models import OrderCreateRequest
from orders_domain.services import Pricing


def service() -> Pricing:
    # Pricing has no storage at all: it cannot touch the table.
    return Pricing(clock=lambda: datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))


CENT = Decimal("0.01")
cents = st.integers(min_value=0, max_value=10_000_00).map(lambda c: Decimal(c) / 100)
lines = st.lists(
    st.fixed_dictionaries(
        {"quantity": st.integers(1, 50), "unit_price": cents, "taxes": cents, "shippable": st.booleans()}
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(lines=lines, shipping=cents, coupon_share=st.fractions(0, 1), paid=st.booleans())
def test_totals_always_add_up(
    lines: list[dict[str, Any]], shipping: Decimal, coupon_share: Fraction, paid: bool
) -> None:
    # GIVEN any order, with a coupon worth a share of its subtotal
    subtotal = sum((Decimal(ln["quantity"]) * ln["unit_price"] for ln in lines), Decimal(0))
    share = Decimal(coupon_share.numerator) / Decimal(coupon_share.denominator)
    discount = (subtotal * share).quantize(CENT, rounding=ROUND_DOWN)
    body: dict[str, object] = {"line_items": lines, "shipping_charges": shipping}
    if discount:
        body["coupons"] = [{"coupon_id": "C", "discount": discount}]
    if paid:
        body["payment_info"] = {"type": "credit card"}
    # WHEN it is priced
    order = service().price(OrderCreateRequest.model_validate(body), tenant_id="t", actor="a")
    # THEN every rule of API.md holds exactly
    assert order.subtotal == subtotal
    assert order.discounts == discount
    assert sum(li.discounts for li in order.line_items) == discount
    assert order.taxes == sum(li.taxes for li in order.line_items)
    assert order.total == order.subtotal - order.discounts + order.taxes + order.shipping_charges
    assert sum(li.total for li in order.line_items) + order.shipping_charges == order.total
    assert order.balance_due == order.total - (
        order.amount_paid + order.amount_pending_capture - order.amount_refunded
    )
    assert order.amount_refunded <= order.amount_paid
    for li in order.line_items:
        assert Decimal(0) <= li.discounts <= li.quantity * li.unit_price
        assert li.total == li.total.quantize(CENT)
    if paid:
        assert order.status == "paid"
        assert order.balance_due == 0
        assert [p.amount for p in order.payments] == [order.total]
    else:
        assert order.status == "awaiting payment"
        assert order.balance_due == order.total
    assert order.shippable == any(ln["shippable"] for ln in lines)


@settings(deadline=None)
@given(
    amount=st.integers(0, 10**9).map(lambda c: Decimal(c) / 100),
    weights=st.lists(st.integers(0, 10**6).map(Decimal), min_size=1, max_size=20),
)
def test_allocation_never_loses_or_invents_a_cent(amount: Decimal, weights: list[Decimal]) -> None:
    parts = money.allocate(amount, weights, "USD")
    assert sum(parts, Decimal(0)) == amount
    assert all(p >= 0 for p in parts)
    assert all(p == p.quantize(CENT) for p in parts)


def test_allocation_in_a_currency_without_minor_units() -> None:
    assert money.allocate(Decimal(100), [Decimal(1)] * 3, "JPY") == [Decimal(34), Decimal(33), Decimal(33)]


def test_rounding_is_half_even() -> None:
    assert money.rounded(Decimal("0.125"), "USD") == Decimal("0.12")
    assert money.rounded(Decimal("0.135"), "USD") == Decimal("0.14")
    assert money.rounded(Decimal("2.5"), "JPY") == Decimal(2)


def test_coupon_limited_to_some_lines_only_discounts_those() -> None:
    body = {
        "line_items": [
            {"order_line_item_id": "a", "quantity": 1, "unit_price": 10},
            {"order_line_item_id": "b", "quantity": 1, "unit_price": 30},
        ],
        "coupons": [{"coupon_id": "C", "discount": 5, "order_line_item_ids": ["a"]}],
    }
    order = service().price(OrderCreateRequest.model_validate(body), tenant_id="t", actor="a")
    assert [li.discounts for li in order.line_items] == [Decimal("5.00"), Decimal(0)]


def test_coupon_over_its_lines_is_422_even_when_the_order_could_cover_it() -> None:
    body = {
        "line_items": [
            {"order_line_item_id": "a", "quantity": 1, "unit_price": 10},
            {"order_line_item_id": "b", "quantity": 1, "unit_price": 30},
        ],
        "coupons": [{"coupon_id": "C", "discount": "10.01", "order_line_item_ids": ["a"]}],
    }
    with pytest.raises(Unprocessable):
        service().price(OrderCreateRequest.model_validate(body), tenant_id="t", actor="a")


def test_foreign_currency_totals_in_base_currency() -> None:
    body = {
        "currency_code": "EUR",
        "base_currency_code": "USD",
        "exchange_rate": "1.0825",
        "line_items": [{"quantity": 3, "unit_price": "19.99"}],
    }
    order = service().price(OrderCreateRequest.model_validate(body), tenant_id="t", actor="a")
    assert order.total == Decimal("59.97")
    assert order.total_in_base_currency == Decimal("64.92")  # 64.917525 half-even
