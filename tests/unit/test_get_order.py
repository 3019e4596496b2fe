"""get_order on moto: by id, by token, fields, consistentRead, tenant isolation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.helpers import body_of, create_event, get_event_for, header_of, invoke, load_event, with_caller

pytestmark = pytest.mark.usefixtures("tables")


@pytest.fixture
def order() -> dict[str, Any]:
    response = invoke("create_order", load_event("create_order.json"))
    assert response["statusCode"] == 201
    created: dict[str, Any] = body_of(response)
    return created


def test_sample_get_event_with_a_real_id_returns_the_order(order: dict[str, Any]) -> None:
    # GIVEN events/get_order.json pointed at the created order (consistentRead=true)
    event = with_caller(load_event("get_order.json"))
    event["path"] = event["path"].replace(event["pathParameters"]["id"], order["id"])
    event["pathParameters"]["id"] = order["id"]
    # WHEN it is invoked
    response = invoke("get_order", event)
    # THEN the stored order comes back, with its version as ETag
    assert response["statusCode"] == 200
    assert body_of(response) == order
    assert header_of(response, "ETag") == '"1"'


def test_get_by_token(order: dict[str, Any]) -> None:
    response = invoke("get_order", get_event_for(f"token-{order['token']}"))
    assert response["statusCode"] == 200
    assert body_of(response)["id"] == order["id"]


def test_fields_projects_the_order_and_keeps_id(order: dict[str, Any]) -> None:
    response = invoke("get_order", get_event_for(order["id"], query={"fields": "total,line_items.sku"}))
    body = body_of(response)
    assert body == {
        "id": order["id"],
        "total": Decimal("41.09"),
        "line_items": [{"sku": "TICKET-GA-ADULT"}, {"sku": "POSTER-1"}],
    }


@pytest.mark.parametrize("fields", ["", "\t", " , ,"])
def test_fields_naming_nothing_returns_the_whole_order(order: dict[str, Any], fields: str) -> None:
    # (found by schemathesis: `fields=%09` answered `{"id": ...}` alone)
    response = invoke("get_order", get_event_for(order["id"], query={"fields": fields}))
    assert response["statusCode"] == 200
    assert body_of(response) == order


def test_unknown_field_in_fields_is_400(order: dict[str, Any]) -> None:
    response = invoke("get_order", get_event_for(order["id"], query={"fields": "total,nope"}))
    assert response["statusCode"] == 400
    assert body_of(response)["errors"] == [{"field": "fields", "error": "unknown field 'nope'"}]


@pytest.mark.parametrize("name", ["tenant_id", "sys_deleted", "duplicate_prevention_key"])
def test_given_a_field_no_response_carries_when_named_in_fields_then_it_is_400(
    order: dict[str, Any], name: str
) -> None:
    # GIVEN a field the order keeps (or a create takes) but no order response carries
    # WHEN a client asks for it with fields=
    response = invoke("get_order", get_event_for(order["id"], query={"fields": f"id,{name}"}))
    # THEN it is a 400 naming it, not a silent projection without it
    assert response["statusCode"] == 400
    assert body_of(response)["errors"] == [{"field": "fields", "error": f"unknown field {name!r}"}]


def test_bad_consistent_read_value_is_400(order: dict[str, Any]) -> None:
    response = invoke("get_order", get_event_for(order["id"], query={"consistentRead": "maybe"}))
    assert response["statusCode"] == 400


@pytest.mark.parametrize(
    "ref", ["0f9a7c1e-5a4b-4d3c-8b2a-1e0f9d8c7b6a", "token-unknownunknownunknown", "token-", "a%23b"]
)
def test_unknown_order_is_404(ref: str) -> None:
    response = invoke("get_order", get_event_for(ref))
    assert response["statusCode"] == 404
    assert body_of(response)["code"] == "not_found"


def test_another_tenant_cannot_see_the_order(order: dict[str, Any]) -> None:
    # GIVEN tenant-b's caller asking for tenant-a's order id under tenant-b's path
    response = invoke("get_order", get_event_for(order["id"], tenant_id="tenant-b"))
    assert response["statusCode"] == 404
    by_token = invoke("get_order", get_event_for(f"token-{order['token']}", tenant_id="tenant-b"))
    assert by_token["statusCode"] == 404


def test_caller_of_another_tenant_on_this_tenants_path_is_403(order: dict[str, Any]) -> None:
    event = with_caller(get_event_for(order["id"]), tenant_id="tenant-b")
    assert invoke("get_order", event)["statusCode"] == 403


def test_dates_before_year_1000_round_trip() -> None:
    # GIVEN an order with dates of years below 1000 (ISO-8601 allows them)
    body = {
        "submission_date": "0834-12-02T19:28:24Z",
        "line_items": [
            {
                "quantity": 1,
                "unit_price": 1,
                "related_transactions": [{"type": "payment", "amount": 1, "date": "0152-06-16T05:37:20Z"}],
            }
        ],
    }
    created = invoke("create_order", create_event(body))
    assert created["statusCode"] == 201, created["body"]
    # WHEN it is read back
    fetched = invoke("get_order", get_event_for(body_of(created)["id"]))
    # THEN it reads (stored in a fixed-width form) and says the same
    assert fetched["statusCode"] == 200, fetched["body"]
    order = body_of(fetched)
    assert order["submission_date"] == "0834-12-02T19:28:24Z"
    assert order["line_items"][0]["related_transactions"][0]["date"] == "0152-06-16T05:37:20Z"
