"""Refund reasons and the refund request (API.md, refund_order; the theatre API's refund guide, seeds/001)."""

from typing import Annotated, Literal, Self

from pydantic import Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from orders_domain.models.types import Bool, DomainModel, InputModel, Int, UniqueIds

#: A reason's name: what a refund request names (`ChangedMindCannotMakeShow`).
ReasonName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
#: The most lines one refund may name (an order has at most 500).
MAX_REFUND_LINES = 500
GUEST_SELF_SERVICE = "Guest Self Service"


class RefundReason(DomainModel):
    """A reason a refund may give. `self_service`: a guest may give it on the token route."""

    name: str
    description: str
    type_description: str
    self_service: bool = True


class RefundReasonInput(InputModel):
    """`PUT /orders/{tenantId}/refund-reasons/{name}` (admin): the tenant's own reason."""

    description: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    type_description: Annotated[str, StringConstraints(min_length=1, max_length=100)] = "Tenant"
    self_service: Bool = False


class RefundRequest(InputModel):
    """`POST .../{id}/refunds`: refund every fulfilled, not yet refunded unit of these lines."""

    refund_reason_name: ReasonName
    line_numbers: Annotated[list[Annotated[Int, Field(ge=1, le=100_000)]], UniqueIds] = Field(
        min_length=1, max_length=MAX_REFUND_LINES
    )


class TheatreRefundRequest(InputModel):
    """`POST /v1/orders/token-{token}/refunds`: `{"refundReasonName", "lineNumbers"}`."""

    refundReasonName: ReasonName
    lineNumbers: Annotated[list[Annotated[Int, Field(ge=1, le=100_000)]], UniqueIds] = Field(
        min_length=1, max_length=MAX_REFUND_LINES
    )

    def domain(self) -> RefundRequest:
        return RefundRequest(refund_reason_name=self.refundReasonName, line_numbers=self.lineNumbers)


#: The coupon-code actions there are (seeds/003 `options.action`).
CouponCodeAction = Literal["refund"]
_Id = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class CouponCodeActionOptions(InputModel):
    """What to do with the coupon code: `refund` the lines it applied to. `batch_id` and the two
    payment-gateway flags are seeds/003's; this service records payments and moves no money through a
    gateway, so they are accepted and change nothing (API.md)."""

    action: CouponCodeAction
    batch_id: _Id | None = None
    ignore_payment_gateway_errors: Bool = False
    do_not_perform_electronic_refund: Bool = False


class CouponCodeActionRequest(InputModel):
    """`POST /orders/{tenantId}/{id}/coupon-codes/{couponCodeId}/actions` (admin): the options flat
    (`{"action": "refund", ...}`) or as seeds/003 sends them (`{"order_id", "coupon_code_id",
    "options": {"action": "refund", ...}}`; the ids, when sent, must be the path's)."""

    action: CouponCodeAction | None = None
    batch_id: _Id | None = None
    ignore_payment_gateway_errors: Bool | None = None
    do_not_perform_electronic_refund: Bool | None = None
    order_id: _Id | None = None
    coupon_code_id: _Id | None = None
    options: CouponCodeActionOptions | None = None

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        flat = [
            self.action,
            self.batch_id,
            self.ignore_payment_gateway_errors,
            self.do_not_perform_electronic_refund,
        ]
        if self.options is not None and any(v is not None for v in flat):
            raise PydanticCustomError("one_shape", "give the action flat or in options, not both")
        if self.options is None and self.action is None:
            raise PydanticCustomError("missing_action", "action is required: one of 'refund'")
        return self

    def resolved(self) -> CouponCodeActionOptions:
        if self.options is not None:
            return self.options
        return CouponCodeActionOptions.model_validate(
            {
                k: v
                for k, v in self.model_dump(
                    include={
                        "action",
                        "batch_id",
                        "ignore_payment_gateway_errors",
                        "do_not_perform_electronic_refund",
                    }
                ).items()
                if v is not None
            }
        )
