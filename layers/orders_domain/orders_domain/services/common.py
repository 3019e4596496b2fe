"""What every service shares: the clock, id makers, request fingerprints, order references."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from orders_domain.models import Order

ORDER_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
TOKEN_PREFIX = "token-"  # noqa: S105 - a path prefix, not a secret
ORDER_ID_RE = re.compile(ORDER_ID_PATTERN)
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")

#: Namespace of order ids derived from idempotency keys (uuid5).
_KEYED_ORDER_IDS = uuid.UUID("6f1d3c52-8c1e-4f0a-9a57-2f6b7c1d9e40")
_NUMBERED_ORDER_IDS = uuid.UUID("0b7e5f6a-3c2d-4e19-8f4b-6d1a2c3e4f50")


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


def new_token() -> str:
    return secrets.token_urlsafe(24)


#: Crockford's base-32 alphabet: no I, L, O or U, so a code read aloud or typed is not mistaken.
_VOUCHER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_voucher_code() -> str:
    """A voucher code: 20 characters of a CSPRNG (100 bits), grouped by five (`XXXXX-XXXXX-XXXXX-XXXXX`)."""
    chars = "".join(secrets.choice(_VOUCHER_ALPHABET) for _ in range(20))
    return "-".join(chars[i : i + 5] for i in range(0, 20, 5))


def new_line_id() -> str:
    return secrets.token_hex(8)


def order_id_for_key(tenant_id: str, idempotency_key: str) -> str:
    return str(uuid.uuid5(_KEYED_ORDER_IDS, f"{tenant_id}\n{idempotency_key}"))


def order_id_for_number(tenant_id: str, order_number: str) -> str:
    """The id of the tenant's order with this client order number (the distribution API's
    `order_number`, unique per tenant): its own namespace, so no idempotency key can collide."""
    return str(uuid.uuid5(_NUMBERED_ORDER_IDS, f"{tenant_id}\n{order_number}"))


def request_fingerprint(request: BaseModel, *, exclude: set[str] | dict[str, Any] | None = None) -> str:
    """What makes two requests "the same request": SHA-256 of their canonical JSON.

    It is the validated model that is written, not the client's text: the model's fields in the
    model's order, defaults filled in, numbers as validated, whatever the client's key order or
    spacing. Free-form objects (a line's `payload`, custom field values) keep the client's key
    order, as a retry of the same request sends it. Idempotency keys themselves (`exclude`) do not
    count.
    """
    return hashlib.sha256(request.model_dump_json(exclude=exclude).encode("utf-8")).hexdigest()


def target_fingerprint(target: str, request: BaseModel) -> str:
    """`request_fingerprint` of a request aimed at one resource (`target`: an order or fulfillment
    reference): one Idempotency-Key sent to another order is another request (422), not a replay."""
    return hashlib.sha256(f"{target}\n{request_fingerprint(request)}".encode()).hexdigest()


def keyed_write_id(tenant_id: str, route: str, key: str, fingerprint: str) -> str:
    """The id a keyed request's write records in its order (services.write_loop `write_key`): the same for
    every run of the same request (tenant, route, Idempotency-Key, fingerprint), so a run whose
    idempotency record was lost finds the first run's write instead of applying the change again."""
    return hashlib.sha256(f"{tenant_id}\n{route}\n{key}\n{fingerprint}".encode()).hexdigest()[:32]


def placed_number(order: Order) -> str | None:
    """The distribution API's `order_number` the order was placed under, or None (a native order, or
    one whose `purchase_order_number` is not the one it was placed by): the order's id derives from
    it, so no other order of the tenant can show or take it."""
    number = order.purchase_order_number
    if number is not None and order.id == order_id_for_number(order.tenant_id, number):
        return number
    return None
