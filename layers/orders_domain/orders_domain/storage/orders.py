"""The orders table's order items: the only code that reads or writes them.

An order item is its key, its index attributes (keys.py), and three attributes of its own:

- `doc`: the order as one compact JSON string (pydantic writes it and reads it back, exact
  Decimals as strings). One string is what botocore parses on a get and what it checks on a
  write, instead of a nested typed map of every field: reads and writes cost a fraction.
- `summary`: the order's list row (models.SUMMARY_FIELDS) as JSON; the only non-key attribute
  the indexes project, so an index write is 1 WCU and a list page reads rows, not orders.
- `sys_version` (the write condition) and `request_fingerprint` (the create's request hash).

`OrderRecord` converts both ways, so no raw item ever leaves this module.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from orders_domain import jsonio, keys
from orders_domain.errors import OrderAlreadyExists, PayloadTooLarge, VersionConflict
from orders_domain.faults import translate_store_errors
from orders_domain.models import Order
from orders_domain.models.orders import SUMMARY_FIELDS
from orders_domain.storage.codec import condition_failed, typed_key

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

#: DynamoDB refuses items over 400 KB; stay clear of it with room for the other attributes.
MAX_ORDER_ITEM_BYTES = 350_000
_DOC, _SUMMARY, _VERSION, _FINGERPRINT = "doc", "summary", "sys_version", "request_fingerprint"


def summary_of(order: Order) -> str:
    """The order's list row as JSON (numbers as JSON numbers, digit for digit)."""
    return jsonio.unmark(
        order.model_dump_json(include=_SUMMARY_INCLUDE, exclude_none=True, context={jsonio.NUMBERS: True})
    )


_SUMMARY_INCLUDE = set(SUMMARY_FIELDS)


@dataclass(frozen=True)
class OrderRecord:
    """The storage boundary of an order: the order plus what only storage needs.

    A dataclass, not a model: a pydantic wrapper would build Order's schema a second time on a
    cold start.
    """

    order: Order
    #: SHA-256 of the create request that made the order (idempotent retries compare it).
    request_fingerprint: str | None = None

    def order_attributes(self) -> dict[str, Any]:
        """What the order owns in its item (typed for DynamoDB): document, row, version, index keys."""
        order = self.order
        doc = order.model_dump_json(exclude_none=True)
        if len(doc) > MAX_ORDER_ITEM_BYTES:
            raise PayloadTooLarge("The order is too large to store; split it into several orders.")
        attributes: dict[str, Any] = {
            _DOC: {"S": doc},
            _SUMMARY: {"S": summary_of(order)},
            _VERSION: {"N": str(order.sys_version)},
        }
        attributes.update({k: {"S": v} for k, v in keys.order_index_attributes(order).items()})
        return attributes

    def to_item(self) -> dict[str, Any]:
        order = self.order
        key = keys.order_key(order.tenant_id, order.id)
        item = {**typed_key(key), "entity": {"S": "order"}}
        item.update(self.order_attributes())
        if self.request_fingerprint:
            item[_FINGERPRINT] = {"S": self.request_fingerprint}
        return item

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> OrderRecord:
        fingerprint = item.get(_FINGERPRINT, {}).get("S")
        return cls(order=Order.model_validate_json(item[_DOC]["S"]), request_fingerprint=fingerprint)


#: Index attributes an order may carry; a replace removes the ones it no longer has.
_INDEX_ATTRIBUTES = keys.KEY_ATTRIBUTES - {"PK", "SK", "entity"}


