"""The reliability harness' coupon-code action (harness/reliability/coupon_codes.py, issue 32): its
order (a coupon of its code applied to line 1 alone), the judge of one action (line 1 refunded once,
reason `coupon_code_action`, line 2 untouched, one write), the judge of a storm of actions, the
answers a client may get, and its cases under faults."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from orders_domain.domain import fulfil_rules, refund_rules
from orders_domain.models import Order, OrderCreateRequest
from orders_domain.models.fulfillments import FulfilRequest
from orders_domain.models.refunds import CouponCodeActionRequest
from orders_domain.services import CreateOrders
from orders_domain.services.refunds import RefundCouponCode

from harness import reliability
from harness.reliability import (
    COUPON_ACTION_PATH,
    COUPON_CODE,
    COUPON_ORDER,
    COUPON_REASON,
    IDEMPOTENCY,
    ActionCall,
    all_money_problems,
    answer_problems,
    coupon_refund_problems,
    coupon_storm_problems,
    refund_problems,
    seeds_body,
)
from tests.fakes import InMemoryOrderRepository

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


# ------------------------------------------------------------------ real orders, as the services write them
def fulfilled() -> Order:
    """A new COUPON_ORDER after one fulfil of every unit, at version 2."""
    request = OrderCreateRequest.model_validate(COUPON_ORDER)
    order = CreateOrders(InMemoryOrderRepository()).create(request, tenant_id="tenant-a", actor="key_t").order
    changed, _ = fulfil_rules.fulfil(
        order, FulfilRequest.model_validate({}), now=NOW, fulfillment_id=f"{order.id}.2"
    )
    return changed.model_copy(update={"sys_version": 2})


def acted(order: Order) -> Order:
    """The order after the action, as the service's mutation writes it (its version moved)."""
    changed = RefundCouponCode(COUPON_CODE).apply(order, NOW)
    return changed.model_copy(update={"sys_version": order.sys_version + 1})


def doc(order: Order) -> dict[str, Any]:
    return order.model_dump()


def kinds(problems: list[tuple[str, str]]) -> set[str]:
    return {kind for kind, _ in problems}


# ------------------------------------------------------------------ the order and the bodies
def test_given_the_coupon_order_when_acted_on_then_the_service_refunds_line_1_alone() -> None:
    # GIVEN the harness's order, fulfilled
    before = fulfilled()
    # WHEN the service's own rule picks the lines of the code
    # THEN it is line 1 (the coupon names L1 alone), the judge's lines
    assert refund_rules.coupon_code_lines(before, COUPON_CODE) == list(reliability.coupon_codes.COUPON_LINES)
    # AND both bodies are the action the service reads, the seeds' naming the order and the code
    assert CouponCodeActionRequest.model_validate({"action": "refund"}).action == "refund"
    seeds = CouponCodeActionRequest.model_validate(seeds_body("o-1"))
    assert (seeds.order_id, seeds.coupon_code_id) == ("o-1", COUPON_CODE)
    assert COUPON_ACTION_PATH == "/orders/{tenantId}/{id}/coupon-codes/{couponCodeId}/actions"


# ------------------------------------------------------------------ the judge of one action
def test_given_an_action_done_once_in_one_write_when_judged_then_clean() -> None:
    before = fulfilled()
    after = acted(before)
    assert coupon_refund_problems(doc(before), doc(after)) == []
    assert refund_problems(doc(after)) == []
    assert all_money_problems(after) == []
    # AND its refund line gives the action's reason, and pays back line 1's captured value
    (refund_line,) = [li for li in after.line_items if li.parent_line_item_id]
    assert refund_line.refund_reason_name == COUPON_REASON
    paid = next(li for li in before.line_items if li.line_number == 1).amount_paid
    assert next(li for li in after.line_items if li.line_number == 1).amount_refunded == paid
    # AND when nothing was accepted, nothing may have changed
    assert coupon_refund_problems(doc(before), doc(before), writes=0) == []


def refunded_again(before: Order) -> dict[str, Any]:
    """Line 1's refund line appended twice (the counters as one refund left them)."""
    after = doc(acted(before))
    first = next(li for li in after["line_items"] if li.get("parent_line_item_id"))
    again = {
        **copy.deepcopy(first),
        "line_number": max(li["line_number"] for li in after["line_items"]) + 1,
        "order_line_item_id": f"{first['order_line_item_id']}-again",
    }
    after["line_items"].append(again)
    return after


def other_reason(before: Order) -> dict[str, Any]:
    """Line 1 refunded with a guest reason instead of the action's."""
    changed = refund_rules.refund(before, [1], refund_rules.BUILT_IN_REASONS[0], now=NOW, refund_id="r-3")
    return doc(changed.model_copy(update={"sys_version": 3}))


def both_lines(before: Order) -> dict[str, Any]:
    """Line 2 refunded too: a line the code never applied to."""
    changed = refund_rules.refund(
        before, [1, 2], refund_rules.COUPON_CODE_ACTION_REASON, now=NOW, refund_id="r-3"
    )
    return doc(changed.model_copy(update={"sys_version": 3}))


