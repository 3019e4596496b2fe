"""The orders table's order items: the only code that reads or writes them.

An order item is its key, its index attributes (keys.py), and attributes of its own:

- `doc`: the order's answer without its links, as one compact JSON string (domain.order_text
  `body_text`: Decimals as JSON numbers digit for digit), and `actions`: the actions the order's
  state allowed when it was written (`order_text.actions`, comma-separated): a plain GET answers
  the two joined (`order_text.with_links`) as they are. `internal`: the fields an answer leaves out
  (RESPONSE_EXCLUDED_FIELDS: the tenant, the deletion marks, the recent write ids), as JSON. `fmt`
  is the rendering's version (order_text.RENDER_VERSION). One string is what botocore parses on a
  get and what it checks on a write, instead of a nested typed map of every field. Items written
  before issue 36 have no `fmt`: their `doc` is the whole order with Decimals as strings; they are
  read as they are (`order_of`) and rewritten in this form by their next write.
- `summary`: the order's list row (models.SUMMARY_FIELDS) as JSON; the only non-key attribute
  the indexes project, so an index write is 1 WCU and a list page reads rows, not orders.
- `sys_version` (the write condition) and `request_fingerprint` (the create's request hash).

`OrderRecord` converts both ways, so no raw item ever leaves this module.
"""

from __future__ import annotations

import json
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from orders_domain.domain import jsonio
from orders_domain.domain.catalogue_rules import Reservation
from orders_domain.domain.errors import OrderAlreadyExists, PayloadTooLarge, VersionConflict
from orders_domain.domain.order_text import (
    RENDER_VERSION,
    OrderAnswer,
    actions,
    body_text,
    links_of,
    order_text,
    with_links,
)
from orders_domain.domain.page_positions import Page, PagePosition
from orders_domain.models import Order
from orders_domain.models.fulfillments import Fulfillment
from orders_domain.models.orders import RESPONSE_EXCLUDED_FIELDS, SUMMARY_FIELDS
from orders_domain.models.types import MAX_ORDER_STORED_BYTES, fits_stored, stored_bytes
from orders_domain.storage import keys
from orders_domain.storage.busy_parties import BusyParties
from orders_domain.storage.codec import condition_failed, transaction_lost_race, typed_key
from orders_domain.storage.direct_reads import DirectReads
from orders_domain.storage.faults import translate_store_errors
from orders_domain.storage.fulfillments import fulfillment_item
from orders_domain.storage.number_blocks import NumberBlocks
from orders_domain.storage.pages import merged_page, sharded
from orders_domain.storage.party_keys import Party

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


#: DynamoDB refuses items over 400 KB. An order is written in three items, each of which must fit
#: before the first is written: its own (the document in UTF-8, plus its list row and keys), its
#: history entry (the document compressed, or a patch no larger), and a keyed request's idempotency
#: record, whose stored answer is the order's JSON text escaped once more as a JSON string in ASCII
#: (every `"` doubled, every character beyond ASCII six bytes or twelve). The largest of the three
#: is the last: MAX_ORDER_STORED_BYTES bounds it, with room for the record's other attributes and
#: the answer's links; MAX_ORDER_ITEM_BYTES bounds the order's own item.
MAX_ORDER_ITEM_BYTES = 390_000
_DOC, _SUMMARY, _VERSION, _FINGERPRINT = "doc", "summary", "sys_version", "request_fingerprint"
_INTERNAL, _FORMAT, _ACTIONS = "internal", "fmt", "actions"
#: A read of what an order's document is made of: (ProjectionExpression, ExpressionAttributeNames).
#: (An item read without `fmt` would be taken for one written before issue 36.)
DOC_PROJECTION: tuple[str, dict[str, str]] = (
    "#doc, #internal, #fmt, #actions, #version",
    {"#doc": _DOC, "#internal": _INTERNAL, "#fmt": _FORMAT, "#actions": _ACTIONS, "#version": _VERSION},
)
_INTERNAL_FIELDS = set(RESPONSE_EXCLUDED_FIELDS)


