"""Stock split into buckets never oversells (issue 33), on DynamoDB Local's real transactions: many
Lambda instances creating orders of the same product at once, until it is sold out (exactly the
stock is sold, every order holds what it asked, no bucket below zero), an admin's PUT in the middle
of such a sale, and what one reservation writes (the partitions and the capacity)."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from orders_domain.models.catalogue import Product, ProductInput
from orders_domain.storage import keys
from orders_domain.storage import stock_keys as sk
from orders_domain.storage import stock_levels as store_module
from orders_domain.storage.catalogue import DynamoCatalogue
from orders_domain.storage.codec import typed_key

from local.lambda_runtime import InstancePool
from tests.helpers import body_of, create_event

T = "tenant-a"
WORKERS = 16


def order(quantity: int) -> dict[str, Any]:
    line = {"product_type": "ticket", "product_id": "gala", "quantity": quantity, "unit_price": "40.00"}
    return {"currency_code": "USD", "line_items": [line]}


def stocked(tables: dict[str, str], endpoint: str, units: int) -> DynamoCatalogue:
    store = DynamoCatalogue(boto3.client("dynamodb", endpoint_url=endpoint), tables["OrdersTable"])
    body = {"name": "Gala", "unit_price": "40.00", "currency_code": "USD", "stock": units}
    store.put(Product.of(T, "ticket", "gala", ProductInput.model_validate(body)))
    return store


def buckets(store: DynamoCatalogue, tables: dict[str, str]) -> list[int]:
    levels = store_module.read_levels(
        store._client, tables["OrdersTable"], T, [("ticket", "gala")], consistent=True
    )
    found = levels[("ticket", "gala")].buckets
    assert found is not None
    return list(found)


class Sale:
    """Workers creating orders of the product through the create route until each is told it is
    sold out; a 503 (every attempt met a concurrent sale) is sent again, as a client would."""

    def __init__(self) -> None:
        self.pool = InstancePool("functions.create_order.app", timeout_seconds=60)
        self.made: list[tuple[float, int, dict[str, Any]]] = []  # (when sent, asked, answer)
        self.refused: list[dict[str, Any]] = []
        self.retried = 0
        self.faults: list[Any] = []
        self._lock = threading.Lock()

    def worker(self, seed: int, quantities: tuple[int, ...]) -> None:
        rng = random.Random(seed)
        while True:
            asked = rng.choice(quantities)
            sent = time.monotonic()
            answer = self.pool.invoke(create_event(order(asked)))
            with self._lock:
                if answer["statusCode"] == 201:
                    self.made.append((sent, asked, body_of(answer)))
                elif answer["statusCode"] == 409:
                    self.refused.append(body_of(answer))
                    return
                elif answer["statusCode"] == 503:
                    self.retried += 1
                else:
                    self.faults.append(answer)
                    return

    def run(self, quantities: tuple[int, ...], workers: int = WORKERS) -> None:
        with ThreadPoolExecutor(max_workers=workers) as executor:
            list(executor.map(lambda n: self.worker(n, quantities), range(workers)))

    def sold(self) -> int:
        return sum(line["stock_reserved"] for _, _, made in self.made for line in made["line_items"])


@pytest.mark.usefixtures("dynamodb_endpoint")
def test_given_a_product_when_many_instances_buy_it_until_sold_out_then_exactly_its_stock_is_sold(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    # GIVEN 300 units over the buckets
    store = stocked(tables, dynamodb_endpoint, 300)
    sale = Sale()
    # WHEN 16 instances buy 1 to 3 units at a time until each is told it is sold out, then 1 at a time
    # until sold out again (so the last units, scattered over buckets, are sold too)
    sale.run((1, 2, 3))
    sale.run((1,))
    # THEN no answer was a fault, and every refusal is `sold_out` naming the line
    assert sale.faults == []
    assert {(r["code"], r["errors"][0]["field"]) for r in sale.refused} == {("sold_out", "line_items[0]")}
    # AND every order holds exactly what it asked, and exactly the stock was sold: nothing left in any bucket
    assert all(made["line_items"][0]["stock_reserved"] == asked for _, asked, made in sale.made)
    assert sale.sold() == 300
    assert buckets(store, tables) == [0] * sk.bucket_count(300)
    found = store.get(T, "ticket", "gala", consistent=True)
    assert found is not None
    assert found.stock_available == 0


class Contended:
    """A client whose transactions all meet a concurrent one (as a PUT's does on AWS while a sale
    draws from every bucket), so the catalogue writes one item at a time."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def transact_write_items(self, **kwargs: Any) -> Any:
        reasons = [{"Code": "None"}] * (len(kwargs["TransactItems"]) - 1) + [{"Code": "TransactionConflict"}]
        error = {"Error": {"Code": "TransactionCanceledException"}, "CancellationReasons": reasons}
        raise ClientError(error, "TransactWriteItems")  # type: ignore[arg-type]


