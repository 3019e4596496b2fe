"""Pydantic models of the Orders API: the create request (input side) and the stored order (domain side).

The order schema is the "create order" object of the commerce API in seeds/003.

- Request models derive from `InputModel` (unknown fields are rejected, strings are capped); domain models
  derive from `DomainModel`. Server-computed fields (`id`, `status`, totals, counters, `sys_*`) exist only
  on the domain side, so a request that sends them fails validation.
- Money is `Money` (a finite `Decimal`), never a float; other numbers that get stored (weights, rates,
  coordinates, custom numeric values) are `Decimal` too, since DynamoDB refuses floats. Every number must
  fit DynamoDB's number type (38 significant digits, magnitude 1E-128..1E+126). Floats in free-form JSON
  (`payload`, `table_value`) are converted to `Decimal` on validation.
- Serialisation: `model_dump(mode="python")` yields `Decimal`s, and the HTTP layer writes them as JSON
  numbers with its own encoder. There is deliberately no serializer here: going through float would
  lose exactness, and `mode="json"` would write strings.
- `OrderCreateRequest` checks the currency (ISO 4217), that every amount has no more decimals than the
  currency's minor unit (and rewrites given amounts to exactly that many places), and the line ids that
  coupons refer to. Everything else with money in it is computed by another module; `Order` only holds it.
"""

import datetime as dt
import math
from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue, SkipJsonSchema
from pydantic_core import CoreSchema, PydanticCustomError

# --------------------------------------------------------------------------------------------------
# Currencies
# --------------------------------------------------------------------------------------------------

#: Minor units (decimal places) of every active ISO 4217 currency with a minor unit
#: (list one as published 2026-01-01; codes without one, such as XAU or XDR, are left out).
CURRENCY_MINOR_UNITS: dict[str, int] = {
    "AED": 2, "AFN": 2, "ALL": 2, "AMD": 2, "AOA": 2, "ARS": 2, "AUD": 2, "AWG": 2, "AZN": 2,
    "BAM": 2, "BBD": 2, "BDT": 2, "BHD": 3, "BIF": 0, "BMD": 2, "BND": 2, "BOB": 2, "BOV": 2,
    "BRL": 2, "BSD": 2, "BTN": 2, "BWP": 2, "BYN": 2, "BZD": 2,
    "CAD": 2, "CDF": 2, "CHE": 2, "CHF": 2, "CHW": 2, "CLF": 4, "CLP": 0, "CNY": 2, "COP": 2,
    "COU": 2, "CRC": 2, "CUP": 2, "CVE": 2, "CZK": 2,
    "DJF": 0, "DKK": 2, "DOP": 2, "DZD": 2,
    "EGP": 2, "ERN": 2, "ETB": 2, "EUR": 2,
    "FJD": 2, "FKP": 2,
    "GBP": 2, "GEL": 2, "GHS": 2, "GIP": 2, "GMD": 2, "GNF": 0, "GTQ": 2, "GYD": 2,
    "HKD": 2, "HNL": 2, "HTG": 2, "HUF": 2,
    "IDR": 2, "ILS": 2, "INR": 2, "IQD": 3, "IRR": 2, "ISK": 0,
    "JMD": 2, "JOD": 3, "JPY": 0,
    "KES": 2, "KGS": 2, "KHR": 2, "KMF": 0, "KPW": 2, "KRW": 0, "KWD": 3, "KYD": 2, "KZT": 2,
    "LAK": 2, "LBP": 2, "LKR": 2, "LRD": 2, "LSL": 2, "LYD": 3,
    "MAD": 2, "MDL": 2, "MGA": 2, "MKD": 2, "MMK": 2, "MNT": 2, "MOP": 2, "MRU": 2, "MUR": 2,
    "MVR": 2, "MWK": 2, "MXN": 2, "MXV": 2, "MYR": 2, "MZN": 2,
    "NAD": 2, "NGN": 2, "NIO": 2, "NOK": 2, "NPR": 2, "NZD": 2,
    "OMR": 3,
    "PAB": 2, "PEN": 2, "PGK": 2, "PHP": 2, "PKR": 2, "PLN": 2, "PYG": 0,
    "QAR": 2,
    "RON": 2, "RSD": 2, "RUB": 2, "RWF": 0,
    "SAR": 2, "SBD": 2, "SCR": 2, "SDG": 2, "SEK": 2, "SGD": 2, "SHP": 2, "SLE": 2, "SOS": 2,
    "SRD": 2, "SSP": 2, "STN": 2, "SVC": 2, "SYP": 2, "SZL": 2,
    "THB": 2, "TJS": 2, "TMT": 2, "TND": 3, "TOP": 2, "TRY": 2, "TTD": 2, "TWD": 2, "TZS": 2,
    "UAH": 2, "UGX": 0, "USD": 2, "USN": 2, "UYI": 0, "UYU": 2, "UYW": 4, "UZS": 2,
    "VED": 2, "VES": 2, "VND": 0, "VUV": 0,
    "WST": 2,
    "XAD": 2, "XAF": 0, "XCD": 2, "XCG": 2, "XOF": 0, "XPF": 0,
    "YER": 2,
    "ZAR": 2, "ZMW": 2, "ZWG": 2,
}  # fmt: skip

