"""The reliability harness' pieces for fulfil, cancel, void, close and the fulfillment PATCH
(harness/reliability/fulfilment.py, fulfilment_judges.py): the judges of one change, of a
fulfil-vs-cancel storm and of an order against its fulfillment records, the money rules the invariant
checker applies, the transaction fault it injects and the routes it runs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError
from orders_domain.domain import fulfil_rules as rules
from orders_domain.models import Order, OrderCreateRequest
from orders_domain.models.fulfillments import FulfilRequest
from orders_domain.services import CreateOrders
from orders_domain.storage.codec import transaction_lost_race

from harness import reliability
from harness.reliability import (
    FULFIL_ORDER,
    IDEMPOTENCY,
    PARTIAL_FULFIL,
    PARTIAL_FULFIL_DELTA,
    Faults,
    Outcome,
    Tally,
    all_money_problems,
    api_of,
    effect_problems,
    faults_at,
    fulfil_record_problems,
    fulfillment_problems,
    key_text,
    open_units,
    record_version,
    storm_problems,
)
from tests.fakes import InMemoryOrderRepository
from tests.reliability_helpers import answer_everything, offline_client

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


# ------------------------------------------------------------------ real orders and records
def new_order() -> Order:
    request = OrderCreateRequest.model_validate(FULFIL_ORDER)
    return CreateOrders(InMemoryOrderRepository()).create(request, tenant_id="tenant-a", actor="key_t").order


def fulfilled(order: Order, items: list[dict[str, Any]] | None) -> tuple[Order, dict[str, Any]]:
    """The order after one fulfil, as the write loop writes it (its version moved), and its record."""
    version = order.sys_version + 1
    request = FulfilRequest.model_validate({"items": items, "tracking_number": "mark"} if items else {})
    changed, record = rules.fulfil(order, request, now=NOW, fulfillment_id=f"{order.id}.{version}")
    changed = changed.model_copy(update={"sys_version": version})
    return changed, json.loads(record.model_copy(update={"sys_version": version}).model_dump_json())


def doc(order: Order) -> dict[str, Any]:
    return order.model_dump()


def counters(lines: dict[str, tuple[int, int, int]], version: int, order_id: str = "o1") -> dict[str, Any]:
    """An order's JSON reduced to what the judges read: line id -> (quantity, shipped, cancelled)."""
    return {
        "id": order_id,
        "sys_version": version,
        "line_items": [
            {"order_line_item_id": line, "quantity": q, "quantity_shipped": s, "quantity_cancelled": c}
            for line, (q, s, c) in lines.items()
        ],
    }


def record(
    rid: str, items: dict[str, tuple[int, int]], label: str = "", version: int | None = None
) -> dict[str, Any]:
    order_id = rid.rpartition(".")[0]
    return {
        "id": rid,
        "order_id": order_id,
        "tracking_number": label,
        "sys_version": record_version({"id": rid}) if version is None else version,
        "items": [
            {"order_line_item_id": line, "quantity": q, "cancel_quantity": c}
            for line, (q, c) in items.items()
        ],
    }


# ------------------------------------------------------------------ an order against its records
def test_given_a_fulfil_as_the_service_writes_it_when_the_order_is_judged_against_its_record_then_clean() -> (
    None
):
    order, written = fulfilled(new_order(), PARTIAL_FULFIL)
    assert fulfillment_problems(doc(order), [written]) == []
    assert all_money_problems(order) == []


def test_given_an_order_changed_without_its_record_when_judged_then_the_half_write_is_named() -> None:
    order, _ = fulfilled(new_order(), PARTIAL_FULFIL)
    problems = fulfillment_problems(doc(order), [])
    assert problems == [
        "line L1: 1 shipped, its fulfillments ship 0",
        "line L2: 1 shipped, its fulfillments ship 0",
    ]


