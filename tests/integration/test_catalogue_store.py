"""The catalogue on DynamoDB Local: products with their stock, pages in (type, id) order, shipping
products by display order, settings (issue 31, the store the catalogue's routes and creates read)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import boto3
import pytest
from orders_domain.domain.ports import CatalogueStore
from orders_domain.models.catalogue import CatalogueSettings, Product, ProductInput, ShippingProduct
from orders_domain.storage.catalogue import DynamoCatalogue

TENANT = "tenant-a"


def store(tables: dict[str, str], endpoint: str) -> CatalogueStore:
    client = boto3.client("dynamodb", endpoint_url=endpoint)
    return DynamoCatalogue(client, tables["OrdersTable"])  # the port, checked by mypy


def product(product_id: str, tenant: str = TENANT, **changes: Any) -> Product:
    body = ProductInput.model_validate(
        {"name": f"Seat {product_id}", "unit_price": "12.50", "currency_code": "EUR", "stock": 5, **changes}
    )
    return Product.of(tenant, "ticket", product_id, body)


def test_given_a_product_when_put_and_read_then_its_document_and_stock_come_back_exactly(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    catalogue = store(tables, dynamodb_endpoint)
    put = product("p1", variant_options=[{"option_id": "vip", "value": "VIP", "price_delta": "7.50"}])
    catalogue.put(put)
    got = catalogue.get(TENANT, "ticket", "p1", consistent=True)
    assert got == put
    assert got is not None
    assert (got.unit_price, got.stock_available) == (Decimal("12.50"), 5)
    assert str(got.unit_price) == "12.50"  # trailing zero kept: never through float


def test_given_unlimited_stock_when_read_then_none_and_another_tenant_sees_nothing(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    catalogue = store(tables, dynamodb_endpoint)
    catalogue.put(product("free", stock=None))
    assert catalogue.get(TENANT, "ticket", "free", consistent=True).stock_available is None  # type: ignore[union-attr]
    assert catalogue.get("tenant-b", "ticket", "free", consistent=True) is None
    assert catalogue.get_many("tenant-b", [("ticket", "free")]) == {}


def test_given_seven_products_when_paged_by_three_then_each_once_in_order(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    catalogue = store(tables, dynamodb_endpoint)
    ids = [f"p{n}" for n in range(7)]
    for product_id in reversed(ids):
        catalogue.put(product(product_id))
    catalogue.put(product("other", tenant="tenant-b"))
    catalogue.put_shipping(TENANT, ShippingProduct(id="std", name="Standard", cost=Decimal("4.00")))
    seen: list[str] = []
    after: str | None = None
    for _ in range(5):
        page, after = catalogue.page(TENANT, limit=3, after=after)
        seen += [p.product_id for p in page]
        if after is None:
            break
    assert seen == ids
    found = catalogue.get_many(TENANT, [("ticket", "p1"), ("ticket", "p1"), ("ticket", "nope")])
    assert list(found) == [("ticket", "p1")]


def test_given_a_product_when_deleted_twice_then_the_second_finds_nothing(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    catalogue = store(tables, dynamodb_endpoint)
    catalogue.put(product("gone"))
    assert catalogue.delete(TENANT, "ticket", "gone") is True
    assert catalogue.delete(TENANT, "ticket", "gone") is False
    assert catalogue.get(TENANT, "ticket", "gone", consistent=True) is None


@pytest.mark.parametrize("strict", [True, False])
def test_given_settings_when_none_stored_then_not_strict_and_a_put_is_read_back(
    tables: dict[str, str], dynamodb_endpoint: str, strict: bool
) -> None:
    catalogue = store(tables, dynamodb_endpoint)
    assert catalogue.settings(TENANT) == CatalogueSettings(strict=False)
    catalogue.put_settings(TENANT, CatalogueSettings(strict=strict))
    assert catalogue.settings(TENANT).strict is strict


def test_given_shipping_products_when_listed_then_by_display_order_then_id(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    catalogue = store(tables, dynamodb_endpoint)
    for shipping_id, order in (("z", 1), ("b", 2), ("a", 2)):
        catalogue.put_shipping(
            TENANT,
            ShippingProduct(id=shipping_id, name=shipping_id, cost=Decimal("1.00"), display_order=order),
        )
    assert [s.id for s in catalogue.shipping(TENANT)] == ["z", "a", "b"]
