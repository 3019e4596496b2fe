"""Pages of index rows, newest first, merged from one or more index partitions: the one read every
list, lookup and search route uses.

A page reads each partition it merges (the 32 write shards of a tenant's list, the bill-to and
ship-to partitions of a customer, one partition of a party or a coupon) newest first, all at once,
a few rows more than its share; a row is taken only when no partition can still hold a newer one
(a k-way merge on the index sort key), and a partition whose read rows run out before the page is
full is read further. Rows are examined in that order: a `keep` filter may drop some (the page is
then short, never wrong), and a page stops after `max_examined` rows whatever it found, so no
request reads without bound.

Where the next page starts is one bound on the sort key, with the partitions already read to the
end: every row not yet examined sorts below the last one examined, in every partition. Rows are
read with `sort key < bound`, so a bound need not be a stored key: a coupon's rows collapse to one
per order by bounding at the order's prefix (`group`; the port's `distinct_orders`). Rows of equal
group from several partitions are one row (an order billed to and shipped to the same customer is
listed once).
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from orders_domain.domain import jsonio
from orders_domain.domain.errors import Unavailable
from orders_domain.domain.page_positions import Listing, Page, PagePosition, Place
from orders_domain.storage import keys, party_keys
from orders_domain.storage.busy_parties import busy_of
from orders_domain.storage.codec import typed_key
from orders_domain.storage.faults import translate_store_errors
from orders_domain.storage.party_keys import Party

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from orders_domain.models import Order

#: The most rows one page examines (filters may drop them): about 200 KB of summary rows.
MAX_EXAMINED = 500
_SUMMARY = "summary"


@dataclass(frozen=True)
class Partition:
    """One partition of an index: its name, partition key attribute and value, sort key attribute."""

    index: str
    pk_attr: str
    pk: str
    sk_attr: str


def partition(index: str, pk: str) -> Partition:
    """The partition `pk` of `index`, with the index's key attributes (keys.INDEX_KEY_ATTRIBUTES)."""
    pk_attr, sk_attr = keys.INDEX_KEY_ATTRIBUTES[index]
    return Partition(index=index, pk_attr=pk_attr, pk=pk, sk_attr=sk_attr)


def sharded(
    tenant_id: str, index: str, status: str | None = None, *, kind: str = keys.ORDER_KIND
) -> list[Partition]:
    """Every write shard of a sharded list (keys.sharded_pks), in shard order."""
    return [partition(index, pk) for pk in keys.sharded_pks(tenant_id, index, status, kind=kind)]


def _party(
    tenant_id: str, listing: Listing, key: tuple[str | None, ...], busy: Container[Party]
) -> list[Partition]:
    """A party's partitions of one role: shard 0, and the other shards when it is busy (party_keys)."""
    party = _party_of(key)
    index, role = _PARTY_ROLES[listing]
    shards = party_keys.PARTY_SHARDS if party in busy else 1
    pks = keys.every_shard(lambda s: party_keys.party_pk(tenant_id, role, *party, s), shards)
    return [partition(index, pk) for pk in pks]


def _coupon(index: str, pk: Callable[[int], str]) -> list[Partition]:
    return [partition(index, shard_pk) for shard_pk in keys.every_shard(pk, keys.COUPON_SHARDS)]


