"""The order lifecycle, written once: statuses, which operation each state allows, and line quantities.

Every route and every representation asks this module: `_links` (what the client may do next),
fulfil, cancel, void, close, refund, will-call pickup, patch, put and delete. A forbidden move is a
`Conflict` (409) that names the reason; the caller changes nothing. Status strings appear in this
module only (a test checks it), and in `status_words`, the source APIs' words for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING

from orders_domain.domain.errors import Conflict

if TYPE_CHECKING:
    from orders_domain.models import LineItem, Order


class OrderStatus(StrEnum):
    AWAITING_PAYMENT = "awaiting payment"
    PAID = "paid"
    PARTIALLY_FULFILLED = "partially fulfilled"
    FULFILLED = "fulfilled"
    PARTIALLY_REFUNDED = "partially refunded"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"
    VOIDED = "voided"
    CLOSED = "closed"


class LineStatus(StrEnum):
    AWAITING_PAYMENT = "awaiting payment"
    PAID = "paid"
    PARTIALLY_FULFILLED = "partially fulfilled"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    #: A refund line (negative amounts, `parent_line_item_id` = the refunded line).
    REFUNDED = "refunded"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    SETTLED = "settled"
    VOIDED = "voided"
    REFUNDED = "refunded"


class VoucherStatus(StrEnum):
    """A deal's or gift card's voucher, one per unit sold (domain.vouchers)."""

    ACTIVE = "active"
    CANCELLED = "cancelled"
    REDEEMED = "redeemed"


class ShippingStatus(StrEnum):
    """`sys_shippable_status` of a shippable order (absent once cancelled or voided)."""

    AWAITING_SHIPMENT = "awaiting shipment"
    PARTIALLY_SHIPPED = "partially shipped"
    SHIPPED = "shipped"


class Operation(StrEnum):
    """Everything a client can do to an order, each checked here before it changes anything."""

    CREATE = "create"
    PATCH = "patch"
    PUT = "put"
    DELETE = "delete"
    FULFIL = "fulfil"
    CANCEL = "cancel"
    VOID = "void"
    CLOSE = "close"
    REFUND = "refund"
    WILL_CALL_CHECK = "will-call check"
    WILL_CALL_PICKUP = "will-call pickup"


S = OrderStatus
_ALL = frozenset(OrderStatus)

#: Operation -> the order statuses in which it may run. Some operations also need quantities
#: (something open to fulfil or cancel, something fulfilled to refund): `check` adds those.
ALLOWED: dict[Operation, frozenset[OrderStatus]] = {
    # Create makes a new order; on an existing one (any status) it is a conflict.
    Operation.CREATE: frozenset(),
    Operation.PATCH: _ALL - {S.CANCELLED, S.VOIDED, S.CLOSED},
    Operation.PUT: _ALL - {S.CANCELLED, S.VOIDED, S.CLOSED},
    # Only orders with nothing paid and nothing fulfilled may be deleted.
    Operation.DELETE: frozenset({S.AWAITING_PAYMENT, S.CANCELLED}),
    Operation.FULFIL: _ALL - {S.CANCELLED, S.VOIDED, S.CLOSED},
    Operation.CANCEL: _ALL - {S.CANCELLED, S.VOIDED, S.CLOSED},
    # Refunds already made cannot be voided; refund the rest instead.
    Operation.VOID: frozenset({S.AWAITING_PAYMENT, S.PAID, S.PARTIALLY_FULFILLED, S.FULFILLED, S.CANCELLED}),
    # Close what is settled: every line fulfilled, refunded or cancelled.
    Operation.CLOSE: frozenset({S.FULFILLED, S.PARTIALLY_REFUNDED, S.REFUNDED, S.CANCELLED}),
    # Closed orders still take refunds; whether a line can be refunded is a line question.
    Operation.REFUND: _ALL - {S.VOIDED},
    # A check changes nothing: it is worth asking about any order (a voided one answers every line
    # not refundable, "The order has been voided.": a reason a guest can act on).
    Operation.WILL_CALL_CHECK: _ALL,
    # Recording a pickup changes the order: not once it is closed (closed: only refunds, API.md).
    Operation.WILL_CALL_PICKUP: frozenset(
        {S.PARTIALLY_FULFILLED, S.FULFILLED, S.PARTIALLY_REFUNDED, S.REFUNDED}
    ),
}

#: Why an operation may not run, by the order's status: the default, where the status says it.
_WHY_NOT: dict[OrderStatus, str] = {
    S.AWAITING_PAYMENT: "the order is awaiting payment",
    S.PAID: "nothing of the order has been fulfilled",
    S.PARTIALLY_FULFILLED: "the order still has open lines",
    S.FULFILLED: "the order is fulfilled",
    S.PARTIALLY_REFUNDED: "refunds have been made",
    S.REFUNDED: "the order has been refunded",
    S.CANCELLED: "the order is cancelled",
    S.VOIDED: "the order is voided; nothing further may change",
    S.CLOSED: "the order is closed; only refunds may change it",
}

_DELETABLE = "only an order with nothing paid and nothing fulfilled may be deleted"
_SETTLED = "only a settled order (every line fulfilled, refunded or cancelled) may be closed"
_VOID_AFTER_REFUNDS = "refunds have been made, which a void cannot undo; refund the rest"
_NOT_FULFILLED_YET = "nothing of the order has been fulfilled; it is awaiting payment"

#: Why, keyed by (operation, status), wherever the status's own words do not fit the operation
#: (a paid order refused a delete is not refused because "nothing has been fulfilled"). A voided
#: or closed order keeps the status's words for every operation: they say what is left.
_WHY_NOT_FOR: dict[tuple[Operation, OrderStatus], str] = {
    (Operation.DELETE, S.PAID): f"{_DELETABLE}, and this one has a payment; cancel it first",
    (Operation.DELETE, S.PARTIALLY_FULFILLED): f"{_DELETABLE}, and this one has fulfilled lines",
    (Operation.DELETE, S.FULFILLED): f"{_DELETABLE}, and this one has been fulfilled",
    (Operation.DELETE, S.PARTIALLY_REFUNDED): f"{_DELETABLE}, and this one has been fulfilled and refunded",
    (Operation.DELETE, S.REFUNDED): f"{_DELETABLE}, and this one has been fulfilled and refunded",
    (Operation.CLOSE, S.AWAITING_PAYMENT): f"{_SETTLED}, and this one is awaiting payment",
    (Operation.CLOSE, S.PAID): f"{_SETTLED}, and nothing of this one has been fulfilled",
    (Operation.CLOSE, S.PARTIALLY_FULFILLED): f"{_SETTLED}; fulfil or cancel its open lines first",
    (Operation.CLOSE, S.CLOSED): "the order is already closed",
    (Operation.CANCEL, S.CANCELLED): "the order is already cancelled",
    (Operation.VOID, S.PARTIALLY_REFUNDED): _VOID_AFTER_REFUNDS,
    (Operation.VOID, S.REFUNDED): "the order has been refunded; there is nothing left to void",
    (Operation.VOID, S.VOIDED): "the order is already voided",
    (Operation.WILL_CALL_PICKUP, S.AWAITING_PAYMENT): _NOT_FULFILLED_YET,
}


#: What a refused operation was trying to do, where "<operation> this order" does not read.
_ACTION: dict[Operation, str] = {
    Operation.PATCH: "change this order",
    Operation.PUT: "replace this order",
    Operation.WILL_CALL_CHECK: "check this order for will-call",
    Operation.WILL_CALL_PICKUP: "record a will-call pickup on this order",
}


def _action(operation: Operation) -> str:
    return _ACTION.get(operation) or f"{operation.value} this order"


def why_not(operation: Operation, status: OrderStatus) -> str:
    """Why `operation` may not run on an order in `status` (a clause, for a 409's detail)."""
    return _WHY_NOT_FOR.get((operation, status)) or _WHY_NOT[status]


class OrderStateConflict(Conflict):
    """The order's state forbids the operation (409); nothing was changed."""

    code = "order_state_conflict"


def status_allows(operation: Operation, status: OrderStatus) -> bool:
    return status in ALLOWED[operation]


def status_conflict(operation: Operation, status: OrderStatus) -> OrderStateConflict | None:
    """The 409 an operation gets in a status, or None when the status allows it."""
    if status_allows(operation, status):
        return None
    if operation is Operation.CREATE:
        return OrderStateConflict("An order with this id already exists.")
    return OrderStateConflict(f"Cannot {_action(operation)}: {why_not(operation, status)}.")


def conflict(operation: Operation, order: Order) -> OrderStateConflict | None:
    """The 409 the operation gets on this order now (status, then quantities), or None if allowed."""
    status = OrderStatus(order.status)
    refused = status_conflict(operation, status)
    if refused is not None:
        return refused
    if operation in (Operation.FULFIL, Operation.CANCEL) and open_quantity(order.line_items) == 0:
        return OrderStateConflict(f"Cannot {_action(operation)}: no line has anything open.")
    if operation is Operation.CLOSE and open_quantity(order.line_items) > 0:
        return OrderStateConflict("Cannot close this order: some lines are open; fulfil or cancel them.")
    if operation is Operation.REFUND and not any(refundable_quantity(li) > 0 for li in order.line_items):
        return OrderStateConflict("Cannot refund this order: nothing fulfilled is left to refund.")
    if operation is Operation.DELETE and (order.amount_paid > 0 or shipped_quantity(order.line_items) > 0):
        return OrderStateConflict("Cannot delete this order: it has payments or fulfilments.")
    if operation is Operation.WILL_CALL_PICKUP and not any(
        refundable_quantity(li) > 0 and not li.picked_up for li in order.line_items
    ):
        return OrderStateConflict("Cannot record a pickup: nothing fulfilled is waiting to be picked up.")
    return None


def line_pickup_conflict(line: LineItem) -> OrderStateConflict | None:
    """A will-call pickup of one line: only units fulfilled and not refunded can be picked up (a
    refunded ticket is no longer the customer's to collect)."""
    if refundable_quantity(line) == 0:
        return OrderStateConflict(
            f"Cannot record a pickup of line {line.line_number}: none of its fulfilled units is left "
            "unrefunded."
        )
    return None


def check_whole_cancel(order: Order) -> None:
    """A cancel of the whole order (the distribution API's: the order ends cancelled) is the cancel
    rule, and is refused once any unit has been fulfilled (refund those instead)."""
    check(Operation.CANCEL, order)
    if shipped_quantity(order.line_items) > 0:
        raise OrderStateConflict(
            "Cannot cancel the whole order: part of it has been fulfilled; refund that part instead."
        )


#: Void and close decide the status alone; fulfil and cancel from quantities (`order_status_after`).
_STATUS_AFTER = {Operation.VOID: OrderStatus.VOIDED, Operation.CLOSE: OrderStatus.CLOSED}


def status_after(operation: Operation, order: Order) -> OrderStatus:
    """The status `operation` moves the order into (void: `voided`, close: `closed`), once allowed."""
    check(operation, order)
    return _STATUS_AFTER[operation]


def allowed(operation: Operation, order: Order) -> bool:
    return conflict(operation, order) is None


def check(operation: Operation, order: Order) -> None:
    """Raise the 409 when the order's state forbids the operation."""
    refused = conflict(operation, order)
    if refused is not None:
        raise refused


# ------------------------------------------------------------------ lines and quantities
def is_refund_line(line: LineItem) -> bool:
    return line.status == LineStatus.REFUNDED


def goods_lines(lines: Iterable[LineItem]) -> list[LineItem]:
    """The lines that sell something (refund lines left out)."""
    return [li for li in lines if not is_refund_line(li)]


def line_open_quantity(line: LineItem) -> int:
    """Neither fulfilled nor cancelled: what fulfil or cancel may still take."""
    if is_refund_line(line):
        return 0
    return line.quantity - line.quantity_shipped - line.quantity_cancelled


def cancellable_quantity(line: LineItem) -> int:
    """Fulfilled quantity cannot be cancelled (refund it); everything open can."""
    return line_open_quantity(line)


def refundable_quantity(line: LineItem) -> int:
    """Fulfilled and not yet refunded."""
    if is_refund_line(line):
        return 0
    return max(0, line.quantity_shipped - line.quantity_returned)


def open_quantity(lines: Iterable[LineItem]) -> int:
    return sum(line_open_quantity(li) for li in lines)


def shipped_quantity(lines: Iterable[LineItem]) -> int:
    return sum(li.quantity_shipped for li in goods_lines(lines))


# ------------------------------------------------------------------ changing and cancelling an order
#: Why a change may not reprice an order (services.client_edits): something has happened to it.
AMOUNTS_FIXED = (
    "Cannot change this order's lines or amounts: part of it has been fulfilled, cancelled, paid or "
    "refunded; cancel or refund lines instead."
)


def amounts_may_change(order: Order) -> bool:
    """Whether a change may still reprice the order (lines, quantities, prices, coupons, shipping):
    only while nothing has happened to it (awaiting payment or paid, every payment pending, no line
    shipped, cancelled, returned, picked up, refunded, or priced by the catalogue, not the client)."""
    if order.status not in (OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID):
        return False
    if order.refunded_payments or any(p.status != PaymentStatus.PENDING for p in order.payments):
        return False
    return not any(
        is_refund_line(li)
        or li.quantity_shipped
        or li.quantity_cancelled
        or li.quantity_pending_return
        or li.quantity_returned
        or li.picked_up
        or li.catalogue_priced
        for li in order.line_items
    )


def line_status_after_cancel(line: LineItem) -> LineStatus:
    """A line whose open quantity is cancelled: `cancelled` when nothing of it was shipped; a line
    partly shipped keeps the status its shipment gave it (refund lines keep theirs)."""
    if is_refund_line(line) or line.quantity_shipped > 0:
        return LineStatus(line.status)
    return LineStatus.CANCELLED


# ------------------------------------------------------------------ statuses of a new order
def initial_order_status(has_payment: bool) -> OrderStatus:
    """An order with an authorised payment is `paid`; without one it awaits payment (even at zero)."""
    return OrderStatus.PAID if has_payment else OrderStatus.AWAITING_PAYMENT


def initial_line_status(has_payment: bool) -> LineStatus:
    return LineStatus.PAID if has_payment else LineStatus.AWAITING_PAYMENT


def initial_shipping_status(shippable: bool) -> ShippingStatus | None:
    return ShippingStatus.AWAITING_SHIPMENT if shippable else None


# ------------------------------------------------------------------ statuses after fulfil and cancel
#: Statuses a fulfil or cancel does not move an order out of: refunds (and what accepts nothing
#: more) speak for the order once they have happened.
_STATUS_KEPT_BY_QUANTITIES = frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED, S.VOIDED, S.CLOSED})


