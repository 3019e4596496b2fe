"""The order lists' answer (search_orders): a page after a signed token, as whole orders, a portal's
view of them, or list rows (`view=summary`); the query parameters they share and their documentation.

`answer_page` checks the caller, decodes `exclusiveStartKey` (signed, bound to the tenant and the
query), reads one page through `SearchOrders`, then the page's orders by key (whole orders) unless
`view=summary`, and answers the list envelope with the next page's token.
"""

# No `from __future__ import annotations`: Powertools reads these annotations on the routes at runtime.
from typing import Annotated, Any

from orders_domain.domain import jsonio, portal
from orders_domain.domain.coupon_rows import ROW_FIELDS
from orders_domain.domain.errors import NotFound
from orders_domain.domain.page_positions import Page, PagePosition
from orders_domain.http.api import (
    ETAG_HEADER,
    Path,
    Query,
    Response,
    json_content,
    json_response,
    json_text_response,
)
from orders_domain.http.handler import FunctionApp
from orders_domain.http.page_tokens import query_digest
from orders_domain.http.representation import (
    order_headers,
    order_json,
    page_json,
    portal_order_body,
    project_rows,
    rows_as_orders,
    texts_page_json,
)
from orders_domain.models.orders import SUMMARY_FIELDS
from orders_domain.models.search import OrderRowPage, SearchRequest
from orders_domain.runtime import wiring

PartyId = Annotated[str, Path(min_length=1, max_length=200, description="A contact or organization id.")]
PartyType = Annotated[
    str, Path(pattern="^(contact|organization)$", description="`contact` or `organization`.")
]
Limit = Annotated[int, Query(ge=1, le=100, description="Rows per page (a filtered page may hold fewer).")]
StartKey = Annotated[
    str | None,
    Query(max_length=1024, description="`LastEvaluatedKey` of the previous page of this same request."),
]
Fields = Annotated[
    str | None,
    Query(max_length=2000, description="Comma-separated row fields to return (plus the row's id)."),
]
View = Annotated[
    str,
    Query(
        pattern="^(full|summary)$",
        description="`full` (default): whole orders, as `GET /orders/{tenantId}/{id}` answers them (a "
        "`fields` naming only list-row fields is answered from the rows); `summary`: the list rows "
        "alone (`SUMMARY_FIELDS`), cheaper: no read of the orders themselves.",
    ),
]
ConsistentRead = Annotated[
    bool, Query(description="Read the orders themselves strongly consistent (the list is an index).")
]
ORDER_ROWS = "orders"
USAGE_ROWS = "coupon-usages"
_TOKEN_KIND = "list"  # noqa: S105 - the kind of page token, not a secret
#: The portal's party: `(party type, id)`, and how a portal page shows each order.
Party = tuple[str, str]


def answer_page(
    fn: FunctionApp,
    tenant_id: str,
    limit: int,
    start: str | None,
    fields: str | None,
    read: str,
    *args: Any,
    rows: str = ORDER_ROWS,
    view: str = "full",
    consistent: bool = False,
    party: Party | None = None,
) -> Response[str]:
    """Check the caller, then answer one page of `SearchOrders.<read>(tenant, *args)` after the
    token's position, in the list envelope, with the next page's token (bound to tenant and query):
    whole orders (a portal's view of them for `party`), or for `view=summary` the list rows."""
    fn.caller(tenant_id)
    ports = wiring.current()
    query = tuple(a.filters() if isinstance(a, SearchRequest) else a for a in args)
    event = fn.app.current_event
    bound = {"t": tenant_id, "q": query_digest(event.http_method, event.get("resource"), *query)}
    after = None
    if start:
        position = ports.page_tokens.decode(_TOKEN_KIND, start, parameter="exclusiveStartKey", bound=bound)
        try:
            after = PagePosition.from_dict(position)
        except (KeyError, ValueError):  # signed here, so only a token of an older format
            after = None
    page: Page = getattr(ports.search_orders, read)(tenant_id, *args, limit=limit, after=after)
    token = ports.page_tokens.encode(_TOKEN_KIND, {**bound, **page.next.to_dict()}) if page.next else None
    if rows == ORDER_ROWS and view == "full":
        # Fields every row carries: the rows answer (the orders as their rows saw them, as an
        # eventually consistent read of the orders may), without reading the orders themselves.
        projected = None if consistent or party else rows_as_orders(page.rows, fields)
        if projected is not None:
            return json_text_response(200, texts_page_json([jsonio.dumps(p) for p in projected], token))
        orders = ports.search_orders.whole(tenant_id, page, consistent=consistent)
        if party is not None:
            bodies = [portal_order_body(order, *party, fields) for order in orders]
            return json_text_response(200, page_json(bodies, token))
        return json_text_response(200, texts_page_json([order_json(o, fields) for o in orders], token))
    known, keep = (SUMMARY_FIELDS, "id") if rows == ORDER_ROWS else (ROW_FIELDS, "order_id")
    items = project_rows(page.rows, fields, known, keep)
    return json_text_response(200, page_json(items, token))


