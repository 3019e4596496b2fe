"""fulfill_order and cancel_order on moto: the HTTP side of fulfil, the Fulfillments resource, cancel,
void and close (the money rules themselves are tests/unit/test_fulfil_service.py's)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.fulfil_helpers import (
    cancel,
    fulfil,
    fulfillment,
    list_fulfillments,
    stale_transaction_writes_nothing,
)
from tests.helpers import body_of, get_event_for, header_of, invoke, load_event, with_caller
from tests.patch_helpers import change, create_order

pytestmark = pytest.mark.usefixtures("tables")

THEATRE: dict[str, Any] = {
    "line_items": [
        {
            "order_line_item_id": "L1",
            "quantity": 2,
            "unit_price": "13.75",
            "taxes": "3.00",
            "sku": "TICKET-GA-26250946-ADULT",
        }
    ],
    "payment_info": {"type": "Visa"},
}
THREE: dict[str, Any] = {
    "line_items": [
        {"order_line_item_id": "L1", "quantity": 3, "unit_price": "10.01", "sku": "A", "shippable": True}
    ],
    "payment_info": {"type": "Visa"},
}


def current(order_id: str) -> dict[str, Any]:
    got: dict[str, Any] = body_of(
        invoke("get_order", get_event_for(order_id, query={"consistentRead": "true"}))
    )
    return got


def assert_money_holds(order: dict[str, Any]) -> None:
    d = {k: Decimal(str(order[k])) for k in ("total", "subtotal", "discounts", "taxes", "amount_paid")}
    pending, refunded = Decimal(str(order["amount_pending_capture"])), Decimal(str(order["amount_refunded"]))
    shipping = Decimal(str(order.get("shipping_charges", 0)))
    assert d["total"] == d["subtotal"] - d["discounts"] + d["taxes"] + shipping
    assert Decimal(str(order["balance_due"])) == d["total"] - (d["amount_paid"] + pending - refunded)
    assert refunded <= d["amount_paid"]
    for line in order["line_items"]:
        assert line["quantity_shipped"] + line["quantity_cancelled"] <= line["quantity"]


# ------------------------------------------------------------------ Done when: the theatre flow
def test_given_the_theatre_order_when_fulfilled_with_no_body_then_order_and_lines_fulfilled_and_settled() -> (
    None
):
    order = create_order(THEATRE)
    status, body, response = fulfil(order["id"])
    assert status == 200, body
    assert body["status"] == "fulfilled"
    assert [li["status"] for li in body["line_items"]] == ["fulfilled"]
    assert [p["status"] for p in body["payments"]] == ["settled"]
    assert Decimal(str(body["balance_due"])) == 0
    assert Decimal(str(body["amount_paid"])) == Decimal("30.50")
    assert header_of(response, "ETag") == '"2"'
    location = header_of(response, "Location")
    assert location == f"/orders/tenant-a/fulfillments/{order['id']}.2"
    # THEN a GET reads it so, and the fulfillment record is there
    assert current(order["id"]) == body
    status, record = fulfillment(f"{order['id']}.2")
    assert status == 200, record
    assert record["items"] == [
        {
            "order_line_item_id": "L1",
            "sku": "TICKET-GA-26250946-ADULT",
            "quantity": 2,
            "cancel_quantity": 0,
            "picked_up": False,
        }
    ]


def test_the_sample_events_apply_to_a_real_order() -> None:
    order = create_order(THREE | {"line_items": [THREE["line_items"][0] | {"order_line_item_id": "line-1"}]})
    event = with_caller(load_event("fulfill_order.json"))
    event["path"] = event["path"].replace(event["pathParameters"]["id"], order["id"])
    event["pathParameters"]["id"] = order["id"]
    response = invoke("fulfill_order", event)
    assert response["statusCode"] == 200, response["body"]
    assert body_of(response)["line_items"][0]["quantity_shipped"] == 1
    event = with_caller(load_event("cancel_order.json"))
    event["path"] = event["path"].replace(event["pathParameters"]["id"], order["id"])
    event["pathParameters"]["id"] = order["id"]
    response = invoke("cancel_order", event)
    assert response["statusCode"] == 200, response["body"]
    assert body_of(response)["line_items"][0]["quantity_cancelled"] == 1


# ------------------------------------------------------------------ Done when: 1 + 1, then cancel the rest
def test_given_3_units_fulfilled_1_and_1_then_the_rest_cancelled_then_counters_and_fulfillments_hold() -> (
    None
):
    order = create_order(THREE)
    oid = order["id"]
    ids = []
    for number in ("TRACK-1", "TRACK-2"):
        body = {
            "items": [{"order_line_item_id": "L1", "quantity": 1}],
            "tracking_company": "Fedex",
            "tracking_number": number,
        }
        status, changed, response = fulfil(oid, body)
        assert status == 200, changed
        assert_money_holds(changed)
        ids.append(str(header_of(response, "Location")).rsplit("/", 1)[1])
    status, changed, _ = cancel("cancel", oid, {"items": [{"order_line_item_id": "L1", "quantity": 1}]})
    assert status == 200, changed
    assert_money_holds(changed)
    line = changed["line_items"][0]
    assert (line["quantity_shipped"], line["quantity_cancelled"]) == (2, 1)
    assert changed["status"] == "fulfilled"
    # two fulfillments listed by order_id, newest first
    status, page = list_fulfillments({"order_id": oid})
    assert status == 200, page
    assert [f["id"] for f in page["data"]] == list(reversed(ids))
    assert page["has_more"] is False
    # each found by its tracking number
    for fid, number in zip(ids, ("TRACK-1", "TRACK-2"), strict=True):
        status, page = list_fulfillments({"tracking_number": number})
        assert [f["id"] for f in page["data"]] == [fid]
    # pageable one at a time both ways, on the order's list and on the tenant's
    for base in ({"order_id": oid}, {}):
        status, first = list_fulfillments(base | {"limit": "1"})
        assert [f["id"] for f in first["data"]] == [ids[1]]
        assert first["has_more"] is True
        status, second = list_fulfillments(base | {"limit": "1", "starting_after": ids[1]})
        assert [f["id"] for f in second["data"]] == [ids[0]]
        assert second["has_more"] is False
        status, back = list_fulfillments(base | {"limit": "1", "ending_before": ids[0]})
        assert [f["id"] for f in back["data"]] == [ids[1]]
        assert back["has_more"] is False
    # the seed's camelCase names work too
    status, camel = list_fulfillments({"orderId": oid, "limit": "1", "startingAfter": ids[1]})
    assert [f["id"] for f in camel["data"]] == [ids[0]]


def test_fulfillment_filters_sku_company_created_and_ids() -> None:
    a = create_order(THREE)
    b = create_order(THREE | {"line_items": [THREE["line_items"][0] | {"sku": "B"}]})
    fulfil(a["id"], {"tracking_company": "UPS"})
    _status, _, response = fulfil(b["id"], {"tracking_company": "Fedex"})
    fb = str(header_of(response, "Location")).rsplit("/", 1)[1]
    fa = f"{a['id']}.2"
    assert [f["id"] for f in list_fulfillments({"sku": "B"})[1]["data"]] == [fb]
    assert [f["id"] for f in list_fulfillments({"tracking_company": "UPS"})[1]["data"]] == [fa]
    assert {f["id"] for f in list_fulfillments({"ids": f"{fa},{fb},nope.3"})[1]["data"]} == {fa, fb}
    created = list_fulfillments({"ids": fb})[1]["data"][0]["created_time"]
    assert [f["id"] for f in list_fulfillments({"created_time": created})[1]["data"]] == [fb]
    assert fb not in [f["id"] for f in list_fulfillments({"created_time[lt]": created})[1]["data"]]
    assert [f["id"] for f in list_fulfillments({"created_time[gte]": created})[1]["data"]] == [fb]
    assert list_fulfillments({"created_time[gt]": created})[1]["data"] == []


def test_bad_list_parameters_are_400() -> None:
    assert list_fulfillments({"limit": "0"})[0] == 400
    assert list_fulfillments({"limit": "101"})[0] == 400
    assert list_fulfillments({"created_time[gt]": "yesterday"})[0] == 400
    assert list_fulfillments({"starting_after": "x.1", "ending_before": "y.2"})[0] == 400
    assert list_fulfillments({"starting_after": "no-such.1"})[0] == 400
    assert list_fulfillments({"ids": ",".join(f"o.{i}" for i in range(101))})[0] == 400


def test_another_tenants_fulfillment_is_404_and_its_cursor_400() -> None:
    order = create_order(THREE)
    fulfil(order["id"])
    fid = f"{order['id']}.2"
    assert fulfillment(fid)[0] == 200
    assert fulfillment(fid, tenant_id="tenant-b")[0] == 404
    assert list_fulfillments({"starting_after": fid}, tenant_id="tenant-b")[0] == 400
    assert list_fulfillments({"order_id": order["id"]}, tenant_id="tenant-b")[1]["data"] == []
    assert fulfil(order["id"], tenant_id="tenant-b")[0] == 404


# ------------------------------------------------------------------ errors change nothing
def test_more_than_open_is_422_and_a_cancelled_order_409_and_nothing_changes() -> None:
    order = create_order(THREE)
    status, problem, _ = fulfil(order["id"], {"items": [{"order_line_item_id": "L1", "quantity": 4}]})
    assert status == 422, problem
    assert current(order["id"])["sys_version"] == 1
    assert cancel("cancel", order["id"])[0] == 200
    status, problem, _ = fulfil(order["id"])
    assert status == 409, problem
    assert current(order["id"])["sys_version"] == 2
    assert list_fulfillments({"order_id": order["id"]})[1]["data"] == []


def test_fulfilled_units_cannot_be_cancelled_409_names_the_line() -> None:
    order = create_order(THREE)
    fulfil(order["id"], {"items": [{"order_line_item_id": "L1", "quantity": 2}]})
    status, problem, _ = cancel(
        "cancel", order["id"], {"items": [{"order_line_item_id": "L1", "quantity": 2}]}
    )
    assert status == 409, problem
    assert "refund" in problem["detail"]
    assert problem["errors"][0]["field"] == "items[0].quantity"


def test_a_stale_if_match_is_412_on_fulfil_and_cancel() -> None:
    order = create_order(THREE)
    assert (
        fulfil(order["id"], {"items": [{"order_line_item_id": "L1", "quantity": 1}]}, if_match='"1"')[0]
        == 200
    )
    assert fulfil(order["id"], if_match='"1"')[0] == 412
    assert cancel("cancel", order["id"], if_match='"1"')[0] == 412
    assert current(order["id"])["sys_version"] == 2


def test_an_idempotency_key_replays_a_fulfil_and_a_cancel() -> None:
    order = create_order(THREE)
    one = {"items": [{"order_line_item_id": "L1", "quantity": 1}]}
    first = fulfil(order["id"], one, idempotency_key="k-1")
    again = fulfil(order["id"], one, idempotency_key="k-1")
    assert first[0] == again[0] == 200
    assert again[1] == first[1]
    assert header_of(again[2], "Idempotent-Replayed") == "true"
    assert current(order["id"])["line_items"][0]["quantity_shipped"] == 1
    # the same key on another order is another request: 422
    other = create_order(THREE)
    assert fulfil(other["id"], one, idempotency_key="k-1")[0] == 422
    c1 = cancel("cancel", order["id"], idempotency_key="c-1")
    c2 = cancel("cancel", order["id"], idempotency_key="c-1")
    assert c1[0] == c2[0] == 200
    assert c1[1] == c2[1]


# ------------------------------------------------------------------ void and close
def test_void_annuls_the_order_and_then_nothing_may_change_it() -> None:
    order = create_order(THREE)
    fulfil(order["id"], {"items": [{"order_line_item_id": "L1", "quantity": 1}]})
    status, body, _ = cancel("void", order["id"])
    assert status == 200, body
    assert body["status"] == "voided"
    assert {p["status"] for p in body["payments"]} == {"voided"}
    assert (
        Decimal(str(body["total"]))
        == Decimal(str(body["balance_due"]))
        == Decimal(str(body["amount_paid"]))
        == 0
    )
    assert_money_holds(body)
    for attempt in (fulfil(order["id"]), cancel("cancel", order["id"]), cancel("close", order["id"])):
        assert attempt[0] == 409, attempt[1]
    assert change("PATCH", order["id"], [{"op": "add", "path": "/notes", "value": "x"}])[0] == 409
    assert cancel("void", order["id"])[0] == 409


def test_close_needs_a_settled_order_and_then_allows_no_fulfil_or_cancel() -> None:
    order = create_order(THREE)
    assert cancel("close", order["id"])[0] == 409
    fulfil(order["id"])
    status, body, _ = cancel("close", order["id"])
    assert status == 200, body
    assert body["status"] == "closed"
    assert cancel("cancel", order["id"])[0] == 409
    assert change("PATCH", order["id"], [{"op": "add", "path": "/notes", "value": "x"}])[0] == 409


def test_void_and_close_need_the_admin_scope() -> None:
    order = create_order(THREE)
    status, problem, _ = cancel("void", order["id"], scopes="orders:read orders:write")
    assert status == 403, problem


# ------------------------------------------------------------------ tracking and pickup
def test_patching_tracking_moves_the_tracking_lookup_and_a_pickup_marks_the_order_lines() -> None:
    order = create_order(THREE)
    fulfil(order["id"], {"items": [{"order_line_item_id": "L1", "quantity": 2}], "tracking_number": "OLD"})
    fid = f"{order['id']}.2"
    status, updated = fulfillment(fid, "PATCH", {"tracking_number": "NEW", "tracking_company": "DHL"})
    assert status == 200, updated
    assert (updated["tracking_number"], updated["tracking_company"]) == ("NEW", "DHL")
    assert list_fulfillments({"tracking_number": "OLD"})[1]["data"] == []
    assert [f["id"] for f in list_fulfillments({"tracking_number": "NEW"})[1]["data"]] == [fid]
    # a stale If-Match is 412
    assert fulfillment(fid, "PATCH", {"picked_up": True}, if_match='"2"')[0] == 412
    status, picked = fulfillment(fid, "PATCH", {"picked_up": True}, if_match=f'"{updated["sys_version"]}"')
    assert status == 200, picked
    assert picked["picked_up"] is True
    assert picked["items"][0]["picked_up"] is True
    assert current(order["id"])["line_items"][0]["picked_up"] is True


def test_a_pickup_of_a_line_the_fulfillment_did_not_fulfil_is_422() -> None:
    order = create_order(THREE)
    fulfil(order["id"], {"items": [{"order_line_item_id": "L1", "quantity": 1}]})
    status, problem = fulfillment(
        f"{order['id']}.2", "PATCH", {"items": [{"order_line_item_id": "L9", "picked_up": True}]}
    )
    assert status == 422, problem
    assert fulfillment(f"{order['id']}.2", "PATCH", {"picked_up": False})[0] == 400


def test_a_transaction_on_a_stale_version_is_a_version_conflict_and_writes_neither_item() -> None:
    order = create_order(THREE)
    assert fulfil(order["id"], {"items": [{"order_line_item_id": "L1", "quantity": 1}]})[0] == 200
    stale_transaction_writes_nothing(order["id"])
