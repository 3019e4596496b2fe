"""The lifecycle as a full table: every order status x every operation -> allowed, or its 409.

The expected table is written out here, independently of lifecycle.ALLOWED, so a change to the
rules shows up as a diff in this file.
"""

from __future__ import annotations

import io
import tokenize
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from orders_domain.domain import lifecycle, refundability
from orders_domain.domain.lifecycle import LineStatus, Operation, OrderStateConflict, OrderStatus
from orders_domain.domain.order_text import links_for
from orders_domain.models import LineItem, Order

from tests.helpers import ROOT

S = OrderStatus
O = Operation  # noqa: E741 - a table reads better with short names

# status -> operations allowed in it (by status alone; quantities are tested below)
EXPECTED: dict[OrderStatus, set[Operation]] = {
    S.AWAITING_PAYMENT: {O.PATCH, O.PUT, O.DELETE, O.FULFIL, O.CANCEL, O.VOID, O.REFUND, O.WILL_CALL_CHECK},
    S.PAID: {O.PATCH, O.PUT, O.FULFIL, O.CANCEL, O.VOID, O.REFUND, O.WILL_CALL_CHECK},
    S.PARTIALLY_FULFILLED: {
        O.PATCH, O.PUT, O.FULFIL, O.CANCEL, O.VOID, O.REFUND, O.WILL_CALL_CHECK, O.WILL_CALL_PICKUP,
    },
    S.FULFILLED: {
        O.PATCH, O.PUT, O.FULFIL, O.CANCEL, O.VOID, O.CLOSE, O.REFUND, O.WILL_CALL_CHECK, O.WILL_CALL_PICKUP,
    },
    S.PARTIALLY_REFUNDED: {
        O.PATCH, O.PUT, O.FULFIL, O.CANCEL, O.CLOSE, O.REFUND, O.WILL_CALL_CHECK, O.WILL_CALL_PICKUP,
    },
    S.REFUNDED: {
        O.PATCH, O.PUT, O.FULFIL, O.CANCEL, O.CLOSE, O.REFUND, O.WILL_CALL_CHECK, O.WILL_CALL_PICKUP,
    },
    S.CANCELLED: {O.DELETE, O.VOID, O.CLOSE, O.REFUND, O.WILL_CALL_CHECK},
    S.VOIDED: {O.WILL_CALL_CHECK},
    S.CLOSED: {O.REFUND, O.WILL_CALL_CHECK},
}  # fmt: skip


def test_the_table_covers_every_status_and_operation() -> None:
    assert set(EXPECTED) == set(OrderStatus)
    assert set(lifecycle.ALLOWED) == set(Operation)


@pytest.mark.parametrize("status", list(OrderStatus))
@pytest.mark.parametrize("operation", list(Operation))
def test_every_status_and_operation(status: OrderStatus, operation: Operation) -> None:
    refused = lifecycle.status_conflict(operation, status)
    if operation in EXPECTED[status]:
        assert refused is None
    else:
        assert isinstance(refused, OrderStateConflict)
        assert refused.status == 409
        assert refused.code == "order_state_conflict"
        assert refused.detail.endswith(".")
        if operation is Operation.CREATE:
            assert refused.detail == "An order with this id already exists."
        else:
            assert refused.detail.startswith("Cannot ")


# ------------------------------------------------------------------ quantities
def line(**changes: Any) -> LineItem:
    data: dict[str, Any] = {
        "line_number": 1,
        "order_line_item_id": "l1",
        "status": LineStatus.PAID,
        "quantity": 2,
        "unit_price": Decimal("10.00"),
    }
    data.update(changes)
    return LineItem.model_validate(data)


def order(status: OrderStatus = S.PAID, lines: list[LineItem] | None = None, **changes: Any) -> Order:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    data: dict[str, Any] = {
        "id": "o1",
        "number": 1,
        "token": "t" * 32,
        "tenant_id": "tenant-a",
        "status": status,
        "line_items": lines if lines is not None else [line()],
        "sys_version": 1,
        "sys_created_at": now,
        "sys_last_modified_at": now,
    }
    data.update(changes)
    return Order.model_validate(data)


def test_nothing_open_means_no_fulfil_and_no_cancel() -> None:
    done = order(S.FULFILLED, [line(quantity_shipped=2, status=LineStatus.FULFILLED)])
    for operation in (Operation.FULFIL, Operation.CANCEL):
        refused = lifecycle.conflict(operation, done)
        assert refused is not None
        assert "open" in refused.detail


