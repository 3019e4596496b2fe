"""The orders table's fulfillment items: the only code that reads them (the order repository writes
them, in the same transaction as the order: storage.orders).

A fulfillment item is its key (in its order's item collection, keys.fulfillment_key), its list keys
(keys.fulfillment_index_attributes) and `summary`: the fulfillment as JSON, which is also what the
indexes project, so a list page reads whole fulfillments from the index alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from orders_domain.domain.page_positions import Page, PagePosition, Place
from orders_domain.models.fulfillments import Fulfillment, fulfillment_json
from orders_domain.storage import keys
from orders_domain.storage.codec import typed_key
from orders_domain.storage.faults import translate_store_errors
from orders_domain.storage.pages import batch_get, merged_page, partitions_of_all

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_SUMMARY = "summary"
#: The most fulfillments of one order a list reads (each fulfil call makes one; an order with more
#: is listed by its first ones, and `created_time` narrows).
MAX_PER_ORDER = 1000


def fulfillment_item(fulfillment: Fulfillment) -> dict[str, Any]:
    """The typed item of a fulfillment (its id names its order and version: keys.fulfillment_id)."""
    parsed = keys.parse_fulfillment_id(fulfillment.id)
    if parsed is None or parsed[0] != fulfillment.order_id:
        raise ValueError(f"{fulfillment.id} is not a fulfillment id of order {fulfillment.order_id}")
    key = keys.fulfillment_key(fulfillment.tenant_id, fulfillment.order_id, parsed[1])
    attributes = keys.fulfillment_index_attributes(
        fulfillment.tenant_id,
        fulfillment.order_id,
        fulfillment.id,
        fulfillment.created_time,
        fulfillment.tracking_number,
    )
    item = {**typed_key(key), "entity": {"S": "fulfillment"}, _SUMMARY: {"S": fulfillment_json(fulfillment)}}
    item.update({name: {"S": value} for name, value in attributes.items()})
    return item


def _parse(summary: str) -> Fulfillment:
    return Fulfillment.model_validate_json(summary)


class DynamoFulfillments:
    """`ports.FulfillmentStore` on DynamoDB: by id (key), by order (its item collection), pages."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    @translate_store_errors
    def get(self, tenant_id: str, fulfillment_id: str, *, consistent: bool = False) -> Fulfillment | None:
        parsed = keys.parse_fulfillment_id(fulfillment_id)
        if parsed is None:
            return None
        out = self._client.get_item(
            TableName=self._table,
            Key=typed_key(keys.fulfillment_key(tenant_id, *parsed)),
            ConsistentRead=consistent,
            ProjectionExpression="#s",
            ExpressionAttributeNames={"#s": _SUMMARY},
        )
        item = out.get("Item")
        return _parse(item[_SUMMARY]["S"]) if item else None

    @translate_store_errors
    def of_order(self, tenant_id: str, order_id: str, *, consistent: bool = False) -> list[Fulfillment]:
        """The order's fulfillments, oldest first (at most MAX_PER_ORDER): a Query on its items."""
        found: list[Fulfillment] = []
        start: dict[str, Any] | None = None
        while len(found) < MAX_PER_ORDER:
            request: dict[str, Any] = {
                "TableName": self._table,
                "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
                "ExpressionAttributeValues": {
                    ":pk": {"S": keys.order_key(tenant_id, order_id)["PK"]},
                    ":prefix": {"S": keys.FULFILLMENT_PREFIX},
                },
                "ProjectionExpression": "#s",
                "ExpressionAttributeNames": {"#s": _SUMMARY},
                "ConsistentRead": consistent,
                "Limit": MAX_PER_ORDER - len(found),
            }
            if start:
                request["ExclusiveStartKey"] = start
            out = self._client.query(**request)
            found.extend(_parse(item[_SUMMARY]["S"]) for item in out.get("Items", []))
            start = out.get("LastEvaluatedKey")
            if not start:
                break
        return found

    @translate_store_errors
    def by_ids(self, tenant_id: str, fulfillment_ids: Sequence[str]) -> list[Fulfillment]:
        """The named fulfillments that exist, in no order: BatchGetItem by key, 100 at a time."""
        wanted = [p for p in dict.fromkeys(map(keys.parse_fulfillment_id, fulfillment_ids)) if p is not None]
        item_keys = [keys.fulfillment_key(tenant_id, *p) for p in wanted]
        items = batch_get(self._client, self._table, item_keys, "#s", {"#s": _SUMMARY})
        return [_parse(item[_SUMMARY]["S"]) for item in items]

    @translate_store_errors
    def page(
        self,
        places: Sequence[Place],
        *,
        limit: int,
        after: str | None,
        stop: str | None,
        ascending: bool,
        keep: Callable[[Fulfillment], bool] | None = None,
    ) -> tuple[list[Fulfillment], bool, int]:
        """Up to `limit` kept fulfillments strictly beyond sort key `after` (newest first, or oldest
        first when `ascending`), none at or past `stop`; whether more may follow; rows examined."""
        parsed: dict[str, Fulfillment] = {}  # each row examined is validated once, kept or not

        def fulfillment_of(row: dict[str, Any]) -> Fulfillment:
            found = parsed.get(row["id"])
            if found is None:
                found = parsed[row["id"]] = Fulfillment.model_validate(row)
            return found

        keep_row = None if keep is None else (lambda row: keep(fulfillment_of(row)))
        page: Page = merged_page(
            self._client,
            self._table,
            partitions_of_all(places),
            limit=limit,
            after=PagePosition(after=after) if after is not None else None,
            keep=keep_row,
            ascending=ascending,
            stop=stop,
        )
        return [fulfillment_of(row) for row in page.rows], page.next is not None, page.examined
