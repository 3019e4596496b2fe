"""The parts of an order that the client writes and both sides read the same way.

Nested types (addresses, coupons, payment details, ...) and the client-writable fields of a line and
of an order. Requests and stored orders both build on these, so a field is declared once.
"""

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from orders_domain.models.types import (
    MAX_AMOUNT,
    Bool,
    InputModel,
    Int,
    JsonObject,
    Moment,
    Money,
    Number,
    PartyType,
    ShortStr,
)


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
    retroactive_application_date: Moment | None = None
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
    transaction_number: Int | None = Field(default=None, ge=0, le=10**18)
    transaction_line_item_id: str | None = None
    amount: Money | None = Field(default=None, gt=-MAX_AMOUNT, lt=MAX_AMOUNT)
    date: Moment | None = None


class PerpetualInstallmentScheduleOptions(InputModel):
    """Repeat every `number_of_units` `unit_of_time` until `end_date`."""

    number_of_units: Int | None = Field(default=None, ge=1, le=10_000)
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
    boolean_value: Bool | None = None
    file_url_value: str | None = None
    list_value: list[str] | None = None
    table_value: list[JsonObject] | None = None


class CalculatedFieldError(InputModel):
    """An error of a calculated field."""

    field: str | None = None
    error: str | None = None


class LineItemFields(BaseModel):
    """Line fields that the client writes and that read the same on both sides."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    product_type: str | None = None
    parent_order_line_item_id: str | None = None
    product_id: str | None = None
    description: str | None = None
    override_ship_to_type: PartyType | None = None
    override_ship_to_contact_id: str | None = None
    override_ship_to_organization_id: str | None = None
    optional: Bool | None = None
    type: ShortStr | None = None
    related_record_type: str | None = None
    related_record_id: str | None = None
    related_transactions: list[RelatedTransaction] | None = None
    payload_id: str | None = None
    payload: JsonObject | None = None
    installment_schedule_type: ShortStr | None = None
    installment_plan_id: str | None = None
    perpetual_installment_schedule_options: PerpetualInstallmentScheduleOptions | None = None
    shippable: Bool = False
    special_instructions: str | None = None
    variant_options: list[ProductOption] | None = None
    modifier_options: list[ProductOption] | None = None
    sku: str | None = None


class OrderFields(BaseModel):
    """Order fields that the client writes and that read the same on both sides."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    batch_id: str | None = None
    override_order_date: Bool | None = None
    date: str | None = None
    submission_date: Moment | None = None
    preview_id: str | None = None
    copy_shipping_info_from_billing_info: Bool | None = None
    pay_for_credit_card_processing_fees: Bool | None = None
    ship_to_type: PartyType | None = None
    installment_schedule_id: str | None = None
    ship_to_contact_id: str | None = None
    ship_to_organization_id: str | None = None
    bill_to_type: PartyType | None = None
    bill_to_contact_id: str | None = None
    bill_to_organization_id: str | None = None
    bill_parent_organization: Bool | None = None
    send_email_confirmation_to_customer: Bool | None = None
    additional_email_confirmation_recipients: list[str] | None = None
    type: ShortStr | None = None
    store_id: str | None = None
    event_id: str | None = None
    memo: str | None = None
    base_currency_code: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    base_currency_symbol: str | None = None
    expiration_date: Moment | None = None
    billing_run_service: str | None = None
    billing_run_id: str | None = None
    billing_run_action_id: str | None = None
    success_notice_id: str | None = None
    failure_notice_id: str | None = None
    billing_address: Address | None = None
    ship_to_name: str | None = None
    shipping_address: Address | None = None
    use_pro_forma_invoices: Bool | None = None
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
    do_not_apply_open_credits: Bool | None = None
    credit_usages: list[CreditUsage] | None = None
    pay_using_multiple_methods: Bool | None = None
    payment_method: ShortStr | None = None
    payment_info: PaymentInfo | None = None
    additional_payments: list[AdditionalPayment] | None = None
    notes: str | None = None
    special_instructions: str | None = None
    custom_field_values: list[CustomFieldValue] | None = None
