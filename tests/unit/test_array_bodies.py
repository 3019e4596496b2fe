"""A JSON array sent where a route reads one object is a 400 that changes nothing (http/array_bodies.py:
Powertools would validate the array's first element and drop the rest); JSON Patch's PATCH still takes
its array. Found by `make fuzz` (schemathesis ST201 on PUT /orders/{tenantId}/catalogue/settings)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.helpers import body_of, create_event, get_event_for, invoke, load_event, with_body, with_caller
from tests.patch_helpers import change, create_order

pytestmark = pytest.mark.usefixtures("tables")

ORDER = {"line_items": [{"quantity": 1, "unit_price": "5.00"}]}


def listed(event: dict[str, Any], *items: Any, encoded: bool = False) -> dict[str, Any]:
    text = "  \n" + json.dumps(list(items))
    event = {**event, "body": text}
    if encoded:
        event.update(body=base64.b64encode(text.encode()).decode(), isBase64Encoded=True)
    return event


@pytest.mark.parametrize("encoded", [False, True])
def test_given_an_order_inside_an_array_when_created_then_it_is_a_400_and_no_order_is_made(
    encoded: bool,
) -> None:
    # GIVEN a create whose body is an array holding a valid order first
    answer = invoke("create_order", listed(create_event(ORDER), ORDER, "anything", encoded=encoded))
    # THEN a 400 naming the body, and the tenant has no order
    assert answer["statusCode"] == 400, answer["body"]
    problem = body_of(answer)
    assert problem["errors"] == [{"field": "body", "error": "must be a JSON object, not an array"}]
    from orders_domain.runtime import wiring

    assert wiring.current().orders.list_page("tenant-a", limit=10).rows == []


def test_given_settings_inside_an_array_when_put_then_it_is_a_400_and_the_settings_stay() -> None:
    event = with_caller(load_event("catalogue.json"))
    event.update(
        httpMethod="PUT",
        resource="/orders/{tenantId}/catalogue/settings",
        path="/orders/tenant-a/catalogue/settings",
        pathParameters={"tenantId": "tenant-a"},
    )
    strict = invoke("catalogue", with_body(event, {"strict": True}))
    assert strict["statusCode"] == 200, strict["body"]
    refused = invoke("catalogue", listed(event, {}, {}))
    assert refused["statusCode"] == 400, refused["body"]
    again = invoke("catalogue", {**event, "httpMethod": "GET", "body": None})
    assert body_of(again) == {"strict": True}


def test_given_a_put_of_an_order_inside_an_array_when_sent_then_it_is_a_400_and_the_order_is_unchanged() -> (
    None
):
    order = create_order(ORDER)
    status, problem, _ = change(
        "PUT", order["id"], [{**ORDER, "notes": "replaced"}], content_type="application/json"
    )
    assert status == 400, problem
    got = body_of(invoke("get_order", get_event_for(order["id"])))
    assert "notes" not in got
    assert got["sys_version"] == 1


def test_given_a_json_patch_when_sent_then_its_array_is_still_read() -> None:
    order = create_order(ORDER)
    status, body, _ = change("PATCH", order["id"], [{"op": "add", "path": "/notes", "value": "n"}])
    assert status == 200, body
    assert body["notes"] == "n"
