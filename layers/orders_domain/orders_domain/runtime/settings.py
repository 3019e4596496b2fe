"""Settings read from the environment when first asked for, never at import time.

One typed, frozen model, read once per process (runtime/wiring.py builds it once). It is a dataclass,
not a pydantic model (issue 30 asked for one; kept as is, on purpose): the authorizer reads these
settings on its cold start and loads no pydantic (tests/unit/test_cold_path.py pins that); importing
pydantic and building one model there costs ~60 ms and 54 modules. pydantic-settings is not a layer
dependency either. Bad values fail as they did: a missing table name is a KeyError naming the
variable, an API_KEY_CACHE_SECONDS that is not a number a ValueError (tests/unit/test_settings.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

#: How long a warm authorizer trusts a verified API key without reading it again.
DEFAULT_API_KEY_CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class Settings:
    orders_table_name: str
    idempotency_table_name: str
    dynamodb_endpoint_url: str | None
    idempotency_ttl_seconds: int = 24 * 60 * 60
    api_key_cache_seconds: float = DEFAULT_API_KEY_CACHE_SECONDS
    #: The EventBridge bus the stream consumer publishes to (only the stream function has one).
    event_bus_name: str | None = None
    #: Signs page tokens (http/page_tokens.py); the template generates it in Secrets Manager.
    page_token_secret: str | None = None
    #: Reads of one order skip the SDK's per-call work (storage/direct_reads.py); ORDERS_DIRECT_READS
    #: `false` sends every read through the SDK.
    direct_reads: bool = True

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            orders_table_name=env["ORDERS_TABLE_NAME"],
            idempotency_table_name=env["IDEMPOTENCY_TABLE_NAME"],
            dynamodb_endpoint_url=env.get("DYNAMODB_ENDPOINT_URL") or None,
            api_key_cache_seconds=float(env.get("API_KEY_CACHE_SECONDS") or DEFAULT_API_KEY_CACHE_SECONDS),
            event_bus_name=env.get("ORDERS_EVENT_BUS_NAME") or None,
            page_token_secret=env.get("ORDERS_PAGE_TOKEN_SECRET") or None,
            direct_reads=(env.get("ORDERS_DIRECT_READS") or "true").strip().lower() != "false",
        )
