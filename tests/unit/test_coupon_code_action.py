"""The coupon-code action (seeds/003, admin): `refund` refunds the lines the coupon code applied to
through the one refund rule, once — keyed repeats replay, unkeyed repeats are 409 `already_refunded`
— and bad input changes nothing. (Ten at once, on DynamoDB Local's real transactions:
tests/integration/test_customer_side_on_dynamodb_local.py.)"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from tests.fulfil_helpers import CODED_TICKETS as ORDER
from tests.fulfil_helpers import _event, call, fulfil
from tests.helpers import body_of, get_event_for, invoke, load_event
from tests.patch_helpers import create_order

pytestmark = pytest.mark.usefixtures("tables")


def action(
    order_ref: str,
    code: str,
    body: Any,
    *,
    key: str | None = None,
    if_match: str | None = None,
    scopes: str = "orders:read orders:write orders:admin",
) -> tuple[int, Any]:
    event = _event(
        "refund_order.json",
        "POST",
        "/orders/{tenantId}/{id}/coupon-codes/{couponCodeId}/actions",
        f"/orders/tenant-a/{order_ref}/coupon-codes/{code}/actions",
        {"tenantId": "tenant-a", "id": order_ref, "couponCodeId": code},
        body,
        tenant_id="tenant-a",
        idempotency_key=key,
        if_match=if_match,
        scopes=scopes,
    )
    status, answer, _ = call("refund_order", event)
    return status, answer


def current(order_id: str) -> dict[str, Any]:
    got: dict[str, Any] = body_of(
        invoke("get_order", get_event_for(order_id, query={"consistentRead": "true"}))
    )
    return got


def refund_lines(order: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (li["parent_line_item_id"], li["refund_reason_name"])
        for li in order["line_items"]
        if li["status"] == "refunded"
    ]


def fulfilled_order() -> dict[str, Any]:
    order = create_order(ORDER)
    assert fulfil(order["id"])[0] == 200
    return order


def test_given_a_fulfilled_order_when_its_coupon_code_is_refunded_then_exactly_its_lines_are_once() -> None:
    order = fulfilled_order()
    # WHEN CODE-9's refund action runs (seeds/003's shape: options nested, ids repeated)
    status, body = action(
        order["id"],
        "CODE-9",
        {
            "order_id": order["id"],
            "coupon_code_id": "CODE-9",
            "options": {
                "action": "refund",
                "batch_id": "b-1",
                "ignore_payment_gateway_errors": True,
                "do_not_perform_electronic_refund": True,
            },
        },
    )
    # THEN T1 and T2 are refunded with the coupon_code_action reason, T3 is not
    assert status == 200, body
    assert refund_lines(body) == [("T1", "coupon_code_action"), ("T2", "coupon_code_action")]
    assert Decimal(str(body["amount_refunded"])) == Decimal("20.00")
    assert body["status"] == "partially refunded"
    # AND run again without a key: 409 already_refunded, nothing changes
    status, problem = action(order["id"], "CODE-9", {"action": "refund"})
    assert status == 409, problem
    assert problem["code"] == "already_refunded"
    assert current(order["id"])["sys_version"] == body["sys_version"]
    # AND the order-wide code refunds what is left (T3 only)
    status, body = action(order["id"], "WHOLE", {"action": "refund"})
    assert status == 200, body
    assert [p for p, _ in refund_lines(body)] == ["T1", "T2", "T3"]
    assert body["status"] == "refunded"


def test_a_keyed_action_replays_its_first_answer() -> None:
    order = fulfilled_order()
    first = action(order["id"], "CODE-9", {"action": "refund"}, key="k-1")
    again = action(order["id"], "CODE-9", {"action": "refund"}, key="k-1")
    assert first[0] == again[0] == 200
    assert first[1] == again[1]
    assert len(refund_lines(current(order["id"]))) == 2


@pytest.mark.parametrize(
    ("code", "body", "status", "field"),
    [
        ("CODE-9", {"action": "void"}, 400, "action"),
        ("CODE-9", {}, 400, None),
        ("CODE-9", {"action": "refund", "options": {"action": "refund"}}, 400, None),
        ("CODE-9", {"action": "refund", "order_id": "another"}, 400, "order_id"),
        ("CODE-9", {"action": "refund", "coupon_code_id": "CODE-1"}, 400, "coupon_code_id"),
        ("NOPE", {"action": "refund"}, 404, None),
    ],
)
def test_bad_actions_and_unknown_codes_change_nothing(
    code: str, body: dict[str, Any], status: int, field: str | None
) -> None:
    order = fulfilled_order()
    before = current(order["id"])
    got, problem = action(order["id"], code, body)
    assert got == status, problem
    if field == "action":
        assert "refund" in str(problem["errors"])
    if field:
        assert field in str(problem["errors"])
    assert current(order["id"]) == before


def test_an_unfulfilled_order_refuses_with_the_lines_reasons_and_a_write_key_is_403() -> None:
    order = create_order(ORDER)
    status, problem = action(order["id"], "CODE-9", {"action": "refund"})
    assert status == 409, problem
    assert "line 1" in problem["detail"]
    assert action(order["id"], "CODE-9", {"action": "refund"}, scopes="orders:read orders:write")[0] == 403
    status, problem = action(order["id"], "CODE-9", {"action": "refund"}, if_match='"99"')
    assert status == 412, problem


def test_the_sample_event_refunds_a_real_orders_coupon_code() -> None:
    order = fulfilled_order()
    event = load_event("coupon_code_action.json")
    sample_id = event["pathParameters"]["id"]
    text = json.dumps(event).replace(sample_id, order["id"])
    status, body, _ = call("refund_order", json.loads(text))
    assert status == 200, body
    assert refund_lines(body) == [("T1", "coupon_code_action"), ("T2", "coupon_code_action")]
