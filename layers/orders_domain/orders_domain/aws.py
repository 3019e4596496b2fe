"""Cached boto3 clients: created on first use (not at import), shared by warm invocations."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from orders_domain.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)


@lru_cache(maxsize=1)
def dynamodb_client() -> DynamoDBClient:
    return boto3.client("dynamodb", endpoint_url=get_settings().dynamodb_endpoint_url, config=_CONFIG)


def reset_clients() -> None:
    """Forget cached settings and clients (tests and the local runner switch endpoints)."""
    get_settings.cache_clear()
    dynamodb_client.cache_clear()
