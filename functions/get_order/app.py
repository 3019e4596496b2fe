"""get_order: GET /orders/{tenantId}/{id} (also as it stood at a time), and its history; the same
order in the source APIs' own dialects: `GET /v3/orders/{id}` (theatre) with the sub-resources its
links name (a product, its signed pass, a payment) and `GET /distribution/orders/{id}`
(distribution, JSON or XML), for the key's own tenant; and `GET /keys/current`, the key a request
was made with (what the operator console asks first).

`id` may be `token-<guest token>` on every route.
"""

# No `from __future__ import annotations`: Powertools reads the route signatures at runtime.
import datetime as dt
from typing import Annotated

# orders_domain first: it makes the Powertools event handler load only the resolver used here.
from orders_domain import models
from orders_domain.dialects import distribution, theatre, theatre_schemas
from orders_domain.domain.order_text import etag_of
from orders_domain.http.api import (
    ETAG_HEADER,
    OrderRef,
    Path,
    Query,
    Response,
    json_content,
    json_response,
    json_text_response,
)
from orders_domain.http.auth import TENANT_ID_PATTERN
from orders_domain.http.handler import FunctionApp
from orders_domain.http.representation import history_page_json, order_headers, order_json
from orders_domain.models.types import Moment
from orders_domain.runtime import wiring

fn = FunctionApp()
app = fn.app
lambda_handler = fn.lambda_handler


@fn.fast
@app.get(
    "/orders/<tenantId>/<id>",
    summary="Get an order by id, or by guest token as `token-<token>`",
    description="`fields` answers `id` and the fields asked for (`total,line_items.sku`); "
    "`consistentRead=true` reads the latest write; `asOf` rebuilds the order as it stood at that time "
    "from its history (404 before it existed; a 503 with `Retry-After` while the history entry is not "
    "written yet).",
    responses={
        200: {
            "description": "The order; `ETag` is its version.",
            "headers": {"ETag": ETAG_HEADER},
            # Without `fields` the whole order; with it, `id` and the fields asked for.
            "content": json_content(lambda: models.OrderResponse | models.OrderProjection),
        }
    },
    tags=["orders"],
)
def get_order(
    tenantId: Annotated[str, Path(pattern=TENANT_ID_PATTERN)],
    id: Annotated[str, Path(max_length=80, description="An order id, or `token-<token>`.")],
    fields: Annotated[
        str | None,
        Query(max_length=2000, description="Comma-separated fields to return, e.g. `total,line_items.sku`."),
    ] = None,
    consistentRead: Annotated[
        bool, Query(description="Read the latest write (strongly consistent).")
    ] = False,
    asOf: Annotated[
        Moment | None,
        Query(
            description="The order as it stood at this time (ISO 8601; UTC when no zone is given), "
            "rebuilt from its history. 404 before the order existed."
        ),
    ] = None,
) -> Response[str]:
    fn.caller(tenantId)
    ports = wiring.current()
    if asOf is None and not fields:
        # The order's answer as written with it (domain.order_text): served as stored.
        answer = ports.read_orders.answer(tenantId, id, consistent=consistentRead)
        return json_text_response(200, answer.text, headers={"ETag": etag_of(answer.version)})
    if asOf is not None:
        order = ports.order_history.as_of(tenantId, id, asOf)
    else:
        order = ports.read_orders.get(tenantId, id, consistent=consistentRead)
    return json_text_response(200, order_json(order, fields), headers=order_headers(order))


_HISTORY_TOKEN = "history"  # noqa: S105 - the kind of page token, not a secret


