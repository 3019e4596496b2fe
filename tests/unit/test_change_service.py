"""The change service on in-memory fakes: JSON Patch, PUT, delete and whole-order cancel (no HTTP)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from orders_domain.domain import jsonio, lifecycle, money
from orders_domain.domain.catalogue_rules import Reservation
from orders_domain.domain.errors import (
    NotFound,
    PatchTestFailed,
    PreconditionFailed,
    Unprocessable,
    ValidationFailed,
    VersionConflict,
)
from orders_domain.domain.lifecycle import LineStatus, OrderStateConflict, OrderStatus, PaymentStatus
from orders_domain.domain.order_edits import PRICED_FIELDS, client_document
from orders_domain.http.representation import order_json
from orders_domain.models import ORDER_SERVER_FIELDS, LineItem, Order, OrderCreateRequest
from orders_domain.models.fulfillments import Fulfillment
from orders_domain.services import CreateOrders, Pricing, ReadOrders
from orders_domain.services.change import ChangeOrders

from tests.fakes import InMemoryOrderRepository, LostAnswerRepository

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
LATER = datetime(2026, 3, 5, 8, 0, 0, tzinfo=UTC)
TENANT = "t"
ACTOR = "key_b"


def base_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "line_items": [
            {"order_line_item_id": "L1", "quantity": 2, "unit_price": "13.75", "taxes": "1.10", "sku": "A"},
            {"order_line_item_id": "L2", "quantity": 1, "unit_price": "5.00", "shippable": True},
        ],
        "payment_info": {"type": "card"},
        "shipping_charges": "4.00",
        "coupons": [{"coupon_id": "c1", "discount": "2.00"}],
        "payload": {"a/b": 1, "m~n": 2},
        "additional_email_confirmation_recipients": [],
        "memo": "first",
    }
    body.update(changes)
    return body


def make_service(repo: InMemoryOrderRepository, **options: Any) -> ChangeOrders:
    return ChangeOrders(repo, pricing=Pricing(clock=lambda: NOW), clock=lambda: LATER, **options)


def make_order(repo: InMemoryOrderRepository, **changes: Any) -> Order:
    request = OrderCreateRequest.model_validate(base_body(**changes))
    creator = CreateOrders(repo, pricing=Pricing(clock=lambda: NOW))
    return creator.create(request, tenant_id=TENANT, actor="key_a").order


@pytest.fixture
def repo() -> InMemoryOrderRepository:
    return InMemoryOrderRepository()


@pytest.fixture
def change(repo: InMemoryOrderRepository) -> ChangeOrders:
    return make_service(repo)


@pytest.fixture
def order(repo: InMemoryOrderRepository) -> Order:
    return make_order(repo)


def stored(repo: InMemoryOrderRepository, order: Order) -> Order:
    return repo.orders[(order.tenant_id, order.id)][0]


def assert_money_invariants(order: Order) -> None:
    """API.md's money rules, for the order and every line."""
    assert order.total == order.subtotal - order.discounts + order.taxes + order.shipping_charges
    assert order.balance_due == order.total - (
        order.amount_paid + order.amount_pending_capture - order.amount_refunded
    )
    assert order.amount_refunded <= order.amount_paid
    assert order.total == sum((li.total for li in order.line_items), money.ZERO) + order.shipping_charges
    assert order.discounts == sum((li.discounts for li in order.line_items), money.ZERO)
    assert order.taxes == sum((li.taxes for li in order.line_items), money.ZERO)
    pending = [p.amount for p in order.payments if p.status == PaymentStatus.PENDING]
    assert order.amount_pending_capture == sum(pending, money.ZERO)
    for li in order.line_items:
        assert li.balance_due == li.total - (li.amount_paid + li.amount_pending_capture - li.amount_refunded)
        if li.status != LineStatus.CANCELLED:
            gross = money.rounded(li.quantity * li.unit_price, order.currency_code)
            assert li.total == gross - li.discounts + li.taxes
    numbers = [li.line_number for li in order.line_items]
    assert len(numbers) == len(set(numbers))


def assert_unchanged(repo: InMemoryOrderRepository, order: Order) -> None:
    assert stored(repo, order) == order
    assert "replace" not in repo.calls


# ------------------------------------------------------------------ each operation
def test_given_an_order_when_a_member_is_added_then_it_is_stored_with_the_next_version(
    change: ChangeOrders, repo: InMemoryOrderRepository, order: Order
) -> None:
    # WHEN a memo is replaced and notes are added
    ops = [
        {"op": "replace", "path": "/memo", "value": "second"},
        {"op": "add", "path": "/notes", "value": "n"},
    ]
    changed = change.patch(TENANT, order.id, ops, actor=ACTOR, if_match=None)
    # THEN both are changed, the version moves on by one, and the change is signed and dated
    assert (changed.memo, changed.notes) == ("second", "n")
    assert changed.sys_version == order.sys_version + 1
    assert changed.sys_last_modified_at == LATER
    assert changed.sys_last_modified_by_id == ACTOR
    assert (changed.sys_created_at, changed.sys_created_by_id) == (order.sys_created_at, "key_a")
    assert (changed.id, changed.number, changed.token, changed.date) == (
        order.id,
        order.number,
        order.token,
        order.date,
    )
    assert stored(repo, order) == changed
    # AND nothing else moved: same money, same payment, same lines
    moved = {"memo", "notes", "sys_version", "sys_last_modified_at", "sys_recent_write_ids"}
    assert changed.model_dump(exclude=moved) == (
        order.model_dump(exclude=moved) | {"sys_last_modified_by_id": ACTOR}
    )


def test_given_keys_with_slash_and_tilde_when_removed_by_escaped_pointers_then_those_keys_go(
    change: ChangeOrders, order: Order
) -> None:
    # GIVEN a payload {"a/b": 1, "m~n": 2} WHEN "/payload/a~1b" is removed and "/payload/m~0n" replaced
    ops = [
        {"op": "remove", "path": "/payload/a~1b"},
        {"op": "replace", "path": "/payload/m~0n", "value": 3},
        {"op": "add", "path": "/payload/x~1y~0z", "value": True},
    ]
    changed = change.patch(TENANT, order.id, ops, actor=ACTOR, if_match=None)
    # THEN the escapes were decoded (RFC 6901)
    assert changed.payload == {"m~n": 3, "x/y~z": True}