def order_of(item: Mapping[str, Any]) -> Order:
    """The order an item holds, exactly: Decimals are read from the stored text's digits, never
    through float (`12.50` stays `12.50`), in both stored forms (module docstring)."""
    text = item[_DOC]["S"]
    if _FORMAT not in item:  # written before issue 36: the whole order, Decimals as strings
        return Order.model_validate_json(text)
    body = json.loads(text, parse_float=Decimal)
    body.update(json.loads(item[_INTERNAL]["S"]))
    return Order.model_validate(body)


def storage_text(order: Order) -> str:
    """The order as one JSON object of its storage form (every field, Decimals as exact strings, a
    payload's numbers as numbers): the `doc` items had before issue 36, and what an order's history
    keeps, whichever form its item has."""
    return jsonio.unmark(order.model_dump_json(exclude_none=True, context={jsonio.FREE_NUMBERS: True}))


def stored_text(item: Mapping[str, Any]) -> str:
    """`storage_text` of the order an item holds, in either stored form (tools and harnesses that
    read stored orders as JSON)."""
    return str(item[_DOC]["S"]) if _FORMAT not in item else storage_text(order_of(item))


def stored_answer(item: Mapping[str, Any], tenant_id: str, order_id: str) -> OrderAnswer:
    """The answer the item of the order (`tenant_id`, `order_id`) holds; rendered again from its
    order when the item was written by another rendering (an older RENDER_VERSION, or before issue 36)."""
    stored_format = item.get(_FORMAT, {}).get("N")
    if stored_format is not None and int(stored_format) == RENDER_VERSION:
        internal = json.loads(item[_INTERNAL]["S"])
        allowed = item[_ACTIONS]["S"].split(",")
        text = with_links(item[_DOC]["S"], links_of(tenant_id, order_id, allowed))
        return OrderAnswer(text, int(item[_VERSION]["N"]), bool(internal.get("sys_deleted")))
    order = order_of(item)
    return OrderAnswer(order_text(order), order.sys_version, bool(order.sys_deleted))


def summary_of(order: Order) -> str:
    """The order's list row as JSON (numbers as JSON numbers, digit for digit)."""
    return jsonio.unmark(
        order.model_dump_json(include=_SUMMARY_INCLUDE, exclude_none=True, context={jsonio.NUMBERS: True})
    )


_SUMMARY_INCLUDE = set(SUMMARY_FIELDS)


def check_storable(doc: str, *beside: str) -> None:
    """413 unless every item the order is written into fits DynamoDB (MAX_ORDER_STORED_BYTES): in
    bytes, as stored, before anything is written (`beside`: the item's other texts)."""
    own = len(doc.encode("utf-8")) + sum(len(text.encode("utf-8")) for text in beside) + _KEYS_ALLOWANCE
    if not fits_stored(doc) or own > MAX_ORDER_ITEM_BYTES:
        size = max(stored_bytes(doc), own)
        raise PayloadTooLarge(
            f"The order would take {size:,} bytes to store (at most {MAX_ORDER_STORED_BYTES:,}, "
            "counted in UTF-8 with JSON escaping); make its text smaller or split it into several orders."
        )


#: What an order item holds beside its document and row: keys and index attributes, at most.
_KEYS_ALLOWANCE = 4_000


