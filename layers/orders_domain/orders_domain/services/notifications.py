"""Send an order's (or one line's) notification e-mail, rendered from a client's templates (API.md,
notify_order). A read of the order and one send: nothing of the order changes, ever.

In this order: the templates are checked (sizes: 413 for the body; control characters, syntax,
partials, nesting: 400) and the destination address too, before anything is read; then the order
(404), the line (404); then everything renders within the bounds of `domain.notifications` (413);
the rendered header fields are checked again (CR/LF, addresses, at most MAX_RECIPIENTS: 400); only
then is the message handed to the EmailSender (502 when it fails: not sent).

Addresses are checked for syntax only by `email-validator` (maintained; no DNS lookup), ASCII
local parts only (SES does not send SMTPUTF8), and sent in their normalized ASCII form.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from orders_domain.domain import jsonio
from orders_domain.domain.errors import FieldError, NotFound, PayloadTooLarge, ValidationFailed
from orders_domain.domain.notifications import (
    MAX_BODY_BYTES,
    EmailMessage,
    Rendering,
    Template,
    check_template,
)
from orders_domain.domain.ports import EmailSender
from orders_domain.models import Order
from orders_domain.models.notifications import NotificationRequest, NotificationSent
from orders_domain.services.read import ReadOrders

#: To, cc and bcc together.
MAX_RECIPIENTS = 10
#: Header fields: what is rendered as plain text, by its name in the request.
HEADER_FIELDS = ("subject", "from_name", "from", "reply_to", "cc", "bcc")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_PREFIX = "email_template."


def _controls(value: str, field_name: str) -> FieldError | None:
    found = _CONTROLS.search(value)
    if found is None:
        return None
    what = {"\r": "CR", "\n": "LF"}.get(found.group(), f"U+{ord(found.group()):04X}")
    return FieldError(field_name, f"holds a control character ({what}); header fields are one line")


def _refuse(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed("The notification cannot be sent as asked.", errors=errors)


def email_address(value: str, field_name: str) -> str:
    """The address in its normalized ASCII form, or a 400 naming the field (syntax only, no DNS)."""
    from email_validator import EmailNotValidError, validate_email

    problem = _controls(value, field_name)
    if problem is not None:
        raise ValidationFailed("The notification cannot be sent as asked.", errors=[problem])
    try:
        checked = validate_email(value.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise ValidationFailed(
            "The notification cannot be sent as asked.",
            errors=[FieldError(field_name, f"is not an e-mail address: {error}")],
        ) from None
    return str(checked.ascii_email)


def _address_list(value: str, field_name: str) -> tuple[str, ...]:
    return tuple(email_address(part, field_name) for part in value.split(",") if part.strip())


def _templates(request: NotificationRequest) -> dict[str, Template]:
    """Every given field checked as a template: 413 for a body over MAX_BODY_BYTES, 400 for control
    characters in a header field's template or a template this API does not render."""
    fields = request.email_template.model_dump(by_alias=True, exclude_none=True)
    if len(fields["body"].encode("utf-8")) > MAX_BODY_BYTES:
        raise PayloadTooLarge(
            f"email_template.body is over {MAX_BODY_BYTES} bytes of UTF-8.",
            errors=[FieldError(_PREFIX + "body", f"over {MAX_BODY_BYTES} bytes")],
        )
    problems = [_controls(fields[name], _PREFIX + name) for name in HEADER_FIELDS if name in fields]
    _refuse([p for p in problems if p is not None])
    return {name: check_template(text, _PREFIX + name) for name, text in fields.items()}


def template_data(order_text: str, line_number: int | None, order_ref: str) -> dict[str, Any]:
    """What a template sees: `order` (the order as GET answers it: its JSON, read back exactly) and
    `line` (the line with `line_number`; 404 when the order has none)."""
    order = jsonio.loads(order_text)
    data: dict[str, Any] = {"order": order}
    if line_number is not None:
        lines = order.get("line_items") or []
        line = next((each for each in lines if each.get("line_number") == line_number), None)
        if line is None:
            raise NotFound(f"Order {order_ref} has no line with line_number {line_number}.")
        data["line"] = line
    return data


@dataclass
class NotifyOrders:
    orders: ReadOrders
    sender: Callable[[], EmailSender]

    def send(
        self, tenant_id: str, request: NotificationRequest, represent: Callable[[Order], str]
    ) -> NotificationSent:
        """Render the request's templates on the order (`represent`: the order's JSON as GET answers
        it) and send the e-mail; the answer says what was sent and which names resolved to nothing."""
        templates = _templates(request)
        to = email_address(request.destination_email_address, "destination_email_address")
        order = self.orders.get(tenant_id, request.order_id)
        rendering = Rendering(
            template_data(represent(order), request.order_item_line_number, request.order_id)
        )
        text = {
            name: rendering.render(template, html_body=name == "body") for name, template in templates.items()
        }
        message = self._message(tenant_id, order.id, to, text)
        message_id = self.sender().send(message)
        return NotificationSent(
            message_id=message_id,
            to=message.to,
            cc=list(message.cc),
            bcc=list(message.bcc),
            subject=message.subject,
            body=message.body,
            unknown_placeholders=sorted(rendering.unknown),
        )

    @staticmethod
    def _message(tenant_id: str, order_id: str, to: str, text: dict[str, str]) -> EmailMessage:
        """The rendered fields as a message: header fields one line each, addresses valid, at most
        MAX_RECIPIENTS recipients (400 naming the field otherwise)."""
        problems = [_controls(text[name], _PREFIX + name) for name in HEADER_FIELDS if name in text]
        _refuse([p for p in problems if p is not None])

        def address(name: str) -> str | None:
            value = text.get(name, "").strip()
            return email_address(value, _PREFIX + name) if value else None

        cc = _address_list(text.get("cc", ""), _PREFIX + "cc")
        bcc = _address_list(text.get("bcc", ""), _PREFIX + "bcc")
        if 1 + len(cc) + len(bcc) > MAX_RECIPIENTS:
            _refuse(
                [
                    FieldError(
                        _PREFIX + "bcc" if bcc else _PREFIX + "cc",
                        f"at most {MAX_RECIPIENTS} recipients (to, cc and bcc together); "
                        f"{1 + len(cc) + len(bcc)} given",
                    )
                ]
            )
        subject = text["subject"].strip()
        if not subject:
            _refuse([FieldError(_PREFIX + "subject", "renders empty")])
        return EmailMessage(
            tenant_id=tenant_id,
            order_id=order_id,
            to=to,
            subject=subject,
            body=text["body"],
            from_address=address("from"),
            from_name=text.get("from_name", "").strip() or None,
            reply_to=address("reply_to"),
            cc=cc,
            bcc=bcc,
        )