def test_given_a_line_when_its_quantity_is_replaced_then_the_order_is_repriced_and_the_payment_follows(
    change: ChangeOrders, order: Order
) -> None:
    changed = change.patch(
        TENANT,
        order.id,
        [{"op": "replace", "path": "/line_items/0/quantity", "value": 3}],
        actor=ACTOR,
        if_match=None,
    )
    # THEN 3 x 13.75 + 1.10 tax + 5.00 - 2.00 coupon + 4.00 shipping
    assert changed.subtotal == Decimal("46.25")
    assert changed.total == Decimal("49.35")
    assert changed.line_items[0].quantity_to_be_shipped == 3
    assert changed.line_items[0].quantity_available_for_cancellation == 3
    assert [p.amount for p in changed.payments] == [changed.total]
    assert changed.payments[0].payment_id == order.payments[0].payment_id
    assert changed.payments[0].date == order.payments[0].date
    assert changed.status == OrderStatus.PAID
    assert [li.line_number for li in changed.line_items] == [1, 2]
    assert_money_invariants(changed)


def test_given_members_when_moved_and_copied_then_they_land_at_the_new_paths(
    change: ChangeOrders, order: Order
) -> None:
    ops = [
        {"op": "move", "from": "/memo", "path": "/notes"},
        {"op": "copy", "from": "/notes", "path": "/special_instructions"},
        {"op": "copy", "from": "/line_items/0/sku", "path": "/line_items/1/sku"},
    ]
    changed = change.patch(TENANT, order.id, ops, actor=ACTOR, if_match=None)
    assert (changed.memo, changed.notes, changed.special_instructions) == (None, "first", "first")
    assert [li.sku for li in changed.line_items] == ["A", "A"]


def test_given_a_passing_test_with_a_number_when_patched_then_money_compares_by_value(
    change: ChangeOrders, order: Order
) -> None:
    # GIVEN the order's total (27.50 + 1.10 + 5.00 - 2.00 + 4.00) as a client's float and as an int
    assert order.total == Decimal("35.60")
    ops = [
        {"op": "test", "path": "/total", "value": 35.6},
        {"op": "test", "path": "/line_items/1/unit_price", "value": 5},
        {"op": "test", "path": "/line_items/1/shippable", "value": True},
        {"op": "replace", "path": "/memo", "value": "tested"},
    ]
    # WHEN patched THEN the tests pass and the change is made
    assert change.patch(TENANT, order.id, ops, actor=ACTOR, if_match=None).memo == "tested"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("/total", 35.61),
        ("/memo", "other"),
        ("/line_items/1/shippable", 1),  # a number is not a boolean (RFC 6902)
        ("/notes", "absent member"),
    ],
)
def test_given_a_failing_test_when_patched_then_409_patch_test_failed_and_nothing_written(
    change: ChangeOrders, repo: InMemoryOrderRepository, order: Order, path: str, value: Any
) -> None:
    ops = [{"op": "replace", "path": "/memo", "value": "x"}, {"op": "test", "path": path, "value": value}]
    with pytest.raises(PatchTestFailed) as raised:
        change.patch(TENANT, order.id, ops, actor=ACTOR, if_match=None)
    assert raised.value.status == 409
    assert raised.value.code == "patch_test_failed"
    assert path in raised.value.detail
    assert_unchanged(repo, order)


def test_given_only_test_operations_when_patched_then_the_order_is_returned_without_a_write(
    change: ChangeOrders, repo: InMemoryOrderRepository, order: Order
) -> None:
    ops = [{"op": "test", "path": "/memo", "value": "first"}]
    assert change.patch(TENANT, order.id, ops, actor=ACTOR, if_match=None) == order
    assert change.patch(TENANT, order.id, [], actor=ACTOR, if_match=None) == order
    assert_unchanged(repo, order)


# ------------------------------------------------------------------ lines
def test_given_an_order_when_a_line_is_appended_with_dash_then_it_gets_the_next_number_and_is_priced(
    change: ChangeOrders, order: Order
) -> None:
    new_line = {"quantity": 3, "unit_price": 2.5, "taxes": 0.3, "sku": "N"}
    changed = change.patch(
        TENANT,
        order.id,
        [{"op": "add", "path": "/line_items/-", "value": new_line}],
        actor=ACTOR,
        if_match=None,
    )
    added = changed.line_items[2]
    assert added.line_number == 3
    assert added.total == Decimal("7.80") - added.discounts
    assert added.status == LineStatus.PAID
    assert (added.quantity_to_be_shipped, added.quantity_available_for_cancellation) == (3, 3)
    assert added.order_line_item_id not in ("L1", "L2")
    assert changed.subtotal == order.subtotal + Decimal("7.50")
    assert changed.total == order.total + Decimal("7.80")
    # the coupon is spread over three lines now, and the pending payment is the new total
    assert sum((li.discounts for li in changed.line_items), money.ZERO) == Decimal("2.00")
    payment = changed.payments[0]
    assert (payment.payment_id, payment.amount) == (order.payments[0].payment_id, changed.total)
    assert payment.line_item_ids == [li.order_line_item_id for li in changed.line_items]
    assert changed.amount_pending_capture == changed.total
    assert_money_invariants(changed)


def test_given_three_lines_when_one_is_removed_and_one_added_then_numbers_are_never_reused_at_once(
    change: ChangeOrders, repo: InMemoryOrderRepository
) -> None:
    order = make_order(repo, line_items=[{"quantity": 1, "unit_price": "1.00"} for _ in range(3)])
    ops = [
        {"op": "remove", "path": "/line_items/2"},
        {"op": "add", "path": "/line_items/0", "value": {"quantity": 1, "unit_price": "9.00"}},
    ]
    changed = change.patch(TENANT, order.id, ops, actor=ACTOR, if_match=None)
    assert [li.line_number for li in changed.line_items] == [4, 1, 2]
    assert changed.total == Decimal("11.00") - Decimal("2.00") + Decimal("4.00")
    assert_money_invariants(changed)


