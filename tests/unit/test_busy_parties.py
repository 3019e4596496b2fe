"""Busy parties (storage.busy_parties, storage.party_keys): an instance spreads a party's rows only
after it has written several of its orders in a short time, and only after putting its marker; an
ordinary customer's rows stay on shard 0. The backfill marks parties that earlier builds spread."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import boto3
from orders_domain.models import Order
from orders_domain.storage import keys
from orders_domain.storage.busy_parties import BUSY_ORDERS, WINDOW_SECONDS, BusyParties, busy_of
from orders_domain.storage.party_keys import PARTY_SHARDS, busy_party_key, party_index_attributes

from local.mark_busy_parties import mark

WALK_UP = ("contact", "walk-up")


class Client:
    """The DynamoDB calls BusyParties makes: each marker written, in order."""

    def __init__(self) -> None:
        self.puts: list[dict[str, Any]] = []

    def update_item(self, **call: Any) -> None:
        self.puts.append(call)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def order(order_id: str, bill_to: tuple[str, str] = WALK_UP, ship_to: tuple[str, str] | None = None) -> Order:
    """The fields of an order that name its parties."""
    fields: dict[str, Any] = {"tenant_id": "t1", "id": order_id, "bill_to_type": bill_to[0]}
    fields[f"bill_to_{bill_to[0]}_id"] = bill_to[1]
    fields.update(ship_to_type=ship_to[0] if ship_to else None)
    if ship_to:
        fields[f"ship_to_{ship_to[0]}_id"] = ship_to[1]
    for role in ("bill_to", "ship_to"):
        for kind in ("contact", "organization"):
            fields.setdefault(f"{role}_{kind}_id", None)
    return cast(Order, SimpleNamespace(**fields))


def test_given_a_party_on_its_third_order_in_the_window_then_its_marker_is_put_before_it_spreads() -> None:
    client, clock = Client(), Clock()
    busy = BusyParties(client, "orders", clock=clock)  # type: ignore[arg-type]
    got = []
    for n in range(BUSY_ORDERS + 2):
        clock.now += 1
        got.append(busy.busy_for(order(f"o{n}")))
    # THEN the first orders stay on shard 0; the one that makes it busy spreads, after its marker
    assert got[: BUSY_ORDERS - 1] == [frozenset()] * (BUSY_ORDERS - 1)
    assert got[BUSY_ORDERS - 1 :] == [frozenset({WALK_UP})] * 3
    assert [p["Key"]["PK"]["S"] for p in client.puts] == [busy_party_key("t1", WALK_UP)["PK"]]


def test_given_one_order_written_again_and_again_then_its_party_never_becomes_busy() -> None:
    client, clock = Client(), Clock()
    busy = BusyParties(client, "orders", clock=clock)  # type: ignore[arg-type]
    for _ in range(10):  # a patch, a fulfilment, a refund... of the same order
        clock.now += 0.1
        assert busy.busy_for(order("o1")) == frozenset()
    assert client.puts == []


def test_given_orders_further_apart_than_the_window_then_the_party_stays_on_shard_0() -> None:
    client, clock = Client(), Clock()
    busy = BusyParties(client, "orders", clock=clock)  # type: ignore[arg-type]
    for n in range(10):
        clock.now += WINDOW_SECONDS / (BUSY_ORDERS - 1) + 0.01
        assert busy.busy_for(order(f"o{n}")) == frozenset()
    assert client.puts == []


def test_given_many_parties_then_the_instance_remembers_a_bounded_number() -> None:
    client, clock = Client(), Clock()
    busy = BusyParties(client, "orders", clock=clock, parties=50)  # type: ignore[arg-type]
    for n in range(1000):
        busy.busy_for(order(f"o{n}", ("contact", f"c{n}"), ("organization", f"org{n}")))
    assert len(busy._seen) == 50
    assert client.puts == []


def test_given_bill_to_and_ship_to_the_same_party_then_one_order_counts_once() -> None:
    client, clock = Client(), Clock()
    busy = BusyParties(client, "orders", clock=clock)  # type: ignore[arg-type]
    for n in range(BUSY_ORDERS - 1):
        assert busy.busy_for(order(f"o{n}", WALK_UP, WALK_UP)) == frozenset()
    assert busy.busy_for(order("last", WALK_UP, WALK_UP)) == frozenset({WALK_UP})
    attributes = party_index_attributes(order("o9", WALK_UP, WALK_UP), "s", 13, {WALK_UP})
    shard = 13 % PARTY_SHARDS
    assert attributes["bill_to_pk"] == keys.party_pk("t1", keys.BILL_TO, *WALK_UP, shard)
    assert attributes["ship_to_pk"] == keys.party_pk("t1", keys.SHIP_TO, *WALK_UP, shard)
    assert party_index_attributes(order("o9"), "s", 13, ())["bill_to_pk"] == keys.party_pk(
        "t1", keys.BILL_TO, *WALK_UP
    )


def test_given_rows_spread_by_an_earlier_build_when_marked_then_lookups_find_the_markers_once(
    tables: dict[str, str],
) -> None:
    # GIVEN order items whose party keys are off shard 0 with no marker (as builds before it wrote
    # them), one party on two shards and in both roles, another on shard 0 only
    client = boto3.client("dynamodb", region_name="us-east-1")
    table = tables["OrdersTable"]
    rows = [
        ("o1", keys.party_pk("t1", keys.BILL_TO, "contact", "c#1~x", 3), "bill_to_pk"),
        ("o2", keys.party_pk("t1", keys.SHIP_TO, "contact", "c#1~x", 5), "ship_to_pk"),
        ("o3", keys.party_pk("t2", keys.BILL_TO, "organization", "org-1", 0), "bill_to_pk"),
    ]
    for oid, pk, attribute in rows:
        item = {**{k: {"S": v} for k, v in keys.order_key("t1", oid).items()}, attribute: {"S": pk}}
        client.put_item(TableName=table, Item=item)
    assert busy_of(client, table, "t1", [("contact", "c#1~x")]) == set()
    # WHEN the backfill runs (a dry run first), twice
    assert mark(client, table, dry_run=True) == [("t1", ("contact", "c#1~x"))]
    assert busy_of(client, table, "t1", [("contact", "c#1~x")]) == set()
    assert mark(client, table) == [("t1", ("contact", "c#1~x"))]
    assert mark(client, table) == [("t1", ("contact", "c#1~x"))]
    # THEN the spread party has its marker, the one on shard 0 none
    assert busy_of(client, table, "t1", [("contact", "c#1~x"), ("contact", "other")]) == {
        ("contact", "c#1~x")
    }
    assert busy_of(client, table, "t2", [("organization", "org-1")]) == set()


def test_given_threads_sharing_one_instance_when_they_write_orders_at_once_then_nothing_breaks() -> None:
    # GIVEN one instance's view shared by 8 threads (make serve's), remembering 50 parties
    import threading

    client = Client()
    busy = BusyParties(client, "orders", parties=50)  # type: ignore[arg-type]
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for n in range(300):
                busy.busy_for(order(f"o{t}-{n}", ("contact", f"c{n % 80}")))
        except BaseException as exc:  # noqa: BLE001 - the test reports any
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN no thread failed, the memory stayed bounded, and the busy parties were marked before use
    assert errors == []
    assert len(busy._seen) <= 50
    assert {p["Key"]["PK"]["S"] for p in client.puts} == {
        busy_party_key("t1", party)["PK"] for _, party in busy.busy
    }
