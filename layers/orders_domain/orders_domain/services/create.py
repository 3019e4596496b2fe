"""Create an order: price it, number it, store it once per idempotency key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from orders_domain.domain import catalogue_rules
from orders_domain.domain.catalogue_rules import Reservation
from orders_domain.domain.errors import IdempotencyKeyReused, OrderAlreadyExists
from orders_domain.domain.ports import CatalogueStore, OrderRepository
from orders_domain.models import Order, OrderCreateRequest
from orders_domain.services.common import (
    new_id,
    new_token,
    order_id_for_key,
    order_id_for_number,
    request_fingerprint,
)
from orders_domain.services.pricing import PricedOrder, Pricing


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

    def preview(self, request: OrderCreateRequest, *, tenant_id: str, actor: str) -> PricedOrder:
        return self.pricing.preview(request, tenant_id=tenant_id, actor=actor)

    def create(
        self,
        request: OrderCreateRequest,
        *,
        tenant_id: str,
        actor: str,
        idempotency_key: str | None = None,
        fingerprint: str | None = None,
        order_number: str | None = None,
    ) -> CreateResult:
        """Price and store a new order.

        With an idempotency key the order id is derived from (tenant, key), so even a retry that
        outlives the idempotency record (a timed-out first attempt, a retry after 24 h) cannot
        make a second order: the conditional put finds the first one and returns it if the
        request is the same, or refuses the key if it is not. A client `order_number` (unique per
        tenant, the distribution API's) works the same way, forever: its id is derived from it.
        """
        reservations = self._reservations(request, tenant_id)
        priced = self.pricing.price(request, tenant_id=tenant_id, actor=actor)
        fingerprint = fingerprint or create_fingerprint(request)
        if order_number is not None:
            order_id = order_id_for_number(tenant_id, order_number)
        elif idempotency_key:
            order_id = order_id_for_key(tenant_id, idempotency_key)
        else:
            order_id = self.ids()
        order = priced.model_copy(
            update={"number": self.repo.next_order_number(tenant_id), "id": order_id, "token": self.tokens()}
        )
        if reservations:
            order = _holding(order, reservations)
        try:
            self.repo.create(order, request_fingerprint=fingerprint, reservations=reservations)
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

    def _reservations(self, request: OrderCreateRequest, tenant_id: str) -> list[Reservation]:
        """The lines checked against the catalogue and the stock they reserve; nothing is read for an
        order whose lines name no product."""
        refs = catalogue_rules.named_products(request)
        if not refs or self.catalogue is None:
            return []
        products, settings = self.catalogue().lookup(tenant_id, refs)
        return catalogue_rules.lines_against(request, products, strict=settings.strict)


def _holding(order: Order, reservations: list[Reservation]) -> Order:
    """The order with each reserving line's `stock_reserved` set to its quantity."""
    reserving = {position for r in reservations for position in r.lines}
    lines = [
        li.model_copy(update={"stock_reserved": li.quantity}) if position in reserving else li
        for position, li in enumerate(order.line_items)
    ]
    return order.model_copy(update={"line_items": lines})
