"""Issue 29: what an outside probe broke, each as a regression test on moto (handlers invoked as
Lambda would), named for the behaviour that must hold."""

from __future__ import annotations

import re
from typing import Any

import pytest
from orders_domain.services.pricing import Pricing

from tests.fulfil_helpers import TICKETS, fulfil, fulfillment, refund, will_call
from tests.helpers import (
    body_of,
    create_event,
    get_event_for,
    header_of,
    invoke,
    load_event,
    seed_key,
    with_body,
    with_caller,
    with_headers,
)
from tests.patch_helpers import change, change_event, create_order

pytestmark = pytest.mark.usefixtures("tables")

RECIPIENT = [{"op": "add", "path": "/additional_email_confirmation_recipients/-", "value": "a@example.com"}]
ONE_LINE = {"line_items": [{"order_line_item_id": "a", "quantity": 1, "unit_price": "10.00"}]}


def current(order_id: str) -> dict[str, Any]:
    got: dict[str, Any] = body_of(
        invoke("get_order", get_event_for(order_id, query={"consistentRead": "true"}))
    )
    return got


def batch(operations: list[dict[str, Any]], key: str) -> tuple[int, Any]:
    event = change_event("POST", "", {"operations": operations}, batch=True, content_type="application/json")
    response = invoke("patch_order", with_headers(event, **{"Idempotency-Key": key}))
    return response["statusCode"], body_of(response)


# ------------------------------------------------------------------ 1. keyed batch: one effect
def test_given_a_keyed_batch_whose_later_create_faults_when_retried_then_its_patch_applied_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN an order, and a create that fails with an exception none of the service's rules raise
    order = create_order()
    price = Pricing.price

    def faulty(self: Pricing, request: Any, **kwargs: Any) -> Any:
        if request.memo == "boom":
            raise ArithmeticError("an unexpected fault")
        return price(self, request, **kwargs)

    monkeypatch.setattr(Pricing, "price", faulty)
    operations = [
        {"operation": "patch", "id": order["id"], "patch_directives": RECIPIENT},
        {"operation": "create", "object": {**ONE_LINE, "memo": "boom"}},
    ]
    # WHEN the keyed batch is sent three times
    answers = [batch(operations, key="probe-batch") for _ in range(3)]
    # THEN each answer is the first one: the patch succeeded, the create is its own error result
    status, body = answers[0]
    assert status == 200, body
    assert [r["outcome"] for r in body["results"]] == ["success", "error"], body["results"][0]
    assert body["results"][1]["status"] == 500
    assert "an unexpected fault" not in body["results"][1]["error_message"]
    assert all(answer == answers[0] for answer in answers)
    # AND the patch was applied exactly once
    assert current(order["id"])["additional_email_confirmation_recipients"] == ["a@example.com"]


# ------------------------------------------------------------------ 2. a line listed twice
def test_given_a_coupon_naming_a_line_twice_when_created_then_422_naming_it_and_nothing_made() -> None:
    body = {**ONE_LINE, "coupons": [{"discount": "5.00", "order_line_item_ids": ["a", "a"]}]}
    response = invoke("create_order", create_event(body))
    problem = body_of(response)
    assert response["statusCode"] == 422, problem
    assert problem["errors"][0]["field"] == "coupons[0].order_line_item_ids[1]"
    assert "'a'" in problem["errors"][0]["error"]


def test_given_an_order_when_patched_with_a_coupon_naming_a_line_four_times_then_422_and_unchanged() -> None:
    order = create_order(ONE_LINE)
    coupon = {"discount": "5.00", "order_line_item_ids": ["a", "a", "a", "a"]}
    status, problem, _ = change("PATCH", order["id"], [{"op": "add", "path": "/coupons", "value": [coupon]}])
    assert status == 422, problem
    after = current(order["id"])
    assert after["total"] == 10
    assert after["line_items"][0]["total"] == 10


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("fulfil", {"items": [{"order_line_item_id": "a", "quantity": 1}, {"order_line_item_id": "a"}]}),
        ("refund", {"refund_reason_name": "ChangedMindCannotMakeShow", "line_numbers": [1, 1]}),
    ],
)
def test_given_a_request_naming_the_same_line_twice_then_422_naming_it_and_nothing_changes(
    route: str, body: dict[str, Any]
) -> None:
    order = create_order(ONE_LINE)
    if route == "refund":
        assert fulfil(order["id"])[0] == 200
    before = current(order["id"])
    status, problem, _ = fulfil(order["id"], body) if route == "fulfil" else refund(order["id"], body)
    assert status == 422, problem
    assert problem["errors"], problem
    assert current(order["id"])["sys_version"] == before["sys_version"]