def test_given_an_awaiting_order_when_payment_info_is_added_then_it_is_paid_with_a_pending_payment(
    change: ChangeOrders, repo: InMemoryOrderRepository
) -> None:
    order = make_order(repo, payment_info=None)
    assert order.status == OrderStatus.AWAITING_PAYMENT
    changed = change.patch(
        TENANT,
        order.id,
        [{"op": "add", "path": "/payment_info", "value": {"type": "cash"}}],
        actor=ACTOR,
        if_match=None,
    )
    assert changed.status == OrderStatus.PAID
    assert [(p.type, p.amount, p.status) for p in changed.payments] == [
        ("cash", changed.total, PaymentStatus.PENDING)
    ]
    assert {li.status for li in changed.line_items} == {LineStatus.PAID}
    assert_money_invariants(changed)


def test_given_a_pending_payment_when_payment_info_is_removed_then_409(
    change: ChangeOrders, repo: InMemoryOrderRepository, order: Order
) -> None:
    with pytest.raises(OrderStateConflict):
        change.patch(
            TENANT, order.id, [{"op": "remove", "path": "/payment_info"}], actor=ACTOR, if_match=None
        )
    assert_unchanged(repo, order)


def test_given_a_date_when_changed_without_and_with_override_then_only_the_override_moves_it(
    change: ChangeOrders, repo: InMemoryOrderRepository, order: Order
) -> None:
    # WHEN the date is replaced alone THEN the result is the order as it is: nothing is written
    alone = [{"op": "replace", "path": "/date", "value": "2025-01-02T03:04:05Z"}]
    assert change.patch(TENANT, order.id, alone, actor=ACTOR, if_match=None) == order
    assert "replace" not in repo.calls
    # WHEN it comes with override_order_date THEN it is taken
    override = [*alone, {"op": "add", "path": "/override_order_date", "value": True}]
    assert change.patch(TENANT, order.id, override, actor=ACTOR, if_match=None).date == "2025-01-02T03:04:05Z"


# ------------------------------------------------------------------ refused patches
@pytest.mark.parametrize(
    ("op", "field"),
    [
        ({"op": "replace", "path": "/status", "value": "cancelled"}, "/status"),
        ({"op": "replace", "path": "/sys_version", "value": 9}, "/sys_version"),
        ({"op": "replace", "path": "/payments/0/amount", "value": 1}, "/payments/0/amount"),
        ({"op": "remove", "path": "/payments"}, "/payments"),
        ({"op": "add", "path": "/refunded_payments/-", "value": {}}, "/refunded_payments/-"),
        ({"op": "replace", "path": "/line_items/0/total", "value": 1}, "/line_items/0/total"),
        ({"op": "add", "path": "/line_items/-/status", "value": "paid"}, "/line_items/-/status"),
        (
            {"op": "replace", "path": "/line_items/1/quantity_shipped", "value": 1},
            "/line_items/1/quantity_shipped",
        ),
        ({"op": "move", "from": "/total", "path": "/memo"}, "/total"),
        ({"op": "copy", "from": "/memo", "path": "/number"}, "/number"),
        ({"op": "add", "path": "/tenant_id", "value": "other"}, "/tenant_id"),
        ({"op": "add", "path": "/sys_deleted", "value": True}, "/sys_deleted"),
        (
            {"op": "replace", "path": "/sys_last_security_context/x", "value": 1},
            "/sys_last_security_context/x",
        ),
    ],
)
def test_given_a_protected_path_when_patched_then_400_names_the_pointer_and_nothing_is_read(
    change: ChangeOrders, repo: InMemoryOrderRepository, order: Order, op: dict[str, Any], field: str
) -> None:
    repo.calls.clear()
    with pytest.raises(ValidationFailed) as raised:
        change.patch(
            TENANT, order.id, [{"op": "test", "path": "/total", "value": 0}, op], actor=ACTOR, if_match=None
        )
    assert [(e.field, e.error) for e in raised.value.errors] == [
        (field, "is set by the server and may not be changed")
    ]
    assert repo.calls == []


def test_given_a_client_key_holding_a_server_name_when_escaped_then_it_is_not_protected(
    change: ChangeOrders, order: Order
) -> None:
    # "~1" decodes to "/" before the comparison: "/payload/sys_version~1x" is the payload's key
    # "sys_version/x", not a path under /sys_version
    changed = change.patch(
        TENANT,
        order.id,
        [{"op": "add", "path": "/payload/sys_version~1x", "value": 1}],
        actor=ACTOR,
        if_match=None,
    )
    assert changed.payload == {"a/b": 1, "m~n": 2, "sys_version/x": 1}


def test_given_a_whole_line_replaced_with_an_altered_counter_when_patched_then_400_names_it(
    change: ChangeOrders, repo: InMemoryOrderRepository, order: Order
) -> None:
    line = client_document(order)["line_items"][0]
    line["quantity_shipped"] = 2
    with pytest.raises(ValidationFailed) as raised:
        change.patch(
            TENANT,
            order.id,
            [{"op": "replace", "path": "/line_items/0", "value": line}],
            actor=ACTOR,
            if_match=None,
        )
    assert [e.field for e in raised.value.errors] == ["/line_items/0/quantity_shipped"]
    assert_unchanged(repo, order)


def test_given_a_copied_line_with_a_new_id_when_patched_then_its_server_fields_are_refused(
    change: ChangeOrders, repo: InMemoryOrderRepository, order: Order
) -> None:
    ops = [
        {"op": "copy", "from": "/line_items/0", "path": "/line_items/-"},
        {"op": "replace", "path": "/line_items/2/order_line_item_id", "value": "L3"},
    ]
    with pytest.raises(ValidationFailed) as raised:
        change.patch(TENANT, order.id, ops, actor=ACTOR, if_match=None)
    assert "/line_items/2/line_number" in {e.field for e in raised.value.errors}
    assert {e.error for e in raised.value.errors} == {"is set by the server; a new line may not carry it"}
    assert_unchanged(repo, order)


