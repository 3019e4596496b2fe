"""refund_order on DynamoDB Local: exactly once under races, lost answers and retries (the transaction's
ClientRequestToken on the real engine), and the lifecycle state machine on the real table."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from orders_domain.domain.ports import FulfillmentStore, OrderRepository, RefundReasonStore
from orders_domain.runtime import wiring

from harness.reliability import Faults
from local.lambda_runtime import InstancePool
from tests.fulfil_helpers import TICKETS, fulfil, refund, refund_event
from tests.helpers import body_of, get_event_for, invoke
from tests.patch_helpers import create_order
from tests.unit.test_order_lifecycle_machine import LifecycleMachine

pytestmark = pytest.mark.usefixtures("tables")

LINE_1 = {"refund_reason_name": "ChangedMindCannotMakeShow", "line_numbers": [1]}


def _read(order_id: str) -> dict[str, Any]:
    got: dict[str, Any] = body_of(
        invoke("get_order", get_event_for(order_id, query={"consistentRead": "true"}))
    )
    return got


def _refund_lines(order: dict[str, Any]) -> list[dict[str, Any]]:
    return [li for li in order["line_items"] if li["status"] == "refunded"]


def test_given_10_concurrent_refunds_of_one_line_then_exactly_one_succeeds() -> None:
    # GIVEN three fulfilled tickets, and refund_order running as concurrent Lambda instances
    order = create_order(TICKETS)
    assert fulfil(order["id"])[0] == 200
    pool = InstancePool("functions.refund_order.app")
    start = threading.Barrier(10)
    statuses: list[int] = []

    def worker() -> None:
        start.wait()
        statuses.append(pool.invoke(refund_event(order["id"], LINE_1))["statusCode"])

    # WHEN ten refunds of line 1 race
    threads = [threading.Thread(target=worker) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN one is accepted, the others are refused (the line is refunded), and line 1 is refunded once
    assert sorted(statuses) == [200] + [409] * 9, statuses
    final = _read(order["id"])
    assert [li["parent_line_item_id"] for li in _refund_lines(final)] == ["T1"]
    assert Decimal(str(final["amount_refunded"])) == Decimal("11.83")
    assert final["sys_version"] == 3


def test_given_a_refund_whose_first_answer_is_lost_when_the_sdk_retries_then_it_refunds_once() -> None:
    # GIVEN a fault that lets the refund's transaction reach DynamoDB Local and loses its answer once
    order = create_order(TICKETS)
    fulfil(order["id"])
    faults = Faults(wiring.current().dynamodb)
    with faults.once("TransactWriteItems", "lost_response", only=order["id"]) as planned:
        # WHEN the refund is sent (botocore retries the transaction with the same ClientRequestToken)
        status, body, _ = refund(order["id"], LINE_1)
    # THEN it answers 200 and line 1 is refunded once: DynamoDB applied the retried transaction once
    assert planned.left == 0
    assert status == 200, body
    final = _read(order["id"])
    assert len(_refund_lines(final)) == 1
    assert final["sys_version"] == 3


def test_given_a_refund_lost_on_every_attempt_when_the_client_retries_with_its_key_then_it_refunds_once() -> (
    None
):
    order = create_order(TICKETS)
    fulfil(order["id"])
    faults = Faults(wiring.current().dynamodb)
    with faults.once("TransactWriteItems", "lost_response", times=4, only=order["id"]):
        status, problem, _ = refund(order["id"], LINE_1, idempotency_key="refund-lost-1")
    assert status == 503, problem  # the write landed; the answer never came back
    status, body, _ = refund(order["id"], LINE_1, idempotency_key="refund-lost-1")
    assert status == 200, body
    assert len(_refund_lines(_read(order["id"]))) == 1
    assert body["sys_version"] == 3


def test_a_transaction_sent_twice_with_one_client_request_token_is_applied_once() -> None:
    order = create_order(TICKETS)
    repo = wiring.current().orders
    stored = repo.get("tenant-a", order["id"], consistent=True)
    assert stored is not None
    changed = stored.model_copy(update={"notes": "once", "sys_version": 2})
    repo.replace(changed, expected_version=1, request_token="token-0123456789abcdef")
    # the same request again: without the token its version condition would fail (VersionConflict)
    repo.replace(changed, expected_version=1, request_token="token-0123456789abcdef")
    assert _read(order["id"])["sys_version"] == 2


class DynamoLifecycleMachine(LifecycleMachine):
    """The lifecycle machine on the real engine (the test's tables, through wiring)."""

    ports = staticmethod(lambda: _dynamo_ports())


def _dynamo_ports() -> tuple[OrderRepository, FulfillmentStore, RefundReasonStore]:
    current = wiring.current()
    return current.orders, current.fulfillments, current.refund_reasons


def test_the_lifecycle_machine_holds_on_dynamodb_local() -> None:
    run_state_machine_as_test(
        DynamoLifecycleMachine,
        settings=settings(
            max_examples=8, stateful_step_count=25, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
