"""The distribution API's request bodies (seeds/004): place (and its translation into the domain's
create request; dialects.distribution says where each field lives) and the status change. Only
create_order and cancel_order import it: building these models is a cold-start cost the functions
that only answer in the dialect do not pay."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError
from pydantic_core import PydanticCustomError

from orders_domain.domain import status_words
from orders_domain.domain.errors import FieldError, OrdersError
from orders_domain.models import OrderCreateRequest
from orders_domain.models.field_errors import validation_problem
from orders_domain.models.types import MAX_AMOUNT, Money

#: No control characters: a name or address line is one line of text (and XML 1.0 cannot carry most).
_ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=_ONE_LINE)
]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200, pattern=_ONE_LINE)]
OrderNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[\x21-\x7e]+$")
]
MAX_ITEMS = 500


def _not_a_boolean(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


class DialectModel(BaseModel):
    """The dialect's bodies: unknown members refused; numbers may come as XML's text (`"2"`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class DistributionAddress(DialectModel):
    address_line_1: OptionalText | None = None
    address_line_2: OptionalText | None = None
    city: OptionalText | None = None
    state_code: OptionalText | None = None
    postal_code: OptionalText | None = None


#: The catalogue product type an `offer_id` names (API.md "More of the commerce API").
OFFER_PRODUCT_TYPE = "offer"
#: What an offer the tenant's catalogue does not hold costs when the item sends no `price` (as before
#: the catalogue: the distribution API's own catalogue priced it, and this service had none).
UNKNOWN_OFFER_PRICE = Decimal(0)


class DistributionItem(DialectModel):
    offer_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    #: A whole number, as a JSON integer or XML's text ("2"); never a boolean (`true` is not 1).
    quantity: Annotated[int, BeforeValidator(_not_a_boolean)] = Field(ge=1, le=10_000)
    #: Our addition: the unit price. Absent: the catalogue's (an offer it does not hold: 0); sent, it
    #: must be the catalogue's.
    price: Money | None = Field(default=None, ge=0, lt=MAX_AMOUNT)


class DistributionOrderInput(DialectModel):
    order_number: OrderNumber
    customer_name: Text
    items: list[DistributionItem] = Field(min_length=1, max_length=MAX_ITEMS)
    shipping_address: DistributionAddress | None = None
    application_id: OptionalText | None = None


class PlaceOrder(DialectModel):
    """`POST /distribution/orders`."""

    order: DistributionOrderInput


#: The domain's field paths as the distribution API names them (for a 400 the client can act on).
_FIELD_NAMES = (
    ("line_items", "order.items"),
    ("unit_price", "price"),
    ("purchase_order_number", "order.order_number"),
    ("ship_to_name", "order.customer_name"),
    ("shipping_address", "order.shipping_address"),
    ("line1", "address_line_1"),
    ("line2", "address_line_2"),
    ("state", "state_code"),
)


def _dialect_field(field: str) -> str:
    for ours, theirs in _FIELD_NAMES:
        field = field.replace(ours, theirs)
    return field if field.startswith("order") else f"order.{field}"


@contextmanager
def in_dialect_terms() -> Iterator[None]:
    """A domain error raised inside (a price that is not the catalogue's, an unknown offer, one sold
    out) names the dialect's fields (`order.items[0].price`), not the domain's."""
    try:
        yield
    except OrdersError as error:
        error.errors = [FieldError(_dialect_field(e.field), e.error) for e in error.errors]
        raise


def create_request(placed: DistributionOrderInput) -> OrderCreateRequest:
    """The domain's create request for a placed distribution order; what the domain's create rules
    refuse (a price finer than the currency's minor unit, ...) is a 400 naming the dialect's field."""
    try:
        return _create_request(placed)
    except ValidationError as invalid:
        raise validation_problem(
            "The order is not valid.", list(invalid.errors()), rename=_dialect_field
        ) from None


def _create_request(placed: DistributionOrderInput) -> OrderCreateRequest:
    body: dict[str, Any] = {
        "purchase_order_number": placed.order_number,
        "ship_to_name": placed.customer_name,
        "line_items": [
            {
                "sku": item.offer_id,
                "product_type": OFFER_PRODUCT_TYPE,
                "product_id": item.offer_id,
                "description": f"Offer {item.offer_id}",
                "quantity": item.quantity,
                "unit_price": item.price,
            }
            for item in placed.items
        ],
    }
    address = placed.shipping_address
    if address is not None:
        body["shipping_address"] = {
            "line1": address.address_line_1,
            "line2": address.address_line_2,
            "city": address.city,
            "state": address.state_code,
            "postal_code": address.postal_code,
        }
    if placed.application_id:
        body["payload"] = {"application_id": placed.application_id}
    return OrderCreateRequest.model_validate(body)


class OrderStatusInput(DialectModel):
    status: str = Field(
        pattern=f"^({status_words.DISTRIBUTION_ACTIVE}|{status_words.DISTRIBUTION_CANCELLED})$"
    )


class ChangeOrder(DialectModel):
    """`PUT /distribution/orders/{id}`: only the status may be sent; `cancelled` cancels."""

    order: OrderStatusInput
