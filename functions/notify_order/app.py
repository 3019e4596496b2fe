"""notify_order: an order's (or one line's) notification e-mail, rendered from the client's Mustache
templates and sent to one address (API.md, notify_order; seeds/003's notifications preview).

A read of the order (one GetItem; a token, one Query on by-token first) and one send: SES on AWS,
the local outbox under `make serve`. Nothing of the order changes. The rendering's rules and bounds
are in `domain/notifications.py`, the checks and their order in `services/notifications.py`.
"""

# No `from __future__ import annotations`: Powertools reads the route signatures at runtime.
from typing import Annotated

# orders_domain first: it makes the Powertools event handler load only the resolver used here.
from orders_domain.http.api import Body, Response, TenantId, json_content, json_response
from orders_domain.http.handler import FunctionApp
from orders_domain.http.representation import order_json
from orders_domain.models.notifications import NotificationRequest, NotificationSent
from orders_domain.runtime import wiring

fn = FunctionApp()
app = fn.app
lambda_handler = fn.lambda_handler


@app.post(
    "/orders/<tenantId>/notifications/preview",
    summary="Render an order's notification e-mail and send it",
    description="`email_template`'s fields are Mustache templates (logic-less; no partials: 400) on "
    "`order` (the order as GET answers it) and `line` (the line whose `line_number` is "
    "`order_item_line_number`; 404 when the order has none). Every value is HTML-escaped in the body, "
    "`{{{x}}}` and `{{& x}}` too; names the data does not hold render empty and are listed in "
    "`unknown_placeholders`. Bounds: a body template of at most 102,400 bytes and a rendered body of at "
    "most 262,144 (413), sections nested at most 4 deep, tags closed within 512 characters, no run of "
    "more than 128 blanks (400), 100,000 lookups and section passes per request (413). Header fields "
    "(subject, names, addresses) with CR, LF or another control character are a 400 naming the field; "
    "addresses are checked for syntax; at most 10 recipients (to, cc, bcc). From is the deployment's "
    "sender identity, with `from_name`; `from` becomes Reply-To when `reply_to` is not given. A send "
    "that fails is a 502 `email_send_failed`: nothing was sent. Each request sends one e-mail.",
    responses={200: {"description": "Sent.", "content": json_content(lambda: NotificationSent)}},
    tags=["notifications"],
)
def send_notification(tenantId: TenantId, request: Annotated[NotificationRequest, Body()]) -> Response[str]:
    fn.caller(tenantId)
    sent = wiring.current().notify_orders.send(tenantId, request, order_json)
    return json_response(200, sent.model_dump(mode="python"))