@app.get(
    "/orders/<tenantId>/<id>/history",
    summary="An order's change history, oldest first",
    description='`{"Count", "Items": [{"sys_version", "event", "at", "changed_fields", "by"}], '
    '"LastEvaluatedKey"}`, one entry per version, kept by the stream consumer about a second behind a '
    "write. `limit` 1-100 (25); `after` the previous page's `LastEvaluatedKey` (one of another order: 400).",
    responses={
        200: {
            "description": "One entry per version, as the stream consumer recorded it (it trails a write "
            "by about a second).",
            "content": json_content(lambda: models.HistoryPage),
        }
    },
    tags=["orders"],
)
def get_order_history(
    tenantId: Annotated[str, Path(pattern=TENANT_ID_PATTERN)],
    id: Annotated[str, Path(max_length=80, description="An order id, or `token-<token>`.")],
    limit: Annotated[int, Query(ge=1, le=100, description="Entries per page.")] = 25,
    after: Annotated[
        str | None, Query(max_length=512, description="`LastEvaluatedKey` of the previous page.")
    ] = None,
) -> Response[str]:
    fn.caller(tenantId)
    ports = wiring.current()
    bound = {"t": tenantId, "order": id}
    start = 0
    if after is not None:
        position = ports.page_tokens.decode(
            _HISTORY_TOKEN, after, parameter="after", bound=bound, counters=("after",)
        )
        start = int(position["after"])
    page = ports.order_history.page(tenantId, id, after=start, limit=limit)
    next_token = (
        ports.page_tokens.encode(_HISTORY_TOKEN, {**bound, "after": page.next_after})
        if page.next_after is not None
        else None
    )
    return json_text_response(200, history_page_json(page.entries, next_token))


@fn.fast
@app.get(
    "/v3/orders/<id>",
    summary="The theatre API's order (seeds/000, 001), by id or `token-<token>`",
    description="camelCase; `status` in the theatre API's words (`Fulfilled`, `Refunded`, ...); "
    "`_embedded.products` (the lines; a line's `payload` members are the product's), "
    "`_embedded.payments`, `refundedPayments`, `fees` (lines of `type` `fee`), HAL `_links` with "
    "absolute hrefs (will-call check and self-service refund; each product's `self` and, where the "
    "pass answers 200, `passbook-ticket`; each payment's `self`). The tenant is the key's.",
    responses={
        200: {
            "description": "The order.",
            "headers": {"ETag": ETAG_HEADER},
            "content": {"application/json": {"schema": theatre_schemas.ORDER_SCHEMA}},
        }
    },
    tags=["theatre"],
)
def get_theatre_order(id: OrderRef) -> Response[str]:
    caller = fn.key_caller()
    order = wiring.current().read_orders.get(caller.tenant_id, id)
    return json_response(200, theatre.order_view(order, fn.base_url()), headers=order_headers(order))


LineNumber = Annotated[
    int,
    Path(
        ge=1,
        le=theatre.MAX_NUMBER,
        description="The product's `lineItemNumber` (refund lines are products; fee lines are not).",
    ),
]
PaymentNumber = Annotated[
    int,
    Path(
        ge=1,
        le=theatre.MAX_NUMBER,
        description="The payment's `lineItemNumber`: its 1-based position in `_embedded.payments`.",
    ),
]


@app.get(
    "/v3/orders/<id>/products/<lineNumber>",
    summary="One product of a theatre order, as the order's `_embedded.products` shows it",
    description="The `self` link of a product in `GET /v3/orders/{id}`: the same member for member "
    "(payload members included). 404 when the order has no such product (a fee line is none). "
    "The tenant is the key's.",
    responses={
        200: {
            "description": "The product.",
            "headers": {"ETag": ETAG_HEADER},
            "content": {"application/json": {"schema": theatre_schemas.PRODUCT_SCHEMA}},
        }
    },
    tags=["theatre"],
)
def get_theatre_product(id: OrderRef, lineNumber: LineNumber) -> Response[str]:
    caller = fn.key_caller()
    order = wiring.current().read_orders.get(caller.tenant_id, id)
    view = theatre.product_view(order, lineNumber, fn.base_url())
    return json_response(200, view, headers=order_headers(order))