# --------------------------------------------------------------------------------------------------
# Scalar types
# --------------------------------------------------------------------------------------------------

#: Client-given amounts stay below this, so sums over 500 lines of 1,000,000 units stay exact in the
#: default 28-digit decimal context, and a JSON number parsed through float keeps every digit.
MAX_AMOUNT = Decimal(10**12)

#: Free-form JSON deeper than this is refused (DynamoDB allows 32 levels in the whole item).
MAX_JSON_DEPTH = 16


def _storable(value: Decimal) -> Decimal:
    """Refuse numbers DynamoDB cannot hold (over 38 significant digits, magnitude outside 1E-128..1E+126)."""
    if value.is_zero():
        return value
    if len(value.as_tuple().digits) > 38:
        raise PydanticCustomError("number_too_precise", "Number has more than 38 significant digits")
    if not -128 <= value.adjusted() <= 125:
        raise PydanticCustomError("number_out_of_range", "Number is too large or too small")
    return value


def decimal_places(value: Decimal) -> int:
    """Decimal places that carry value: 10.5 -> 1, 10.50 -> 1, 10.505 -> 3, 1E+1 -> 0, 0.000 -> 0."""
    _sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0 or not any(digits):
        return 0
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -exponent - trailing_zeros)


class _NumberInJson:
    """JSON Schema of a Decimal as the API speaks it: a JSON number (pydantic says string).

    The HTTP layer writes Decimals as JSON numbers digit for digit, so the documented type is
    `number` (local/openapi.py turns any bounds left in pydantic's short form into JSON Schema's).
    """

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        branches = schema.get("anyOf", [schema])
        number = next((b for b in branches if b.get("type") == "number"), None)
        if number is None:
            number = {k: v for k, v in schema.items() if k not in ("pattern", "type", "anyOf")}
        return {**number, "type": "number"}


#: Money: a finite Decimal (never a float).
Money = Annotated[Decimal, Field(allow_inf_nan=False), AfterValidator(_storable), _NumberInJson]
#: Any other stored number that is not money (weight, exchange rate, coordinates, ...).
Number = Annotated[Decimal, Field(allow_inf_nan=False), AfterValidator(_storable), _NumberInJson]
#: Enum-like strings the API does not close (payment types, methods, ...).
ShortStr = Annotated[str, Field(max_length=100)]
#: Who a party reference points at.
PartyType = Literal["organization", "contact"]


def _json_to_storable(value: Any, depth: int = 0) -> Any:
    """Floats -> Decimal in free-form JSON, so it can be stored; refuse NaN, Infinity, deep nesting."""
    if depth > MAX_JSON_DEPTH:
        raise PydanticCustomError("json_too_deep", "JSON value is nested too deeply")
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise PydanticCustomError("finite_number", "Input should be a finite number")
        return _storable(Decimal(repr(value)))
    if isinstance(value, int):
        return int(_storable(Decimal(value)))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise PydanticCustomError("finite_number", "Input should be a finite number")
        return _storable(value)
    if isinstance(value, dict):
        return {k: _json_to_storable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_to_storable(v, depth + 1) for v in value]
    return value


#: A free-form JSON object (`payload`, table rows).
JsonObject = Annotated[dict[str, Any], AfterValidator(_json_to_storable)]

LineStatus = Literal["awaiting payment", "paid", "partially fulfilled", "fulfilled", "cancelled", "refunded"]
OrderStatus = Literal[
    "awaiting payment",
    "paid",
    "partially fulfilled",
    "fulfilled",
    "partially refunded",
    "refunded",
    "cancelled",
    "voided",
    "closed",
]
PaymentStatus = Literal["pending", "settled", "voided", "refunded"]

# --------------------------------------------------------------------------------------------------
# Bases
# --------------------------------------------------------------------------------------------------


class InputModel(BaseModel):
    """Base of request models: unknown fields are errors, strings are capped."""

    model_config = ConfigDict(extra="forbid", str_max_length=10_000)


