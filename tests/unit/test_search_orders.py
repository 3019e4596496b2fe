"""search_orders on moto: list, lookups and search page correctly, tokens are signed and bound,
fields project rows, deleted orders vanish, and no route ever Scans."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import body_of, create_event, invoke
from tests.search_helpers import SEARCH_ROUTES, all_pages, call, search_event

pytestmark = pytest.mark.usefixtures("tables")

LINE = {"quantity": 1, "unit_price": "10.00"}


def create(tenant: str = "tenant-a", **fields: Any) -> dict[str, Any]:
    body = {"line_items": [dict(LINE)], **fields}
    response = invoke("create_order", create_event(body, tenant=tenant))
    assert response["statusCode"] == 201, response["body"]
    created: dict[str, Any] = body_of(response)
    return created


def test_given_two_tenants_when_the_list_is_paged_by_two_then_each_of_ours_comes_once_newest_first() -> None:
    # GIVEN 7 orders of tenant-a and 2 of tenant-b
    ours = [create()["id"] for _ in range(7)]
    for _ in range(2):
        create("tenant-b")
    # WHEN tenant-a's list is read two at a time
    ids, sizes = all_pages("GET", "/orders/{tenantId}", 2)
    # THEN every order of tenant-a comes exactly once, newest first, and none of tenant-b's
    assert ids == list(reversed(ours))
    assert sizes == [2, 2, 2, 1]


def test_given_a_customer_bill_to_of_some_and_ship_to_of_others_when_looked_up_then_each_order_once() -> None:
    # GIVEN orders billed to c-1, shipped to c-1, both, and neither
    billed = create(bill_to_type="contact", bill_to_contact_id="c-1")["id"]
    shipped = create(ship_to_type="contact", ship_to_contact_id="c-1")["id"]
    both = create(
        bill_to_type="contact", bill_to_contact_id="c-1", ship_to_type="contact", ship_to_contact_id="c-1"
    )["id"]
    create(bill_to_type="contact", bill_to_contact_id="c-2")
    org = create(bill_to_type="organization", bill_to_organization_id="c-1")["id"]
    # WHEN the customer lookup is paged one and two at a time
    resource = "/orders/{tenantId}/customer/{customerType}/{customerId}"
    params = {"customerType": "contact", "customerId": "c-1"}
    for limit in (1, 2, 3):
        ids, _ = all_pages("GET", resource, limit, params=params)
        # THEN the three orders of contact c-1 come once each, newest first (not the organization's)
        assert ids == [both, shipped, billed]
    ids, _ = all_pages("GET", resource, 2, params={"customerType": "organization", "customerId": "c-1"})
    assert ids == [org]


@pytest.mark.parametrize(
    ("segment", "fields"),
    [
        ("billToContact", {"bill_to_type": "contact", "bill_to_contact_id": "p-1"}),
        ("billToOrganization", {"bill_to_type": "organization", "bill_to_organization_id": "p-1"}),
        ("shipToContact", {"ship_to_type": "contact", "ship_to_contact_id": "p-1"}),
        ("shipToOrganization", {"ship_to_type": "organization", "ship_to_organization_id": "p-1"}),
        ("installmentSchedule", {"installment_schedule_id": "p-1"}),
    ],
)
def test_given_orders_of_one_party_when_its_lookup_is_paged_then_only_they_come(
    segment: str, fields: dict[str, str]
) -> None:
    made = [create(**fields)["id"] for _ in range(3)]
    create()
    ids, sizes = all_pages("GET", "/orders/{tenantId}/" + segment + "/{id}", 2, params={"id": "p-1"})
    assert ids == list(reversed(made))
    assert sizes == [2, 1]


@pytest.mark.parametrize("resource", ["shippableStatus/{status}", "shippable/status/{status}"])
@pytest.mark.parametrize("status", ["awaiting shipment", "awaiting_shipment"])
def test_given_shippable_and_digital_orders_when_looked_up_by_shipping_status_then_the_shippable_come(
    resource: str, status: str
) -> None:
    shippable = [create(line_items=[{**LINE, "shippable": True}])["id"] for _ in range(3)]
    create()
    ids, _ = all_pages("GET", "/orders/{tenantId}/" + resource, 2, params={"status": status})
    assert ids == list(reversed(shippable))
    none, _ = all_pages("GET", "/orders/{tenantId}/" + resource, 2, params={"status": "shipped"})
    assert none == []


def test_an_unknown_shipping_status_is_a_400_naming_the_allowed() -> None:
    status, body = call("GET", "/orders/{tenantId}/shippableStatus/{status}", params={"status": "lost"})
    assert status == 400
    assert body["errors"][0]["field"] == "status"
    assert "awaiting shipment" in body["errors"][0]["error"]


def test_given_filters_when_searched_then_only_matches_come_and_paging_continues_past_dropped_rows() -> None:
    # GIVEN orders of totals 10..80 and types a/b
    made = [
        create(line_items=[{"quantity": n, "unit_price": "10.00"}], type="ab"[n % 2]) for n in range(1, 9)
    ]
    # WHEN searched for totals 20..60 of type "a" (n even: 20, 40, 60), one row a page
    body = {"total": [20, "60.00"], "type": ["a"]}
    ids, _ = all_pages("POST", "/orders/{tenantId}/search", 1, body=body)
    # THEN exactly those, newest first
    expected = [o["id"] for o in reversed(made) if o["type"] == "a" and 20 <= o["total"] <= 60]
    assert ids == expected
    assert len(expected) == 3


def test_search_by_number_range_status_and_open_ends() -> None:
    made = [create() for _ in range(5)]
    numbers = [o["number"] for o in made]
    ids, _ = all_pages("POST", "/orders/{tenantId}/search", 2, body={"number": [numbers[1], None]})
    assert ids == [o["id"] for o in reversed(made[1:])]
    ids, _ = all_pages("POST", "/orders/{tenantId}/search", 2, body={"status": ["paid"]})
    assert ids == []
    ids, _ = all_pages("POST", "/orders/{tenantId}/search", 2, body={"status": ["awaiting payment"]})
    assert len(ids) == 5


def test_search_by_date_range_takes_bare_dates_as_whole_days() -> None:
    made = create(override_order_date=True, date="2024-03-05T23:59:59Z")
    create(override_order_date=True, date="2024-03-06T00:00:00Z")
    ids, _ = all_pages("POST", "/orders/{tenantId}/search", 5, body={"date": ["2024-03-01", "2024-03-05"]})
    assert ids == [made["id"]]


def test_search_by_ids_reads_those_orders_by_key_and_pages_them() -> None:
    made = [create()["id"] for _ in range(5)]
    wanted = [made[0], made[2], made[4], "not-an-order"]
    ids, sizes = all_pages("POST", "/orders/{tenantId}/search", 2, body={"id": wanted})
    assert ids == [made[4], made[2], made[0]]
    assert sizes == [2, 1]


def test_search_by_an_exact_party_reads_its_partition() -> None:
    billed = create(bill_to_type="contact", bill_to_contact_id="c-9")["id"]
    create(bill_to_type="contact", bill_to_contact_id="c-8")
    body = {"bill_to_type": "contact", "bill_to_contact_id": "c-9"}
    ids, _ = all_pages("POST", "/orders/{tenantId}/search", 5, body=body)
    assert ids == [billed]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"total": [5]}, "total"),
        ({"total": [50, 10]}, "total"),
        ({"date": ["yesterday", None]}, "date[0]"),
        ({"status": ["lost"]}, "status[0]"),
        ({"colour": ["red"]}, "colour"),
        ({"id": []}, "id"),
        ({"number": ["1", 2]}, "number[0]"),
    ],
)
def test_bad_search_filters_are_400_naming_the_field(body: dict[str, Any], field: str) -> None:
    status, problem = call("POST", "/orders/{tenantId}/search", body=body)
    assert status == 400, problem
    assert field in [e["field"] for e in problem["errors"]], problem


def test_fields_projects_whole_orders_or_summary_rows_and_keeps_the_id() -> None:
    made = create(purchase_order_number="PO-1")
    # whole orders (the default): any order field, nested ones too
    status, body = call("GET", "/orders/{tenantId}", query={"fields": "total,purchase_order_number"})
    assert status == 200
    assert body["Items"] == [{"id": made["id"], "total": made["total"], "purchase_order_number": "PO-1"}]
    status, body = call("GET", "/orders/{tenantId}", query={"fields": "line_items.unit_price"})
    assert status == 200
    assert body["Items"] == [{"id": made["id"], "line_items": [{"unit_price": 10}]}]
    status, problem = call("GET", "/orders/{tenantId}", query={"fields": "no_such_field"})
    assert status == 400
    assert problem["errors"] == [{"field": "fields", "error": "unknown field 'no_such_field'"}]
    # view=summary: the list rows, whose fields are the summary's only
    status, body = call("GET", "/orders/{tenantId}", query={"fields": "total", "view": "summary"})
    assert status == 200
    assert body["Items"] == [{"id": made["id"], "total": made["total"]}]
    status, problem = call("GET", "/orders/{tenantId}", query={"fields": "line_items", "view": "summary"})
    assert status == 400
    assert problem["errors"] == [{"field": "fields", "error": "unknown field 'line_items'"}]


def _first_token(**kwargs: Any) -> str:
    status, body = call("GET", "/orders/{tenantId}", query={"limit": "1"}, **kwargs)
    assert status == 200, body
    assert body["LastEvaluatedKey"], body
    return str(body["LastEvaluatedKey"])


def test_a_tampered_token_a_foreign_tenants_token_and_another_querys_token_are_each_400() -> None:
    for _ in range(2):
        create()
        create("tenant-b")
    token = _first_token()
    body, _, signature = token.partition(".")
    tampered = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1] + "." + signature
    foreign = _first_token(tenant_id="tenant-b")
    cases = [
        ("GET", "/orders/{tenantId}", {}, tampered),
        ("GET", "/orders/{tenantId}", {}, foreign),
        ("GET", "/orders/{tenantId}", {}, "not-a-token"),
        ("GET", "/orders/{tenantId}/billToContact/{id}", {"id": "c-1"}, token),
    ]
    for method, resource, params, start in cases:
        status, problem = call(method, resource, params=params, query={"exclusiveStartKey": start})
        assert status == 400, (resource, start, problem)
        assert problem["errors"][0]["field"] == "exclusiveStartKey"
    # and the token works where it was issued
    status, page = call("GET", "/orders/{tenantId}", query={"limit": "1", "exclusiveStartKey": token})
    assert status == 200
    assert page["Count"] == 1


def test_a_search_token_is_bound_to_its_filters() -> None:
    for _ in range(3):
        create(type="a")
    status, first = call("POST", "/orders/{tenantId}/search", body={"type": ["a"]}, query={"limit": "1"})
    assert status == 200
    assert first["LastEvaluatedKey"]
    query = {"limit": "1", "exclusiveStartKey": first["LastEvaluatedKey"]}
    status, _ = call("POST", "/orders/{tenantId}/search", body={"type": ["b"]}, query=query)
    assert status == 400
    status, second = call("POST", "/orders/{tenantId}/search", body={"type": ["a"]}, query=query)
    assert status == 200
    assert second["Count"] == 1


def test_another_tenants_key_is_refused() -> None:
    status, _body = call("GET", "/orders/{tenantId}", tenant_id="tenant-a", caller_tenant="tenant-b")
    assert status == 403


def test_a_deleted_order_vanishes_from_the_list_lookups_and_search() -> None:
    from orders_domain.runtime import wiring
    from orders_domain.services.common import utcnow

    kept = create(bill_to_type="contact", bill_to_contact_id="c-5")["id"]
    gone_id = create(bill_to_type="contact", bill_to_contact_id="c-5")["id"]
    repo = wiring.current().orders
    gone = repo.get("tenant-a", gone_id)
    assert gone is not None
    deleted = gone.model_copy(
        update={"sys_deleted": True, "sys_deleted_at": utcnow(), "sys_version": gone.sys_version + 1}
    )
    repo.replace(deleted, expected_version=gone.sys_version)
    assert all_pages("GET", "/orders/{tenantId}", 5)[0] == [kept]
    assert all_pages("GET", "/orders/{tenantId}/billToContact/{id}", 5, params={"id": "c-5"})[0] == [kept]
    assert all_pages("POST", "/orders/{tenantId}/search", 5, body={"id": [kept, gone_id]})[0] == [kept]


def test_no_search_route_calls_scan() -> None:
    # GIVEN a botocore hook that records every DynamoDB operation the handlers call
    from orders_domain.runtime import wiring

    create(bill_to_type="contact", bill_to_contact_id="c-1")
    calls: list[str] = []

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    wiring.current().dynamodb.meta.events.register("before-call.dynamodb.*", record)
    params = {
        "customerType": "contact",
        "customerId": "c-1",
        "id": "c-1",
        "couponType": "promo",
        "couponId": "WINTER",
        "couponCodeId": "CODE-9",
        "status": "awaiting shipment",
    }
    bodies: list[Any] = [
        {},
        {"total": [0, 100]},
        {"id": ["x"]},
        {"bill_to_type": "contact", "bill_to_contact_id": "c-1"},
    ]
    # WHEN every route of search_orders is called (each search body too)
    for method, resource in SEARCH_ROUTES:
        names = [n for n in params if "{" + n + "}" in resource]
        for body in bodies if method == "POST" else [None]:
            event = search_event(method, resource, params={n: params[n] for n in names}, body=body)
            response = invoke("search_orders", event)
            assert response["statusCode"] == 200, (resource, response["body"])
    # THEN each read was a Query (or a read by key), never a Scan
    assert calls
    assert "Scan" not in calls
    assert set(calls) <= {"Query", "BatchGetItem"}
