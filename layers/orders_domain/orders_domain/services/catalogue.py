"""The tenant's catalogue, as its admin keeps it (API.md "More of the commerce API"): products,
shipping products and the catalogue's settings. Reads answer what is stored, the stock left included.
"""

from __future__ import annotations

from dataclasses import dataclass

from orders_domain.domain.errors import NotFound
from orders_domain.domain.ports import CatalogueStore
from orders_domain.models.catalogue import (
    CatalogueSettings,
    Product,
    ProductInput,
    ShippingInput,
    ShippingProduct,
)


@dataclass
class KeepCatalogue:
    """Put, get, list and delete products; put and list shipping products; the settings."""

    store: CatalogueStore

    def put_product(self, tenant_id: str, product_type: str, product_id: str, body: ProductInput) -> Product:
        """Store (or replace) the product: a PUT of the same body twice leaves one, with its stock."""
        product = Product.of(tenant_id, product_type, product_id, body)
        self.store.put(product)
        return product

    def product(self, tenant_id: str, product_type: str, product_id: str) -> Product:
        found = self.store.get(tenant_id, product_type, product_id)
        if found is None:
            raise NotFound(f"The catalogue holds no product {product_type}/{product_id}.")
        return found

    def delete_product(self, tenant_id: str, product_type: str, product_id: str) -> None:
        if not self.store.delete(tenant_id, product_type, product_id):
            raise NotFound(f"The catalogue holds no product {product_type}/{product_id}.")

    def products(self, tenant_id: str, *, limit: int, after: str | None) -> tuple[list[Product], str | None]:
        """A page of the tenant's products in (type, id) order, and where the next one starts."""
        return self.store.page(tenant_id, limit=limit, after=after)

    def put_shipping(self, tenant_id: str, shipping_id: str, body: ShippingInput) -> ShippingProduct:
        shipping = ShippingProduct(id=shipping_id, **body.model_dump())
        self.store.put_shipping(tenant_id, shipping)
        return shipping

    def shipping(self, tenant_id: str) -> list[ShippingProduct]:
        return self.store.shipping(tenant_id)

    def settings(self, tenant_id: str) -> CatalogueSettings:
        return self.store.settings(tenant_id)

    def put_settings(self, tenant_id: str, settings: CatalogueSettings) -> CatalogueSettings:
        self.store.put_settings(tenant_id, settings)
        return settings