@pytest.mark.parametrize("contended", [False, True], ids=["one-transaction", "one-item-at-a-time"])
def test_given_a_sale_on_when_the_admin_puts_a_new_stock_then_no_more_than_it_is_sold_after(
    tables: dict[str, str], dynamodb_endpoint: str, contended: bool
) -> None:
    # GIVEN a sale of one unit at a time from a stock it cannot exhaust
    store = stocked(tables, dynamodb_endpoint, 1_000_000)
    admin = DynamoCatalogue(Contended(store._client) if contended else store._client, tables["OrdersTable"])  # type: ignore[arg-type]
    sale = Sale()
    put_done: list[float] = []

    def restock() -> None:
        time.sleep(1.0)
        body = {"name": "Gala", "unit_price": "40.00", "currency_code": "USD", "stock": 40}
        admin.put(Product.of(T, "ticket", "gala", ProductInput.model_validate(body)))
        put_done.append(time.monotonic())

    # WHEN the admin puts 40 units while it runs (in one transaction, or item by item as when the
    # transaction meets the sale), and the sale goes on until sold out
    thread = threading.Thread(target=restock)
    thread.start()
    sale.run((1,), workers=12)
    thread.join()
    # THEN orders sent after the PUT answered took at most its 40 units, and the stock is all sold
    assert sale.faults == []
    assert put_done
    assert len([made for sent, _, made in sale.made if sent > put_done[0]]) <= 40
    assert buckets(store, tables) == [0] * sk.bucket_count(40)
    # AND the 31 buckets the million units had beyond the 40's one are gone
    gone = sk.bucket_keys(T, "ticket", "gala", sk.STOCK_BUCKETS)[1:]
    table = tables["OrdersTable"]
    assert all("Item" not in store._client.get_item(TableName=table, Key=typed_key(k)) for k in gone)


def test_given_a_stocked_product_when_an_order_reserves_then_it_writes_one_small_bucket_item(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    # GIVEN a product of 3,200 units and a client that records its transactions
    from orders_domain.models import OrderCreateRequest
    from orders_domain.services import CreateOrders
    from orders_domain.storage import stock
    from orders_domain.storage.orders import DynamoOrderRepository

    client = boto3.client("dynamodb", endpoint_url=dynamodb_endpoint)
    sent: list[dict[str, Any]] = []
    client.meta.events.register(
        "provide-client-params.dynamodb.TransactWriteItems", lambda params, **_: sent.append(params)
    )
    table = tables["OrdersTable"]
    body = {"name": "Gala", "unit_price": "40.00", "currency_code": "USD", "stock": 3200}
    DynamoCatalogue(client, table).put(Product.of(T, "ticket", "gala", ProductInput.model_validate(body)))
    sent.clear()
    # WHEN one order of 1 unit is created
    create = CreateOrders(
        DynamoOrderRepository(client, table), catalogue=lambda: DynamoCatalogue(client, table)
    )
    create.create(OrderCreateRequest.model_validate(order(1)), tenant_id=T, actor="k")
    # THEN one transaction, of the order's partition and one bucket's: never the catalogue partition
    assert len(sent) == 1
    written = [next(iter(i.values())) for i in sent[0]["TransactItems"]]
    partitions = [(w.get("Key") or w["Item"])["PK"]["S"] for w in written]
    assert len(partitions) == 2
    assert partitions[1].startswith(f"T#{T}#STOCK#ticket#gala#")
    assert keys.catalogue_pk(T) not in partitions
    # AND the bucket's decrement costs what the smallest transactional write costs (its item stays
    # under 1 KB, whatever the product's document: AWS bills 2 WCU; DynamoDB Local counts 4)
    decrement: list[Any] = [stock.decrement(table, T, ("ticket", "gala"), 0, 1)]
    alone = client.transact_write_items(TransactItems=decrement, ReturnConsumedCapacity="TOTAL")
    tiny: list[Any] = [{"Put": {"TableName": table, "Item": {"PK": {"S": "tiny"}, "SK": {"S": "tiny"}}}}]
    least = client.transact_write_items(TransactItems=tiny, ReturnConsumedCapacity="TOTAL")
    cost = alone["ConsumedCapacity"][0]["WriteCapacityUnits"]
    assert cost == least["ConsumedCapacity"][0]["WriteCapacityUnits"]
    plain = client.update_item(
        **stock.decrement(table, T, ("ticket", "gala"), 0, 1)["Update"], ReturnConsumedCapacity="TOTAL"
    )
    assert plain["ConsumedCapacity"]["CapacityUnits"] == 1.0  # one KB at most