@pytest.mark.parametrize(
    ("ops", "field"),
    [
        ([{"op": "replace", "path": "/line_items/0/quantity", "value": 0}], "line_items[0].quantity"),
        ([{"op": "replace", "path": "/line_items/0/quantity", "value": "2"}], "line_items[0].quantity"),
        ([{"op": "replace", "path": "/line_items/1/shippable", "value": "yes"}], "line_items[1].shippable"),
        ([{"op": "add", "path": "/colour", "value": "red"}], "colour"),
        ([{"op": "add", "path": "/_links", "value": {}}], "_links"),
        (
            [{"op": "remove", "path": "/line_items/1"}, {"op": "remove", "path": "/line_items/0"}],
            "line_items",
        ),
        ([{"op": "replace", "path": "/currency_code", "value": "XYZ"}], "currency_code"),
        ([{"op": "replace", "path": "/line_items/0/unit_price", "value": 1.005}], "line_items[0].unit_price"),
        (
            [{"op": "add", "path": "/coupons/0/order_line_item_ids", "value": ["nope"]}],
            "coupons[0].order_line_item_ids[0]",
        ),
    ],
)
def test_given_a_patch_whose_result_is_not_a_valid_order_when_patched_then_400_and_nothing_written(
    change: ChangeOrders, repo: InMemoryOrderRepository, order: Order, ops: list[dict[str, Any]], field: str
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        change.patch(TENANT, order.id, ops, actor=ACTOR, if_match=None)
    assert field in [e.field for e in raised.value.errors]
    assert_unchanged(repo, order)
    assert stored(repo, order).sys_version == order.sys_version


def test_given_a_duplicate_prevention_key_when_patched_in_then_400(
    change: ChangeOrders, order: Order
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        change.patch(
            TENANT,
            order.id,
            [{"op": "add", "path": "/duplicate_prevention_key", "value": "k"}],
            actor=ACTOR,
            if_match=None,
        )
    assert [e.field for e in raised.value.errors] == ["/duplicate_prevention_key"]


def test_given_a_coupon_larger_than_the_rest_when_lines_are_removed_then_422(
    change: ChangeOrders, repo: InMemoryOrderRepository
) -> None:
    order = make_order(repo, coupons=[{"discount": "6.00"}])
    with pytest.raises(Unprocessable):
        change.patch(
            TENANT, order.id, [{"op": "remove", "path": "/line_items/0"}], actor=ACTOR, if_match=None
        )
    assert_unchanged(repo, order)


@pytest.mark.parametrize(
    "op",
    [
        {"op": "remove", "path": "/notes"},
        {"op": "replace", "path": "/line_items/9/quantity", "value": 1},
        {"op": "add", "path": "/line_items/5", "value": {"quantity": 1, "unit_price": 1}},
        {"op": "remove", "path": "/line_items/01"},
        {"op": "add", "path": "/memo/x", "value": 1},
        {"op": "move", "from": "/notes", "path": "/memo"},
        {"op": "copy", "from": "/payload/none", "path": "/memo"},
    ],
)
def test_given_an_operation_that_cannot_apply_when_patched_then_422_names_it(
    change: ChangeOrders, repo: InMemoryOrderRepository, order: Order, op: dict[str, Any]
) -> None:
    ops = [{"op": "replace", "path": "/memo", "value": "x"}, op]
    with pytest.raises(Unprocessable) as raised:
        change.patch(TENANT, order.id, ops, actor=ACTOR, if_match=None)
    assert raised.value.status == 422
    assert "Operation 1" in raised.value.detail
    assert op["path"] in raised.value.detail
    assert [e.field for e in raised.value.errors] == ["[1].path"]
    assert_unchanged(repo, order)


@pytest.mark.parametrize(
    ("operations", "fields"),
    [
        ({"op": "add", "path": "/memo", "value": 1}, ["body"]),
        ("[]", ["body"]),
        ([{"op": "add", "path": "/memo", "value": "x"}] * 101, ["body"]),
        ([["add"]], ["[0]"]),
        ([{"path": "/memo", "value": 1}], ["[0].op"]),
        ([{"op": "merge", "path": "/memo"}], ["[0].op"]),
        ([{"op": "add", "value": 1}], ["[0].path"]),
        ([{"op": "add", "path": "memo", "value": 1}], ["[0].path"]),
        ([{"op": "remove", "path": "/a~2b"}], ["[0].path"]),
        ([{"op": "add", "path": "/memo"}], ["[0].value"]),
        ([{"op": "test", "path": "/memo"}], ["[0].value"]),
        ([{"op": "move", "path": "/memo"}], ["[0].from"]),
        ([{"op": "copy", "from": 3, "path": "/memo"}], ["[0].from"]),
        ([{"op": "replace", "path": "", "value": {}}], ["[0].path"]),
        ([{"op": "remove", "path": "/memo"}, {"op": "add", "path": 7, "value": 1}, 5], ["[1].path", "[2]"]),
    ],
)
def test_given_a_malformed_patch_when_sent_then_400_names_each_bad_member(
    change: ChangeOrders, repo: InMemoryOrderRepository, order: Order, operations: Any, fields: list[str]
) -> None:
    repo.calls.clear()
    with pytest.raises(ValidationFailed) as raised:
        change.patch(TENANT, order.id, operations, actor=ACTOR, if_match=None)
    assert [e.field for e in raised.value.errors] == fields
    assert repo.calls == []


def test_given_a_patch_of_exactly_100_operations_when_sent_then_it_is_applied(
    change: ChangeOrders, order: Order
) -> None:
    ops = [
        {"op": "add", "path": "/additional_email_confirmation_recipients/-", "value": f"{i}@x"}
        for i in range(100)
    ]
    changed = change.patch(TENANT, order.id, ops, actor=ACTOR, if_match=None)
    assert len(changed.additional_email_confirmation_recipients or []) == 100
    assert changed.sys_version == order.sys_version + 1


# ------------------------------------------------------------------ references, versions, concurrency
def test_given_a_token_reference_when_patched_then_the_order_is_changed(
    change: ChangeOrders, order: Order
) -> None:
    ops = [{"op": "replace", "path": "/memo", "value": "by token"}]
    assert change.patch(TENANT, f"token-{order.token}", ops, actor=ACTOR, if_match=None).memo == "by token"


@pytest.mark.parametrize(
    ("tenant", "ref"), [("other", None), (TENANT, "no-such-order"), (TENANT, "token-unknown-token-1234")]
)
def test_given_an_unknown_or_foreign_order_when_changed_then_404(
    change: ChangeOrders, order: Order, tenant: str, ref: str | None
) -> None:
    with pytest.raises(NotFound):
        change.patch(tenant, ref or order.id, [], actor=ACTOR, if_match=None)
    with pytest.raises(NotFound):
        change.delete(tenant, ref or order.id, actor=ACTOR, if_match=None)


def test_given_a_stale_if_match_when_patched_then_412_and_a_current_one_writes(
    change: ChangeOrders, repo: InMemoryOrderRepository, order: Order
) -> None:
    ops = [{"op": "replace", "path": "/memo", "value": "x"}]
    with pytest.raises(PreconditionFailed) as raised:
        change.patch(TENANT, order.id, ops, actor=ACTOR, if_match=order.sys_version + 1)
    assert raised.value.status == 412
    assert_unchanged(repo, order)
    assert change.patch(TENANT, order.id, ops, actor=ACTOR, if_match=order.sys_version).memo == "x"


class RacingRepository(InMemoryOrderRepository):
    """Another writer changes the order just before each of the first `races` writes."""

    def __init__(self, races: int) -> None:
        super().__init__()
        self.races = races

    def replace(
        self,
        order: Order,
        *,
        expected_version: int,
        fulfillment: Fulfillment | None = None,
        request_token: str | None = None,
        releases: Sequence[Reservation] = (),
    ) -> None:
        if self.races > 0:
            self.races -= 1
            other = self.orders[(order.tenant_id, order.id)][0]
            ours = other.model_copy(
                update={"sys_version": other.sys_version + 1, "notes": f"other {self.races}"}
            )
            super().replace(ours, expected_version=other.sys_version)
        super().replace(order, expected_version=expected_version, fulfillment=fulfillment, releases=releases)


def test_given_a_concurrent_write_without_if_match_when_patched_then_it_is_reapplied_on_the_new_version() -> (
    None
):
    repo = RacingRepository(races=2)
    order = make_order(repo)
    sleeps: list[float] = []
    change = make_service(repo, sleep=sleeps.append)
    changed = change.patch(
        TENANT, order.id, [{"op": "replace", "path": "/memo", "value": "x"}], actor=ACTOR, if_match=None
    )
    # THEN the other writer's change is kept, and ours is on top of it
    assert (changed.memo, changed.notes, changed.sys_version) == ("x", "other 0", order.sys_version + 3)
    assert len(sleeps) == 2
    assert all(0 <= s <= 0.01 for s in sleeps)


def test_given_a_concurrent_write_with_if_match_when_patched_then_412() -> None:
    repo = RacingRepository(races=1)
    order = make_order(repo)
    change = make_service(repo, sleep=lambda s: None)
    with pytest.raises(PreconditionFailed):
        change.patch(
            TENANT,
            order.id,
            [{"op": "replace", "path": "/memo", "value": "x"}],
            actor=ACTOR,
            if_match=order.sys_version,
        )


def test_given_a_write_that_always_conflicts_when_patched_then_409_after_max_attempts() -> None:
    repo = RacingRepository(races=10**6)
    order = make_order(repo)
    sleeps: list[float] = []
    change = make_service(repo, max_attempts=5, sleep=sleeps.append)
    with pytest.raises(VersionConflict) as raised:
        change.patch(
            TENANT, order.id, [{"op": "replace", "path": "/memo", "value": "x"}], actor=ACTOR, if_match=None
        )
    assert raised.value.status == 409
    assert len(sleeps) == 4
    assert stored(repo, order).memo == "first"


class SlowReadRepository(InMemoryOrderRepository):
    """Reads take a millisecond, as a network read would: threads interleave between read and write."""

    def get(
        self, tenant_id: str, order_id: str, *, consistent: bool = False, include_deleted: bool = False
    ) -> Order | None:
        found = super().get(tenant_id, order_id, consistent=consistent, include_deleted=include_deleted)
        time.sleep(0.001)
        return found


def test_given_concurrent_patches_from_threads_when_all_done_then_no_update_is_lost() -> None:
    # GIVEN 6 threads patching one order 6 times each, with the default attempts and real backoff
    repo = SlowReadRepository()
    order = make_order(repo)
    change = make_service(repo)
    errors: list[BaseException] = []

    def work(thread: int) -> None:
        try:
            for n in range(6):
                op = {
                    "op": "add",
                    "path": "/additional_email_confirmation_recipients/-",
                    "value": f"{thread}.{n}@x",
                }
                change.patch(TENANT, order.id, [op], actor=f"k{thread}", if_match=None)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    final = stored(repo, order)
    recipients = final.additional_email_confirmation_recipients or []
    assert sorted(recipients) == sorted(f"{t}.{n}@x" for t in range(6) for n in range(6))
    assert final.sys_version == order.sys_version + 36
    # each thread's own patches landed in its order
    for t in range(6):
        assert [r for r in recipients if r.startswith(f"{t}.")] == [f"{t}.{n}@x" for n in range(6)]


# ------------------------------------------------------------------ PUT
@pytest.mark.parametrize("parse", [jsonio.loads, json.loads], ids=["exact", "floats"])
def test_given_a_get_body_when_put_back_with_one_edit_then_only_that_field_changes(
    change: ChangeOrders, repo: InMemoryOrderRepository, order: Order, parse: Any
) -> None:
    # GIVEN the order exactly as GET returns it (server fields, _links and all)
    body = parse(order_json(order))
    assert "_links" in body
    body["memo"] = "edited"
    # WHEN it is PUT back
    changed = change.put(TENANT, order.id, body, actor=ACTOR, if_match=order.sys_version)
    # THEN only the memo and the bookkeeping changed
    bookkeeping = {
        "memo",
        "sys_version",
        "sys_last_modified_at",
        "sys_last_modified_by_id",
        "sys_recent_write_ids",
    }
    assert changed.model_dump(exclude=bookkeeping) == order.model_dump(exclude=bookkeeping)
    assert (changed.memo, changed.sys_version) == ("edited", order.sys_version + 1)


def test_given_a_get_body_when_put_back_unchanged_then_nothing_is_written(
    change: ChangeOrders, repo: InMemoryOrderRepository, order: Order
) -> None:
    assert change.put(TENANT, order.id, jsonio.loads(order_json(order)), actor=ACTOR, if_match=None) == order
    assert_unchanged(repo, order)


def test_given_a_put_body_without_some_client_fields_then_they_are_cleared(
    change: ChangeOrders, order: Order
) -> None:
    body = client_document(order)
    for name in ("memo", "payload", "coupons"):
        del body[name]
    changed = change.put(TENANT, order.id, body, actor=ACTOR, if_match=None)
    assert (changed.memo, changed.payload, changed.coupons) == (None, None, [])
    assert changed.discounts == 0
    assert changed.total == order.total + Decimal("2.00")
    assert_money_invariants(changed)


def test_given_a_put_of_client_fields_only_then_server_fields_are_kept(
    change: ChangeOrders, order: Order
) -> None:
    body = {
        "line_items": [{"order_line_item_id": "L1", "quantity": 1, "unit_price": 10}],
        "payment_info": {"type": "card"},
        "memo": "short",
    }
    changed = change.put(TENANT, order.id, body, actor=ACTOR, if_match=None)
    assert (changed.id, changed.number, changed.token, changed.date) == (
        order.id,
        order.number,
        order.token,
        order.date,
    )
    assert [(li.order_line_item_id, li.line_number) for li in changed.line_items] == [("L1", 1)]
    assert changed.total == Decimal("10.00")
    assert changed.payments[0].payment_id == order.payments[0].payment_id
    assert_money_invariants(changed)


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda b: b.update(total=1), "/total"),
        (lambda b: b.update(number=99), "/number"),
        (lambda b: b.update(status=OrderStatus.AWAITING_PAYMENT.value), "/status"),
        (lambda b: b.update(sys_created_at="2020-01-01T00:00:00Z"), "/sys_created_at"),
        (lambda b: b["payments"][0].update(amount=1), "/payments"),
        (lambda b: b["line_items"][1].update(status=LineStatus.CANCELLED.value), "/line_items/1/status"),
        (lambda b: b["line_items"][0].update(quantity_cancelled=1), "/line_items/0/quantity_cancelled"),
        (lambda b: b.update(tenant_id="other"), "/tenant_id"),
    ],
)
def test_given_a_put_body_with_a_changed_server_field_then_400_names_it(
    change: ChangeOrders, repo: InMemoryOrderRepository, order: Order, edit: Any, field: str
) -> None:
    body = jsonio.loads(order_json(order))
    edit(body)
    with pytest.raises(ValidationFailed) as raised:
        change.put(TENANT, order.id, body, actor=ACTOR, if_match=None)
    assert [e.field for e in raised.value.errors] == [field]
    if field == "/status":
        assert "cancel" in raised.value.errors[0].error
    assert_unchanged(repo, order)


