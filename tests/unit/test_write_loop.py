"""The one write loop (services.write_loop): a mutation's declared check, its `once`, a change that
changes nothing, and a conflict applied again on the order as it now is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from orders_domain.domain.lifecycle import Operation, OrderStateConflict
from orders_domain.models import Order, OrderCreateRequest
from orders_domain.services import CreateOrders, Pricing
from orders_domain.services.write_loop import Mutation, WriteLoop

from tests.fakes import InMemoryOrderRepository

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
TENANT = "tenant-a"


class RecordingRepository(InMemoryOrderRepository):
    """Records each replace's request token; `interfere` writes a competing version before the first."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens: list[str | None] = []
        self.interfere = False

    def replace(self, order: Order, *, expected_version: int, **options: Any) -> None:
        self.tokens.append(options.get("request_token"))
        if self.interfere:
            self.interfere = False
            current = self.orders[(order.tenant_id, order.id)][0]
            competitor = current.model_copy(update={"memo": "theirs", "sys_version": current.sys_version + 1})
            super().replace(competitor, expected_version=current.sys_version)
        super().replace(order, expected_version=expected_version, **options)


@dataclass(frozen=True)
class SetMemo(Mutation):
    memo: str

    def apply(self, order: Order, now: datetime) -> Order:
        return order.model_copy(update={"memo": f"{order.memo or ''}+{self.memo}"})


@dataclass(frozen=True)
class DeleteLike(SetMemo):
    checks: ClassVar[Operation | None] = Operation.DELETE


@dataclass(frozen=True)
class OnceMemo(SetMemo):
    once: ClassVar[bool] = True


def paid_order(repo: InMemoryOrderRepository) -> Order:
    request = OrderCreateRequest.model_validate(
        {"line_items": [{"quantity": 1, "unit_price": "10.00"}], "payment_info": {"type": "card"}}
    )
    return (
        CreateOrders(repo, pricing=Pricing(clock=lambda: NOW))
        .create(request, tenant_id=TENANT, actor="k")
        .order
    )


@pytest.fixture
def repo() -> RecordingRepository:
    return RecordingRepository()


def loop(repo: InMemoryOrderRepository) -> WriteLoop:
    return WriteLoop(repo, clock=lambda: NOW, sleep=lambda _: None)


def test_given_a_mutation_that_declares_a_check_when_the_order_fails_it_then_409_and_nothing_written(
    repo: RecordingRepository,
) -> None:
    order = paid_order(repo)  # paid: the lifecycle refuses a delete
    with pytest.raises(OrderStateConflict):
        loop(repo).run(DeleteLike("x"), TENANT, order.id, actor="k", if_match=None)
    assert repo.tokens == []
    assert repo.get(TENANT, order.id) == order


def test_given_a_once_mutation_when_run_then_its_write_carries_a_request_token(
    repo: RecordingRepository,
) -> None:
    order = paid_order(repo)
    loop(repo).run(SetMemo("plain"), TENANT, order.id, actor="k", if_match=None)
    loop(repo).run(OnceMemo("once"), TENANT, order.id, actor="k", if_match=None)
    assert repo.tokens[0] is None
    assert isinstance(repo.tokens[1], str)
    assert len(repo.tokens[1]) == 36


def test_given_a_mutation_that_changes_nothing_when_run_then_no_write_and_the_version_stays(
    repo: RecordingRepository,
) -> None:
    @dataclass(frozen=True)
    class Nothing(Mutation):
        def apply(self, order: Order, now: datetime) -> Order:
            return order

    order = paid_order(repo)
    written = loop(repo).run(Nothing(), TENANT, order.id, actor="k", if_match=order.sys_version)
    assert (written.order, written.version, repo.tokens) == (order, None, [])


def test_given_a_competing_write_when_the_loop_conflicts_then_it_applies_again_on_the_new_version(
    repo: RecordingRepository,
) -> None:
    order = paid_order(repo)
    repo.interfere = True
    written = loop(repo).run(SetMemo("mine"), TENANT, order.id, actor="k", if_match=None)
    # both changes kept: theirs (version 2), then mine applied to it (version 3)
    assert (written.order.memo, written.version) == ("theirs+mine", order.sys_version + 2)
    assert len(repo.tokens) == 2
