"""Between Python values and DynamoDB items."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from orders_domain.domain.page_positions import sortable_utc

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_storage_value(value: Any) -> Any:
    """Python values -> what TypeSerializer accepts: Decimal for numbers, ISO strings for times."""
    if isinstance(value, str):
        return str(value)  # plain text, also for StrEnum statuses
    if isinstance(value, bool) or value is None or isinstance(value, (int, Decimal)):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, datetime):
        return sortable_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_storage_value(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [to_storage_value(v) for v in value]
    raise TypeError(f"cannot store {type(value).__name__}")


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(to_storage_value(v)) for k, v in item.items() if v is not None}


def typed_key(key: Mapping[str, str]) -> dict[str, Any]:
    """A key of keys.py (string attributes only) in DynamoDB's typed form, without the serializer."""
    return {name: {"S": value} for name, value in key.items()}


def condition_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def transaction_lost_race(exc: ClientError) -> bool:
    """A cancelled transaction whose items failed a condition or met a concurrent write: a version
    conflict (read again and retry), never a half-write (a transaction writes all or nothing)."""
    if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return False
    reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]  # type: ignore[union-attr]
    return any(code in ("ConditionalCheckFailed", "TransactionConflict") for code in reasons) and all(
        code in ("ConditionalCheckFailed", "TransactionConflict", "None", None) for code in reasons
    )


def deserialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _deserializer.deserialize(v) for k, v in item.items()}