class DomainModel(BaseModel):
    """Base of domain models."""

    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------------------------------
# Nested types (shared by request and domain)
# --------------------------------------------------------------------------------------------------


class Address(InputModel):
    """A postal address."""

    line1: str | None = None
    line2: str | None = None
    line3: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    county: str | None = None
    country: str | None = None
    country_name: str | None = None
    latitude: Number | None = Field(default=None, ge=-90, le=90)
    longitude: Number | None = Field(default=None, ge=-180, le=180)
    time_zone_id: str | None = None


class Coupon(InputModel):
    """A coupon applied to the order, optionally limited to some lines."""

    coupon_code_id: str | None = None
    coupon_type: ShortStr | None = None
    coupon_id: str | None = None
    discount: Money = Field(ge=0, lt=MAX_AMOUNT)
    retroactive_application_date: dt.datetime | None = None
    order_line_item_ids: list[str] | None = None


class CreditUsage(InputModel):
    """An open credit to spend on the order."""

    credit_id: str | None = None
    amount_to_use: Money = Field(ge=0, lt=MAX_AMOUNT)


class NonElectronicPaymentInfo(InputModel):
    """Cheque, bank transfer and the like."""

    bank_account_id: str | None = None
    reference_number: str | None = None


class MerchantAccountToken(InputModel):
    """A payment token valid at one merchant account."""

    merchant_account_id: str | None = None
    token: str | None = None


class ElectronicPaymentInfo(InputModel):
    """Card or account payment details (tokens, never card numbers)."""

    payment_origin: ShortStr | None = None
    payment_account: str | None = None
    card_type: ShortStr | None = None
    card_expiration: dt.date | None = None
    merchant_account_tokens: list[MerchantAccountToken] | None = None
    merchant_account_id: str | None = None


class PaymentInfo(InputModel):
    """How the order (or part of it) is paid."""

    type: ShortStr
    non_electronic_payment_info: NonElectronicPaymentInfo | None = None
    electronic_payment_info: ElectronicPaymentInfo | None = None


class AdditionalPayment(InputModel):
    """A further payment method, for some lines."""

    payment_info: PaymentInfo | None = None
    line_item_ids: list[str] | None = None


class RelatedTransaction(InputModel):
    """A transaction a line refers to."""

    type: ShortStr | None = None
    transaction_id: str | None = None
    transaction_number: int | None = Field(default=None, ge=0, le=10**18)
    transaction_line_item_id: str | None = None
    amount: Money | None = Field(default=None, gt=-MAX_AMOUNT, lt=MAX_AMOUNT)
    date: dt.datetime | None = None


class PerpetualInstallmentScheduleOptions(InputModel):
    """Repeat every `number_of_units` `unit_of_time` until `end_date`."""

    number_of_units: int | None = Field(default=None, ge=1, le=10_000)
    unit_of_time: ShortStr | None = None
    end_date: str | None = None


class ProductOption(InputModel):
    """A chosen variant or modifier option of a product."""

    option_id: str | None = None
    option_name: str | None = None
    value: str | None = None


class CustomFieldValue(InputModel):
    """The value of one custom field."""

    custom_field_id: str
    string_value: str | None = None
    numeric_value: Number | None = None
    boolean_value: bool | None = None
    file_url_value: str | None = None
    list_value: list[str] | None = None
    table_value: list[JsonObject] | None = None


class CalculatedFieldError(InputModel):
    """An error of a calculated field."""

    field: str | None = None
    error: str | None = None


# --------------------------------------------------------------------------------------------------
# Line items
# --------------------------------------------------------------------------------------------------


class _LineItemFields(BaseModel):
    """Line fields that the client writes and that read the same on both sides."""

    model_config = ConfigDict(extra="forbid")

    product_type: str | None = None
    parent_order_line_item_id: str | None = None
    product_id: str | None = None
    description: str | None = None
    override_ship_to_type: PartyType | None = None
    override_ship_to_contact_id: str | None = None
    override_ship_to_organization_id: str | None = None
    optional: bool | None = None
    type: ShortStr | None = None
    related_record_type: str | None = None
    related_record_id: str | None = None
    related_transactions: list[RelatedTransaction] | None = None
    payload_id: str | None = None
    payload: JsonObject | None = None
    installment_schedule_type: ShortStr | None = None
    installment_plan_id: str | None = None
    perpetual_installment_schedule_options: PerpetualInstallmentScheduleOptions | None = None
    shippable: bool = False
    special_instructions: str | None = None
    variant_options: list[ProductOption] | None = None
    modifier_options: list[ProductOption] | None = None
    sku: str | None = None


