"""History entries on DynamoDB Local: written once, read back in order, rebuilding every version."""

from __future__ import annotations

import json
from typing import Any

import boto3
from orders_domain.domain import history_entries
from orders_domain.domain.ports import HistoryStore
from orders_domain.models import OrderCreateRequest
from orders_domain.services import CreateOrders
from orders_domain.storage.history import DynamoHistoryStore
from orders_domain.storage.orders import DynamoOrderRepository


def stores(tables: dict[str, str], endpoint: str) -> tuple[DynamoOrderRepository, HistoryStore]:
    client = boto3.client("dynamodb", endpoint_url=endpoint)
    store: HistoryStore = DynamoHistoryStore(client, tables["OrdersTable"])  # the port, checked by mypy
    return DynamoOrderRepository(client, tables["OrdersTable"]), store


def document(repo: DynamoOrderRepository, lines: int = 1) -> dict[str, Any]:
    request = OrderCreateRequest.model_validate(
        {"line_items": [{"quantity": 1, "unit_price": "2.50", "sku": f"S{n}"} for n in range(lines)]}
    )
    order = CreateOrders(repo).create(request, tenant_id="tenant-a", actor="key_a").order
    loaded: dict[str, Any] = json.loads(order.model_dump_json(exclude_none=True))
    return loaded


def test_given_three_versions_when_appended_twice_then_stored_once_and_rebuilt_exactly(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    repo, store = stores(tables, dynamodb_endpoint)
    v1 = document(repo)
    v2 = {**v1, "memo": "gift", "sys_version": 2}
    v3 = {**v2, "status": "cancelled", "sys_version": 3}
    entries = [
        history_entries.entry_for(None, v1),
        history_entries.entry_for(v1, v2),
        history_entries.entry_for(v2, v3),
    ]
    # WHEN each entry is appended, and then all of them again (a redelivered batch)
    assert [store.append("tenant-a", v1["id"], e) for e in entries] == [True, True, True]
    assert [store.append("tenant-a", v1["id"], e) for e in entries] == [False, False, False]
    # THEN the order's history reads back once, oldest first, equal to what was written
    stored = store.entries("tenant-a", v1["id"])
    assert stored == entries
    assert [e.event.value for e in stored] == ["OrderCreated", "OrderUpdated", "OrderCancelled"]
    assert store.entries("tenant-a", v1["id"], upto=2) == entries[:2]
    # AND every version rebuilds exactly; the order item itself is untouched
    assert [history_entries.rebuild(stored, v) for v in (1, 2, 3)] == [v1, v2, v3]
    assert repo.get("tenant-a", v1["id"], consistent=True) is not None
    assert store.entries("tenant-b", v1["id"]) == []


def test_a_500_line_orders_entry_fits_in_one_item(tables: dict[str, str], dynamodb_endpoint: str) -> None:
    repo, store = stores(tables, dynamodb_endpoint)
    big = document(repo, lines=500)
    assert store.append("tenant-a", big["id"], history_entries.entry_for(None, big))
    (stored,) = store.entries("tenant-a", big["id"])
    assert history_entries.rebuild([stored], 1) == big
