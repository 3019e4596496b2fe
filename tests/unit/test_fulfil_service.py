"""Fulfil and cancel as pure functions (domain.fulfil_rules) on orders made by CreateOrders (no HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from orders_domain.domain import lifecycle, money
from orders_domain.domain.errors import Unprocessable
from orders_domain.domain.fulfil_rules import cancel, fulfil
from orders_domain.domain.lifecycle import (
    LineStatus,
    OrderStateConflict,
    OrderStatus,
    PaymentStatus,
    ShippingStatus,
)
from orders_domain.domain.money_rules import money_problems
from orders_domain.models import Order, OrderCreateRequest
from orders_domain.models.fulfillments import CancelItemInput, FulfilRequest
from orders_domain.services import CreateOrders, Pricing
from pydantic import ValidationError

from tests.fakes import InMemoryOrderRepository

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
LATER = datetime(2026, 3, 5, 8, 0, 0, tzinfo=UTC)
TENANT = "t"


def theatre_body(**changes: Any) -> dict[str, Any]:
    """seeds/000: two adult tickets at 13.75, 1.50 fees each (as taxes here), paid by card: 30.50."""
    body: dict[str, Any] = {
        "line_items": [
            {
                "order_line_item_id": "L1",
                "quantity": 2,
                "unit_price": "13.75",
                "taxes": "3.00",
                "sku": "TICKET-GA-26250946-ADULT",
            }
        ],
        "payment_info": {"type": "Visa"},
    }
    body.update(changes)
    return body


def make_order(body: dict[str, Any]) -> Order:
    request = OrderCreateRequest.model_validate(body)
    creator = CreateOrders(InMemoryOrderRepository(), pricing=Pricing(clock=lambda: NOW))
    return creator.create(request, tenant_id=TENANT, actor="key_a").order


def three_unit_order() -> Order:
    return make_order(
        {
            "line_items": [
                {
                    "order_line_item_id": "L1",
                    "quantity": 3,
                    "unit_price": "10.01",
                    "taxes": "1.00",
                    "sku": "A",
                    "shippable": True,
                },
                {"order_line_item_id": "L2", "quantity": 1, "unit_price": "5.00", "sku": "B"},
            ],
            "payment_info": {"type": "card"},
            "shipping_charges": "4.00",
            "coupons": [{"coupon_id": "c1", "discount": "2.00"}],
        }
    )


def items(*entries: tuple[str, int, int]) -> FulfilRequest:
    return FulfilRequest.model_validate(
        {"items": [{"order_line_item_id": i, "quantity": q, "cancel_quantity": c} for i, q, c in entries]}
    )


def line(order: Order, line_id: str) -> Any:
    return next(li for li in order.line_items if li.order_line_item_id == line_id)


def settled_sum(order: Order) -> Decimal:
    return sum((p.amount for p in order.payments if p.status == PaymentStatus.SETTLED), money.ZERO)


# ------------------------------------------------------------------ the theatre flow (seeds/000)
def test_given_a_paid_theatre_order_when_fulfilled_with_no_body_then_all_is_fulfilled_and_settled() -> None:
    # GIVEN the seed's order: 2 tickets, 30.50 authorised
    order = make_order(theatre_body())
    assert order.total == Decimal("30.50")
    # WHEN it is fulfilled with no body
    done, record = fulfil(order, None, now=LATER, fulfillment_id="f1")
    # THEN order and line are fulfilled, the payment settled, nothing due, everything paid
    assert done.status == OrderStatus.FULFILLED
    assert [li.status for li in done.line_items] == [LineStatus.FULFILLED]
    assert [(p.status, p.amount) for p in done.payments] == [(PaymentStatus.SETTLED, Decimal("30.50"))]
    assert done.balance_due == 0
    assert done.amount_paid == done.total == Decimal("30.50")
    assert done.amount_pending_capture == 0
    assert money_problems(done) == []
    li = done.line_items[0]
    assert (li.quantity_shipped, li.quantity_to_be_shipped, li.quantity_available_for_return) == (2, 0, 2)
    # AND the record lists the line with its sku
    assert record.order_id == order.id
    assert record.created_time == LATER
    assert record.currency == "USD"
    assert [(i.order_line_item_id, i.sku, i.quantity, i.cancel_quantity) for i in record.items] == [
        ("L1", "TICKET-GA-26250946-ADULT", 2, 0)
    ]


# ------------------------------------------------------------------ 1 + 1, then cancel the rest
def test_given_a_3_unit_line_when_fulfilled_1_and_1_then_the_rest_cancelled_then_2_shipped_1_cancelled() -> (
    None
):
    # GIVEN a 3-unit line (30.03 + 1.00 taxes - its share of a 2.00 coupon), another line and shipping
    order = three_unit_order()
    l1 = line(order, "L1")
    assert money_problems(order) == []
    # WHEN one unit is fulfilled
    first, rec1 = fulfil(
        order,
        FulfilRequest.model_validate(
            {"items": [{"order_line_item_id": "L1", "quantity": 1}], "tracking_number": "T1"}
        ),
        now=LATER,
        fulfillment_id="f1",
    )
    # THEN a third of the line and the shipping are captured; the line is partly fulfilled
    one_unit = money.rounded(l1.total / 3, "USD")
    assert first.amount_paid == one_unit + order.shipping_charges
    assert line(first, "L1").status == LineStatus.PARTIALLY_FULFILLED
    assert first.status == OrderStatus.PARTIALLY_FULFILLED
    assert first.sys_shippable_status == ShippingStatus.PARTIALLY_SHIPPED
    assert rec1.tracking_number == "T1"
    assert money_problems(first) == []
    assert settled_sum(first) == first.amount_paid
    # WHEN a second unit is fulfilled
    second, _ = fulfil(first, items(("L1", 1, 0)), now=LATER, fulfillment_id="f2")
    assert money_problems(second) == []
    # AND the rest is cancelled
    third = cancel(second, [CancelItemInput(order_line_item_id="L1", quantity=1)], reason="out of stock")
    assert money_problems(third) == []
    # THEN 2 shipped, 1 cancelled; the line is fulfilled and paid for 2 units only
    li = line(third, "L1")
    assert (li.quantity_shipped, li.quantity_cancelled, li.quantity_to_be_shipped) == (2, 1, 0)
    assert li.status == LineStatus.FULFILLED
    assert li.amount_paid == line(second, "L1").amount_paid == li.total
    assert li.amount_pending_capture == 0
    two_units = one_unit + money.rounded((l1.total - one_unit) / 2, "USD")
    assert li.amount_paid == two_units
    # AND the other line is still open, so the order is partly fulfilled and its payment still pending
    assert third.status == OrderStatus.PARTIALLY_FULFILLED
    assert third.sys_shippable_status == ShippingStatus.SHIPPED
    assert third.amount_pending_capture == line(third, "L2").total
    assert settled_sum(third) == third.amount_paid


def test_given_a_fulfilment_that_fulfils_and_cancels_when_applied_then_both_happen_in_one_call() -> None:
    order = three_unit_order()
    done, record = fulfil(order, items(("L1", 2, 1), ("L2", 1, 0)), now=LATER, fulfillment_id="f1")
    assert money_problems(done) == []
    assert done.status == OrderStatus.FULFILLED
    assert done.balance_due == 0
    assert done.amount_pending_capture == 0
    # AND what was captured is settled; the cancelled unit's cost, the last of the pending entry, voided
    assert sorted(p.status for p in done.payments) == [PaymentStatus.SETTLED, PaymentStatus.VOIDED]
    assert settled_sum(done) == done.amount_paid
    assert [(i.quantity, i.cancel_quantity) for i in record.items] == [(2, 1), (1, 0)]


# ------------------------------------------------------------------ refusals
def test_given_an_open_line_when_more_than_open_is_fulfilled_then_422_names_the_item() -> None:
    order = three_unit_order()
    with pytest.raises(Unprocessable) as raised:
        fulfil(order, items(("L1", 3, 1)), now=LATER, fulfillment_id="f1")
    assert [e.field for e in raised.value.errors] == ["items[0]"]


def test_given_an_unknown_line_or_an_empty_item_when_fulfilled_then_422_names_each() -> None:
    order = three_unit_order()
    with pytest.raises(Unprocessable) as raised:
        fulfil(order, items(("nope", 1, 0), ("L1", 0, 0), ("L2", 1, 0)), now=LATER, fulfillment_id="f")
    assert [e.field for e in raised.value.errors] == ["items[0].order_line_item_id", "items[1]"]


def test_given_a_line_named_twice_when_a_fulfil_request_is_read_then_it_is_refused_naming_the_line() -> None:
    # GIVEN items naming L2 twice (the units would be counted twice)
    # WHEN the request is read THEN it is refused as a repeated id naming L2 (the API answers 422)
    with pytest.raises(ValidationError) as raised:
        items(("L2", 1, 0), ("L2", 0, 1))
    assert [e["type"] for e in raised.value.errors()] == ["duplicate_id"]
    assert "L2" in str(raised.value)


def test_given_a_cancelled_order_when_fulfilled_then_409() -> None:
    order = cancel(three_unit_order())
    assert order.status == OrderStatus.CANCELLED
    with pytest.raises(OrderStateConflict):
        fulfil(order, None, now=LATER, fulfillment_id="f1")


def test_given_fulfilled_units_when_cancelled_then_409_says_refund_them() -> None:
    order, _ = fulfil(three_unit_order(), items(("L1", 2, 0)), now=LATER, fulfillment_id="f1")
    with pytest.raises(OrderStateConflict) as raised:
        cancel(order, [CancelItemInput(order_line_item_id="L1", quantity=2)])
    assert "refund" in raised.value.detail
    assert [e.field for e in raised.value.errors] == ["items[0].quantity"]


def test_given_a_fully_fulfilled_order_when_cancelled_then_409() -> None:
    order, _ = fulfil(three_unit_order(), None, now=LATER, fulfillment_id="f1")
    with pytest.raises(OrderStateConflict):
        cancel(order)


# ------------------------------------------------------------------ whole cancel (PUT cancel too)
@pytest.mark.parametrize("paid", [True, False])
def test_given_an_unshipped_order_when_cancelled_whole_then_what_it_cost_is_voided_and_the_record_kept(
    paid: bool,
) -> None:
    order = make_order(
        {
            "line_items": [
                {
                    "order_line_item_id": "L1",
                    "quantity": 3,
                    "unit_price": "10.01",
                    "taxes": "1.00",
                    "shippable": True,
                },
                {"order_line_item_id": "L2", "quantity": 1, "unit_price": "5.00"},
            ],
            "shipping_charges": "4.00",
            "coupons": [{"coupon_id": "c1", "discount": "2.00"}],
            **({"payment_info": {"type": "card"}} if paid else {}),
        }
    )
    done = cancel(order, reason="changed my mind")
    assert done.status == OrderStatus.CANCELLED
    assert done.sys_shippable_status is None
    zero = (done.subtotal, done.discounts, done.taxes, done.shipping_charges, done.total)
    assert zero == (0, 0, 0, 0, 0)
    assert (done.amount_pending_capture, done.balance_due, done.amount_paid) == (0, 0, 0)
    for before, after in zip(order.line_items, done.line_items, strict=True):
        assert after.status == LineStatus.CANCELLED
        assert (after.quantity, after.unit_price) == (before.quantity, before.unit_price)
        assert after.quantity_cancelled == before.quantity
        assert (after.total, after.discounts, after.taxes, after.amount_pending_capture) == (0, 0, 0, 0)
    assert [p.status for p in done.payments] == ([PaymentStatus.VOIDED] if paid else [])
    assert money_problems(done) == []


def test_given_an_order_awaiting_payment_when_fulfilled_then_nothing_is_captured_and_the_balance_stays() -> (
    None
):
    order = make_order(theatre_body(payment_info=None))
    done, _ = fulfil(order, None, now=LATER, fulfillment_id="f1")
    assert done.status == OrderStatus.FULFILLED
    assert done.amount_paid == 0
    assert done.balance_due == order.total
    assert money_problems(done) == []


# ------------------------------------------------------------------ property: any sequence of steps
cents = st.integers(min_value=0, max_value=5_000).map(lambda c: Decimal(c).scaleb(-2))


@st.composite
def orders(draw: st.DrawFn) -> Order:
    count = draw(st.integers(min_value=1, max_value=4))
    lines: list[dict[str, Any]] = [
        {
            "order_line_item_id": f"L{i}",
            "quantity": draw(st.integers(min_value=1, max_value=5)),
            "unit_price": str(draw(cents)),
            "taxes": str(draw(cents)),
            "shippable": draw(st.booleans()),
            "sku": f"S{i}",
        }
        for i in range(count)
    ]
    gross = sum((Decimal(li["quantity"]) * Decimal(li["unit_price"]) for li in lines), money.ZERO)
    discount = draw(st.integers(min_value=0, max_value=int(gross * 100)))
    body: dict[str, Any] = {
        "line_items": lines,
        "shipping_charges": str(draw(cents)),
        "coupons": [{"coupon_id": "c", "discount": str(Decimal(discount).scaleb(-2))}],
    }
    if draw(st.booleans()):
        body["payment_info"] = {"type": "card"}
    return make_order(body)


def _check(order: Order) -> None:
    assert money_problems(order) == []
    for li in lifecycle.goods_lines(order.line_items):
        assert li.quantity_shipped + li.quantity_cancelled <= li.quantity
    assert settled_sum(order) == order.amount_paid


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order=orders(), data=st.data())
def test_given_any_order_when_fulfilled_and_cancelled_in_random_steps_then_the_money_always_holds(
    order: Order, data: st.DataObject
) -> None:
    _check(order)
    for step in range(data.draw(st.integers(min_value=0, max_value=6))):
        open_lines = [li for li in order.line_items if lifecycle.line_open_quantity(li) > 0]
        if not open_lines:
            break
        li = data.draw(st.sampled_from(open_lines))
        still_open = lifecycle.line_open_quantity(li)
        q = data.draw(st.integers(min_value=0, max_value=still_open))
        c = data.draw(st.integers(min_value=0, max_value=still_open - q))
        if q + c == 0:
            q = 1
        if c and not q and data.draw(st.booleans()):
            order = cancel(order, [CancelItemInput(order_line_item_id=li.order_line_item_id, quantity=c)])
        else:
            order, _ = fulfil(
                order, items((li.order_line_item_id, q, c)), now=LATER, fulfillment_id=f"f{step}"
            )
        _check(order)
    if lifecycle.open_quantity(order.line_items) == 0:
        return
    # WHEN everything left is fulfilled THEN exactly what was pending is captured
    pending, paid = order.amount_pending_capture, order.amount_paid
    done, _ = fulfil(order, None, now=LATER, fulfillment_id="last")
    _check(done)
    assert done.amount_paid - paid == pending
    assert done.amount_pending_capture == 0
    assert done.status == OrderStatus.FULFILLED
    assert done.balance_due == (order.balance_due if order.payments else done.total)


def test_given_a_partly_fulfilled_order_when_cancelled_whole_then_its_open_units_go_and_it_is_fulfilled() -> (
    None
):
    order, _ = fulfil(three_unit_order(), items(("L1", 1, 0)), now=LATER, fulfillment_id="f1")
    done = cancel(order)
    assert money_problems(done) == []
    assert done.status == OrderStatus.FULFILLED
    assert [(li.quantity_shipped, li.quantity_cancelled) for li in done.line_items] == [(1, 2), (0, 1)]
    assert line(done, "L2").status == LineStatus.CANCELLED
    assert done.amount_pending_capture == 0
    assert done.balance_due == 0
    assert done.amount_paid == order.amount_paid == done.total
    assert PaymentStatus.PENDING not in {p.status for p in done.payments}