def line_status_after(line: LineItem) -> LineStatus:
    """A goods line's status from its quantities: `fulfilled` when something shipped and nothing is
    open, `partially fulfilled` when something shipped and something is open, `cancelled` when
    everything was cancelled; a line with nothing shipped and something open keeps its status
    (paid / awaiting payment). Refund lines keep theirs."""
    if is_refund_line(line):
        return LineStatus(line.status)
    still_open = line_open_quantity(line)
    if line.quantity_shipped > 0:
        return LineStatus.FULFILLED if still_open == 0 else LineStatus.PARTIALLY_FULFILLED
    if still_open == 0:
        return LineStatus.CANCELLED
    return LineStatus(line.status)


def order_status_after(order: Order) -> OrderStatus:
    """The order's status from its goods lines' quantities, as `line_status_after` for a line:
    `fulfilled`, `partially fulfilled`, `cancelled` (everything cancelled, nothing shipped), or the
    status it had while nothing is shipped and something is open. Refunded, voided and closed
    orders keep their status."""
    status = OrderStatus(order.status)
    if status in _STATUS_KEPT_BY_QUANTITIES:
        return status
    shipped, still_open = shipped_quantity(order.line_items), open_quantity(order.line_items)
    if shipped > 0:
        return OrderStatus.FULFILLED if still_open == 0 else OrderStatus.PARTIALLY_FULFILLED
    if still_open == 0:
        return OrderStatus.CANCELLED
    return status