def test_given_a_fulfillment_list_filter_naming_an_id_twice_then_422() -> None:
    from tests.fulfil_helpers import list_fulfillments

    status, problem = list_fulfillments({"ids": "o.1,o.2,o.1"})
    assert status == 422, problem
    assert problem["errors"] == [{"field": "ids", "error": "names o.1 more than once"}]


# ------------------------------------------------------------------ 3. pickup after refund
def test_given_a_refunded_line_when_its_pickup_is_recorded_then_409_and_the_will_call_check_unchanged() -> (
    None
):
    # GIVEN every ticket fulfilled, then line 1 refunded
    order = create_order(TICKETS)
    status, _, response = fulfil(order["id"])
    assert status == 200
    fid = str(header_of(response, "Location")).rsplit("/", 1)[1]
    line_1 = order["line_items"][0]["order_line_item_id"]
    assert (
        refund(order["id"], {"refund_reason_name": "ChangedMindCannotMakeShow", "line_numbers": [1]})[0]
        == 200
    )
    # WHEN line 1's pickup is recorded
    status, problem = fulfillment(
        fid, "PATCH", {"items": [{"order_line_item_id": line_1, "picked_up": True}]}
    )
    # THEN it is refused, and the will-call check still shows line 1 not picked up
    assert status == 409, problem
    _, check = will_call(order["id"])
    first = next(line for line in check["line_items"] if line["line_number"] == 1)
    assert first["picked_up"] is False
    # AND the whole fulfillment's pickup takes the lines still there to collect only
    status, picked = fulfillment(fid, "PATCH", {"picked_up": True})
    assert status == 200, picked
    assert {i["order_line_item_id"]: i["picked_up"] for i in picked["items"]}[line_1] is False


# ------------------------------------------------------------------ 5. numbers at their ends
def create(body: Any, **headers: str) -> tuple[int, Any]:
    event = create_event(body)
    if headers:
        event = with_headers(event, **headers)
    response = invoke("create_order", event)
    return response["statusCode"], body_of(response)


def raw_create(text: str) -> tuple[int, Any]:
    event = create_event({})
    event["body"] = text
    response = invoke("create_order", event)
    return response["statusCode"], body_of(response)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("exchange_rate", "1e30"),
        ("exchange_rate", "1e100"),
        ("exchange_rate", "-1e30"),
        ("exchange_rate", "-1.5"),
        ("exchange_rate", "0"),
        ("exchange_rate", "1e99999999999999999999999"),
        ("exchange_rate", "1" + "0" * 4400),
    ],
)
def test_given_an_exchange_rate_past_its_bounds_when_created_then_400_naming_it(
    field: str, value: str
) -> None:
    text = (
        '{"line_items": [{"quantity": 1, "unit_price": "10.00"}], "base_currency_code": "EUR", '
        f'"{field}": {value}}}'
    )
    status, problem = raw_create(text)
    assert status == 400, problem
    assert problem["errors"][0]["field"] == field


def test_given_the_largest_total_and_rate_when_created_then_the_base_total_is_exact() -> None:
    # GIVEN 500 lines at the highest unit price and quantity, converted at the highest rate
    line = {"quantity": 1_000_000, "unit_price": "999999999999.99"}
    body = {"line_items": [line] * 500, "base_currency_code": "EUR", "exchange_rate": "1000000"}
    # WHEN priced (a preview writes nothing)
    response = invoke(
        "create_order", with_caller(with_body(load_event("create_order_preview.json"), body), "tenant-a")
    )
    preview = body_of(response)
    # THEN the answer holds every digit
    assert response["statusCode"] == 200, preview
    # 999,999,999,999.99 x 1,000,000 units x 500 lines x 1,000,000 = 4.99999999999995E+26
    assert str(preview["order"]["total_in_base_currency"]) == "499999999999995000000000000.00"


def test_given_a_weight_past_its_bound_times_quantity_then_400_naming_it() -> None:
    status, problem = create({"line_items": [{"quantity": 10, "unit_price": "1.00", "weight": "9.9e125"}]})
    assert status == 400, problem
    assert problem["errors"][0]["field"] == "line_items[0].weight"


