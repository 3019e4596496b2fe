"""create_order on moto: pricing, idempotency, bad input. Events come from events/."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import boto3
import pytest

from tests.helpers import body_of, create_event, get_event_for, header_of, invoke, load_event

pytestmark = pytest.mark.usefixtures("tables")


def minimal_order(**extra: Any) -> dict[str, Any]:
    return {"line_items": [{"description": "Ticket", "quantity": 1, "unit_price": 10}], **extra}


def test_create_from_the_sample_event_computes_every_money_field() -> None:
    # GIVEN the sample create event (2 tickets at 13.75 + 1.10 tax, a poster at 9.99,
    # a 2.50 coupon on the tickets, 5.00 shipping, a card payment)
    event = load_event("create_order.json")

    # WHEN it is invoked unchanged, as `sam local invoke -e events/create_order.json` would
    response = invoke("create_order", event)

    # THEN the order is created with exact totals
    assert response["statusCode"] == 201, response["body"]
    order = body_of(response)
    assert order["subtotal"] == Decimal("37.49")
    assert order["discounts"] == Decimal("2.50")
    assert order["taxes"] == Decimal("1.10")
    assert order["shipping_charges"] == Decimal("5.00")
    assert order["total"] == Decimal("41.09")
    assert order["amount_pending_capture"] == Decimal("41.09")
    assert order["amount_paid"] == 0
    assert order["amount_refunded"] == 0
    assert order["balance_due"] == 0
    assert order["status"] == "paid"
    assert order["payments"][0]["status"] == "pending"
    assert order["payments"][0]["amount"] == Decimal("41.09")
    tickets, poster = order["line_items"]
    assert (tickets["line_number"], poster["line_number"]) == (1, 2)
    assert tickets["total"] == Decimal("26.10")  # 27.50 - 2.50 + 1.10
    assert tickets["discounts"] == Decimal("2.50")
    assert poster["discounts"] == 0
    assert poster["total"] == Decimal("9.99")
    assert order["shippable"] is True
    assert order["sys_shippable_status"] == "awaiting shipment"
    assert order["number"] == 1
    assert order["sys_version"] == 1
    assert len(order["token"]) >= 16
    assert order["_links"]["self"]["href"] == f"/orders/tenant-a/{order['id']}"
    assert {"fulfill", "cancel", "will-call-check", "fulfillments"} <= set(order["_links"])
    assert header_of(response, "Location") == f"/v1/orders/tenant-a/{order['id']}"
    assert header_of(response, "ETag") == '"1"'
    assert header_of(response, "x-request-id")


def test_order_without_payment_info_awaits_payment() -> None:
    response = invoke("create_order", create_event(minimal_order()))
    order = body_of(response)
    assert response["statusCode"] == 201
    assert order["status"] == "awaiting payment"
    assert order["payments"] == []
    assert order["balance_due"] == Decimal("10.00")
    assert order["line_items"][0]["status"] == "awaiting payment"


def test_numbers_are_a_sequence_per_tenant() -> None:
    numbers_a = [body_of(invoke("create_order", create_event(minimal_order())))["number"] for _ in range(3)]
    number_b = body_of(invoke("create_order", create_event(minimal_order(), tenant="tenant-b")))["number"]
    assert numbers_a == [1, 2, 3]
    assert number_b == 1


def test_created_order_can_be_read_back_by_id_and_by_token() -> None:
    created = body_of(invoke("create_order", create_event(minimal_order())))
    by_id = invoke("get_order", get_event_for(created["id"]))
    by_token = invoke("get_order", get_event_for(f"token-{created['token']}"))
    assert by_id["statusCode"] == 200
    assert body_of(by_id) == created
    assert by_token["statusCode"] == 200
    assert body_of(by_token)["id"] == created["id"]


def test_coupon_is_spread_over_lines_without_losing_a_cent() -> None:
    # GIVEN a 1.00 discount over three equal lines (0.333... each)
    body = {
        "line_items": [{"quantity": 1, "unit_price": "3.00"} for _ in range(3)],
        "coupons": [{"coupon_id": "C", "discount": 1}],
    }
    order = body_of(invoke("create_order", create_event(body)))
    parts = sorted(li["discounts"] for li in order["line_items"])
    assert parts == [Decimal("0.33"), Decimal("0.33"), Decimal("0.34")]
    assert order["discounts"] == Decimal("1.00")
    assert order["total"] == Decimal("8.00")


# ------------------------------------------------------------------ idempotency
def test_replaying_a_duplicate_prevention_key_returns_the_same_order() -> None:
    body = minimal_order(duplicate_prevention_key="dpk-1")
    first = invoke("create_order", create_event(body))
    second = invoke("create_order", create_event(body))
    assert first["statusCode"] == second["statusCode"] == 201
    assert second["body"] == first["body"]
    assert header_of(second, "Idempotent-Replayed") == "true"
    assert header_of(first, "Idempotent-Replayed") is None
    assert header_of(second, "Location") == header_of(first, "Location")


def test_header_key_and_body_key_are_the_same_key() -> None:
    first = invoke("create_order", create_event(minimal_order(), key='"k-1"'))
    second = invoke("create_order", create_event(minimal_order(duplicate_prevention_key="k-1")))
    assert body_of(second)["id"] == body_of(first)["id"]


def test_same_key_with_another_body_is_422_and_creates_nothing() -> None:
    invoke("create_order", create_event(minimal_order(), key="k-2"))
    other = minimal_order()
    other["line_items"][0]["quantity"] = 2
    response = invoke("create_order", create_event(other, key="k-2"))
    problem = body_of(response)
    assert response["statusCode"] == 422
    assert problem["code"] == "idempotency_key_reused"
    after = invoke("create_order", create_event(minimal_order()))
    assert body_of(after)["number"] == 2  # only the first create and this one made orders


def test_same_key_in_another_tenant_makes_that_tenant_its_own_order() -> None:
    a = body_of(invoke("create_order", create_event(minimal_order(), key="shared")))
    b_response = invoke("create_order", create_event(minimal_order(), key="shared", tenant="tenant-b"))
    b = body_of(b_response)
    assert header_of(b_response, "Idempotent-Replayed") is None
    assert b_response["statusCode"] == 201
    assert b["id"] != a["id"]
    assert b["number"] == 1


@pytest.mark.parametrize(("key", "expected"), [("", 400), ('""', 400), ("k" * 256, 400), ("k" * 255, 201)])
def test_idempotency_key_length_is_checked(key: str, expected: int) -> None:
    response = invoke("create_order", create_event(minimal_order(), key=key))
    assert response["statusCode"] == expected, response["body"]


def test_different_header_and_body_keys_are_400() -> None:
    response = invoke("create_order", create_event(minimal_order(duplicate_prevention_key="a"), key="b"))
    assert response["statusCode"] == 400


def test_a_failed_create_is_not_stored_so_a_corrected_retry_succeeds() -> None:
    # GIVEN a create that fails (discount over the amount) under key k-3
    bad = minimal_order(coupons=[{"coupon_id": "C", "discount": 50}])
    assert invoke("create_order", create_event(bad, key="k-3"))["statusCode"] == 422
    # WHEN the corrected request is sent with the same key, twice
    fixed = invoke("create_order", create_event(minimal_order(), key="k-3"))
    again = invoke("create_order", create_event(minimal_order(), key="k-3"))
    # THEN the first attempt left nothing behind: the fix creates, its retry replays
    assert fixed["statusCode"] == 201
    assert header_of(again, "Idempotent-Replayed") == "true"
    assert body_of(again)["id"] == body_of(fixed)["id"]


# ------------------------------------------------------------------ preview
def test_preview_prices_without_saving() -> None:
    event = load_event("create_order_preview.json")
    response = invoke("create_order", event)
    body = body_of(response)
    assert response["statusCode"] == 200, response["body"]
    assert body["order"]["total"] == Decimal("41.09")
    assert "id" not in body["order"]
    assert body["manifest"]["total_amount_due_at_checkout"] == Decimal("41.09")
    assert body["manifest"]["payments_due"] == [
        {"merchant_account_id": "ma-1", "amount_due": Decimal("41.09")}
    ]
    created = body_of(invoke("create_order", create_event(minimal_order())))
    assert created["number"] == 1  # the preview took no number


def forget_idempotency_records(tables: dict[str, str]) -> None:
    """What a retry sees after the key's record expired (24 h) or a timed-out first attempt."""
    client = boto3.client("dynamodb", region_name="us-east-1")
    for item in client.scan(TableName=tables["IdempotencyTable"])["Items"]:
        client.delete_item(TableName=tables["IdempotencyTable"], Key={"id": item["id"]})


