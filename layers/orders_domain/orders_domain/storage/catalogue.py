"""A tenant's catalogue in the orders table: the only code that reads or writes it.

Every item sits in the tenant's catalogue partition (keys.catalogue_pk): a product per
`PRODUCT#<type>#<id>`, a shipping product per `SHIPPING#<id>`, and `SETTINGS`. A product's document
(`doc`) is what the admin put; its stock left is a number attribute of its own (`stock`, absent:
unlimited), so an order's create can decrement it in its own transaction on the condition that it
stays ≥ 0 (issue 31). Lists are a Query on the partition (begins_with on the sort key): no Scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from orders_domain.models.catalogue import CatalogueSettings, Product, ShippingProduct
from orders_domain.storage import keys
from orders_domain.storage.codec import condition_failed, typed_key
from orders_domain.storage.faults import translate_store_errors
from orders_domain.storage.pages import batch_get, query_prefix

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_DOC = "doc"
#: A product's stock left: a number attribute of its own (storage.stock moves it with orders).
STOCK = "stock"


def product_item(product: Product) -> dict[str, Any]:
    """The item of a product: its key, its document without the stock, and the stock as a number."""
    item: dict[str, Any] = {
        **typed_key(keys.product_key(product.tenant_id, product.product_type, product.product_id)),
        "entity": {"S": "product"},
        _DOC: {"S": product.model_dump_json(exclude={"stock_available"})},
    }
    if product.stock_available is not None:
        item[STOCK] = {"N": str(product.stock_available)}
    return item


def product_of(item: dict[str, Any]) -> Product:
    product = Product.model_validate_json(item[_DOC]["S"])
    stock = item.get(STOCK)
    return product.model_copy(update={"stock_available": int(stock["N"]) if stock else None})


class DynamoCatalogue:
    """`ports.CatalogueStore` on DynamoDB."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

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
        return product_of(item) if item else None

    @translate_store_errors
    def get_many(self, tenant_id: str, refs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Product]:
        """BatchGetItem by key, 100 at a time."""
        wanted = [keys.product_key(tenant_id, t, i) for t, i in dict.fromkeys(refs)]
        items = batch_get(self._client, self._table, wanted, "#d, #s", {"#d": _DOC, "#s": STOCK})
        found = [product_of(item) for item in items]
        return {(p.product_type, p.product_id): p for p in found}

    @translate_store_errors
    def lookup(
        self, tenant_id: str, refs: Sequence[tuple[str, str]]
    ) -> tuple[dict[tuple[str, str], Product], CatalogueSettings]:
        """The named products and the settings: one BatchGetItem (the settings item is one more key)."""
        settings_key = keys.catalogue_settings_key(tenant_id)
        wanted = [settings_key, *(keys.product_key(tenant_id, t, i) for t, i in dict.fromkeys(refs))]
        items = batch_get(self._client, self._table, wanted, "SK, #d, #s", {"#d": _DOC, "#s": STOCK})
        settings = CatalogueSettings()
        products: dict[tuple[str, str], Product] = {}
        for item in items:
            if item["SK"]["S"] == settings_key["SK"]:
                settings = CatalogueSettings.model_validate_json(item[_DOC]["S"])
            else:
                product = product_of(item)
                products[(product.product_type, product.product_id)] = product
        return products, settings

    @translate_store_errors
    def put(self, product: Product) -> None:
        self._client.put_item(TableName=self._table, Item=product_item(product))

    @translate_store_errors
    def delete(self, tenant_id: str, product_type: str, product_id: str) -> bool:
        try:
            self._client.delete_item(
                TableName=self._table,
                Key=typed_key(keys.product_key(tenant_id, product_type, product_id)),
                ConditionExpression="attribute_exists(SK)",
            )
        except ClientError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

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
        products = [product_of(item) for item in out.get("Items", [])]
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