def rows_doc(summary: str) -> dict[int, Any]:
    return {
        200: {
            "description": summary + " `LastEvaluatedKey` continues the list (null on the last page).",
            "content": json_content(lambda: OrderRowPage),
        }
    }


def _order_page() -> Any:
    from orders_domain.models.responses import order_page_model  # only where it is documented

    return order_page_model()


def orders_doc(summary: str) -> dict[int, Any]:
    return {
        200: {
            "description": summary + " Whole orders (with `view=summary`: list rows). `LastEvaluatedKey` "
            "continues the list (null on the last page).",
            "content": json_content(_order_page),
        }
    }


LIST_PARAMETERS = (
    "`limit` 1-100 (25); `exclusiveStartKey` the previous page's `LastEvaluatedKey` (null on the last "
    "page); `fields` a projection of each order (`total,line_items.sku`; of the rows with "
    "`view=summary`); `view=summary` answers the index's list rows alone, without reading the orders."
)


# ------------------------------------------------------------------ the customer portal
PORTAL_WHAT = (
    "A customer portal's view (domain/portal.py decides it once): the orders whose bill-to **or** ship-to "
    "is this {kind}, each once, newest first (the customer index, never a Scan), without the back "
    "office's fields, `sys_*` (but `sys_version`) and, where the {kind} is only the ship-to, the payer's "
    "data. A portal key (`make api-key PORTAL_{upper}=<id>`) reaches only its own {kind}'s orders (another "
    "{kind} in the path: 403); a staff key with `orders:read` any {kind}'s."
)


def portal_page(
    fn: FunctionApp,
    tenant_id: str,
    party: Party,
    limit: int,
    start: str | None,
    fields: str | None,
    consistent: bool,
) -> Response[str]:
    """One page of the party's orders (bill-to or ship-to, each once), as the portal shows them."""
    return answer_page(
        fn, tenant_id, limit, start, fields, "by_customer", *party, consistent=consistent, party=party
    )


def portal_order(
    fn: FunctionApp, tenant_id: str, party: Party, id: str, fields: str | None, consistent: bool
) -> Response[str]:
    """One of the party's orders as the portal shows it; any other order is a 404."""
    fn.caller(tenant_id)
    try:
        order = wiring.current().read_orders.get(tenant_id, id, consistent=consistent)
    except NotFound:
        order = None
    if order is None or not portal.belongs_to(order, *party):
        # The same answer as an order that does not exist: a portal never learns other ids.
        raise NotFound("No such order.")
    return json_response(200, portal_order_body(order, *party, fields), headers=order_headers(order))


def _portal_order_model() -> Any:
    from orders_domain import models  # only where it is documented

    return models.OrderProjection


def portal_docs(kind: str, one: bool) -> dict[str, Any]:
    text = PORTAL_WHAT.format(kind=kind, upper=kind.upper())
    if one:
        return {
            "summary": f"One of a {kind}'s own orders, as a customer portal shows it",
            "description": text + " Any other order id (or `token-<token>`) of the tenant is a 404, as if "
            "it did not exist. `fields` answers `id` and the fields asked for; `consistentRead` reads the "
            "latest write.",
            "operation_id": f"portal_{kind}_order",
            "responses": {
                200: {
                    "description": "The order as the portal shows it; `ETag` is its version.",
                    "headers": {"ETag": ETAG_HEADER},
                    "content": json_content(_portal_order_model),
                }
            },
            "tags": ["portal"],
        }
    return {
        "summary": f"A {kind}'s own orders, as a customer portal shows them",
        "description": text + " `limit` 1-100 (25); `exclusiveStartKey` the previous page's "
        "`LastEvaluatedKey`; `fields` a projection of each order; `consistentRead` reads the orders "
        "strongly consistent.",
        "operation_id": f"portal_{kind}_orders",
        "responses": orders_doc("The party's orders, newest first."),
        "tags": ["portal"],
    }
