"""The catalogue's rules as pure functions (API.md "More of the commerce API"): a product's price for
the options a line picks, how available it is for a quantity, and whether a party may buy it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from orders_domain.domain.errors import FieldError, ValidationFailed

if TYPE_CHECKING:
    from orders_domain.models.catalogue import Product


class Availability(StrEnum):
    """seeds/003's availability words: enough, little left after this, or not enough."""

    OK = "OK"
    LOW = "LOW"
    SOLD_OUT = "SOLD_OUT"


def availability(product: Product, quantity: int) -> Availability:
    """`SOLD_OUT` when fewer units are available than asked, `LOW` when fewer than the product's
    `low_stock_threshold` would remain, else `OK` (unlimited stock: always `OK`)."""
    left = product.stock_available
    if left is None:
        return Availability.OK
    if left < quantity:
        return Availability.SOLD_OUT
    if left - quantity < product.low_stock_threshold:
        return Availability.LOW
    return Availability.OK


def unit_price(
    product: Product,
    variant_options: Sequence[str] = (),
    modifier_options: Sequence[str] = (),
    *,
    field: str = "products",
) -> Decimal:
    """The product's unit price with the picked options' deltas (by `option_id`); an option the
    product does not offer is a 400 naming it. Never below zero (a discount larger than the price
    makes the unit free, not a credit)."""
    price = product.unit_price
    errors = []
    for kind, picked, offered in (
        ("variant_options", variant_options, product.variant_options),
        ("modifier_options", modifier_options, product.modifier_options),
    ):
        by_id = {option.option_id: option for option in offered}
        for position, option_id in enumerate(picked):
            option = by_id.get(option_id)
            if option is None:
                errors.append(
                    FieldError(f"{field}.{kind}[{position}]", f"the product offers no option '{option_id}'")
                )
            else:
                price += option.price_delta
    if errors:
        raise ValidationFailed("A product option is not one the product offers.", errors=errors)
    return price if price > 0 else Decimal(0).quantize(product.unit_price)


def ineligible_reason(product: Product, party_type: str | None, party_id: str | None) -> str | None:
    """Why the party may not buy the product, or None when it may: eligible when the product has no
    rule, or the party's type is in `customer_types` (when given) and its id in `customer_ids`
    (when given)."""
    rule = product.eligibility
    if rule is None:
        return None
    if rule.customer_types is not None and party_type not in rule.customer_types:
        return f"the product is sold only to customers of type {', '.join(rule.customer_types)}"
    if rule.customer_ids is not None and party_id not in rule.customer_ids:
        return "the product is sold only to the customers it names"
    return None
