"""Refund lines of an order: a pure function of the order and the request (no I/O), and the built-in
refund reasons (the theatre API's nine guest self-service reasons, seeds/001).

Money decisions (API.md's rules hold after every refund: `money_problems`):

- A refund names lines by `line_number` and refunds every fulfilled, not yet refunded unit of each
  (`lifecycle.refundable_quantity`). All or nothing: an unknown reason or line is a 422, a line that
  cannot be refunded a 409 naming it and its reason (`refundability.non_refundable_reason`; on the guest
  route `non_self_service_refundable_reason`, and the reason must be a self-service one).
- What is refunded for a line is what was captured for those units and not yet refunded
  (`amount_paid - amount_refunded`): the line's `amount_refunded` and the order's rise by it. On a line
  nothing was captured for (an order fulfilled while awaiting payment), nothing is paid back: the
  refund lowers what is owed instead, by the units' share of the line's remaining value.
- Each refunded line gets an appended refund line: the next `line_number`, status `refunded`,
  `parent_line_item_id` the refunded line, `quantity` the units negated, the same `unit_price`, and
  negative `total` (minus the value refunded), `discounts` and `taxes` (minus the units' shares), with
  `refund_date` and `refund_reason_name`. The refunded line keeps its total and status (the record
  of the sale) and counts the units in `quantity_returned`. The order's subtotal, discounts, taxes and
  total fall by the refund lines' amounts.
- The payment side: the amount is taken from the settled payments in order (what earlier refunds
  took from each counted); each one touched gets a `refunded` entry of the negative amount
  (`payment_id` `<refund id>-<n>`, `parent_payment_id` the settled entry) and a `refunded_payments`
  row (`payment_id` the settled entry, `refund_payment_id` the new one, amount, date, line numbers).
- Status: `refunded` once nothing is open and nothing fulfilled is left to refund, else `partially
  refunded`; a closed order stays closed. Shipping charges are not refunded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from orders_domain.domain import lifecycle, money, refundability
from orders_domain.domain.captures import in_base, share
from orders_domain.domain.errors import AlreadyRefunded, FieldError, NotFound, Unprocessable
from orders_domain.domain.lifecycle import (
    LineStatus,
    Operation,
    OrderStateConflict,
    OrderStatus,
    PaymentStatus,
)
from orders_domain.models import LineItem, Order
from orders_domain.models.refunds import GUEST_SELF_SERVICE, RefundReason

ZERO = money.ZERO

#: The theatre API's guest self-service reasons (seeds/001), every tenant's.
BUILT_IN_REASONS: tuple[RefundReason, ...] = tuple(
    RefundReason(name=name, description=description, type_description=GUEST_SELF_SERVICE, self_service=True)
    for name, description in (
        ("ChangedMindCannotMakeShow", "Changed Mind/Can't Make Show"),
        ("SelfServiceRefund", "Self Service Refund"),
        ("TooManyTickets", "Too Many Tickets"),
        ("WrongDay", "Wrong Day"),
        ("WrongMovieFormat", "Wrong Movie/Format"),
        ("WrongSeats", "Wrong Seat(s)"),
        ("WrongTheatre", "Wrong Theatre"),
        ("WrongTicketType", "Wrong Ticket Type"),
        ("WrongTime", "Wrong Time"),
    )
)


#: The reason a coupon-code action's refund gives (seeds/003 `options.action: refund`); admin only.
COUPON_CODE_ACTION_REASON = RefundReason(
    name="coupon_code_action",
    description="Coupon code action",
    type_description="Administrative",
    self_service=False,
)


def coupon_code_lines(order: Order, coupon_code_id: str) -> list[int]:
    """The line numbers a coupon-code refund refunds: the lines the order's coupons of that code
    applied to (`order_line_item_ids`; none named: every line) that can be refunded now. 404 when the
    order used no such code; 409 `already_refunded` when those lines are refunded already; when none
    can be refunded for another reason, all of them (the refund then says why, line by line)."""
    coupons = [c for c in order.coupons if c.coupon_code_id == coupon_code_id]
    if not coupons:
        raise NotFound(f"The order used no coupon code '{coupon_code_id}'.")
    named: set[str] = set()
    every_line = False
    for coupon in coupons:
        if coupon.order_line_item_ids is None:
            every_line = True
        else:
            named.update(coupon.order_line_item_ids)
    lines = [
        li
        for li in order.line_items
        if not lifecycle.is_refund_line(li) and (every_line or li.order_line_item_id in named)
    ]
    if not lines:
        raise OrderStateConflict(f"Coupon code '{coupon_code_id}' applied to no line of the order.")
    open_lines = [li.line_number for li in lines if refundability.non_refundable_reason(order, li) is None]
    if open_lines:
        return open_lines
    if any(li.quantity_returned for li in lines):
        raise AlreadyRefunded(f"The lines coupon code '{coupon_code_id}' applied to are refunded already.")
    return [li.line_number for li in lines]


def refund(
    order: Order,
    line_numbers: Sequence[int],
    reason: RefundReason,
    *,
    now: datetime,
    refund_id: str,
    guest: bool = False,
) -> Order:
    """The order with the lines refunded (module docstring); nothing when any line or the reason fails."""
    # The status first (a voided order refunds nothing); then each line says why it cannot be refunded.
    refused = lifecycle.status_conflict(Operation.REFUND, OrderStatus(order.status))
    if refused is not None:
        raise refused
    if guest and not reason.self_service:
        raise Unprocessable(
            "This refund reason is not one a guest may give.",
            errors=[FieldError("refund_reason_name", f"'{reason.name}' is not a self-service reason")],
        )
    lines = _refunded_lines(order, line_numbers, guest=guest)
    by_id = {li.order_line_item_id: li for li in order.line_items}
    next_number = max(li.line_number for li in order.line_items) + 1
    appended: list[LineItem] = []
    value_total = refunded_total = discounts_total = taxes_total = ZERO
    for line in lines:
        refunded, row, moved = _refund_of(order, line, next_number + len(appended), now, reason)
        by_id[line.order_line_item_id] = refunded
        appended.append(row)
        value_total += moved.value
        refunded_total += moved.paid_back
        discounts_total += moved.discounts
        taxes_total += moved.taxes

    payments, rows = _payments(order, refunded_total, refund_id, now, [li.line_number for li in lines])
    total = order.total - value_total
    discounts_after = order.discounts - discounts_total
    taxes_after = order.taxes - taxes_total
    amount_refunded = order.amount_refunded + refunded_total
    new_lines = [by_id[li.order_line_item_id] for li in order.line_items] + appended
    data = order.model_dump()
    data.update(
        line_items=[li.model_dump() for li in new_lines],
        total=total,
        discounts=discounts_after,
        taxes=taxes_after,
        subtotal=total + discounts_after - taxes_after - order.shipping_charges,
        total_in_base_currency=in_base(total, order, order.total_in_base_currency),
        amount_refunded=amount_refunded,
        balance_due=total - (order.amount_paid + order.amount_pending_capture - amount_refunded),
        payments=payments,
        refunded_payments=[*(r.model_dump() for r in order.refunded_payments), *rows],
    )
    draft = Order.model_validate(data)
    return draft.model_copy(update={"status": lifecycle.status_after_refund(draft)})


@dataclass(frozen=True)
class _Refunded:
    """What refunding one line takes off the order: its value, what is paid back, discounts, taxes."""

    value: Decimal
    paid_back: Decimal
    discounts: Decimal
    taxes: Decimal


def _refund_of(
    order: Order, line: LineItem, number: int, now: datetime, reason: RefundReason
) -> tuple[LineItem, LineItem, _Refunded]:
    """The line with its refundable units refunded, the refund line recording it (`number`), and
    what it takes off the order: its share of what is left of the line (with earlier refunds)."""
    currency = order.currency_code
    units = lifecycle.refundable_quantity(line)
    earlier = [li for li in order.line_items if li.parent_line_item_id == line.order_line_item_id]
    remaining_units = units + lifecycle.line_open_quantity(line)
    remaining = {
        name: getattr(line, name) + sum((getattr(li, name) for li in earlier), ZERO)
        for name in ("total", "discounts", "taxes")
    }
    discounts = share(remaining["discounts"], units, remaining_units, currency)
    taxes = share(remaining["taxes"], units, remaining_units, currency)
    paid_back = line.amount_paid - line.amount_refunded
    value = paid_back if line.amount_paid > 0 else share(remaining["total"], units, remaining_units, currency)
    refunded = _recounted(
        line.model_copy(
            update={
                "quantity_returned": line.quantity_returned + units,
                "amount_refunded": line.amount_refunded + paid_back,
            }
        )
    )
    row = _refund_line(line, order, units, value, discounts, taxes, number, len(earlier) + 1, now, reason)
    return refunded, row, _Refunded(value, paid_back, discounts, taxes)


def _refunded_lines(order: Order, line_numbers: Sequence[int], *, guest: bool) -> list[LineItem]:
    """The named lines, checked: 422 for unknown or repeated numbers, 409 for lines not refundable."""
    by_number = {li.line_number: li for li in order.line_items}
    errors: list[FieldError] = []
    refused: list[FieldError] = []
    lines: list[LineItem] = []
    seen: set[int] = set()
    for index, number in enumerate(line_numbers):
        at = f"line_numbers[{index}]"
        line = by_number.get(number)
        if line is None:
            errors.append(FieldError(at, f"the order has no line {number}"))
            continue
        if number in seen:
            errors.append(FieldError(at, f"names line {number} a second time"))
            continue
        seen.add(number)
        why_not = (
            refundability.non_self_service_refundable_reason(order, line)
            if guest
            else refundability.non_refundable_reason(order, line)
        )
        if why_not is not None:
            refused.append(FieldError(at, f"line {number} cannot be refunded: {why_not}"))
        lines.append(line)
    if errors:
        raise Unprocessable("The line numbers do not fit the order.", errors=errors)
    if refused:
        raise OrderStateConflict(
            "Some lines cannot be refunded: " + "; ".join(e.error for e in refused), errors=refused
        )
    return lines


def _recounted(line: LineItem) -> LineItem:
    return line.model_copy(
        update={
            "quantity_available_for_return": lifecycle.refundable_quantity(line),
            "balance_due": line.total
            - (line.amount_paid + line.amount_pending_capture - line.amount_refunded),
        }
    )


def _refund_line(
    line: LineItem,
    order: Order,
    units: int,
    value: Decimal,
    discounts: Decimal,
    taxes: Decimal,
    line_number: int,
    nth: int,
    now: datetime,
    reason: RefundReason,
) -> LineItem:
    """The appended line recording the refund of `units` of `line` (module docstring)."""
    data: dict[str, Any] = line.model_dump(
        include={"product_type", "product_id", "description", "type", "sku", "payload_id"}
    )
    data.update(
        line_number=line_number,
        order_line_item_id=f"{line.order_line_item_id}-refund-{nth}",
        status=LineStatus.REFUNDED,
        quantity=-units,
        unit_price=line.unit_price,
        discounts=-discounts,
        taxes=-taxes,
        total=-value,
        balance_due=-value,
        total_in_base_currency=in_base(-value, order, line.total_in_base_currency),
        parent_line_item_id=line.order_line_item_id,
        refund_date=now,
        refund_reason_name=reason.name,
    )
    return LineItem.model_validate(data)


def _payments(
    order: Order, amount: Decimal, refund_id: str, now: datetime, line_numbers: list[int]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The payments with the refund entries added, and the `refunded_payments` rows (module docstring)."""
    payments = [p.model_dump() for p in order.payments]
    rows: list[dict[str, Any]] = []
    taken: dict[str, Decimal] = {}
    for p in order.payments:
        if p.status == PaymentStatus.REFUNDED and p.parent_payment_id:
            taken[p.parent_payment_id] = taken.get(p.parent_payment_id, ZERO) - p.amount
    left = amount
    line_ids = [li.order_line_item_id for li in order.line_items if li.line_number in line_numbers]
    for p in order.payments:
        if left <= 0:
            break
        if p.status != PaymentStatus.SETTLED:
            continue
        part = min(left, p.amount - taken.get(p.payment_id, ZERO))
        if part <= 0:
            continue
        left -= part
        entry_id = f"{refund_id}-{len(rows) + 1}"
        payments.append(
            {
                "payment_id": entry_id,
                "type": p.type,
                "amount": -part,
                "status": PaymentStatus.REFUNDED,
                "date": now,
                "line_item_ids": line_ids,
                "parent_payment_id": p.payment_id,
            }
        )
        rows.append(
            {
                "payment_id": p.payment_id,
                "refund_payment_id": entry_id,
                "amount": part,
                "date": now,
                "line_numbers": list(line_numbers),
            }
        )
    return payments, rows
