"""Fault injection at DynamoDB: botocore hooks on the functions' client that lose a response (the
write reaches the table, its answer does not) or answer with an error (throttling, a transaction
conflict or cancellation, a 500, a timeout), for the next attempts of one call, aimed by text only one
case's requests carry (`Faults.once(..., only=...)`)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(eq=False)
class Planned:
    """A fault planned for the next `left` attempts of a DynamoDB call (whose request carries `only`)."""

    api: str
    fault: str
    only: str | None
    left: int


class Faults:
    """botocore hooks on the functions' DynamoDB client: lose a response, or answer with an error."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._plan: list[Planned] = []
        self._lock = threading.Lock()
        self.fired = 0
        client.meta.events.register("before-send.dynamodb", self._before_send)

    @contextmanager
    def once(self, api: str, fault: str, times: int = 1, only: str | None = None) -> Iterator[Planned]:
        """The next `times` attempts of `api` meet `fault` (then the SDK's own retry goes through).
        With `only`, just the attempts whose request carries that text (an order's key): such plans
        may run side by side, each hitting its own order's requests only. Yields the plan (`left`:
        the attempts it has still to hit)."""
        planned = Planned(api, fault, only, times)
        with self._lock:
            self._plan.append(planned)
        try:
            yield planned
        finally:
            with self._lock:
                self._plan.remove(planned)

    def _before_send(self, request: Any, **kwargs: Any) -> Any:
        from botocore.awsrequest import AWSResponse
        from botocore.compat import HTTPHeaders
        from botocore.exceptions import ReadTimeoutError

        from harness.common import CannedBody

        api = str(kwargs.get("event_name", "")).rsplit(".", 1)[-1]
        body = request.body if isinstance(request.body, bytes) else str(request.body or "").encode()
        with self._lock:
            planned = next(
                (
                    p
                    for p in self._plan
                    if p.api == api and p.left and (p.only is None or p.only.encode() in body)
                ),
                None,
            )
            if planned is None:
                return None
            planned.left -= 1
            self.fired += 1
            fault = planned.fault
        if fault == "lost_response":
            self.client._endpoint.http_session.send(request)  # the write reaches DynamoDB...
            raise ReadTimeoutError(endpoint_url=request.url)  # ...and its answer is lost
        if fault == "timeout":
            raise ReadTimeoutError(endpoint_url=request.url)
        code, status = {
            "throttling": ("ProvisionedThroughputExceededException", 400),
            "transaction_conflict": ("TransactionConflictException", 400),
            "transaction_cancelled": ("TransactionCanceledException", 400),
            "server_error": ("InternalServerError", 500),
        }[fault]
        error: dict[str, Any] = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": fault}
        if fault == "transaction_cancelled":
            # what DynamoDB answers a transaction that met another one on its items: nothing written
            items = json.loads(body).get("TransactItems") or [{}]
            error["message"] = "Transaction cancelled, please refer cancellation reasons for specific reasons"
            error["CancellationReasons"] = [{"Code": "TransactionConflict"}] + [{"Code": "None"}] * (
                len(items) - 1
            )
        body = json.dumps(error).encode()
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/x-amz-json-1.0"
        return AWSResponse(request.url, status, headers, CannedBody(body))


FAULTS = ("throttling", "transaction_conflict", "server_error", "timeout")
#: Besides FAULTS, at a TransactWriteItems: cancelled for a conflict with another transaction.
TRANSACTION_FAULTS = ("transaction_cancelled",)
#: A call of the idempotency table (its record's PutItem and UpdateItem), told apart from the order's
#: own call of the same API by this suffix in a route's `writes` and `calls` (`Case.only` aims it).
IDEMPOTENCY = ":idempotency"


def api_of(call: str) -> str:
    """The DynamoDB API of a route's call (`UpdateItem:idempotency` -> `UpdateItem`)."""
    return call.partition(":")[0]


def faults_at(call: str) -> tuple[str, ...]:
    """The faults injected at one call of a route."""
    return FAULTS + (TRANSACTION_FAULTS if api_of(call) == "TransactWriteItems" else ())
