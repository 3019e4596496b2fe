"""Coupon usage rows in the orders table: the only code that reads or writes them.

A row is an item in its order's collection (keys.coupon_usage_key) with the by-coupon and
by-coupon-code index keys and `summary`, the row as JSON (what those indexes project, like an
order's list row). Every write and removal is conditional on the order version it comes from, so a
stream record delivered again, or late, never overwrites what a newer version wrote. A removal
leaves a tombstone (the version, no index keys: out of every index) rather than deleting the item:
deleted, it could not refuse an older version's late write of the same row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from orders_domain.domain import jsonio
from orders_domain.domain.coupon_rows import UsageRow
from orders_domain.storage import keys
from orders_domain.storage.codec import condition_failed, typed_key
from orders_domain.storage.faults import translate_store_errors

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_NEWER = "attribute_not_exists(SK) OR order_version < :v"


def index_attributes(tenant_id: str, row: UsageRow) -> dict[str, str]:
    """A usage row's by-coupon and by-coupon-code keys (keys.coupon_usage_index_attributes)."""
    fields = row.row
    return keys.coupon_usage_index_attributes(
        tenant_id,
        fields["order_id"],
        row.position,
        fields["date"],
        fields.get("coupon_type"),
        fields.get("coupon_id"),
        fields.get("coupon_code_id"),
    )


class DynamoCouponUsageStore:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    @translate_store_errors
    def apply(
        self, tenant_id: str, order_id: str, version: int, writes: list[UsageRow], removals: list[int]
    ) -> int:
        """Write and remove rows as of order `version`; returns how many took effect (an older
        version's redelivery takes none)."""
        done = 0
        for row in writes:
            key = keys.coupon_usage_key(tenant_id, order_id, row.position)
            item: dict[str, Any] = {
                **self._base(key, version),
                "summary": {"S": jsonio.dumps(row.row)},
                **{name: {"S": value} for name, value in index_attributes(tenant_id, row).items()},
            }
            done += self._conditional(
                self._client.put_item, Item=item, ExpressionAttributeValues={":v": {"N": str(version)}}
            )
        for position in removals:
            key = keys.coupon_usage_key(tenant_id, order_id, position)
            tombstone = {**self._base(key, version), "removed": {"BOOL": True}}
            done += self._conditional(
                self._client.put_item, Item=tombstone, ExpressionAttributeValues={":v": {"N": str(version)}}
            )
        return done

    @staticmethod
    def _base(key: dict[str, str], version: int) -> dict[str, Any]:
        return {**typed_key(key), "entity": {"S": "coupon_usage"}, "order_version": {"N": str(version)}}

    def _conditional(self, call: Any, **request: Any) -> int:
        try:
            call(TableName=self._table, ConditionExpression=_NEWER, **request)
        except ClientError as exc:
            if condition_failed(exc):
                return 0
            raise
        return 1