def test_given_a_put_body_echoing_an_older_version_then_412(
    change: ChangeOrders, repo: InMemoryOrderRepository, order: Order
) -> None:
    body = jsonio.loads(order_json(order))
    change.patch(
        TENANT,
        order.id,
        [{"op": "add", "path": "/notes", "value": "meanwhile"}],
        actor=ACTOR,
        if_match=None,
    )
    with pytest.raises(PreconditionFailed):
        change.put(TENANT, order.id, {**body, "memo": "late"}, actor=ACTOR, if_match=None)
    assert stored(repo, order).notes == "meanwhile"


@pytest.mark.parametrize("body", [[1], "x", None])
def test_given_a_put_body_that_is_not_an_object_then_400(
    change: ChangeOrders, order: Order, body: Any
) -> None:
    with pytest.raises(ValidationFailed):
        change.put(TENANT, order.id, body, actor=ACTOR, if_match=None)


# ------------------------------------------------------------------ cancel
def assert_cancelled(cancelled: Order, order: Order) -> None:
    assert cancelled.status == OrderStatus.CANCELLED
    assert cancelled.sys_shippable_status is None
    assert (cancelled.total, cancelled.subtotal, cancelled.discounts, cancelled.taxes) == (0, 0, 0, 0)
    assert (cancelled.shipping_charges, cancelled.amount_pending_capture, cancelled.balance_due) == (0, 0, 0)
    assert [p.status for p in cancelled.payments] == [PaymentStatus.VOIDED] * len(order.payments)
    assert [p.amount for p in cancelled.payments] == [p.amount for p in order.payments]
    for before, after in zip(order.line_items, cancelled.line_items, strict=True):
        assert after.status == LineStatus.CANCELLED
        assert (after.quantity, after.unit_price) == (before.quantity, before.unit_price)
        assert after.quantity_cancelled == before.quantity
        assert (after.quantity_to_be_shipped, after.quantity_available_for_cancellation) == (0, 0)
        assert (after.total, after.amount_pending_capture, after.balance_due) == (0, 0, 0)
        assert after.amount_to_pay_upon_creation == before.amount_to_pay_upon_creation
    assert_money_invariants(cancelled)


