"""refund_order on moto: the seeds/001 refund guide in our model, reasons, guest rules, errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.fulfil_helpers import TICKETS, call, cancel, fulfil, fulfillment, reasons_event, refund, will_call
from tests.helpers import body_of, get_event_for, header_of, invoke, load_event, with_caller
from tests.patch_helpers import create_order

pytestmark = pytest.mark.usefixtures("tables")

CHANGED_MIND = "ChangedMindCannotMakeShow"


def current(order_id: str) -> dict[str, Any]:
    got: dict[str, Any] = body_of(
        invoke("get_order", get_event_for(order_id, query={"consistentRead": "true"}))
    )
    return got


def money(value: Any) -> Decimal:
    return Decimal(str(value))


def test_the_seeds_001_flow_will_call_then_refund_two_lines_then_the_third_by_token() -> None:
    # GIVEN 3 fulfilled tickets
    order = create_order(TICKETS)
    assert fulfil(order["id"])[0] == 200
    token = f"token-{order['token']}"
    # the will-call check shows 3 refundable lines
    status, check = will_call(token)
    assert status == 200
    assert [line["refundable"] for line in check["line_items"]] == [True, True, True]
    # WHEN lines 1 and 2 are refunded with ChangedMindCannotMakeShow
    status, body, response = refund(order["id"], {"refund_reason_name": CHANGED_MIND, "line_numbers": [1, 2]})
    assert status == 200, body
    # THEN partially refunded, two refund lines pointing at lines 1 and 2, amount_refunded their totals
    assert body["status"] == "partially refunded"
    refund_lines = [li for li in body["line_items"] if li["status"] == "refunded"]
    assert [(li["line_number"], li["parent_line_item_id"]) for li in refund_lines] == [(4, "T1"), (5, "T2")]
    assert all(li["refund_reason_name"] == CHANGED_MIND and li["refund_date"] for li in refund_lines)
    assert [money(li["total"]) for li in refund_lines] == [Decimal("-11.83")] * 2
    assert money(body["amount_refunded"]) == Decimal("23.66")
    assert money(body["total"]) == Decimal("11.83")
    assert money(body["balance_due"]) == 0
    assert [p["status"] for p in body["payments"]] == ["settled", "refunded"]
    assert money(body["payments"][1]["amount"]) == Decimal("-23.66")
    assert body["refunded_payments"][0]["line_numbers"] == [1, 2]
    assert header_of(response, "ETag") == '"3"'
    # the will-call check shows lines 1 and 2 not refundable, with the reason
    _, check = will_call(token)
    assert [line.get("non_refundable_reason") for line in check["line_items"]] == [
        "The product has already been refunded.",
        "The product has already been refunded.",
        None,
    ]
    # WHEN line 3 is refunded by token THEN the order is refunded
    status, body, _ = refund(token, {"refund_reason_name": CHANGED_MIND, "line_numbers": [3]})
    assert status == 200, body
    assert body["status"] == "refunded"
    assert money(body["total"]) == 0
    assert money(body["amount_refunded"]) == money(body["amount_paid"]) == Decimal("35.49")
    assert current(order["id"]) == body


def test_errors_change_nothing_unknown_reason_or_line_422_and_a_refunded_line_409_naming_it() -> None:
    order = create_order(TICKETS)
    fulfil(order["id"], {"items": [{"order_line_item_id": "T1", "quantity": 1}]})
    status, problem, _ = refund(order["id"], {"refund_reason_name": "Nope", "line_numbers": [1]})
    assert status == 422, problem
    status, problem, _ = refund(order["id"], {"refund_reason_name": CHANGED_MIND, "line_numbers": [1, 9]})
    assert status == 422, problem
    assert problem["errors"] == [{"field": "line_numbers[1]", "error": "the order has no line 9"}]
    status, problem, _ = refund(order["id"], {"refund_reason_name": CHANGED_MIND, "line_numbers": [1, 2]})
    assert status == 409, problem
    assert "line 2" in problem["errors"][0]["error"]
    assert "cancel it instead" in problem["errors"][0]["error"]
    assert current(order["id"])["sys_version"] == 2  # nothing changed
    assert refund(order["id"], {"refund_reason_name": CHANGED_MIND, "line_numbers": [1]})[0] == 200
    status, problem, _ = refund(order["id"], {"refund_reason_name": CHANGED_MIND, "line_numbers": [1]})
    assert status == 409, problem
    assert "already been refunded" in problem["detail"]


def test_the_guest_route_refuses_picked_up_lines_and_reasons_that_are_not_self_service() -> None:
    order = create_order(TICKETS)
    fulfil(order["id"])
    fulfillment(f"{order['id']}.2", "PATCH", {"items": [{"order_line_item_id": "T1", "picked_up": True}]})
    token = f"token-{order['token']}"
    status, problem, _ = refund(token, {"refund_reason_name": CHANGED_MIND, "line_numbers": [1]})
    assert status == 409, problem
    assert "picked up" in problem["errors"][0]["error"]
    status, _, _ = call(
        "refund_order",
        reasons_event(
            "PUT", "BoxOffice", {"description": "Refunded at the box office", "self_service": False}
        ),
    )
    assert status == 200
    status, problem, _ = refund(token, {"refund_reason_name": "BoxOffice", "line_numbers": [2]})
    assert status == 422, problem
    # the id route may refund a picked-up line, with the tenant's own reason
    status, body, _ = refund(order["id"], {"refund_reason_name": "BoxOffice", "line_numbers": [1]})
    assert status == 200, body
    assert body["line_items"][-1]["refund_reason_name"] == "BoxOffice"


def test_refund_reasons_are_the_nine_built_in_then_the_tenants_own() -> None:
    status, body, _ = call("refund_order", reasons_event())
    assert status == 200
    assert len(body["refund_reasons"]) == 9
    assert body["refund_reasons"][0] == {
        "name": CHANGED_MIND,
        "description": "Changed Mind/Can't Make Show",
        "type_description": "Guest Self Service",
        "self_service": True,
    }
    assert call("refund_order", reasons_event("PUT", CHANGED_MIND, {"description": "x"}))[0] == 409
    assert (
        call("refund_order", reasons_event("PUT", "Late", {"description": "Late"}, scopes="orders:write"))[0]
        == 403
    )
    assert call("refund_order", reasons_event("PUT", "Late", {"description": "Late"}))[0] == 200
    names = [r["name"] for r in call("refund_order", reasons_event())[1]["refund_reasons"]]
    assert names[-1] == "Late"
    assert "Late" not in [
        r["name"] for r in call("refund_order", reasons_event(tenant_id="tenant-b"))[1]["refund_reasons"]
    ]


def test_an_unpaid_fulfilled_line_refunded_lowers_what_is_owed_and_pays_nothing_back() -> None:
    body = {"line_items": [{"order_line_item_id": "A", "quantity": 2, "unit_price": "5.00"}]}
    order = create_order(body)
    fulfil(order["id"])
    status, refunded, _ = refund(order["id"], {"refund_reason_name": CHANGED_MIND, "line_numbers": [1]})
    assert status == 200, refunded
    assert money(refunded["amount_refunded"]) == 0
    assert money(refunded["total"]) == money(refunded["balance_due"]) == 0
    assert refunded["status"] == "refunded"


def test_a_keyed_refund_replays_and_a_voided_order_refuses_refunds() -> None:
    order = create_order(TICKETS)
    fulfil(order["id"])
    one = {"refund_reason_name": CHANGED_MIND, "line_numbers": [1]}
    first = refund(order["id"], one, idempotency_key="r-1")
    again = refund(order["id"], one, idempotency_key="r-1")
    assert first[0] == again[0] == 200
    assert first[1] == again[1]
    assert header_of(again[2], "Idempotent-Replayed") == "true"
    other = create_order(TICKETS)
    fulfil(other["id"])
    cancel("void", other["id"])
    status, problem, _ = refund(other["id"], one)
    assert status == 409, problem


def test_the_sample_event_refunds_a_real_order_by_token() -> None:
    order = create_order(TICKETS)
    fulfil(order["id"])
    event = with_caller(load_event("refund_order.json"))
    ref = f"token-{order['token']}"
    event["path"] = event["path"].replace(event["pathParameters"]["id"], ref)
    event["pathParameters"]["id"] = ref
    response = invoke("refund_order", event)
    assert response["statusCode"] == 200, response["body"]
    assert body_of(response)["status"] == "partially refunded"
