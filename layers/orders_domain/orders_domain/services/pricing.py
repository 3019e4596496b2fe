"""Pricing: every server-owned field of a new order, computed from a validated request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from orders_domain.domain import lifecycle, money
from orders_domain.domain.errors import FieldError, Unprocessable, ValidationFailed
from orders_domain.domain.lifecycle import PaymentStatus
from orders_domain.models import LineItemInput, Order, OrderCreateRequest
from orders_domain.models.types import utc_text
from orders_domain.services.common import new_line_id, utcnow

_PREVIEW_PLACEHOLDER = "preview"


if TYPE_CHECKING:
    from orders_domain.models import PreviewManifest


@dataclass
class PricedOrder:
    order: Order
    manifest: PreviewManifest


@dataclass
class Pricing:
    """Prices orders. Touches no storage: a preview is this and nothing else."""

    clock: Callable[[], datetime] = utcnow
    line_ids: Callable[[], str] = new_line_id

    def preview(self, request: OrderCreateRequest, *, tenant_id: str, actor: str) -> PricedOrder:
        """The order as it would be stored (id, number and token are placeholders) and its manifest."""
        from orders_domain.models import PaymentDue, PreviewManifest  # a create never needs them

        order = self.price(request, tenant_id=tenant_id, actor=actor)
        total, has_payment = order.total, request.payment_info is not None
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

    def price(self, request: OrderCreateRequest, *, tenant_id: str, actor: str) -> Order:
        """The order as it would be stored (id, number and token are placeholders).

        Lines and payments are built as plain data and validated once, with the order: on a cold
        start only the order's schema is built, not one per nested model as well.
        """
        now = self.clock()
        data = request.model_dump(exclude={"line_items", "duplicate_prevention_key"}, exclude_none=True)
        lines = self._price_lines(request)
        has_payment = request.payment_info is not None
        subtotal = sum((ln["_gross"] for ln in lines), money.ZERO)
        discounts = sum((ln["discounts"] for ln in lines), money.ZERO)
        taxes = sum((ln["taxes"] for ln in lines), money.ZERO)
        shipping = request.shipping_charges
        total = money.not_negative(subtotal - discounts + taxes + shipping, "order total")
        payments = self._pending_payments(request, total, lines, now)
        pending = total if has_payment else money.ZERO
        line_items = [_priced_line(ln, has_payment) for ln in lines]
        shippable = any(li.get("shippable") for li in line_items)
        weight = sum(((li.get("weight") or money.ZERO) * li["quantity"] for li in line_items), Decimal(0))
        base_currency, rate = _base_currency(request)
        # A client's date is in UTC already (OrderCreateRequest normalises it).
        order_date = request.date if (request.override_order_date and request.date) else utc_text(now)
        data.update(
            id=_PREVIEW_PLACEHOLDER,
            number=0,
            token=_PREVIEW_PLACEHOLDER,
            tenant_id=tenant_id,
            date=order_date,
            status=lifecycle.initial_order_status(has_payment),
            subtotal=subtotal,
            discounts=discounts,
            taxes=taxes,
            shipping_charges=shipping,
            total=total,
            total_in_base_currency=money.converted(total, rate, base_currency),
            amount_paid=money.ZERO,
            amount_pending_capture=pending,
            amount_refunded=money.ZERO,
            balance_due=total - pending,
            total_weight=weight,
            shippable=shippable,
            sys_shippable_status=lifecycle.initial_shipping_status(shippable),
            payments=payments,
            refunded_payments=[],
            line_items=line_items,
            sys_version=1,
            sys_created_at=now,
            sys_last_modified_at=now,
            sys_created_by_id=actor,
            sys_last_modified_by_id=actor,
        )
        return Order.model_validate(data)

    def _pending_payments(
        self, request: OrderCreateRequest, total: Decimal, lines: list[dict[str, Any]], now: datetime
    ) -> list[dict[str, Any]]:
        """The order's one pending payment of its whole total, when the request pays; else none."""
        if request.payment_info is None:
            return []
        return [
            {
                "payment_id": self.line_ids(),
                "type": request.payment_info.type,
                "amount": total,
                "status": PaymentStatus.PENDING,
                "date": now,
                "line_item_ids": [ln["order_line_item_id"] for ln in lines],
            }
        ]

    def _price_lines(self, request: OrderCreateRequest) -> list[dict[str, Any]]:
        currency = request.currency_code
        lines: list[dict[str, Any]] = []
        # The lines' data from the request's own dump (dumping each line on its own would build
        # the line model's schema a second time on a cold start).
        dumped = request.model_dump(include={"line_items"}, exclude_none=True)["line_items"]
        for number, (item, ln) in enumerate(zip(request.line_items, dumped, strict=True), start=1):
            ln["line_number"] = number
            ln["order_line_item_id"] = item.order_line_item_id or self.line_ids()
            ln["_gross"] = money.rounded(Decimal(item.quantity) * _unit_price(item, number), currency)
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


def _priced_line(ln: dict[str, Any], has_payment: bool) -> dict[str, Any]:
    """A line's server-owned amounts, statuses and counters, from its gross (`_gross`, taken out)."""
    gross = ln.pop("_gross")
    line_total = money.not_negative(gross - ln["discounts"] + ln["taxes"], "line total")
    line_pending = line_total if has_payment else money.ZERO
    return {
        **ln,
        "status": lifecycle.initial_line_status(has_payment),
        "total": line_total,
        "amount_pending_capture": line_pending,
        "amount_to_pay_upon_creation": line_pending,
        "amount_paid": money.ZERO,
        "amount_refunded": money.ZERO,
        "balance_due": line_total - line_pending,
        "quantity_to_be_shipped": ln["quantity"],
        "quantity_shipped": 0,
        "quantity_cancelled": 0,
        "quantity_pending_return": 0,
        "quantity_returned": 0,
        "quantity_available_for_cancellation": ln["quantity"],
        "quantity_available_for_return": 0,
    }


def _base_currency(request: OrderCreateRequest) -> tuple[str, Decimal]:
    """The base currency and the exchange rate to it (1 in the order's own currency)."""
    currency = request.currency_code
    if (
        request.base_currency_code
        and request.base_currency_code != currency
        and request.exchange_rate is None
    ):
        raise ValidationFailed(
            "exchange_rate is required when base_currency_code differs from currency_code.",
            errors=[FieldError("exchange_rate", "is required when base_currency_code differs")],
        )
    rate = request.exchange_rate if request.exchange_rate is not None else Decimal(1)
    return request.base_currency_code or currency, rate


def _merchant_account(request: OrderCreateRequest) -> str | None:
    info = request.payment_info
    if info is not None and info.electronic_payment_info is not None:
        account = info.electronic_payment_info.merchant_account_id
        if account:
            return account
    return request.default_merchant_account_id


def _unit_price(line: LineItemInput, number: int) -> Decimal:
    """The line's price; a line that reaches pricing without one (a change that removed the price
    of a line naming a product: only a create takes the catalogue's) is a 400 naming it."""
    if line.unit_price is None:
        raise ValidationFailed(
            "A line has no unit price.",
            errors=[FieldError(f"line_items[{number - 1}].unit_price", "required")],
        )
    return line.unit_price