def test_given_a_paid_shippable_order_when_put_status_cancelled_alone_then_it_is_cancelled(
    change: ChangeOrders, repo: InMemoryOrderRepository, order: Order
) -> None:
    assert order.sys_shippable_status is not None
    cancelled = change.put(TENANT, order.id, {"status": OrderStatus.CANCELLED.value}, actor=ACTOR, if_match=1)
    assert_cancelled(cancelled, order)
    assert stored(repo, order) == cancelled
    assert cancelled.sys_version == order.sys_version + 1


def test_given_an_awaiting_order_when_cancelled_then_it_is_cancelled_with_no_payment(
    change: ChangeOrders, repo: InMemoryOrderRepository
) -> None:
    order = make_order(repo, payment_info=None)
    assert_cancelled(
        change.cancel(TENANT, order.id, actor=ACTOR, if_match=None, reason="changed mind"), order
    )


def test_given_a_cancelled_order_when_cancelled_patched_or_put_again_then_409(
    change: ChangeOrders, repo: InMemoryOrderRepository, order: Order
) -> None:
    cancelled = change.cancel(TENANT, order.id, actor=ACTOR, if_match=None)
    with pytest.raises(OrderStateConflict, match="already cancelled"):
        change.cancel(TENANT, order.id, actor=ACTOR, if_match=None)
    with pytest.raises(OrderStateConflict):
        change.put(TENANT, order.id, {"status": OrderStatus.CANCELLED.value}, actor=ACTOR, if_match=None)
    with pytest.raises(OrderStateConflict):
        change.patch(
            TENANT, order.id, [{"op": "replace", "path": "/memo", "value": "x"}], actor=ACTOR, if_match=None
        )
    with pytest.raises(OrderStateConflict):
        change.put(TENANT, order.id, jsonio.loads(order_json(cancelled)), actor=ACTOR, if_match=None)
    assert stored(repo, order) == cancelled