def test_given_an_integer_literal_of_4400_digits_then_400_naming_its_field() -> None:
    status, problem = raw_create('{"line_items": [{"quantity": 1' + "0" * 4400 + ', "unit_price": "1.00"}]}')
    assert status == 400, problem
    assert problem["errors"][0]["field"] == "line_items[0].quantity"


@pytest.mark.parametrize("text", [" 10 ", "1_000", "١٢", "10.5.1", "0x10", "Infinity"])
def test_given_a_money_string_that_is_not_a_plain_decimal_then_400(text: str) -> None:
    status, problem = create({"line_items": [{"quantity": 1, "unit_price": text}]})
    assert status == 400, problem
    assert problem["errors"][0]["field"] == "line_items[0].unit_price"


def test_given_minus_zero_when_created_then_it_is_stored_and_answered_without_a_sign() -> None:
    # GIVEN an order whose amounts are -0.0, as string and as number
    body = {"line_items": [{"quantity": 1, "unit_price": "-0.0", "taxes": -0.0, "weight": "-0"}]}
    response = invoke("create_order", create_event(body))
    assert response["statusCode"] == 201, response["body"]
    # THEN neither the answer nor the stored order carries a negative zero
    negative_zero = re.compile(r"[:,\[]-0(\.0*)?[,}\]]")
    assert not negative_zero.search(response["body"])
    got = invoke("get_order", get_event_for(body_of(response)["id"], query={"consistentRead": "true"}))
    assert not negative_zero.search(got["body"])


# ------------------------------------------------------------------ 8. two keys in one request
@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "key-a", "x-api-key": "key-b"},
        {"Authorization": "junk", "x-api-key": "key-a"},
        {"x-api-key": "key-a", "X-ADILITY-API-KEY": "key-b"},
    ],
)
def test_given_two_different_keys_in_one_request_then_the_authorizer_refuses_it(
    headers: dict[str, str],
) -> None:
    seed_key("tenant-a", "key-a")
    seed_key("tenant-b", "key-b")
    event = load_event("authorizer.json")
    event["headers"] = headers
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        invoke("authorizer", event)
    # the same key twice is one key
    event["headers"] = {"Authorization": "key-a", "x-api-key": "key-a"}
    assert invoke("authorizer", event)["policyDocument"]["Statement"][0]["Effect"] == "Allow"


# ------------------------------------------------------------------ 9. the contract
@pytest.mark.parametrize("media_type", ["APPLICATION/JSON", "Application/Json; charset=utf-8"])
def test_given_a_media_type_in_another_case_when_created_then_it_is_json(media_type: str) -> None:
    status, order = create(
        {"line_items": [{"quantity": 1, "unit_price": "1.00"}]}, **{"Content-Type": media_type}
    )
    assert status == 201, order


@pytest.mark.parametrize("key", ["clé-1", "key\x01", "キー"])
def test_given_an_idempotency_key_outside_visible_ascii_then_400(key: str) -> None:
    status, problem = create(
        {"line_items": [{"quantity": 1, "unit_price": "1.00"}]}, **{"Idempotency-Key": key}
    )
    assert status == 400, problem


def test_given_a_new_order_then_its_lists_are_there_and_a_patch_can_append_to_one() -> None:
    order = create_order(ONE_LINE)
    for name in ("custom_field_values", "coupons", "additional_email_confirmation_recipients"):
        assert order[name] == [], name
    value = {"custom_field_id": "cf-1", "string_value": "x"}
    status, changed, _ = change(
        "PATCH", order["id"], [{"op": "add", "path": "/custom_field_values/-", "value": value}]
    )
    assert status == 200, changed
    assert len(changed["custom_field_values"]) == 1


def test_given_quantity_true_in_a_distribution_order_then_400() -> None:
    from tests.dialect_helpers import JSON_BOTH_WAYS, dialect_call

    body = {
        "order": {"order_number": "q-1", "customer_name": "A", "items": [{"offer_id": "o", "quantity": True}]}
    }
    status, problem, _ = dialect_call("distribution_place", body=body, headers=JSON_BOTH_WAYS)
    assert status == 400, problem