def test_close_needs_every_line_settled() -> None:
    half_refunded = order(S.PARTIALLY_REFUNDED, [line(quantity=3, quantity_shipped=1, quantity_returned=1)])
    refused = lifecycle.conflict(Operation.CLOSE, half_refunded)
    assert refused is not None
    assert "open" in refused.detail
    settled = order(S.PARTIALLY_REFUNDED, [line(quantity=3, quantity_shipped=2, quantity_cancelled=1)])
    assert lifecycle.conflict(Operation.CLOSE, settled) is None


def test_refund_needs_something_fulfilled_and_not_yet_refunded() -> None:
    assert lifecycle.conflict(Operation.REFUND, order(S.PAID)) is not None
    half = order(S.PARTIALLY_FULFILLED, [line(quantity_shipped=1)])
    assert lifecycle.conflict(Operation.REFUND, half) is None
    refunded = order(S.REFUNDED, [line(quantity_shipped=1, quantity_returned=1, quantity_cancelled=1)])
    assert lifecycle.conflict(Operation.REFUND, refunded) is not None


def test_delete_refuses_an_order_with_payments_or_fulfilments() -> None:
    assert lifecycle.conflict(Operation.DELETE, order(S.AWAITING_PAYMENT)) is None
    assert lifecycle.conflict(Operation.DELETE, order(S.AWAITING_PAYMENT, amount_paid=Decimal(1))) is not None
    cancelled_after_shipping = order(S.CANCELLED, [line(quantity_shipped=1, quantity_cancelled=1)])
    assert lifecycle.conflict(Operation.DELETE, cancelled_after_shipping) is not None


def test_pickup_needs_a_fulfilled_line_not_yet_picked_up() -> None:
    assert (
        lifecycle.conflict(Operation.WILL_CALL_PICKUP, order(S.FULFILLED, [line(quantity_shipped=2)])) is None
    )
    picked = order(S.FULFILLED, [line(quantity_shipped=2, picked_up=True)])
    assert lifecycle.conflict(Operation.WILL_CALL_PICKUP, picked) is not None


def test_given_a_closed_order_with_a_line_to_pick_up_when_asked_then_no_pickup_but_the_check_still_runs() -> (
    None
):
    # GIVEN a closed order whose fulfilled line has not been picked up (quantities would allow it)
    closed = order(S.CLOSED, [line(quantity_shipped=2, status=LineStatus.FULFILLED)])
    # WHEN a pickup and a will-call check are asked of it
    pickup = lifecycle.conflict(Operation.WILL_CALL_PICKUP, closed)
    # THEN the pickup is refused (closed: only refunds change it) and the check, which changes nothing, runs
    assert pickup is not None
    assert pickup.detail == (
        "Cannot record a will-call pickup on this order: the order is closed; only refunds may change it."
    )
    assert lifecycle.conflict(Operation.WILL_CALL_CHECK, closed) is None
    assert lifecycle.conflict(Operation.REFUND, closed) is None


def test_check_raises_the_conflict_and_allows_the_rest() -> None:
    with pytest.raises(OrderStateConflict):
        lifecycle.check(Operation.FULFIL, order(S.VOIDED))
    lifecycle.check(Operation.FULFIL, order(S.PAID))


@pytest.mark.parametrize(
    ("the_line", "status", "reason", "self_service_reason"),
    [
        (line(quantity_shipped=2), S.FULFILLED, None, None),
        (line(quantity_shipped=2, picked_up=True), S.FULFILLED, None, refundability.REASON_PICKED_UP),
        (line(quantity_shipped=2, quantity_returned=2), S.REFUNDED, refundability.REASON_REFUNDED, None),
        (line(), S.PAID, refundability.REASON_NOT_FULFILLED, None),
        (line(quantity_cancelled=2), S.CANCELLED, refundability.REASON_CANCELLED, None),
        (line(quantity_shipped=2), S.VOIDED, refundability.REASON_VOIDED, None),
        (line(status=LineStatus.REFUNDED, quantity=-1), S.REFUNDED, refundability.REASON_REFUND_LINE, None),
    ],
)
def test_why_a_line_is_not_refundable(
    the_line: LineItem, status: OrderStatus, reason: str | None, self_service_reason: str | None
) -> None:
    the_order = order(status, [the_line])
    assert refundability.non_refundable_reason(the_order, the_line) == reason
    expected_self_service = reason if reason is not None else self_service_reason
    assert refundability.non_self_service_refundable_reason(the_order, the_line) == expected_self_service


