"""Refund orders and the refund reasons (API.md, refund_order; the theatre API's refund guide, seeds/001).

A refund is one mutation (`RefundLines`, the rule of `domain.refund_rules`, a pure function) run by
the one write loop (`services.write_loop`: consistent read, `If-Match`, a conditional write on the
version read, re-read and re-apply on a conflict), and `once`: the write is a TransactWriteItems with
a ClientRequestToken, so DynamoDB applies it once whatever botocore retries. The version condition
guards every line: of two concurrent refunds of one line, the second re-reads the order, finds the
line refunded and is refused (409); a retried refund whose first answer was lost finds its own write
(the write id, or the keyed one of its Idempotency-Key) and is done, never applied twice.

The `token-<token>` route is the guest's: only self-service refundable lines (not picked up) and
self-service reasons. Reasons: the built-in nine of seeds/001 and the tenant's own (admin; a
built-in name cannot be taken: 409).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from orders_domain.domain import refund_rules as rules
from orders_domain.domain.errors import Conflict, FieldError, Unprocessable
from orders_domain.domain.ports import OrderRepository, RefundReasonStore
from orders_domain.models import Order
from orders_domain.models.refunds import RefundReason, RefundReasonInput, RefundRequest
from orders_domain.services.common import TOKEN_PREFIX
from orders_domain.services.write_loop import Mutation, WriteLoop

_BUILT_IN = {reason.name: reason for reason in (*rules.BUILT_IN_REASONS, rules.COUPON_CODE_ACTION_REASON)}


@dataclass(frozen=True)
class RefundLines(Mutation):
    """Refund the named lines, all or nothing (domain.refund_rules.refund), applied once."""

    once: ClassVar[bool] = True
    line_numbers: Sequence[int]
    reason: RefundReason
    #: The guest's route (`token-<token>`): self-service lines and reasons only.
    guest: bool

    def apply(self, order: Order, now: datetime) -> Order:
        refund_id = f"refund-{order.sys_version + 1}"
        return rules.refund(
            order, self.line_numbers, self.reason, now=now, refund_id=refund_id, guest=self.guest
        )


@dataclass(frozen=True)
class RefundCouponCode(Mutation):
    """Refund the lines a coupon code applied to (domain.refund_rules.coupon_code_lines), applied once:
    the lines are chosen on the order as read, so a rerun after a conflict re-chooses."""

    once: ClassVar[bool] = True
    coupon_code_id: str

    def apply(self, order: Order, now: datetime) -> Order:
        numbers = rules.coupon_code_lines(order, self.coupon_code_id)
        return RefundLines(numbers, rules.COUPON_CODE_ACTION_REASON, guest=False).apply(order, now)


@dataclass
class RefundOrders:
    """Refund lines of orders; list and add refund reasons."""

    repo: OrderRepository
    reason_store: RefundReasonStore
    max_attempts: int = 20
    sleep: Callable[[float], None] | None = None
    loop: WriteLoop = field(init=False)

    def __post_init__(self) -> None:
        self.loop = WriteLoop(self.repo, max_attempts=self.max_attempts, sleep=self.sleep or time.sleep)

    def reasons(self, tenant_id: str) -> list[RefundReason]:
        """The built-in reasons, then the tenant's own by name (`coupon_code_action`, the coupon-code
        action's own reason, is not one a refund request picks from this list)."""
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
        mutation = RefundLines(request.line_numbers, reason, guest=order_ref.startswith(TOKEN_PREFIX))
        return self.loop.run(
            mutation, tenant_id, order_ref, actor=actor, if_match=if_match, write_key=write_key
        ).order

    def coupon_code_action(
        self,
        tenant_id: str,
        order_ref: str,
        coupon_code_id: str,
        *,
        actor: str,
        if_match: int | None,
        write_key: str | None = None,
    ) -> Order:
        """`refund`: the lines the coupon code applied to, by the one refund rule, once (reason
        `coupon_code_action`); the order as written."""
        mutation = RefundCouponCode(coupon_code_id)
        return self.loop.run(
            mutation, tenant_id, order_ref, actor=actor, if_match=if_match, write_key=write_key
        ).order