def test_given_a_control_character_in_a_stored_name_then_the_xml_answer_still_parses() -> None:
    from defusedxml.ElementTree import fromstring

    from tests.dialect_helpers import dialect_call

    # the distribution place refuses it
    body = {
        "order": {
            "order_number": "c-1",
            "customer_name": "A\x01B",
            "items": [{"offer_id": "o", "quantity": 1}],
        }
    }
    status, _, _ = dialect_call("distribution_place", body=body, headers={"Content-Type": "application/json"})
    assert status == 400
    # a name written through the native API is answered with U+FFFD in its place
    order = create_order({**ONE_LINE, "ship_to_name": "A\x01B", "purchase_order_number": "c-2"})
    status, text, _ = dialect_call("distribution_get", order["id"], headers={"Accept": "application/xml"})
    assert status == 200, text
    assert fromstring(text.encode()).findtext("customer_name") == "A\ufffdB"


def test_given_a_payload_naming_computed_theatre_members_then_the_view_ignores_them() -> None:
    from tests.dialect_helpers import dialect_call

    line = {
        **ONE_LINE["line_items"][0],
        "payload": {"refundDateUtc": "2001-01-01T00:00:00Z", "theatre": "T1"},
    }
    order = create_order(
        {"line_items": [line], "payload": {"expirationDateUtc": "2001-01-01", "email": "e@x"}}
    )
    status, view, _ = dialect_call("theatre_get", order["id"])
    assert status == 200, view
    assert "expirationDateUtc" not in view
    assert view["email"] == "e@x"
    product = view["_embedded"]["products"][0]
    assert "refundDateUtc" not in product
    assert product["theatre"] == "T1"


# ------------------------------------------------------------------ 6. dates at their ends
def search(body: dict[str, Any]) -> tuple[int, Any]:
    from tests.search_helpers import call

    return call("POST", "/orders/{tenantId}/search", body=body)


@pytest.mark.parametrize(
    "bounds",
    [
        [None, "9999-12-31"],
        ["0001-01-01T00:00:00+01:00", None],
        ["0001-01-01", "2020-01-01"],
        [None, "9999-12-31T23:59:59-12:00"],
    ],
)
def test_given_a_search_range_at_the_calendar_ends_then_400_naming_the_bound(bounds: list[Any]) -> None:
    status, problem = search({"date": bounds})
    assert status == 400, problem
    assert problem["errors"][0]["field"].startswith("date[")


def test_given_the_widest_range_the_calendar_allows_then_the_search_answers() -> None:
    create_order(ONE_LINE)
    status, page = search({"date": ["0002-01-01", "9998-12-31"]})
    assert status == 200, page
    assert page["Count"] == 1


@pytest.mark.parametrize(
    "date", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "0001-01-01", "9999-12-31"]
)
def test_given_an_order_date_past_the_calendar_ends_then_400_and_nothing_stored(date: str) -> None:
    status, problem = create({**ONE_LINE, "override_order_date": True, "date": date})
    assert status == 400, problem
    assert problem["errors"][0]["field"] == "date"
    status, page = search({"date": [None, "2100-01-01"]})
    assert (status, page["Count"]) == (200, 0)


def test_given_an_order_date_with_an_offset_then_it_is_stored_in_utc_and_date_searches_find_it() -> None:
    status, order = create({**ONE_LINE, "override_order_date": True, "date": "0002-01-01T10:00:00+09:00"})
    assert status == 201, order
    assert order["date"] == "0002-01-01T01:00:00Z"
    status, page = search({"date": ["0002-01-01", "0002-01-01"]})
    assert (status, page["Count"]) == (200, 1)


@pytest.mark.parametrize(
    "query",
    [
        {"created_time[gte]": "9999-12-31T23:59:59-12:00"},
        {"created_time[lt]": "0001-01-01T00:00:00+01:00"},
        {"created_time": "10000-01-01T00:00:00Z"},
    ],
)
def test_given_a_fulfillment_filter_past_the_calendar_ends_then_400(query: dict[str, str]) -> None:
    from tests.fulfil_helpers import list_fulfillments

    status, problem = list_fulfillments(query)
    assert status == 400, problem


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"])
def test_given_as_of_past_the_calendar_ends_then_400(moment: str) -> None:
    order = create_order(ONE_LINE)
    response = invoke("get_order", get_event_for(order["id"], query={"asOf": moment}))
    assert response["statusCode"] == 400, response["body"]


