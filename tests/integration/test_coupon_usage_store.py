"""Coupon usage rows on DynamoDB Local: found by coupon and by code, following versions, never rolled back."""

from __future__ import annotations

import json
from typing import Any

import boto3
from orders_domain.domain import coupon_rows
from orders_domain.domain.ports import CouponUsageStore
from orders_domain.storage import keys
from orders_domain.storage.coupon_usage import DynamoCouponUsageStore

from tests.helpers import COUPON_ORDER

ORDER = COUPON_ORDER
#: The by-coupon partitions of o1's rows: its coupon shard's (keys.COUPON_SHARDS).
_SHARD = keys.shard_of("o1") % keys.COUPON_SHARDS
CODE_K = keys.coupon_pk("tenant-a", "code", "K", _SHARD)
SUMMER = keys.coupon_pk("tenant-a", "promo", "SUMMER", _SHARD)


def by_coupon(client: Any, table: str, coupon_pk: str) -> list[dict[str, Any]]:
    out = client.query(
        TableName=table,
        IndexName="by-coupon",
        KeyConditionExpression="coupon_pk = :pk",
        ExpressionAttributeValues={":pk": {"S": coupon_pk}},
    )
    return [json.loads(item["summary"]["S"]) for item in out["Items"]]


def test_given_versions_applied_in_order_and_late_then_rows_follow_the_newest(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    client = boto3.client("dynamodb", endpoint_url=dynamodb_endpoint)
    table = tables["OrdersTable"]
    store: CouponUsageStore = DynamoCouponUsageStore(client, table)  # the port, checked by mypy
    v1_rows = coupon_rows.rows_for("tenant-a", ORDER)
    v2_rows = coupon_rows.rows_for("tenant-a", {**ORDER, "coupons": ORDER["coupons"][:1]})
    # WHEN version 1 writes both rows and version 2 removes the second
    assert store.apply("tenant-a", "o1", 1, *coupon_rows.changes([], v1_rows)) == 2
    assert by_coupon(client, table, CODE_K)[0]["discount"] == 2.5
    assert store.apply("tenant-a", "o1", 2, *coupon_rows.changes(v1_rows, v2_rows)) == 1
    # THEN the removed coupon's row is out of the index, the other one is there with the API's fields
    assert by_coupon(client, table, CODE_K) == []
    (summer,) = by_coupon(client, table, SUMMER)
    assert summer["order_id"] == "o1"
    assert summer["order_number"] == 42
    assert summer["customer_id"] == "c-7"
    # WHEN version 1 is delivered again, late
    assert store.apply("tenant-a", "o1", 1, *coupon_rows.changes([], v1_rows)) == 0
    # THEN nothing comes back: the newer version's removal stands
    assert by_coupon(client, table, CODE_K) == []
    # AND replaying version 2 is a no-op as well
    assert store.apply("tenant-a", "o1", 2, *coupon_rows.changes(v1_rows, v2_rows)) == 0
