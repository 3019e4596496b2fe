"""Whether each line of an order can be refunded now, by staff or by the guest, and why not: the
reasons the refund rule and the will-call check give (API.md: refundable lines, will-call check);
and the will-call pickup that makes a line no longer refundable by the guest (`pickup`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from orders_domain.domain import lifecycle
from orders_domain.domain.errors import FieldError, Unprocessable
from orders_domain.domain.lifecycle import (
    Operation,
    OrderStatus,
    check,
    goods_lines,
    is_refund_line,
    refundable_quantity,
)

if TYPE_CHECKING:
    from orders_domain.models import LineItem, Order
    from orders_domain.models.fulfillments import Fulfillment


REASON_VOIDED = "The order has been voided."
REASON_REFUND_LINE = "This line is itself a refund."
REASON_REFUNDED = "The product has already been refunded."
REASON_CANCELLED = "The product has been cancelled."
REASON_NOT_FULFILLED = "The product has not been fulfilled; cancel it instead."
REASON_PICKED_UP = "The product has already been picked up."


def non_refundable_reason(order: Order, line: LineItem) -> str | None:
    """Why the line cannot be refunded now, or None when it can (API.md: refundable lines)."""
    if order.status == OrderStatus.VOIDED:
        return REASON_VOIDED
    if is_refund_line(line):
        return REASON_REFUND_LINE
    if refundable_quantity(line) > 0:
        return None
    if line.quantity_shipped > 0:
        return REASON_REFUNDED
    if line.quantity_cancelled >= line.quantity:
        return REASON_CANCELLED
    return REASON_NOT_FULFILLED


def will_call_lines(order: Order) -> list[dict[str, Any]]:
    """The will-call check of every goods line (API.md): picked up, refundable and self-service
    refundable, each with its reason only where it is false."""
    check(Operation.WILL_CALL_CHECK, order)
    lines = []
    for line in goods_lines(order.line_items):
        why_not = non_refundable_reason(order, line)
        why_not_self = non_self_service_refundable_reason(order, line)
        entry: dict[str, Any] = {
            "line_number": line.line_number,
            "picked_up": line.picked_up,
            "refundable": why_not is None,
            "self_service_refundable": why_not_self is None,
        }
        if why_not is not None:
            entry["non_refundable_reason"] = why_not
        if why_not_self is not None:
            entry["non_self_service_refundable_reason"] = why_not_self
        lines.append(entry)
    return lines


def non_self_service_refundable_reason(order: Order, line: LineItem) -> str | None:
    """A guest may refund a line themselves when it is refundable and not picked up."""
    reason = non_refundable_reason(order, line)
    if reason is not None:
        return reason
    return REASON_PICKED_UP if line.picked_up else None


def pickup(
    order: Order, fulfillment: Fulfillment, line_ids: Sequence[str] | None
) -> tuple[Order, Fulfillment]:
    """Record the will-call pickup of the fulfillment's fulfilled lines (`line_ids`, or all of them):
    on the fulfillment's items and on the order's lines (`picked_up`, which the will-call check reads).

    409 where the lifecycle forbids a pickup (closed or voided order, nothing waiting to be picked
    up); 422 naming the item when a line is not one this fulfillment fulfilled, or is named twice.
    """
    lifecycle.check(Operation.WILL_CALL_PICKUP, order)
    fulfilled = {item.order_line_item_id for item in fulfillment.items if item.quantity > 0}
    by_id = {li.order_line_item_id: li for li in order.line_items}
    named = sorted(fulfilled) if line_ids is None else list(line_ids)
    refusals = {i: lifecycle.line_pickup_conflict(by_id[i]) for i in named if i in fulfilled}
    # A line named is refused when it cannot be picked up; the whole fulfillment takes the lines still
    # there to collect (a refunded one is not), and is refused only when none is.
    wanted = named if line_ids is not None else [i for i in named if refusals[i] is None]
    refused = next((r for r in refusals.values() if r is not None), None)
    if refused is not None and (line_ids is not None or not wanted):
        raise refused
    errors = [
        FieldError(f"items[{i}].order_line_item_id", f"names no line this fulfillment fulfilled: '{line_id}'")
        for i, line_id in enumerate(wanted)
        if line_id not in fulfilled and line_ids is not None
    ]
    if len(set(wanted)) != len(wanted):
        errors.append(FieldError("items", "names a line twice"))
    if not fulfilled:
        errors.append(FieldError("picked_up", "this fulfillment fulfilled nothing (it only cancelled)"))
    if errors:
        raise Unprocessable("The pickup does not fit the fulfillment.", errors=errors)
    items = [
        item.model_copy(update={"picked_up": True}) if item.order_line_item_id in wanted else item
        for item in fulfillment.items
    ]
    whole = all(item.picked_up for item in items if item.quantity > 0)
    lines = [
        li.model_copy(update={"picked_up": True}) if li.order_line_item_id in wanted else li
        for li in order.line_items
    ]
    return (
        order.model_copy(update={"line_items": lines}),
        fulfillment.model_copy(update={"items": items, "picked_up": whole}),
    )
