"""The reliability harness' pieces for refunds (harness/reliability/refunds.py): the invariant checker's judge
of an order's refund lines against its lines (a line refunded twice is a double effect), the judges of one
refund and of a refund storm, the harness's money rules on refunded orders, and the refund routes it
runs under faults."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from orders_domain.domain import fulfil_rules, refund_rules
from orders_domain.models import Order, OrderCreateRequest
from orders_domain.models.fulfillments import FulfilRequest
from orders_domain.services import CreateOrders
from orders_domain.storage import keys

from harness import reliability
from harness.reliability import (
    FULFIL_ORDER,
    IDEMPOTENCY,
    PARTIAL_FULFIL,
    RefundCall,
    all_money_problems,
    money_problems,
    refund_effect_problems,
    refund_problems,
    refund_storm_problems,
    refunds_of,
)
from tests.fakes import InMemoryOrderRepository

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
REASON = refund_rules.BUILT_IN_REASONS[0]


# ------------------------------------------------------------------ real orders, as the services write them
def fulfilled(items: list[dict[str, Any]] | None = None) -> Order:
    """A new FULFIL_ORDER after one fulfil (every unit, or `items`), at version 2."""
    request = OrderCreateRequest.model_validate(FULFIL_ORDER)
    order = CreateOrders(InMemoryOrderRepository()).create(request, tenant_id="tenant-a", actor="key_t").order
    body = FulfilRequest.model_validate({"items": items} if items else {})
    changed, _ = fulfil_rules.fulfil(order, body, now=NOW, fulfillment_id=f"{order.id}.2")
    return changed.model_copy(update={"sys_version": 2})


def refunded(order: Order, line_numbers: list[int]) -> Order:
    """The order after one refund of these lines, as the write loop writes it (its version moved)."""
    version = order.sys_version + 1
    changed = refund_rules.refund(order, line_numbers, REASON, now=NOW, refund_id=f"refund-{version}")
    return changed.model_copy(update={"sys_version": version})


def doc(order: Order) -> dict[str, Any]:
    return order.model_dump()


def kinds(problems: list[tuple[str, str]]) -> set[str]:
    return {kind for kind, _ in problems}


def line(order: dict[str, Any], number: int) -> dict[str, Any]:
    found: dict[str, Any] = next(li for li in order["line_items"] if li["line_number"] == number)
    return found


def refunded_twice(order: Order, number: int) -> dict[str, Any]:
    """The order with line `number`'s refund line appended a second time (the counters as one refund
    left them): the same units refunded by two refund lines."""
    broken = doc(order)
    parent = line(broken, number)
    first = refunds_of(broken)[parent["order_line_item_id"]][0]
    again = {
        **copy.deepcopy(first),
        "line_number": max(li["line_number"] for li in broken["line_items"]) + 1,
        "order_line_item_id": f"{first['order_line_item_id']}-again",
    }
    broken["line_items"].append(again)
    return broken


# ------------------------------------------------------------------ the invariant checker's judge
def test_given_orders_refunded_as_the_service_refunds_when_checked_then_clean() -> None:
    # GIVEN orders refunded whole, in part (a partial fulfil), and a line refunded in two steps
    whole = refunded(fulfilled(), [1, 2])
    part = refunded(fulfilled(PARTIAL_FULFIL), [1])
    in_two = refunded(refunded(fulfilled(PARTIAL_FULFIL), [1]), [2])
    for order in (whole, part, in_two):
        # WHEN the invariant checker's judges read them
        # THEN no refund problem, and neither the harness's money rules nor the domain's complain
        assert refund_problems(doc(order)) == []
        assert all_money_problems(order) == []
    assert len(refunds_of(doc(whole))) == 2


def test_given_a_refunded_order_when_the_harness_money_rules_read_it_then_refund_lines_are_not_goods() -> (
    None
):
    # GIVEN an order with refund lines (negative quantity, nothing shipped or cancelled on them)
    order = refunded(fulfilled(), [1])
    # WHEN the harness's own money rules read it
    # THEN a refund line is not taken for a line with more units shipped than it holds
    assert money_problems(order) == []


def test_given_the_same_units_refunded_twice_when_checked_then_a_double_effect() -> None:
    # GIVEN line 1's refund line appended twice
    broken = refunded_twice(refunded(fulfilled(), [1]), 1)
    # WHEN checked
    problems = refund_problems(broken)
    # THEN the line is refunded more units than it returned: a double effect, naming the line
    assert ("double_effects", "line 1 (L1): refunded 10 units in 2 refund lines, 5 returned, 5 shipped") in (
        problems
    )


def test_given_refund_lines_and_counters_beyond_what_shipped_when_checked_then_a_double_effect() -> None:
    # GIVEN line 1 partly shipped (1 of 5), its refund line and counter saying 2 units
    broken = doc(refunded(fulfilled(PARTIAL_FULFIL), [1]))
    parent = line(broken, 1)
    parent["quantity_returned"] = 2
    refunds_of(broken)["L1"][0]["quantity"] = -2
    # WHEN checked / THEN more units refunded than shipped is a double effect
    assert kinds(refund_problems(broken)) == {"double_effects"}


@pytest.mark.parametrize(
    ("breakage", "kind"),
    [
        (lambda o: line(o, 2).update(quantity_returned=1), "partial_writes"),  # counter without refund line
        (lambda o: line(o, 1).update(amount_refunded=line(o, 1)["amount_paid"] + 1), "double_effects"),
        (lambda o: o.update(amount_refunded=o["amount_refunded"] - 1), "partial_writes"),  # not the lines'
        (lambda o: o["payments"].pop(), "partial_writes"),  # the refunded payment entry lost
        (lambda o: o["refunded_payments"].clear(), "partial_writes"),
        (lambda o: refunds_of(o)["L1"][0].update(parent_line_item_id="nowhere"), "partial_writes"),
        (lambda o: refunds_of(o)["L1"][0].update(quantity=0), "partial_writes"),
    ],
)
def test_given_a_broken_refund_when_checked_then_it_is_counted_by_kind(breakage: Any, kind: str) -> None:
    # GIVEN line 1 refunded, then one thing broken
    broken = doc(refunded(fulfilled(), [1]))
    breakage(broken)
    # WHEN checked / THEN the break is counted, under its kind
    problems = refund_problems(broken)
    assert problems
    assert kind in kinds(problems)


def test_given_an_order_refunded_more_than_paid_when_checked_then_a_double_effect() -> None:
    # GIVEN an order whose refunded amount exceeds what was paid (lines and payments agreeing)
    broken = doc(refunded(fulfilled(), [1, 2]))
    broken["amount_paid"] = broken["amount_refunded"] - Decimal("0.01")
    # WHEN checked / THEN it is counted as money paid back twice
    assert ("double_effects", f"refunded {broken['amount_refunded']} of {broken['amount_paid']} paid") in (
        refund_problems(broken)
    )


def test_given_the_json_the_api_stores_when_checked_then_it_reads_as_the_model_dump() -> None:
    # GIVEN the order as its stored JSON (strings for statuses, numbers as JSON numbers)
    order = refunded(fulfilled(), [1])
    stored = json.loads(order.model_dump_json(), parse_float=Decimal)
    # WHEN checked / THEN the same verdict as on the model: clean, then the same double effect
    assert refund_problems(stored) == []
    twice = json.loads(json.dumps(refunded_twice(order, 1), default=str), parse_float=Decimal)
    assert kinds(refund_problems(twice)) == {"double_effects"}


# ------------------------------------------------------------------ one refund
def test_given_a_refund_done_once_in_one_write_when_judged_then_clean() -> None:
    before = fulfilled()
    after = refunded(before, [1, 2])
    assert refund_effect_problems(doc(before), doc(after), [1, 2]) == []


def test_given_a_second_refund_of_a_refunded_order_when_judged_then_only_its_line_is_expected() -> None:
    before = refunded(fulfilled(PARTIAL_FULFIL), [1])
    after = refunded(before, [2])
    assert refund_effect_problems(doc(before), doc(after), [2]) == []


@pytest.mark.parametrize(
    ("make", "named", "kind"),
    [
        (lambda b: refunded_twice(refunded(b, [1]), 1), [1], "double_effects"),  # applied twice
        (lambda b: doc(b), [1], "lost_updates"),  # not applied
        (lambda b: doc(refunded(b, [1, 2])), [1], "partial_writes"),  # a line nobody named
        (lambda b: doc(refunded(b, [1])), [1, 2], "lost_updates"),  # half of an all-or-nothing refund
        (lambda b: {**doc(refunded(b, [1])), "sys_version": 4}, [1], "double_effects"),  # two writes
        (lambda b: {**doc(refunded(b, [1])), "sys_version": 2}, [1], "lost_updates"),  # no write
    ],
)
def test_given_a_refund_done_wrongly_when_judged_then_it_is_counted_by_kind(
    make: Any, named: list[int], kind: str
) -> None:
    before = fulfilled()
    problems = refund_effect_problems(doc(before), make(before), named)
    assert problems
    assert kinds(problems) == {kind}


def test_given_a_refund_that_paid_back_the_wrong_amount_when_judged_then_it_is_counted() -> None:
    before = fulfilled()
    after = doc(refunded(before, [1]))
    line(after, 1)["amount_refunded"] += Decimal("0.01")
    assert kinds(refund_effect_problems(doc(before), after, [1])) == {"double_effects"}


# ------------------------------------------------------------------ a refund storm
#: The code of each refusal a storm's call may get.
REFUSED = {409: "order_state_conflict", 412: "precondition_failed", 500: "internal_error"}


def storm(statuses: list[tuple[int, bool]], winner_lines: tuple[int, ...] = (1,)) -> list[RefundCall]:
    """Calls of a storm: (status, sent with If-Match); the 200s name `winner_lines`, the others line 1."""
    return [
        RefundCall(winner_lines, 200, conditional)
        if status == 200
        else RefundCall((1,), status, conditional, REFUSED[status])
        for status, conditional in statuses
    ]


def test_given_a_storm_with_one_refund_accepted_when_judged_then_clean() -> None:
    # GIVEN one accepted refund of lines 1 and 2, the others refused (409, or 412 with If-Match)
    before = fulfilled()
    after = refunded(before, [1, 2])
    calls = storm([(200, True), (409, False), (409, False), (412, True), (412, True)], (1, 2))
    # WHEN judged / THEN clean
    assert refund_storm_problems(doc(before), doc(after), calls) == []


@pytest.mark.parametrize(
    ("statuses", "make", "kind"),
    [
        pytest.param(
            [(200, False), (200, False)],
            lambda b: refunded_twice(refunded(b, [1]), 1),
            "double_effects",
            id="two accepted, the line refunded twice",
        ),
        pytest.param([(409, False), (409, False)], doc, "lost_updates", id="none accepted"),
        pytest.param(
            [(200, False), (412, False)],
            lambda b: doc(refunded(b, [1])),
            "lost_updates",
            id="412 without If-Match",
        ),
        pytest.param(
            [(200, False), (409, True)],
            lambda b: doc(refunded(b, [1])),
            "lost_updates",
            id="409 with If-Match: the version had moved",
        ),
        pytest.param(
            [(200, False), (500, False)], lambda b: doc(refunded(b, [1])), "server_errors", id="a 500"
        ),
        pytest.param(
            [(200, False), (409, False)],
            lambda b: doc(refunded(b, [1, 2])),
            "partial_writes",
            id="line 2 refunded, though only a refused call named it",
        ),
    ],
)
def test_given_a_broken_storm_when_judged_then_the_break_is_counted_by_kind(
    statuses: list[tuple[int, bool]], make: Any, kind: str
) -> None:
    before = fulfilled()
    problems = refund_storm_problems(doc(before), make(before), storm(statuses))
    assert problems
    assert kind in kinds(problems)


def test_given_a_storm_call_left_told_to_retry_when_judged_then_it_is_not_a_refusal() -> None:
    before = fulfilled()
    calls = [RefundCall((1,), 200), RefundCall((1,), 409, code="idempotency_in_progress")]
    problems = refund_storm_problems(doc(before), doc(refunded(before, [1])), calls)
    assert kinds(problems) == {"lost_updates"}


# ------------------------------------------------------------------ the routes under faults
def test_given_the_refund_routes_when_faults_are_planned_then_they_aim_at_their_own_order_and_record() -> (
    None
):
    keyed = {"refund", "refund_token_if_match"}
    routes = keyed | {"refund_if_match_without_key", "refund_reason"}
    assert routes <= set(reliability.MUTATIONS)
    for route in routes:
        mutation = reliability.MUTATIONS[route]
        assert mutation.targeted, route
        assert set(mutation.writes) <= set(mutation.calls), route
        idempotency = {call for call in mutation.writes if call.endswith(IDEMPOTENCY)}
        assert idempotency == (
            {f"PutItem{IDEMPOTENCY}", f"UpdateItem{IDEMPOTENCY}"} if route in keyed else set()
        )
    for route in routes - {"refund_reason"}:
        assert "TransactWriteItems" in reliability.MUTATIONS[route].writes, route
    assert "Query" in reliability.MUTATIONS["refund_token_if_match"].calls  # the by-token lookup
    assert reliability.MUTATIONS["refund_reason"].writes == ("PutItem",)


def test_given_a_refund_case_when_asked_where_a_call_aims_then_at_text_only_its_requests_carry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a refund case (no set-up: only what `only` reads) and the idempotency record's id stubbed
    monkeypatch.setattr(
        reliability.refunds, "idempotency_text", lambda path, key: f"record of POST {path} {key}"
    )
    case = object.__new__(reliability.RefundCase)
    case.label, case.order_id, case.before = "lost-refund-x", "o-1", {"token": "tok1"}
    # WHEN asked where each call's faults aim
    # THEN the order's reads and transaction at its key, the by-token Query at its token, and the
    # idempotency record's writes at the record of this route and key
    assert case.only("GetItem") == case.only("TransactWriteItems") == reliability.key_text("o-1")
    assert case.only("Query") == keys.token_pk("tenant-a", "tok1")
    record = f"record of POST {reliability.REFUNDS_PATH} lost-refund-x"
    assert case.only(f"PutItem{IDEMPOTENCY}") == case.only(f"UpdateItem{IDEMPOTENCY}") == record