@dataclass(frozen=True)
class OrderRecord:
    """The storage boundary of an order: the order plus what only storage needs.

    A dataclass, not a model: a pydantic wrapper would build Order's schema a second time on a
    cold start.
    """

    order: Order
    #: SHA-256 of the create request that made the order (idempotent retries compare it).
    request_fingerprint: str | None = None

    def order_attributes(self, busy: Container[Party] = ()) -> dict[str, Any]:
        """What the order owns in its item (typed for DynamoDB): document, row, version, index keys
        (its rows of the `busy` parties spread: storage.party_keys)."""
        order = self.order
        # The order's answer, and beside it what an answer leaves out (module docstring).
        doc = body_text(order)
        internal = order.model_dump_json(include=_INTERNAL_FIELDS, exclude_none=True)
        summary = summary_of(order)
        check_storable(doc, summary, internal)
        attributes: dict[str, Any] = {
            _DOC: {"S": doc},
            _ACTIONS: {"S": ",".join(actions(order))},
            _INTERNAL: {"S": internal},
            _FORMAT: {"N": str(RENDER_VERSION)},
            _SUMMARY: {"S": summary},
            _VERSION: {"N": str(order.sys_version)},
        }
        attributes.update({k: {"S": v} for k, v in keys.order_index_attributes(order, busy).items()})
        return attributes

    def to_item(self, busy: Container[Party] = ()) -> dict[str, Any]:
        order = self.order
        key = keys.order_key(order.tenant_id, order.id)
        item = {**typed_key(key), "entity": {"S": "order"}}
        item.update(self.order_attributes(busy))
        if self.request_fingerprint:
            item[_FINGERPRINT] = {"S": self.request_fingerprint}
        return item

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> OrderRecord:
        fingerprint = item.get(_FINGERPRINT, {}).get("S")
        return cls(order=order_of(item), request_fingerprint=fingerprint)


#: Index attributes an order may carry; a replace removes the ones it no longer has.
_INDEX_ATTRIBUTES = keys.KEY_ATTRIBUTES - {"PK", "SK", "entity"}


