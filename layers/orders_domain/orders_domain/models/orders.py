"""The domain boundary: an order as the service holds and stores it.

`Order` holds computed values and computes nothing (services.pricing does). Fields the client
never writes carry the `SERVER` or `INTERNAL` marker; `SERVER_OWNED_FIELDS`, `RESPONSE_EXCLUDED_FIELDS`
and the response model are all derived from those markers, so the list is written once.
"""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field

from orders_domain.domain.lifecycle import (
    LineStatus,
    OrderStatus,
    PaymentStatus,
    ShippingStatus,
    VoucherStatus,
)
from orders_domain.models.parts import (
    AdditionalPayment,
    CalculatedFieldError,
    Coupon,
    CreditUsage,
    CustomFieldValue,
    LineItemFields,
    OrderFields,
)
from orders_domain.models.types import INTERNAL, SERVER, DomainModel, Money, Number, ShortStr, marked

#: Server-set amounts and counters (sent in responses).
SMoney = Annotated[Money, SERVER]
SInt = Annotated[int, SERVER]


class Voucher(DomainModel):
    """One unit of a deal or gift-card line (domain.vouchers): a code no one can guess, and its status."""

    code: str
    status: VoucherStatus = VoucherStatus.ACTIVE


class LineItem(DomainModel, LineItemFields):
    """A stored line, with what the service computes. Refund lines carry negative amounts."""

    line_number: Annotated[int, SERVER] = Field(ge=1)
    order_line_item_id: str
    status: Annotated[LineStatus, SERVER]
    quantity: int
    unit_price: Money
    taxes: Money = Decimal(0)
    weight: Number | None = None
    quantity_to_be_shipped: SInt = 0
    quantity_shipped: SInt = 0
    quantity_cancelled: SInt = 0
    quantity_pending_return: SInt = 0
    quantity_returned: SInt = 0
    quantity_available_for_cancellation: SInt = 0
    quantity_available_for_return: SInt = 0
    parent_line_item_id: Annotated[str | None, SERVER] = None
    balance_due: SMoney = Decimal(0)
    amount_paid: SMoney = Decimal(0)
    amount_to_pay_upon_creation: SMoney = Decimal(0)
    amount_pending_capture: SMoney = Decimal(0)
    amount_refunded: SMoney = Decimal(0)
    total: SMoney = Decimal(0)
    total_in_base_currency: Annotated[Money | None, SERVER] = None
    discounts: SMoney = Decimal(0)
    picked_up: Annotated[bool, SERVER] = False
    #: Units of the line's catalogue product it holds in stock: its quantity when it reserved, less
    #: what has been cancelled since (released to the stock in the same write: domain.catalogue_rules).
    #: None (left out of the stored order): the line reserved nothing.
    stock_reserved: Annotated[int | None, SERVER] = Field(default=None, ge=0)
    #: True: the line's price is its catalogue product's (a change may not reprice the order).
    catalogue_priced: Annotated[bool | None, SERVER] = None
    #: Whether a refund gives the line's units back to the stock too: the product's
    #: `release_stock_on_refund` when the order was placed (None: no).
    release_stock_on_refund: Annotated[bool | None, SERVER] = None
    #: A deal or gift-card line's vouchers, one per unit sold (domain.vouchers); None: not such a line.
    vouchers: Annotated[list[Voucher] | None, SERVER] = None
    #: A refund line's moment and reason (domain.refund_rules).
    refund_date: Annotated[dt.datetime | None, SERVER] = None
    refund_reason_name: Annotated[str | None, SERVER] = None


class Payment(DomainModel):
    """A payment on the order; refunds are negative with status `refunded`."""

    payment_id: str
    type: ShortStr
    amount: Money
    status: PaymentStatus
    date: dt.datetime
    line_item_ids: list[str] = Field(default_factory=list)
    parent_payment_id: str | None = None


class RefundedPayment(DomainModel):
    """A refund of (part of) a payment."""

    payment_id: str
    refund_payment_id: str
    amount: Money
    date: dt.datetime
    line_numbers: list[int]


class OverriddenLine(DomainModel):
    """One line of an admin override (API.md "More of the commerce API"): what the catalogue (or the
    client, for a line naming no product) said, and what the admin set instead."""

    order_line_item_id: str
    original_unit_price: Money
    original_quantity: int
    override_unit_price: Money | None = None
    override_quantity: int | None = None
    override_total: Money | None = None


class OrderOverride(DomainModel):
    """An order placed through the admin override: the key that did it and each overridden line."""

    by_key_id: str
    lines: list[OverriddenLine]