def status_after_refund(order: Order) -> OrderStatus:
    """An order's status once a refund is applied: `refunded` when nothing is open and nothing
    fulfilled is left to refund, else `partially refunded`; a closed order stays closed."""
    if order.status == OrderStatus.CLOSED:
        return OrderStatus.CLOSED
    goods = goods_lines(order.line_items)
    if open_quantity(goods) == 0 and not any(refundable_quantity(li) for li in goods):
        return OrderStatus.REFUNDED
    return OrderStatus.PARTIALLY_REFUNDED


def shipping_status_after(order: Order, status: OrderStatus) -> ShippingStatus | None:
    """`sys_shippable_status` over the shippable goods lines of an order about to be in `status`:
    None when the order is not shippable, cancelled or voided, or no shippable unit is shipped or
    open; else `shipped` (nothing open), `partially shipped` or `awaiting shipment`."""
    if not order.shippable or status in (OrderStatus.CANCELLED, OrderStatus.VOIDED):
        return None
    lines = [li for li in goods_lines(order.line_items) if li.shippable]
    shipped, still_open = shipped_quantity(lines), open_quantity(lines)
    if shipped > 0:
        return ShippingStatus.SHIPPED if still_open == 0 else ShippingStatus.PARTIALLY_SHIPPED
    return ShippingStatus.AWAITING_SHIPMENT if still_open > 0 else None


def is_annulled(status: OrderStatus) -> bool:
    """Cancelled or voided: nothing of the order stands."""
    return status in (OrderStatus.CANCELLED, OrderStatus.VOIDED)
