"""Every list route of search_orders paged two at a time on DynamoDB Local: each matching order
exactly once, newest first — the merged customer lookup and the coupon lookups (rows the stream
consumer writes) included."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from orders_domain.storage import keys

from harness.stream_replay import RecordingPublisher, stream_records
from tests.helpers import body_of, create_event, deliver_batches, invoke
from tests.search_helpers import all_pages

T = "/orders/{tenantId}"


def _create(**fields: Any) -> dict[str, Any]:
    body = {
        "line_items": [{"quantity": 1, "unit_price": "12.50", "shippable": bool(fields.pop("ship", False))}]
    }
    response = invoke("create_order", create_event({**body, **fields}))
    assert response["statusCode"] == 201, response["body"]
    created: dict[str, Any] = body_of(response)
    return created


def _newest_first(orders: list[dict[str, Any]], keep: Any) -> list[str]:
    return [o["id"] for o in reversed(orders) if keep(o)]


@pytest.fixture
def orders(
    tables: dict[str, str], dynamodb_endpoint: str, publisher: RecordingPublisher
) -> list[dict[str, Any]]:
    """Orders with every kind of party, coupons (one coupon used twice by one order), shipping."""
    made: list[dict[str, Any]] = []
    for n in range(12):
        fields: dict[str, Any] = {"type": "ab"[n % 2], "ship": n % 3 == 0}
        if n % 2 == 0:
            fields.update(bill_to_type="contact", bill_to_contact_id="c-1")
        if n % 3 == 0:
            fields.update(ship_to_type="contact", ship_to_contact_id="c-1")
        if n % 4 == 1:
            fields.update(bill_to_type="organization", bill_to_organization_id="org-1")
            fields.update(ship_to_type="organization", ship_to_organization_id="org-1")
        if n % 5 == 0:
            fields["installment_schedule_id"] = "plan-1"
        coupons = []
        if n % 2 == 1:
            coupons.append({"coupon_id": "WINTER", "coupon_type": "promo", "discount": "1.00"})
        if n % 3 == 1:
            coupons.append(
                {
                    "coupon_id": "WINTER",
                    "coupon_type": "promo",
                    "coupon_code_id": "CODE-9",
                    "discount": "0.50",
                }
            )
        if coupons:
            fields["coupons"] = coupons
        made.append(_create(**fields))
    records = stream_records(boto3.client("dynamodb", endpoint_url=dynamodb_endpoint), tables["OrdersTable"])
    deliver_batches(records[start : start + 100] for start in range(0, len(records), 100))
    return made


def _has(order: dict[str, Any], **wanted: Any) -> bool:
    return all(order.get(k) == v for k, v in wanted.items())


def test_every_list_route_paged_by_two_visits_each_matching_order_once_in_order(
    orders: list[dict[str, Any]],
) -> None:
    def uses(o: dict[str, Any], **wanted: Any) -> bool:
        return any(_has(c, **wanted) for c in o.get("coupons", []))

    c1_bill = {"bill_to_type": "contact", "bill_to_contact_id": "c-1"}
    c1_ship = {"ship_to_type": "contact", "ship_to_contact_id": "c-1"}
    cases: list[tuple[str, str, dict[str, str], Any]] = [
        ("GET", T, {}, lambda o: True),
        (
            "GET",
            T + "/customer/{customerType}/{customerId}",
            {"customerType": "contact", "customerId": "c-1"},
            lambda o: _has(o, **c1_bill) or _has(o, **c1_ship),
        ),
        (
            "GET",
            T + "/customer/{customerType}/{customerId}",
            {"customerType": "organization", "customerId": "org-1"},
            lambda o: o.get("bill_to_organization_id") == "org-1",
        ),
        ("GET", T + "/billToContact/{id}", {"id": "c-1"}, lambda o: _has(o, **c1_bill)),
        ("GET", T + "/shipToContact/{id}", {"id": "c-1"}, lambda o: _has(o, **c1_ship)),
        (
            "GET",
            T + "/billToOrganization/{id}",
            {"id": "org-1"},
            lambda o: o.get("bill_to_organization_id") == "org-1",
        ),
        (
            "GET",
            T + "/shipToOrganization/{id}",
            {"id": "org-1"},
            lambda o: o.get("ship_to_organization_id") == "org-1",
        ),
        (
            "GET",
            T + "/installmentSchedule/{id}",
            {"id": "plan-1"},
            lambda o: o.get("installment_schedule_id") == "plan-1",
        ),
        ("GET", T + "/shippableStatus/{status}", {"status": "awaiting shipment"}, lambda o: o["shippable"]),
        ("GET", T + "/shippable/status/{status}", {"status": "awaiting_shipment"}, lambda o: o["shippable"]),
        (
            "GET",
            T + "/coupon/{couponType}/{couponId}",
            {"couponType": "promo", "couponId": "WINTER"},
            lambda o: uses(o, coupon_id="WINTER"),
        ),
    ]
    for method, resource, params, keep in cases:
        expected = _newest_first(orders, keep)
        assert expected, resource
        ids, sizes = all_pages(method, resource, 2, params=params)
        assert ids == expected, (resource, params)
        assert all(size <= 2 for size in sizes)


def test_coupon_usage_routes_page_every_usage_row_once(orders: list[dict[str, Any]]) -> None:
    # One row per coupon use: an order that used WINTER twice has two rows (newest order first).
    promo = [
        o["id"] for o in reversed(orders) for c in o.get("coupons", []) if c.get("coupon_id") == "WINTER"
    ]
    ids, _ = all_pages(
        "GET",
        T + "/couponUsages/{couponType}/{couponId}",
        2,
        key="order_id",
        params={"couponType": "promo", "couponId": "WINTER"},
    )
    assert sorted(ids) == sorted(promo)
    assert [i for n, i in enumerate(ids) if i not in ids[:n]] == list(dict.fromkeys(promo))
    coded = _newest_first(
        orders, lambda o: any(c.get("coupon_code_id") == "CODE-9" for c in o.get("coupons", []))
    )
    ids, _ = all_pages(
        "GET", T + "/couponCodeUsages/{couponCodeId}", 2, key="order_id", params={"couponCodeId": "CODE-9"}
    )
    assert ids == coded


def test_search_paged_by_two_visits_each_match_once_across_filtered_pages(
    orders: list[dict[str, Any]],
) -> None:
    body = {"type": ["a"], "bill_to_type": "contact"}
    expected = _newest_first(orders, lambda o: o["type"] == "a" and o.get("bill_to_type") == "contact")
    ids, _ = all_pages("POST", T + "/search", 2, body=body)
    assert ids == expected
    party = {"bill_to_type": "contact", "bill_to_contact_id": "c-1", "total": [0, 100]}
    ids, _ = all_pages("POST", T + "/search", 2, body=party)
    assert ids == _newest_first(orders, lambda o: o.get("bill_to_contact_id") == "c-1")


def test_given_rows_written_before_party_and_coupon_keys_were_sharded_then_lookups_still_find_them(
    orders: list[dict[str, Any]], tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    # GIVEN c-1's bill-to orders and WINTER's usage rows, with every row moved back to the key it had
    # before sharding (shard 0's key, whatever the order's shard), as a table written then holds them
    client = boto3.client("dynamodb", endpoint_url=dynamodb_endpoint)
    table = tables["OrdersTable"]
    shards = {
        "bill_to_pk": keys.every_shard(
            lambda s: keys.party_pk("tenant-a", keys.BILL_TO, "contact", "c-1", s), keys.PARTY_SHARDS
        ),
        "coupon_pk": keys.every_shard(
            lambda s: keys.coupon_pk("tenant-a", "promo", "WINTER", s), keys.COUPON_SHARDS
        ),
    }
    moved = 0
    for item in client.scan(TableName=table)["Items"]:
        for attribute, pks in shards.items():
            value = item.get(attribute, {}).get("S")
            if value in pks and value != pks[0]:
                client.update_item(
                    TableName=table,
                    Key={"PK": item["PK"], "SK": item["SK"]},
                    UpdateExpression="SET #a = :v",
                    ExpressionAttributeNames={"#a": attribute},
                    ExpressionAttributeValues={":v": {"S": pks[0]}},
                )
                moved += 1
    assert moved > 0  # some rows were in other shards
    # WHEN the bill-to and coupon lookups page through them
    billed, _ = all_pages("GET", T + "/billToContact/{id}", 2, params={"id": "c-1"})
    winter, _ = all_pages(
        "GET", T + "/coupon/{couponType}/{couponId}", 2, params={"couponType": "promo", "couponId": "WINTER"}
    )
    # THEN each finds every order once, newest first, as before
    assert billed == _newest_first(orders, lambda o: o.get("bill_to_contact_id") == "c-1")
    assert winter == _newest_first(
        orders, lambda o: any(c.get("coupon_id") == "WINTER" for c in o.get("coupons", []))
    )
