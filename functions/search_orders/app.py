"""search_orders: the tenant's orders newest first, search, and every lookup (API.md, search_orders).

Every route is a Query on an index (or, for a search by id, a read by key): none Scans. Each answers
`{"Count", "Items", "LastEvaluatedKey"}`; `limit` 1-100 (default 25), `exclusiveStartKey` the
previous page's `LastEvaluatedKey` (signed, bound to the tenant and to this query), `fields` a
projection of the rows.
"""

# No `from __future__ import annotations`: Powertools reads the route signatures at runtime.
from collections.abc import Callable
from typing import Annotated, Any

# orders_domain first: it makes the Powertools event handler load only the resolver used here.
from orders_domain.domain.coupon_rows import ROW_FIELDS
from orders_domain.domain.page_positions import Page, PagePosition
from orders_domain.http.api import Body, Path, Query, Response, TenantId, json_content, json_text_response
from orders_domain.http.handler import FunctionApp
from orders_domain.http.page_tokens import query_digest
from orders_domain.http.representation import page_json, project_rows
from orders_domain.models.orders import SUMMARY_FIELDS
from orders_domain.models.search import OrderRowPage, SearchRequest
from orders_domain.runtime import wiring
from orders_domain.services.search import BILL_TO, SHIP_TO, shipping_status

fn = FunctionApp()
app = fn.app
lambda_handler = fn.lambda_handler

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
_ORDER_ROWS = "orders"
_USAGE_ROWS = "coupon-usages"
_TOKEN_KIND = "list"  # noqa: S105 - the kind of page token, not a secret


def _page(
    tenant_id: str,
    limit: int,
    start: str | None,
    fields: str | None,
    read: str,
    *args: Any,
    rows: str = _ORDER_ROWS,
) -> Response[str]:
    """Check the caller, then answer one page of `SearchOrders.<read>(tenant, *args)` after the
    token's position, in the list envelope, with the next page's token (bound to tenant and query)."""
    fn.caller(tenant_id)
    ports = wiring.current()
    query = tuple(a.filters() if isinstance(a, SearchRequest) else a for a in args)
    event = app.current_event
    bound = {"t": tenant_id, "q": query_digest(event.http_method, event.get("resource"), *query)}
    after = None
    if start:
        position = ports.page_tokens.decode(_TOKEN_KIND, start, parameter="exclusiveStartKey", bound=bound)
        try:
            after = PagePosition.from_dict(position)
        except (KeyError, ValueError):  # signed here, so only a token of an older format
            after = None
    page: Page = getattr(ports.search_orders, read)(tenant_id, *args, limit=limit, after=after)
    known, keep = (SUMMARY_FIELDS, "id") if rows == _ORDER_ROWS else (ROW_FIELDS, "order_id")
    items = project_rows(page.rows, fields, known, keep)
    token = ports.page_tokens.encode(_TOKEN_KIND, {**bound, **page.next.to_dict()}) if page.next else None
    return json_text_response(200, page_json(items, token))


def _rows_doc(summary: str) -> dict[int, Any]:
    return {
        200: {
            "description": summary + " `LastEvaluatedKey` continues the list (null on the last page).",
            "content": json_content(lambda: OrderRowPage),
        }
    }


@app.get(
    "/orders/<tenantId>",
    summary="The tenant's orders, newest first",
    description="Every order of the tenant as a list row (its summary fields), a Query on an index, never "
    "a Scan. "
    "`limit` 1-100 (25); `exclusiveStartKey` the previous page's `LastEvaluatedKey` (null on the last "
    "page); `fields` a projection of the rows.",
    responses=_rows_doc("List rows."),
    tags=["search"],
)
def list_orders(
    tenantId: TenantId, limit: Limit = 25, exclusiveStartKey: StartKey = None, fields: Fields = None
) -> Response[str]:
    return _page(tenantId, limit, exclusiveStartKey, fields, "recent")


