"""What fulfilling or cancelling units of a line captures or voids, and how that amount is taken
from the order's payment entries (the money decisions of domain.fulfil_rules' docstring).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from orders_domain.domain import lifecycle, money
from orders_domain.domain.lifecycle import PaymentStatus
from orders_domain.models import LineItem, Order

ZERO = money.ZERO


def open_value(line: LineItem, currency: str, has_payment: bool) -> Decimal:
    """What the line's open units cost (module docstring)."""
    if has_payment:
        return line.amount_pending_capture
    still_open = lifecycle.line_open_quantity(line)
    live = still_open + line.quantity_shipped
    if still_open == 0:
        return ZERO
    if still_open == live:
        return line.total
    return money.rounded(line.total * still_open / live, currency)


def share(value: Decimal, part: int, whole: int, currency: str) -> Decimal:
    """`part` of `whole` units' `value`, rounded; all of it when part is the whole (or there are none)."""
    if part == whole or whole == 0:
        return value
    return money.rounded(value * part / whole, currency)


def fulfilled_units(line: LineItem, units: int, currency: str, has_payment: bool) -> tuple[LineItem, Decimal]:
    if units == 0:
        return line, ZERO
    still_open = lifecycle.line_open_quantity(line)
    took = share(line.amount_pending_capture, units, still_open, currency) if has_payment else ZERO
    changed = line.model_copy(
        update={
            "quantity_shipped": line.quantity_shipped + units,
            "amount_paid": line.amount_paid + took,
            "amount_pending_capture": line.amount_pending_capture - took,
        }
    )
    return settled(changed), took


def cancelled_units(line: LineItem, units: int, currency: str, has_payment: bool) -> tuple[LineItem, Decimal]:
    if units == 0:
        return line, ZERO
    still_open = lifecycle.line_open_quantity(line)
    live = still_open + line.quantity_shipped
    kept = live - units
    void = share(open_value(line, currency, has_payment), units, still_open, currency)
    changed = line.model_copy(
        update={
            "quantity_cancelled": line.quantity_cancelled + units,
            "total": line.total - void,
            "discounts": share(line.discounts, kept, live, currency),
            "taxes": share(line.taxes, kept, live, currency),
            "amount_pending_capture": line.amount_pending_capture - (void if has_payment else ZERO),
        }
    )
    return settled(changed), void


def settled(line: LineItem) -> LineItem:
    """The line's counters, balance and status from its quantities and amounts."""
    still_open = lifecycle.line_open_quantity(line)
    counted = line.model_copy(
        update={
            "quantity_to_be_shipped": still_open,
            "quantity_available_for_cancellation": lifecycle.cancellable_quantity(line),
            "quantity_available_for_return": lifecycle.refundable_quantity(line),
            "balance_due": line.total
            - (line.amount_paid + line.amount_pending_capture - line.amount_refunded),
        }
    )
    return counted.model_copy(update={"status": lifecycle.line_status_after(counted)})


def with_rates(line: LineItem, order: Order) -> LineItem:
    return line.model_copy(
        update={"total_in_base_currency": in_base(line.total, order, line.total_in_base_currency)}
    )


def in_base(amount: Decimal, order: Order, was: Decimal | None) -> Decimal | None:
    """An amount in the base currency, where the order keeps one (`was` is not None)."""
    if was is None:
        return None
    rate = order.exchange_rate if order.exchange_rate is not None else Decimal(1)
    return money.converted(amount, rate, order.base_currency_code or order.currency_code)


def take_from_payments(
    payments: list[dict[str, Any]],
    amount: Decimal,
    status: PaymentStatus,
    *,
    new_id: str | None,
    now: datetime | None,
    line_ids: list[str],
) -> None:
    """Take `amount` from the pending entries, in order (module docstring: payments)."""
    left = amount
    children: list[dict[str, Any]] = []
    for entry in payments:
        if left <= 0:
            break
        if entry["status"] != PaymentStatus.PENDING or entry["amount"] <= 0:
            continue
        part = min(left, entry["amount"])
        left -= part
        if part == entry["amount"]:
            entry["status"] = status
            continue
        entry["amount"] -= part
        if status == PaymentStatus.SETTLED:
            children.append(
                {
                    "payment_id": f"{new_id}-{len(children) + 1}",
                    "type": entry["type"],
                    "amount": part,
                    "status": status,
                    "date": now,
                    "line_item_ids": list(line_ids),
                    "parent_payment_id": entry["payment_id"],
                }
            )
    payments.extend(children)
