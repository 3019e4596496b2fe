"""The wiring builds each collaborator once per process, and a warm instance does not grow."""

from __future__ import annotations

from typing import Any

import pytest
from orders_domain import wiring

from tests.helpers import create_event, invoke

BODY = {"line_items": [{"quantity": 1, "unit_price": 5}]}


def handlers_on(client: Any) -> int:
    """Handlers the client runs for one DynamoDB request (Powertools registers its user-agent hook here)."""
    emitter = client.meta.events._emitter
    return len(list(emitter._handlers.prefix_search("request-created.dynamodb.PutItem")))


@pytest.mark.usefixtures("tables")
def test_200_creates_leave_the_clients_handlers_unchanged() -> None:
    # GIVEN a warm create function (one idempotent create done)
    assert invoke("create_order", create_event(BODY, key="warm-up"))["statusCode"] == 201
    client = wiring.current().dynamodb
    before = handlers_on(client)
    # WHEN 200 more idempotent creates run on the same instance
    for n in range(200):
        assert invoke("create_order", create_event(BODY, key=f"leak-{n}"))["statusCode"] == 201
    # THEN the client runs exactly as many handlers per call as before
    assert handlers_on(client) == before
    assert wiring.current().dynamodb is client


@pytest.mark.usefixtures("tables")
def test_collaborators_are_built_once_and_shared() -> None:
    ports = wiring.current()
    assert ports.idempotency_store is ports.idempotency_store
    assert ports.orders is ports.orders
    assert ports.create_orders.repo is ports.orders
    assert ports.read_orders.repo is ports.orders


def test_reset_rebuilds_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERS_TABLE_NAME", "first")
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", "idem")
    wiring.reset()
    assert wiring.current().settings.orders_table_name == "first"
    monkeypatch.setenv("ORDERS_TABLE_NAME", "second")
    assert wiring.current().settings.orders_table_name == "first"  # built once
    wiring.reset()
    assert wiring.current().settings.orders_table_name == "second"
    wiring.reset()


def test_nothing_is_built_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN no configuration at all
    monkeypatch.delenv("ORDERS_TABLE_NAME", raising=False)
    wiring.reset()
    # WHEN every function module is imported afresh
    from local.lambda_runtime import load_instance

    for module in ("functions.create_order.app", "functions.get_order.app", "functions.authorizer.app"):
        load_instance(module)
    # THEN nothing needed the environment yet; the first use does
    with pytest.raises(KeyError):
        _ = wiring.current().settings
    wiring.reset()