def test_given_a_record_whose_order_was_not_written_when_judged_then_the_half_write_is_named() -> None:
    before = new_order()
    _, written = fulfilled(before, PARTIAL_FULFIL)
    problems = fulfillment_problems(doc(before), [written])
    assert f"fulfillment {before.id}.2 was written at version 2, the order is at 1" in problems
    assert "line L1: 0 shipped, its fulfillments ship 1" in problems
    assert "line L1: 0 cancelled, its fulfillments cancel 1" in problems


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ([record("o1.2", {"L1": (1, 0)}), record("o1.3", {"L1": (1, 1)})], []),  # 2 shipped, 1 of 2 cancels
        ([record("o1.2", {"L1": (2, 3)})], ["line L1: 2 cancelled, its fulfillments cancel 3"]),
        (
            [record("o1.2", {"L1": (2, 0), "L9": (0, 0)})],
            ["fulfillment o1.2 names line L9, which the order does not have"],
        ),
        ([record("o2.2", {"L1": (2, 0)})], ["fulfillment o2.2 is filed under order o1"]),
        ([record("o1.2", {"L1": (2, 0)}, version=4)], ["fulfillment o1.2 is at version 4, its order at 3"]),
    ],
)
def test_given_records_when_they_disagree_with_the_counters_then_each_disagreement_is_named(
    records: list[dict[str, Any]], expected: list[str]
) -> None:
    order = counters({"L1": (5, 2, 2)}, version=3)
    assert fulfillment_problems(order, records) == expected


def test_given_an_order_whose_money_was_broken_when_checked_then_the_domain_rules_flag_it() -> None:
    order, _ = fulfilled(new_order(), PARTIAL_FULFIL)
    broken = order.model_copy(update={"amount_paid": order.amount_paid + Decimal("0.01")})
    assert all_money_problems(broken)
    assert "order: amount_paid != sum of settled payments" in all_money_problems(broken)


# ------------------------------------------------------------------ one change
def test_given_the_delta_of_a_whole_fulfil_when_read_from_a_new_order_then_every_unit_ships() -> None:
    assert open_units(doc(new_order())) == {"L1": (5, 0), "L2": (3, 0)}


def test_given_a_change_done_once_in_one_write_when_judged_then_clean() -> None:
    before = counters({"L1": (5, 0, 0), "L2": (3, 0, 0)}, 1)
    after = counters({"L1": (5, 1, 1), "L2": (3, 1, 0)}, 2)
    assert effect_problems(before, after, PARTIAL_FULFIL_DELTA) == []


@pytest.mark.parametrize(
    ("lines", "version", "kind"),
    [
        ({"L1": (5, 2, 2), "L2": (3, 2, 0)}, 3, "double_effects"),  # applied twice
        ({"L1": (5, 0, 0), "L2": (3, 0, 0)}, 1, "lost_updates"),  # not applied
        ({"L1": (5, 1, 0), "L2": (3, 1, 0)}, 2, "lost_updates"),  # the cancel of its L1 unit lost
        ({"L1": (5, 1, 1), "L2": (3, 1, 0)}, 3, "double_effects"),  # right counters, two writes
        ({"L1": (5, 1, 1), "L2": (3, 1, 0)}, 1, "lost_updates"),  # counters moved, no write counted
    ],
)
def test_given_a_change_done_wrongly_when_judged_then_it_is_counted_by_kind(
    lines: dict[str, tuple[int, int, int]], version: int, kind: str
) -> None:
    before = counters({"L1": (5, 0, 0), "L2": (3, 0, 0)}, 1)
    problems = effect_problems(before, counters(lines, version), PARTIAL_FULFIL_DELTA)
    assert problems
    assert {k for k, _ in problems} == {kind}


def test_given_a_fulfil_that_made_its_one_record_when_judged_then_clean() -> None:
    records = [record("o1.2", {"L1": (1, 1), "L2": (1, 0)}, "mine"), record("o1.3", {"L1": (1, 0)}, "other")]
    assert fulfil_record_problems(records, "mine", PARTIAL_FULFIL_DELTA, "o1.2") == []