def partitions_of(place: Place, busy: Container[Party] = ()) -> list[Partition]:
    """The index partitions that hold one list (page_positions.Listing), in a fixed order: a page
    position names the partitions read to the end by their place in it. A party's: `_party`."""
    t, key = place.tenant_id, place.key
    match place.listing:
        case Listing.TENANT_ORDERS:
            return sharded(t, keys.INDEX_TENANT_DATE)
        case Listing.BILLED_TO | Listing.SHIPPED_TO:
            return _party(t, place.listing, key, busy)
        case Listing.SHIPPING_STATUS:
            return sharded(t, keys.INDEX_SHIPPABLE_STATUS, str(key[0]))
        case Listing.INSTALLMENT_SCHEDULE:
            return [partition(keys.INDEX_INSTALLMENT_SCHEDULE, keys.installment_pk(t, str(key[0])))]
        case Listing.COUPON_USES:
            return _coupon(keys.INDEX_COUPON, lambda s: keys.coupon_pk(t, key[0], str(key[1]), s))
        case Listing.COUPON_CODE_USES:
            return _coupon(keys.INDEX_COUPON_CODE, lambda s: keys.coupon_code_pk(t, str(key[0]), s))
        case Listing.TENANT_FULFILLMENTS:
            return sharded(t, keys.INDEX_TENANT_DATE, kind=keys.FULFILLMENT_KIND)
        case Listing.TRACKING_NUMBER:
            return [partition(keys.INDEX_TRACKING_NUMBER, keys.tracking_pk(t, str(key[0])))]
    raise ValueError(f"no partitions for {place.listing!r}")  # pragma: no cover - every Listing is above


def partitions_of_all(places: Sequence[Place], busy: Container[Party] = ()) -> list[Partition]:
    """Every place's partitions, the first of each place first: a party that becomes busy between two
    pages adds partitions after the ones a page position already names, never between them."""
    each = [partitions_of(place, busy) for place in places]
    return [p[0] for p in each if p] + [q for p in each for q in p[1:]]


def party_page(
    client: DynamoDBClient, table: str, places: Sequence[Place], read: Callable[[list[Partition]], Page]
) -> Page:
    """`read` of the places' partitions, their parties' busy markers read beside the first try: it
    reads shard 0 of each party (all an ordinary party has); only when a marker says a party is busy
    is the page read again over every shard (its shard-0 Queries then made twice)."""
    parties = [_party_of(p.key) for p in places if p.listing in _PARTY_ROLES]
    if not parties:
        return read(partitions_of_all(places))
    markers = _pool().submit(busy_of, client, table, places[0].tenant_id, parties)
    first = read(partitions_of_all(places))
    busy = markers.result()
    if not busy:
        return first
    page = read(partitions_of_all(places, busy))
    return replace(page, queries=page.queries + first.queries)


_PARTY_ROLES = {
    Listing.BILLED_TO: (keys.INDEX_BILL_TO, party_keys.BILL_TO),
    Listing.SHIPPED_TO: (keys.INDEX_SHIP_TO, party_keys.SHIP_TO),
}


def _party_of(key: tuple[str | None, ...]) -> Party:
    """The party a BILLED_TO / SHIPPED_TO place's key names: (party type, party id)."""
    return (str(key[0]), str(key[1]))


_executor: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="partition")
    return _executor


