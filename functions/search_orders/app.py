"""search_orders: the tenant's orders newest first, search, every lookup (API.md, search_orders) and
the customer portal's views of a contact's or organization's own orders.

Every route is a Query on an index (or, for a search by id, a read by key): none Scans. Each answers
`{"Count", "Items", "LastEvaluatedKey"}`; `limit` 1-100 (default 25), `exclusiveStartKey` the
previous page's `LastEvaluatedKey` (signed, bound to the tenant and to this query), `fields` a
projection. Order lists answer whole orders, as seeds/003 does (the index page, then the orders by
key: BatchGetItem), or with `view=summary` the index's list rows alone.
"""

# No `from __future__ import annotations`: Powertools reads the route signatures at runtime.
from collections.abc import Callable
from typing import Annotated

# orders_domain first: it makes the Powertools event handler load only the resolver used here.
from orders_domain.http.api import Body, Path, Response, TenantId
from orders_domain.http.handler import FunctionApp
from orders_domain.http.list_pages import (
    LIST_PARAMETERS,
    USAGE_ROWS,
    ConsistentRead,
    Fields,
    Limit,
    PartyId,
    PartyType,
    StartKey,
    View,
    answer_page,
    orders_doc,
    portal_docs,
    portal_order,
    portal_page,
    rows_doc,
)
from orders_domain.http.representation import rows_answer
from orders_domain.models.search import SearchRequest
from orders_domain.services.search import BILL_TO, SHIP_TO, shipping_status

fn = FunctionApp()
app = fn.app
lambda_handler = fn.lambda_handler


@app.get(
    "/orders/<tenantId>",
    summary="The tenant's orders, newest first",
    description="Every order of the tenant, newest first: a Query on an index (never a Scan), then the "
    "orders by key. " + LIST_PARAMETERS,
    responses=orders_doc("The orders, newest first."),
    tags=["search"],
)
def list_orders(
    tenantId: TenantId,
    limit: Limit = 25,
    exclusiveStartKey: StartKey = None,
    fields: Fields = None,
    view: View = "full",
    consistentRead: ConsistentRead = False,
) -> Response[str]:
    return answer_page(
        fn, tenantId, limit, exclusiveStartKey, fields, "recent", view=view, consistent=consistentRead
    )


@app.post(
    "/orders/<tenantId>/search",
    summary="Search orders by ranges, lists and exact parties (a read)",
    description="Ranges are `[low, high]` (inclusive; `null` for an open end); lists match any value; "
    "all filters must hold (they are judged on the list rows). A page examines at most 500 rows: it may "
    "hold fewer than `limit` and still have a `LastEvaluatedKey`. " + LIST_PARAMETERS,
    responses=orders_doc("Matching orders, newest first."),
    tags=["search"],
)
def search_orders(
    tenantId: TenantId,
    filters: Annotated[SearchRequest, Body()],
    limit: Limit = 25,
    exclusiveStartKey: StartKey = None,
    fields: Fields = None,
    view: View = "full",
    consistentRead: ConsistentRead = False,
) -> Response[str]:
    return answer_page(
        fn,
        tenantId,
        limit,
        exclusiveStartKey,
        fields,
        "search",
        filters,
        view=view,
        consistent=consistentRead,
    )


@app.get(
    "/orders/<tenantId>/customer/<customerType>/<customerId>",
    summary="Orders where a contact or organization is bill-to or ship-to, each once",
    description="`customerType` `contact` or `organization`: the orders billed or shipped to that party "
    "(both lookups merged), newest first, an order billed and shipped to it listed once. " + LIST_PARAMETERS,
    responses=orders_doc("The orders, newest first."),
    tags=["search"],
)
def by_customer(
    tenantId: TenantId,
    customerType: PartyType,
    customerId: PartyId,
    limit: Limit = 25,
    exclusiveStartKey: StartKey = None,
    fields: Fields = None,
    view: View = "full",
    consistentRead: ConsistentRead = False,
) -> Response[str]:
    return answer_page(
        fn,
        tenantId,
        limit,
        exclusiveStartKey,
        fields,
        "by_customer",
        customerType,
        customerId,
        view=view,
        consistent=consistentRead,
    )


def _by_party(role: str, party_type: str) -> Callable[..., Response[str]]:
    def route(
        tenantId: TenantId,
        id: PartyId,
        limit: Limit = 25,
        exclusiveStartKey: StartKey = None,
        fields: Fields = None,
        view: View = "full",
        consistentRead: ConsistentRead = False,
    ) -> Response[str]:
        return answer_page(
            fn,
            tenantId,
            limit,
            exclusiveStartKey,
            fields,
            "by_party",
            role,
            party_type,
            id,
            view=view,
            consistent=consistentRead,
        )

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
        + LIST_PARAMETERS,
        responses=orders_doc("The orders, newest first."),
        tags=["search"],
    )(_by_party(_role, _type))