@app.post(
    "/orders/<tenantId>/search",
    summary="Search orders by ranges, lists and exact parties (a read)",
    description="Ranges are `[low, high]` (inclusive; `null` for an open end); lists match any value; "
    "all filters must hold. A page examines at most 500 rows: it may hold fewer than `limit` "
    "and still have a `LastEvaluatedKey`.",
    responses=_rows_doc("Matching list rows, newest first."),
    tags=["search"],
)
def search_orders(
    tenantId: TenantId,
    filters: Annotated[SearchRequest, Body()],
    limit: Limit = 25,
    exclusiveStartKey: StartKey = None,
    fields: Fields = None,
) -> Response[str]:
    return _page(tenantId, limit, exclusiveStartKey, fields, "search", filters)


@app.get(
    "/orders/<tenantId>/customer/<customerType>/<customerId>",
    summary="Orders where a contact or organization is bill-to or ship-to, each once",
    description="`customerType` `contact` or `organization`: the orders billed or shipped to that party "
    "(both lookups merged), newest first, an order billed and shipped to it listed once. "
    "`limit` 1-100 (25); `exclusiveStartKey` the previous page's `LastEvaluatedKey` (null on the last "
    "page); `fields` a projection of the rows.",
    responses=_rows_doc("List rows, newest first."),
    tags=["search"],
)
def by_customer(
    tenantId: TenantId,
    customerType: PartyType,
    customerId: PartyId,
    limit: Limit = 25,
    exclusiveStartKey: StartKey = None,
    fields: Fields = None,
) -> Response[str]:
    return _page(tenantId, limit, exclusiveStartKey, fields, "by_customer", customerType, customerId)


def _by_party(role: str, party_type: str) -> Callable[..., Response[str]]:
    def route(
        tenantId: TenantId,
        id: PartyId,
        limit: Limit = 25,
        exclusiveStartKey: StartKey = None,
        fields: Fields = None,
    ) -> Response[str]:
        return _page(tenantId, limit, exclusiveStartKey, fields, "by_party", role, party_type, id)

    return route


for _segment, _role, _type in (
    ("billToContact", BILL_TO, "contact"),
    ("billToOrganization", BILL_TO, "organization"),
    ("shipToContact", SHIP_TO, "contact"),
    ("shipToOrganization", SHIP_TO, "organization"),
):
    _what = "billed to" if _role == BILL_TO else "shipped to"
    app.get(
        f"/orders/<tenantId>/{_segment}/<id>",
        summary=f"Orders {_what} one {_type}",
        description=f"The orders {_what} the {_type} `id`, newest first (a Query on the party index). "
        "`limit` 1-100 (25); `exclusiveStartKey` the previous page's `LastEvaluatedKey` (null on the last "
        "page); `fields` a projection of the rows.",
        responses=_rows_doc("List rows, newest first."),
        tags=["search"],
    )(_by_party(_role, _type))


@app.get(
    "/orders/<tenantId>/coupon/<couponType>/<couponId>",
    summary="Orders that used a coupon, each once",
    description="The orders whose coupons include `couponType`/`couponId`, newest first, each once however "
    "often it used the coupon; found through the coupon's usage rows, which the stream consumer keeps "
    "about a second behind a write. "
    "`limit` 1-100 (25); `exclusiveStartKey` the previous page's `LastEvaluatedKey` (null on the last "
    "page); `fields` a projection of the rows.",
    responses=_rows_doc(
        "List rows, newest first (the stream consumer keeps coupon usage about a second behind)."
    ),
    tags=["search"],
)
def by_coupon(
    tenantId: TenantId,
    couponType: Annotated[str, Path(min_length=1, max_length=100)],
    couponId: Annotated[str, Path(min_length=1, max_length=200)],
    limit: Limit = 25,
    exclusiveStartKey: StartKey = None,
    fields: Fields = None,
) -> Response[str]:
    return _page(tenantId, limit, exclusiveStartKey, fields, "by_coupon", couponType, couponId)


