"""An admin's override of an order's lines (API.md "More of the commerce API"; seeds/003's
`override_manifest`): what `POST .../override` and `.../override/preview` take. Apart from the
catalogue's models, so the create function does not build those on its cold start."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from orders_domain.models.requests import OrderCreateRequest
from orders_domain.models.types import MAX_AMOUNT, InputModel, Int, Money, unique_by


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
