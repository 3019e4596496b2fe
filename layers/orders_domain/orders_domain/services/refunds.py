"""Refund orders and the refund reasons (API.md, refund_order; the theatre API's refund guide, seeds/001).

A refund is one write of the order through the write loop of `services.change` (consistent read,
`If-Match`, a conditional write on the version read, re-read and re-apply on a conflict) with the
rule of `domain.refund_rules` (a pure function), and `once`: the write is a TransactWriteItems with a
ClientRequestToken, so DynamoDB applies it once whatever botocore retries. The version condition
guards every line: of two concurrent refunds of one line, the second re-reads the order, finds the
line refunded and is refused (409); a retried refund whose first answer was lost finds its own write
(the write id, or the keyed one of its Idempotency-Key) and is done, never applied twice.

The `token-<token>` route is the guest's: only self-service refundable lines (not picked up) and
self-service reasons. Reasons: the built-in nine of seeds/001 and the tenant's own (admin; a
built-in name cannot be taken: 409).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from orders_domain.domain import refund_rules as rules
from orders_domain.domain.errors import Conflict, FieldError, Unprocessable
from orders_domain.domain.ports import OrderRepository, RefundReasonStore
from orders_domain.models import Order
from orders_domain.models.refunds import RefundReason, RefundReasonInput, RefundRequest
from orders_domain.services.change import ChangeOrders
from orders_domain.services.common import TOKEN_PREFIX

_BUILT_IN = {reason.name: reason for reason in rules.BUILT_IN_REASONS}


@dataclass
class RefundOrders:
    """Refund lines of orders; list and add refund reasons."""

    repo: OrderRepository
    reason_store: RefundReasonStore
    max_attempts: int = 20
    sleep: Callable[[float], None] | None = None
    change: ChangeOrders = field(init=False)

    def __post_init__(self) -> None:
        self.change = ChangeOrders(self.repo, max_attempts=self.max_attempts)
        if self.sleep is not None:
            self.change.sleep = self.sleep

    def reasons(self, tenant_id: str) -> list[RefundReason]:
        """The built-in reasons, then the tenant's own by name."""
        own = sorted(self.reason_store.reasons(tenant_id), key=lambda r: r.name)
        return [*rules.BUILT_IN_REASONS, *(r for r in own if r.name not in _BUILT_IN)]

    def put_reason(self, tenant_id: str, name: str, body: RefundReasonInput) -> RefundReason:
        """Add or replace one of the tenant's own reasons; a built-in name is a 409."""
        if name in _BUILT_IN:
            raise Conflict(
                f"'{name}' is a built-in refund reason; give the tenant's own reason another name.",
                errors=[FieldError("name", "is a built-in reason")],
            )
        reason = RefundReason(name=name, **body.model_dump())
        self.reason_store.put(tenant_id, reason)
        return reason

    def refund(
        self,
        tenant_id: str,
        order_ref: str,
        request: RefundRequest,
        *,
        actor: str,
        if_match: int | None,
        write_key: str | None = None,
    ) -> Order:
        """Refund the named lines, all or nothing (domain.refund_rules); the order as written."""
        reason = _BUILT_IN.get(request.refund_reason_name) or next(
            (r for r in self.reason_store.reasons(tenant_id) if r.name == request.refund_reason_name), None
        )
        if reason is None:
            raise Unprocessable(
                "Unknown refund reason; GET the refund reasons for the names.",
                errors=[
                    FieldError("refund_reason_name", f"no reason is named '{request.refund_reason_name}'")
                ],
            )
        guest = order_ref.startswith(TOKEN_PREFIX)

        def change(order: Order, now: datetime) -> Order:
            refund_id = f"refund-{order.sys_version + 1}"
            return rules.refund(
                order, request.line_numbers, reason, now=now, refund_id=refund_id, guest=guest
            )

        return self.change.write(
            tenant_id,
            order_ref,
            actor=actor,
            if_match=if_match,
            change=change,
            write_key=write_key,
            once=True,
        ).order