@pytest.mark.parametrize(
    ("records", "answered", "kind"),
    [
        ([], None, "lost_updates"),
        (
            [
                record("o1.2", {"L1": (1, 1), "L2": (1, 0)}, "mine"),
                record("o1.3", {"L1": (1, 1), "L2": (1, 0)}, "mine"),
            ],
            "o1.2",
            "double_effects",
        ),
        ([record("o1.2", {"L1": (1, 1)}, "mine")], "o1.2", "partial_writes"),  # L2's unit missing
        ([record("o1.2", {"L1": (1, 1), "L2": (1, 0)}, "mine")], "o1.3", "partial_writes"),  # named another
    ],
)
def test_given_a_fulfil_whose_records_are_wrong_when_judged_then_it_is_counted_by_kind(
    records: list[dict[str, Any]], answered: str | None, kind: str
) -> None:
    problems = fulfil_record_problems(records, "mine", PARTIAL_FULFIL_DELTA, answered)
    assert [k for k, _ in problems] == [kind]


# ------------------------------------------------------------------ a storm
BEFORE = counters({"S1": (2, 0, 0), "S2": (2, 0, 0)}, 1)
CLEAN_OUTCOMES = [
    Outcome("fulfil", "S1", 200, "f1", "o1.2"),
    Outcome("cancel", "S1", 200),
    Outcome("fulfil", "S1", 422, "f2"),
    Outcome("cancel", "S2", 200),
    Outcome("fulfil", "S2", 412, "f3"),
    Outcome("cancel", "S2", 200),
]
CLEAN_AFTER = counters({"S1": (2, 1, 1), "S2": (2, 0, 2)}, 5)
CLEAN_RECORDS = [record("o1.2", {"S1": (1, 0)}, "f1")]


def test_given_a_storm_whose_counters_writes_and_records_agree_when_judged_then_clean() -> None:
    assert storm_problems(BEFORE, CLEAN_AFTER, CLEAN_OUTCOMES, CLEAN_RECORDS) == []


@pytest.mark.parametrize(
    ("after", "outcomes", "records", "kind"),
    [
        # a 200 fulfil whose record is missing: the order shipped without it
        (CLEAN_AFTER, CLEAN_OUTCOMES, [], "partial_writes"),
        # a refused (412) fulfil whose record was written
        (
            CLEAN_AFTER,
            CLEAN_OUTCOMES,
            [*CLEAN_RECORDS, record("o1.3", {"S2": (1, 0)}, "f3")],
            "partial_writes",
        ),
        # the 200 named another fulfillment
        (
            CLEAN_AFTER,
            [Outcome("fulfil", "S1", 200, "f1", "o1.9"), *CLEAN_OUTCOMES[1:]],
            CLEAN_RECORDS,
            "partial_writes",
        ),
        # a cancel acknowledged twice in the counters (and a unit both shipped and cancelled)
        (counters({"S1": (2, 1, 2), "S2": (2, 0, 2)}, 6), CLEAN_OUTCOMES, CLEAN_RECORDS, "double_effects"),
        # an acknowledged cancel not in the counters, so S2 still has a unit open
        (counters({"S1": (2, 1, 1), "S2": (2, 0, 1)}, 4), CLEAN_OUTCOMES, CLEAN_RECORDS, "lost_updates"),
        # one write more than the calls acknowledged
        (counters({"S1": (2, 1, 1), "S2": (2, 0, 2)}, 6), CLEAN_OUTCOMES, CLEAN_RECORDS, "double_effects"),
    ],
)
def test_given_a_broken_storm_when_judged_then_the_break_is_counted_by_kind(
    after: dict[str, Any], outcomes: list[Outcome], records: list[dict[str, Any]], kind: str
) -> None:
    problems = storm_problems(BEFORE, after, outcomes, records)
    assert problems
    assert kind in {k for k, _ in problems}