# ------------------------------------------------------------------ delete
def test_given_an_awaiting_order_when_deleted_then_it_is_gone(
    change: ChangeOrders, repo: InMemoryOrderRepository
) -> None:
    order = make_order(repo, payment_info=None)
    deleted = change.delete(TENANT, order.id, actor=ACTOR, if_match=order.sys_version)
    assert (deleted.sys_deleted, deleted.sys_deleted_at, deleted.sys_deleted_by_id) == (True, LATER, ACTOR)
    assert deleted.sys_version == order.sys_version + 1
    with pytest.raises(NotFound):
        ReadOrders(repo).get(TENANT, order.id, consistent=True)
    with pytest.raises(NotFound):
        change.delete(TENANT, order.id, actor=ACTOR, if_match=None)
    with pytest.raises(NotFound):
        change.patch(TENANT, order.id, [], actor=ACTOR, if_match=None)


def test_given_a_paid_order_when_deleted_then_409_until_it_is_cancelled(
    change: ChangeOrders, repo: InMemoryOrderRepository, order: Order
) -> None:
    with pytest.raises(OrderStateConflict):
        change.delete(TENANT, order.id, actor=ACTOR, if_match=None)
    assert_unchanged(repo, order)
    change.cancel(TENANT, order.id, actor=ACTOR, if_match=None)
    assert change.delete(TENANT, order.id, actor=ACTOR, if_match=None).sys_deleted


# ------------------------------------------------------------------ orders that are no longer untouched
def put_stored(repo: InMemoryOrderRepository, order: Order, **changes: Any) -> Order:
    """Write a hand-made next version of the order (what a fulfilment or refund route would write)."""
    new = Order.model_validate({**order.model_dump(), **changes, "sys_version": order.sys_version + 1})
    repo.replace(new, expected_version=order.sys_version)
    repo.calls.clear()
    return new


def shipped(repo: InMemoryOrderRepository, order: Order) -> Order:
    """The order with its second line shipped (and settled), the first still open."""
    lines = [li.model_dump() for li in order.line_items]
    second = order.line_items[1]
    lines[1].update(
        quantity_shipped=1,
        quantity_to_be_shipped=0,
        quantity_available_for_cancellation=0,
        quantity_available_for_return=1,
        status=LineStatus.FULFILLED,
        amount_paid=second.total,
        amount_pending_capture=0,
    )
    return put_stored(
        repo,
        order,
        line_items=lines,
        status=OrderStatus.PARTIALLY_FULFILLED,
        amount_paid=second.total,
        amount_pending_capture=order.total - second.total,
    )


def test_given_a_partly_fulfilled_order_when_client_fields_change_then_every_server_field_is_kept(
    change: ChangeOrders, repo: InMemoryOrderRepository, order: Order
) -> None:
    order = shipped(repo, order)
    ops = [
        {"op": "replace", "path": "/memo", "value": "after shipping"},
        {"op": "add", "path": "/line_items/0/description", "value": "blue"},
        {"op": "add", "path": "/line_items/1/weight", "value": 2.5},
    ]
    changed = change.patch(TENANT, order.id, ops, actor=ACTOR, if_match=None)
    assert (changed.memo, changed.line_items[0].description) == ("after shipping", "blue")
    assert changed.total_weight == order.total_weight + Decimal("2.5")
    keep = {
        "sys_recent_write_ids",
        "memo",
        "line_items",
        "total_weight",
        "sys_version",
        "sys_last_modified_at",
        "sys_last_modified_by_id",
    }
    assert changed.model_dump(exclude=keep) == order.model_dump(exclude=keep)
    for before, after in zip(order.line_items, changed.line_items, strict=True):
        assert after.model_dump(exclude={"description", "weight"}) == before.model_dump(
            exclude={"description", "weight"}
        )


@pytest.mark.parametrize(
    "op",
    [
        {"op": "replace", "path": "/line_items/0/quantity", "value": 3},
        {"op": "replace", "path": "/line_items/0/unit_price", "value": 1},
        {"op": "remove", "path": "/line_items/0"},
        {"op": "add", "path": "/line_items/-", "value": {"quantity": 1, "unit_price": 1}},
        {"op": "replace", "path": "/shipping_charges", "value": 0},
        {"op": "replace", "path": "/coupons/0/discount", "value": 1},
        {"op": "replace", "path": "/currency_code", "value": "EUR"},
    ],
)
def test_given_a_partly_fulfilled_order_when_amounts_would_change_then_409(
    change: ChangeOrders, repo: InMemoryOrderRepository, order: Order, op: dict[str, Any]
) -> None:
    order = shipped(repo, order)
    with pytest.raises(OrderStateConflict) as raised:
        change.patch(TENANT, order.id, [op], actor=ACTOR, if_match=None)
    assert raised.value.detail == lifecycle.AMOUNTS_FIXED
    assert_unchanged(repo, order)


def test_given_a_partly_fulfilled_order_when_deleted_then_409_and_when_cancelled_then_only_its_open_part(
    change: ChangeOrders, repo: InMemoryOrderRepository, order: Order
) -> None:
    order = shipped(repo, order)
    with pytest.raises(OrderStateConflict):
        change.delete(TENANT, order.id, actor=ACTOR, if_match=None)
    assert_unchanged(repo, order)
    done = change.cancel(TENANT, order.id, actor=ACTOR, if_match=None)
    first, second = done.line_items
    assert first.status == LineStatus.CANCELLED
    assert first.quantity_cancelled == first.quantity
    assert second.status == LineStatus.FULFILLED
    assert second.quantity_shipped == 1
    assert done.amount_paid == order.line_items[1].total
    # (this hand-made order shipped a line without capturing the shipping charges: they stay pending)
    assert done.amount_pending_capture == order.shipping_charges
    assert done.balance_due == done.total - (done.amount_paid + done.amount_pending_capture)