class LineItemInput(InputModel, _LineItemFields):
    """A line as the client sends it."""

    quantity: int = Field(gt=0, le=1_000_000)
    unit_price: Money = Field(ge=0, lt=MAX_AMOUNT)
    taxes: Money = Field(default=Decimal(0), ge=0, lt=MAX_AMOUNT)
    weight: Number | None = Field(default=None, ge=0)
    order_line_item_id: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class LineItem(DomainModel, _LineItemFields):
    """A stored line, with what the service computes. Refund lines carry negative amounts."""

    line_number: int = Field(ge=1)
    order_line_item_id: str
    status: LineStatus
    quantity: int
    unit_price: Money
    taxes: Money = Decimal(0)
    weight: Number | None = None
    quantity_to_be_shipped: int = 0
    quantity_shipped: int = 0
    quantity_cancelled: int = 0
    quantity_pending_return: int = 0
    quantity_returned: int = 0
    quantity_available_for_cancellation: int = 0
    quantity_available_for_return: int = 0
    parent_line_item_id: str | None = None
    balance_due: Money = Decimal(0)
    amount_paid: Money = Decimal(0)
    amount_to_pay_upon_creation: Money = Decimal(0)
    amount_pending_capture: Money = Decimal(0)
    amount_refunded: Money = Decimal(0)
    total: Money = Decimal(0)
    total_in_base_currency: Money | None = None
    discounts: Money = Decimal(0)
    picked_up: bool = False


# --------------------------------------------------------------------------------------------------
# Orders
# --------------------------------------------------------------------------------------------------


class _OrderFields(BaseModel):
    """Order fields that the client writes and that read the same on both sides."""

    model_config = ConfigDict(extra="forbid")

    duplicate_prevention_key: str | None = Field(default=None, min_length=1, max_length=255)
    batch_id: str | None = None
    override_order_date: bool | None = None
    date: str | None = None
    submission_date: dt.datetime | None = None
    preview_id: str | None = None
    copy_shipping_info_from_billing_info: bool | None = None
    pay_for_credit_card_processing_fees: bool | None = None
    ship_to_type: PartyType | None = None
    installment_schedule_id: str | None = None
    ship_to_contact_id: str | None = None
    ship_to_organization_id: str | None = None
    bill_to_type: PartyType | None = None
    bill_to_contact_id: str | None = None
    bill_to_organization_id: str | None = None
    bill_parent_organization: bool | None = None
    send_email_confirmation_to_customer: bool | None = None
    additional_email_confirmation_recipients: list[str] | None = None
    type: ShortStr | None = None
    store_id: str | None = None
    event_id: str | None = None
    memo: str | None = None
    base_currency_code: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    base_currency_symbol: str | None = None
    expiration_date: dt.datetime | None = None
    billing_run_service: str | None = None
    billing_run_id: str | None = None
    billing_run_action_id: str | None = None
    success_notice_id: str | None = None
    failure_notice_id: str | None = None
    billing_address: Address | None = None
    ship_to_name: str | None = None
    shipping_address: Address | None = None
    use_pro_forma_invoices: bool | None = None
    purchase_order_number: str | None = None
    exchange_rate: Number | None = None
    currency_code: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    currency_symbol: str | None = None
    invoice_terms_id: str | None = None
    business_unit_id: str | None = None
    process_id: str | None = None
    default_merchant_account_id: str | None = None
    coupons: list[Coupon] | None = None
    payload: JsonObject | None = None
    shipping_zone_id: str | None = None
    shipping_method_type: ShortStr | None = None
    shipping_method_id: str | None = None
    shipping_method_name: str | None = None
    do_not_apply_open_credits: bool | None = None
    credit_usages: list[CreditUsage] | None = None
    pay_using_multiple_methods: bool | None = None
    payment_method: ShortStr | None = None
    payment_info: PaymentInfo | None = None
    additional_payments: list[AdditionalPayment] | None = None
    notes: str | None = None
    special_instructions: str | None = None
    custom_field_values: list[CustomFieldValue] | None = None