@app.get(
    "/orders/<tenantId>/coupon/<couponType>/<couponId>",
    summary="Orders that used a coupon, each once",
    description="The orders whose coupons include `couponType`/`couponId`, newest first, each once however "
    "often it used the coupon; found through the coupon's usage rows, which the stream consumer keeps "
    "about a second behind a write. " + LIST_PARAMETERS,
    responses=orders_doc(
        "The orders, newest first (the stream consumer keeps coupon usage about a second behind)."
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
    view: View = "full",
    consistentRead: ConsistentRead = False,
) -> Response[str]:
    # The orders' list rows when they answer (`view=summary`, or `fields` they carry), else only the
    # orders' ids, for the orders themselves to be read.
    from_rows = view == "summary" or (rows_answer(fields) and not consistentRead)
    return answer_page(
        fn,
        tenantId,
        limit,
        exclusiveStartKey,
        fields,
        "by_coupon" if from_rows else "coupon_order_ids",
        couponType,
        couponId,
        view=view,
        consistent=consistentRead,
    )


@app.get(
    "/orders/<tenantId>/couponUsages/<couponType>/<couponId>",
    summary="A coupon's usage rows",
    description="One row per use of the coupon `couponType`/`couponId` (`order_id`, `date`, `customer_id`, "
    "`discount`, `order_total`, ...), newest first, kept by the stream consumer about a second behind a "
    "write. `limit` 1-100 (25); `exclusiveStartKey` the previous page's `LastEvaluatedKey`; `fields` a "
    "projection of the rows (plus `order_id`).",
    responses=rows_doc("Usage rows, newest first."),
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
    return answer_page(
        fn, tenantId, limit, exclusiveStartKey, fields, "coupon_usages", couponType, couponId, rows=USAGE_ROWS
    )


@app.get(
    "/orders/<tenantId>/couponCodeUsages/<couponCodeId>",
    summary="A coupon code's usage rows",
    description="One row per use of the coupon code `couponCodeId`, newest first, kept by the stream "
    "consumer about a second behind a write. `limit` 1-100 (25); `exclusiveStartKey` the previous page's "
    "`LastEvaluatedKey`; `fields` a projection of the rows (plus `order_id`).",
    responses=rows_doc("Usage rows, newest first."),
    tags=["search"],
)
def coupon_code_usages(
    tenantId: TenantId,
    couponCodeId: Annotated[str, Path(min_length=1, max_length=200)],
    limit: Limit = 25,
    exclusiveStartKey: StartKey = None,
    fields: Fields = None,
) -> Response[str]:
    return answer_page(
        fn, tenantId, limit, exclusiveStartKey, fields, "coupon_code_usages", couponCodeId, rows=USAGE_ROWS
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
    view: View = "full",
    consistentRead: ConsistentRead = False,
) -> Response[str]:
    fn.caller(tenantId)
    wanted = shipping_status(status)
    return answer_page(
        fn,
        tenantId,
        limit,
        exclusiveStartKey,
        fields,
        "by_shipping_status",
        wanted,
        view=view,
        consistent=consistentRead,
    )


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
        + LIST_PARAMETERS,
        # One name each: generated clients make one function per operationId.
        operation_id="shippable_orders_by_status"
        if "shippableStatus" in _path
        else "shippable_orders_by_status_alias",
        responses=orders_doc("The orders, newest first."),
        tags=["search"],
    )(_shippable)


@app.get(
    "/orders/<tenantId>/installmentSchedule/<id>",
    summary="Orders of an installment schedule",
    description="The orders paid by the installment schedule `id`, newest first. " + LIST_PARAMETERS,
    responses=orders_doc("The orders, newest first."),
    tags=["search"],
)
def by_installment_schedule(
    tenantId: TenantId,
    id: Annotated[str, Path(min_length=1, max_length=200)],
    limit: Limit = 25,
    exclusiveStartKey: StartKey = None,
    fields: Fields = None,
    view: View = "full",
    consistentRead: ConsistentRead = False,
) -> Response[str]:
    return answer_page(
        fn,
        tenantId,
        limit,
        exclusiveStartKey,
        fields,
        "by_installment_schedule",
        id,
        view=view,
        consistent=consistentRead,
    )


OrderId = Annotated[str, Path(max_length=80, description="An order id, or `token-<token>`.")]


@app.get("/orders/<tenantId>/portal/contact/<contactId>", **portal_docs("contact", one=False))
def portal_contact_orders(
    tenantId: TenantId,
    contactId: PartyId,
    limit: Limit = 25,
    exclusiveStartKey: StartKey = None,
    fields: Fields = None,
    consistentRead: ConsistentRead = False,
) -> Response[str]:
    return portal_page(fn, tenantId, ("contact", contactId), limit, exclusiveStartKey, fields, consistentRead)


@app.get("/orders/<tenantId>/portal/contact/<contactId>/<id>", **portal_docs("contact", one=True))
def portal_contact_order(
    tenantId: TenantId,
    contactId: PartyId,
    id: OrderId,
    fields: Fields = None,
    consistentRead: ConsistentRead = False,
) -> Response[str]:
    return portal_order(fn, tenantId, ("contact", contactId), id, fields, consistentRead)


@app.get("/orders/<tenantId>/portal/organization/<organizationId>", **portal_docs("organization", one=False))
def portal_organization_orders(
    tenantId: TenantId,
    organizationId: PartyId,
    limit: Limit = 25,
    exclusiveStartKey: StartKey = None,
    fields: Fields = None,
    consistentRead: ConsistentRead = False,
) -> Response[str]:
    return portal_page(
        fn, tenantId, ("organization", organizationId), limit, exclusiveStartKey, fields, consistentRead
    )


@app.get(
    "/orders/<tenantId>/portal/organization/<organizationId>/<id>", **portal_docs("organization", one=True)
)
def portal_organization_order(
    tenantId: TenantId,
    organizationId: PartyId,
    id: OrderId,
    fields: Fields = None,
    consistentRead: ConsistentRead = False,
) -> Response[str]:
    return portal_order(fn, tenantId, ("organization", organizationId), id, fields, consistentRead)
