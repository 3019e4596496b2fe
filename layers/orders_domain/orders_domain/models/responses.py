"""The response boundary: an order as routes send it, and the preview's manifest."""

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from orders_domain.models.catalogue import OpenCredit, ShippingProduct
from orders_domain.models.checkout import DescribedProduct, LineAvailability
from orders_domain.models.orders import RESPONSE_EXCLUDED_FIELDS, Order
from orders_domain.models.types import DomainModel, Money

Links = dict[str, dict[str, str]]


class _ResponseBase(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        defer_build=True,
    )


def _order_response_model() -> type[BaseModel]:
    """`Order` without the fields that never leave storage, plus HAL `_links`.

    Exactly what a response carries: the schema cannot list a field no response has.
    """
    fields: dict[str, Any] = {
        name: (info.annotation, info)
        for name, info in Order.model_fields.items()
        if name not in RESPONSE_EXCLUDED_FIELDS
    }
    fields["links"] = (
        Links,
        Field(alias="_links", description="HAL links: `self` and the actions allowed now."),
    )
    model: type[BaseModel] = create_model(
        "OrderResponse",
        __base__=_ResponseBase,
        __doc__="An order as a route returns it, with HAL `_links`.",
        **fields,
    )
    return model


_BUILT: dict[str, type[BaseModel]] = {}


def __getattr__(name: str) -> Any:
    """`OrderResponse`: the OpenAPI schema of every order response (the body itself is built by
    representation). Made on first use: serving an order never needs it, only documenting one and
    checking the names of `fields=`."""
    if name != "OrderResponse":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name not in _BUILT:
        _BUILT[name] = _order_response_model()
    return _BUILT[name]


class OrderProjection(BaseModel):
    """An order response cut down by `fields=`: `id` and the fields asked for (see OrderResponse)."""

    model_config = ConfigDict(extra="allow", defer_build=True)

    id: str


def order_page_model() -> type[BaseModel]:
    """`OrderPage`: a page of whole orders (`OrderResponse`, or `OrderProjection` with `fields=` and
    for `view=summary` list rows), as every order list answers."""
    if "OrderPage" not in _BUILT:
        item: Any = __getattr__("OrderResponse") | OrderProjection
        _BUILT["OrderPage"] = create_model(
            "OrderPage",
            __base__=BaseModel,
            __doc__="A page of orders, newest first.",
            Count=(
                int,
                Field(description="Orders on this page (a filtered page may hold fewer than `limit`)."),
            ),
            Items=(
                list[item],
                Field(
                    description="Whole orders (with `fields=`: `id` and those fields; with "
                    "`view=summary`: list rows)."
                ),
            ),
            LastEvaluatedKey=(
                str | None,
                Field(
                    default=None,
                    description="Pass as `exclusiveStartKey` for the next page; null on the last.",
                ),
            ),
        )
    return _BUILT["OrderPage"]


class ManifestError(DomainModel):
    """A problem the preview found."""

    code: str
    order_line_item_id: str | None = None
    message: str


class PaymentDue(DomainModel):
    """What one merchant account collects at checkout."""

    merchant_account_id: str | None = None
    amount_due: Money


class PreviewManifest(DomainModel):
    """What checkout would collect, and what the tenant's catalogue says of the order (seeds/003):
    `errors` (`SOLD_OUT`, `INELIGIBLE`, `UNKNOWN_PRODUCT`, `NO_DEFAULT_SHIPPING_PRODUCT`), the shipping
    options, the bill-to party's open credits and their balance in the order's currency (none when
    `do_not_apply_open_credits`), and the availability of each line naming a catalogue product."""

    errors: list[ManifestError] = Field(default_factory=list)
    open_credits: list[OpenCredit] = Field(default_factory=list)
    open_credit_balance: Money = Decimal(0)
    shipping_options: list[ShippingProduct] = Field(default_factory=list)
    product_availability: list[LineAvailability] = Field(default_factory=list)
    payments_due: list[PaymentDue] = Field(default_factory=list)
    total_amount_due_at_checkout: Money
    primary_amount_due_at_checkout: Money
    additional_payments_due_at_checkout: Money


class PreviewResponse(DomainModel):
    """The preview route's body: the manifest, the order as it would be (not stored, so a dict), the
    catalogue products its lines name (as describe answers them) and `line_item_mappings`: each
    request line's position (`"0"`, `"1"`, ...) and the `order_line_item_id` the order gives it."""

    manifest: PreviewManifest
    order: dict[str, Any]
    products: list[DescribedProduct] = Field(default_factory=list)
    line_item_mappings: dict[str, str] = Field(default_factory=dict)


class HistoryItem(_ResponseBase):
    """One version of an order, as the stream consumer recorded it."""

    sys_version: int = Field(description="The order version this change made.")
    event: str = Field(description="What the change was: OrderCreated, OrderUpdated, OrderFulfilled, ...")
    at: str = Field(description="When (the version's `sys_last_modified_at`).")
    changed_fields: list[str] = Field(
        description='JSON pointers of what changed (`""`, the whole order, for a create).'
    )
    by: str | None = Field(default=None, description="The API key id (`key_...`) that made the change.")
    override: dict[str, Any] | None = Field(
        default=None,
        description="An admin override this version made: `{by_key_id, lines: [{order_line_item_id, "
        "original_unit_price, original_quantity, override_unit_price, override_quantity, override_total}]}`.",
    )


class HistoryPage(_ResponseBase):
    """A page of an order's history, oldest first."""

    Count: int
    Items: list[HistoryItem]
    LastEvaluatedKey: str | None = Field(
        default=None, description="Pass as `after` for the next page; null on the last page."
    )


class BatchResult(_ResponseBase):
    """The outcome of one batch operation."""

    operation: str
    id: str | None = None
    outcome: str = Field(description="`success` or `error`.")
    error_message: str | None = Field(default=None, description="Why the operation was refused.")
    status: int | None = Field(
        default=None, description="The HTTP status the operation alone would have had."
    )
    code: str | None = Field(
        default=None, description="The problem `code` the operation alone would have had."
    )
    object: dict[str, Any] | None = Field(default=None, description="The order created or changed.")
    idempotency_key: str | None = Field(
        default=None,
        description="A create of a keyed batch: the key it ran under (`<key>#<position>`); send the "
        "create alone with it to finish one that failed retryably.",
    )
    sys_version: int | None = Field(
        default=None, description="With `objects_omitted`: the version of the order created or changed."
    )


class BatchResponse(_ResponseBase):
    """The answer to a batch: counts and one result per operation, in the order sent."""

    success_count: int
    error_count: int
    results: list[BatchResult]
    objects_omitted: bool | None = Field(
        default=None,
        description="`true` when the orders would make the answer too large to store and replay: each "
        "result then carries `id` and `sys_version` instead of `object`.",
    )


class WillCallLine(_ResponseBase):
    """One goods line of a will-call check: a reason only where its flag is false."""

    line_number: int
    picked_up: bool
    refundable: bool
    non_refundable_reason: str | None = None
    self_service_refundable: bool
    non_self_service_refundable_reason: str | None = None


class WillCallCheck(_ResponseBase):
    """What of the order can be picked up and refunded now (API.md, will_call_check)."""

    line_items: list[WillCallLine]
    links: Links = Field(alias="_links", description="HAL links: `self` and `refund`.")
