"""What a client may ask the catalogue about an unplaced order or a product, and the answers (API.md
"More of the commerce API"; seeds/003's describe products, availability, price and eligibility, and
the preview manifest's catalogue members). These are reads: they never reserve stock.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from orders_domain.models.catalogue import CatalogueId, CustomerId
from orders_domain.models.requests import OrderCreateRequest
from orders_domain.models.types import (
    MAX_AMOUNT,
    DomainModel,
    InputModel,
    Int,
    Money,
    PartyType,
    ShortStr,
    unique_by,
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


class OverrideLine(InputModel):
    """One line an admin overrides, by the `order_line_item_id` the order's line carries: its unit
    price, its quantity (stock follows it), or its total (the line's units in all, before coupons and
    taxes: the unit price is the total over the quantity, which must come out in whole minor units)."""

    #: The document says what the validator checks: at least one of the three is sent.
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["override_unit_price"]},
                {"required": ["override_quantity"]},
                {"required": ["override_total"]},
            ]
        }
    )

    order_line_item_id: Annotated[
        str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    ]
    override_unit_price: Money | None = Field(default=None, ge=0, lt=MAX_AMOUNT)
    override_quantity: Int | None = Field(default=None, gt=0, le=1_000_000)
    override_total: Money | None = Field(default=None, ge=0, lt=MAX_AMOUNT)

    @model_validator(mode="after")
    def _overrides_something(self) -> OverrideLine:
        if (
            self.override_unit_price is None
            and self.override_quantity is None
            and self.override_total is None
        ):
            raise ValueError(
                "an override line needs override_unit_price, override_quantity or override_total"
            )
        return self


class OverrideManifest(InputModel):
    line_items: Annotated[list[OverrideLine], unique_by("order_line_item_id")] = Field(
        min_length=1, max_length=500
    )


class OverrideRequest(InputModel):
    """`POST /orders/{tenantId}/override` and `.../override/preview` (admin): an order and what to
    override in it."""

    order: OrderCreateRequest
    override_manifest: OverrideManifest
