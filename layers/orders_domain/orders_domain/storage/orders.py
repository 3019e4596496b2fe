"""The orders table's order items: the only code that reads or writes them.

Records are the order's own fields at the top level of the item plus the key and index
attributes of keys.py; `OrderRecord` converts both ways so no raw item ever leaves this module.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict

from orders_domain import keys
from orders_domain.errors import OrderAlreadyExists, PayloadTooLarge, VersionConflict
from orders_domain.models import Order
from orders_domain.storage.codec import (
    condition_failed,
    deserialize,
    serialize,
    to_storage_value,
    translate_store_errors,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

#: DynamoDB refuses items over 400 KB; stay clear of it with room for index attributes.
MAX_ORDER_ITEM_BYTES = 350_000


class OrderRecord(BaseModel):
    """The storage boundary of an order: the order plus what only storage needs.

    In the item the order's fields sit at the top level (so conditions and filters can name
    them) beside the key and index attributes of keys.py and the request fingerprint.
    """

    model_config = ConfigDict(frozen=True)

    order: Order
    #: SHA-256 of the create request that made the order (idempotent retries compare it).
    request_fingerprint: str | None = None

    def order_attributes(self) -> dict[str, Any]:
        """What the order owns in its item: its fields and its index attributes (not keys)."""
        order = self.order
        fields = to_storage_value(order.model_dump(mode="python", exclude_none=True))
        return {**fields, **keys.order_index_attributes(order)}

    def to_item(self) -> dict[str, Any]:
        order = self.order
        item = {**keys.order_key(order.tenant_id, order.id), "entity": "order", **self.order_attributes()}
        if self.request_fingerprint:
            item["request_fingerprint"] = self.request_fingerprint
        return serialize(item)

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> OrderRecord:
        plain = deserialize(item)
        fingerprint = plain.pop("request_fingerprint", None)
        order = Order.model_validate({k: v for k, v in plain.items() if k not in keys.KEY_ATTRIBUTES})
        return cls(order=order, request_fingerprint=fingerprint)


#: Item attributes an order writes: its fields and its (sparse) index attributes.
_ORDER_OWNED_ATTRIBUTES = frozenset(Order.model_fields) | (keys.KEY_ATTRIBUTES - {"PK", "SK", "entity"})


def approximate_size(item: Mapping[str, Any]) -> int:
    return len(json.dumps(item, default=str))


class DynamoOrderRepository:
    """`ports.OrderRepository` on DynamoDB."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    @translate_store_errors
    def next_order_number(self, tenant_id: str) -> int:
        # An atomic counter: concurrent creates never share a number. A create that fails
        # after taking its number leaves a gap; numbers are unique, not gapless.
        out = self._client.update_item(
            TableName=self._table,
            Key=serialize(keys.order_number_counter_key(tenant_id)),
            UpdateExpression="ADD #n :one SET entity = :entity",
            ExpressionAttributeNames={"#n": "last_number"},
            ExpressionAttributeValues=serialize({":one": 1, ":entity": "counter"}),
            ReturnValues="UPDATED_NEW",
        )
        return int(out["Attributes"]["last_number"]["N"])

    @translate_store_errors
    def create(self, order: Order, *, request_fingerprint: str | None = None) -> None:
        item = OrderRecord(order=order, request_fingerprint=request_fingerprint).to_item()
        if approximate_size(item) > MAX_ORDER_ITEM_BYTES:
            raise PayloadTooLarge("The order is too large to store; split it into several orders.")
        try:
            self._client.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(PK)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if condition_failed(exc):
                old: Mapping[str, Any] | None = exc.response.get("Item")  # type: ignore[assignment]
                if not old:
                    raise OrderAlreadyExists() from exc
                record = OrderRecord.from_item(old)
                raise OrderAlreadyExists(record.order, record.request_fingerprint) from exc
            raise

    @translate_store_errors
    def replace(self, order: Order, *, expected_version: int) -> None:
        """Write a changed order only if nobody changed it since `expected_version` was read.

        An update, not a put: it sets what the order owns and removes what it no longer has,
        and leaves the rest of the item (the create's request fingerprint) as it was.
        """
        attributes = OrderRecord(order=order).order_attributes()
        if approximate_size(attributes) > MAX_ORDER_ITEM_BYTES:
            raise PayloadTooLarge("The order is too large to store; split it into several orders.")
        removed = sorted(_ORDER_OWNED_ATTRIBUTES - attributes.keys())
        names = {f"#s{i}": name for i, name in enumerate(attributes)}
        names.update({f"#r{i}": name for i, name in enumerate(removed)})
        values = {f":s{i}": value for i, value in enumerate(attributes.values())}
        expression = "SET " + ", ".join(f"#s{i} = :s{i}" for i in range(len(attributes)))
        if removed:
            expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(removed)))
        try:
            self._client.update_item(
                TableName=self._table,
                Key=serialize(keys.order_key(order.tenant_id, order.id)),
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(PK) AND #version = :expected",
                ExpressionAttributeNames={**names, "#version": "sys_version"},
                ExpressionAttributeValues=serialize({**values, ":expected": expected_version}),
            )
        except ClientError as exc:
            if condition_failed(exc):
                raise VersionConflict(
                    f"Order {order.id} was changed by another request; read it again and retry."
                ) from exc
            raise

    @translate_store_errors
    def get(self, tenant_id: str, order_id: str, *, consistent: bool = False) -> Order | None:
        out = self._client.get_item(
            TableName=self._table,
            Key=serialize(keys.order_key(tenant_id, order_id)),
            ConsistentRead=consistent,
        )
        item = out.get("Item")
        if item is None:
            return None
        order = OrderRecord.from_item(item).order
        return None if order.sys_deleted else order

    @translate_store_errors
    def get_by_token(self, tenant_id: str, token: str) -> Order | None:
        out = self._client.query(
            TableName=self._table,
            IndexName=keys.INDEX_TOKEN,
            KeyConditionExpression="token_pk = :pk",
            ExpressionAttributeValues=serialize({":pk": keys.token_pk(tenant_id, token)}),
            Limit=1,
        )
        items = out.get("Items", [])
        if not items:
            return None
        order = OrderRecord.from_item(items[0]).order
        return None if order.sys_deleted else order
