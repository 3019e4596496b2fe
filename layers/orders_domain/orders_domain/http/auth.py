"""API keys and who may do what: a key belongs to one tenant and carries scopes.

Keys are stored as SHA-256 hashes only. `Authenticator` keeps verified keys in memory for
`API_KEY_CACHE_SECONDS` (60 s by default), so a warm authorizer does not read DynamoDB on every
request; a revoked key therefore stops working within that time (API Gateway does not cache the
authorizer's answers: template.yaml says why). Unknown keys are not cached.
`authorize` is the one place a route's scope is enforced (the authorizer and, again, every function).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from orders_domain.domain.errors import Forbidden, Unauthorized
from orders_domain.domain.ports import ApiKeyRecord, ApiKeyStore
from orders_domain.http.routes import (
    ALL_SCOPES,
    PORTAL_PARTY_PARAMETERS,
    SCOPE_PORTAL,
    SCOPE_READ,
    portal_party,
    scope_of,
    tenant_from_key,
)

TENANT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
_TENANT_RE = re.compile(TENANT_ID_PATTERN)
MAX_KEY_LENGTH = 512
#: Verified keys a warm authorizer remembers at most (least recently used go first).
CACHE_MAX_KEYS = 1024


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    scopes: tuple[str, ...]
    key_id: str
    #: A portal key's party (`("contact" | "organization", id)`); None for a staff key.
    party: tuple[str, str] | None = None
    #: The tenant's API Gateway key in its usage plan (the authorizer's `usageIdentifierKey`); None
    #: when the key record has none (local runs, keys made before usage plans).
    usage_key: str | None = field(default=None, repr=False)


def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def key_id_of(api_key: str) -> str:
    """A non-secret label of a key, safe to log and to record as `sys_created_by_id`."""
    return "key_" + hash_key(api_key)[:12]


def api_key_from_headers(headers: dict[str, str] | None) -> str | None:
    """The bare key from `Authorization` (as the source APIs send it), `x-api-key`, or
    `X-ADILITY-API-KEY` (the distribution API's header). Two headers naming different keys: 401."""
    lowered = {k.lower(): v for k, v in (headers or {}).items() if isinstance(v, str)}
    keys = {key for key in (_bare(lowered.get(name)) for name in KEY_HEADERS) if key}
    if len(keys) > 1:
        # Two different credentials: acting as either would be a guess (and a junk one beside a
        # good one must not pass). The same key in two headers is one key.
        raise Unauthorized("The request carries two different API keys; send one.")
    return keys.pop() if keys else None


#: The headers a key may come in (lower case).
KEY_HEADERS = ("x-api-key", "authorization", "x-adility-api-key")


def _bare(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    for prefix in ("Bearer ", "ApiKey "):
        if value.startswith(prefix):
            value = value[len(prefix) :].strip()
    return value or None


class Authenticator:
    """API key -> Principal, remembering verified keys for `ttl_seconds`."""

    def __init__(
        self, store: ApiKeyStore, *, ttl_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._store = store
        self._ttl = ttl_seconds
        self._clock = clock
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._lock = threading.Lock()

    def authenticate(self, api_key: str | None) -> Principal:
        if not api_key or len(api_key) > MAX_KEY_LENGTH:
            raise Unauthorized("A valid API key is required.")
        key_hash = hash_key(api_key)
        now = self._clock()
        with self._lock:
            cached = self._verified.get(key_hash)
            if cached is not None and cached[1] > now:
                self._verified.move_to_end(key_hash)
                return cached[0]
        record = self._store.get(key_hash)
        if record is None or not record.active:
            with self._lock:
                self._verified.pop(key_hash, None)
            raise Unauthorized("A valid API key is required.")
        principal = Principal(
            tenant_id=record.tenant_id,
            scopes=record.scopes,
            key_id=record.key_id,
            party=record.party,
            usage_key=record.usage_key,
        )
        if self._ttl > 0:
            with self._lock:
                self._verified[key_hash] = (principal, now + self._ttl)
                self._verified.move_to_end(key_hash)
                while len(self._verified) > CACHE_MAX_KEYS:
                    self._verified.popitem(last=False)
        return principal


def authorize(
    principal: Principal,
    *,
    tenant_id: str | None,
    method: str,
    resource: str,
    path_parameters: Mapping[str, Any] | None = None,
) -> None:
    """Raise Forbidden unless the key's tenant is the path's and it has the route's declared scope.

    A route with no declared scope (routes.ROUTE_SCOPES) is refused: deny by default. A route whose
    path names no tenant (a source dialect's) acts for the key's own tenant. A portal route
    (`orders:portal`) admits a staff key that may read (any party) and a portal key for the party
    its path names, and no other.
    """
    if tenant_id is None and tenant_from_key(resource):
        tenant_id = principal.tenant_id
    if tenant_id is None or tenant_id != principal.tenant_id:
        raise Forbidden("This API key may not use this tenant.")
    scope = scope_of(method, resource)
    if scope is None:
        raise Forbidden("This route has no declared scope; no key may call it.")
    if scope == SCOPE_PORTAL and SCOPE_READ in principal.scopes:
        return
    if scope not in principal.scopes:
        raise Forbidden(f"This API key lacks the scope {scope}.")
    if scope == SCOPE_PORTAL and (
        principal.party is None or principal.party != portal_party(resource, path_parameters)
    ):
        raise Forbidden("This portal key may see its own party's orders only.")


def is_valid_tenant_id(tenant_id: str) -> bool:
    return bool(_TENANT_RE.match(tenant_id))


def new_api_key() -> str:
    return "ok_" + secrets.token_urlsafe(32)


#: The longest party id a portal key may be bound to (the portal routes' path bound).
MAX_PARTY_ID_LENGTH = 200


def store_api_key(
    store: ApiKeyStore,
    tenant_id: str,
    api_key: str,
    scopes: Iterable[str],
    *,
    party: tuple[str, str] | None = None,
    plan: str | None = None,
    usage_key: str | None = None,
) -> ApiKeyRecord:
    """Store a key (its hash only) for a tenant; used by `make api-key`, `make serve` and tests."""
    record = api_key_record(tenant_id, api_key, scopes, party=party, plan=plan, usage_key=usage_key)
    store.put(record)
    return record


def api_key_record(
    tenant_id: str,
    api_key: str,
    scopes: Iterable[str],
    *,
    party: tuple[str, str] | None = None,
    plan: str | None = None,
    usage_key: str | None = None,
) -> ApiKeyRecord:
    """The record of a new key (its hash only), or ValueError saying what is wrong with the request.

    With `party` (`("contact" | "organization", id)`) a portal key: scope `orders:portal` alone.
    `plan` and `usage_key`: the tenant's usage plan and its API Gateway key in it (`make api-key`)."""
    if party is not None:
        party_type, party_id = party
        if party_type not in PORTAL_PARTY_PARAMETERS.values():
            raise ValueError("a portal key is bound to a contact or an organization")
        if (
            not party_id
            or len(party_id) > MAX_PARTY_ID_LENGTH
            or "/" in party_id
            or party_id.strip() != party_id
        ):
            raise ValueError(
                f"a portal party id has 1 to {MAX_PARTY_ID_LENGTH} characters, no '/' or edge spaces"
            )
        if tuple(scopes) not in ((), (SCOPE_PORTAL,)):
            raise ValueError(f"a portal key holds the scope {SCOPE_PORTAL} alone")
        scopes = (SCOPE_PORTAL,)
    elif SCOPE_PORTAL in tuple(scopes):
        raise ValueError(f"the scope {SCOPE_PORTAL} needs a party: PORTAL_CONTACT or PORTAL_ORGANIZATION")
    wanted = tuple(scopes) or ALL_SCOPES
    unknown = set(wanted) - set(ALL_SCOPES) - {SCOPE_PORTAL}
    if unknown:
        raise ValueError(f"unknown scopes: {sorted(unknown)}; use {' '.join(ALL_SCOPES)}")
    if not is_valid_tenant_id(tenant_id):
        raise ValueError(f"invalid tenant id: it must match {TENANT_ID_PATTERN}")
    if not api_key or len(api_key) > MAX_KEY_LENGTH:
        raise ValueError(f"an API key has 1 to {MAX_KEY_LENGTH} characters")
    return ApiKeyRecord(
        key_hash=hash_key(api_key),
        tenant_id=tenant_id,
        scopes=wanted,
        key_id=key_id_of(api_key),
        party=party,
        plan=plan or None,
        usage_key=usage_key or None,
    )
