"""Fulfil and cancel an order, whole or in part: pure functions of the order and the request (no I/O).

The conditional write (order + fulfillment record in one transaction) comes later; these compute the
new order and the fulfillment record, keeping API.md's money rules true after every call
(`money_rules.money_problems` lists any that do not hold).

Money decisions:

- A line's *open value* is what its open units cost. On an order with a payment it is the line's
  `amount_pending_capture` (what is authorised and not yet captured for it); on an order without one
  it is the open units' share of the line's total (`total * open / (shipped + open)`, rounded).
- Fulfilling `q` of `open` units captures `open value * q / open`, rounded to the currency's minor
  unit; fulfilling the last open units captures all the open value is left, so fulfilling every unit
  of a line, in any steps, captures exactly its total. The line's and the order's `amount_paid` rise
  and `amount_pending_capture` falls by it.
- Shipping charges are captured with the first fulfilment that ships anything (the order's pending
  amount beyond its lines' is the shipping still pending). When a cancel leaves nothing shipped and
  nothing open (the whole order cancelled) the shipping charges are voided and become 0.
- An order without a payment (awaiting payment) may be fulfilled: nothing is captured, `balance_due`
  stays what is owed.
- Cancelling `r` of `open` units voids `open value * r / open` (all of it for the last open units):
  the line's total falls by it, its discounts and taxes fall to their share of the units still live
  (shipped + open; 0 when none is), and on an order with a payment the line's and the order's
  `amount_pending_capture` fall by it. The order's subtotal, discounts, taxes and total fall
  accordingly (`subtotal = total + discounts - taxes - shipping_charges`). `quantity` and
  `unit_price` stay as the record of what was ordered.
- Payments: a capture or void that takes everything left in a pending entry turns that entry itself
  `settled` (or `voided`), its amount what it took. A capture that takes part adds a `settled` entry
  (`payment_id` `<fulfillment id>-<n>`, same type, `parent_payment_id` the pending entry's id,
  `line_item_ids` the lines fulfilled by the call; shipping captured with them is in the same
  entry) and lowers the pending entry's amount; a void that takes part only lowers it. Once nothing is
  open, a pending entry left (at 0) becomes `settled` if anything shipped, else `voided`.
- Whole cancel of an order with nothing shipped gives what `services.change.CancelOrder` gives.
- A cancel `reason` is accepted and not stored (the order has no field for it).

Statuses and `sys_shippable_status` come from the lifecycle module (`line_status_after`,
`order_status_after`, `shipping_status_after`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from orders_domain.domain import captures, lifecycle, money
from orders_domain.domain.errors import FieldError, Unprocessable
from orders_domain.domain.lifecycle import Operation, OrderStateConflict, PaymentStatus
from orders_domain.domain.money_rules import shipping_pending
from orders_domain.models import LineItem, Order
from orders_domain.models.fulfillments import (
    CancelItemInput,
    Fulfillment,
    FulfillmentItem,
    FulfilRequest,
)

ZERO = money.ZERO


@dataclass
class _Moved:
    """What the steps of one call moved, summed over its lines."""

    captured: Decimal = ZERO
    voided: Decimal = ZERO
    total_drop: Decimal = ZERO
    discounts_drop: Decimal = ZERO
    taxes_drop: Decimal = ZERO


@dataclass(frozen=True)
class _Step:
    """What one call does to one line: units to fulfil, then units to cancel."""

    line_id: str
    fulfil: int = 0
    cancel: int = 0


# ------------------------------------------------------------------ the public functions
def fulfil(
    order: Order, request: FulfilRequest | None, *, now: datetime, fulfillment_id: str
) -> tuple[Order, Fulfillment]:
    """Fulfil (and, per item, cancel) part or all of the order; the new order and its fulfillment.

    No request or no items: every open unit is fulfilled. 409 when the order's state forbids a fulfil
    (cancelled, voided, closed, nothing open); 422 naming the item when it names no line, names a line
    twice, asks for nothing, or asks for more than the line has open.
    """
    lifecycle.check(Operation.FULFIL, order)
    steps = _fulfil_steps(order, request)
    changed = _apply(order, steps, capture_id=fulfillment_id, now=now)
    lines = {li.order_line_item_id: li for li in order.line_items}
    record = Fulfillment(
        id=fulfillment_id,
        order_id=order.id,
        tenant_id=order.tenant_id,
        created_time=now,
        tracking_company=request.tracking_company if request else None,
        tracking_number=request.tracking_number if request else None,
        tracking_url=request.tracking_url if request else None,
        shipment_id=request.shipment_id if request else None,
        currency=(request.currency if request else None) or order.currency_code,
        metadata=dict(request.metadata or {}) if request else {},
        items=[
            FulfillmentItem(
                order_line_item_id=step.line_id,
                sku=lines[step.line_id].sku,
                quantity=step.fulfil,
                cancel_quantity=step.cancel,
            )
            for step in steps
        ],
    )
    return changed, record


def cancel(
    order: Order, items: Sequence[CancelItemInput] | None = None, *, reason: str | None = None
) -> Order:
    """Cancel every open unit (no items) or the items' units; what they cost is voided.

    409 when the order's state forbids a cancel, or an item asks to cancel fulfilled units (refund
    them instead); 422 naming the item when it names no line, names a line twice or asks for more than
    the line has. `reason` is not stored.
    """
    del reason  # accepted, not stored: the order has no field for it
    lifecycle.check(Operation.CANCEL, order)
    return _apply(order, _cancel_steps(order, items), capture_id=None, now=None)


def cancel_whole(order: Order) -> Order:
    """Cancel every unit of an order nothing of which has been fulfilled (else 409): it ends
    `cancelled`. An order already cancelled or voided is left as it is (nothing to write): the
    distribution API's PUT of `cancelled` may be sent again."""
    if lifecycle.is_annulled(lifecycle.OrderStatus(order.status)):
        return order
    lifecycle.check_whole_cancel(order)
    return cancel(order)


