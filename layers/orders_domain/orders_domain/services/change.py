"""Change an order: JSON Patch, PUT, soft delete and whole-order cancel (API.md, patch_order).

Each is a mutation (services.write_loop.Mutation) run by the one write loop (read, `If-Match`,
apply, conditional write, again on a conflict: `services.write_loop`). PATCH and PUT are
`services.client_edits` (their rules: `domain.json_patch`, `domain.order_edits`); delete and cancel
are here.

Cancel (whole order) is `domain.fulfil_rules.cancel`, the one cancel rule (the cancel route uses it too):
every line's open quantity cancelled and what it costs voided (module docstring there); an order with
nothing shipped ends with every amount 0 and its pending payments `voided`. API.md's money invariants
hold. A cancel `reason` is accepted and not stored: the order has no field for it.

Delete is a soft delete (`sys_deleted`, `sys_deleted_at`, `sys_deleted_by_id`) of an order with
nothing paid or fulfilled (lifecycle), written through the same loop; it returns the deleted order.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from orders_domain.domain.errors import FieldError, ValidationFailed
from orders_domain.domain.fulfil_rules import cancel as cancel_rule
from orders_domain.domain.json_patch import checked_operations, exact_json
from orders_domain.domain.lifecycle import Operation, OrderStatus
from orders_domain.domain.ports import OrderRepository
from orders_domain.models import Order
from orders_domain.services.client_edits import PatchOrder, ReplaceOrder
from orders_domain.services.common import utcnow
from orders_domain.services.pricing import Pricing
from orders_domain.services.write_loop import Mutation, WriteLoop


@dataclass(frozen=True)
class DeleteOrder(Mutation):
    """Soft delete (`sys_deleted`), of an order with nothing paid or fulfilled (lifecycle)."""

    checks: ClassVar[Operation | None] = Operation.DELETE
    actor: str

    def apply(self, order: Order, now: datetime) -> Order:
        return order.model_copy(
            update={"sys_deleted": True, "sys_deleted_at": now, "sys_deleted_by_id": self.actor}
        )


@dataclass(frozen=True)
class CancelOrder(Mutation):
    """The whole order cancelled: every open quantity, its cost voided (domain.fulfil_rules.cancel,
    the one cancel rule; the cancel route uses it too)."""

    def apply(self, order: Order, now: datetime) -> Order:
        return cancel_rule(order)


@dataclass
class ChangeOrders:
    """Patch, replace, delete and cancel orders, each a mutation run by the one write loop."""

    repo: OrderRepository
    pricing: Pricing = field(default_factory=Pricing)
    clock: Callable[[], datetime] = utcnow
    max_attempts: int = 20
    sleep: Callable[[float], None] = time.sleep
    loop: WriteLoop = field(init=False)

    def __post_init__(self) -> None:
        # `sleep` is read at each back-off, so a test may set it after construction too.
        self.loop = WriteLoop(
            self.repo, clock=self.clock, max_attempts=self.max_attempts, sleep=lambda s: self.sleep(s)
        )

    def patch(
        self, tenant_id: str, order_ref: str, operations: Any, *, actor: str, if_match: int | None
    ) -> Order:
        """Apply an RFC 6902 JSON Patch (the parsed JSON array) to the order; the changed order."""
        mutation = PatchOrder(checked_operations(operations), actor, self.pricing)
        return self.loop.run(mutation, tenant_id, order_ref, actor=actor, if_match=if_match).order

    def put(self, tenant_id: str, order_ref: str, body: Any, *, actor: str, if_match: int | None) -> Order:
        """Replace the order's client-writable fields with the body's; `{"status": "cancelled"}`
        alone cancels the order."""
        if not isinstance(body, dict):
            raise ValidationFailed(
                "The body must be an order: a JSON object.",
                errors=[FieldError("body", "must be a JSON object")],
            )
        if body.keys() == {"status"} and body["status"] == OrderStatus.CANCELLED:
            return self.cancel(tenant_id, order_ref, actor=actor, if_match=if_match)
        document = {name: value for name, value in exact_json(body).items() if name != "_links"}
        mutation = ReplaceOrder(document, actor, self.pricing)
        return self.loop.run(mutation, tenant_id, order_ref, actor=actor, if_match=if_match).order

    def delete(self, tenant_id: str, order_ref: str, *, actor: str, if_match: int | None) -> Order:
        """Soft-delete an order with nothing paid or fulfilled; the deleted order."""
        return self.loop.run(DeleteOrder(actor), tenant_id, order_ref, actor=actor, if_match=if_match).order

    def cancel(
        self,
        tenant_id: str,
        order_ref: str,
        *,
        actor: str,
        if_match: int | None,
        reason: str | None = None,
    ) -> Order:
        """Cancel the whole order: every open quantity, its cost voided. `reason` is not stored (the
        order has no field for it)."""
        return self.loop.run(CancelOrder(), tenant_id, order_ref, actor=actor, if_match=if_match).order
