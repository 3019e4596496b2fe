"""What the tenant's catalogue says of an unplaced order, as pure functions (API.md "More of the
commerce API"; seeds/003's preview manifest, availability, price and eligibility, and describe).

A preview reports what a create would refuse as manifest errors instead of refusing: `SOLD_OUT` (fewer
units left than the order asks of a product: every line naming it), `INELIGIBLE` (the bill-to party may
not buy the line's product), `UNKNOWN_PRODUCT` (a strict catalogue does not hold the line's product) and
`NO_DEFAULT_SHIPPING_PRODUCT` (a shippable order, and no shipping product is the default). A price
that is not the catalogue's stays a 400, in preview as in create: it is the client's mistake, not the
order's state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from orders_domain.domain.catalogue_rules import (
    Availability,
    availability,
    bill_to,
    first_ineligible,
    ineligible_reason,
)

if TYPE_CHECKING:
    from orders_domain.models import OrderCreateRequest
    from orders_domain.models.catalogue import OpenCredit, Product, ShippingProduct

SOLD_OUT = "SOLD_OUT"
INELIGIBLE = "INELIGIBLE"
UNKNOWN_PRODUCT = "UNKNOWN_PRODUCT"
NO_DEFAULT_SHIPPING_PRODUCT = "NO_DEFAULT_SHIPPING_PRODUCT"


@dataclass(frozen=True)
class Issue:
    """A manifest error: its code, the position of the line it is about (None: the order), why."""

    code: str
    line: int | None
    message: str


def _named(request: OrderCreateRequest) -> Iterable[tuple[int, tuple[str, str]]]:
    for index, line in enumerate(request.line_items):
        if line.product_type and line.product_id:
            yield index, (str(line.product_type), str(line.product_id))


def line_availability(
    request: OrderCreateRequest, products: Mapping[tuple[str, str], Product]
) -> list[tuple[int, Availability]]:
    """Each line naming a product the catalogue holds, and how available the product is for every
    unit the order asks of it (its lines' units summed)."""
    units: dict[tuple[str, str], int] = {}
    for index, ref in _named(request):
        if ref in products:
            units[ref] = units.get(ref, 0) + request.line_items[index].quantity
    return [(i, availability(products[ref], units[ref])) for i, ref in _named(request) if ref in products]


def issues(
    request: OrderCreateRequest,
    products: Mapping[tuple[str, str], Product],
    levels: Sequence[tuple[int, Availability]],
    *,
    strict: bool,
) -> list[Issue]:
    """The catalogue's manifest errors of the order's lines, in line order (`levels`: the lines'
    `line_availability`)."""
    party_type, party_id = bill_to(request)
    sold_out = {i for i, level in levels if level is Availability.SOLD_OUT}
    found: list[Issue] = []
    for index, ref in _named(request):
        product = products.get(ref)
        if product is None:
            if strict:
                found.append(
                    Issue(UNKNOWN_PRODUCT, index, f"The catalogue holds no product {ref[0]}/{ref[1]}.")
                )
            continue
        reason = ineligible_reason(product, party_type, party_id)
        if reason is not None:
            found.append(Issue(INELIGIBLE, index, f"The customer may not buy {ref[0]}/{ref[1]}: {reason}."))
        if index in sold_out:
            found.append(
                Issue(SOLD_OUT, index, f"Fewer units of {ref[0]}/{ref[1]} are left than the order asks.")
            )
    return found


def shipping_issue(shippable: bool, options: Sequence[ShippingProduct]) -> Issue | None:
    """`NO_DEFAULT_SHIPPING_PRODUCT` for a shippable order when no shipping product is the default."""
    if shippable and not any(option.default for option in options):
        return Issue(NO_DEFAULT_SHIPPING_PRODUCT, None, "The catalogue has no default shipping product.")
    return None


def open_credits(credits: Iterable[OpenCredit], currency_code: str) -> tuple[list[OpenCredit], Decimal]:
    """The credits with something left, and the balance of those in the order's currency."""
    left = [credit for credit in credits if credit.amount_available > 0]
    balance = sum((c.amount_available for c in left if c.currency_code == currency_code), Decimal(0))
    return left, balance


def eligibility(request: OrderCreateRequest, products: Mapping[tuple[str, str], Product]) -> str | None:
    """Why the bill-to party may not buy a product the order names (the first), or None: eligible."""
    named = dict.fromkeys(ref for _, ref in _named(request) if ref in products)
    return first_ineligible(request, (products[ref] for ref in named))
