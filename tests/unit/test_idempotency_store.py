"""The shared idempotency persistence layer is configured once, by wiring, before any request uses it."""

from __future__ import annotations

import threading

import boto3
from orders_domain.runtime.settings import Settings
from orders_domain.runtime.wiring import Wiring

SETTINGS = Settings(
    orders_table_name="orders",
    idempotency_table_name="idempotency",
    dynamodb_endpoint_url=None,
    idempotency_ttl_seconds=3600,
)


def client() -> object:
    return boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def test_given_fresh_wiring_when_the_store_is_first_built_then_it_is_already_fully_configured() -> None:
    # GIVEN wiring that has built nothing yet
    wiring = Wiring(settings=SETTINGS, dynamodb=client())  # type: ignore[arg-type]
    # WHEN the idempotency store is asked for (no request has run)
    store = wiring.idempotency_store
    # THEN every field a request reads is set: nobody can see it "configured" but half set
    assert store.configured is True
    assert store.event_key_jmespath == "[tenant_id, route, key]"
    assert store.payload_validation_enabled is True
    assert store.expires_after_seconds == 3600
    assert store.function_name == "orders-api"


def test_given_many_threads_when_they_first_ask_for_the_store_at_once_then_all_get_one_configured_store() -> (
    None
):
    # GIVEN fresh wiring and 16 threads released together
    wiring = Wiring(settings=SETTINGS, dynamodb=client())  # type: ignore[arg-type]
    barrier = threading.Barrier(16)
    seen: list[tuple[int, object, object]] = []

    def first_use() -> None:
        barrier.wait()
        store = wiring.idempotency_store
        # what a request would read right after getting the store
        seen.append((id(store), store.event_key_jmespath, store.payload_validation_enabled))

    threads = [threading.Thread(target=first_use) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN one store, and every thread saw it fully configured
    assert len(seen) == 16
    assert len({entry[0] for entry in seen}) == 1
    assert {entry[1:] for entry in seen} == {("[tenant_id, route, key]", True)}
