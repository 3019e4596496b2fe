"""The tenant's catalogue (API.md "More of the commerce API"): products by `(type, id)`, shipping
products and the catalogue's settings; what an admin sends and what is stored and answered.

A product's `stock` is the units that may still be sold (an integer ≥ 0), or `null`: unlimited. The
stored product keeps it beside the document, as a number the order's create decrements in its own
transaction (issue 31: never below zero); answers add `stock_available`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from orders_domain.domain import money
from orders_domain.models.types import (
    Bool,
    DomainModel,
    InputModel,
    Int,
    Money,
    Number,
    PartyType,
    StoredNumber,
    UniqueIds,
    Weight,
    unique_by,
)

#: A product's type or id, a shipping product's id, an option's id: what a path segment may hold.
CatalogueId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
#: The most units a product's stock may hold (fits a DynamoDB number and any order).
MAX_STOCK = 1_000_000_000
#: The most variant or modifier options one product lists.
MAX_OPTIONS = 100
#: The most customer types or ids an eligibility rule names.
MAX_ELIGIBLE = 1_000
#: The price delta of an option and a product's price: at most this much either way.
MAX_PRICE = Decimal("1000000000")
#: The stock level under which availability reads `LOW` unless a product sets its own.
LOW_STOCK_THRESHOLD = 5


class OfferKind(StrEnum):
    """What a product is: goods, a ticket, or an offer whose units are vouchers (deal, gift card)."""

    PHYSICAL = "physical"
    TICKET = "ticket"
    DEAL = "deal"
    GIFT_CARD = "gift_card"


#: The offer kinds whose every unit sold is a voucher.
VOUCHER_KINDS = frozenset({OfferKind.DEAL, OfferKind.GIFT_CARD})

# Bounds before StoredNumber, so the OpenAPI document shows them (models.types).
Price = Annotated[Decimal, Field(allow_inf_nan=False, ge=0, le=MAX_PRICE), StoredNumber]
PriceDelta = Annotated[Decimal, Field(allow_inf_nan=False, ge=-MAX_PRICE, le=MAX_PRICE), StoredNumber]
TaxRate = Annotated[Decimal, Field(allow_inf_nan=False, ge=0, le=1), StoredNumber]
CreditAmount = Annotated[Decimal, Field(allow_inf_nan=False, gt=0, le=MAX_PRICE), StoredNumber]
Stock = Annotated[Int, Field(ge=0, le=MAX_STOCK)]


CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


def _currency(value: str) -> str:
    if not money.is_currency(value):
        raise ValueError(f"is not an ISO 4217 currency this service knows: {value}")
    return value


def _minor_units(amounts: list[Decimal], currency_code: str, what: str) -> None:
    """A ValueError unless every amount is whole minor units of the currency."""
    quantum = money.quantum(currency_code)
    if any(amount != amount.quantize(quantum) for amount in amounts):
        raise ValueError(f"{what} must be whole minor units of {currency_code} ({quantum})")


class CatalogueOption(InputModel):
    """A variant or modifier a line may pick, and what it adds to the unit price (may be negative)."""

    option_id: CatalogueId
    value: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    price_delta: PriceDelta = money.ZERO


class Eligibility(InputModel):
    """Who may buy: a bill-to party whose type is in `customer_types` (when given) and whose id is in
    `customer_ids` (when given). No rule: everyone."""

    customer_types: Annotated[list[PartyType], UniqueIds] | None = Field(default=None, max_length=2)
    customer_ids: Annotated[list[CatalogueId], UniqueIds] | None = Field(
        default=None, max_length=MAX_ELIGIBLE
    )


class ProductInput(InputModel):
    """`PUT /orders/{tenantId}/catalogue/products/{productType}/{productId}` (admin)."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    unit_price: Price
    currency_code: CurrencyCode
    stock: Stock | None = None
    offer_kind: OfferKind = OfferKind.PHYSICAL
    tax_rate: TaxRate = money.ZERO
    weight: Weight | None = None
    shippable: Bool = False
    variant_options: Annotated[list[CatalogueOption], unique_by("option_id")] = Field(
        default_factory=list, max_length=MAX_OPTIONS
    )
    modifier_options: Annotated[list[CatalogueOption], unique_by("option_id")] = Field(
        default_factory=list, max_length=MAX_OPTIONS
    )
    eligibility: Eligibility | None = None
    release_stock_on_refund: Bool = False
    low_stock_threshold: Annotated[Int, Field(ge=0, le=MAX_STOCK)] = LOW_STOCK_THRESHOLD

    _known_currency = field_validator("currency_code")(_currency)

    @model_validator(mode="after")
    def _prices_in_minor_units(self) -> ProductInput:
        """The price and every delta are whole minor units of the product's currency."""
        amounts = [self.unit_price, *(o.price_delta for o in [*self.variant_options, *self.modifier_options])]
        _minor_units(amounts, self.currency_code, "prices")
        quantum = money.quantum(self.currency_code)  # exact, so "30" is stored and answered as 30.00
        self.unit_price = self.unit_price.quantize(quantum)
        for option in [*self.variant_options, *self.modifier_options]:
            option.price_delta = option.price_delta.quantize(quantum)
        return self


