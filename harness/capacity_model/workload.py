"""What one request of each kind touches: every partition it reads or writes and the units there,
recorded from the real handlers on an in-process DynamoDB (moto) and billed by harness/capacity.py.

An order class is a mix of three traits (`Traits`): the sale's hot coupon (with a coupon code),
the box office's shared walk-up bill-to / ship-to party, a line reserving one popular product's
stock. For each class one keyed 1-line create (`harness/bench/orders.py`'s `order_body`) goes
through the create_order handler, and its INSERT record through the order_stream handler; every
DynamoDB call they make is recorded (harness/bench/core.py's `Recorder`, each write's item read
just before it and again after the invocation) and turned into `Touch`es: a table's or an index's
partition key value with the write units (DynamoDB's rules: the larger image, each index entry by
its projection, twice in a transaction) and read units (4 KB steps, half when eventually
consistent; a BatchGetItem key billed as its whole item, an index Query by the entries it read).

Reads are recorded the same way, on a tenant holding orders of every shard and walk-up party
shard: a get by key (get_order), a list page and a customer lookup of the walk-up party
(search_orders, 25 whole orders each).

`Exemplar.rekey` makes another order of the same class out of a recorded create: a new id, token
and (unless it is the walk-up party's) customer, and every key built for it by storage/keys.py and
storage/stock_keys.py (`order_index_attributes`, `coupon_usage_index_attributes`, `home_bucket`),
so the replay (replay.py) writes the partitions each simulated order would. The order-number
counter's write is left out of the touches: the counter is simulated apart (counter.py).
"""

from __future__ import annotations

import json
import re
import uuid
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.bench.core import TENANT, Call, Recorder, event, refuse_failure, written_keys
from harness.bench.orders import get_event, order_body
from harness.bench.search import CUSTOMER, LIST, page_query, search_event

#: The walk-up party every box-office order of the sale bills and ships to.
WALK_UP = "walk-up"
#: The sale's coupon (and its code) on the orders that use it.
HOT_COUPON = {"coupon_id": "SALE", "coupon_type": "promo", "coupon_code_id": "SALE-CODE", "discount": 1}
#: The popular product whose stock the reserving orders draw from (stock for the whole sale).
PRODUCT = ("ticket", "gala")
PRODUCT_STOCK = 10_000_000
#: Orders the read exemplars find: some of every write shard, half of them the walk-up party's.
READ_TENANT_ORDERS = 128
#: Read kinds (`record_reads`).
GET, LIST_PAGE, LOOKUP = "get", "list_page", "customer_lookup"


@dataclass(frozen=True)
class Touch:
    """One partition a request reads or writes: `resource` is a table's logical id, or
    `<table>/<index>`; `pk` its partition key value; the units spent there."""

    resource: str
    pk: str
    wcu: float = 0.0
    rcu: float = 0.0


@dataclass(frozen=True)
class Traits:
    coupon: bool
    walk_up: bool
    stock: bool

    @property
    def name(self) -> str:
        named = (("coupon", self.coupon), ("walk-up", self.walk_up), ("stock", self.stock))
        return "+".join(n for n, on in named if on) or "plain"


ALL_TRAITS = tuple(Traits(c, w, s) for c in (False, True) for w in (False, True) for s in (False, True))


@dataclass
class Exemplar:
    """A recorded create of one class: its order, and what its create and projection touched (the
    order-number counter's write left out)."""

    traits: Traits
    order: Any
    touches: list[Touch]
    #: Reads of shared keys a create makes only when its instance's kept items are stale (each
    #: instance makes them once per `fresh_seconds`; every create, when nothing is kept).
    cold: list[Touch] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._own = own_keys(self.order)
        self._prefix = _idempotency_prefix()

    def touches_for(self, number: int, order_id: str, token: str) -> list[Touch]:
        """The exemplar's touches as another order of its class makes them: every key of its own
        built for it by the key builders (`own_keys`), its idempotency record one of its own, the
        shared keys (the catalogue partition) as recorded."""
        update: dict[str, Any] = {"id": order_id, "token": token, "number": number}
        if not self.traits.walk_up:
            customer = f"customer-{number}"
            update.update(bill_to_contact_id=customer, ship_to_contact_id=customer)
        mapping = dict(zip(self._own, own_keys(self.order.model_copy(update=update)), strict=True))
        out = []
        for touch in self.touches:
            pk = mapping.get(touch.pk)
            if pk is None:
                pk = touch.pk + f"#{order_id}" if touch.pk.startswith(self._prefix) else touch.pk
            out.append(Touch(touch.resource, pk, touch.wcu, touch.rcu))
        return out


