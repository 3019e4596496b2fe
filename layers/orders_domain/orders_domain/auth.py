"""API keys: stored as SHA-256 hashes only; a key belongs to one tenant and carries scopes."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from orders_domain.aws import dynamodb_client
from orders_domain.errors import Forbidden, Unauthorized
from orders_domain.settings import get_settings
from orders_domain.storage import ApiKeyRecord, DynamoOrderRepository, OrderRepository

SCOPE_READ = "orders:read"
SCOPE_WRITE = "orders:write"
SCOPE_ADMIN = "orders:admin"
ALL_SCOPES: tuple[str, ...] = (SCOPE_READ, SCOPE_WRITE, SCOPE_ADMIN)

TENANT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
_TENANT_RE = re.compile(TENANT_ID_PATTERN)
_MAX_KEY_LENGTH = 512

# Admin operations per API.md: void, close, delete, batch (method, last path segment test).
_ADMIN_SEGMENTS = ("void", "close", "batch")


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    scopes: tuple[str, ...]
    key_id: str


def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def key_id_of(api_key: str) -> str:
    """A non-secret label of a key, safe to log and to record as `sys_created_by_id`."""
    return "key_" + hash_key(api_key)[:12]


def required_scope(method: str, path: str) -> str:
    """The scope a route needs. Reads need read; admin operations need admin; other writes write."""
    method = method.upper()
    segments = [s for s in path.split("/") if s]
    if method == "DELETE" or (method == "POST" and segments[2:3] and segments[2] in _ADMIN_SEGMENTS):
        return SCOPE_ADMIN
    if method in ("GET", "HEAD", "OPTIONS"):
        return SCOPE_READ
    return SCOPE_WRITE


def api_key_from_headers(headers: dict[str, str] | None) -> str | None:
    """The bare key from `Authorization` (as the source APIs send it) or `x-api-key`."""
    lowered = {k.lower(): v for k, v in (headers or {}).items() if isinstance(v, str)}
    value = lowered.get("x-api-key") or lowered.get("authorization")
    if not value:
        return None
    value = value.strip()
    for prefix in ("Bearer ", "ApiKey "):
        if value.startswith(prefix):
            value = value[len(prefix) :].strip()
    return value or None


def authenticate(repo: OrderRepository, api_key: str | None) -> Principal:
    if not api_key or len(api_key) > _MAX_KEY_LENGTH:
        raise Unauthorized("A valid API key is required.")
    record = repo.get_api_key(hash_key(api_key))
    if record is None or not record.active:
        raise Unauthorized("A valid API key is required.")
    return Principal(tenant_id=record.tenant_id, scopes=record.scopes, key_id=record.key_id)


def authorize(principal: Principal, *, tenant_id: str | None, method: str, path: str) -> None:
    """Raise Forbidden unless the key's tenant is the path's tenant and it has the route's scope."""
    if tenant_id is None or tenant_id != principal.tenant_id:
        raise Forbidden("This API key may not use this tenant.")
    scope = required_scope(method, path)
    if scope not in principal.scopes:
        raise Forbidden(f"This API key lacks the scope {scope}.")


def is_valid_tenant_id(tenant_id: str) -> bool:
    return bool(_TENANT_RE.match(tenant_id))


def default_repository() -> DynamoOrderRepository:
    return DynamoOrderRepository(dynamodb_client(), get_settings().orders_table_name)


def seed_api_key(
    tenant_id: str, api_key: str, scopes: list[str] | tuple[str, ...], repo: OrderRepository | None = None
) -> ApiKeyRecord:
    """Store a key (hashed) for a tenant; used by `make serve`, tests and operators."""
    unknown = set(scopes) - set(ALL_SCOPES)
    if unknown:
        raise ValueError(f"unknown scopes: {sorted(unknown)}")
    if not is_valid_tenant_id(tenant_id):
        raise ValueError("invalid tenant id")
    record = ApiKeyRecord(
        key_hash=hash_key(api_key),
        tenant_id=tenant_id,
        scopes=tuple(scopes or ALL_SCOPES),
        key_id=key_id_of(api_key),
    )
    (repo or default_repository()).put_api_key(record)
    return record