@app.get(
    "/v3/orders/<id>/products/<lineNumber>/passbook",
    summary="A ticket's pass, signed for a gate to verify offline",
    description="`{pass, signature, algorithm: HS256, canonicalization: RFC8785, _links}`: the pass "
    "names the order (id, number, version), the line (number, sku, name, the units that admit: neither "
    "cancelled nor refunded, status), the payload's `theatre`, `movie`, `showDateTime` and "
    "`confirmationCode` when present, and when it was issued; `signature` is base64url HMAC-SHA256 "
    "over the pass's canonical JSON under the tenant's pass key (derived from the deployment's "
    "secret, never the page-token key). The order's products link here exactly where this answers "
    "200. 404: no such product, or not a ticket (a fee, merchandise that ships, vouchers); 409 "
    "`order_state_conflict`: a ticket that admits no one (a refund line, every unit cancelled or "
    "refunded, not paid for, the order cancelled or voided). The tenant is the key's.",
    responses={
        200: {
            "description": "The signed pass (`Cache-Control: no-store`).",
            "headers": {"ETag": ETAG_HEADER},
            "content": {"application/json": {"schema": theatre_schemas.PASS_SCHEMA}},
        }
    },
    tags=["theatre"],
)
def get_theatre_passbook(id: OrderRef, lineNumber: LineNumber) -> Response[str]:
    caller = fn.key_caller()
    ports = wiring.current()
    order = ports.read_orders.get(caller.tenant_id, id)
    key = ports.page_tokens.passbook_key(caller.tenant_id)
    issued = dt.datetime.now(dt.UTC)
    view = theatre.passbook_view(order, lineNumber, fn.base_url(), issued=issued, key=key)
    return json_response(200, view, headers={**order_headers(order), "Cache-Control": "no-store"})


@app.get(
    "/v3/orders/<id>/payments/<paymentNumber>",
    summary="One payment of a theatre order, as the order's `_embedded.payments` shows it",
    description="The `self` link of a payment in `GET /v3/orders/{id}`: the same member for member. "
    "404 when the order has fewer payments. The tenant is the key's.",
    responses={
        200: {
            "description": "The payment.",
            "headers": {"ETag": ETAG_HEADER},
            "content": {"application/json": {"schema": theatre_schemas.PAYMENT_SCHEMA}},
        }
    },
    tags=["theatre"],
)
def get_theatre_payment(id: OrderRef, paymentNumber: PaymentNumber) -> Response[str]:
    caller = fn.key_caller()
    order = wiring.current().read_orders.get(caller.tenant_id, id)
    view = theatre.payment_view(order, paymentNumber, fn.base_url())
    return json_response(200, view, headers=order_headers(order))


@fn.fast
@app.get(
    "/distribution/orders/<id>",
    summary="The distribution API's order (seeds/004), JSON or XML",
    description='`{"order": {id, order_number, status (active / cancelled), items [{offer_id, '
    "quantity}], account_id, customer_name, purchased_at, shipping_address, shipments}}`; "
    "`Accept: application/xml` answers `<order>...</order>`. The tenant is the key's.",
    responses={
        200: {
            "description": "The order.",
            "headers": {"ETag": ETAG_HEADER},
            "content": {"application/json": {"schema": distribution.ORDER_SCHEMA}},
        }
    },
    tags=["distribution"],
)
def get_distribution_order(id: OrderRef) -> Response[str]:
    caller = fn.key_caller()
    ports = wiring.current()
    order = ports.read_orders.get(caller.tenant_id, id)
    shipped = ports.fulfil_orders.shipped_records(caller.tenant_id, order)
    return json_response(200, distribution.order_view(order, shipped), headers=order_headers(order))


@app.get(
    "/keys/current",
    summary="The API key this request was made with: its tenant, id and scopes",
    description="What a client (the operator console) needs to know of its own key: the tenant it acts "
    "for, the key's id (what an order's history names as `by`) and its scopes. Needs `orders:read`.",
    responses={
        200: {
            "description": "The key.",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["tenant_id", "key_id", "scopes"],
                        "additionalProperties": False,
                        "properties": {
                            "tenant_id": {"type": "string"},
                            "key_id": {"type": "string"},
                            "scopes": {"type": "array", "items": {"type": "string"}},
                        },
                    }
                }
            },
        }
    },
    tags=["keys"],
)
def get_current_key() -> Response[str]:
    principal = fn.key_caller().principal
    return json_response(
        200, {"tenant_id": principal.tenant_id, "key_id": principal.key_id, "scopes": list(principal.scopes)}
    )
