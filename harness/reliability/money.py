"""The money rules every order keeps (API.md's, checked by the invariant checker and by each case),
and the domain's own (`domain.money_rules.money_problems`) beside them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def money_problems(order: Any) -> list[str]:
    """API.md's rules that every order keeps at every state."""
    problems = []
    lines = order.line_items
    if order.subtotal != sum((li.total + li.discounts - li.taxes for li in lines), Decimal(0)):
        problems.append("subtotal is not the lines' gross")
    if order.discounts != sum((li.discounts for li in lines), Decimal(0)):
        problems.append("discounts are not the lines'")
    if order.taxes != sum((li.taxes for li in lines), Decimal(0)):
        problems.append("taxes are not the lines'")
    if order.total != order.subtotal - order.discounts + order.taxes + order.shipping_charges:
        problems.append("total != subtotal - discounts + taxes + shipping")
    paid = order.amount_paid + order.amount_pending_capture - order.amount_refunded
    if order.balance_due != order.total - paid:
        problems.append("balance_due != total - (paid + pending - refunded)")
    if order.amount_refunded > order.amount_paid:
        problems.append("refunded more than paid")
    from orders_domain.domain.lifecycle import goods_lines

    for li in goods_lines(lines):  # a refund line's quantity is negative: refund_problems checks it
        if li.quantity_shipped + li.quantity_cancelled > li.quantity:
            problems.append(f"line {li.line_number}: shipped + cancelled > quantity")
        if li.quantity_returned > li.quantity_shipped:
            problems.append(f"line {li.line_number}: returned > shipped")
    if order.sys_version < 1:
        problems.append("version below 1")
    return problems


def all_money_problems(order: Any) -> list[str]:
    """The harness's money rules and the domain's own (domain.money_rules.money_problems) on an order."""
    from orders_domain.domain.money_rules import money_problems as domain_rules

    return list(dict.fromkeys([*money_problems(order), *domain_rules(order)]))
