"""A product's stock split into buckets (issue 33): the plans of an order's draws (pure), and on moto
the reservation, the PUT, the DELETE, the releases and items written before buckets: the sum of the
buckets decides sold out, never one bucket alone, and no unit is sold twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st
from orders_domain.domain import catalogue_rules
from orders_domain.domain.catalogue_rules import Reservation
from orders_domain.domain.errors import SoldOut, Unavailable, ValidationFailed
from orders_domain.models import OrderCreateRequest
from orders_domain.models.catalogue import Product, ProductInput
from orders_domain.services import CreateOrders, Pricing
from orders_domain.storage import catalogue as catalogue_module
from orders_domain.storage import keys, stock
from orders_domain.storage import stock_keys as sk
from orders_domain.storage import stock_levels as store_module
from orders_domain.storage.catalogue import DynamoCatalogue
from orders_domain.storage.codec import typed_key
from orders_domain.storage.orders import DynamoOrderRepository, OrderRecord

from tests.fakes import InMemoryOrderRepository

N = sk.STOCK_BUCKETS
#: The fewest units a PUT spreads over all N buckets.
BIG = N * sk.BUCKET_UNITS
#: The recording client (a `Calls`, typed as the boto3 client it stands for) and the table.
Db = tuple[Any, str]
T = "tenant-a"
NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


# ============================================================================ the plans (pure)
def test_given_a_home_bucket_with_enough_when_planned_then_all_units_come_from_it() -> None:
    levels = [5] * N
    assert sk.plan(levels, 3, home=7) == [(7, 3)]


def test_given_the_last_units_scattered_over_buckets_when_an_order_asks_for_all_then_it_takes_them_all() -> (
    None
):
    # GIVEN 5 units left, one in each of 5 buckets, none in the order's own
    levels = [0] * N
    for bucket in (1, 9, 13, 20, 31):
        levels[bucket] = 1
    # WHEN an order asks for exactly 5 THEN it draws one from each
    draws = sk.plan(levels, 5, home=4)
    assert draws is not None
    assert sorted(draws) == [(1, 1), (9, 1), (13, 1), (20, 1), (31, 1)]
    # AND one more unit than is left is no plan at all (sold out), whatever bucket it starts from
    assert all(sk.plan(levels, 6, home=h) is None for h in range(N))
    assert sk.plan([0] * N, 1, home=0) is None


def test_given_a_home_bucket_short_when_planned_then_it_gives_what_it_has_and_others_the_rest() -> None:
    levels = [2] * N
    draws = sk.plan(levels, 5, home=3)
    assert draws is not None
    assert draws[0] == (3, 2)
    assert sum(u for _, u in draws) == 5
    assert len({b for b, _ in draws}) == len(draws)


def test_given_orders_whose_home_is_empty_when_planned_then_they_spread_over_the_buckets_left() -> None:
    # GIVEN only 4 buckets hold units
    levels = [0] * N
    for bucket in (2, 11, 17, 29):
        levels[bucket] = 100
    # WHEN orders from every home bucket ask for one unit THEN each of the 4 is someone's first pick
    firsts = {sk.plan(levels, 1, home=h)[0][0] for h in range(N) if h not in (2, 11, 17, 29)}  # type: ignore[index]
    assert firsts == {2, 11, 17, 29}


@given(
    st.lists(st.integers(min_value=0, max_value=6), min_size=N, max_size=N),
    st.integers(min_value=1, max_value=120),
    st.integers(min_value=0, max_value=N - 1),
)
def test_given_any_levels_when_planned_then_draws_are_exact_distinct_and_within_each_bucket(
    levels: list[int], quantity: int, home: int
) -> None:
    for draws in (sk.plan(levels, quantity, home), sk.fewest(levels, quantity)):
        if sum(levels) < quantity:
            assert draws is None
            continue
        assert draws is not None
        assert sum(u for _, u in draws) == quantity
        assert len({b for b, _ in draws}) == len(draws)  # a transaction touches an item once
        assert all(0 < u <= levels[b] for b, u in draws)


def test_given_units_scattered_when_fewest_is_asked_then_the_fullest_buckets_cover_it() -> None:
    levels = [1] * N
    levels[5], levels[6] = 10, 8
    assert sk.fewest(levels, 18) == [(5, 10), (6, 8)]


@pytest.mark.parametrize("units", [0, 1, 31, 32, 33, 100, 1_000_000_000])
@pytest.mark.parametrize("count", [1, 5, N])
def test_given_a_stock_when_split_then_the_buckets_hold_it_all_and_differ_by_at_most_one(
    units: int, count: int
) -> None:
    shares = sk.split(units, count)
    assert (len(shares), sum(shares)) == (count, units)
    assert max(shares) - min(shares) <= 1


@pytest.mark.parametrize(
    ("units", "count"),
    [
        (0, 1),
        (1, 1),
        (64, 1),
        (65, 2),
        (128, 2),
        (129, 3),
        (250, 4),
        (2047, 32),
        (2048, 32),
        (2049, 32),
        (10**9, 32),
    ],
)
def test_given_a_stock_then_it_gets_one_bucket_per_64_units_at_least_one_and_at_most_32(
    units: int, count: int
) -> None:
    assert sk.bucket_count(units) == count


def test_the_bucket_keys_are_partitions_of_their_own_and_read_back() -> None:
    key = sk.bucket_key(T, "ticket", "gala", 7)
    assert key == {"PK": "T#tenant-a#STOCK#ticket#gala#07", "SK": "STOCK"}
    assert key["PK"] != keys.catalogue_pk(T)
    assert sk.bucket_of_pk(key["PK"]) == ("ticket", "gala", 7)
    assert len({k["PK"] for k in sk.bucket_keys(T, "ticket", "gala", N)}) == N
    assert [sk.bucket_of_pk(k["PK"])[2] for k in sk.bucket_keys(T, "ticket", "gala", 3)] == [0, 1, 2]


def test_given_many_orders_when_their_home_buckets_are_taken_then_every_bucket_gets_its_share() -> None:
    counts = [0] * N
    for n in range(32_000):
        counts[sk.home_bucket(f"order-{n}", N)] += 1
    assert sk.home_bucket("order-1", N) == sk.home_bucket("order-1", N)
    assert min(counts) > 800  # ~1,000 each
    assert max(counts) < 1200
    # AND in a product of 5 buckets (not a divisor of 32) each still gets a fifth
    fifths = [0] * 5
    for n in range(5_000):
        fifths[sk.home_bucket(f"order-{n}", 5)] += 1
    assert min(fifths) > 850
    assert max(fifths) < 1150


def test_given_more_limited_products_than_one_transaction_takes_when_checked_then_400_naming_the_line() -> (
    None
):
    products = {("ticket", f"p{n}"): product(f"p{n}", 5) for n in range(99)}
    lines = [
        {"product_type": "ticket", "product_id": f"p{n}", "quantity": 1, "unit_price": "10.00"}
        for n in range(99)
    ]
    request = OrderCreateRequest.model_validate({"currency_code": "USD", "line_items": lines})
    with pytest.raises(ValidationFailed) as refused:
        catalogue_rules.lines_against(request, products, strict=False)
    assert refused.value.errors[0].field == "line_items[98]"
    fits = OrderCreateRequest.model_validate({"currency_code": "USD", "line_items": lines[:98]})
    assert len(catalogue_rules.lines_against(fits, products, strict=False).reservations) == 98


# ============================================================================ on moto
def product(product_id: str, stock_units: int | None) -> Product:
    body = {"name": "Gala", "unit_price": "10.00", "currency_code": "USD", "stock": stock_units}
    return Product.of(T, "ticket", product_id, ProductInput.model_validate(body))


class Calls:
    """A DynamoDB client that records every call, and may refuse the next ones (`fail`)."""

    def __init__(self, client: Any) -> None:
        self.client, self.made, self.failing = client, [], []  # type: ignore[var-annotated]

    def fail(self, operation: str, code: str, reasons: list[str] | None = None, times: int = 1) -> None:
        self.failing += [(operation, code, reasons)] * times

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.client, name)

        def call(**kwargs: Any) -> Any:
            self.made.append((name, kwargs))
            for i, (operation, code, reasons) in enumerate(self.failing):
                if operation == name:
                    del self.failing[i]
                    error: Any = {"Error": {"Code": code, "Message": "refused"}}
                    if reasons is not None:
                        error["CancellationReasons"] = [{"Code": r} for r in reasons]
                    raise ClientError(error, name)
            return method(**kwargs)

        return call

    def count(self, name: str) -> int:
        return sum(1 for made, _ in self.made if made == name)


@pytest.fixture
def db(tables: dict[str, str]) -> Iterator[Db]:
    store_module._recent.clear()
    yield Calls(boto3.client("dynamodb", region_name="us-east-1")), tables["OrdersTable"]
    store_module._recent.clear()


def creator(db: Db) -> CreateOrders:
    client, table = db
    return CreateOrders(
        DynamoOrderRepository(client, table),
        pricing=Pricing(clock=lambda: NOW),
        catalogue=lambda: DynamoCatalogue(client, table),
    )


def order(db: Db, quantity: int = 1, product_id: str = "gala", **more: int) -> Any:
    lines = [
        {"product_type": "ticket", "product_id": product_id, "quantity": quantity, "unit_price": "10.00"}
    ]
    lines += [
        {"product_type": "ticket", "product_id": p, "quantity": q, "unit_price": "10.00"}
        for p, q in more.items()
    ]
    request = OrderCreateRequest.model_validate({"currency_code": "USD", "line_items": lines})
    return creator(db).create(request, tenant_id=T, actor="k").order


def levels(db: Db, product_id: str = "gala") -> list[int]:
    client, table = db
    found = store_module.read_levels(client.client, table, T, [("ticket", product_id)], consistent=True)
    buckets = found[("ticket", product_id)].buckets
    assert buckets is not None
    return list(buckets)


def set_levels(db: Db, units: dict[int, int], product_id: str = "gala") -> None:
    client, table = db
    for bucket in range(N):
        item = store_module.bucket_put(table, T, ("ticket", product_id), bucket, units.get(bucket, 0))
        client.client.put_item(**item["Put"])


def item_of(db: Db, key: dict[str, str]) -> dict[str, Any] | None:
    client, table = db
    return client.client.get_item(TableName=table, Key=typed_key(key), ConsistentRead=True).get("Item")


def test_given_a_put_then_the_stock_is_split_over_buckets_of_their_own_and_read_as_their_sum(
    db: Db,
) -> None:
    client, table = db
    store = DynamoCatalogue(client, table)
    store.put(product("gala", 100))
    # its bucket count read (nothing there yet), then the product and its 2 buckets: all or nothing
    assert (client.count("get_item"), client.count("transact_write_items")) == (1, 1)
    sent = next(kw for name, kw in client.made if name == "transact_write_items")
    assert len(sent["TransactItems"]) == 3
    assert levels(db) == sk.split(100, 2) == [50, 50]
    stored = item_of(db, keys.product_key(T, "ticket", "gala"))
    assert stored is not None
    assert "stock" not in stored
    assert stored["stock_buckets"] == {"N": "2"}
    assert store.get(T, "ticket", "gala", consistent=True).stock_available == 100  # type: ignore[union-attr]
    assert store.get_many(T, [("ticket", "gala")])[("ticket", "gala")].stock_available == 100
    assert store.page(T, limit=5)[0][0].stock_available == 100


def test_given_units_only_in_other_buckets_when_an_order_takes_the_last_ones_then_it_is_made(
    db: Db,
) -> None:
    # GIVEN 3 units left, in 3 buckets that are not the next order's own
    DynamoCatalogue(*db).put(product("gala", BIG))
    set_levels(db, {0: 1, 10: 1, 20: 1})
    # WHEN an order asks for all 3 THEN it is made and every bucket is empty
    made = order(db, 3)
    assert made.line_items[0].stock_reserved == 3
    assert levels(db) == [0] * N
    # AND the next order of one unit is sold out, naming its line, and nothing is written
    with pytest.raises(SoldOut) as refused:
        order(db, 1)
    assert refused.value.errors[0].field == "line_items[0]"


def test_given_3_units_when_an_order_asks_for_4_then_sold_out_and_no_bucket_moves(
    db: Db,
) -> None:
    DynamoCatalogue(*db).put(product("gala", 3))
    with pytest.raises(SoldOut):
        order(db, 4)
    assert sum(levels(db)) == 3
    assert (
        db[0].client.scan(
            TableName=db[1], FilterExpression="SK = :o", ExpressionAttributeValues={":o": {"S": "ORDER"}}
        )["Count"]
        == 0
    )


def test_given_5_units_when_5_orders_of_one_then_all_made_and_the_6th_refused_without_a_write(
    db: Db,
) -> None:
    DynamoCatalogue(*db).put(product("gala", 5))
    for _ in range(5):
        order(db)
    assert sum(levels(db)) == 0
    writes = db[0].count("transact_write_items")
    with pytest.raises(SoldOut):
        order(db)
    # the refusal rests on this process's read of a moment ago: no transaction is sent
    assert db[0].count("transact_write_items") == writes


def test_given_two_products_one_short_when_ordered_then_only_its_line_is_named_and_nothing_is_taken(
    db: Db,
) -> None:
    store = DynamoCatalogue(*db)
    store.put(product("gala", 5))
    store.put(product("dinner", 1))
    with pytest.raises(SoldOut) as refused:
        order(db, 2, dinner=2)
    assert [e.field for e in refused.value.errors] == ["line_items[1]"]
    assert (sum(levels(db)), sum(levels(db, "dinner"))) == (5, 1)


def test_given_a_common_create_then_it_draws_from_its_own_bucket_without_reading_the_buckets(
    db: Db,
) -> None:
    DynamoCatalogue(*db).put(product("gala", 3200))
    client = db[0]
    client.made.clear()
    made = order(db)
    sent = [kw for name, kw in client.made if name == "transact_write_items"]
    assert len(sent) == 1
    written = [next(iter(i.values()))["Key"]["PK"]["S"] for i in sent[0]["TransactItems"][1:]]
    assert written == [sk.bucket_key(T, "ticket", "gala", sk.home_bucket(made.id, N))["PK"]]
    assert keys.catalogue_pk(T) not in written  # a sale does not write the catalogue partition


def test_given_a_bucket_met_by_a_concurrent_sale_when_created_then_it_tries_another_and_is_made(
    db: Db,
) -> None:
    DynamoCatalogue(*db).put(product("gala", 3200))
    db[0].fail("transact_write_items", "TransactionCanceledException", ["None", "TransactionConflict"])
    made = order(db)
    assert sum(levels(db)) == 3199
    assert levels(db)[(sk.home_bucket(made.id, N) + 1) % N] == 99


def test_given_a_conflict_on_every_attempt_when_created_then_503_and_nothing_taken(
    db: Db,
) -> None:
    DynamoCatalogue(*db).put(product("gala", 3200))
    db[0].fail(
        "transact_write_items", "TransactionCanceledException", ["None", "TransactionConflict"], times=8
    )
    with pytest.raises(Unavailable):
        order(db)
    assert sum(levels(db)) == 3200


def test_given_the_last_units_of_4_products_scattered_when_one_order_takes_them_then_they_are_gathered(
    db: Db,
) -> None:
    # GIVEN 4 products of 32 units, one in each bucket: taking them all is 128 draws, past one transaction
    store = DynamoCatalogue(*db)
    for name in ("a", "b", "c", "d"):
        store.put(product(name, BIG))
        set_levels(db, dict.fromkeys(range(N), 1), name)
    # WHEN one order asks for every unit of the four
    made = order(db, N, product_id="a", b=N, c=N, d=N)
    # THEN it is made and nothing is left of any
    assert [line.stock_reserved for line in made.line_items] == [N] * 4
    assert [sum(levels(db, name)) for name in ("a", "b", "c", "d")] == [0, 0, 0, 0]


def test_given_an_item_written_before_buckets_then_it_reads_and_the_first_reservation_moves_it(
    db: Db,
) -> None:
    # GIVEN a product as issue 31 wrote it: its units in the product item's `stock`
    client, table = db
    item = catalogue_module.product_item(product("old", None))
    client.client.put_item(TableName=table, Item={**item, "stock": {"N": "40"}})
    store = DynamoCatalogue(client, table)
    assert store.get(T, "ticket", "old", consistent=True).stock_available == 40  # type: ignore[union-attr]
    # WHEN an order takes 3 of them
    order(db, 3, product_id="old")
    # THEN the units are in buckets now (37 left), and the product item says how many (40: one)
    stored = item_of(db, keys.product_key(T, "ticket", "old"))
    assert stored is not None
    assert "stock" not in stored
    assert stored["stock_buckets"] == {"N": "1"}
    assert sum(levels(db, "old")) == 37
    assert store.get(T, "ticket", "old", consistent=True).stock_available == 37  # type: ignore[union-attr]


def test_given_an_item_written_before_buckets_when_units_come_back_then_its_stock_takes_them(
    db: Db,
) -> None:
    client, table = db
    item = catalogue_module.product_item(product("old", None))
    client.client.put_item(TableName=table, Item={**item, "stock": {"N": "4"}})
    back = stock.increments(
        client, table, T, [Reservation("ticket", "old", 2, "line_items[0]")], order_id="o-1"
    )
    client.client.transact_write_items(TransactItems=back)
    assert item_of(db, keys.product_key(T, "ticket", "old"))["stock"] == {"N": "6"}  # type: ignore[index]


def test_given_units_given_back_then_they_go_to_the_orders_own_bucket_and_are_sold_again(
    db: Db,
) -> None:
    client, table = db
    DynamoCatalogue(client, table).put(product("gala", BIG))
    set_levels(db, {})
    with pytest.raises(SoldOut):  # this process now remembers the product sold out
        order(db, 1)
    back = stock.increments(
        client, table, T, [Reservation("ticket", "gala", 2, "line_items[0]")], order_id="o-1"
    )
    client.client.transact_write_items(TransactItems=back)
    assert levels(db)[sk.home_bucket("o-1", N)] == 2
    order(db, 2)
    assert sum(levels(db)) == 0


def test_given_a_deleted_product_then_its_buckets_are_gone_and_a_reservation_planned_before_is_refused(
    db: Db,
) -> None:
    client, table = db
    store = DynamoCatalogue(client, table)
    store.put(product("gala", 10))
    assert store.delete(T, "ticket", "gala") is True
    assert all(item_of(db, k) is None for k in sk.bucket_keys(T, "ticket", "gala", N))
    # a create that read the product before the delete reserves against it now: sold out
    made = unplaced()
    item = OrderRecord(order=made).to_item()
    with pytest.raises(SoldOut):
        stock.create_reserving(
            client, table, made, item, [Reservation("ticket", "gala", 1, "line_items[0]")], None
        )
    assert item_of(db, keys.order_key(T, made.id)) is None
    # and units given back to it go nowhere
    assert stock.increments(client, table, T, [Reservation("ticket", "gala", 1, "x")], order_id="o") == []
    assert store.delete(T, "ticket", "gala") is False


def unplaced() -> Any:
    """An order (not stored) to reserve against directly."""
    request = OrderCreateRequest.model_validate(
        {"currency_code": "USD", "line_items": [{"quantity": 1, "unit_price": "1.00"}]}
    )
    repo = InMemoryOrderRepository()
    return (
        CreateOrders(repo, pricing=Pricing(clock=lambda: NOW)).create(request, tenant_id=T, actor="k").order
    )


def test_given_a_put_of_unlimited_stock_then_the_buckets_are_removed(db: Db) -> None:
    store = DynamoCatalogue(*db)
    store.put(product("gala", 10))
    store.put(product("gala", None))
    assert store.get(T, "ticket", "gala", consistent=True).stock_available is None  # type: ignore[union-attr]
    assert all(item_of(db, k) is None for k in sk.bucket_keys(T, "ticket", "gala", N))


def test_given_a_sale_drawing_from_a_bucket_when_the_admin_puts_then_the_writes_go_one_at_a_time(
    db: Db,
) -> None:
    # GIVEN a product of 32 buckets, and a PUT whose transaction meets a sale and whose first bucket
    # write meets one too
    client, table = db
    store = DynamoCatalogue(client, table)
    store.put(product("gala", BIG))
    client.made.clear()
    client.fail("transact_write_items", "TransactionCanceledException", ["None", "TransactionConflict"])
    client.fail("put_item", "TransactionConflictException")
    # WHEN the admin puts 100 units (2 buckets)
    store.put(product("gala", 100))
    # THEN the buckets hold their shares, the product item was written after them, and only then
    # the 30 buckets beyond its new count were removed
    assert levels(db) == [50, 50]
    writes = [
        (name, kw.get("Item", kw.get("Key"))["PK"]["S"])
        for name, kw in client.made
        if name in ("put_item", "delete_item")
    ]
    bucket_pks = [k["PK"] for k in sk.bucket_keys(T, "ticket", "gala", N)]
    assert (
        writes
        == [
            ("put_item", bucket_pks[0]),  # met a sale: sent again
            ("put_item", bucket_pks[0]),
            ("put_item", bucket_pks[1]),
            ("put_item", keys.catalogue_pk(T)),
            *[("delete_item", pk) for pk in bucket_pks[2:]],
        ]
    )
    assert all(item_of(db, k) is None for k in sk.bucket_keys(T, "ticket", "gala", N)[2:])
    # AND a DELETE that meets a sale removes the product first, then its buckets
    client.fail("transact_write_items", "TransactionCanceledException", ["None", "TransactionConflict"])
    assert store.delete(T, "ticket", "gala") is True
    assert store.get(T, "ticket", "gala") is None
    assert all(item_of(db, k) is None for k in sk.bucket_keys(T, "ticket", "gala", N))


@pytest.mark.parametrize(("before", "after"), [(BIG, 100), (100, 3000), (250, None), (None, 250)])
def test_given_a_product_when_put_with_another_bucket_count_then_its_buckets_are_exactly_the_new_ones(
    db: Db, before: int | None, after: int | None
) -> None:
    store = DynamoCatalogue(*db)
    store.put(product("gala", before))
    store.put(product("gala", after))
    count = 0 if after is None else sk.bucket_count(after)
    there = [item_of(db, k) is not None for k in sk.bucket_keys(T, "ticket", "gala", N)]
    assert there == [True] * count + [False] * (N - count)
    if after is not None:
        assert levels(db) == sk.split(after, count)
    assert store.get(T, "ticket", "gala", consistent=True).stock_available == after  # type: ignore[union-attr]


def test_given_another_put_between_the_count_read_and_the_write_when_put_then_it_is_made_again(
    db: Db,
) -> None:
    client, table = db
    store = DynamoCatalogue(client, table)
    store.put(product("gala", BIG))
    # GIVEN the transaction finds the product's count changed since it was read (another PUT)
    client.made.clear()
    client.fail("transact_write_items", "TransactionCanceledException", ["None", "ConditionalCheckFailed"])
    # WHEN put THEN the count is read again and the PUT made
    store.put(product("gala", 100))
    assert (client.count("get_item"), client.count("transact_write_items")) == (2, 2)
    assert levels(db) == [50, 50]
    # AND when it is changed every time: 503, and the product is as the last PUT that landed left it
    client.fail("transact_write_items", "TransactionCanceledException", ["ConditionalCheckFailed"], times=10)
    with pytest.raises(Unavailable):
        store.put(product("gala", 7))
    assert levels(db) == [50, 50]
    client.fail("transact_write_items", "TransactionCanceledException", ["ConditionalCheckFailed"], times=10)
    with pytest.raises(Unavailable):
        store.delete(T, "ticket", "gala")
    assert sum(levels(db)) == 100


def test_given_a_product_shrunk_by_another_instance_when_a_create_draws_unread_then_it_reads_and_is_made(
    db: Db,
) -> None:
    client, table = db
    store = DynamoCatalogue(client, table)
    store.put(product("gala", BIG))
    # GIVEN this instance read the product (32 buckets) a moment ago
    store.lookup(T, [("ticket", "gala")], levels=False)
    # AND another instance has since put 100 units: 2 buckets, the other 30 removed
    other = DynamoCatalogue(boto3.client("dynamodb", region_name="us-east-1"), table)
    kept = store_module.recent_items.recalled(table, keys.product_key(T, "ticket", "gala"))
    other.put(product("gala", 100))
    assert kept is not None
    # (as another instance's PUT leaves this one's memory: the item it read before)
    store_module.recent_items.read_through(table, [keys.product_key(T, "ticket", "gala")], lambda _: [kept])
    assert sk.count_of(kept) == N
    # WHEN orders are created THEN each is made from the 2 buckets there are, none from a removed one
    for _ in range(6):
        order(db)
    assert sum(levels(db)) == 94
    assert all(item_of(db, k) is None for k in sk.bucket_keys(T, "ticket", "gala", N)[2:])


def test_given_units_given_back_to_a_product_of_few_buckets_then_they_go_to_one_of_its_own(
    db: Db,
) -> None:
    client, table = db
    DynamoCatalogue(client, table).put(product("gala", 250))
    back = stock.increments(
        client, table, T, [Reservation("ticket", "gala", 2, "line_items[0]")], order_id="o-7"
    )
    assert len(back) == 1
    client.client.transact_write_items(TransactItems=back)
    expected = sk.split(250, 4)
    expected[sk.home_bucket("o-7", 4)] += 2
    assert levels(db) == expected


def test_given_a_create_read_then_limited_products_come_without_their_levels_and_nothing_more_is_read(
    db: Db,
) -> None:
    client, table = db
    store = DynamoCatalogue(client, table)
    store.put(product("gala", 10))
    store.put(product("free", None))
    client.made.clear()
    found, _ = store.lookup(T, [("ticket", "gala"), ("ticket", "free")], levels=False)
    assert found[("ticket", "gala")].stock_available == catalogue_module.LEVEL_NOT_READ
    assert found[("ticket", "free")].stock_available is None
    assert client.count("batch_get_item") == 1
    answered, _ = store.lookup(T, [("ticket", "gala")])
    assert answered[("ticket", "gala")].stock_available == 10


def test_given_levels_read_when_this_process_sells_then_they_age_from_the_read_not_from_the_sales(
    db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, table = db
    DynamoCatalogue(client, table).put(product("gala", 64))
    ref = ("ticket", "gala")
    read = store_module.read_levels(client, table, T, [ref])[ref]
    store_module.remember(table, T, {ref: read.less([(0, 2)])})
    recalled = store_module.recalled(table, T, [ref])[ref]
    assert recalled.buckets is not None
    assert (recalled.buckets[0], recalled.read_at) == (62, read.read_at)
    later = read.read_at + store_module.RECENT_SECONDS
    monkeypatch.setattr(store_module, "time", SimpleNamespace(monotonic=lambda: later))
    assert store_module.recalled(table, T, [ref]) == {}
