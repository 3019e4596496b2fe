"""The tenant's catalogue, as its admin keeps it (API.md "More of the commerce API"): products,
shipping products, the catalogue's settings and customers' open credits. Reads answer what is stored,
the stock left included.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from orders_domain.domain.errors import NotFound
from orders_domain.domain.ports import CatalogueStore, CreditStore
from orders_domain.models.catalogue import (
    CatalogueSettings,
    CreditInput,
    OpenCredit,
    Product,
    ProductInput,
    ShippingInput,
    ShippingProduct,
)


@dataclass
class KeepCatalogue:
    """Put, get, list and delete products; put and list shipping products; the settings; grant and
    list open credits."""

    store: CatalogueStore
    credits: CreditStore

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

    def grant_credit(
        self, tenant_id: str, body: CreditInput, *, write_key: str | None, now: datetime
    ) -> OpenCredit:
        """Grant the credit; a keyed request's (`write_key`: its keyed write id, the credit's id) once:
        a rerun whose first answer was lost answers the first grant and takes no second number."""
        credit = OpenCredit(
            tenant_id=tenant_id,
            id=write_key or uuid.uuid4().hex,
            date=now.date(),
            number=0,
            amount_available=body.amount,
            currency_code=body.currency_code,
            customer_type=body.customer_type,
            customer_id=body.customer_id,
        )
        granted = self.credits.find(credit) if write_key else None
        if granted is not None:
            return granted
        return self.credits.add(credit.model_copy(update={"number": self.credits.next_number(tenant_id)}))

    def credits_of(self, tenant_id: str, customer_type: str, customer_id: str) -> list[OpenCredit]:
        return self.credits.of_customer(tenant_id, customer_type, customer_id)
