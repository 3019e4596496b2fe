"""Admin overrides on moto, through the handlers (issue 31; seeds/003's override create and preview):
the overridden prices show in the totals, stock follows the overridden quantity, the order, its history
and its event name the key that did it, and a write-only key gets 403."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from orders_domain.runtime import wiring
from orders_domain.storage.orders import OrderRecord

from local.stream_records import lambda_record, stream_event
from tests.helpers import (
    body_of,
    header_of,
    history_event_for,
    invoke,
    load_event,
    with_body,
    with_caller,
    with_headers,
)
from tests.unit.test_catalogue_routes import get_product, put_product

pytestmark = pytest.mark.usefixtures("publisher")

SEAT = {"name": "Seat", "unit_price": 30, "currency_code": "USD", "stock": 10}
ADMIN = "orders:read orders:write orders:admin"


def order(*lines: dict[str, Any]) -> dict[str, Any]:
    return {"currency_code": "USD", "line_items": list(lines)}


def seat(quantity: int = 2, line_id: str = "L1", **changes: Any) -> dict[str, Any]:
    return {
        "product_type": "ticket",
        "product_id": "seat",
        "quantity": quantity,
        "order_line_item_id": line_id,
        **changes,
    }


def override(
    body: dict[str, Any],
    *,
    preview: bool = False,
    scopes: str = ADMIN,
    key: str | None = None,
    key_id: str = "key_admin",
) -> tuple[int, Any, dict[str, Any]]:
    resource = "/orders/{tenantId}/override" + ("/preview" if preview else "")
    event = copy.deepcopy(load_event("create_order.json"))
    path = resource.replace("{tenantId}", "tenant-a")
    event.update(resource=resource, path=path)
    event["requestContext"].update(resourcePath=resource, path="/v1" + path)
    event = with_headers(with_body(event, body), **{"Idempotency-Key": key})
    response = invoke("create_order", with_caller(event, "tenant-a", scopes=scopes, key_id=key_id))
    return response["statusCode"], body_of(response), response


def manifest(*lines: dict[str, Any]) -> dict[str, Any]:
    return {"line_items": list(lines)}


@pytest.fixture(autouse=True)
def catalogue(tables: dict[str, str]) -> None:
    assert put_product("seat", SEAT)[0] == 200


def test_an_override_create_shows_the_overridden_prices_and_records_who_did_it() -> None:
    body = {
        "order": order(seat(2), {"quantity": 1, "unit_price": 5, "order_line_item_id": "L2"}),
        "override_manifest": manifest({"order_line_item_id": "L1", "override_unit_price": 12.5}),
    }
    status, created, response = override(body, key="ov-1")
    assert status == 201, created
    assert header_of(response, "Location") == f"/v1/orders/tenant-a/{created['id']}"
    line = created["line_items"][0]
    assert Decimal(str(line["unit_price"])) == Decimal("12.50")
    assert Decimal(str(created["total"])) == Decimal("30.00")  # 2 x 12.50 + 5
    assert created["override"] == {
        "by_key_id": "key_admin",
        "lines": [
            {
                "order_line_item_id": "L1",
                "original_unit_price": Decimal("30.00"),
                "original_quantity": 2,
                "override_unit_price": Decimal("12.50"),
            }
        ],
    }
    assert get_product("seat")[1]["stock_available"] == 8
    # the same key again replays the first answer
    again = override(body, key="ov-1")
    assert (again[0], again[1]["id"]) == (201, created["id"])
    assert get_product("seat")[1]["stock_available"] == 8


def test_stock_follows_the_overridden_quantity_and_a_total_sets_the_unit_price() -> None:
    body = {
        "order": order(seat(2)),
        "override_manifest": manifest(
            {"order_line_item_id": "L1", "override_quantity": 4, "override_total": 50}
        ),
    }
    status, created, _ = override(body)
    assert status == 201, created
    line = created["line_items"][0]
    assert (line["quantity"], Decimal(str(line["unit_price"])), line["stock_reserved"]) == (
        4,
        Decimal("12.50"),
        4,
    )
    assert get_product("seat")[1]["stock_available"] == 6


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (
            {"order_line_item_id": "nope", "override_unit_price": 1},
            "override_manifest.line_items[0].order_line_item_id",
        ),
        (
            {"order_line_item_id": "L1", "override_total": 10, "override_quantity": 3},
            "override_manifest.line_items[0].override_total",
        ),
        (
            {"order_line_item_id": "L1", "override_total": 30, "override_unit_price": 14},
            "override_manifest.line_items[0].override_total",
        ),
        ({"order_line_item_id": "L1", "override_unit_price": -1}, None),
        ({"order_line_item_id": "L1"}, None),
        ({"order_line_item_id": "L1", "override_quantity": 0}, None),
    ],
)
def test_a_bad_override_is_a_400_and_nothing_is_written(entry: dict[str, Any], field: str | None) -> None:
    status, problem, _ = override({"order": order(seat(2)), "override_manifest": manifest(entry)})
    assert status == 400, problem
    if field:
        assert problem["errors"][0]["field"] == field
    assert get_product("seat")[1]["stock_available"] == 10


def test_an_override_that_makes_a_total_negative_is_refused_and_nothing_is_written() -> None:
    coupon = {"coupon_type": "promotion", "coupon_id": "BIG", "discount": 50}
    body = {
        "order": {**order(seat(2)), "coupons": [coupon]},
        "override_manifest": manifest({"order_line_item_id": "L1", "override_unit_price": 1}),
    }
    status, problem, _ = override(body)
    assert 400 <= status < 500, problem
    assert get_product("seat")[1]["stock_available"] == 10


def test_a_write_or_read_key_cannot_override() -> None:
    body = {
        "order": order(seat(2)),
        "override_manifest": manifest({"order_line_item_id": "L1", "override_unit_price": 1}),
    }
    assert override(body, scopes="orders:read orders:write")[0] == 403
    assert override(body, preview=True, scopes="orders:read")[0] == 403
    assert get_product("seat")[1]["stock_available"] == 10


def test_an_override_preview_prices_it_reserves_nothing_and_judges_the_overridden_quantity() -> None:
    body = {
        "order": order(seat(2)),
        "override_manifest": manifest({"order_line_item_id": "L1", "override_quantity": 11}),
    }
    status, preview, _ = override(body, preview=True)
    assert status == 200, preview
    assert Decimal(str(preview["order"]["total"])) == Decimal("330")
    assert preview["order"]["override"]["lines"][0]["original_quantity"] == 2
    assert [e["code"] for e in preview["manifest"]["errors"]] == ["SOLD_OUT"]
    assert get_product("seat")[1]["stock_available"] == 10


def test_the_history_and_the_event_of_an_override_name_the_key(publisher: Any) -> None:
    body = {
        "order": order(seat(1)),
        "override_manifest": manifest({"order_line_item_id": "L1", "override_unit_price": 1}),
    }
    status, created, _ = override(body, key_id="key_boss")
    assert status == 201, created
    stored = wiring.current().orders.get("tenant-a", created["id"])
    assert stored is not None
    assert (
        invoke("order_stream", stream_event([lambda_record(None, OrderRecord(order=stored).to_item(), 1)]))[
            "batchItemFailures"
        ]
        == []
    )
    (entry,) = body_of(invoke("get_order", history_event_for(created["id"])))["Items"]
    assert (entry["event"], entry["by"], entry["override"]["by_key_id"]) == (
        "OrderCreated",
        "key_boss",
        "key_boss",
    )
    assert entry["override"]["lines"][0]["original_unit_price"] == Decimal("30.00")
    (event,) = [e for e in publisher.accepted if e.detail["order_id"] == created["id"]]
    assert event.detail["override"]["by_key_id"] == "key_boss"


def test_the_sample_events_put_describe_check_and_override_the_gala() -> None:
    # GIVEN the events/ files as `sam local invoke -e` passes them, in the order a client would send them
    assert invoke("catalogue", load_event("catalogue.json"))["statusCode"] == 200
    described = body_of(invoke("catalogue", load_event("catalogue_describe_products.json")))
    assert described["products"][0]["price"] == Decimal("70.00")  # 85.00 - 15.00 for the balcony
    available = body_of(invoke("create_order", load_event("create_order_availability.json")))
    assert available["product_availability"] == [
        {"order_line_item_id": "L1", "line_number": 1, "status": "OK"}
    ]
    response = invoke("create_order", load_event("create_order_override.json"))
    assert response["statusCode"] == 201, response["body"]
    created = body_of(response)
    assert created["total"] == Decimal("100.00")
    assert created["override"]["lines"][0]["original_unit_price"] == Decimal("70.00")
