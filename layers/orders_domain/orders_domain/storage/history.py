"""Order history entries in the orders table: the only code that reads or writes them.

One item per version in the order's own item collection (keys.history_key). The stream consumer
stores them `put_entries`: up to 25 in one BatchWriteItem, unconditional puts. No condition is
needed: an entry is a pure function of its stream record (the old and new images of that version,
which never change), so a record delivered again, late or out of order writes the very item already
there; it is billed as the refused conditional put it replaces would be (the item's size), and the
entries have no index to write. The consumer's write CPU is mostly the SDK's, per call (about a
millisecond a PutItem, a tenth of that per item of a BatchWriteItem: `make bench`'s stream
section). `append` is the single put, conditional on the entry being new (False: it was there).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from orders_domain.domain import jsonio
from orders_domain.domain.events import OrderEvent
from orders_domain.domain.history_entries import HistoryEntry
from orders_domain.storage import keys
from orders_domain.storage.codec import condition_failed, typed_key
from orders_domain.storage.faults import throttled, transient_error, translate_store_errors

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def to_item(tenant_id: str, order_id: str, entry: HistoryEntry) -> dict[str, Any]:
    key = keys.history_key(tenant_id, order_id, entry.version)
    item: dict[str, Any] = {
        **typed_key(key),
        "entity": {"S": "history"},
        "version": {"N": str(entry.version)},
        "event": {"S": entry.event.value},
        "at": {"S": entry.at},
        "changed": {"S": json.dumps(list(entry.changed), separators=(",", ":"))},
    }
    if entry.actor:
        item["actor"] = {"S": entry.actor}
    if entry.override is not None:
        item["override"] = {"S": jsonio.dumps(entry.override)}
    if entry.snapshot is not None:
        item["snapshot"] = {"B": entry.snapshot}
    else:
        item["patch"] = {"S": json.dumps(list(entry.patch or ()), separators=(",", ":"), ensure_ascii=False)}
    return item


def _key_of(item: Mapping[str, Any]) -> tuple[str, str]:
    return str(item["PK"]["S"]), str(item["SK"]["S"])


def from_item(item: Mapping[str, Any]) -> HistoryEntry:
    return HistoryEntry(
        version=int(item["version"]["N"]),
        event=OrderEvent(item["event"]["S"]),
        at=item["at"]["S"],
        actor=item.get("actor", {}).get("S"),
        changed=tuple(json.loads(item["changed"]["S"])),
        patch=tuple(json.loads(item["patch"]["S"])) if "patch" in item else None,
        snapshot=bytes(item["snapshot"]["B"]) if "snapshot" in item else None,
        override=jsonio.loads(item["override"]["S"]) if "override" in item else None,
    )


#: BatchWriteItem's most requests per call.
ENTRIES_PER_CALL = 25


class DynamoHistoryStore:
    #: The most entries one `put_entries` call takes.
    most_per_call = ENTRIES_PER_CALL

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def put_entries(self, entries: Sequence[tuple[str, str, HistoryEntry]]) -> list[Exception | None]:
        """Store (tenant, order id, entry)s, at most `most_per_call`, in one BatchWriteItem. Per
        entry, in order: None when stored; `Throttled` when DynamoDB left it unprocessed (try it
        again), or the call's own transient error for all of them; else the error that stopped it:
        a call refused as a whole for another reason (an item too large, say) is made again one
        put per entry, so that only the bad entry fails."""
        items = [to_item(tenant_id, order_id, entry) for tenant_id, order_id, entry in entries]
        requests: list[Any] = [{"PutRequest": {"Item": item}} for item in items]
        try:
            answer = self._client.batch_write_item(RequestItems={self._table: requests})
        except (ClientError, BotoCoreError) as exc:
            error = transient_error(exc)
            if error is not None:
                return [error] * len(items)
            return [self._put_alone(*entry) for entry in entries]
        left = {
            _key_of(r["PutRequest"]["Item"]) for r in answer.get("UnprocessedItems", {}).get(self._table, [])
        }
        return [throttled() if _key_of(item) in left else None for item in items]

    def _put_alone(self, tenant_id: str, order_id: str, entry: HistoryEntry) -> Exception | None:
        try:
            self.append(tenant_id, order_id, entry)
        except Exception as error:  # noqa: BLE001 - this entry's failure, reported as its own
            return error
        return None

    @translate_store_errors
    def append(self, tenant_id: str, order_id: str, entry: HistoryEntry) -> bool:
        """Store an entry once; False when it was already there (a redelivered record)."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item(tenant_id, order_id, entry),
                ConditionExpression="attribute_not_exists(SK)",
            )
        except ClientError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def _range(self, tenant_id: str, order_id: str, first: int, last: int | None) -> dict[str, Any]:
        upper = keys.history_key(tenant_id, order_id, last)["SK"] if last is not None else keys.HISTORY_END
        return {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND SK BETWEEN :first AND :last",
            "ExpressionAttributeValues": {
                ":pk": {"S": keys.order_key(tenant_id, order_id)["PK"]},
                ":first": {"S": keys.history_key(tenant_id, order_id, first)["SK"]},
                ":last": {"S": upper},
            },
        }

    @translate_store_errors
    def entries(self, tenant_id: str, order_id: str, *, upto: int | None = None) -> list[HistoryEntry]:
        """The order's entries, oldest first (up to version `upto`)."""
        request = self._range(tenant_id, order_id, 0, upto)
        out: list[HistoryEntry] = []
        while True:
            page = self._client.query(**request)
            out += [from_item(item) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return out
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    @translate_store_errors
    def page(
        self, tenant_id: str, order_id: str, *, after: int, limit: int
    ) -> tuple[list[HistoryEntry], bool]:
        """Up to `limit` entries after version `after`, oldest first, and whether more follow (one
        Query: it asks for one entry more than the page to know)."""
        request = self._range(tenant_id, order_id, after + 1, None)
        found = self._client.query(**request, Limit=limit + 1).get("Items", [])
        return [from_item(item) for item in found[:limit]], len(found) > limit

    def newest_first(self, tenant_id: str, order_id: str) -> Iterator[HistoryEntry]:
        """The order's entries from the newest back, a small page at a time: a caller that stops
        early (time travel to a recent moment) reads only the entries it looked at."""
        request = {**self._range(tenant_id, order_id, 0, None), "ScanIndexForward": False, "Limit": 10}
        query = translate_store_errors(self._client.query)
        while True:
            page = query(**request)
            yield from (from_item(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            request["Limit"] = 25