@dataclass(frozen=True)
class PagePosition:
    """Where the next page starts: after the sort key of the last row returned, in every shard.

    Every unreturned row of every shard is older than that row (the merge returns the newest
    first), so one sort key positions all shards; shards already read to the end are skipped.
    """

    after: str
    done: frozenset[int] = frozenset()

    def to_dict(self) -> dict[str, Any]:
        return {"after": self.after, "done": sorted(self.done)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PagePosition:
        return cls(after=str(data["after"]), done=frozenset(int(s) for s in data.get("done", ())))


@dataclass(frozen=True)
class Page:
    """One page of list rows, newest first, and where the next page starts (None: no next page)."""

    rows: list[dict[str, Any]]
    next: PagePosition | None


@dataclass
class _Block:
    next: int
    end: int
    size: int
    taken_at: float


class NumberBlocks:
    """Order numbers from the tenant's counter, in blocks that grow only while a tenant is busy.

    A quiet tenant's instance takes one number per create (numbers stay in creation order). When
    an instance takes numbers again within `window` seconds, it takes twice as many (up to
    `max_block`) and hands them out from memory: an on-sale of 5,000 creates/s makes ~50 counter
    writes/s instead of 5,000, under the counter partition's 1,000 (docs/SCALING.md). Numbers are
    unique and increase per instance; across instances, during a burst, they are not in creation
    order, and an instance that is recycled leaves the rest of its block unused.
    """

    def __init__(
        self,
        take: Callable[[str, int], int],
        *,
        max_block: int = 100,
        window: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._take = take  # (tenant, how many) -> the last number of the block taken
        self._max_block = max_block
        self._window = window
        self._clock = clock
        self._blocks: dict[str, _Block] = {}
        self._lock = threading.Lock()

    def next(self, tenant_id: str) -> int:
        with self._lock:
            block = self._blocks.get(tenant_id)
            if block is not None and block.next <= block.end:
                block.next += 1
                return block.next - 1
            now = self._clock()
            busy = block is not None and now - block.taken_at < self._window
            size = min(self._max_block, block.size * 2) if busy and block is not None else 1
            end = self._take(tenant_id, size)
            self._blocks[tenant_id] = _Block(next=end - size + 2, end=end, size=size, taken_at=now)
            return end - size + 1


_executor: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="shard")
    return _executor


class DynamoOrderRepository:
    """`ports.OrderRepository` on DynamoDB."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self._numbers = NumberBlocks(self._take_numbers)

    def next_order_number(self, tenant_id: str) -> int:
        """Unique, never reused; a create that fails after taking its number leaves a gap."""
        return self._numbers.next(tenant_id)

    @translate_store_errors
    def _take_numbers(self, tenant_id: str, count: int) -> int:
        # An atomic counter: concurrent instances never get overlapping blocks.
        out = self._client.update_item(
            TableName=self._table,
            Key=typed_key(keys.order_number_counter_key(tenant_id)),
            UpdateExpression="ADD #n :count SET entity = :entity",
            ExpressionAttributeNames={"#n": "last_number"},
            ExpressionAttributeValues={":count": {"N": str(count)}, ":entity": {"S": "counter"}},
            ReturnValues="UPDATED_NEW",
        )
        return int(out["Attributes"]["last_number"]["N"])

    @translate_store_errors
    def create(self, order: Order, *, request_fingerprint: str | None = None) -> None:
        item = OrderRecord(order=order, request_fingerprint=request_fingerprint).to_item()
        try:
            self._client.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(PK)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if condition_failed(exc):
                old: Mapping[str, Any] | None = exc.response.get("Item")  # type: ignore[assignment]
                if not old:
                    raise OrderAlreadyExists() from exc
                record = OrderRecord.from_item(old)
                raise OrderAlreadyExists(record.order, record.request_fingerprint) from exc
            raise

    @translate_store_errors
    def replace(self, order: Order, *, expected_version: int) -> None:
        """Write a changed order only if nobody changed it since `expected_version` was read.

        An update, not a put: it sets what the order owns and removes index attributes it no
        longer has, and leaves the rest of the item (the create's request fingerprint) as it was.
        """
        attributes = OrderRecord(order=order).order_attributes()
        removed = sorted(_INDEX_ATTRIBUTES - attributes.keys())
        names = {f"#s{i}": name for i, name in enumerate(attributes)}
        names.update({f"#r{i}": name for i, name in enumerate(removed)})
        values = {f":s{i}": value for i, value in enumerate(attributes.values())}
        expression = "SET " + ", ".join(f"#s{i} = :s{i}" for i in range(len(attributes)))
        if removed:
            expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(removed)))
        try:
            self._client.update_item(
                TableName=self._table,
                Key=typed_key(keys.order_key(order.tenant_id, order.id)),
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(PK) AND #version = :expected",
                ExpressionAttributeNames={**names, "#version": _VERSION},
                ExpressionAttributeValues={**values, ":expected": {"N": str(expected_version)}},
            )
        except ClientError as exc:
            if condition_failed(exc):
                raise VersionConflict(
                    f"Order {order.id} was changed by another request; read it again and retry."
                ) from exc
            raise

    @translate_store_errors
    def get(self, tenant_id: str, order_id: str, *, consistent: bool = False) -> Order | None:
        out = self._client.get_item(
            TableName=self._table,
            Key=typed_key(keys.order_key(tenant_id, order_id)),
            ConsistentRead=consistent,
            ProjectionExpression="#doc",
            ExpressionAttributeNames={"#doc": _DOC},
        )
        item = out.get("Item")
        if item is None:
            return None
        order = OrderRecord.from_item(item).order
        return None if order.sys_deleted else order

    @translate_store_errors
    def get_by_token(self, tenant_id: str, token: str) -> Order | None:
        """The by-token index holds keys only: find the order's key there, then read the order."""
        out = self._client.query(
            TableName=self._table,
            IndexName=keys.INDEX_TOKEN,
            KeyConditionExpression="token_pk = :pk",
            ExpressionAttributeValues={":pk": {"S": keys.token_pk(tenant_id, token)}},
            Limit=1,
        )
        items = out.get("Items", [])
        if not items:
            return None
        order_id = items[0]["PK"]["S"].rsplit("#O#", 1)[1]
        return self.get(tenant_id, order_id)

    @translate_store_errors
    def list_page(
        self,
        tenant_id: str,
        *,
        limit: int,
        after: PagePosition | None = None,
        index: str = keys.INDEX_TENANT_DATE,
        status: str | None = None,
    ) -> Page:
        """One page of the tenant's list rows on a write-sharded index, newest first.

        Scatter-gather: every shard is queried at once for a few rows more than its share; a
        row is taken only when no shard can still hold a newer one (a k-way merge), and a shard
        whose read rows run out before the page is full is read further. Rows written after a
        page was read are newer than its position and never enter its later pages.
        """
        pk_attr, sk_attr = keys.INDEX_KEY_ATTRIBUTES[index]
        pks = keys.sharded_pks(tenant_id, index, status)
        done = set(after.done) if after else set()
        live = [shard for shard in range(len(pks)) if shard not in done]
        per_shard = -(-limit // len(pks)) + 2

        def read(shard: int, start: str | None, count: int) -> tuple[list[tuple[str, str]], bool]:
            request: dict[str, Any] = {
                "TableName": self._table,
                "IndexName": index,
                "KeyConditionExpression": "#pk = :pk",
                "ExpressionAttributeNames": {"#pk": pk_attr},
                "ExpressionAttributeValues": {":pk": {"S": pks[shard]}},
                "ScanIndexForward": False,
                "Limit": count,
            }
            if start:
                request["ExclusiveStartKey"] = {
                    pk_attr: {"S": pks[shard]},
                    sk_attr: {"S": start},
                    **typed_key(keys.order_key(tenant_id, start.split("#", 1)[1])),
                }
            out = self._client.query(**request)
            rows = [(item[sk_attr]["S"], item[_SUMMARY]["S"]) for item in out.get("Items", [])]
            return rows, "LastEvaluatedKey" in out

        start = after.after if after else None
        buffers: dict[int, list[tuple[str, str]]] = {}
        more: dict[int, bool] = {}
        futures = {shard: _pool().submit(read, shard, start, per_shard) for shard in live}
        for shard, future in futures.items():
            buffers[shard], more[shard] = future.result()

        cursor = dict.fromkeys(live, 0)
        taken: list[tuple[str, str]] = []
        while len(taken) < limit:
            # A shard whose read rows are used up but that has more could hold the next row: read on.
            for shard in [s for s in live if more[s] and cursor[s] == len(buffers[s])]:
                last_read = buffers[shard][-1][0] if buffers[shard] else start
                rows, more[shard] = read(shard, last_read, per_shard + limit - len(taken))
                buffers[shard].extend(rows)
            heads = [(buffers[s][cursor[s]][0], s) for s in live if cursor[s] < len(buffers[s])]
            if not heads:
                break
            sort_key, shard = max(heads)
            taken.append((sort_key, buffers[shard][cursor[shard]][1]))
            cursor[shard] += 1

        done |= {s for s in live if cursor[s] == len(buffers[s]) and not more[s]}
        finished = len(done) == len(pks) or not taken
        return Page(
            rows=[jsonio.loads(summary) for _, summary in taken],
            next=None if finished else PagePosition(after=taken[-1][0], done=frozenset(done)),
        )
