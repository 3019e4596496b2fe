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
per order by bounding at the order's prefix (`group`). Rows of equal group from several partitions
are one row (an order billed to and shipped to the same customer is listed once).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from orders_domain.domain import jsonio
from orders_domain.domain.errors import Unavailable
from orders_domain.domain.page_positions import Page, PagePosition, Partition
from orders_domain.storage import keys
from orders_domain.storage.codec import typed_key
from orders_domain.storage.faults import translate_store_errors

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

#: The most rows one page examines (filters may drop them): about 200 KB of summary rows.
MAX_EXAMINED = 500
_SUMMARY = "summary"


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
    done = set(after.done) if after else set()
    live = [p for p in range(len(partitions)) if p not in done]
    start = after.after if after else None
    per_partition = -(-limit // max(1, len(partitions))) + 2
    queries = 0

    def beyond(sort_key: str) -> bool:
        """Whether a row lies at or past the far end (`stop`)."""
        return stop is not None and (sort_key >= stop if ascending else sort_key <= stop)

    def read(p: int, below: str | None, count: int) -> tuple[list[tuple[str, str]], bool]:
        part = partitions[p]
        condition = "#pk = :pk" + (
            f" AND #sk {'>' if ascending else '<'} :below" if below is not None else ""
        )
        names = {"#pk": part.pk_attr}
        values: dict[str, Any] = {":pk": {"S": part.pk}}
        if below is not None:
            names["#sk"] = part.sk_attr
            values[":below"] = {"S": below}
        out = client.query(
            TableName=table,
            IndexName=part.index,
            KeyConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ScanIndexForward=ascending,
            Limit=min(count, max_examined + 1),
        )
        rows = [(item[part.sk_attr]["S"], item[_SUMMARY]["S"]) for item in out.get("Items", [])]
        within = [row for row in rows if not beyond(row[0])]
        return within, "LastEvaluatedKey" in out and len(within) == len(rows)

    buffers: dict[int, list[tuple[str, str]]] = {}
    more: dict[int, bool] = {}
    if len(live) == 1:
        buffers[live[0]], more[live[0]] = read(live[0], start, per_partition)
    else:
        futures = {p: _pool().submit(read, p, start, per_partition) for p in live}
        for p, future in futures.items():
            buffers[p], more[p] = future.result()
    queries += len(live)

    cursor = dict.fromkeys(live, 0)
    kept: list[dict[str, Any]] = []
    examined = 0
    last_group: str | None = None
    while len(kept) < limit and examined < max_examined:
        # A partition whose read rows are used up but that has more could hold the next row: read on.
        for p in [p for p in live if more[p] and cursor[p] == len(buffers[p])]:
            below = buffers[p][-1][0] if buffers[p] else start
            # Enough for the rest of the page, but no more than this partition's share of what the
            # page may still examine (a filtered page would otherwise read far past its cap).
            share = -(-(max_examined - examined) // len(live)) + 1
            rows, more[p] = read(p, below, min(per_partition + limit - len(kept), share))
            queries += 1
            buffers[p].extend(rows)
        heads = [(buffers[p][cursor[p]][0], p) for p in live if cursor[p] < len(buffers[p])]
        if not heads:
            break
        sort_key, p = min(heads) if ascending else max(heads)
        summary = buffers[p][cursor[p]][1]
        cursor[p] += 1
        this_group = group(sort_key) if group else sort_key
        if this_group == last_group:
            continue  # the same order again (another partition, another coupon of it)
        last_group = this_group
        examined += 1
        row = jsonio.loads(summary)
        if keep is None or keep(row):
            kept.append(row)

    done |= {p for p in live if cursor[p] == len(buffers[p]) and not more[p]}
    finished = len(done) == len(partitions) or last_group is None
    return Page(
        rows=kept,
        next=None if finished else PagePosition(after=str(last_group), done=frozenset(done)),
        examined=examined,
        queries=queries,
    )


class DynamoOrderLists:
    """`ports.OrderLists` on DynamoDB: index pages, and list rows of orders named by id."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    @translate_store_errors
    def page(
        self,
        partitions: Sequence[Partition],
        *,
        limit: int,
        after: PagePosition | None = None,
        keep: Callable[[dict[str, Any]], bool] | None = None,
        group: Callable[[str], str] | None = None,
    ) -> Page:
        return merged_page(
            self._client, self._table, partitions, limit=limit, after=after, keep=keep, group=group
        )

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


def batch_get(
    client: DynamoDBClient,
    table: str,
    item_keys: Sequence[dict[str, str]],
    projection: str,
    names: dict[str, str],
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
