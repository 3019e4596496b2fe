"""Domain services on in-memory fakes: no moto, no DynamoDB, no HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from orders_domain.domain.errors import IdempotencyKeyReused, NotFound, Unauthorized
from orders_domain.domain.lifecycle import OrderStatus
from orders_domain.domain.ports import ApiKeyStore, OrderRepository
from orders_domain.http.auth import Authenticator, hash_key, store_api_key
from orders_domain.models import OrderCreateRequest
from orders_domain.services import CreateOrders, Pricing, ReadOrders

from tests.fakes import InMemoryApiKeyStore, InMemoryOrderRepository

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def request(**changes: object) -> OrderCreateRequest:
    body: dict[str, object] = {"line_items": [{"quantity": 2, "unit_price": "13.75"}]}
    body.update(changes)
    return OrderCreateRequest.model_validate(body)


@pytest.fixture
def repo() -> InMemoryOrderRepository:
    return InMemoryOrderRepository()


@pytest.fixture
def create(repo: InMemoryOrderRepository) -> CreateOrders:
    return CreateOrders(repo, pricing=Pricing(clock=lambda: NOW))


def test_fakes_satisfy_the_ports() -> None:
    repo: OrderRepository = InMemoryOrderRepository()
    keys: ApiKeyStore = InMemoryApiKeyStore()
    assert repo is not None
    assert keys is not None


def test_create_numbers_and_stores_the_priced_order(
    create: CreateOrders, repo: InMemoryOrderRepository
) -> None:
    # WHEN two orders are created for one tenant
    first = create.create(request(), tenant_id="t", actor="key_a").order
    second = create.create(request(payment_info={"type": "card"}), tenant_id="t", actor="key_a").order
    # THEN they are numbered in turn, priced, and stored as returned
    assert (first.number, second.number) == (1, 2)
    assert first.total == second.total == 27.5
    assert first.status == OrderStatus.AWAITING_PAYMENT
    assert second.status == OrderStatus.PAID
    assert repo.get("t", first.id) == first
    assert first.sys_created_at == NOW


def test_create_with_a_key_twice_returns_the_first_order(
    create: CreateOrders, repo: InMemoryOrderRepository
) -> None:
    first = create.create(request(), tenant_id="t", actor="a", idempotency_key="k1")
    again = create.create(request(), tenant_id="t", actor="a", idempotency_key="k1")
    assert not first.replayed
    assert again.replayed
    assert again.order == first.order
    assert len(repo.orders) == 1


def test_create_with_a_reused_key_and_another_request_is_refused(create: CreateOrders) -> None:
    create.create(request(), tenant_id="t", actor="a", idempotency_key="k1")
    with pytest.raises(IdempotencyKeyReused):
        create.create(request(memo="other"), tenant_id="t", actor="a", idempotency_key="k1")


def test_same_key_for_two_tenants_makes_two_orders(
    create: CreateOrders, repo: InMemoryOrderRepository
) -> None:
    a = create.create(request(), tenant_id="a", actor="x", idempotency_key="k")
    b = create.create(request(), tenant_id="b", actor="x", idempotency_key="k")
    assert a.order.id != b.order.id
    assert len(repo.orders) == 2


def test_preview_of_an_order_naming_nothing_of_the_catalogue_touches_no_storage(
    create: CreateOrders, repo: InMemoryOrderRepository
) -> None:
    from orders_domain.services.checkout import CheckOrders

    def untouched() -> Any:
        raise AssertionError("the preview read a store")

    check = CheckOrders(untouched, untouched, create.pricing)
    priced = check.preview(request(payment_info={"type": "card"}), tenant_id="t", actor="a").priced
    assert priced.manifest.total_amount_due_at_checkout == 27.5
    assert repo.calls == []


def test_read_by_id_and_by_token_and_not_another_tenants(
    create: CreateOrders, repo: InMemoryOrderRepository
) -> None:
    order = create.create(request(), tenant_id="t", actor="a").order
    read = ReadOrders(repo)
    assert read.get("t", order.id) == order
    assert read.get("t", f"token-{order.token}") == order
    for tenant, ref in (("other", order.id), ("t", "no-such-order"), ("t", "token-short"), ("t", "bad/id")):
        with pytest.raises(NotFound):
            read.get(tenant, ref)


# ------------------------------------------------------------------ API keys
class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_warm_authenticator_reads_a_key_once_within_its_ttl() -> None:
    store, clock = InMemoryApiKeyStore(), Clock()
    store_api_key(store, "tenant-a", "the-key", ["orders:read"])
    auth = Authenticator(store, ttl_seconds=60, clock=clock)
    for _ in range(5):
        assert auth.authenticate("the-key").tenant_id == "tenant-a"
    assert store.reads == 1
    clock.now += 61
    auth.authenticate("the-key")
    assert store.reads == 2


def test_a_revoked_key_stops_working_within_the_ttl() -> None:
    # GIVEN a key a warm authorizer has verified
    store, clock = InMemoryApiKeyStore(), Clock()
    record = store_api_key(store, "tenant-a", "the-key", ["orders:read"])
    auth = Authenticator(store, ttl_seconds=60, clock=clock)
    auth.authenticate("the-key")
    # WHEN it is revoked
    assert store.revoke(record.key_id)
    # THEN it still works from memory until the TTL is up, and never after
    clock.now += 59
    auth.authenticate("the-key")
    clock.now += 2
    with pytest.raises(Unauthorized):
        auth.authenticate("the-key")


def test_unknown_keys_are_not_cached() -> None:
    store, clock = InMemoryApiKeyStore(), Clock()
    auth = Authenticator(store, ttl_seconds=60, clock=clock)
    with pytest.raises(Unauthorized):
        auth.authenticate("new-key")
    # a key created just after a failed try works at once
    store_api_key(store, "tenant-a", "new-key", ["orders:read"])
    assert auth.authenticate("new-key").scopes == ("orders:read",)


def test_keys_are_stored_as_hashes_with_a_non_secret_id() -> None:
    store = InMemoryApiKeyStore()
    record = store_api_key(store, "tenant-a", "secret-value", [])
    assert record.key_hash == hash_key("secret-value")
    assert "secret-value" not in repr(store.keys)
    assert record.scopes == ("orders:read", "orders:write", "orders:admin")
    with pytest.raises(ValueError, match="unknown scopes"):
        store_api_key(store, "tenant-a", "k", ["orders:everything"])
    with pytest.raises(ValueError, match="tenant"):
        store_api_key(store, "bad tenant!", "k", ["orders:read"])


def test_the_create_fingerprint_ignores_the_bodys_key_order_and_spacing_but_not_its_content() -> None:
    import json

    from orders_domain.services import create_fingerprint

    body = {"currency_code": "EUR", "memo": "m", "line_items": [{"quantity": 2, "unit_price": "1.5"}]}
    reordered = json.loads(json.dumps(dict(reversed(list(body.items())))))
    same = [create_fingerprint(OrderCreateRequest.model_validate(b)) for b in (body, reordered)]
    # numbers as validated: 1.5 and "1.50" are the same price
    priced_alike = {**body, "line_items": [{"unit_price": "1.50", "quantity": 2}]}
    assert same[0] == same[1] == create_fingerprint(OrderCreateRequest.model_validate(priced_alike))
    # the idempotency key itself does not count; the content does
    keyed = {**body, "duplicate_prevention_key": "k-1"}
    assert create_fingerprint(OrderCreateRequest.model_validate(keyed)) == same[0]
    other = {**body, "memo": "n"}
    assert create_fingerprint(OrderCreateRequest.model_validate(other)) != same[0]