@app.get(
    "/orders/<tenantId>/couponUsages/<couponType>/<couponId>",
    summary="A coupon's usage rows",
    description="One row per use of the coupon `couponType`/`couponId` (`order_id`, `date`, `customer_id`, "
    "`discount`, `order_total`, ...), newest first, kept by the stream consumer about a second behind a "
    "write. `limit` 1-100 (25); `exclusiveStartKey` the previous page's `LastEvaluatedKey`; `fields` a "
    "projection of the rows (plus `order_id`).",
    responses=_rows_doc("Usage rows, newest first."),
    tags=["search"],
)
def coupon_usages(
    tenantId: TenantId,
    couponType: Annotated[str, Path(min_length=1, max_length=100)],
    couponId: Annotated[str, Path(min_length=1, max_length=200)],
    limit: Limit = 25,
    exclusiveStartKey: StartKey = None,
    fields: Fields = None,
) -> Response[str]:
    return _page(
        tenantId, limit, exclusiveStartKey, fields, "coupon_usages", couponType, couponId, rows=_USAGE_ROWS
    )


@app.get(
    "/orders/<tenantId>/couponCodeUsages/<couponCodeId>",
    summary="A coupon code's usage rows",
    description="One row per use of the coupon code `couponCodeId`, newest first, kept by the stream "
    "consumer about a second behind a write. `limit` 1-100 (25); `exclusiveStartKey` the previous page's "
    "`LastEvaluatedKey`; `fields` a projection of the rows (plus `order_id`).",
    responses=_rows_doc("Usage rows, newest first."),
    tags=["search"],
)
def coupon_code_usages(
    tenantId: TenantId,
    couponCodeId: Annotated[str, Path(min_length=1, max_length=200)],
    limit: Limit = 25,
    exclusiveStartKey: StartKey = None,
    fields: Fields = None,
) -> Response[str]:
    return _page(
        tenantId, limit, exclusiveStartKey, fields, "coupon_code_usages", couponCodeId, rows=_USAGE_ROWS
    )


def _shippable(
    tenantId: TenantId,
    status: Annotated[
        str,
        Path(
            max_length=40, description="`awaiting shipment`, `partially shipped` or `shipped` (or with `_`)."
        ),
    ],
    limit: Limit = 25,
    exclusiveStartKey: StartKey = None,
    fields: Fields = None,
) -> Response[str]:
    fn.caller(tenantId)
    wanted = shipping_status(status)
    return _page(tenantId, limit, exclusiveStartKey, fields, "by_shipping_status", wanted)


for _path in ("/orders/<tenantId>/shippableStatus/<status>", "/orders/<tenantId>/shippable/status/<status>"):
    app.get(
        _path,
        summary="Shippable orders in one shipping status",
        description="The shippable orders whose `sys_shippable_status` is `status`, newest first. "
        + (
            "`GET /orders/{tenantId}/shippable/status/{status}` is the same list. "
            if "shippableStatus" in _path
            else "The same list as `GET /orders/{tenantId}/shippableStatus/{status}`, at the other path. "
        )
        + "`limit` 1-100 (25); `exclusiveStartKey` the previous page's `LastEvaluatedKey`; `fields` a "
        "projection of the rows.",
        # One name each: generated clients make one function per operationId.
        operation_id="shippable_orders_by_status"
        if "shippableStatus" in _path
        else "shippable_orders_by_status_alias",
        responses=_rows_doc("List rows, newest first."),
        tags=["search"],
    )(_shippable)


@app.get(
    "/orders/<tenantId>/installmentSchedule/<id>",
    summary="Orders of an installment schedule",
    description="The orders paid by the installment schedule `id`, newest first. "
    "`limit` 1-100 (25); `exclusiveStartKey` the previous page's `LastEvaluatedKey` (null on the last "
    "page); `fields` a projection of the rows.",
    responses=_rows_doc("List rows, newest first."),
    tags=["search"],
)
def by_installment_schedule(
    tenantId: TenantId,
    id: Annotated[str, Path(min_length=1, max_length=200)],
    limit: Limit = 25,
    exclusiveStartKey: StartKey = None,
    fields: Fields = None,
) -> Response[str]:
    return _page(tenantId, limit, exclusiveStartKey, fields, "by_installment_schedule", id)
