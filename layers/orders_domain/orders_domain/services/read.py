"""Read one order, by id or by guest token."""

from __future__ import annotations

from dataclasses import dataclass

from orders_domain.domain.errors import NotFound
from orders_domain.domain.order_text import OrderAnswer
from orders_domain.domain.ports import OrderRepository
from orders_domain.models import Order
from orders_domain.services.common import ORDER_ID_RE, TOKEN_PREFIX, TOKEN_RE


@dataclass
class ReadOrders:
    repo: OrderRepository

    def get(self, tenant_id: str, order_ref: str, *, consistent: bool = False) -> Order:
        """An order by id, or by guest token when the reference is `token-<token>`; else 404."""
        found: Order | None = None
        if order_ref.startswith(TOKEN_PREFIX):
            token = order_ref[len(TOKEN_PREFIX) :]
            if TOKEN_RE.match(token):
                found = self.repo.get_by_token(tenant_id, token)
        elif ORDER_ID_RE.match(order_ref):
            found = self.repo.get(tenant_id, order_ref, consistent=consistent)
        if found is None or found.tenant_id != tenant_id:
            raise NotFound(f"Order {order_ref} was not found.")
        return found

    def answer(self, tenant_id: str, order_ref: str, *, consistent: bool = False) -> OrderAnswer:
        """What `get` finds, as the answer written with it (domain.order_text): the text a plain GET
        serves and its version, without building the order; 404 as `get`. The order's key holds its
        tenant, so no other tenant's order can be found."""
        order_id = self.id_of(tenant_id, order_ref)
        if order_ref.startswith(TOKEN_PREFIX):
            consistent = False  # a by-token read is never strongly consistent (its index is not)
        found = self.repo.get_answer(tenant_id, order_id, consistent=consistent)
        if found is None:
            raise NotFound(f"Order {order_ref} was not found.")
        return found

    def id_of(self, tenant_id: str, order_ref: str) -> str:
        """The order id a reference names: itself, or (for `token-<token>`) the id the by-token index
        holds for the token, without reading the order (a change reads it next, consistently); 404
        when no order has the token, or when the reference is no order id (`ORDER_ID_RE`, as `get`
        checks: storage.keys builds keys only of ids that match it)."""
        if not order_ref.startswith(TOKEN_PREFIX):
            if not ORDER_ID_RE.match(order_ref):
                raise NotFound(f"Order {order_ref} was not found.")
            return order_ref
        token = order_ref[len(TOKEN_PREFIX) :]
        order_id = self.repo.id_by_token(tenant_id, token) if TOKEN_RE.match(token) else None
        if order_id is None:
            raise NotFound(f"Order {order_ref} was not found.")
        return order_id
