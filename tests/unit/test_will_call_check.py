"""will_call_check on moto: by id and by guest token, with the lifecycle's answers (seeds/001)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fulfil_helpers import TICKETS, cancel, fulfil, fulfillment
from tests.helpers import body_of, invoke, load_event, with_caller
from tests.patch_helpers import create_order

pytestmark = pytest.mark.usefixtures("tables")


def check(order_ref: str, tenant_id: str = "tenant-a") -> tuple[int, Any]:
    event = with_caller(load_event("will_call_check.json"), tenant_id)
    event["pathParameters"] = {"tenantId": tenant_id, "id": order_ref}
    event["path"] = f"/orders/{tenant_id}/{order_ref}/will-call-check"
    response = invoke("will_call_check", event)
    return response["statusCode"], body_of(response)


def test_given_three_fulfilled_tickets_when_checked_by_token_then_three_refundable_lines() -> None:
    order = create_order(TICKETS)
    assert fulfil(order["id"])[0] == 200
    status, body = check(f"token-{order['token']}")
    assert status == 200, body
    assert body["line_items"] == [
        {"line_number": n, "picked_up": False, "refundable": True, "self_service_refundable": True}
        for n in (1, 2, 3)
    ]
    base = f"/orders/tenant-a/token-{order['token']}"
    assert body["_links"] == {
        "self": {"href": f"{base}/will-call-check"},
        "refund": {"href": f"{base}/refunds"},
    }


def test_reasons_say_what_to_do_unfulfilled_cancelled_and_picked_up() -> None:
    order = create_order(TICKETS)
    fulfil(order["id"], {"items": [{"order_line_item_id": "T1", "quantity": 1}]})
    cancel("cancel", order["id"], {"items": [{"order_line_item_id": "T2", "quantity": 1}]})
    fulfillment(f"{order['id']}.2", "PATCH", {"picked_up": True})
    status, body = check(order["id"])
    assert status == 200, body
    one, two, three = body["line_items"]
    assert one == {
        "line_number": 1,
        "picked_up": True,
        "refundable": True,
        "self_service_refundable": False,
        "non_self_service_refundable_reason": "The product has already been picked up.",
    }
    assert two["non_refundable_reason"] == "The product has been cancelled."
    assert three["non_refundable_reason"] == "The product has not been fulfilled; cancel it instead."
    assert three["non_self_service_refundable_reason"] == three["non_refundable_reason"]
    assert not two["refundable"]
    assert not three["self_service_refundable"]


def test_a_voided_order_answers_every_line_not_refundable_with_the_reason() -> None:
    order = create_order(TICKETS)
    fulfil(order["id"])
    assert cancel("void", order["id"])[0] == 200
    status, body = check(order["id"])
    assert status == 200, body
    assert {line["non_refundable_reason"] for line in body["line_items"]} == {"The order has been voided."}


def test_another_tenants_order_or_token_is_404() -> None:
    order = create_order(TICKETS)
    assert check(order["id"], tenant_id="tenant-b")[0] == 404
    assert check(f"token-{order['token']}", tenant_id="tenant-b")[0] == 404
    assert check("token-short")[0] == 404
