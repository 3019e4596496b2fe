"""Between Python values and DynamoDB items, and DynamoDB's errors as the domain's."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

from orders_domain import keys
from orders_domain.errors import OrdersError, Throttled, Unavailable

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


def condition_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


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


#: DynamoDB answers that mean "not now" rather than "no" (after boto3's own retries): a 503.
UNAVAILABLE_CODES = frozenset(
    {
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionConflictException",
        "TransactionInProgressException",
    }
)
RETRY_AFTER_UNAVAILABLE_SECONDS = 1


def is_unavailable(exc: BaseException | None) -> bool:
    """A fault on the store's side or on the way to it: timeouts, dropped connections, its 500s."""
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code") in UNAVAILABLE_CODES
    return isinstance(exc, HTTPClientError | ConnectionError)


def unavailable() -> Unavailable:
    return Unavailable(
        "The order store did not answer in time; retry (with the same Idempotency-Key, if you sent one).",
        headers={"Retry-After": str(RETRY_AFTER_UNAVAILABLE_SECONDS)},
    )


def transient_error(exc: BaseException | None) -> OrdersError | None:
    """The domain error for a transient store failure (429 or 503), or None when it is not one."""
    if is_throttling(exc):
        return throttled()
    if is_unavailable(exc):
        return unavailable()
    return None


P = ParamSpec("P")
R = TypeVar("R")


def translate_store_errors(method: Callable[P, R]) -> Callable[P, R]:
    """Turn DynamoDB throttling into Throttled (429), and its timeouts and 500s into Unavailable (503)."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except (ClientError, HTTPClientError, ConnectionError) as exc:
            error = transient_error(exc)
            if error is not None:
                raise error from exc
            raise

    return wrapper
