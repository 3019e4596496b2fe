"""The request boundary: what a client sends to create (or price) an order.

Request models carry client-writable fields only; a server-owned field sent here fails validation
as an unknown field, and the HTTP layer names it as server-set (models.orders.SERVER_OWNED_FIELDS).
`OrderCreateRequest` checks the currency (ISO 4217), that every amount has no more decimals than
the currency's minor unit (and rewrites given amounts to exactly that many places), and the line
ids that coupons refer to.
"""

from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from orders_domain.domain import money
from orders_domain.models.parts import (
    AdditionalPayment,
    Coupon,
    CreditUsage,
    CustomFieldValue,
    LineItemFields,
    OrderFields,
)
from orders_domain.models.types import (
    DUPLICATE_ID,
    MAX_AMOUNT,
    MOMENT_RANGE,
    InputModel,
    Int,
    Money,
    Rate,
    Weight,
    parse_moment,
    repeat_at,
    utc_text,
)

#: The most coupons one order may carry: pricing allocates each over the lines it names (at most 500),
#: so the work of one create, preview or change stays bounded (API.md "Limits").
MAX_COUPONS = 100
#: The most entries of each other list an order carries (credits, payments, custom fields, recipients).
MAX_ORDER_LIST = 100
#: A batch's total work: lines over all its creates, operations over all its patches.
MAX_BATCH_LINES = 2_000
MAX_BATCH_PATCH_OPERATIONS = 1_000


class LineItemInput(InputModel, LineItemFields):
    """A line as the client sends it."""

    quantity: Int = Field(gt=0, le=1_000_000)
    #: Required, except on a line naming a catalogue product (`product_type` + `product_id`): absent,
    #: the catalogue's price is taken (domain.catalogue_rules); sent, it must be the catalogue's.
    unit_price: Money | None = Field(default=None, ge=0, lt=MAX_AMOUNT)
    taxes: Money = Field(default=Decimal(0), ge=0, lt=MAX_AMOUNT)
    weight: Weight | None = None
    order_line_item_id: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")

    @model_validator(mode="after")
    def _priced_or_named(self) -> Self:
        if self.unit_price is None and not (self.product_type and self.product_id):
            raise PydanticCustomError(
                "unit_price_required", "unit_price is required unless the line names a catalogue product"
            )
        return self


class OrderCreateRequest(InputModel, OrderFields):
    """The body of a create (or preview) request: client-writable fields only."""

    duplicate_prevention_key: str | None = Field(default=None, min_length=1, max_length=255)
    line_items: list[LineItemInput] = Field(min_length=1, max_length=500)
    shipping_charges: Money = Field(default=Decimal(0), ge=0, lt=MAX_AMOUNT)
    exchange_rate: Rate | None = None
    coupons: list[Coupon] | None = Field(default=None, max_length=MAX_COUPONS)
    credit_usages: list[CreditUsage] | None = Field(default=None, max_length=MAX_ORDER_LIST)
    additional_payments: list[AdditionalPayment] | None = Field(default=None, max_length=MAX_ORDER_LIST)
    custom_field_values: list[CustomFieldValue] | None = Field(default=None, max_length=MAX_ORDER_LIST)
    additional_email_confirmation_recipients: list[str] | None = Field(
        default=None, max_length=MAX_ORDER_LIST
    )

    @field_validator("currency_code", "base_currency_code")
    @classmethod
    def _known_currency(cls, value: str | None) -> str | None:
        if value is not None and not money.is_currency(value):
            raise PydanticCustomError("unknown_currency", "unknown currency code")
        return value

    @field_validator("date")
    @classmethod
    def _iso_date(cls, value: str | None) -> str | None:
        """The order date: any ISO 8601 date or date-time in the calendar, stored in UTC."""
        if value is None:
            return None
        moment = parse_moment(value)
        if moment is None:
            raise PydanticCustomError("iso_date", MOMENT_RANGE)
        return utc_text(moment)

    @model_validator(mode="after")
    def _check_amounts_and_line_ids(self) -> Self:
        allowed = money.minor_units(self.currency_code)
        quantum = money.quantum(self.currency_code)
        for path, owner, name in self._money_fields():
            value: Decimal | None = getattr(owner, name)
            if value is None:
                continue
            if money.decimal_places(value) > allowed:
                raise PydanticCustomError(
                    "money_precision",
                    "{field} has more decimals than {currency} allows ({allowed})",
                    {"field": path, "currency": self.currency_code, "allowed": allowed},
                )
            if name in owner.model_fields_set:
                # Exact (checked above): "10.500" and "1E+1" become "10.50" and "10.00" in USD.
                setattr(owner, name, value.quantize(quantum))

        twice = repeat_at(line.order_line_item_id for line in self.line_items)
        if twice is not None:
            raise PydanticCustomError(
                DUPLICATE_ID,
                "{field} repeats order_line_item_id '{id}'",
                {"field": f"line_items[{twice[0]}].order_line_item_id", "id": twice[1]},
            )
        line_ids = {line.order_line_item_id for line in self.line_items}
        for i, coupon in enumerate(self.coupons or []):
            refs = coupon.order_line_item_ids or []
            twice = repeat_at(refs)
            for j, ref in enumerate(refs):
                if twice is not None and twice[0] == j:
                    # Listed twice, the line would be discounted twice.
                    raise PydanticCustomError(
                        DUPLICATE_ID,
                        "{field} names line '{id}' more than once",
                        {"field": f"coupons[{i}].order_line_item_ids[{j}]", "id": ref},
                    )
                if ref not in line_ids:
                    raise PydanticCustomError(
                        "unknown_order_line_item_id",
                        "{field} names no line of this order: '{order_line_item_id}'",
                        {"field": f"coupons[{i}].order_line_item_ids[{j}]", "order_line_item_id": ref},
                    )
        return self

    def _money_fields(self) -> Iterator[tuple[str, BaseModel, str]]:
        """(path, model, field name) of every amount in the request."""
        yield "shipping_charges", self, "shipping_charges"
        for i, line in enumerate(self.line_items):
            yield f"line_items[{i}].unit_price", line, "unit_price"
            yield f"line_items[{i}].taxes", line, "taxes"
            for j, txn in enumerate(line.related_transactions or []):
                yield f"line_items[{i}].related_transactions[{j}].amount", txn, "amount"
        for i, coupon in enumerate(self.coupons or []):
            yield f"coupons[{i}].discount", coupon, "discount"
        for i, usage in enumerate(self.credit_usages or []):
            yield f"credit_usages[{i}].amount_to_use", usage, "amount_to_use"


