"""DynamoDB's transient failures as the domain's errors: throttling is 429, faults on the way are 503.

Below storage and idempotency alike (both talk to DynamoDB); it knows botocore's exceptions and
the domain's errors, nothing else.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

from orders_domain.domain.errors import OrdersError, Throttled, Unavailable

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