def busy_in_sale(order: Any) -> frozenset[tuple[str, str]]:
    """The order's parties that are busy during the sale: the walk-up party (storage.busy_parties)."""
    from orders_domain.storage.party_keys import order_parties

    return frozenset(party for party in order_parties(order).values() if party == ("contact", WALK_UP))


def _idempotency_prefix() -> str:
    """What every idempotency record's key starts with (http/idempotency.py): one per request."""
    from orders_domain.http.idempotency import KEY_PREFIX

    return f"{KEY_PREFIX}#"


def own_keys(order: Any) -> list[str]:
    """Every partition key value an order's create and projection write that the order itself
    decides (its id, token or customer: a shared party's or coupon's shard too), in a fixed order:
    its item collection, its index keys, its coupon rows' index keys, its stock bucket
    (storage/keys.py, storage/stock_keys.py). The walk-up party is busy (its rows spread:
    storage.party_keys), as it is on every instance of the sale after its first few orders."""
    from orders_domain.storage import keys
    from orders_domain.storage import stock_keys as sk

    t = order.tenant_id
    out = [keys.order_key(t, order.id)["PK"]]
    attributes = keys.order_index_attributes(order, busy_in_sale(order))
    out += [attributes[name] for name in sorted(attributes) if name.endswith("_pk")]
    for position, coupon in enumerate(order.coupons or []):
        rows = keys.coupon_usage_index_attributes(
            t, order.id, position, "", coupon.coupon_type, coupon.coupon_id, coupon.coupon_code_id
        )
        out += [rows[name] for name in sorted(rows) if name.endswith("_pk")]
    # the bucket a reservation draws from first among the product's (storage.stock)
    home = sk.home_bucket(order.id, sk.bucket_count(PRODUCT_STOCK))
    out += [
        sk.bucket_key(t, line.product_type, line.product_id, home)["PK"]
        for line in order.line_items
        if line.product_type and line.product_id
    ]
    return out


# ---------------------------------------------------------------------------- the tables as billed
@dataclass
class Tables:
    """The tables as the template defines them: physical names, key attributes, indexes."""

    names: dict[str, str]  # logical id -> table name
    key_names: dict[str, tuple[str, ...]]  # table name -> its key attributes
    hash_key: dict[str, str]  # table name, or "<table>/<index>" -> the partition key attribute
    indexes: dict[str, dict[str, Any]]  # table name -> index name -> harness.capacity.Index

    @classmethod
    def of(cls, template: dict[str, Any], names: dict[str, str]) -> Tables:
        from harness.capacity import Index
        from local.tables import table_definitions

        key_names: dict[str, tuple[str, ...]] = {}
        hash_key: dict[str, str] = {}
        indexes: dict[str, dict[str, Any]] = {}
        for logical, definition in table_definitions(template).items():
            table = names[logical]
            schema = definition["KeySchema"]
            key_names[table] = tuple(k["AttributeName"] for k in schema)
            hash_key[table] = next(k["AttributeName"] for k in schema if k["KeyType"] == "HASH")
            indexes[table] = {}
            for index in definition.get("GlobalSecondaryIndexes", []):
                name = index["IndexName"]
                indexes[table][name] = Index.from_definition(index, key_names[table])
                hash_key[f"{table}/{name}"] = next(
                    k["AttributeName"] for k in index["KeySchema"] if k["KeyType"] == "HASH"
                )
        return cls(dict(names), key_names, hash_key, indexes)

    def logical(self, table: str) -> str:
        return next(logical for logical, name in self.names.items() if name == table)


