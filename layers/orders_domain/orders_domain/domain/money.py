"""Money rules: currencies, exact Decimal arithmetic, rounded half-even to the currency's minor unit.

The bottom of the domain: imports nothing of it, so models and services can both use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

#: Minor units (decimal places) of every active ISO 4217 currency with a minor unit
#: (list one as published 2026-01-01; codes without one, such as XAU or XDR, are left out).
CURRENCY_MINOR_UNITS: dict[str, int] = {
    "AED": 2, "AFN": 2, "ALL": 2, "AMD": 2, "AOA": 2, "ARS": 2, "AUD": 2, "AWG": 2, "AZN": 2,
    "BAM": 2, "BBD": 2, "BDT": 2, "BHD": 3, "BIF": 0, "BMD": 2, "BND": 2, "BOB": 2, "BOV": 2,
    "BRL": 2, "BSD": 2, "BTN": 2, "BWP": 2, "BYN": 2, "BZD": 2,
    "CAD": 2, "CDF": 2, "CHE": 2, "CHF": 2, "CHW": 2, "CLF": 4, "CLP": 0, "CNY": 2, "COP": 2,
    "COU": 2, "CRC": 2, "CUP": 2, "CVE": 2, "CZK": 2,
    "DJF": 0, "DKK": 2, "DOP": 2, "DZD": 2,
    "EGP": 2, "ERN": 2, "ETB": 2, "EUR": 2,
    "FJD": 2, "FKP": 2,
    "GBP": 2, "GEL": 2, "GHS": 2, "GIP": 2, "GMD": 2, "GNF": 0, "GTQ": 2, "GYD": 2,
    "HKD": 2, "HNL": 2, "HTG": 2, "HUF": 2,
    "IDR": 2, "ILS": 2, "INR": 2, "IQD": 3, "IRR": 2, "ISK": 0,
    "JMD": 2, "JOD": 3, "JPY": 0,
    "KES": 2, "KGS": 2, "KHR": 2, "KMF": 0, "KPW": 2, "KRW": 0, "KWD": 3, "KYD": 2, "KZT": 2,
    "LAK": 2, "LBP": 2, "LKR": 2, "LRD": 2, "LSL": 2, "LYD": 3,
    "MAD": 2, "MDL": 2, "MGA": 2, "MKD": 2, "MMK": 2, "MNT": 2, "MOP": 2, "MRU": 2, "MUR": 2,
    "MVR": 2, "MWK": 2, "MXN": 2, "MXV": 2, "MYR": 2, "MZN": 2,
    "NAD": 2, "NGN": 2, "NIO": 2, "NOK": 2, "NPR": 2, "NZD": 2,
    "OMR": 3,
    "PAB": 2, "PEN": 2, "PGK": 2, "PHP": 2, "PKR": 2, "PLN": 2, "PYG": 0,
    "QAR": 2,
    "RON": 2, "RSD": 2, "RUB": 2, "RWF": 0,
    "SAR": 2, "SBD": 2, "SCR": 2, "SDG": 2, "SEK": 2, "SGD": 2, "SHP": 2, "SLE": 2, "SOS": 2,
    "SRD": 2, "SSP": 2, "STN": 2, "SVC": 2, "SYP": 2, "SZL": 2,
    "THB": 2, "TJS": 2, "TMT": 2, "TND": 3, "TOP": 2, "TRY": 2, "TTD": 2, "TWD": 2, "TZS": 2,
    "UAH": 2, "UGX": 0, "USD": 2, "USN": 2, "UYI": 0, "UYU": 2, "UYW": 4, "UZS": 2,
    "VED": 2, "VES": 2, "VND": 0, "VUV": 0,
    "WST": 2,
    "XAD": 2, "XAF": 0, "XCD": 2, "XCG": 2, "XOF": 0, "XPF": 0,
    "YER": 2,
    "ZAR": 2, "ZMW": 2, "ZWG": 2,
}  # fmt: skip

ZERO = Decimal(0)


class NegativeTotal(ArithmeticError):
    """A total computed below zero: a defect of the rules that computed it, never written."""


def not_negative(amount: Decimal, what: str) -> Decimal:
    """The invariant of every line and order total: never below zero (a discount never exceeds what
    it applies to). Checked where totals are computed, so a broken rule fails before any write."""
    if amount < 0:
        raise NegativeTotal(f"{what} {amount} is below zero")
    return amount


def minor_units(currency_code: str) -> int:
    return CURRENCY_MINOR_UNITS.get(currency_code, 2)


def is_currency(code: str) -> bool:
    return code in CURRENCY_MINOR_UNITS


def decimal_places(value: Decimal) -> int:
    """Decimal places that carry value: 10.5 -> 1, 10.50 -> 1, 10.505 -> 3, 1E+1 -> 0, 0.000 -> 0."""
    _sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0 or not any(digits):
        return 0
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -exponent - trailing_zeros)


def quantum(currency_code: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency_code))


def rounded(amount: Decimal, currency_code: str) -> Decimal:
    return amount.quantize(quantum(currency_code), rounding=ROUND_HALF_EVEN)


def converted(amount: Decimal, rate: Decimal, currency_code: str) -> Decimal:
    """`amount` at `rate`, rounded to the currency: worked in a context wide enough for any total the
    request bounds allow (below 1E+21) times any rate (at most 1E+6), so the rounding cannot fail."""
    with localcontext() as wide:
        wide.prec = 60
        return rounded(amount * rate, currency_code)


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
