"""The notification e-mail route's request and answer (API.md, notify_order; seeds/003's
`POST /orders/{tenantId}/notifications/preview`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from orders_domain.domain.notifications import MAX_BODY_BYTES
from orders_domain.models.types import DomainModel, InputModel, Int

#: The most characters of a templated address field (an address is at most 254; a template may hold
#: placeholders that render shorter).
ADDRESS_TEMPLATE_CHARS = 320
#: Comma-separated cc or bcc addresses (the recipients' bound, 10 in all, is checked after rendering).
ADDRESS_LIST_TEMPLATE_CHARS = 2_000
#: What pydantic lets through for `body`: any body API Gateway passes (its 6 MB). The real bound is
#: MAX_BODY_BYTES of UTF-8, checked by the service as a 413, whatever the characters.
_BODY_READ_CHARS = 6_291_456

_HEADER_NOTE = " CR, LF and other control characters are refused (400), in the template and rendered."


class EmailTemplate(InputModel):
    """Mustache templates (logic-less) rendered on `order` (the order as GET answers it) and `line`
    (the line chosen by `order_item_line_number`)."""

    from_: Annotated[str, Field(max_length=ADDRESS_TEMPLATE_CHARS)] | None = Field(
        default=None,
        alias="from",
        description="An address; sent as Reply-To when it is not the deployment's sender identity "
        "(the From address is always that identity)." + _HEADER_NOTE,
    )
    from_name: Annotated[str, Field(max_length=200)] | None = Field(
        default=None, description="The From display name." + _HEADER_NOTE
    )
    reply_to: Annotated[str, Field(max_length=ADDRESS_TEMPLATE_CHARS)] | None = Field(
        default=None, description="An address." + _HEADER_NOTE
    )
    subject: str = Field(min_length=1, max_length=2_000, description="Plain text." + _HEADER_NOTE)
    cc: Annotated[str, Field(max_length=ADDRESS_LIST_TEMPLATE_CHARS)] | None = Field(
        default=None, description="Comma-separated addresses." + _HEADER_NOTE
    )
    bcc: Annotated[str, Field(max_length=ADDRESS_LIST_TEMPLATE_CHARS)] | None = Field(
        default=None, description="Comma-separated addresses." + _HEADER_NOTE
    )
    body: str = Field(
        min_length=1,
        max_length=_BODY_READ_CHARS,
        description=f"HTML. Every value is HTML-escaped, `{{{{{{x}}}}}}` and `{{{{& x}}}}` too. At most "
        f"{MAX_BODY_BYTES} bytes of UTF-8 (413 over).",
        json_schema_extra={"maxLength": MAX_BODY_BYTES},
    )


class NotificationRequest(InputModel):
    """`POST /orders/{tenantId}/notifications/preview`: render the order's (or one line's)
    notification e-mail and send it to one address."""

    order_id: str = Field(min_length=1, max_length=80, description="An order id, or `token-<token>`.")
    order_item_line_number: Annotated[Int, Field(ge=1, le=1_000_000)] | None = Field(
        default=None, description="One line's notification: the line with this `line_number` (`line`)."
    )
    email_template: EmailTemplate
    destination_email_address: str = Field(min_length=3, max_length=254, description="The To address.")


class NotificationSent(DomainModel):
    """The e-mail as sent."""

    message_id: str = Field(description="The e-mail service's id of the message (SES MessageId).")
    to: str
    cc: list[str]
    bcc: list[str]
    subject: str
    body: str = Field(description="The rendered HTML body.")
    unknown_placeholders: list[str] = Field(
        description="Names the templates use that the data does not hold (rendered empty), sorted."
    )
