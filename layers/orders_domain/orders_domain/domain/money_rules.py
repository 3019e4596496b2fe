"""API.md's money rules as checks: each rule an order breaks, named (empty when all hold).

Every change of an order keeps them (fulfil_rules, refund_rules, pricing); the tests and the
reliability harness check every order they see with `money_problems`. The sums the fulfil rules
share with them (what is pending beyond the lines, what shipping has been paid) are here too.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from orders_domain.domain import lifecycle, money
from orders_domain.domain.lifecycle import PaymentStatus
from orders_domain.models import LineItem, Order

ZERO = money.ZERO


def money_problems(order: Order) -> list[str]:
    """Each of API.md's money rules (and the fulfil rules') that the order breaks; empty when all hold."""
    problems = _order_problems(order)
    for line in lifecycle.goods_lines(order.line_items):
        problems += _line_problems(order, line)
    return problems


def _order_problems(order: Order) -> list[str]:
    lines = order.line_items
    checks = [
        (
            order.total == order.subtotal - order.discounts + order.taxes + order.shipping_charges,
            "order: total != subtotal - discounts + taxes + shipping_charges",
        ),
        (
            order.balance_due
            == order.total - (order.amount_paid + order.amount_pending_capture - order.amount_refunded),
            "order: balance_due != total - (amount_paid + amount_pending_capture - amount_refunded)",
        ),
        (order.amount_refunded <= order.amount_paid, "order: amount_refunded > amount_paid"),
        (order.amount_pending_capture >= 0, "order: amount_pending_capture < 0"),
        (
            order.total == sum_of(li.total for li in lines) + order.shipping_charges,
            "order: total != sum of line totals + shipping_charges",
        ),
        (order.discounts == sum_of(li.discounts for li in lines), "order: discounts != sum of lines'"),
        (order.taxes == sum_of(li.taxes for li in lines), "order: taxes != sum of lines'"),
        (order.amount_paid == sum_of(li.amount_paid for li in lines) + shipping_paid(order), "order: paid"),
        (
            order.amount_pending_capture == sum_of(pending_entries(order)),
            "order: amount_pending_capture != sum of pending payments",
        ),
        (
            order.amount_paid
            == sum_of(p.amount for p in order.payments if p.status == PaymentStatus.SETTLED),
            "order: amount_paid != sum of settled payments",
        ),
        (shipping_pending(order) >= 0, "order: lines pend more than the order"),
    ]
    return [what for ok, what in checks if not ok]


def _line_problems(order: Order, li: LineItem) -> list[str]:
    at = f"line {li.line_number}"
    checks = [
        (
            li.balance_due == li.total - (li.amount_paid + li.amount_pending_capture - li.amount_refunded),
            f"{at}: balance_due != total - (amount_paid + amount_pending_capture - amount_refunded)",
        ),
        (min(li.total, li.discounts, li.taxes, li.amount_paid, li.amount_pending_capture) >= 0, f"{at}: < 0"),
        (li.amount_paid + li.amount_pending_capture <= li.total, f"{at}: paid and pending exceed its total"),
        (li.quantity_shipped + li.quantity_cancelled <= li.quantity, f"{at}: shipped + cancelled > quantity"),
        (li.quantity_returned <= li.quantity_shipped, f"{at}: refunded more units than shipped"),
        (li.amount_refunded <= li.amount_paid, f"{at}: amount_refunded > amount_paid"),
    ]
    if li.quantity_cancelled == 0 and order.status != lifecycle.OrderStatus.VOIDED:
        gross = money.rounded(li.quantity * li.unit_price, order.currency_code)
        checks.append(
            (li.total == gross - li.discounts + li.taxes, f"{at}: total != quantity * unit_price - ...")
        )
    if li.quantity_cancelled == li.quantity:
        checks.append((li.total == li.discounts == li.taxes == 0, f"{at}: cancelled, yet has amounts"))
    return [what for ok, what in checks if not ok]


def sum_of(values: Any) -> Decimal:
    return sum(values, ZERO)


def pending_entries(order: Order) -> list[Decimal]:
    return [p.amount for p in order.payments if p.status == PaymentStatus.PENDING]


def shipping_pending(order: Order) -> Decimal:
    """The order's pending amount beyond its lines': its shipping charges, until the first shipment."""
    return order.amount_pending_capture - sum_of(li.amount_pending_capture for li in order.line_items)


def shipping_paid(order: Order) -> Decimal:
    """Shipping captured: all of it once anything shipped on an order with a payment."""
    has_payment = any(p.status != PaymentStatus.REFUNDED for p in order.payments)
    if has_payment and lifecycle.shipped_quantity(order.line_items) > 0:
        return order.shipping_charges
    return ZERO