class OrderCreateRequest(InputModel, _OrderFields):
    """The body of a create (or preview) request: client-writable fields only."""

    line_items: list[LineItemInput] = Field(min_length=1, max_length=500)
    shipping_charges: Money = Field(default=Decimal(0), ge=0, lt=MAX_AMOUNT)

    @field_validator("currency_code", "base_currency_code")
    @classmethod
    def _known_currency(cls, value: str | None) -> str | None:
        if value is not None and value not in CURRENCY_MINOR_UNITS:
            raise PydanticCustomError("unknown_currency", "unknown currency code")
        return value

    @field_validator("date")
    @classmethod
    def _iso_date(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                dt.datetime.fromisoformat(value)
            except ValueError:
                raise PydanticCustomError("iso_date", "must be an ISO-8601 date or date-time") from None
        return value

    @model_validator(mode="after")
    def _check_amounts_and_line_ids(self) -> Self:
        allowed = CURRENCY_MINOR_UNITS[self.currency_code]
        quantum = Decimal(1).scaleb(-allowed)
        for path, owner, name in self._money_fields():
            value: Decimal | None = getattr(owner, name)
            if value is None:
                continue
            if decimal_places(value) > allowed:
                raise PydanticCustomError(
                    "money_precision",
                    "{field} has more decimals than {currency} allows ({allowed})",
                    {"field": path, "currency": self.currency_code, "allowed": allowed},
                )
            if name in owner.model_fields_set:
                # Exact (checked above): "10.500" and "1E+1" become "10.50" and "10.00" in USD.
                setattr(owner, name, value.quantize(quantum))

        line_ids: set[str] = set()
        for i, line in enumerate(self.line_items):
            line_id = line.order_line_item_id
            if line_id is None:
                continue
            if line_id in line_ids:
                raise PydanticCustomError(
                    "duplicate_order_line_item_id",
                    "{field} repeats order_line_item_id '{order_line_item_id}'",
                    {"field": f"line_items[{i}].order_line_item_id", "order_line_item_id": line_id},
                )
            line_ids.add(line_id)
        for i, coupon in enumerate(self.coupons or []):
            for j, ref in enumerate(coupon.order_line_item_ids or []):
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


class Order(DomainModel, _OrderFields):
    """A stored order. Holds computed values; computes nothing."""

    id: str
    number: int
    token: str
    tenant_id: str
    status: OrderStatus
    balance_due: Money = Decimal(0)
    amount_paid: Money = Decimal(0)
    amount_pending_capture: Money = Decimal(0)
    amount_refunded: Money = Decimal(0)
    subtotal: Money = Decimal(0)
    taxes: Money = Decimal(0)
    shipping_charges: Money = Decimal(0)
    discounts: Money = Decimal(0)
    total: Money = Decimal(0)
    total_in_base_currency: Money | None = None
    total_weight: Number = Decimal(0)
    shippable: bool = False
    payments: list[Payment] = Field(default_factory=list)
    refunded_payments: list[RefundedPayment] = Field(default_factory=list)
    line_items: list[LineItem]
    sys_shippable_status: str | None = None
    sys_deleted_by_id: str | None = None
    sys_version: int
    sys_created_at: dt.datetime
    sys_last_modified_at: dt.datetime
    sys_created_by_id: str | None = None
    sys_last_modified_by_id: str | None = None
    sys_external_id: str | None = None
    sys_locked: bool | None = None
    sys_bulk_load_pk: str | None = None
    sys_bulk_load_at: str | None = None
    sys_bulk_load_id: str | None = None
    sys_bulk_load_record_no: int | None = None
    sys_bulk_load_source_file: str | None = None
    sys_last_bulk_data_operation_id: str | None = None
    sys_last_bulk_data_operation_sys_version: str | None = None
    sys_directive: str | None = None
    sys_calculated_field_error: str | None = None
    sys_snapshot_base_version: int | None = None
    sys_has_files_in_s3: bool | None = None
    sys_configuration_snapshot_id: str | None = None
    sys_last_security_context: dict[str, Any] = Field(default_factory=dict)
    sys_calculated_field_errors: list[CalculatedFieldError] = Field(default_factory=list)
    sys_deleted: bool = False
    sys_deleted_at: dt.datetime | None = None


class OrderResponse(Order):
    """An order as a route returns it, with HAL `_links`."""

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True, serialize_by_alias=True)

    links: dict[str, dict[str, str]] = Field(alias="_links")
    # Kept in storage, never sent: the tenant is the path's.
    tenant_id: SkipJsonSchema[str] = Field(exclude=True)


# --------------------------------------------------------------------------------------------------
# Preview
# --------------------------------------------------------------------------------------------------


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
    """What checkout would collect."""

    errors: list[ManifestError] = Field(default_factory=list)
    payments_due: list[PaymentDue] = Field(default_factory=list)
    total_amount_due_at_checkout: Money
    primary_amount_due_at_checkout: Money
    additional_payments_due_at_checkout: Money


class PreviewResponse(DomainModel):
    """The preview route's body: the manifest and the order as it would be (not stored, so a dict)."""

    manifest: PreviewManifest
    order: dict[str, Any]