def test_given_a_partial_cancel_then_other_fields_stay_writable_by_patch_and_by_put_of_it_as_read() -> None:
    from tests.fulfil_helpers import cancel

    # GIVEN three units, one of them cancelled
    order = create_order({"line_items": [{"order_line_item_id": "a", "quantity": 3, "unit_price": "10.00"}]})
    assert cancel("cancel", order["id"], {"items": [{"order_line_item_id": "a", "quantity": 1}]})[0] == 200
    # WHEN its memo is patched THEN 200
    status, patched, _ = change("PATCH", order["id"], [{"op": "add", "path": "/memo", "value": "gate 4"}])
    assert status == 200, patched
    assert patched["memo"] == "gate 4"
    # AND a PUT of the order exactly as GET returned it is 200 and changes nothing
    read = current(order["id"])
    status, put, _ = change("PUT", order["id"], read)
    assert status == 200, put
    assert put["sys_version"] == read["sys_version"]
    # AND its lines and coupons stay fixed (409)
    lines = [{"op": "replace", "path": "/line_items/0/unit_price", "value": 1}]
    assert change("PATCH", order["id"], lines)[0] == 409
    coupon = [{"op": "add", "path": "/coupons/-", "value": {"discount": "1.00"}}]
    assert change("PATCH", order["id"], coupon)[0] == 409


def place(number: str) -> tuple[int, Any]:
    from tests.dialect_helpers import JSON_BOTH_WAYS, dialect_call

    body = {
        "order": {"order_number": number, "customer_name": "A", "items": [{"offer_id": "o", "quantity": 1}]}
    }
    status, answer, _ = dialect_call("distribution_place", body=body, headers=JSON_BOTH_WAYS)
    return status, answer


def test_given_a_placed_order_then_its_number_is_fixed_and_no_other_order_shows_it() -> None:
    from tests.dialect_helpers import dialect_call

    # GIVEN an order placed as N1, and a native order whose purchase_order_number is changed to N2
    status, placed = place("N1")
    assert status == 201, placed
    placed_id = placed["order"]["id"]
    native = create_order(ONE_LINE)
    status, _, _ = change(
        "PATCH", native["id"], [{"op": "add", "path": "/purchase_order_number", "value": "N2"}]
    )
    assert status == 200
    # WHEN N2 is placed THEN it is a new order, and the only one the distribution API shows as N2
    status, second = place("N2")
    assert status == 201, second
    assert second["order"]["order_number"] == "N2"
    _, shown, _ = dialect_call("distribution_get", native["id"], headers={"Accept": "application/json"})
    assert shown["order"]["order_number"] == str(native["number"])
    # AND the placed number cannot be changed (409)
    rename = [{"op": "replace", "path": "/purchase_order_number", "value": "N3"}]
    assert change("PATCH", placed_id, rename)[0] == 409
    _, again, _ = dialect_call("distribution_get", placed_id, headers={"Accept": "application/json"})
    assert again["order"]["order_number"] == "N1"


# ------------------------------------------------------------------ 4. sizes in bytes
@pytest.mark.parametrize(
    ("text", "key"),
    [("\u20ac" * 140_000, None), ('"' * 150_000, "big-quotes"), ("\u20ac" * 60_000, "big-euros")],
)
def test_given_a_payload_too_large_to_store_in_bytes_then_413_before_anything_is_written(
    text: str, key: str | None
) -> None:
    body = {**ONE_LINE, "payload": {"note": text}}
    headers = {"Idempotency-Key": key} if key else {}
    for _ in range(2):  # a retry gets the same answer, not a 409 or a 500
        status, problem = create(body, **headers)
        assert status == 413, problem
    status, page = search({"date": [None, "2100-01-01"]})
    assert (status, page["Count"]) == (200, 0)


def test_given_a_payload_just_under_the_stored_bound_then_a_keyed_create_is_stored_and_replayed() -> None:
    body = {**ONE_LINE, "payload": {"note": "\u20ac" * 50_000}}
    first = create(body, **{"Idempotency-Key": "near-bound"})
    again = create(body, **{"Idempotency-Key": "near-bound"})
    assert first[0] == again[0] == 201, first[1]
    assert first[1] == again[1]