def test_given_a_unit_refused_while_one_was_open_when_judged_then_it_is_a_lost_update() -> None:
    outcomes = [Outcome("fulfil", "S1", 200, "f1", "o1.2"), Outcome("cancel", "S1", 409)]
    after = counters({"S1": (2, 1, 0), "S2": (2, 0, 0)}, 2)
    problems = storm_problems(BEFORE, after, outcomes, CLEAN_RECORDS)
    assert problems == [("lost_updates", "line S1: 1 calls refused ([409]) yet 1 units are open")]


# ------------------------------------------------------------------ the harness around the judges
def test_given_problems_from_a_judge_when_found_then_each_is_counted_under_its_kind() -> None:
    tally = Tally()
    tally.found("storm", [("double_effects", "a"), ("partial_writes", "b"), ("double_effects", "c")])
    assert (tally.double_effects, tally.partial_writes, tally.lost_updates) == (2, 1, 0)
    assert tally.notes == ["double_effects: storm: a", "partial_writes: storm: b", "double_effects: storm: c"]


def test_every_new_route_aims_at_its_own_order_and_keyed_ones_fault_their_idempotency_record() -> None:
    keyed = {
        "fulfil",
        "fulfil_partial",
        "fulfil_partial_if_match",
        "cancel",
        "cancel_partial",
        "void",
        "close",
    }
    patches = {"fulfillment_tracking", "fulfillment_pickup", "fulfillment_pickup_if_match"}
    assert keyed | patches <= set(reliability.MUTATIONS)
    for route in keyed | patches:
        mutation = reliability.MUTATIONS[route]
        assert mutation.targeted, route
        assert set(mutation.writes) <= set(mutation.calls), route
        idempotency = {call for call in mutation.writes if call.endswith(IDEMPOTENCY)}
        assert idempotency == (
            {f"PutItem{IDEMPOTENCY}", f"UpdateItem{IDEMPOTENCY}"} if route in keyed else set()
        )
    for route in ("fulfil", "fulfillment_tracking"):
        assert "TransactWriteItems" in reliability.MUTATIONS[route].writes


def test_a_transaction_also_meets_a_cancelled_transaction_and_a_suffixed_call_is_its_api() -> None:
    assert "transaction_cancelled" in faults_at("TransactWriteItems")
    assert "transaction_cancelled" not in faults_at(f"UpdateItem{IDEMPOTENCY}")
    assert api_of(f"UpdateItem{IDEMPOTENCY}") == "UpdateItem"
    assert api_of("TransactWriteItems") == "TransactWriteItems"


def _transaction(client: Any, order_id: str) -> Any:
    key = {"PK": {"S": key_text(order_id)}, "SK": {"S": "ORDER"}}
    return client.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": "orders",
                    "Key": key,
                    "UpdateExpression": "SET a = :a",
                    "ExpressionAttributeValues": {":a": {"S": "x"}},
                }
            },
            {"Put": {"TableName": "orders", "Item": {**key, "SK": {"S": "FUL#0000000002"}}}},
        ]
    )


def test_given_a_cancelled_transaction_fault_when_the_service_reads_it_then_it_is_a_conflict_to_retry() -> (
    None
):
    client = offline_client()
    faults = Faults(client)
    answer_everything(client)
    with faults.once("TransactWriteItems", "transaction_cancelled", only=key_text("a")) as planned:
        _transaction(client, "b")  # another order's transaction goes through
        with pytest.raises(ClientError) as raised:
            _transaction(client, "a")
    assert planned.left == 0
    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = [r["Code"] for r in raised.value.response["CancellationReasons"]]  # type: ignore[typeddict-item]
    assert reasons == ["TransactionConflict", "None"]  # one per item, as DynamoDB answers
    assert transaction_lost_race(raised.value)  # the write loop re-reads and tries again
