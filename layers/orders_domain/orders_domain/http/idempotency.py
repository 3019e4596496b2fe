"""Idempotency-Key semantics (IETF draft) on top of Powertools Idempotency.

- The key comes from the `Idempotency-Key` header (plain or quoted string) or a body's
  `duplicate_prevention_key`; both at once must agree.
- The record is keyed by (tenant, route, key): another tenant's identical key is another key.
- The request fingerprint is validated: the same key with another request is a 422.
- A retry while the first request still runs is a 409 with `Retry-After`; the Lambda context is
  registered so a request that times out releases its key when its time is up.
- The stored result is the first response's status, headers and exact body text, replayed
  with `Idempotent-Replayed: true`. Errors raised by the operation are not stored (Powertools
  deletes the in-progress record), so a corrected retry with the same key can succeed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

from orders_domain.domain.errors import BadRequest, IdempotencyInProgress, IdempotencyKeyReused
from orders_domain.storage.faults import transient_error

MAX_KEY_LENGTH = 255
_VISIBLE_ASCII = re.compile(r"[\x20-\x7e]+")
RETRY_AFTER_SECONDS = 2
_REPLAYED = "replayed"
KEY_PREFIX = "orders-api"


@dataclass
class StoredResponse:
    """A response in a form the idempotency table can hold and replay byte for byte."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    replayed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "body": self.body, "headers": self.headers, _REPLAYED: self.replayed}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StoredResponse:
        return cls(
            status=int(data["status"]),
            body=str(data["body"]),
            headers=dict(data.get("headers") or {}),
            replayed=bool(data.get(_REPLAYED, False)),
        )


def parse_key(header_value: str | None, body_value: str | None) -> str | None:
    """The effective idempotency key, or None. Invalid keys are a 400."""
    header_key = None
    if header_value is not None:
        value = header_value.strip()
        # The draft defines the field as a Structured Field string: "key"; accept bare keys too.
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        if not value:
            raise BadRequest("The Idempotency-Key header must not be empty.")
        if len(value) > MAX_KEY_LENGTH:
            raise BadRequest(f"The Idempotency-Key header must be at most {MAX_KEY_LENGTH} characters.")
        if not _VISIBLE_ASCII.fullmatch(value):
            # A header's bytes beyond ASCII are read differently by each hop (Latin-1 here, UTF-8
            # there): the same key could name two records. RFC 9110 field values are visible ASCII.
            raise BadRequest("The Idempotency-Key header must be printable ASCII (no control characters).")
        header_key = value
    if header_key is not None and body_value is not None and header_key != body_value:
        raise BadRequest("Idempotency-Key and duplicate_prevention_key differ; send one, or the same.")
    return header_key if header_key is not None else body_value


def _mark_replayed(response: Any, idempotent_data: DataRecord) -> Any:
    response = dict(response)
    response[_REPLAYED] = True
    return response


def store_config(expires_after_seconds: int) -> IdempotencyConfig:
    """The one idempotency configuration: what a record is keyed by, validated on, kept for."""
    return IdempotencyConfig(
        event_key_jmespath="[tenant_id, route, key]",
        payload_validation_jmespath="fingerprint",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=expires_after_seconds,
        response_hook=_mark_replayed,
    )


def configure_store(persistence_store: BasePersistenceLayer, expires_after_seconds: int) -> None:
    """Configure a shared persistence layer once, before any request uses it.

    Powertools marks a layer configured before it sets the configuration's fields, so two
    requests configuring one shared layer at once could see it half set; wiring calls this
    once, under its lock, and every later `configure` by Powertools is a no-op.
    """
    persistence_store.configure(store_config(expires_after_seconds), key_prefix=KEY_PREFIX)


def run_once(
    *,
    tenant_id: str,
    route: str,
    key: str | None,
    fingerprint: Any,
    operation: Callable[[], StoredResponse],
    lambda_context: Any | None,
    persistence_store: BasePersistenceLayer,
    expires_after_seconds: int,
) -> StoredResponse:
    """Run `operation` at most once per (tenant, route, key); without a key, just run it.

    `persistence_store` is built once per client (wiring): building one per call would register
    another hook on the shared DynamoDB client every time.
    """
    if key is None:
        return operation()

    config = store_config(expires_after_seconds)
    if lambda_context is not None:
        config.register_lambda_context(lambda_context)

    def _call(request: dict[str, Any]) -> dict[str, Any]:
        return operation().to_dict()

    guarded = idempotent_function(
        data_keyword_argument="request",
        persistence_store=persistence_store,
        config=config,
        key_prefix=KEY_PREFIX,
    )(_call)
    try:
        result = guarded(
            request={"tenant_id": tenant_id, "route": route, "key": key, "fingerprint": fingerprint}
        )
    except IdempotencyValidationError as exc:
        raise IdempotencyKeyReused("This idempotency key was already used with a different request.") from exc
    except IdempotencyPersistenceLayerError as exc:
        error = transient_error(exc.__cause__)
        if error is not None:
            raise error from exc
        raise
    except IdempotencyAlreadyInProgressError as exc:
        raise IdempotencyInProgress(
            "A request with this idempotency key is still being processed; retry later.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ) from exc
    return StoredResponse.from_dict(result)