def test_quantities_of_a_line() -> None:
    partly = line(quantity=5, quantity_shipped=2, quantity_cancelled=1, quantity_returned=1)
    assert lifecycle.line_open_quantity(partly) == 2
    assert lifecycle.cancellable_quantity(partly) == 2
    assert lifecycle.refundable_quantity(partly) == 1
    refund_line = line(status=LineStatus.REFUNDED, quantity=-1)
    assert lifecycle.line_open_quantity(refund_line) == 0
    assert lifecycle.refundable_quantity(refund_line) == 0


# ------------------------------------------------------------------ links ask the lifecycle
_ACTIVE = {"fulfill", "cancel", "refunds", "will-call-check"}
#: status -> the action links of an order with one line of 3, 1 fulfilled (2 open, 1 refundable),
#: written out rather than asked of the lifecycle.
EXPECTED_LINKS: dict[OrderStatus, set[str]] = {
    S.AWAITING_PAYMENT: _ACTIVE,
    S.PAID: _ACTIVE,
    S.PARTIALLY_FULFILLED: _ACTIVE,
    S.FULFILLED: _ACTIVE,
    S.PARTIALLY_REFUNDED: _ACTIVE,
    S.REFUNDED: _ACTIVE,
    S.CANCELLED: {"refunds", "will-call-check"},
    S.VOIDED: {"will-call-check"},
    S.CLOSED: {"refunds", "will-call-check"},
}


@pytest.mark.parametrize("status", list(OrderStatus))
def test_given_an_order_in_each_status_when_its_links_are_built_then_they_are_the_written_out_actions(
    status: OrderStatus,
) -> None:
    # GIVEN an order in `status` with something open and something refundable
    # WHEN its links are built
    links = links_for(order(status, [line(quantity=3, quantity_shipped=1)]))
    # THEN they are exactly the table's, whatever the lifecycle module says
    assert links["self"] == {"href": "/orders/tenant-a/o1"}
    assert links["fulfillments"] == {"href": "/orders/tenant-a/fulfillments?order_id=o1"}
    assert set(links) - {"self", "fulfillments"} == EXPECTED_LINKS[status]


def test_links_drop_fulfil_and_cancel_when_nothing_is_open() -> None:
    links = links_for(order(S.FULFILLED, [line(quantity=2, quantity_shipped=2)]))
    assert set(links) - {"self", "fulfillments"} == {"refunds", "will-call-check"}


