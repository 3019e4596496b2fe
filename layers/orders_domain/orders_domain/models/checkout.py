"""What a client may ask the catalogue about an unplaced order or a product, and the answers (API.md
"More of the commerce API"; seeds/003's describe products, availability, price and eligibility, and
the preview manifest's catalogue members). These are reads: they never reserve stock.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from orders_domain.models.catalogue import CatalogueId, CustomerId
from orders_domain.models.types import (
    DomainModel,
    InputModel,
    Money,
    PartyType,
    ShortStr,
)

#: The most products one describe asks about (each is a key of one BatchGetItem of at most 100).
MAX_DESCRIBE = 100
#: The most options a described product picks of each kind.
MAX_PICKED = 100


class PickedOption(InputModel):
    """An option a described product picks, by `option_id` (`value` is the client's label, not read)."""

    option_id: CatalogueId
    value: Annotated[str, StringConstraints(max_length=200)] | None = None


class DescribedProductInput(InputModel):
    type: CatalogueId
    id: CatalogueId
    variant_options: list[PickedOption] = Field(default_factory=list, max_length=MAX_PICKED)
    modifier_options: list[PickedOption] = Field(default_factory=list, max_length=MAX_PICKED)


class DescribeRequest(InputModel):
    """`POST /orders/{tenantId}/products/describe`: the products, priced for this customer."""

    customer_type: PartyType | None = None
    customer_id: CustomerId | None = None
    business_unit_id: ShortStr | None = None
    products: list[DescribedProductInput] = Field(min_length=1, max_length=MAX_DESCRIBE)


class DescribedProduct(DomainModel):
    """A product as describe answers it: its unit price with the picked options, whether the customer
    may not buy it, and how available one unit is (`OK`, `LOW`, `SOLD_OUT`)."""

    type: str
    id: str
    price: Money
    ineligible: bool
    availability: str


class DescribeResponse(DomainModel):
    products: list[DescribedProduct]


class LineAvailability(DomainModel):
    """How available a line's product is for all the units the order asks of it."""

    order_line_item_id: str | None = None
    line_number: int
    status: str


class AvailabilityResponse(DomainModel):
    """`POST .../availability`: every line that names a product the catalogue holds."""

    product_availability: list[LineAvailability]


class PriceResponse(DomainModel):
    """`POST .../preview/price`: the order's `total` as it would be placed."""

    price: Money


class EligibilityResponse(DomainModel):
    """`POST .../preview/eligibility`: whether the bill-to party may buy every product named."""

    eligible: bool
    reason: str | None = None
