"""Order services: create (with pricing), preview, get. No HTTP, no boto3 here."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from orders_domain import money
from orders_domain.errors import FieldError, IdempotencyKeyReused, NotFound, Unprocessable, ValidationFailed
from orders_domain.models import (
    LineItem,
    Order,
    OrderCreateRequest,
    Payment,
    PaymentDue,
    PreviewManifest,
)
from orders_domain.storage import OrderAlreadyExists, OrderRepository

ORDER_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
TOKEN_PREFIX = "token-"  # noqa: S105 - a path prefix, not a secret
_ID_RE = re.compile(ORDER_ID_PATTERN)
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_PREVIEW_PLACEHOLDER = "preview"


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


def new_token() -> str:
    return secrets.token_urlsafe(24)


#: Namespace of order ids derived from idempotency keys (uuid5).
_KEYED_ORDER_IDS = uuid.UUID("6f1d3c52-8c1e-4f0a-9a57-2f6b7c1d9e40")


def order_id_for_key(tenant_id: str, idempotency_key: str) -> str:
    return str(uuid.uuid5(_KEYED_ORDER_IDS, f"{tenant_id}\n{idempotency_key}"))


def request_fingerprint(request: OrderCreateRequest) -> str:
    """What makes two create requests "the same request" (the key itself does not count)."""
    canonical = json.dumps(
        request.model_dump(mode="json", exclude={"duplicate_prevention_key"}),
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CreateResult:
    order: Order
    #: True when the order already existed for this idempotency key (nothing new was written).
    replayed: bool


@dataclass
class PricedOrder:
    order: Order
    manifest: PreviewManifest


@dataclass
class OrderService:
    repo: OrderRepository
    clock: Callable[[], datetime] = utcnow
    ids: Callable[[], str] = new_id
    tokens: Callable[[], str] = new_token
    _line_ids: Callable[[], str] = field(default=lambda: uuid.uuid4().hex[:16])

    # -------------------------------------------------------------- create / preview
    def create(
        self,
        request: OrderCreateRequest,
        *,
        tenant_id: str,
        actor: str,
        idempotency_key: str | None = None,
        fingerprint: str | None = None,
    ) -> CreateResult:
        """Price and store a new order.

        With an idempotency key the order id is derived from (tenant, key), so even a retry that
        outlives the idempotency record (a timed-out first attempt, a retry after 24 h) cannot
        make a second order: the conditional put finds the first one and returns it if the
        request is the same, or refuses the key if it is not.
        """
        priced = self.price(request, tenant_id=tenant_id, actor=actor)
        fingerprint = fingerprint or request_fingerprint(request)
        order_id = order_id_for_key(tenant_id, idempotency_key) if idempotency_key else self.ids()
        order = priced.order.model_copy(
            update={"number": self.repo.next_order_number(tenant_id), "id": order_id, "token": self.tokens()}
        )
        try:
            self.repo.create(order, request_fingerprint=fingerprint)
        except OrderAlreadyExists as exists:
            record = exists.existing
            if idempotency_key is None or record is None:
                raise
            if record.request_fingerprint != fingerprint:
                raise IdempotencyKeyReused(
                    "This idempotency key was already used with a different request."
                ) from exists
            return CreateResult(order=record.order, replayed=True)
        return CreateResult(order=order, replayed=False)

    def preview(self, request: OrderCreateRequest, *, tenant_id: str, actor: str) -> PricedOrder:
        return self.price(request, tenant_id=tenant_id, actor=actor)

    def price(self, request: OrderCreateRequest, *, tenant_id: str, actor: str) -> PricedOrder:
        """Compute every server-owned field of a new order from a validated request."""
        now = self.clock()
        currency = request.currency_code
        data = request.model_dump(exclude={"line_items", "duplicate_prevention_key"}, exclude_none=True)

        lines = self._price_lines(request)
        has_payment = request.payment_info is not None
        subtotal = sum((ln["_gross"] for ln in lines), money.ZERO)
        discounts = sum((ln["discounts"] for ln in lines), money.ZERO)
        taxes = sum((ln["taxes"] for ln in lines), money.ZERO)
        shipping = request.shipping_charges
        total = subtotal - discounts + taxes + shipping

        payments: list[Payment] = []
        line_status = "awaiting payment"
        if has_payment and request.payment_info is not None:
            payments.append(
                Payment(
                    payment_id=self._line_ids(),
                    type=request.payment_info.type,
                    amount=total,
                    status="pending",
                    date=now,
                    line_item_ids=[ln["order_line_item_id"] for ln in lines],
                )
            )
            line_status = "paid"
        pending = total if has_payment else money.ZERO

        line_items = []
        for ln in lines:
            gross = ln.pop("_gross")
            line_total = gross - ln["discounts"] + ln["taxes"]
            line_pending = line_total if has_payment else money.ZERO
            line_items.append(
                LineItem(
                    **ln,
                    status=line_status,
                    total=line_total,
                    amount_pending_capture=line_pending,
                    amount_to_pay_upon_creation=line_pending,
                    amount_paid=money.ZERO,
                    amount_refunded=money.ZERO,
                    balance_due=line_total - line_pending,
                    quantity_to_be_shipped=ln["quantity"],
                    quantity_shipped=0,
                    quantity_cancelled=0,
                    quantity_pending_return=0,
                    quantity_returned=0,
                    quantity_available_for_cancellation=ln["quantity"],
                    quantity_available_for_return=0,
                )
            )

        shippable = any(li.shippable for li in line_items)
        weight = sum(((li.weight or money.ZERO) * li.quantity for li in line_items), Decimal(0))
        base_currency = request.base_currency_code or currency
        rate = request.exchange_rate if request.exchange_rate is not None else Decimal(1)
        if (
            request.base_currency_code
            and request.base_currency_code != currency
            and request.exchange_rate is None
        ):
            raise ValidationFailed(
                "exchange_rate is required when base_currency_code differs from currency_code.",
                errors=[FieldError("exchange_rate", "is required when base_currency_code differs")],
            )
        order_date = request.date if (request.override_order_date and request.date) else now.isoformat()
        order_date = order_date.replace("+00:00", "Z")

        data.update(
            id=_PREVIEW_PLACEHOLDER,
            number=0,
            token=_PREVIEW_PLACEHOLDER,
            tenant_id=tenant_id,
            date=order_date,
            status="paid" if has_payment else "awaiting payment",
            subtotal=subtotal,
            discounts=discounts,
            taxes=taxes,
            shipping_charges=shipping,
            total=total,
            total_in_base_currency=money.rounded(total * rate, base_currency),
            amount_paid=money.ZERO,
            amount_pending_capture=pending,
            amount_refunded=money.ZERO,
            balance_due=total - pending,
            total_weight=weight,
            shippable=shippable,
            sys_shippable_status="awaiting shipment" if shippable else None,
            payments=payments,
            refunded_payments=[],
            line_items=line_items,
            sys_version=1,
            sys_created_at=now,
            sys_last_modified_at=now,
            sys_created_by_id=actor,
            sys_last_modified_by_id=actor,
        )
        order = Order.model_validate(data)
        manifest = PreviewManifest(
            errors=[],
            payments_due=[PaymentDue(merchant_account_id=_merchant_account(request), amount_due=total)]
            if total > 0
            else [],
            total_amount_due_at_checkout=total if has_payment else money.ZERO,
            primary_amount_due_at_checkout=total if has_payment else money.ZERO,
            additional_payments_due_at_checkout=money.ZERO,
        )
        return PricedOrder(order=order, manifest=manifest)

    def _price_lines(self, request: OrderCreateRequest) -> list[dict[str, Any]]:
        currency = request.currency_code
        lines: list[dict[str, Any]] = []
        for number, item in enumerate(request.line_items, start=1):
            ln = item.model_dump(exclude_none=True)
            ln["line_number"] = number
            ln["order_line_item_id"] = item.order_line_item_id or self._line_ids()
            ln["_gross"] = money.rounded(Decimal(item.quantity) * item.unit_price, currency)
            ln["discounts"] = money.ZERO
            ln["taxes"] = item.taxes or money.ZERO
            lines.append(ln)

        by_id = {ln["order_line_item_id"]: ln for ln in lines}
        for index, coupon in enumerate(request.coupons or []):
            targets = [by_id[i] for i in coupon.order_line_item_ids] if coupon.order_line_item_ids else lines
            room = [ln["_gross"] - ln["discounts"] for ln in targets]
            if coupon.discount > sum(room, money.ZERO):
                raise Unprocessable(
                    "A coupon's discount is larger than what it applies to.",
                    errors=[
                        FieldError(
                            f"coupons[{index}].discount",
                            f"exceeds the {sum(room, money.ZERO)} it applies to",
                        )
                    ],
                )
            for ln, part in zip(targets, money.allocate(coupon.discount, room, currency), strict=True):
                ln["discounts"] += part
        return lines

    # -------------------------------------------------------------- read
    def get(self, tenant_id: str, order_ref: str, *, consistent: bool = False) -> Order:
        """An order by id, or by guest token when the reference is `token-<token>`."""
        if order_ref.startswith(TOKEN_PREFIX):
            token = order_ref[len(TOKEN_PREFIX) :]
            found = self.repo.get_by_token(tenant_id, token) if _TOKEN_RE.match(token) else None
        else:
            found = (
                self.repo.get(tenant_id, order_ref, consistent=consistent)
                if _ID_RE.match(order_ref)
                else None
            )
        if found is None or found.tenant_id != tenant_id:
            raise NotFound(f"Order {order_ref} was not found.")
        return found


def _merchant_account(request: OrderCreateRequest) -> str | None:
    info = request.payment_info
    if info is not None and info.electronic_payment_info is not None:
        account = info.electronic_payment_info.merchant_account_id
        if account:
            return account
    return request.default_merchant_account_id