# ------------------------------------------------------------------ the 409s say why
@pytest.mark.parametrize(
    ("operation", "status", "detail"),
    [
        (
            O.DELETE,
            S.PAID,
            "Cannot delete this order: only an order with nothing paid and nothing fulfilled may be deleted"
            ", and this one has a payment; cancel it first.",
        ),
        (
            O.DELETE,
            S.PARTIALLY_FULFILLED,
            "Cannot delete this order: only an order with nothing paid and nothing fulfilled may be deleted"
            ", and this one has fulfilled lines.",
        ),
        (
            O.DELETE,
            S.FULFILLED,
            "Cannot delete this order: only an order with nothing paid and nothing fulfilled may be deleted"
            ", and this one has been fulfilled.",
        ),
        (
            O.DELETE,
            S.REFUNDED,
            "Cannot delete this order: only an order with nothing paid and nothing fulfilled may be deleted"
            ", and this one has been fulfilled and refunded.",
        ),
        (O.DELETE, S.VOIDED, "Cannot delete this order: the order is voided; nothing further may change."),
        (O.DELETE, S.CLOSED, "Cannot delete this order: the order is closed; only refunds may change it."),
        (
            O.CLOSE,
            S.AWAITING_PAYMENT,
            "Cannot close this order: only a settled order (every line fulfilled, refunded or cancelled)"
            " may be closed, and this one is awaiting payment.",
        ),
        (
            O.CLOSE,
            S.PAID,
            "Cannot close this order: only a settled order (every line fulfilled, refunded or cancelled)"
            " may be closed, and nothing of this one has been fulfilled.",
        ),
        (
            O.CLOSE,
            S.PARTIALLY_FULFILLED,
            "Cannot close this order: only a settled order (every line fulfilled, refunded or cancelled)"
            " may be closed; fulfil or cancel its open lines first.",
        ),
        (O.CLOSE, S.VOIDED, "Cannot close this order: the order is voided; nothing further may change."),
        (O.CLOSE, S.CLOSED, "Cannot close this order: the order is already closed."),
        (
            O.VOID,
            S.PARTIALLY_REFUNDED,
            "Cannot void this order: refunds have been made, which a void cannot undo; refund the rest.",
        ),
        (
            O.VOID,
            S.REFUNDED,
            "Cannot void this order: the order has been refunded; there is nothing left to void.",
        ),
        (O.VOID, S.VOIDED, "Cannot void this order: the order is already voided."),
        (O.VOID, S.CLOSED, "Cannot void this order: the order is closed; only refunds may change it."),
        (O.CANCEL, S.CANCELLED, "Cannot cancel this order: the order is already cancelled."),
        (O.FULFIL, S.CANCELLED, "Cannot fulfil this order: the order is cancelled."),
        (O.PATCH, S.VOIDED, "Cannot change this order: the order is voided; nothing further may change."),
        (O.PUT, S.CLOSED, "Cannot replace this order: the order is closed; only refunds may change it."),
        (O.REFUND, S.VOIDED, "Cannot refund this order: the order is voided; nothing further may change."),
        (
            O.WILL_CALL_PICKUP,
            S.CLOSED,
            "Cannot record a will-call pickup on this order:"
            " the order is closed; only refunds may change it.",
        ),
        (
            O.WILL_CALL_PICKUP,
            S.PAID,
            "Cannot record a will-call pickup on this order: nothing of the order has been fulfilled.",
        ),
        (
            O.WILL_CALL_PICKUP,
            S.AWAITING_PAYMENT,
            "Cannot record a will-call pickup on this order:"
            " nothing of the order has been fulfilled; it is awaiting payment.",
        ),
        (O.CREATE, S.PAID, "An order with this id already exists."),
    ],
)
def test_given_an_order_in_a_status_when_an_operation_is_refused_then_the_409_says_why_in_words_that_fit_it(
    operation: Operation, status: OrderStatus, detail: str
) -> None:
    # GIVEN an order in `status` WHEN `operation` is asked of it
    refused = lifecycle.status_conflict(operation, status)
    # THEN the 409's detail is exactly the sentence written out here
    assert refused is not None
    assert refused.detail == detail


def test_given_the_reason_table_when_read_then_every_operation_specific_reason_is_for_a_refused_pair() -> (
    None
):
    # GIVEN the (operation, status) reasons WHEN compared with what each status allows
    # THEN none is dead text for a pair the lifecycle allows
    allowed = [pair for pair in lifecycle._WHY_NOT_FOR if lifecycle.status_allows(*pair)]
    assert allowed == []


# ------------------------------------------------------------------ status strings live in one module
SOURCES = [ROOT / "layers" / "orders_domain" / "orders_domain", ROOT / "functions", ROOT / "local"]
STATUS_STRINGS = {
    member.value
    for enum in (
        lifecycle.OrderStatus,
        lifecycle.LineStatus,
        lifecycle.PaymentStatus,
        lifecycle.ShippingStatus,
        lifecycle.VoucherStatus,
    )
    for member in enum
}


def string_literals(path: Path) -> list[tuple[int, str]]:
    found = []
    for token in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
        if token.type == tokenize.STRING:
            body = token.string.lstrip("rbuRBUfF")
            if body[:3] in ('"""', "'''"):
                continue  # docstrings may name a status in prose
            found.append((token.start[0], body.strip("\"'")))
    return found


#: Literals that spell a status word but name something else: the API key item's `active` attribute.
NOT_STATUSES = {("api_keys.py", "active")}


def test_no_status_string_outside_the_lifecycle_module() -> None:
    offenders = []
    for root in SOURCES:
        for path in root.rglob("*.py"):
            if path.name in ("lifecycle.py", "status_words.py"):
                continue
            offenders += [
                f"{path.relative_to(ROOT)}:{n}: {s!r}"
                for n, s in string_literals(path)
                if s in STATUS_STRINGS and (path.name, s) not in NOT_STATUSES
            ]
    assert offenders == [], "spell statuses with orders_domain.domain.lifecycle enums:\n" + "\n".join(
        offenders
    )