class DynamoOrderRepository:
    """`ports.OrderRepository` on DynamoDB."""

    def __init__(self, client: DynamoDBClient, table_name: str, *, direct_reads: bool = False) -> None:
        self._client = client
        self._table = table_name
        # A read of one order skips the SDK's per-call work where it can (storage/direct_reads.py).
        self._direct = DirectReads.for_client(client) if direct_reads else None
        self._numbers = NumberBlocks(self._take_numbers)
        self.busy_parties = BusyParties(client, table_name)

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
    def create(
        self,
        order: Order,
        *,
        request_fingerprint: str | None = None,
        reservations: Sequence[Reservation] = (),
    ) -> None:
        record = OrderRecord(order=order, request_fingerprint=request_fingerprint)
        item = record.to_item(self.busy_parties.busy_for(order))
        if reservations:
            self._create_reserving(order, item, reservations, request_fingerprint)
            return
        try:
            self._client.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(PK)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if condition_failed(exc):
                raise _already_exists(exc.response.get("Item")) from exc  # type: ignore[arg-type]
            raise

    def _create_reserving(
        self, order: Order, item: dict[str, Any], reservations: Sequence[Reservation], fingerprint: str | None
    ) -> None:
        from orders_domain.storage import stock  # the catalogue's items only when reserving

        try:
            stock.create_reserving(self._client, self._table, order, item, reservations, fingerprint)
        except stock.OrderTaken as taken:
            raise _already_exists(taken.old) from taken.__cause__

    @translate_store_errors
    def replace(
        self,
        order: Order,
        *,
        expected_version: int,
        fulfillment: Fulfillment | None = None,
        request_token: str | None = None,
        releases: Sequence[Reservation] = (),
    ) -> None:
        """Write a changed order only if nobody changed it since `expected_version` was read.

        An update, not a put: it sets what the order owns and removes index attributes it no
        longer has, and leaves the rest of the item (the create's request fingerprint) as it was.
        With a `fulfillment`, the order and the fulfillment item are one TransactWriteItems: both
        are written or neither (the order's version condition guards the fulfillment too: every
        write of a fulfillment moves its order's version). With a `request_token` the write is a
        TransactWriteItems carrying it as `ClientRequestToken`: DynamoDB applies a transaction once
        per token (for ten minutes), so botocore's retry of a write whose answer was lost succeeds
        without applying it again (services.refunds).
        """
        attributes = OrderRecord(order=order).order_attributes(self.busy_parties.busy_for(order))
        removed = sorted(_INDEX_ATTRIBUTES - attributes.keys())
        names = {f"#s{i}": name for i, name in enumerate(attributes)}
        names.update({f"#r{i}": name for i, name in enumerate(removed)})
        values = {f":s{i}": value for i, value in enumerate(attributes.values())}
        expression = "SET " + ", ".join(f"#s{i} = :s{i}" for i in range(len(attributes)))
        if removed:
            expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(removed)))
        update: dict[str, Any] = {
            "TableName": self._table,
            "Key": typed_key(keys.order_key(order.tenant_id, order.id)),
            "UpdateExpression": expression,
            "ConditionExpression": "attribute_exists(PK) AND #version = :expected",
            "ExpressionAttributeNames": {**names, "#version": _VERSION},
            "ExpressionAttributeValues": {**values, ":expected": {"N": str(expected_version)}},
        }
        conflict = f"Order {order.id} was changed by another request; read it again and retry."
        try:
            if fulfillment is None and request_token is None and not releases:
                self._client.update_item(**update)
            else:
                items: list[Any] = [{"Update": update}]
                if fulfillment is not None:
                    items.append({"Put": {"TableName": self._table, "Item": fulfillment_item(fulfillment)}})
                if releases:
                    from orders_domain.storage import stock

                    items += stock.increments(
                        self._client, self._table, order.tenant_id, releases, order_id=order.id
                    )
                if request_token:
                    self._client.transact_write_items(TransactItems=items, ClientRequestToken=request_token)
                else:
                    self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            if condition_failed(exc) or transaction_lost_race(exc):
                raise VersionConflict(conflict) from exc
            raise

    def _item(self, tenant_id: str, order_id: str, consistent: bool) -> Mapping[str, Any] | None:
        """An order's item, what its document is made of (DOC_PROJECTION): one GetItem."""
        projection, names = DOC_PROJECTION
        params: dict[str, Any] = {
            "TableName": self._table,
            "Key": typed_key(keys.order_key(tenant_id, order_id)),
            "ConsistentRead": consistent,
            "ProjectionExpression": projection,
            "ExpressionAttributeNames": names,
        }
        out = self._direct.get_item(params) if self._direct is not None else None
        item: Mapping[str, Any] | None = (out if out is not None else self._client.get_item(**params)).get(
            "Item"
        )
        return item

    @translate_store_errors
    def get(
        self, tenant_id: str, order_id: str, *, consistent: bool = False, include_deleted: bool = False
    ) -> Order | None:
        item = self._item(tenant_id, order_id, consistent)
        if item is None:
            return None
        order = OrderRecord.from_item(item).order
        return None if order.sys_deleted and not include_deleted else order

    @translate_store_errors
    def get_answer(self, tenant_id: str, order_id: str, *, consistent: bool = False) -> OrderAnswer | None:
        """The order's answer as stored (`stored_answer`), None when there is no such order or it is
        deleted: what a plain GET serves without building the order."""
        item = self._item(tenant_id, order_id, consistent)
        if item is None:
            return None
        answer = stored_answer(item, tenant_id, order_id)
        return None if answer.deleted else answer

    @translate_store_errors
    def get_by_token(self, tenant_id: str, token: str) -> Order | None:
        """The by-token index holds keys only: find the order's key there, then read the order."""
        order_id = self.id_by_token(tenant_id, token)
        return None if order_id is None else self.get(tenant_id, order_id)

    @translate_store_errors
    def id_by_token(self, tenant_id: str, token: str) -> str | None:
        """The id of the order with this guest token: one Query on the keys-only by-token index."""
        params: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": keys.INDEX_TOKEN,
            "KeyConditionExpression": "token_pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": keys.token_pk(tenant_id, token)}},
            "Limit": 1,
        }
        out = self._direct.query(params) if self._direct is not None else None
        if out is None:
            out = dict(self._client.query(**params))
        items = out.get("Items", [])
        if not items:
            return None
        return keys.order_id_of(str(items[0]["PK"]["S"]))

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
        """One page of the tenant's list rows on a write-sharded index, newest first (storage.pages)."""
        return merged_page(
            self._client, self._table, sharded(tenant_id, index, status), limit=limit, after=after
        )


def _already_exists(old: Mapping[str, Any] | None) -> OrderAlreadyExists:
    """The error of a create whose id is taken, with the stored order when the store returned it."""
    if not old:
        return OrderAlreadyExists()
    record = OrderRecord.from_item(old)
    return OrderAlreadyExists(record.order, record.request_fingerprint)