class Order(DomainModel, OrderFields):
    """A stored order. Holds computed values; computes nothing."""

    id: Annotated[str, SERVER]
    number: SInt
    token: Annotated[str, SERVER]
    # Kept in storage, never sent: the tenant is the path's.
    tenant_id: Annotated[str, INTERNAL]
    status: Annotated[OrderStatus, SERVER]
    balance_due: SMoney = Decimal(0)
    amount_paid: SMoney = Decimal(0)
    amount_pending_capture: SMoney = Decimal(0)
    amount_refunded: SMoney = Decimal(0)
    subtotal: SMoney = Decimal(0)
    taxes: SMoney = Decimal(0)
    shipping_charges: Money = Decimal(0)
    discounts: SMoney = Decimal(0)
    total: SMoney = Decimal(0)
    total_in_base_currency: Annotated[Money | None, SERVER] = None
    total_weight: Annotated[Number, SERVER] = Decimal(0)
    shippable: Annotated[bool, SERVER] = False
    payments: Annotated[list[Payment], SERVER] = Field(default_factory=list)
    refunded_payments: Annotated[list[RefundedPayment], SERVER] = Field(default_factory=list)
    line_items: list[LineItem]
    # The lists the order owns are always there (`[]` when empty), so a JSON Patch may append to one
    # (`add /custom_field_values/-`) on any order; a request may leave them out.
    additional_email_confirmation_recipients: list[str] = Field(default_factory=list)
    coupons: list[Coupon] = Field(default_factory=list)
    credit_usages: list[CreditUsage] = Field(default_factory=list)
    additional_payments: list[AdditionalPayment] = Field(default_factory=list)
    custom_field_values: list[CustomFieldValue] = Field(default_factory=list)
    sys_shippable_status: Annotated[ShippingStatus | None, SERVER] = None
    sys_deleted_by_id: Annotated[str | None, SERVER] = None
    sys_version: SInt
    sys_created_at: Annotated[dt.datetime, SERVER]
    sys_last_modified_at: Annotated[dt.datetime, SERVER]
    sys_created_by_id: Annotated[str | None, SERVER] = None
    sys_last_modified_by_id: Annotated[str | None, SERVER] = None
    sys_external_id: Annotated[str | None, SERVER] = None
    sys_locked: Annotated[bool | None, SERVER] = None
    sys_bulk_load_pk: Annotated[str | None, SERVER] = None
    sys_bulk_load_at: Annotated[str | None, SERVER] = None
    sys_bulk_load_id: Annotated[str | None, SERVER] = None
    sys_bulk_load_record_no: Annotated[int | None, SERVER] = None
    sys_bulk_load_source_file: Annotated[str | None, SERVER] = None
    sys_last_bulk_data_operation_id: Annotated[str | None, SERVER] = None
    sys_last_bulk_data_operation_sys_version: Annotated[str | None, SERVER] = None
    sys_directive: Annotated[str | None, SERVER] = None
    sys_calculated_field_error: Annotated[str | None, SERVER] = None
    sys_snapshot_base_version: Annotated[int | None, SERVER] = None
    sys_has_files_in_s3: Annotated[bool | None, SERVER] = None
    sys_configuration_snapshot_id: Annotated[str | None, SERVER] = None
    sys_last_security_context: Annotated[dict[str, Any], SERVER] = Field(default_factory=dict)
    sys_calculated_field_errors: Annotated[list[CalculatedFieldError], SERVER] = Field(default_factory=list)
    #: Set when an admin placed the order through `POST .../override` (domain.overrides).
    override: Annotated[OrderOverride | None, SERVER] = None
    sys_deleted: Annotated[bool, INTERNAL] = False
    sys_deleted_at: Annotated[dt.datetime | None, INTERNAL] = None
    #: Ids of the order's latest writes, newest first (services.write_loop): a write sent again after its
    #: answer was lost is known to be done. Kept in storage, never sent.
    sys_recent_write_ids: Annotated[list[str], INTERNAL] = Field(default_factory=list)


#: Order fields only the server writes (sent or not).
ORDER_SERVER_FIELDS = marked(Order, SERVER, INTERNAL)
#: Line fields only the server writes.
LINE_SERVER_FIELDS = marked(LineItem, SERVER, INTERNAL)
#: The one list of server-owned field names: a request naming one is told it is server-set,
#: and (next) a JSON Patch path to one is protected.
SERVER_OWNED_FIELDS = ORDER_SERVER_FIELDS | LINE_SERVER_FIELDS


def is_server_owned(path: Sequence[str | int]) -> bool:
    """Whether a field path in a request body names a server-owned field, at its own level:
    `("sys_version",)` on the order, `("line_items", 0, "status")` on a line. Other nested paths
    (an address's fields, a payload) never do."""
    if len(path) == 1:
        return path[0] in ORDER_SERVER_FIELDS
    if len(path) == 3 and path[0] == "line_items" and isinstance(path[1], int):
        return path[2] in LINE_SERVER_FIELDS
    return False


#: Order fields kept in storage and never sent to a client.
RESPONSE_EXCLUDED_FIELDS = marked(Order, INTERNAL)


def protected_paths() -> frozenset[str]:
    """JSON Pointer paths a client may not change: `/id`, `/sys_version`, `/line_items/*/total`, ..."""
    return frozenset(f"/{name}" for name in ORDER_SERVER_FIELDS) | frozenset(
        f"/line_items/*/{name}" for name in LINE_SERVER_FIELDS
    )


#: An order's list row (API.md: search and list items are summary rows of these fields). Storage
#: keeps it beside the order and every index projects only it, so a list page reads rows, not orders.
SUMMARY_FIELDS = frozenset(
    {
        "id",
        "number",
        "date",
        "type",
        "status",
        "currency_code",
        "total",
        "amount_paid",
        "balance_due",
        "discounts",
        "total_weight",
        "purchase_order_number",
        "shipping_method_name",
        "bill_to_type",
        "bill_to_contact_id",
        "bill_to_organization_id",
        "ship_to_type",
        "ship_to_contact_id",
        "ship_to_organization_id",
        "sys_version",
    }
)
