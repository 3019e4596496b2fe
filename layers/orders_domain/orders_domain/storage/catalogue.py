"""A tenant's catalogue in the orders table: the only code that reads or writes it (the units orders
take and give back: storage.stock).
Every item but the stock sits in the tenant's catalogue partition (keys.catalogue_pk): a product
per `PRODUCT#<type>#<id>`, a shipping product per `SHIPPING#<id>`, and `SETTINGS`. A product's
document (`doc`) is what the admin put. Lists are a Query on the partition (begins_with on the
sort key): no Scan.
A product of limited stock keeps its units in stock buckets (storage.stock_keys, issue 33; stored
and read by storage.stock_levels): the product item says how many (`stock_buckets`, one per 64
units up to 32; absent: unlimited) and each bucket is an item of its own partition, so an order's
create decrements one of them in its own transaction (issue 31) and a sale does not write the
catalogue partition. `stock_available` answered is the sum of the buckets, read after the products
(one BatchGetItem per 100 buckets). An item written before buckets keeps its units in `stock` until
a PUT or the first reservation moves them (storage.stock).

A PUT or DELETE reads the product's bucket count (one consistent GetItem) and writes the product
item, its buckets and the removal of the buckets beyond its new count (all, for a DELETE) in one
transaction, on the condition that the count is still the one read (else read and made again): all
or nothing, and no bucket is left beyond the count the item says.
When sales are drawing from the buckets at that moment, the transaction meets one of them
(TransactionConflict) and the writes go one at a time instead, in an order that never lets more
be sold than the stock says (`_write`): a PUT of limited stock writes the buckets before the
product item, each bucket set to its share whatever it held (a sale from a bucket before its write
sold old stock, as one just before a PUT does: a PUT sets the stock, sales since the admin's read
are not added back; after it, the new share), so once the PUT answers the buckets hold the new
stock less what was sold of it; a DELETE, or a PUT of unlimited stock, writes the product item
first (no create reserves from it any more) and then removes the buckets (a reservation planned
before fails its condition and is refused as sold out, as before buckets).
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from orders_domain.models.catalogue import CatalogueSettings, Product, ShippingProduct
from orders_domain.storage import faults, keys, recent_items
from orders_domain.storage import stock_keys as sk
from orders_domain.storage.codec import typed_key
from orders_domain.storage.faults import translate_store_errors
from orders_domain.storage.pages import batch_get, query_prefix
from orders_domain.storage.stock_levels import bucket_delete, bucket_put, forget, totals

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_DOC = "doc"
#: The stock of a product item written before buckets (storage.stock moves it into buckets).
STOCK = sk.LEGACY_STOCK
#: `stock_available` of a limited product read without its levels (`lookup(levels=False)`).
LEVEL_NOT_READ = -1
#: How often one write of a PUT or DELETE done one at a time is sent again after a conflict, and
#: how often a PUT or DELETE is made again when another changed the product's bucket count between.
_WRITE_ATTEMPTS = 10

Ref = tuple[str, str]


def product_item(product: Product) -> dict[str, Any]:
    """The item of a product: its key, its document without the stock, and (limited stock) how many
    buckets hold its units."""
    item: dict[str, Any] = {
        **typed_key(keys.product_key(product.tenant_id, product.product_type, product.product_id)),
        "entity": {"S": "product"},
        _DOC: {"S": product.model_dump_json(exclude={"stock_available"})},
    }
    if product.stock_available is not None:
        item[sk.BUCKETS] = {"N": str(sk.bucket_count(product.stock_available))}
    return item


def product_of(item: dict[str, Any], left: int | None = None) -> Product:
    """The product of an item with `left` units (its buckets' sum; an item written before buckets:
    its `stock`; neither: unlimited)."""
    product = Product.model_validate_json(item[_DOC]["S"])
    if sk.BUCKETS in item:
        level: int | None = LEVEL_NOT_READ if left is None else left
    else:
        level = int(item[STOCK]["N"]) if STOCK in item else None
    return product.model_copy(update={"stock_available": level})


def _ref(item: dict[str, Any]) -> Ref:
    return keys.product_of_sort_key(item["SK"]["S"])


def _on_count(action: dict[str, Any], count: int | None) -> dict[str, Any]:
    """A product item's Put or Delete, on the condition that the stored item's bucket count is still
    `count` (None: it has none), so the buckets written and removed beside it are the right ones."""
    body = next(iter(action.values()))
    body["ExpressionAttributeNames"] = {"#n": sk.BUCKETS}
    condition = "attribute_not_exists(#n)" if count is None else "#n = :count"
    if count is not None:
        body["ExpressionAttributeValues"] = {":count": {"N": str(count)}}
    if "ConditionExpression" in body:
        condition = f"{body['ConditionExpression']} AND {condition}"
    body["ConditionExpression"] = condition
    return action


def cancellation_codes(exc: ClientError) -> list[str | None]:
    """Why each item of a cancelled transaction was refused (`None`: it was not)."""
    reasons = exc.response.get("CancellationReasons") or []  # type: ignore[typeddict-item]
    return [reason.get("Code") for reason in reasons]


# ---------------------------------------------------------------------------- the store
class DynamoCatalogue:
    """`ports.CatalogueStore` on DynamoDB."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _products(
        self,
        tenant_id: str,
        items: Sequence[dict[str, Any]],
        *,
        consistent: bool = False,
        levels: bool = True,
    ) -> list[Product]:
        """The products of these items, each with its stock left (the buckets of those that have
        them: one read for all, unless `levels` is False)."""
        bucketed = {_ref(item): int(item[sk.BUCKETS]["N"]) for item in items if sk.BUCKETS in item}
        left: dict[Ref, int] = {}
        if bucketed and levels:
            left = totals(self._client, self._table, tenant_id, bucketed, consistent=consistent)
        return [product_of(item, left.get(_ref(item))) for item in items]

    @translate_store_errors
    def get(
        self, tenant_id: str, product_type: str, product_id: str, *, consistent: bool = False
    ) -> Product | None:
        out = self._client.get_item(
            TableName=self._table,
            Key=typed_key(keys.product_key(tenant_id, product_type, product_id)),
            ConsistentRead=consistent,
        )
        item = out.get("Item")
        return self._products(tenant_id, [item], consistent=consistent)[0] if item else None

    @translate_store_errors
    def get_many(self, tenant_id: str, refs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Product]:
        """BatchGetItem by key, 100 at a time (then the stock of those that have buckets)."""
        wanted = [keys.product_key(tenant_id, t, i) for t, i in dict.fromkeys(refs)]
        names = {"#d": _DOC, "#s": STOCK, "#n": sk.BUCKETS}
        items = batch_get(self._client, self._table, wanted, "SK, #d, #s, #n", names)
        return {(p.product_type, p.product_id): p for p in self._products(tenant_id, items)}

    @translate_store_errors
    def lookup(
        self, tenant_id: str, refs: Sequence[tuple[str, str]], *, levels: bool = True
    ) -> tuple[dict[tuple[str, str], Product], CatalogueSettings]:
        """The named products and the settings: one BatchGetItem (the settings item is one more key),
        then the stock of the products that have buckets. `levels` False (a create's read: its
        reservation's conditions decide): not that read; a limited product's `stock_available` is
        then LEVEL_NOT_READ, which says only that its stock is limited; and the items read a moment
        ago are used again (storage.recent_items: every create makes this read)."""
        settings_key = keys.catalogue_settings_key(tenant_id)
        wanted = [settings_key, *(keys.product_key(tenant_id, t, i) for t, i in dict.fromkeys(refs))]
        names = {"#d": _DOC, "#s": STOCK, "#n": sk.BUCKETS}

        def read(these: list[Any]) -> list[dict[str, Any]]:
            return batch_get(self._client, self._table, these, "PK, SK, #d, #s, #n", names)

        items = read(wanted) if levels else recent_items.read_through(self._table, wanted, read)
        settings = CatalogueSettings()
        found = []
        for item in items:
            if item["SK"]["S"] == settings_key["SK"]:
                settings = CatalogueSettings.model_validate_json(item[_DOC]["S"])
            else:
                found.append(item)
        products = self._products(tenant_id, found, levels=levels)
        return {(p.product_type, p.product_id): p for p in products}, settings

    @translate_store_errors
    def put(self, product: Product) -> None:
        """The product item and its buckets (module docstring): its stock split evenly over
        `bucket_count` of them, or none when its stock is unlimited; the buckets its old count had
        beyond the new one removed."""
        tenant, ref = product.tenant_id, (product.product_type, product.product_id)
        item = product_item(product)
        new = sk.count_of(item)
        for _ in range(_WRITE_ATTEMPTS):
            old = self._stored_count(tenant, ref)[1]
            put = _on_count({"Put": {"TableName": self._table, "Item": item}}, old)
            beyond = [bucket_delete(self._table, tenant, ref, b) for b in range(new or 0, old or 0)]
            if product.stock_available is None:
                written = self._write([put], beyond)
            else:
                shares = enumerate(sk.split(product.stock_available, new or 1))
                written = self._write(
                    [bucket_put(self._table, tenant, ref, b, u) for b, u in shares], [put, *beyond]
                )
            forget(self._table, tenant, ref)
            if written:
                return
        raise faults.unavailable()  # another PUT or DELETE of the product every time

    @translate_store_errors
    def delete(self, tenant_id: str, product_type: str, product_id: str) -> bool:
        """Remove the product and its buckets (module docstring); False when there was no product."""
        ref = (product_type, product_id)
        for _ in range(_WRITE_ATTEMPTS):
            there, old = self._stored_count(tenant_id, ref)
            forget(self._table, tenant_id, ref)
            if not there:
                return False
            key = typed_key(keys.product_key(tenant_id, *ref))
            item = {
                "Delete": {
                    "TableName": self._table,
                    "Key": key,
                    "ConditionExpression": "attribute_exists(SK)",
                }
            }
            if self._write(
                [_on_count(item, old)],
                [bucket_delete(self._table, tenant_id, ref, b) for b in range(old or 0)],
            ):
                return True
        raise faults.unavailable()

    def _stored_count(self, tenant_id: str, ref: Ref) -> tuple[bool, int | None]:
        """Whether the product is there, and how many buckets its item says it has (consistent)."""
        found = self._client.get_item(
            TableName=self._table,
            Key=typed_key(keys.product_key(tenant_id, *ref)),
            ConsistentRead=True,
            ProjectionExpression="SK, #n",
            ExpressionAttributeNames={"#n": sk.BUCKETS},
        ).get("Item")
        return found is not None, sk.count_of(found) if found is not None else None

    def _write(self, first: list[dict[str, Any]], then: list[dict[str, Any]]) -> bool:
        """`first` and `then` in one transaction; when it meets a concurrent one (a sale drawing from
        a bucket), one at a time in that order (module docstring). False when the product item's
        condition failed (the only conditional item: nothing written, or, one at a time, nothing
        after it)."""
        items: list[Any] = [*first, *then]
        try:
            self._client.transact_write_items(TransactItems=items)
            return True
        except ClientError as exc:
            codes = cancellation_codes(exc)
            if "ConditionalCheckFailed" in codes:
                return False
            if "ThrottlingError" in codes:
                raise faults.throttled() from exc
            if "TransactionConflict" not in codes:
                raise
        return all(self._write_one(action) for action in [*first, *then])

    def _write_one(self, action: dict[str, Any]) -> bool:
        """One Put or Delete of a transaction, alone; sent again after a conflict with a sale's
        transaction (a bounded number of times). False when its condition failed."""
        for attempt in range(_WRITE_ATTEMPTS):
            try:
                if "Put" in action:
                    self._client.put_item(**action["Put"])
                else:
                    self._client.delete_item(**action["Delete"])
                return True
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if code == "ConditionalCheckFailedException":
                    return False
                if code != "TransactionConflictException" or attempt == _WRITE_ATTEMPTS - 1:
                    raise  # a conflict every time: 503 (storage.faults)
                time.sleep(random.uniform(0, 0.005 * (attempt + 1)))  # noqa: S311 - jitter, not a secret
        return True  # not reached: the last attempt returns or raises

    @translate_store_errors
    def page(
        self, tenant_id: str, *, limit: int, after: str | None = None
    ) -> tuple[list[Product], str | None]:
        """Products in (type, id) order; `after` is the position (`<type>#<id>`) of the last one read."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": {
                ":pk": {"S": keys.catalogue_pk(tenant_id)},
                ":prefix": {"S": keys.PRODUCT_PREFIX},
            },
            "Limit": limit,
        }
        if after is not None:
            request["ExclusiveStartKey"] = {
                "PK": {"S": keys.catalogue_pk(tenant_id)},
                "SK": {"S": keys.PRODUCT_PREFIX + after},
            }
        out = self._client.query(**request)
        products = self._products(tenant_id, out.get("Items", []))
        last = out.get("LastEvaluatedKey")
        position = "#".join(keys.product_of_sort_key(last["SK"]["S"])) if last and products else None
        return products, position

    @translate_store_errors
    def shipping(self, tenant_id: str) -> list[ShippingProduct]:
        items = query_prefix(self._client, self._table, keys.catalogue_pk(tenant_id), keys.SHIPPING_PREFIX)
        found = [ShippingProduct.model_validate_json(item[_DOC]["S"]) for item in items]
        return sorted(found, key=lambda s: (s.display_order, s.id))

    @translate_store_errors
    def put_shipping(self, tenant_id: str, shipping: ShippingProduct) -> None:
        item = {
            **typed_key(keys.shipping_key(tenant_id, shipping.id)),
            "entity": {"S": "shipping_product"},
            _DOC: {"S": shipping.model_dump_json()},
        }
        self._client.put_item(TableName=self._table, Item=item)

    @translate_store_errors
    def settings(self, tenant_id: str) -> CatalogueSettings:
        out = self._client.get_item(
            TableName=self._table, Key=typed_key(keys.catalogue_settings_key(tenant_id))
        )
        item = out.get("Item")
        return CatalogueSettings.model_validate_json(item[_DOC]["S"]) if item else CatalogueSettings()

    @translate_store_errors
    def put_settings(self, tenant_id: str, settings: CatalogueSettings) -> None:
        item = {
            **typed_key(keys.catalogue_settings_key(tenant_id)),
            "entity": {"S": "catalogue_settings"},
            _DOC: {"S": settings.model_dump_json()},
        }
        self._client.put_item(TableName=self._table, Item=item)
        recent_items.forget(self._table, [keys.catalogue_settings_key(tenant_id)])
