"""Money rules: exact Decimal arithmetic, rounded half-even to the currency's minor unit."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal

from orders_domain.models import CURRENCY_MINOR_UNITS

ZERO = Decimal(0)


def minor_units(currency_code: str) -> int:
    return CURRENCY_MINOR_UNITS.get(currency_code, 2)


def quantum(currency_code: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency_code))


def rounded(amount: Decimal, currency_code: str) -> Decimal:
    return amount.quantize(quantum(currency_code), rounding=ROUND_HALF_EVEN)


def allocate(amount: Decimal, weights: Sequence[Decimal], currency_code: str) -> list[Decimal]:
    """Split `amount` over `weights` proportionally; the parts are rounded and sum to `amount`.

    Rounding leftovers go one minor unit at a time to the parts with the largest remainders,
    so no cent is lost or invented.
    """
    total_weight = sum(weights, ZERO)
    if not weights:
        return []
    if total_weight == ZERO:
        shares = [ZERO] * len(weights)
        shares[-1] = amount
        return [rounded(s, currency_code) for s in shares]
    q = quantum(currency_code)
    exact = [amount * w / total_weight for w in weights]
    parts = [e.quantize(q, rounding="ROUND_DOWN") for e in exact]
    leftover = int((amount - sum(parts, ZERO)) / q)
    by_remainder = sorted(range(len(weights)), key=lambda i: (exact[i] - parts[i], -i), reverse=True)
    for i in by_remainder[:leftover]:
        parts[i] += q
    return parts
