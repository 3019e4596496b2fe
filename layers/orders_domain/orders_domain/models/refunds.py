"""Refund reasons and the refund request (API.md, refund_order; the theatre API's refund guide, seeds/001)."""

from typing import Annotated

from pydantic import Field, StringConstraints

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