def test_given_an_order_with_a_refund_line_when_it_is_echoed_then_kept_and_when_changed_then_409(
    change: ChangeOrders, repo: InMemoryOrderRepository, order: Order
) -> None:
    order = shipped(repo, order)
    refund = LineItem(
        line_number=3,
        order_line_item_id="R1",
        status=LineStatus.REFUNDED,
        quantity=-1,
        unit_price=Decimal("5.00"),
        parent_line_item_id="L2",
        total=Decimal("-5.00"),
    )
    order = put_stored(
        repo, order, line_items=[*order.line_items, refund], status=OrderStatus.PARTIALLY_REFUNDED
    )
    # an edit elsewhere keeps the refund line where it is
    changed = change.patch(
        TENANT, order.id, [{"op": "replace", "path": "/memo", "value": "m"}], actor=ACTOR, if_match=None
    )
    assert changed.line_items[2].model_dump() == refund.model_dump()
    for op in (
        {"op": "remove", "path": "/line_items/2"},
        {"op": "add", "path": "/line_items/2/description", "value": "x"},
    ):
        with pytest.raises(OrderStateConflict):
            change.patch(TENANT, order.id, [op], actor=ACTOR, if_match=None)


def test_given_the_fields_pricing_computes_when_listed_then_each_is_server_owned() -> None:
    assert PRICED_FIELDS <= ORDER_SERVER_FIELDS


# ------------------------------------------------------------------ property: money invariants
line_input = st.fixed_dictionaries(
    {
        "quantity": st.integers(1, 5),
        "unit_price": st.integers(0, 10_000).map(lambda c: Decimal(c).scaleb(-2)),
        "taxes": st.integers(0, 500).map(lambda c: Decimal(c).scaleb(-2)),
        "shippable": st.booleans(),
    }
)
step = st.one_of(st.tuples(st.just("add"), line_input), st.tuples(st.just("remove"), st.integers(0, 20)))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=8), paid=st.booleans())
def test_given_random_line_additions_and_removals_then_the_money_invariants_always_hold(
    steps: list[tuple[str, Any]], paid: bool
) -> None:
    repo = InMemoryOrderRepository()
    order = make_order(repo, **({} if paid else {"payment_info": None}))
    change = make_service(repo)
    for kind, arg in steps:
        before = stored(repo, order)
        if kind == "add":
            op = {"op": "add", "path": "/line_items/-", "value": arg}
        else:
            op = {"op": "remove", "path": f"/line_items/{arg % len(before.line_items)}"}
        try:
            after = change.patch(TENANT, order.id, [op], actor=ACTOR, if_match=None)
        except (ValidationFailed, Unprocessable):
            # the last line cannot go; nor can a line the coupon still needs: nothing changes
            assert stored(repo, order) == before
            continue
        assert after.sys_version == before.sys_version + 1
        assert after.status == (OrderStatus.PAID if paid else OrderStatus.AWAITING_PAYMENT)
        assert after.amount_pending_capture == (after.total if paid else 0)
        assert after.shippable == any(li.shippable for li in after.line_items)
        numbers = {li.order_line_item_id: li.line_number for li in before.line_items}
        for li in after.line_items:
            assert li.line_number == numbers.get(li.order_line_item_id, max(numbers.values()) + 1)
        assert_money_invariants(after)


@pytest.mark.parametrize("if_match", [None, 1])
def test_given_a_write_whose_answer_is_lost_when_its_retry_conflicts_then_the_change_is_applied_once(
    if_match: int | None,
) -> None:
    # GIVEN a repository that loses the answer of the next write (the write itself lands)
    repo = LostAnswerRepository(lost=0)
    order = make_order(repo, additional_email_confirmation_recipients=[])
    repo.lost = 1
    ops = [{"op": "add", "path": "/additional_email_confirmation_recipients/-", "value": "a@example.com"}]
    # WHEN an append is patched (with or without If-Match)
    changed = make_service(repo).patch(TENANT, order.id, ops, actor=ACTOR, if_match=if_match)
    # THEN the value is there once, one version on: the "conflict" was this write, not another's
    assert changed.additional_email_confirmation_recipients == ["a@example.com"]
    assert stored(repo, order).additional_email_confirmation_recipients == ["a@example.com"]
    assert stored(repo, order).sys_version == order.sys_version + 1


def test_a_lost_answer_followed_by_other_writes_is_still_recognised() -> None:
    # GIVEN a write that lands, then two other writers land before this request reads again
    repo = LostAnswerRepository(lost=0)
    order = make_order(repo, additional_email_confirmation_recipients=[])
    service = make_service(repo)

    calls = {"n": 0}
    original = repo.replace

    def replace(new: Order, *, expected_version: int) -> None:
        calls["n"] += 1
        original(new, expected_version=expected_version)
        if calls["n"] == 1:  # ours landed; two others land; our answer is lost
            for value in ("x", "y"):
                current = stored(repo, order)
                other = current.model_copy(
                    update={
                        "memo": value,
                        "sys_version": current.sys_version + 1,
                        "sys_recent_write_ids": [value, *current.sys_recent_write_ids],
                    }
                )
                original(other, expected_version=current.sys_version)
            raise VersionConflict("lost answer")

    repo.replace = replace  # type: ignore[method-assign,assignment]
    ops = [{"op": "add", "path": "/additional_email_confirmation_recipients/-", "value": "a@example.com"}]
    changed = service.patch(TENANT, order.id, ops, actor=ACTOR, if_match=None)
    # THEN the append is there once, and the others' changes too
    assert changed.additional_email_confirmation_recipients == ["a@example.com"]
    assert stored(repo, order).memo == "y"
    assert stored(repo, order).sys_version == order.sys_version + 3


def test_given_a_delete_whose_answer_is_lost_when_its_retry_conflicts_then_it_answers_the_deleted_order() -> (
    None
):
    # GIVEN an unpaid order, and a repository that loses the answer of the next write
    repo = LostAnswerRepository(lost=0)
    order = make_order(repo, payment_info=None)
    repo.lost = 1
    # WHEN it is deleted
    deleted = make_service(repo).delete(TENANT, order.id, actor=ACTOR, if_match=None)
    # THEN the delete is done once and answered (not a 404 for the order it deleted itself)
    assert deleted.sys_deleted
    assert deleted.sys_version == order.sys_version + 1
    assert repo.get(TENANT, order.id) is None
    # AND a later delete of it is a 404
    with pytest.raises(NotFound):
        make_service(repo).delete(TENANT, order.id, actor=ACTOR, if_match=None)