def test_retry_after_the_idempotency_record_is_gone_still_makes_no_second_order(
    tables: dict[str, str],
) -> None:
    # GIVEN an order created under a key, whose idempotency record is then lost
    first = invoke("create_order", create_event(minimal_order(), key="long-retry"))
    forget_idempotency_records(tables)
    # WHEN the same request is retried with the same key
    retry = invoke("create_order", create_event(minimal_order(), key="long-retry"))
    # THEN the first order comes back (found by its key-derived id), marked as a replay
    assert retry["statusCode"] == 201
    assert body_of(retry)["id"] == body_of(first)["id"]
    assert header_of(retry, "Idempotent-Replayed") == "true"
    # AND the same key with another request is still refused
    forget_idempotency_records(tables)
    other = minimal_order()
    other["line_items"][0]["unit_price"] = 11
    assert invoke("create_order", create_event(other, key="long-retry"))["statusCode"] == 422


def test_client_date_is_kept_only_with_override_and_must_be_iso() -> None:
    kept = body_of(
        invoke("create_order", create_event(minimal_order(date="2024-05-30", override_order_date=True)))
    )
    ignored = body_of(invoke("create_order", create_event(minimal_order(date="2024-05-30"))))
    bad = invoke("create_order", create_event(minimal_order(date="last tuesday", override_order_date=True)))
    assert kept["date"] == "2024-05-30T00:00:00Z"  # stored normalised: UTC, with its time
    assert not ignored["date"].startswith("2024-05-30")
    assert bad["statusCode"] == 400
    assert body_of(bad)["errors"] == [
        {"field": "date", "error": "must be an ISO-8601 date or date-time from 0002-01-01 to 9998-12-31"}
    ]


def test_header_name_is_case_insensitive() -> None:
    # GIVEN a create whose key arrives as lower-case `idempotency-key` (HTTP/2 clients send that)
    event = create_event(minimal_order())
    event["headers"]["idempotency-key"] = "lower"
    event["multiValueHeaders"]["idempotency-key"] = ["lower"]
    first = invoke("create_order", event)
    # WHEN the same key is sent as `Idempotency-Key`
    second = invoke("create_order", create_event(minimal_order(), key="lower"))
    # THEN it is the same key
    assert first["statusCode"] == 201
    assert body_of(second)["id"] == body_of(first)["id"]
    assert header_of(second, "Idempotent-Replayed") == "true"
