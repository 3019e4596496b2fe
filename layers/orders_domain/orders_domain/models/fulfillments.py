"""The Fulfillments resource (seeds/002) and the fulfil and cancel request bodies (API.md).

A fulfillment records one fulfil call: which lines it fulfilled (`quantity`) and cancelled
(`cancel_quantity`), with tracking details and metadata. Metadata follows the seed: key-value pairs
whose values are strings, booleans or integers (never floats: DynamoDB takes no floats, and a float
would change on the way through). The seed states no size limits; these are the service's own:
at most `MAX_METADATA_KEYS` keys of at most `MAX_METADATA_KEY_LENGTH` characters, string values of at
most `MAX_METADATA_VALUE_LENGTH` characters.
"""

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictInt, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from orders_domain.domain import jsonio, money
from orders_domain.models.types import DomainModel, InputModel, Int, ShortStr, unique_by

MAX_METADATA_KEYS = 50
MAX_METADATA_KEY_LENGTH = 40
MAX_METADATA_VALUE_LENGTH = 500
#: The most items one fulfil or cancel request may name (an order has at most 500 lines).
MAX_ITEMS = 500

MetadataKey = Annotated[str, StringConstraints(min_length=1, max_length=MAX_METADATA_KEY_LENGTH)]
MetadataValue = (
    Annotated[str, StringConstraints(strict=True, max_length=MAX_METADATA_VALUE_LENGTH)]
    | StrictBool
    | Annotated[StrictInt, Field(ge=-(10**18), le=10**18)]
)
Metadata = Annotated[dict[MetadataKey, MetadataValue], Field(max_length=MAX_METADATA_KEYS)]
LineId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Url = Annotated[str, StringConstraints(max_length=2000)]
#: A line named twice in one request's items would be counted twice: 422 naming it.
_ONE_PER_LINE = unique_by("order_line_item_id")


class FulfillmentItem(DomainModel):
    """One line of a fulfillment: units fulfilled and units cancelled by it."""

    order_line_item_id: str
    sku: str | None = None
    quantity: int = Field(default=0, ge=0)
    cancel_quantity: int = Field(default=0, ge=0)
    #: Will-call: the fulfilled units of this line have been picked up.
    picked_up: bool = False


class Fulfillment(DomainModel):
    """A fulfillment record (seeds/002): what one fulfil call did to an order."""

    id: str
    order_id: str
    tenant_id: str
    created_time: dt.datetime
    tracking_company: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    shipment_id: str | None = None
    currency: str | None = None
    metadata: dict[str, str | bool | int] = Field(default_factory=dict)
    items: list[FulfillmentItem] = Field(default_factory=list)
    #: Will-call: every fulfilled line of it has been picked up.
    picked_up: bool = False
    #: The order version at which it was last written: its `ETag` (`If-Match` on a PATCH).
    sys_version: int = 0
    sys_last_modified_at: dt.datetime | None = None


def fulfillment_json(fulfillment: Fulfillment) -> str:
    """A fulfillment as answered and as stored (storage.fulfillments): JSON, numbers as numbers."""
    return jsonio.unmark(fulfillment.model_dump_json(exclude_none=True, context={jsonio.NUMBERS: True}))


class FulfilItemInput(InputModel):
    """`items[]` of a fulfil body: fulfil `quantity` and cancel `cancel_quantity` units of a line."""

    order_line_item_id: LineId
    quantity: Int = Field(default=0, ge=0, le=1_000_000)
    cancel_quantity: Int = Field(default=0, ge=0, le=1_000_000)


class FulfilRequest(InputModel):
    """`POST .../{id}/fulfill`: no items fulfils everything still open."""

    items: Annotated[list[FulfilItemInput], _ONE_PER_LINE] | None = Field(
        default=None, min_length=1, max_length=MAX_ITEMS
    )
    tracking_company: ShortStr | None = None
    tracking_number: ShortStr | None = None
    tracking_url: Url | None = None
    shipment_id: ShortStr | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    metadata: Metadata | None = None

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str | None) -> str | None:
        if value is not None and not money.is_currency(value):
            raise PydanticCustomError("unknown_currency", "unknown currency code")
        return value


class CancelItemInput(InputModel):
    """`items[]` of a cancel body: cancel `quantity` units of a line."""

    order_line_item_id: LineId
    quantity: Int = Field(gt=0, le=1_000_000)


class CancelRequest(InputModel):
    """`POST .../{id}/cancel`: no items cancels everything not yet fulfilled."""

    items: Annotated[list[CancelItemInput], _ONE_PER_LINE] | None = Field(
        default=None, min_length=1, max_length=MAX_ITEMS
    )
    reason: str | None = Field(default=None, max_length=1000)


class PickupItemInput(InputModel):
    """`items[]` of a fulfillment PATCH: record the pickup of one line's fulfilled units."""

    order_line_item_id: LineId
    picked_up: Literal[True]


class FulfillmentUpdate(InputModel):
    """`PATCH /orders/{tenantId}/fulfillments/{id}`: tracking details and will-call pickup.

    A pickup is recorded, never taken back (`picked_up` is `true` or absent): per line with `items`,
    or for every fulfilled line of the fulfillment with `picked_up`.
    """

    tracking_company: ShortStr | None = None
    tracking_number: ShortStr | None = None
    tracking_url: Url | None = None
    picked_up: Literal[True] | None = None
    items: Annotated[list[PickupItemInput], _ONE_PER_LINE] | None = Field(
        default=None, min_length=1, max_length=MAX_ITEMS
    )


class FulfillmentList(DomainModel):
    """A page of fulfillments (seeds/002): newest first."""

    data: list[Fulfillment]
    has_more: bool
