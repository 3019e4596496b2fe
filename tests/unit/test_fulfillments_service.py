"""services.fulfillments on fakes: the write loop with fulfillment records (lost answers, races,
If-Match on a fulfillment), pickup, void, and the fulfillment lists' paging (no HTTP)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from orders_domain.domain.catalogue_rules import Reservation
from orders_domain.domain.errors import (
    NotFound,
    PreconditionFailed,
    Unprocessable,
    ValidationFailed,
    VersionConflict,
)
from orders_domain.domain.fulfil_rules import void
from orders_domain.domain.lifecycle import OrderStateConflict, OrderStatus, PaymentStatus
from orders_domain.domain.money_rules import money_problems
from orders_domain.models import Order, OrderCreateRequest
from orders_domain.models.fulfillments import (
    CancelRequest,
    Fulfillment,
    FulfillmentItem,
    FulfillmentUpdate,
    FulfilRequest,
)
from orders_domain.services import CreateOrders, Pricing
from orders_domain.services.fulfillments import FulfillmentQuery, FulfilOrders
from orders_domain.storage import keys

from tests.fakes import InMemoryFulfillments, InMemoryOrderRepository, LostAnswerRepository

TENANT, ACTOR = "t", "key_a"
NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
BODY: dict[str, Any] = {
    "line_items": [
        {"order_line_item_id": "L1", "quantity": 3, "unit_price": "10.01", "sku": "A"},
        {"order_line_item_id": "L2", "quantity": 2, "unit_price": "5.00", "sku": "B"},
    ],
    "payment_info": {"type": "Visa"},
}
ONE = FulfilRequest.model_validate({"items": [{"order_line_item_id": "L1", "quantity": 1}]})


def make(repo: InMemoryOrderRepository | None = None) -> tuple[FulfilOrders, InMemoryOrderRepository, Order]:
    repo = repo or InMemoryOrderRepository()
    order = (
        CreateOrders(repo, pricing=Pricing(clock=lambda: NOW))
        .create(OrderCreateRequest.model_validate(BODY), tenant_id=TENANT, actor=ACTOR)
        .order
    )
    return FulfilOrders(repo, InMemoryFulfillments(repo), sleep=lambda _: None), repo, order


def stored(repo: InMemoryOrderRepository, order: Order) -> Order:
    return repo.orders[(TENANT, order.id)][0]


@pytest.mark.parametrize("if_match", [None, 1])
def test_given_a_fulfil_whose_answer_is_lost_when_retried_then_one_record_and_the_units_shipped_once(
    if_match: int | None,
) -> None:
    # GIVEN a repository that loses the answer of the next write
    service, repo, order = make(LostAnswerRepository())
    assert isinstance(repo, LostAnswerRepository)
    repo.lost = 1
    # WHEN one unit is fulfilled
    written = service.fulfil(TENANT, order.id, ONE, actor=ACTOR, if_match=if_match)
    # THEN it is shipped once, the record written with it is the one answered, and it is the only one
    assert stored(repo, order).line_items[0].quantity_shipped == 1
    assert written.fulfillment is not None
    assert list(repo.fulfillments) == [(TENANT, written.fulfillment.id)]
    assert written.fulfillment.sys_version == written.order.sys_version == 2


def test_given_a_concurrent_write_when_fulfilled_then_it_is_reapplied_on_the_new_version_with_a_new_id() -> (
    None
):
    service, repo, order = make()
    # another writer lands first: the fulfil is computed again on version 2, its record is `.3`
    other = stored(repo, order).model_copy(update={"sys_version": 2, "notes": "other"})
    repo.replace(other, expected_version=1)
    written = service.fulfil(TENANT, order.id, ONE, actor=ACTOR, if_match=None)
    assert written.fulfillment is not None
    assert written.fulfillment.id == keys.fulfillment_id(order.id, 3)
    assert written.order.notes == "other"
    with pytest.raises(PreconditionFailed):
        service.fulfil(TENANT, order.id, ONE, actor=ACTOR, if_match=1)


def test_void_annuls_a_partly_fulfilled_order_and_every_money_rule_holds() -> None:
    service, _repo, order = make()
    service.fulfil(TENANT, order.id, ONE, actor=ACTOR, if_match=None)
    voided = service.void(TENANT, order.id, actor=ACTOR, if_match=None)
    assert voided.status == OrderStatus.VOIDED
    assert {p.status for p in voided.payments} == {PaymentStatus.VOIDED}
    assert (voided.total, voided.amount_paid, voided.amount_pending_capture, voided.balance_due) == (
        0,
        0,
        0,
        0,
    )
    assert voided.line_items[0].quantity_shipped == 1
    assert voided.line_items[0].quantity_cancelled == 2
    assert voided.sys_shippable_status is None
    assert money_problems(voided) == []
    with pytest.raises(OrderStateConflict):
        void(voided)


def test_close_of_an_open_order_is_409_and_of_a_fulfilled_one_closes_it() -> None:
    service, _, order = make()
    with pytest.raises(OrderStateConflict):
        service.close(TENANT, order.id, actor=ACTOR, if_match=None)
    service.fulfil(TENANT, order.id, None, actor=ACTOR, if_match=None)
    assert service.close(TENANT, order.id, actor=ACTOR, if_match=None).status == OrderStatus.CLOSED


def test_a_pickup_marks_the_record_and_the_order_line_and_if_match_names_the_records_version() -> None:
    service, repo, order = make()
    first = service.fulfil(TENANT, order.id, ONE, actor=ACTOR, if_match=None).fulfillment
    assert first is not None
    service.fulfil(TENANT, order.id, None, actor=ACTOR, if_match=None)  # the order moves on to version 3
    # the record is still at version 2: If-Match 2 is current for it, 3 is not
    with pytest.raises(PreconditionFailed):
        service.update(TENANT, first.id, FulfillmentUpdate(picked_up=True), actor=ACTOR, if_match=3)
    picked = service.update(TENANT, first.id, FulfillmentUpdate(picked_up=True), actor=ACTOR, if_match=2)
    assert picked.picked_up is True
    assert picked.sys_version == 4
    line = stored(repo, order).line_items[0]
    assert line.picked_up is True
    assert stored(repo, order).line_items[1].picked_up is False
    # the same update again changes nothing and writes nothing
    again = service.update(TENANT, first.id, FulfillmentUpdate(picked_up=True), actor=ACTOR, if_match=None)
    assert again == picked
    assert stored(repo, order).sys_version == 4


def test_a_pickup_of_a_line_not_fulfilled_by_the_record_is_422_and_of_another_tenants_record_404() -> None:
    service, _, order = make()
    record = service.fulfil(TENANT, order.id, ONE, actor=ACTOR, if_match=None).fulfillment
    assert record is not None
    update = FulfillmentUpdate.model_validate({"items": [{"order_line_item_id": "L2", "picked_up": True}]})
    with pytest.raises(Unprocessable):
        service.update(TENANT, record.id, update, actor=ACTOR, if_match=None)
    with pytest.raises(NotFound):
        service.update("other", record.id, update, actor=ACTOR, if_match=None)
    with pytest.raises(NotFound):
        service.get(TENANT, "not-a-fulfillment-id")


# ------------------------------------------------------------------ lists
def record(n: int, *, order_id: str = "o1", minutes: int | None = None, sku: str = "A") -> Fulfillment:
    return Fulfillment(
        id=keys.fulfillment_id(order_id, n),
        order_id=order_id,
        tenant_id=TENANT,
        created_time=NOW + timedelta(minutes=n if minutes is None else minutes),
        tracking_number=f"T{n % 3}",
        items=[FulfillmentItem(order_line_item_id="L1", sku=sku, quantity=1)],
    )


def lister(records: list[Fulfillment]) -> FulfilOrders:
    repo = InMemoryOrderRepository()
    for f in records:
        repo.fulfillments[(f.tenant_id, f.id)] = f
    return FulfilOrders(repo, InMemoryFulfillments(repo))


def walk(
    service: FulfilOrders, base: dict[str, Any], limit: int, *, back_from: str | None = None
) -> list[str]:
    seen: list[str] = []
    cursor = back_from
    while True:
        if back_from is None:
            query = FulfillmentQuery(limit=limit, starting_after=cursor, **base)
        else:
            query = FulfillmentQuery(limit=limit, ending_before=cursor, **base)
        rows, more = service.find(TENANT, query)
        assert len(rows) <= limit
        seen += [f.id for f in rows]
        if not more:
            return seen
        cursor = rows[-1].id if back_from is None else rows[0].id


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    count=st.integers(0, 12),
    limit=st.integers(1, 5),
    narrow=st.sampled_from(["tenant", "order", "tracking", "sku", "created"]),
    same_minute=st.booleans(),
)
def test_given_any_records_when_paged_either_way_then_each_matching_one_is_seen_once_in_order(
    count: int, limit: int, narrow: str, same_minute: bool
) -> None:
    # GIVEN records of two orders (some at the same instant: ties are broken by id)
    records = [
        record(n, order_id="o1" if n % 2 else "o2", minutes=0 if same_minute else None, sku="AB"[n % 2])
        for n in range(1, count + 1)
    ]
    service = lister(records)
    bases: dict[str, dict[str, Any]] = {
        "tenant": {},
        "order": {"order_id": "o1"},
        "tracking": {"tracking_number": "T1"},
        "sku": {"sku": "B"},
        "created": {"created_gte": NOW + timedelta(minutes=3), "created_lt": NOW + timedelta(minutes=9)},
    }
    base = bases[narrow]
    query = FulfillmentQuery(**base)
    expected = sorted(
        (f for f in records if query.keeps(f)), key=lambda f: (f.created_time, f.id), reverse=True
    )
    # WHEN paged newest first with starting_after
    forward = walk(service, base, limit)
    # THEN each matching record once, newest first
    assert forward == [f.id for f in expected]
    # and back from the oldest with ending_before: the rest, oldest first page by page
    if expected:
        back = walk(service, base, limit, back_from=expected[-1].id)
        pages_back = [f.id for f in reversed(expected[:-1])]
        assert sorted(back) == sorted(pages_back)
        assert len(back) == len(set(back))


def test_both_cursors_or_an_unknown_cursor_is_a_400() -> None:
    service = lister([record(1)])
    with pytest.raises(ValidationFailed):
        service.find(TENANT, FulfillmentQuery(starting_after=record(1).id, ending_before=record(1).id))
    with pytest.raises(ValidationFailed):
        service.find(TENANT, FulfillmentQuery(starting_after="o9.2"))


def test_given_a_keyed_fulfil_that_landed_when_run_again_with_its_key_then_it_is_done_once() -> None:
    # GIVEN a keyed partial fulfil that landed (its idempotency record then lost: the request runs again)
    service, repo, order = make()
    first = service.fulfil(TENANT, order.id, ONE, actor=ACTOR, if_match=1, write_key="k1")
    other = service.fulfil(TENANT, order.id, ONE, actor=ACTOR, if_match=None)  # another request lands after
    # WHEN the same keyed request runs again (even with its original If-Match)
    again = service.fulfil(TENANT, order.id, ONE, actor=ACTOR, if_match=1, write_key="k1")
    # THEN nothing more is shipped, and the answer names the record the first run wrote
    assert stored(repo, order).line_items[0].quantity_shipped == 2
    assert again.order.sys_version == other.order.sys_version == 3
    assert again.fulfillment == first.fulfillment
    assert again.version == 2
    assert len(repo.fulfillments) == 2


def test_given_a_keyed_partial_cancel_that_landed_when_run_again_then_it_is_applied_once() -> None:
    service, repo, order = make()
    request = CancelRequest.model_validate({"items": [{"order_line_item_id": "L1", "quantity": 1}]})
    service.cancel(TENANT, order.id, request, actor=ACTOR, if_match=None, write_key="c1")
    service.cancel(TENANT, order.id, request, actor=ACTOR, if_match=None, write_key="c1")
    assert stored(repo, order).line_items[0].quantity_cancelled == 1
    # another key is another request: applied
    service.cancel(TENANT, order.id, request, actor=ACTOR, if_match=None, write_key="c2")
    assert stored(repo, order).line_items[0].quantity_cancelled == 2


class ConflictOnceRepository(InMemoryOrderRepository):
    """The next write's transaction is cancelled by a concurrent one on its items: nothing written."""

    conflicts = 0

    def replace(
        self,
        order: Order,
        *,
        expected_version: int,
        fulfillment: Fulfillment | None = None,
        request_token: str | None = None,
        releases: Sequence[Reservation] = (),
    ) -> None:
        if self.conflicts > 0:
            self.conflicts -= 1
            raise VersionConflict("TransactionConflict: cancelled, nothing written")
        super().replace(order, expected_version=expected_version, fulfillment=fulfillment, releases=releases)


def test_given_an_if_match_write_cancelled_by_a_conflict_that_wrote_nothing_then_it_is_retried() -> None:
    # GIVEN a transaction cancelled once by a conflict that moved nothing (the version stays)
    service, repo, order = make(ConflictOnceRepository())
    assert isinstance(repo, ConflictOnceRepository)
    repo.conflicts = 1
    # WHEN a fulfil is sent with the current If-Match
    written = service.fulfil(TENANT, order.id, ONE, actor=ACTOR, if_match=1)
    # THEN it is retried and applied (not a 412: the client's copy was not stale)
    assert written.order.sys_version == 2
    assert stored(repo, order).line_items[0].quantity_shipped == 1
