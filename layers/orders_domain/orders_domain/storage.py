"""DynamoDB access. The only module that talks to the orders table.

Records are the order's own fields at the top level of the item plus the key and index
attributes of keys.py; `OrderRecord` converts both ways so no raw item ever leaves this module.
"""

from __future__ import annotations

import functools
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict

from orders_domain import keys
from orders_domain.errors import Conflict, PayloadTooLarge, Throttled, VersionConflict
from orders_domain.models import Order

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

#: DynamoDB refuses items over 400 KB; stay clear of it with room for index attributes.
MAX_ORDER_ITEM_BYTES = 350_000


def to_storage_value(value: Any) -> Any:
    """Python values -> what TypeSerializer accepts: Decimal for numbers, ISO strings for times."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, int, Decimal)):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, datetime):
        return keys.utc_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_storage_value(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [to_storage_value(v) for v in value]
    raise TypeError(f"cannot store {type(value).__name__}")


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(to_storage_value(v)) for k, v in item.items() if v is not None}


def deserialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _deserializer.deserialize(v) for k, v in item.items()}


#: DynamoDB's "slow down" answers (after boto3's own retries): a 429 for the client, not a 500.
THROTTLING_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)
RETRY_AFTER_THROTTLED_SECONDS = 1


def is_throttling(exc: BaseException | None) -> bool:
    return isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in THROTTLING_CODES


def throttled() -> Throttled:
    return Throttled(
        "The order store is busy; retry shortly.", headers={"Retry-After": str(RETRY_AFTER_THROTTLED_SECONDS)}
    )


P = ParamSpec("P")
R = TypeVar("R")


def translate_throttling(method: Callable[P, R]) -> Callable[P, R]:
    """Turn DynamoDB throttling into the domain's Throttled error."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except ClientError as exc:
            if is_throttling(exc):
                raise throttled() from exc
            raise

    return wrapper


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


class OrderAlreadyExists(Conflict):
    """A create met an existing order with the same id (read back without a second call)."""

    def __init__(self, existing: OrderRecord | None) -> None:
        super().__init__("An order with this id already exists.")
        self.existing = existing


def approximate_size(item: Mapping[str, Any]) -> int:
    return len(json.dumps(item, default=str))


@dataclass(frozen=True)
class ApiKeyRecord:
    key_hash: str
    tenant_id: str
    scopes: tuple[str, ...]
    key_id: str
    active: bool = True


class OrderRepository(ABC):
    """What the domain needs from storage; tests may use the DynamoDB one on moto."""

    @abstractmethod
    def next_order_number(self, tenant_id: str) -> int: ...

    @abstractmethod
    def create(self, order: Order, *, request_fingerprint: str | None = None) -> None: ...

    @abstractmethod
    def get(self, tenant_id: str, order_id: str, *, consistent: bool = False) -> Order | None: ...

    @abstractmethod
    def get_by_token(self, tenant_id: str, token: str) -> Order | None: ...

    @abstractmethod
    def get_api_key(self, key_hash: str) -> ApiKeyRecord | None: ...

    @abstractmethod
    def put_api_key(self, record: ApiKeyRecord) -> None: ...


class DynamoOrderRepository(OrderRepository):
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    @translate_throttling
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

    @translate_throttling
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
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                old: Mapping[str, Any] | None = exc.response.get("Item")  # type: ignore[assignment]
                raise OrderAlreadyExists(OrderRecord.from_item(old) if old else None) from exc
            raise

    @translate_throttling
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
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise VersionConflict(
                    f"Order {order.id} was changed by another request; read it again and retry."
                ) from exc
            raise

    @translate_throttling
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

    @translate_throttling
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

    @translate_throttling
    def get_api_key(self, key_hash: str) -> ApiKeyRecord | None:
        out = self._client.get_item(TableName=self._table, Key=serialize(keys.api_key_key(key_hash)))
        if "Item" not in out:
            return None
        data = deserialize(out["Item"])
        return ApiKeyRecord(
            key_hash=key_hash,
            tenant_id=data["tenant_id"],
            scopes=tuple(data.get("scopes", [])),
            key_id=data["key_id"],
            active=bool(data.get("active", True)),
        )

    @translate_throttling
    def put_api_key(self, record: ApiKeyRecord) -> None:
        item = {
            **keys.api_key_key(record.key_hash),
            "entity": "api_key",
            "tenant_id": record.tenant_id,
            "scopes": list(record.scopes),
            "key_id": record.key_id,
            "active": record.active,
        }
        self._client.put_item(TableName=self._table, Item=serialize(item))