class Product(DomainModel):
    """A catalogue product as stored and answered (`stock_available`: the units left, None: unlimited)."""

    tenant_id: str
    product_type: str
    product_id: str
    name: str
    unit_price: Money
    currency_code: str
    stock_available: int | None = None
    offer_kind: OfferKind = OfferKind.PHYSICAL
    tax_rate: Number = money.ZERO
    weight: Number | None = None
    shippable: bool = False
    variant_options: list[CatalogueOption] = Field(default_factory=list)
    modifier_options: list[CatalogueOption] = Field(default_factory=list)
    eligibility: Eligibility | None = None
    release_stock_on_refund: bool = False
    low_stock_threshold: int = LOW_STOCK_THRESHOLD

    @classmethod
    def of(cls, tenant_id: str, product_type: str, product_id: str, body: ProductInput) -> Product:
        data = body.model_dump(exclude={"stock"})
        return cls(
            tenant_id=tenant_id,
            product_type=product_type,
            product_id=product_id,
            stock_available=body.stock,
            **data,
        )


class ShippingInput(InputModel):
    """`PUT /orders/{tenantId}/catalogue/shipping/{shippingId}` (admin)."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    cost: Price
    display_order: Annotated[Int, Field(ge=0, le=1_000_000)] = 0
    do_not_show_in_portal: Bool = False
    default: Bool = False


class ShippingProduct(DomainModel):
    """A shipping product as stored and answered (the preview manifest's `shipping_options`)."""

    id: str
    name: str
    cost: Money
    display_order: int = 0
    do_not_show_in_portal: bool = False
    default: bool = False


class CatalogueSettings(InputModel):
    """`PUT /orders/{tenantId}/catalogue/settings` (admin): `strict` makes an unknown product a 400."""

    strict: Bool = False


#: Who an open credit belongs to: a contact's or organization's id as orders name it.
CustomerId = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class CreditInput(InputModel):
    """`POST /orders/{tenantId}/credits` (admin): grant a customer an open credit."""

    customer_type: PartyType
    customer_id: CustomerId
    amount: CreditAmount
    currency_code: CurrencyCode

    _known_currency = field_validator("currency_code")(_currency)

    @model_validator(mode="after")
    def _amount_in_minor_units(self) -> CreditInput:
        _minor_units([self.amount], self.currency_code, "amount")
        self.amount = self.amount.quantize(money.quantum(self.currency_code))
        return self


class OpenCredit(DomainModel):
    """An open credit as stored and answered (seeds/003's `open_credits`): `number` counts the
    tenant's credits from 1; `date` is when it was granted."""

    tenant_id: str
    id: str
    #: The day it was granted (UTC), as seeds/003 writes it: `2019-08-24`.
    date: date
    number: int
    amount_available: Money
    currency_code: str
    customer_type: PartyType
    customer_id: str


class ProductPage(DomainModel):
    """`GET .../catalogue/products`: a page of products and the next page's token (null: the last)."""

    Count: int
    Items: list[Product]
    LastEvaluatedKey: str | None = None


class ShippingList(DomainModel):
    """`GET .../catalogue/shipping`: every shipping product, by display order."""

    shipping_options: list[ShippingProduct]


class CreditList(DomainModel):
    """`GET .../credits/{customerType}/{customerId}`: the customer's open credits, oldest first."""

    open_credits: list[OpenCredit]