def void(order: Order) -> Order:
    """Void the order (admin): it is annulled. Every open unit is cancelled (the cancel rule), then
    every payment entry is `voided` (its amount kept as the record) and every amount of the order and
    its lines falls to 0: nothing is owed, paid or pending. Counters stay as the record of what was
    shipped. 409 where the lifecycle forbids it (refunds already made: refund the rest instead)."""
    lifecycle.check(Operation.VOID, order)
    if lifecycle.open_quantity(order.line_items) > 0:
        order = _apply(order, _cancel_steps(order, None), capture_id=None, now=None)
    zero = {
        "total": ZERO,
        "discounts": ZERO,
        "taxes": ZERO,
        "amount_paid": ZERO,
        "amount_pending_capture": ZERO,
        "balance_due": ZERO,
    }
    lines = [
        li.model_copy(
            update={
                **zero,
                "total_in_base_currency": None if li.total_in_base_currency is None else ZERO,
                "quantity_available_for_return": 0,
            }
        )
        for li in order.line_items
    ]
    payments = [
        p.model_copy(update={"status": PaymentStatus.VOIDED}) if p.status != PaymentStatus.REFUNDED else p
        for p in order.payments
    ]
    return order.model_copy(
        update={
            **zero,
            "subtotal": ZERO,
            "shipping_charges": ZERO,
            "total_in_base_currency": None if order.total_in_base_currency is None else ZERO,
            "status": lifecycle.status_after(Operation.VOID, order),
            "sys_shippable_status": None,
            "line_items": lines,
            "payments": payments,
        }
    )


def close(order: Order) -> Order:
    """Close a settled order (admin): only refunds may change it from now on."""
    lifecycle.check(Operation.CLOSE, order)
    return order.model_copy(update={"status": lifecycle.status_after(Operation.CLOSE, order)})


# ------------------------------------------------------------------ which units
def _fulfil_steps(order: Order, request: FulfilRequest | None) -> list[_Step]:
    if request is None or request.items is None:
        return [
            _Step(li.order_line_item_id, fulfil=lifecycle.line_open_quantity(li))
            for li in lifecycle.goods_lines(order.line_items)
            if lifecycle.line_open_quantity(li) > 0
        ]
    lines = {li.order_line_item_id: li for li in lifecycle.goods_lines(order.line_items)}
    steps: list[_Step] = []
    errors: list[FieldError] = []
    for index, item in enumerate(request.items):
        at = f"items[{index}]"
        line = _known_line(lines, item.order_line_item_id, steps, f"{at}.order_line_item_id", errors)
        if line is None:
            continue
        wanted, still_open = item.quantity + item.cancel_quantity, lifecycle.line_open_quantity(line)
        if wanted == 0:
            errors.append(FieldError(at, "asks for nothing: quantity or cancel_quantity must be > 0"))
        elif wanted > still_open:
            errors.append(
                FieldError(at, f"asks for {wanted} units of {_name(line)}, which has {still_open} open")
            )
        else:
            steps.append(_Step(line.order_line_item_id, fulfil=item.quantity, cancel=item.cancel_quantity))
    if errors:
        raise Unprocessable("The items do not fit the order's open lines.", errors=errors)
    return steps


def _cancel_steps(order: Order, items: Sequence[CancelItemInput] | None) -> list[_Step]:
    if items is None:
        return [
            _Step(li.order_line_item_id, cancel=lifecycle.cancellable_quantity(li))
            for li in lifecycle.goods_lines(order.line_items)
            if lifecycle.cancellable_quantity(li) > 0
        ]
    lines = {li.order_line_item_id: li for li in lifecycle.goods_lines(order.line_items)}
    steps: list[_Step] = []
    errors: list[FieldError] = []
    fulfilled: list[FieldError] = []
    for index, item in enumerate(items):
        at = f"items[{index}]"
        line = _known_line(lines, item.order_line_item_id, steps, f"{at}.order_line_item_id", errors)
        if line is None:
            continue
        cancellable = lifecycle.cancellable_quantity(line)
        if item.quantity <= cancellable:
            steps.append(_Step(line.order_line_item_id, cancel=item.quantity))
        elif line.quantity_shipped > 0 and item.quantity <= cancellable + line.quantity_shipped:
            fulfilled.append(
                FieldError(
                    f"{at}.quantity",
                    f"{_name(line)} has {line.quantity_shipped} fulfilled units, which cannot be "
                    f"cancelled (refund them instead); {cancellable} can be cancelled",
                )
            )
        else:
            errors.append(
                FieldError(f"{at}.quantity", f"{_name(line)} has {cancellable} units that can be cancelled")
            )
    if fulfilled:
        names = ", ".join(e.field for e in fulfilled)
        raise OrderStateConflict(
            f"Fulfilled quantity cannot be cancelled; refund it instead ({names}).", errors=fulfilled
        )
    if errors:
        raise Unprocessable("The items do not fit the order's open lines.", errors=errors)
    return steps


