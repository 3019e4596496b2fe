"""Settings read from the environment when first asked for, never at import time."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Settings:
    orders_table_name: str
    idempotency_table_name: str
    dynamodb_endpoint_url: str | None
    idempotency_ttl_seconds: int = 24 * 60 * 60


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings(
        orders_table_name=os.environ["ORDERS_TABLE_NAME"],
        idempotency_table_name=os.environ["IDEMPOTENCY_TABLE_NAME"],
        dynamodb_endpoint_url=os.environ.get("DYNAMODB_ENDPOINT_URL") or None,
    )