class JsonPatchOperation(BaseModel):
    """One RFC 6902 operation. Members other than these are ignored, as RFC 6902 says."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, defer_build=True)

    op: Literal["add", "remove", "replace", "move", "copy", "test"]
    path: str = Field(max_length=1000, description="A JSON Pointer (RFC 6901) into the order.")
    from_: str | None = Field(default=None, alias="from", max_length=1000, description="`move` and `copy`.")
    value: Any = Field(default=None, description="`add`, `replace` and `test`.")

    def as_json(self) -> dict[str, Any]:
        """The operation as the JSON Patch library takes it (members the client sent only)."""
        return self.model_dump(by_alias=True, exclude_unset=True)


#: A JSON Patch document: up to 100 operations, applied in order, all or none.
JsonPatch = Annotated[list[JsonPatchOperation], Field(min_length=1, max_length=100)]


class BatchOperation(BaseModel):
    """One operation of a batch (the commerce API's shape); checked one by one when the batch runs."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    operation: Literal["create", "patch", "delete"]
    id: str | None = Field(default=None, max_length=80, description="The order (`patch`, `delete`).")
    patch_directives: list[dict[str, Any]] | None = Field(
        default=None, max_length=100, description="`patch`: a JSON Patch."
    )
    object: dict[str, Any] | None = Field(default=None, description="`create`: the order to create.")


class BatchRequest(BaseModel):
    """`POST /orders/{tenantId}/batch`: up to 100 independent operations, and at most
    MAX_BATCH_LINES lines over its creates and MAX_BATCH_PATCH_OPERATIONS patch operations, so one
    batch stays well inside the function's time (API.md "Limits")."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    operations: list[BatchOperation] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _bounded_work(self) -> Self:
        lines = sum(
            len(op.object["line_items"])
            for op in self.operations
            if op.object is not None and isinstance(op.object.get("line_items"), list)
        )
        patches = sum(len(op.patch_directives or ()) for op in self.operations)
        for count, limit, what in (
            (lines, MAX_BATCH_LINES, "the creates carry {count} lines in all"),
            (patches, MAX_BATCH_PATCH_OPERATIONS, "the patches carry {count} operations in all"),
        ):
            if count > limit:
                raise PydanticCustomError(
                    "batch_too_large",
                    what + "; a batch may carry at most {limit}",
                    {"field": "operations", "count": count, "limit": limit},
                )
        return self
