"""patch_order on moto: the HTTP side of PATCH, PUT, DELETE and batch (the rules themselves are
tests/unit/test_change_service.py's)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import body_of, get_event_for, header_of, invoke, load_event, with_caller, with_headers
from tests.patch_helpers import change, change_event, create_order
from tests.search_helpers import all_pages

pytestmark = pytest.mark.usefixtures("tables")

NOTES = [{"op": "add", "path": "/notes", "value": "side door"}]
#: An order with no payment (awaiting payment): it may be deleted.
UNPAID = {"line_items": [{"quantity": 1, "unit_price": "4.00"}]}


def test_given_an_order_when_patched_then_the_change_is_stored_with_a_new_etag() -> None:
    # GIVEN an order at version 1
    order = create_order()
    # WHEN a JSON Patch adds a note, conditional on version 1
    status, body, response = change(
        "PATCH", order["id"], [{"op": "add", "path": "/notes", "value": "x"}], if_match='"1"'
    )
    # THEN it is version 2, says so in its ETag, and a GET reads it back
    assert status == 200, body
    assert body["notes"] == "x"
    assert body["sys_version"] == 2
    assert header_of(response, "ETag") == '"2"'
    got = body_of(invoke("get_order", get_event_for(order["id"], query={"consistentRead": "true"})))
    assert got == body


def test_the_sample_event_applies_to_a_real_order() -> None:
    order = create_order()
    event = with_caller(load_event("patch_order.json"))
    event["path"] = event["path"].replace(event["pathParameters"]["id"], order["id"])
    event["pathParameters"]["id"] = order["id"]
    response = invoke("patch_order", event)
    assert response["statusCode"] == 200, response["body"]
    assert body_of(response)["notes"] == "Leave at the box office"


def test_a_stale_if_match_is_412_and_changes_nothing() -> None:
    order = create_order()
    assert change("PATCH", order["id"], NOTES)[0] == 200
    status, problem, _ = change(
        "PATCH", order["id"], [{"op": "add", "path": "/memo", "value": "m"}], if_match='"1"'
    )
    assert status == 412
    assert problem["code"] == "precondition_failed"
    got = body_of(invoke("get_order", get_event_for(order["id"], query={"consistentRead": "true"})))
    assert "memo" not in got
    assert got["sys_version"] == 2


@pytest.mark.parametrize("value", ["three", '"3', "W/x", "-1"])
def test_a_malformed_if_match_is_400(value: str) -> None:
    order = create_order()
    status, problem, _ = change("PATCH", order["id"], NOTES, if_match=value)
    assert status == 400
    assert problem["errors"] == [{"field": "If-Match", "error": 'must be an ETag such as "3"'}]


@pytest.mark.parametrize("value", ['W/"1"', "1", "*"])
def test_if_match_takes_weak_bare_and_any(value: str) -> None:
    order = create_order()
    assert change("PATCH", order["id"], NOTES, if_match=value)[0] == 200


def test_a_merge_patch_media_type_is_415() -> None:
    order = create_order()
    status, problem, _ = change("PATCH", order["id"], NOTES, content_type="application/merge-patch+json")
    assert status == 415, problem


def test_plain_json_is_accepted_for_a_patch() -> None:
    order = create_order()
    assert change("PATCH", order["id"], NOTES, content_type="application/json")[0] == 200


@pytest.mark.parametrize(
    ("operation", "path"),
    [
        ({"op": "replace", "path": "/status", "value": "cancelled"}, "/status"),
        ({"op": "replace", "path": "/total", "value": 0}, "/total"),
        ({"op": "remove", "path": "/payments/0"}, "/payments/0"),
        (
            {"op": "replace", "path": "/line_items/0/quantity_shipped", "value": 1},
            "/line_items/0/quantity_shipped",
        ),
    ],
)
def test_protected_paths_are_400_naming_the_path(operation: dict[str, Any], path: str) -> None:
    order = create_order(
        {"line_items": [{"quantity": 1, "unit_price": "5.00"}], "payment_info": {"type": "card"}}
    )
    status, problem, _ = change("PATCH", order["id"], [operation])
    assert status == 400, problem
    assert path in [e["field"] for e in problem["errors"]]


@pytest.mark.parametrize(
    "body", ["{}", "[]", '[{"op": "jump", "path": "/notes"}]', '[{"op": "add"}]', "not json"]
)
def test_a_body_that_is_not_a_json_patch_is_400(body: str) -> None:
    order = create_order()
    status, problem, _ = change("PATCH", order["id"], body)
    assert status == 400, problem


def test_a_failed_test_operation_is_409_and_changes_nothing() -> None:
    order = create_order()
    ops = [{"op": "test", "path": "/currency_code", "value": "EUR"}, *NOTES]
    status, problem, _ = change("PATCH", order["id"], ops)
    assert status == 409
    assert problem["code"] == "patch_test_failed"


def test_put_of_the_order_as_read_with_one_edit_changes_only_that() -> None:
    order = create_order()
    edited = {**order, "memo": "edited"}
    status, body, _ = change("PUT", order["id"], edited, content_type="application/json")
    assert status == 200, body
    assert body["memo"] == "edited"
    assert {
        k: v for k, v in body.items() if k not in ("memo", "sys_version", "sys_last_modified_at", "_links")
    } == {
        k: v for k, v in order.items() if k not in ("memo", "sys_version", "sys_last_modified_at", "_links")
    }


def test_put_status_cancelled_alone_cancels_and_the_order_leaves_shipping() -> None:
    order = create_order({"line_items": [{"quantity": 2, "unit_price": "5.00", "shippable": True}]})
    status, body, _ = change("PUT", order["id"], {"status": "cancelled"}, content_type="application/json")
    assert status == 200, body
    assert body["status"] == "cancelled"
    assert "sys_shippable_status" not in body
    assert body["balance_due"] == 0
    status, problem, _ = change("PUT", order["id"], {"status": "cancelled"}, content_type="application/json")
    assert status == 409, problem


def test_delete_needs_the_admin_scope() -> None:
    order = create_order()
    status, _, _ = change("DELETE", order["id"], scopes="orders:read orders:write")
    assert status == 403


def test_a_deleted_order_is_gone_from_get_token_list_and_a_second_delete() -> None:
    kept = create_order(UNPAID)
    order = create_order(UNPAID)
    status, body, _ = change("DELETE", order["id"])
    assert status == 200
    assert body == order["id"]
    assert invoke("get_order", get_event_for(order["id"]))["statusCode"] == 404
    assert invoke("get_order", get_event_for(f"token-{order['token']}"))["statusCode"] == 404
    assert all_pages("GET", "/orders/{tenantId}", 5)[0] == [kept["id"]]
    assert change("DELETE", order["id"])[0] == 404
    assert change("PATCH", order["id"], NOTES)[0] == 404


def test_a_paid_order_cannot_be_deleted() -> None:
    order = create_order(
        {"line_items": [{"quantity": 1, "unit_price": "5.00"}], "payment_info": {"type": "card"}}
    )
    # (a `paid` order: its payment is authorised; cancel it first)
    status, problem, _ = change("DELETE", order["id"])
    assert status == 409
    assert "cancel it first" in problem["detail"]


def test_another_tenant_cannot_change_or_delete_an_order() -> None:
    order = create_order()
    for method, body in (("PATCH", NOTES), ("PUT", {"memo": "x"}), ("DELETE", None)):
        status, _, _ = change(method, order["id"], body, tenant_id="tenant-b")
        assert status == 404, method


# ------------------------------------------------------------------ batch
def _batch(operations: Any, key: str | None = None) -> tuple[int, Any, dict[str, Any]]:
    event = change_event("POST", "", {"operations": operations}, batch=True, content_type="application/json")
    if key:
        event = with_headers(event, **{"Idempotency-Key": key})
    response = invoke("patch_order", event)
    return response["statusCode"], body_of(response), response


def test_a_batch_runs_each_operation_on_its_own_and_reports_each() -> None:
    order = create_order()
    gone = create_order(UNPAID)
    operations = [
        {"operation": "create", "object": {"line_items": [{"quantity": 1, "unit_price": "3.00"}]}},
        {"operation": "patch", "id": order["id"], "patch_directives": NOTES},
        {
            "operation": "patch",
            "id": order["id"],
            "patch_directives": [{"op": "replace", "path": "/id", "value": "x"}],
        },
        {"operation": "delete", "id": gone["id"]},
        {"operation": "delete", "id": "no-such-order"},
        {"operation": "create", "object": {"line_items": []}},
    ]
    status, body, _ = _batch(operations)
    assert status == 200, body
    assert [r["outcome"] for r in body["results"]] == [
        "success",
        "success",
        "error",
        "success",
        "error",
        "error",
    ]
    assert (body["success_count"], body["error_count"]) == (3, 3)
    created = body["results"][0]["object"]
    assert invoke("get_order", get_event_for(created["id"]))["statusCode"] == 200
    assert body["results"][1]["object"]["notes"] == "side door"
    assert body["results"][2]["status"] == 400
    assert "/id" in body["results"][2]["error_message"]
    assert body["results"][4]["status"] == 404
    assert body["results"][5]["status"] == 400


def test_a_batch_of_more_than_100_is_400_and_runs_nothing() -> None:
    ops = [{"operation": "create", "object": {"line_items": [{"quantity": 1, "unit_price": "1.00"}]}}] * 101
    status, problem, _ = _batch(ops)
    assert status == 400, problem
    assert all_pages("GET", "/orders/{tenantId}", 5)[0] == []


def test_a_batch_with_an_idempotency_key_replays_its_answer_and_creates_once() -> None:
    ops = [{"operation": "create", "object": {"line_items": [{"quantity": 1, "unit_price": "1.00"}]}}]
    first = _batch(ops, key="batch-1")
    again = _batch(ops, key="batch-1")
    assert first[0] == again[0] == 200
    assert first[1] == again[1]
    assert header_of(again[2], "Idempotent-Replayed") == "true"
    assert len(all_pages("GET", "/orders/{tenantId}", 5)[0]) == 1


def test_a_keyed_batchs_create_names_its_key_and_that_key_alone_finds_the_same_order() -> None:
    # GIVEN a keyed batch that created an order
    body = {"line_items": [{"quantity": 1, "unit_price": "1.00"}], "memo": "batch create"}
    status, answer, _ = _batch([{"operation": "create", "object": body}], key="batch-7")
    assert status == 200
    (result,) = answer["results"]
    assert result["idempotency_key"] == "batch-7#0"
    # WHEN the create is sent alone under that key (what a client does when the batch answered it
    # with a retryable error)
    from tests.helpers import create_event

    response = invoke("create_order", create_event(body, key="batch-7#0"))
    # THEN it is the order the batch made, not a second one
    assert response["statusCode"] == 201
    assert body_of(response)["id"] == result["id"]
    assert len(all_pages("GET", "/orders/{tenantId}", 5)[0]) == 1