# ---------------------------------------------------------------------------- recorded calls -> touches
@dataclass
class Billing:
    """Turns a handler's recorded calls into touches, reading items with a client of its own."""

    tables: Tables
    reader: Any
    counter_pk: str
    counter_wcu: float = field(default=0.0)

    def item(self, table: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
        found = self.reader.get_item(TableName=table, Key=dict(key), ConsistentRead=True).get("Item")
        return dict(found) if found else None

    def touches(self, calls: list[Call]) -> list[Touch]:
        out: list[Touch] = []
        for call in calls:
            if call.service != "dynamodb":
                continue
            if call.api in ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"):
                out += self._writes(call)
            elif call.api == "BatchWriteItem":
                for table, requests in call.params["RequestItems"].items():
                    for request in requests:
                        if "PutRequest" in request:
                            out += self._write(table, None, request["PutRequest"]["Item"], False)
            elif call.api == "GetItem":  # the whole item, whatever its projection
                item = self.item(call.table, call.params["Key"]) or call.params["Key"]
                out.append(self._read(call.table, None, call.params["Key"], [item], call.params))
            elif call.api == "BatchGetItem":
                for table, request in call.params["RequestItems"].items():
                    for key in request["Keys"]:  # each key a whole item's read (core.Bench's rule)
                        found = self.item(table, key) or key
                        out.append(self._read(table, None, key, [found], request))
            elif call.api == "Query":
                out.append(self._query(call))
        return out

    def _writes(self, call: Call) -> list[Touch]:
        error = ((call.parsed or {}).get("Error") or {}).get("Code")
        transactional = call.api == "TransactWriteItems"
        entries = call.params["TransactItems"] if transactional else [{call.api: call.params}]
        befores = call.before or [None] * len(entries)
        keys = written_keys(call.api, call.params, self.tables.key_names)
        out: list[Touch] = []
        for entry, before, (table, key) in zip(entries, befores, keys, strict=True):
            ((kind, body),) = entry.items()
            if error or kind == "ConditionCheck":  # nothing written: the item's size, no index
                from harness import capacity

                seen = before or self.item(table, key) or key
                units = capacity.write_units(capacity.item_size(seen)) * (2 if transactional else 1)
                out.append(Touch(self.tables.logical(table), self._pk(table, key), wcu=units))
                continue
            after: dict[str, Any] | None = None  # a delete's
            if kind in ("Put", "PutItem"):
                after = body["Item"]
            elif kind in ("Update", "UpdateItem"):
                after = self.item(table, key)  # as the invocation left it
            out += self._write(table, before, after, transactional)
        return out

    def _write(
        self, table: str, before: dict[str, Any] | None, after: dict[str, Any] | None, transactional: bool
    ) -> list[Touch]:
        from harness import capacity

        image = after if after is not None else before
        assert image is not None
        key = {name: image[name] for name in self.tables.key_names[table]}
        factor = 2 if transactional else 1
        base = capacity.write_cost(before, after, {})
        pk = self._pk(table, key)
        if pk == self.counter_pk:  # simulated apart (counter.py)
            self.counter_wcu = base * factor
            return []
        out = [Touch(self.tables.logical(table), pk, wcu=base * factor)]
        for name, index in self.tables.indexes[table].items():
            units = capacity.write_cost(before, after, {name: index}) - base
            if units:
                attribute = self.tables.hash_key[f"{table}/{name}"]
                value = (after if after is not None and attribute in after else before or {})[attribute]
                resource = f"{self.tables.logical(table)}/{name}"
                out.append(Touch(resource, str(value["S"]), wcu=units * factor))
        return out

    def _pk(self, table: str, key: Mapping[str, Any]) -> str:
        return str(key[self.tables.hash_key[table]]["S"])

    def _read(
        self,
        table: str,
        index: str | None,
        key: Mapping[str, Any] | None,
        items: list[dict[str, Any]],
        params: Mapping[str, Any],
        pk: str | None = None,
    ) -> Touch:
        from harness import capacity

        size = sum(capacity.item_size(i) for i in items)
        units = capacity.read_units(size, consistent=bool(params.get("ConsistentRead")))
        resource = self.tables.logical(table) + (f"/{index}" if index else "")
        return Touch(resource, pk if pk is not None else self._pk(table, key or {}), rcu=units)

    def _query(self, call: Call) -> Touch:
        """A Query's partition (its key condition's equality on the partition key) and the units of
        the entries it read, each as its index projects it."""
        table, index = call.table, call.params.get("IndexName")
        attribute = self.tables.hash_key[f"{table}/{index}" if index else table]
        names = call.params.get("ExpressionAttributeNames") or {}
        values = call.params.get("ExpressionAttributeValues") or {}
        pk = None
        for name, placeholder in re.findall(r"(#?\w+)\s*=\s*(:\w+)", call.params["KeyConditionExpression"]):
            if names.get(name, name) == attribute:
                pk = str(values[placeholder]["S"])
        assert pk is not None, call.params
        items = (call.parsed or {}).get("Items") or []
        if index:
            items = [self.tables.indexes[table][index].entry(i) for i in items]
        return self._read(table, index, None, items, call.params, pk=pk)


# ---------------------------------------------------------------------------- recording the handlers
@dataclass
class Session:
    """The handlers' wiring on the current tables, its DynamoDB client recorded."""

    billing: Billing
    recorder: Recorder
    client: Any

    def run(self, function: str, request: dict[str, Any]) -> tuple[Any, list[Touch]]:
        """One handler call: its answer (an error answer stops the run) and what it touched."""
        from harness.bench.core import _handler
        from local.lambda_runtime import FakeLambdaContext

        self.recorder.take()
        answer = _handler(function)(request, FakeLambdaContext(function_name=function))
        refuse_failure(f"{function} (capacity model)", answer)
        return answer, self.billing.touches(self.recorder.take())


def session(template: dict[str, Any], names: dict[str, str]) -> Session:
    """Record the current wiring's client; each write's items read before it (core.Recorder)."""
    import boto3
    from orders_domain.runtime import wiring
    from orders_domain.storage import keys

    client = wiring.current().dynamodb
    reader = boto3.client("dynamodb", endpoint_url=client.meta.endpoint_url, region_name="us-east-1")
    tables = Tables.of(template, names)
    billing = Billing(tables, reader, keys.order_number_counter_key(TENANT)["PK"])
    recorder = Recorder()
    recorder.attach(client)

    def before(api: str, params: dict[str, Any]) -> list[dict[str, Any] | None]:
        return [billing.item(t, k) for t, k in written_keys(api, params, tables.key_names)]

    recorder.read_before = before
    return Session(billing, recorder, client)


def create_body(traits: Traits) -> dict[str, Any]:
    """A 1-line order as the bench makes it (`order_body`), with the class's traits."""
    body = order_body(1)
    body["coupons"] = [dict(HOT_COUPON)] if traits.coupon else []
    party = WALK_UP if traits.walk_up else f"customer-{uuid.uuid4().hex[:12]}"
    body.update(bill_to_contact_id=party, ship_to_contact_id=party)
    if traits.stock:
        line = body["line_items"][0]
        line.pop("sku", None)
        line.update(product_type=PRODUCT[0], product_id=PRODUCT[1])
    return body


def create_request(body: dict[str, Any]) -> dict[str, Any]:
    request = event("create_order.json")
    request["body"] = json.dumps(body)
    request["headers"]["Idempotency-Key"] = f'"{uuid.uuid4()}"'
    request["multiValueHeaders"] = {k: [v] for k, v in request["headers"].items()}
    return request


def stock_the_product(client: Any, table: str) -> None:
    """The popular product, its stock in buckets (storage.catalogue's PUT)."""
    from orders_domain.models.catalogue import Product, ProductInput
    from orders_domain.storage.catalogue import DynamoCatalogue

    body = {"name": "Gala", "unit_price": "13.75", "currency_code": "USD", "stock": PRODUCT_STOCK}
    DynamoCatalogue(client, table).put(Product.of(TENANT, *PRODUCT, ProductInput.model_validate(body)))


def record_creates(rec: Session, table: str) -> dict[Traits, Exemplar]:
    """Each class's create and its projection by the stream consumer, as touches: two creates of the
    class back to back on one instance, the first with nothing kept from earlier reads (`_cold`).
    The second is the exemplar (an instance in the sale); what only the first read of the shared
    keys is its `cold` reads (what an instance reads again when its kept items are stale)."""
    from collections import Counter

    from orders_domain.storage.busy_parties import BUSY_ORDERS

    from local.stream_records import lambda_record, stream_event

    stock_the_product(rec.client, table)
    for _ in range(BUSY_ORDERS):  # the instance has written the walk-up party's first orders: busy
        _create(rec, table, Traits(False, True, False))
    out: dict[Traits, Exemplar] = {}
    for sequence, traits in enumerate(ALL_TRAITS, start=1):
        _cold(table)
        first, first_touches = _create(rec, table, traits)
        order, touches = _create(rec, table, traits)
        item = rec.billing.item(table, {"PK": {"S": f"T#{TENANT}#O#{order.id}"}, "SK": {"S": "ORDER"}})
        projected = rec.run("order_stream", stream_event([lambda_record(None, item, sequence)]))
        assert projected[0] == {"batchItemFailures": []}, projected[0]
        only_first = Counter(_shared_reads(first, first_touches)) - Counter(_shared_reads(order, touches))
        out[traits] = Exemplar(traits, order, touches + projected[1], list(only_first.elements()))
    return out


def _create(rec: Session, table: str, traits: Traits) -> tuple[Any, list[Touch]]:
    from orders_domain.storage.orders import OrderRecord

    answer, touches = rec.run("create_order", create_request(create_body(traits)))
    key = {"PK": {"S": f"T#{TENANT}#O#{json.loads(answer['body'])['id']}"}, "SK": {"S": "ORDER"}}
    item = rec.billing.item(table, key)
    assert item is not None
    return OrderRecord.from_item(item).order, touches


def _shared_reads(order: Any, touches: list[Touch]) -> list[Touch]:
    own = set(own_keys(order))
    return [t for t in touches if t.rcu and not t.wcu and t.pk not in own]


def _cold(table: str) -> None:
    """Forget what this process kept of the items a create reads (storage.recent_items: the
    catalogue's settings and the popular product), as a new instance starts."""
    from orders_domain.storage import keys

    try:
        from orders_domain.storage import recent_items
    except ImportError:  # pragma: no cover - nothing kept: every create reads
        return
    kept = [keys.catalogue_settings_key(TENANT), keys.product_key(TENANT, *PRODUCT)]
    recent_items.forget(table, kept)


def fresh_seconds() -> float | None:
    """How long an instance uses items it read again (storage.recent_items); None: never."""
    try:
        from orders_domain.storage import recent_items
    except ImportError:  # pragma: no cover
        return None
    return float(recent_items.FRESH_SECONDS)


def populate(client: Any, table: str, exemplars: dict[Traits, Exemplar]) -> list[str]:
    """Orders for the reads to find (copies of the plain and walk-up exemplars, written by
    storage.orders' own item builder): their ids."""
    from orders_domain.storage.orders import OrderRecord

    plain = exemplars[Traits(False, False, False)].order
    walk_up = exemplars[Traits(False, True, False)].order
    ids = []
    for n in range(READ_TENANT_ORDERS):
        template = walk_up if n % 2 else plain
        order = template.model_copy(update={"id": str(uuid.uuid4()), "token": uuid.uuid4().hex, "number": n})
        client.put_item(TableName=table, Item=OrderRecord(order=order).to_item(busy_in_sale(order)))
        ids.append(order.id)
    return ids


def record_reads(rec: Session, ids: list[str]) -> dict[str, list[Touch]]:
    """A get by key, a list page, and a customer lookup of the walk-up party (whole orders)."""
    customer = {"customerType": "contact", "customerId": WALK_UP}
    requests = {
        GET: ("get_order", get_event(ids[0])),
        LIST_PAGE: ("search_orders", search_event("GET", LIST, query=page_query(), tenant=TENANT)),
        LOOKUP: ("search_orders", search_event("GET", CUSTOMER, customer, page_query(), tenant=TENANT)),
    }
    return {kind: rec.run(function, request)[1] for kind, (function, request) in requests.items()}


@dataclass
class Workload:
    creates: dict[Traits, Exemplar]
    reads: dict[str, list[Touch]]
    #: WCU of one take of the order-number counter (its UpdateItem).
    counter_wcu: float
    #: How long an instance uses items it read again (None: it reads them on every create).
    fresh_seconds: float | None = None


def record(template: dict[str, Any], names: dict[str, str]) -> Workload:
    """Every class's create and every read kind, on the current wiring's (empty) tables."""
    from harness.stream_replay import quiet

    rec = session(template, names)
    table = names["OrdersTable"]
    with quiet(), warnings.catch_warnings():
        # a read handler's Powertools metrics: "No application metrics to publish" (nothing to see)
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        creates = record_creates(rec, table)
        ids = populate(rec.client, table, creates)
        reads = record_reads(rec, ids)
    return Workload(creates, reads, rec.billing.counter_wcu or 1.0, fresh_seconds())


def each_touch(workload: Workload) -> Iterator[tuple[str, Touch]]:
    """(what, touch) of every recorded touch: for the per-request table of the report."""
    for traits, exemplar in workload.creates.items():
        for touch in exemplar.touches:
            yield f"create {traits.name}", touch
        for touch in exemplar.cold:
            yield f"create {traits.name}, stale instance", touch
    for kind, touches in workload.reads.items():
        for touch in touches:
            yield kind, touch