def _known_line(
    lines: dict[str, LineItem], line_id: str, steps: list[_Step], field: str, errors: list[FieldError]
) -> LineItem | None:
    line = lines.get(line_id)
    if line is None:
        errors.append(FieldError(field, f"names no line of this order: '{line_id}'"))
    elif any(step.line_id == line_id for step in steps):
        errors.append(FieldError(field, f"names line '{line_id}' a second time"))
        return None
    return line


def _name(line: LineItem) -> str:
    return f"line {line.line_number} ('{line.order_line_item_id}')"


# ------------------------------------------------------------------ the money
def _apply(order: Order, steps: list[_Step], *, capture_id: str | None, now: datetime | None) -> Order:
    """The order with every step applied (fulfil, then cancel, per line), its money and statuses."""
    lines, moved = _lines_after(order, steps)
    shipping = order.shipping_charges
    shipping_open = shipping_pending(order)
    if any(step.fulfil for step in steps):
        moved.captured += shipping_open  # captured with the first shipment (0 once it has been)
        shipping_open = ZERO
    if lifecycle.open_quantity(lines) == 0 and lifecycle.shipped_quantity(lines) == 0:
        moved.voided += shipping_open  # nothing left: the shipping charges go too
        moved.total_drop += shipping
        shipping = ZERO
    fulfilled_ids = [step.line_id for step in steps if step.fulfil]
    payments = _payments_after(order, lines, moved, capture_id, now, fulfilled_ids)
    captured, voided = moved.captured, moved.voided
    total = order.total - moved.total_drop
    discounts = order.discounts - moved.discounts_drop
    taxes = order.taxes - moved.taxes_drop
    paid = order.amount_paid + captured
    pending = order.amount_pending_capture - captured - voided
    draft = order.model_copy(update={"line_items": lines})
    status = lifecycle.order_status_after(draft)
    data = order.model_dump()
    data.update(
        status=status,
        subtotal=total + discounts - taxes - shipping,
        discounts=discounts,
        taxes=taxes,
        shipping_charges=shipping,
        total=total,
        total_in_base_currency=captures.in_base(total, order, order.total_in_base_currency),
        amount_paid=paid,
        amount_pending_capture=pending,
        balance_due=total - (paid + pending - order.amount_refunded),
        sys_shippable_status=lifecycle.shipping_status_after(draft, status),
        payments=payments,
        line_items=[li.model_dump() for li in lines],
    )
    return Order.model_validate(data)


def _lines_after(order: Order, steps: list[_Step]) -> tuple[list[LineItem], _Moved]:
    """The order's lines with each step applied (fulfil, then cancel), and what that moved."""
    currency = order.currency_code
    has_payment = any(p.status != PaymentStatus.REFUNDED for p in order.payments)
    by_id = {li.order_line_item_id: li for li in order.line_items}
    moved = _Moved()
    for step in steps:
        line, took = captures.fulfilled_units(by_id[step.line_id], step.fulfil, currency, has_payment)
        moved.captured += took
        before = line
        line, void = captures.cancelled_units(line, step.cancel, currency, has_payment)
        moved.total_drop += void
        moved.voided += void if has_payment else ZERO
        moved.discounts_drop += before.discounts - line.discounts
        moved.taxes_drop += before.taxes - line.taxes
        by_id[step.line_id] = captures.with_rates(line, order)
    return [by_id[li.order_line_item_id] for li in order.line_items], moved


def _payments_after(
    order: Order,
    lines: list[LineItem],
    moved: _Moved,
    capture_id: str | None,
    now: datetime | None,
    fulfilled_ids: list[str],
) -> list[dict[str, Any]]:
    """The payment entries with the capture and the void taken; a pending entry left at 0 once nothing
    is open is settled (something shipped) or voided."""
    payments = [p.model_dump() for p in order.payments]
    captures.take_from_payments(
        payments, moved.captured, PaymentStatus.SETTLED, new_id=capture_id, now=now, line_ids=fulfilled_ids
    )
    captures.take_from_payments(
        payments, moved.voided, PaymentStatus.VOIDED, new_id=None, now=now, line_ids=[]
    )
    if lifecycle.open_quantity(lines) == 0:
        done = PaymentStatus.SETTLED if lifecycle.shipped_quantity(lines) else PaymentStatus.VOIDED
        for p in payments:
            if p["status"] == PaymentStatus.PENDING and p["amount"] == 0:
                p["status"] = done
    return payments
