"""Vouchers (API.md "More of the commerce API"; the distribution API, seeds/004): every unit of a
line whose catalogue product is a deal or a gift card is one voucher, with a code no one can guess
(services.common.new_voucher_code: a CSPRNG, never a counter) and a status from the lifecycle
(`active`, `cancelled`, `redeemed`).

Vouchers are issued with the order, in the create's own write (they are part of the order item), and
follow the line's units: when a cancel, a void or a refund leaves fewer units standing than the line
has vouchers standing, the newest active ones are cancelled in the same write (domain.catalogue_rules
`releases`). A redeemed voucher is never cancelled by it. Vouchers are server-owned: a request that
carries one is a 400 like any other server field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from orders_domain.domain.errors import FieldError, ValidationFailed
from orders_domain.domain.lifecycle import VoucherStatus

if TYPE_CHECKING:
    from orders_domain.models import OrderCreateRequest, Voucher
    from orders_domain.models.catalogue import Product

#: The most vouchers one order may issue (each is stored in the order item: this bounds its size and
#: the work of one create).
MAX_VOUCHERS = 500


def issues_vouchers(product: Product) -> bool:
    from orders_domain.models.catalogue import VOUCHER_KINDS

    return product.offer_kind in VOUCHER_KINDS


def check_count(request: OrderCreateRequest, products: Mapping[int, Product]) -> None:
    """A 400 naming the first line past the bound when the order would issue more than
    MAX_VOUCHERS vouchers; nothing is written."""
    issued = 0
    for index, product in sorted(products.items()):
        if issues_vouchers(product):
            issued += request.line_items[index].quantity
            if issued > MAX_VOUCHERS:
                raise ValidationFailed(
                    f"An order may issue at most {MAX_VOUCHERS} vouchers (one per deal or gift-card unit).",
                    errors=[
                        FieldError(f"line_items[{index}].quantity", f"at most {MAX_VOUCHERS} voucher units")
                    ],
                )


def issue(quantity: int, new_code: Callable[[], str]) -> list[Voucher]:
    """One active voucher per unit, each with a fresh code."""
    from orders_domain.models import Voucher

    return [Voucher(code=new_code(), status=VoucherStatus.ACTIVE) for _ in range(quantity)]


def settle(vouchers: list[Voucher], standing_units: int) -> list[Voucher]:
    """The vouchers with the newest active ones cancelled until no more stand (active or redeemed)
    than the line's units that still stand; unchanged when they already fit."""
    excess = sum(v.status != VoucherStatus.CANCELLED for v in vouchers) - standing_units
    if excess <= 0:
        return vouchers
    settled = list(vouchers)
    for position in range(len(settled) - 1, -1, -1):
        if excess == 0:
            break
        if settled[position].status == VoucherStatus.ACTIVE:
            settled[position] = settled[position].model_copy(update={"status": VoucherStatus.CANCELLED})
            excess -= 1
    return settled
