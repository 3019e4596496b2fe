"""The source APIs' own words for the lifecycle's statuses: the theatre API's (seeds/000, 001) and
the distribution API's (seeds/004). Translations, not rules: the statuses and their moves are
`domain.lifecycle`'s; this module and that one are the only two that spell a status word.
"""

from __future__ import annotations

from orders_domain.domain.lifecycle import LineStatus, OrderStatus, PaymentStatus, is_annulled

#: The theatre API's words for an order's, a product line's and a payment's status (seeds/000, 001).
THEATRE_ORDER_STATUS: dict[OrderStatus, str] = {
    OrderStatus.AWAITING_PAYMENT: "Pending",
    OrderStatus.PAID: "Paid",
    OrderStatus.PARTIALLY_FULFILLED: "PartiallyFulfilled",
    OrderStatus.FULFILLED: "Fulfilled",
    OrderStatus.PARTIALLY_REFUNDED: "PartiallyRefunded",
    OrderStatus.REFUNDED: "Refunded",
    OrderStatus.CANCELLED: "Cancelled",
    OrderStatus.VOIDED: "Voided",
    OrderStatus.CLOSED: "Closed",
}
THEATRE_LINE_STATUS: dict[LineStatus, str] = {
    LineStatus.AWAITING_PAYMENT: "Pending",
    LineStatus.PAID: "Paid",
    LineStatus.PARTIALLY_FULFILLED: "PartiallyFulfilled",
    LineStatus.FULFILLED: "Fulfilled",
    LineStatus.CANCELLED: "Cancelled",
    LineStatus.REFUNDED: "Refunded",
}
#: A refund shows in the theatre API as a negative payment entry marked "Voided" (seeds/001).
THEATRE_PAYMENT_STATUS: dict[PaymentStatus, str] = {
    PaymentStatus.PENDING: "Pending",
    PaymentStatus.SETTLED: "Settled",
    PaymentStatus.VOIDED: "Voided",
    PaymentStatus.REFUNDED: "Voided",
}

#: The distribution API's two order statuses (seeds/004).
DISTRIBUTION_ACTIVE = "active"
DISTRIBUTION_CANCELLED = "cancelled"


def distribution_status(status: OrderStatus) -> str:
    """`cancelled` for a cancelled or voided order, else `active`."""
    return DISTRIBUTION_CANCELLED if is_annulled(status) else DISTRIBUTION_ACTIVE
