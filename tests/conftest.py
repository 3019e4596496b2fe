"""Fixtures shared by both tiers. Each tier's conftest provides `dynamodb_endpoint` (None = moto)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import boto3
import pytest

from harness.stream_replay import RecordingPublisher
from tests.helpers import SESSION_TABLES, TEMPLATE, reset_caches, seed_key

# Before any function module is imported: routes carry their response models, as wherever the
# OpenAPI document is generated (orders_domain.http.api.json_content); the serving path is what
# tests/integration/test_sam_build.py runs.
os.environ.setdefault("ORDERS_DOCUMENT_RESPONSES", "1")


@pytest.fixture(autouse=True)
def _lambda_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "orders")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "OrdersApiTest")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("ORDERS_PAGE_TOKEN_SECRET", "test-page-token-secret-0123456789")


@pytest.fixture
def tables(monkeypatch: pytest.MonkeyPatch, dynamodb_endpoint: str | None) -> Iterator[dict[str, str]]:
    """Fresh orders and idempotency tables, built from template.yaml, wired into the functions."""
    from local.tables import create_tables

    suffix = uuid.uuid4().hex[:8]
    names = {"OrdersTable": f"orders-{suffix}", "IdempotencyTable": f"idempotency-{suffix}"}
    monkeypatch.setenv("ORDERS_TABLE_NAME", names["OrdersTable"])
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", names["IdempotencyTable"])
    if dynamodb_endpoint:
        monkeypatch.setenv("DYNAMODB_ENDPOINT_URL", dynamodb_endpoint)
    else:
        monkeypatch.delenv("DYNAMODB_ENDPOINT_URL", raising=False)
    client = boto3.client("dynamodb", endpoint_url=dynamodb_endpoint, region_name="us-east-1")
    create_tables(client, names, template_path=str(TEMPLATE))
    SESSION_TABLES.append((dynamodb_endpoint, names))
    reset_caches()
    yield names
    reset_caches()


@pytest.fixture
def api_key(tables: dict[str, str]) -> str:
    """A key of tenant-a with every scope, stored hashed the way operators store keys."""
    key = f"test-key-{uuid.uuid4().hex}"
    seed_key("tenant-a", key)
    return key


@pytest.fixture
def publisher(tables: dict[str, str]) -> Iterator[RecordingPublisher]:
    """Every handler's domain events go to a recorder (no EventBridge), on this test's tables."""
    from orders_domain.runtime import wiring

    recorder = RecordingPublisher()
    wiring.reset(wiring.Wiring(event_publisher=recorder))
    yield recorder
    wiring.reset()
