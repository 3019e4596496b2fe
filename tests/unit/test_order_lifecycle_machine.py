"""The whole lifecycle as a property: a hypothesis state machine over create, patch, fulfil (whole and
partial), cancel (whole and partial), pickup, refund, void and close on the domain services with fakes,
checking after every step API.md's money rules, `refunded + cancelled <= ordered` per line,
`amount_refunded <= amount_paid`, terminal states staying terminal and `sys_version` strictly
increasing. tests/integration runs a shorter one on DynamoDB Local (`LifecycleMachine` with other ports).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule
from orders_domain.domain import lifecycle
from orders_domain.domain.errors import OrdersError
from orders_domain.domain.lifecycle import OrderStatus
from orders_domain.domain.money_rules import money_problems
from orders_domain.domain.ports import FulfillmentStore, OrderRepository, RefundReasonStore
from orders_domain.models import Order, OrderCreateRequest
from orders_domain.models.fulfillments import CancelRequest, FulfillmentUpdate, FulfilRequest
from orders_domain.models.refunds import RefundReasonInput, RefundRequest
from orders_domain.services import CreateOrders, Pricing
from orders_domain.services.change import ChangeOrders
from orders_domain.services.fulfillments import FulfillmentQuery, FulfilOrders
from orders_domain.services.refunds import RefundOrders

from tests.fakes import InMemoryFulfillments, InMemoryOrderRepository, InMemoryRefundReasons

TENANT, ACTOR = "t", "key_a"
NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
TERMINAL = {OrderStatus.VOIDED}
#: Once closed, an order may only be refunded: it stays closed.
STAYS = {OrderStatus.VOIDED: {OrderStatus.VOIDED}, OrderStatus.CLOSED: {OrderStatus.CLOSED}}
REASONS = ("ChangedMindCannotMakeShow", "StaffOnly")


class LifecycleMachine(RuleBasedStateMachine):
    """Random operations on a few orders; refused ones (409/412/422) must change nothing."""

    orders = Bundle("orders")

    #: The ports the machine runs on (fakes here; DynamoDB Local in the integration tier).
    ports: Callable[[], tuple[OrderRepository, FulfillmentStore, RefundReasonStore]] = staticmethod(
        lambda: _fakes()
    )

    def __init__(self) -> None:
        super().__init__()
        repo, fulfillments, reasons = self.ports()
        self.repo = repo
        self.create = CreateOrders(repo, pricing=Pricing(clock=lambda: NOW))
        self.change = ChangeOrders(repo, sleep=lambda _: None)
        self.fulfil = FulfilOrders(repo, fulfillments, sleep=lambda _: None)
        self.refunds = RefundOrders(repo, reasons, sleep=lambda _: None)
        self.refunds.put_reason(TENANT, "StaffOnly", RefundReasonInput(description="Staff only"))
        self.seen: dict[str, Order] = {}
        self.accepted = 0

    # ------------------------------------------------------------------ steps
    @rule(
        target=orders,
        quantities=st.lists(st.integers(1, 3), min_size=1, max_size=3),
        paid=st.booleans(),
        shipping=st.sampled_from(["0", "4.99"]),
    )
    def create_order(self, quantities: list[int], paid: bool, shipping: str) -> str:
        body: dict[str, Any] = {
            "line_items": [
                {
                    "order_line_item_id": f"L{n}",
                    "quantity": q,
                    "unit_price": "10.01",
                    "taxes": "0.50",
                    "sku": f"S{n}",
                }
                for n, q in enumerate(quantities, 1)
            ],
            "shipping_charges": shipping,
        }
        if paid:
            body["payment_info"] = {"type": "Visa"}
        order = self.create.create(
            OrderCreateRequest.model_validate(body), tenant_id=TENANT, actor=ACTOR
        ).order
        self.seen[order.id] = order
        return order.id

    @rule(order_id=orders)
    def patch(self, order_id: str) -> None:
        self._try(
            order_id,
            lambda: self.change.patch(
                TENANT, order_id, [{"op": "add", "path": "/notes", "value": "n"}], actor=ACTOR, if_match=None
            ),
        )

    @rule(
        order_id=orders,
        line=st.integers(1, 3),
        units=st.integers(1, 3),
        cancel=st.integers(0, 1),
        whole=st.booleans(),
    )
    def fulfil_order(self, order_id: str, line: int, units: int, cancel: int, whole: bool) -> None:
        request = (
            None
            if whole
            else FulfilRequest.model_validate(
                {
                    "items": [
                        {"order_line_item_id": f"L{line}", "quantity": units, "cancel_quantity": cancel}
                    ],
                    "tracking_number": f"T-{order_id[:4]}",
                }
            )
        )
        self._try(order_id, lambda: self.fulfil.fulfil(TENANT, order_id, request, actor=ACTOR, if_match=None))

    @rule(order_id=orders, line=st.integers(1, 3), units=st.integers(1, 3), whole=st.booleans())
    def cancel_order(self, order_id: str, line: int, units: int, whole: bool) -> None:
        request = (
            None
            if whole
            else CancelRequest.model_validate(
                {"items": [{"order_line_item_id": f"L{line}", "quantity": units}]}
            )
        )
        self._try(order_id, lambda: self.fulfil.cancel(TENANT, order_id, request, actor=ACTOR, if_match=None))

    @rule(order_id=orders)
    def pickup(self, order_id: str) -> None:
        records, _ = self.fulfil.find(TENANT, FulfillmentQuery(order_id=order_id, limit=1))
        if records:
            self._try(
                order_id,
                lambda: self.fulfil.update(
                    TENANT, records[0].id, FulfillmentUpdate(picked_up=True), actor=ACTOR, if_match=None
                ),
            )

    @rule(
        order_id=orders,
        data=st.data(),
        reason=st.sampled_from([REASONS[0], REASONS[0], REASONS[0], REASONS[1]]),
        guest=st.sampled_from([False, False, True]),
        pick_refundable=st.booleans(),
    )
    def refund(
        self, order_id: str, data: st.DataObject, reason: str, guest: bool, pick_refundable: bool
    ) -> None:
        # Mostly lines that can be refunded now (else a refund is nearly always refused), sometimes any.
        order = self._stored(order_id)
        open_to_refund = [li.line_number for li in order.line_items if lifecycle.refundable_quantity(li)]
        numbers: st.SearchStrategy[int] = st.integers(1, 5)
        if open_to_refund and pick_refundable:
            numbers = st.sampled_from(open_to_refund)
        lines = data.draw(st.lists(numbers, min_size=1, max_size=2, unique=True))
        ref = f"token-{order.token}" if guest else order_id
        request = RefundRequest(refund_reason_name=reason, line_numbers=lines)
        self._try(order_id, lambda: self.refunds.refund(TENANT, ref, request, actor=ACTOR, if_match=None))

    @rule(order_id=orders, chance=st.integers(0, 5))
    def void(self, order_id: str, chance: int) -> None:
        if chance:  # rarely: a voided order accepts nothing more
            return
        self._try(order_id, lambda: self.fulfil.void(TENANT, order_id, actor=ACTOR, if_match=None))

    @rule(order_id=orders, chance=st.integers(0, 2))
    def close(self, order_id: str, chance: int) -> None:
        if chance:
            return
        self._try(order_id, lambda: self.fulfil.close(TENANT, order_id, actor=ACTOR, if_match=None))

    def _try(self, order_id: str, step: Callable[[], Any]) -> None:
        before = self._stored(order_id)
        refused: OrdersError | None = None
        try:
            step()
        except OrdersError as error:
            refused = error
        if refused is not None:
            assert refused.status in (409, 422), refused
            assert self._stored(order_id) == before, "a refused step changed the order"
            return
        after = self._stored(order_id)
        assert after.sys_version in (before.sys_version, before.sys_version + 1)
        self.accepted += 1

    def _stored(self, order_id: str) -> Order:
        found = self.repo.get(TENANT, order_id, consistent=True)
        assert found is not None
        return found

    # ------------------------------------------------------------------ after every step
    @invariant()
    def money_and_states_hold(self) -> None:
        for order_id, was in self.seen.items():
            now = self._stored(order_id)
            assert money_problems(now) == [], (now.status, money_problems(now))
            for line in lifecycle.goods_lines(now.line_items):
                assert line.quantity_returned + line.quantity_cancelled <= line.quantity
            assert now.amount_refunded <= now.amount_paid
            assert now.sys_version >= was.sys_version
            if was.status in STAYS:
                assert now.status in STAYS[OrderStatus(was.status)], (was.status, now.status)
            if now.sys_version == was.sys_version:
                assert now == was
            self.seen[order_id] = now


def _fakes() -> tuple[OrderRepository, FulfillmentStore, RefundReasonStore]:
    repo = InMemoryOrderRepository()
    return repo, InMemoryFulfillments(repo), InMemoryRefundReasons()


LifecycleMachine.TestCase.settings = settings(
    max_examples=200, stateful_step_count=50, deadline=None, suppress_health_check=list(HealthCheck)
)
TestOrderLifecycle = LifecycleMachine.TestCase
