"""Create an order: price it, number it, store it once per idempotency key."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from orders_domain.domain import catalogue_rules, overrides, vouchers
from orders_domain.domain.catalogue_rules import CatalogueLines
from orders_domain.domain.errors import IdempotencyKeyReused, OrderAlreadyExists
from orders_domain.domain.ports import CatalogueStore, OrderRepository
from orders_domain.models import Order, OrderCreateRequest
from orders_domain.services.common import (
    new_id,
    new_token,
    new_voucher_code,
    order_id_for_key,
    order_id_for_number,
    request_fingerprint,
)
from orders_domain.services.pricing import Pricing

if TYPE_CHECKING:  # a create naming no product, without an override, never imports them
    from orders_domain.models.catalogue import Product
    from orders_domain.models.orders import OrderOverride
    from orders_domain.models.overrides import OverrideManifest


def create_fingerprint(request: OrderCreateRequest) -> str:
    """What makes two creates "the same request" (the key itself does not count)."""
    return request_fingerprint(request, exclude={"duplicate_prevention_key"})


@dataclass(frozen=True)
class CreateResult:
    order: Order
    #: True when the order already existed for this idempotency key (nothing new was written).
    replayed: bool


@dataclass
class CreateOrders:
    repo: OrderRepository
    pricing: Pricing = field(default_factory=Pricing)
    ids: Callable[[], str] = new_id
    tokens: Callable[[], str] = new_token
    #: The catalogue, built when a create first needs it (one naming no product never imports it):
    #: lines naming its products are checked against it and reserve its stock
    #: (domain.catalogue_rules). None: no catalogue (every line as the client sends it).
    catalogue: Callable[[], CatalogueStore] | None = None
    voucher_codes: Callable[[], str] = new_voucher_code

    def create(
        self,
        request: OrderCreateRequest,
        *,
        tenant_id: str,
        actor: str,
        idempotency_key: str | None = None,
        fingerprint: str | None = None,
        order_number: str | None = None,
        unknown_price: Decimal | None = None,
        override: OverrideManifest | None = None,
    ) -> CreateResult:
        """Price and store a new order.

        With an idempotency key the order id is derived from (tenant, key), so even a retry that
        outlives the idempotency record (a timed-out first attempt, a retry after 24 h) cannot
        make a second order: the conditional put finds the first one and returns it if the
        request is the same, or refuses the key if it is not. A client `order_number` (unique per
        tenant, the distribution API's) works the same way, forever: its id is derived from it.
        `unknown_price`: what a line that sends no price costs when the catalogue does not hold its
        product (the distribution API's offers: 0); None: such a line is a 400. `override`: an
        admin's override of lines (domain.overrides), recorded on the order.
        """
        fingerprint = fingerprint or create_fingerprint(request)
        found, record = self._against_catalogue(request, tenant_id, actor, unknown_price, override)
        priced = self.pricing.price(found.request, tenant_id=tenant_id, actor=actor)
        if order_number is not None:
            order_id = order_id_for_number(tenant_id, order_number)
        elif idempotency_key:
            order_id = order_id_for_key(tenant_id, idempotency_key)
        else:
            order_id = self.ids()
        number, token = self.repo.next_order_number(tenant_id), self.tokens()
        order = priced.model_copy(
            update={"number": number, "id": order_id, "token": token, "override": record}
        )
        if found.products:
            order = _holding(order, found, self.voucher_codes)
        try:
            self.repo.create(order, request_fingerprint=fingerprint, reservations=found.reservations)
        except OrderAlreadyExists as exists:
            if (idempotency_key is None and order_number is None) or exists.existing is None:
                raise
            if exists.fingerprint != fingerprint:
                raise IdempotencyKeyReused(
                    "This order number was already used for another order."
                    if order_number is not None
                    else "This idempotency key was already used with a different request."
                ) from exists
            return CreateResult(order=exists.existing, replayed=True)
        return CreateResult(order=order, replayed=False)

    def _against_catalogue(
        self,
        request: OrderCreateRequest,
        tenant_id: str,
        actor: str,
        unknown_price: Decimal | None,
        override: OverrideManifest | None,
    ) -> tuple[CatalogueLines, OrderOverride | None]:
        """The lines checked against the catalogue, priced from it (or the override), and the stock
        they reserve; nothing is read for an order whose lines name no product."""
        refs = catalogue_rules.named_products(request)
        if not refs and override is None:  # the common create: nothing to ask the catalogue
            return CatalogueLines(request), None
        products: Mapping[tuple[str, str], Product] = {}
        strict = False
        if refs and self.catalogue:
            products, settings = self.catalogue().lookup(tenant_id, refs, levels=False)
            strict = settings.strict
        return overrides.checked_lines(
            request,
            products,
            strict=strict,
            manifest=override,
            actor=actor,
            unknown_price=unknown_price,
        )


def _holding(order: Order, found: CatalogueLines, new_code: Callable[[], str]) -> Order:
    """The order's lines with what the catalogue gave them: `catalogue_priced`; the units a
    reserving line holds (`stock_reserved`) and whether a refund gives them back; a deal's or gift
    card's vouchers, one per unit."""
    reserving = {position for r in found.reservations for position in r.lines}
    lines = []
    for position, line in enumerate(order.line_items):
        product = found.products.get(position)
        if product is None:
            lines.append(line)
            continue
        update: dict[str, object] = {"catalogue_priced": True}
        if position in reserving:
            update["stock_reserved"] = line.quantity
            update["release_stock_on_refund"] = product.release_stock_on_refund or None
        if vouchers.issues_vouchers(product):
            update["vouchers"] = vouchers.issue(line.quantity, new_code)
        lines.append(line.model_copy(update=update))
    return order.model_copy(update={"line_items": lines})
