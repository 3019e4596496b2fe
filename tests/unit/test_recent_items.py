"""The catalogue items every create reads, kept a few seconds per process: one partition's reads
bounded by instances, not by the create rate; a write through this process seen at once."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import boto3
from orders_domain.models.catalogue import Product, ProductInput
from orders_domain.storage import recent_items
from orders_domain.storage.catalogue import DynamoCatalogue
from orders_domain.storage.recent_items import FRESH_SECONDS, forget, read_through

TABLE = "recent-items-test"
GALA = {"name": "Gala", "unit_price": "10.00", "currency_code": "USD", "stock": None}


class Store:
    """Typed items by key, and every read asked of it."""

    def __init__(self, items: dict[tuple[str, str], str]) -> None:
        self.items = items
        self.reads: list[list[tuple[str, str]]] = []

    def read(self, keys: list[Mapping[str, str]]) -> list[dict[str, Any]]:
        asked = [(k["PK"], k["SK"]) for k in keys]
        self.reads.append(asked)
        return [
            {"PK": {"S": pk}, "SK": {"S": sk}, "doc": {"S": self.items[pk, sk]}}
            for pk, sk in asked
            if (pk, sk) in self.items
        ]


def key(sk: str) -> dict[str, str]:
    return {"PK": "T#t#CATALOGUE", "SK": sk}


def docs(items: list[dict[str, Any]]) -> set[str]:
    return {item["doc"]["S"] for item in items}


def test_given_items_read_a_moment_ago_when_read_again_then_from_memory_until_they_are_stale() -> None:
    store, now = Store({("T#t#CATALOGUE", "SETTINGS"): "s1", ("T#t#CATALOGUE", "PRODUCT#a#1"): "p1"}), [0.0]
    wanted = [key("SETTINGS"), key("PRODUCT#a#1"), key("PRODUCT#a#unknown")]
    table = f"{TABLE}-fresh"
    assert docs(read_through(table, wanted, store.read, clock=lambda: now[0])) == {"s1", "p1"}
    now[0] = FRESH_SECONDS - 0.01
    store.items[("T#t#CATALOGUE", "PRODUCT#a#1")] = "p2"  # changed through another instance
    assert docs(read_through(table, wanted, store.read, clock=lambda: now[0])) == {"s1", "p1"}
    assert len(store.reads) == 1  # the unknown product is remembered as absent as well
    now[0] = FRESH_SECONDS
    assert docs(read_through(table, wanted, store.read, clock=lambda: now[0])) == {"s1", "p2"}
    assert len(store.reads) == 2


def test_given_a_write_through_this_process_when_read_again_then_the_write_is_seen_at_once() -> None:
    store = Store({("T#t#CATALOGUE", "PRODUCT#a#1"): "p1"})
    table = f"{TABLE}-forget"
    read_through(table, [key("PRODUCT#a#1")], store.read, clock=lambda: 0.0)
    store.items[("T#t#CATALOGUE", "PRODUCT#a#1")] = "p2"
    forget(table, [key("PRODUCT#a#1")])
    assert docs(read_through(table, [key("PRODUCT#a#1")], store.read, clock=lambda: 0.0)) == {"p2"}
    # only what was forgotten is read again
    assert store.reads[-1] == [("T#t#CATALOGUE", "PRODUCT#a#1")]


def test_given_more_items_than_it_keeps_then_the_oldest_go_first(monkeypatch: Any) -> None:
    monkeypatch.setattr(recent_items, "MOST_KEPT", 3)
    store = Store({("T#t#CATALOGUE", f"P#{n}"): str(n) for n in range(5)})
    table = f"{TABLE}-bounded"
    for n in range(5):
        read_through(table, [key(f"P#{n}")], store.read, clock=lambda: 0.0)
    kept = [k for k in recent_items._kept if k[0] == table]
    assert [k[2] for k in kept] == ["P#2", "P#3", "P#4"]


def test_given_the_create_s_catalogue_read_when_repeated_then_one_batch_get_and_a_put_here_is_seen(
    tables: dict[str, str],
) -> None:
    # GIVEN a product in the tenant's catalogue, and the read a create makes (levels False)
    client = boto3.client("dynamodb", region_name="us-east-1")
    reads: list[str] = []
    client.meta.events.register("before-call.dynamodb.BatchGetItem", lambda **_: reads.append("batch"))
    store = DynamoCatalogue(client, tables["OrdersTable"])
    store.put(Product.of("t", "ticket", "gala", ProductInput.model_validate(GALA)))
    # WHEN three creates look it up in a row
    prices = [
        store.lookup("t", [("ticket", "gala")], levels=False)[0]["ticket", "gala"].unit_price
        for _ in range(3)
    ]
    # THEN one BatchGetItem served them all
    assert prices == [Decimal("10.00")] * 3
    assert reads == ["batch"]
    # WHEN the product's price is put through this process
    store.put(Product.of("t", "ticket", "gala", ProductInput.model_validate({**GALA, "unit_price": "12.00"})))
    # THEN the next create's read sees it at once
    assert store.lookup("t", [("ticket", "gala")], levels=False)[0]["ticket", "gala"].unit_price == Decimal(
        "12.00"
    )
    # AND a read that answers stock levels (describe, availability) is never served from memory
    store.lookup("t", [("ticket", "gala")])
    assert reads == ["batch", "batch", "batch"]