def twice_written(before: Order) -> dict[str, Any]:
    """The right refund, written twice (the version moved by two)."""
    after = doc(acted(before))
    after["sys_version"] += 1
    return after


@pytest.mark.parametrize(
    ("breakage", "kind"),
    [
        (lambda before: doc(before), "lost_updates"),  # nothing refunded
        (refunded_again, "double_effects"),
        (other_reason, "partial_writes"),
        (both_lines, "partial_writes"),
        (twice_written, "double_effects"),
    ],
)
def test_given_an_action_done_wrongly_when_judged_then_it_is_counted_by_kind(
    breakage: Any, kind: str
) -> None:
    before = fulfilled()
    assert kind in kinds(coupon_refund_problems(doc(before), breakage(before)))


# ------------------------------------------------------------------ the answers and the storm
def test_given_settled_answers_when_judged_then_only_done_refused_or_stale_pass() -> None:
    assert answer_problems(200, {"id": "o"}, conditional=False) == []
    assert answer_problems(409, {"code": "already_refunded"}, conditional=False) == []
    assert answer_problems(412, {"code": "precondition_failed"}, conditional=True) == []
    assert kinds(answer_problems(412, {}, conditional=False)) == {"lost_updates"}
    assert kinds(answer_problems(409, {"code": "idempotency_in_progress"}, conditional=False)) == {
        "lost_updates"
    }
    assert kinds(answer_problems(409, {"code": "order_state_conflict"}, conditional=False)) == {
        "lost_updates"
    }
    assert kinds(answer_problems(500, {"code": "internal_error"}, conditional=False)) == {"server_errors"}
    assert kinds(answer_problems(502, None, conditional=True)) == {"server_errors"}


def call(status: int, *, conditional: bool = False, code: str | None = None) -> ActionCall:
    answer = {"code": code} if code else {"id": "o"}
    return ActionCall(status, answer, None, conditional, {"action": "refund"})


def test_given_a_storm_with_one_action_accepted_when_judged_then_clean() -> None:
    before = fulfilled()
    after = acted(before)
    calls = [
        call(200),
        call(409, code="already_refunded"),
        call(412, conditional=True, code="precondition_failed"),
        call(409, conditional=True, code="already_refunded"),
    ]
    assert coupon_storm_problems(doc(before), doc(after), calls) == []


@pytest.mark.parametrize(
    ("calls", "kind"),
    [
        ([call(200), call(200)], "double_effects"),
        ([call(409, code="already_refunded")] * 2, "lost_updates"),
        ([call(200), call(500, code="internal_error")], "server_errors"),
        ([call(200), call(412, code="precondition_failed")], "lost_updates"),  # no If-Match sent
        ([call(200), call(409, code="version_conflict")], "lost_updates"),  # left told to retry
    ],
)
def test_given_a_broken_storm_when_judged_then_the_break_is_counted_by_kind(
    calls: list[ActionCall], kind: str
) -> None:
    before = fulfilled()
    assert kind in kinds(coupon_storm_problems(doc(before), doc(acted(before)), calls))


def test_given_a_storm_whose_order_was_refunded_twice_when_judged_then_a_double_effect() -> None:
    before = fulfilled()
    calls = [call(200), call(409, code="already_refunded")]
    assert "double_effects" in kinds(coupon_storm_problems(doc(before), refunded_again(before), calls))


# ------------------------------------------------------------------ under faults
def test_given_the_coupon_code_routes_when_faults_are_planned_then_they_aim_at_their_order_and_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keyed, unkeyed = "coupon_code_refund", "coupon_code_refund_unkeyed"
    assert {keyed, unkeyed} <= set(reliability.MUTATIONS)
    for route in (keyed, unkeyed):
        mutation = reliability.MUTATIONS[route]
        assert mutation.targeted
        assert "TransactWriteItems" in mutation.writes
        assert set(mutation.writes) <= set(mutation.calls)
    assert {c for c in reliability.MUTATIONS[keyed].writes if c.endswith(IDEMPOTENCY)} == {
        f"PutItem{IDEMPOTENCY}",
        f"UpdateItem{IDEMPOTENCY}",
    }
    assert reliability.MUTATIONS[unkeyed].writes == ("TransactWriteItems",)
    # AND a case (no set-up: only what `only` reads) aims the order's calls at its key, the
    # idempotency record's at the record of this route and key
    monkeypatch.setattr(
        reliability.coupon_codes, "idempotency_text", lambda path, key: f"record of POST {path} {key}"
    )
    case = object.__new__(reliability.CouponCodeCase)
    case.label, case.order_id = "lost-coupon-x", "o-1"
    assert case.only("GetItem") == case.only("TransactWriteItems") == reliability.key_text("o-1")
    record = f"record of POST {COUPON_ACTION_PATH} lost-coupon-x"
    assert case.only(f"PutItem{IDEMPOTENCY}") == case.only(f"UpdateItem{IDEMPOTENCY}") == record