def merged_page(
    client: DynamoDBClient,
    table: str,
    partitions: Sequence[Partition],
    *,
    limit: int,
    after: PagePosition | None = None,
    keep: Callable[[dict[str, Any]], bool] | None = None,
    group: Callable[[str], str] | None = None,
    max_examined: int = MAX_EXAMINED,
    ascending: bool = False,
    stop: str | None = None,
) -> Page:
    """Up to `limit` kept rows after `after`, newest first (module docstring); `ascending`: oldest
    first, rows read with `sort key > bound`. `stop` is an exclusive far end: no row at or beyond it
    (below it newest first, above it oldest first) is read into the page."""
    merge = _Merge(client, table, partitions, after, max_examined, ascending, stop)
    merge.start(-(-limit // max(1, len(partitions))) + 2)
    kept: list[dict[str, Any]] = []
    last_group: str | None = None
    while len(kept) < limit and merge.examined < max_examined:
        merge.refill(limit - len(kept))
        head = merge.take()
        if head is None:
            break
        sort_key, summary = head
        this_group = group(sort_key) if group else sort_key
        if this_group == last_group:
            continue  # the same order again (another partition, another coupon of it)
        last_group = this_group
        merge.examined += 1
        row = jsonio.loads(summary)
        if keep is None or keep(row):
            kept.append(row)
    done = merge.finished()
    finished = len(done) == len(partitions) or last_group is None
    return Page(
        rows=kept,
        next=None if finished else PagePosition(after=str(last_group), done=frozenset(done)),
        examined=merge.examined,
        queries=merge.queries,
    )


class _Merge:
    """The partitions of one page being merged: what each has read, how far the page took it."""

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        partitions: Sequence[Partition],
        after: PagePosition | None,
        max_examined: int,
        ascending: bool,
        stop: str | None,
    ) -> None:
        self.client, self.table, self.partitions = client, table, partitions
        self.max_examined, self.ascending, self.stop = max_examined, ascending, stop
        self.done = set(after.done) if after else set()
        self.live = [p for p in range(len(partitions)) if p not in self.done]
        self.bound = after.after if after else None
        self.buffers: dict[int, list[tuple[str, str]]] = {}
        self.more: dict[int, bool] = {}
        self.cursor = dict.fromkeys(self.live, 0)
        self.per_partition = 0
        self.queries = 0
        self.examined = 0

    def start(self, per_partition: int) -> None:
        """The first read of every live partition, all at once."""
        self.per_partition = per_partition
        if len(self.live) == 1:
            only = self.live[0]
            self.buffers[only], self.more[only] = self.read(only, self.bound, per_partition)
        else:
            futures = {p: _pool().submit(self.read, p, self.bound, per_partition) for p in self.live}
            for p, future in futures.items():
                self.buffers[p], self.more[p] = future.result()
        self.queries += len(self.live)

    def refill(self, wanted: int) -> None:
        """A partition whose read rows are used up but that has more could hold the next row: read on,
        enough for the rest of the page, but no more than this partition's share of what the page may
        still examine (a filtered page would otherwise read far past its cap)."""
        for p in [p for p in self.live if self.more[p] and self.cursor[p] == len(self.buffers[p])]:
            below = self.buffers[p][-1][0] if self.buffers[p] else self.bound
            share = -(-(self.max_examined - self.examined) // len(self.live)) + 1
            rows, self.more[p] = self.read(p, below, min(self.per_partition + wanted, share))
            self.queries += 1
            self.buffers[p].extend(rows)

    def take(self) -> tuple[str, str] | None:
        """The next row of the merge (sort key, summary); None when every partition is used up."""
        heads = [
            (self.buffers[p][self.cursor[p]][0], p)
            for p in self.live
            if self.cursor[p] < len(self.buffers[p])
        ]
        if not heads:
            return None
        _, p = min(heads) if self.ascending else max(heads)
        row = self.buffers[p][self.cursor[p]]
        self.cursor[p] += 1
        return row

    def finished(self) -> set[int]:
        """The partitions read to the end, this page's and the earlier pages'."""
        live = self.live
        return self.done | {p for p in live if self.cursor[p] == len(self.buffers[p]) and not self.more[p]}

    def beyond(self, sort_key: str) -> bool:
        """Whether a row lies at or past the far end (`stop`)."""
        stop = self.stop
        return stop is not None and (sort_key >= stop if self.ascending else sort_key <= stop)

    def read(self, p: int, below: str | None, count: int) -> tuple[list[tuple[str, str]], bool]:
        """Up to `count` rows of partition `p` beyond `below`; whether it may hold more."""
        part = self.partitions[p]
        condition = "#pk = :pk" + (
            f" AND #sk {'>' if self.ascending else '<'} :below" if below is not None else ""
        )
        names = {"#pk": part.pk_attr}
        values: dict[str, Any] = {":pk": {"S": part.pk}}
        if below is not None:
            names["#sk"] = part.sk_attr
            values[":below"] = {"S": below}
        out = self.client.query(
            TableName=self.table,
            IndexName=part.index,
            KeyConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ScanIndexForward=self.ascending,
            Limit=min(count, self.max_examined + 1),
        )
        rows = [(item[part.sk_attr]["S"], item[_SUMMARY]["S"]) for item in out.get("Items", [])]
        within = [row for row in rows if not self.beyond(row[0])]
        return within, "LastEvaluatedKey" in out and len(within) == len(rows)


class DynamoOrderLists:
    """`ports.OrderLists` on DynamoDB: index pages, and list rows of orders named by id."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    @translate_store_errors
    def page(
        self,
        places: Sequence[Place],
        *,
        limit: int,
        after: PagePosition | None = None,
        keep: Callable[[dict[str, Any]], bool] | None = None,
        distinct_orders: bool = False,
    ) -> Page:
        group = keys.order_of_coupon_sort_key if distinct_orders else None

        def read(partitions: list[Partition]) -> Page:
            return merged_page(
                self._client, self._table, partitions, limit=limit, after=after, keep=keep, group=group
            )

        return party_page(self._client, self._table, places, read)

    @translate_store_errors
    def rows_by_id(self, tenant_id: str, order_ids: Sequence[str]) -> list[tuple[str, dict[str, Any]]]:
        """(list sort key, list row) of each order named that exists and is not deleted, in no order.

        One BatchGetItem per 100 ids (by key: no Scan). A deleted order carries no index attributes
        (keys.order_index_attributes), so one without `tenant_list_sk` is left out.
        """
        found: list[tuple[str, dict[str, Any]]] = []
        names = {"#summary": _SUMMARY, "#sk": "tenant_list_sk"}
        wanted = [keys.order_key(tenant_id, oid) for oid in dict.fromkeys(order_ids)]
        for item in batch_get(self._client, self._table, wanted, "#summary, #sk", names):
            if "tenant_list_sk" in item:
                found.append((item["tenant_list_sk"]["S"], jsonio.loads(item[_SUMMARY]["S"])))
        return found

    @translate_store_errors
    def orders_by_id(
        self, tenant_id: str, order_ids: Sequence[str], *, consistent: bool = False
    ) -> dict[str, Order]:
        """The whole orders named that exist and are not deleted, by id: one BatchGetItem per 100 ids
        of the orders' own items (their documents only), strongly consistent when asked."""
        from orders_domain.storage.orders import DOC_PROJECTION, OrderRecord  # it imports this module

        wanted = [keys.order_key(tenant_id, oid) for oid in dict.fromkeys(order_ids)]
        projection, names = DOC_PROJECTION
        found: dict[str, Order] = {}
        for item in batch_get(self._client, self._table, wanted, projection, names, consistent=consistent):
            order = OrderRecord.from_item(item).order
            if not order.sys_deleted:
                found[order.id] = order
        return found


def batch_get(
    client: DynamoDBClient,
    table: str,
    item_keys: Sequence[dict[str, str]],
    projection: str,
    names: dict[str, str],
    *,
    consistent: bool = False,
) -> list[dict[str, Any]]:
    """The items of these keys that exist, in no order: one BatchGetItem per 100 keys (by key: no
    Scan); keys left unprocessed (throttling) are asked for again a bounded number of times, then 503."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(item_keys), 100):
        request: dict[str, Any] = {
            table: {
                "Keys": [typed_key(key) for key in item_keys[start : start + 100]],
                "ProjectionExpression": projection,
                "ExpressionAttributeNames": names,
                **({"ConsistentRead": True} if consistent else {}),
            }
        }
        for _ in range(10):
            out = client.batch_get_item(RequestItems=request)
            found.extend(out.get("Responses", {}).get(table, []))
            request = out.get("UnprocessedKeys") or {}
            if not request:
                break
        else:
            raise Unavailable("The store did not answer in time; retry.", headers={"Retry-After": "1"})
    return found


def query_prefix(client: DynamoDBClient, table: str, pk: str, prefix: str) -> list[dict[str, Any]]:
    """Every item of partition `pk` whose sort key starts with `prefix`, in sort key order (a Query,
    page after page: for the small partitions a tenant keeps, such as its reasons or shipping products)."""
    found: list[dict[str, Any]] = []
    request: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
        "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": prefix}},
    }
    while True:
        out = client.query(**request)
        found.extend(out.get("Items", []))
        if "LastEvaluatedKey" not in out:
            return found
        request["ExclusiveStartKey"] = out["LastEvaluatedKey"]