def test_given_a_patch_that_grows_the_order_past_the_bound_then_413_and_unchanged() -> None:
    order = create_order(ONE_LINE)
    items = [{"n": i, "text": "x" * 20} for i in range(1_000)]
    operations: list[dict[str, Any]] = [{"op": "add", "path": "/payload", "value": {"items": items}}]
    operations += [{"op": "copy", "from": "/payload", "path": f"/payload/c{i}"} for i in range(12)]
    status, problem, _ = change("PATCH", order["id"], operations)
    assert status == 413, problem
    assert problem["errors"][0]["field"].endswith(".from")
    assert current(order["id"])["sys_version"] == order["sys_version"]


# ------------------------------------------------------------------ 7. bounded work
def test_given_more_coupons_than_an_order_may_carry_then_400_before_pricing() -> None:
    lines = [{"quantity": 1, "unit_price": "1.00"} for _ in range(500)]
    body = {"line_items": lines, "coupons": [{"discount": 0}] * 12_000}
    event = with_caller(with_body(load_event("create_order_preview.json"), body), "tenant-a")
    response = invoke("create_order", event)
    assert response["statusCode"] == 400, response["body"]
    assert body_of(response)["errors"][0]["field"] == "coupons"


def test_given_a_batch_over_its_total_lines_then_400_and_nothing_runs() -> None:
    lines = [{"quantity": 1, "unit_price": "1.00"} for _ in range(500)]
    operations = [{"operation": "create", "object": {"line_items": lines}}] * 5
    event = change_event("POST", "", {"operations": operations}, batch=True, content_type="application/json")
    response = invoke("patch_order", event)
    assert response["statusCode"] == 400, response["body"]
    assert body_of(response)["errors"][0]["field"] == "operations"
    status, page = search({"date": [None, "2100-01-01"]})
    assert (status, page["Count"]) == (200, 0)


def test_given_a_keyed_batch_whose_answer_would_not_fit_then_it_names_versions_and_replays() -> None:
    orders = [create_order({**ONE_LINE, "payload": {"note": "y" * 60_000}}) for _ in range(8)]
    operations = [
        {
            "operation": "patch",
            "id": o["id"],
            "patch_directives": [{"op": "add", "path": "/memo", "value": "m"}],
        }
        for o in orders
    ]
    first = batch(operations, key="big-batch")
    again = batch(operations, key="big-batch")
    assert first[0] == again[0] == 200, first[1]
    assert first[1] == again[1]
    assert first[1]["objects_omitted"] is True
    assert [r["sys_version"] for r in first[1]["results"]] == [2] * 8
    assert all("object" not in r for r in first[1]["results"])


@pytest.mark.parametrize(
    ("host", "proto", "base"),
    [
        ("evil.example<script>", "javascript", "https://localhost"),
        ("api.example.com:8443", "HTTP", "http://api.example.com:8443"),
        ("a" * 300, "https", "https://localhost"),
        ("[::1]:3000", "ftp", "https://[::1]:3000"),
    ],
)
def test_given_a_client_host_and_scheme_then_theatre_links_name_only_a_sane_one(
    host: str, proto: str, base: str
) -> None:
    from tests.dialect_helpers import dialect_event

    order = create_order(ONE_LINE)
    event = dialect_event("theatre_get", order["id"], headers={"Host": host, "X-Forwarded-Proto": proto})
    event["requestContext"].pop("domainName", None)
    response = invoke("get_order", event)
    assert response["statusCode"] == 200, response["body"]
    href = body_of(response)["_links"]["self"]["href"]
    assert href.startswith(base + "/"), href


def test_given_a_keyed_batch_whose_answer_cannot_be_rendered_when_retried_then_its_patch_applied_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import functions.patch_order.app as patch_app

    # GIVEN rendering an order's answer fails, after the batch's operations have run
    order = create_order()

    def broken(order: Any, fields: str | None = None) -> dict[str, Any]:
        raise RuntimeError("rendering failed")

    monkeypatch.setattr(patch_app, "order_body", broken)
    operations = [{"operation": "patch", "id": order["id"], "patch_directives": RECIPIENT}]
    # WHEN the keyed batch is sent twice
    first, again = batch(operations, key="render-fails"), batch(operations, key="render-fails")
    # THEN it answered (the order's version instead of the order) and the retry replayed that answer
    assert first[0] == 200, first[1]
    assert first == again
    assert first[1]["objects_omitted"] is True
    assert first[1]["results"][0]["sys_version"] == order["sys_version"] + 1
    assert current(order["id"])["additional_email_confirmation_recipients"] == ["a@example.com"]
