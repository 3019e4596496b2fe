"""fulfill_order: fulfil an order, whole or in part, and the Fulfillments resource (API.md; seeds/002);
the theatre API's `POST /v3/orders/{id}/fulfill` (seeds/000) over the same fulfil.

`POST .../{id}/fulfill` writes the order and a fulfillment record in one transaction and answers the
order (`Location` names the fulfillment). The list answers `{"data", "has_more"}`, newest first,
paged by fulfillment ids both ways; the seed's camelCase parameter names (`startingAfter`,
`endingBefore`, `orderId`, `trackingCompany`, `trackingNumber`, `createdTime[gt]`) are accepted too.
"""

# No `from __future__ import annotations`: Powertools reads the route signatures at runtime.
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

# orders_domain first: it makes the Powertools event handler load only the resolver used here.
from orders_domain import models
from orders_domain.dialects import theatre, theatre_schemas
from orders_domain.domain.errors import FieldError, ValidationFailed
from orders_domain.domain.jsonio import dumps
from orders_domain.http.api import (
    ETAG_HEADER,
    LOCATION_HEADER,
    REPLAYED_HEADER,
    Body,
    OpenAPIResponse,
    OrderRef,
    Path,
    Query,
    RequestInfo,
    Response,
    TenantId,
    if_match_version,
    json_content,
    json_text_response,
)
from orders_domain.http.handler import FunctionApp
from orders_domain.http.idempotency import StoredResponse
from orders_domain.http.representation import order_headers, order_json
from orders_domain.models import Order
from orders_domain.models.fulfillments import (
    Fulfillment,
    FulfillmentList,
    FulfillmentUpdate,
    FulfilRequest,
    fulfillment_json,
)
from orders_domain.models.types import MOMENT_RANGE, parse_moment
from orders_domain.runtime import wiring
from orders_domain.services.common import ORDER_ID_RE, target_fingerprint
from orders_domain.services.fulfillments import FulfillmentQuery
from orders_domain.services.write_loop import Changed

fn = FunctionApp()
app = fn.app
lambda_handler = fn.lambda_handler

FulfillmentId = Annotated[str, Path(max_length=80, description="A fulfillment id (`<order id>.<n>`).")]
Text = Annotated[str | None, Query(max_length=200)]
Moment = Annotated[
    str | None, Query(max_length=40, description="An ISO-8601 date-time (UTC unless it says).")
]

#: The seed's camelCase names of the list's parameters (API.md's snake_case names are the same ones).
CAMEL_NAMES = {
    "starting_after": "startingAfter",
    "ending_before": "endingBefore",
    "order_id": "orderId",
    "tracking_company": "trackingCompany",
    "tracking_number": "trackingNumber",
    "created_time": "createdTime",
    "created_time[gt]": "createdTime[gt]",
    "created_time[gte]": "createdTime[gte]",
    "created_time[lt]": "createdTime[lt]",
    "created_time[lte]": "createdTime[lte]",
}
MAX_IDS = 100


def _if_match() -> int | None:
    return if_match_version(fn.header("If-Match"))


def _moment(name: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    moment = parse_moment(value)
    if moment is None:
        raise ValidationFailed(
            f"{name} is not a date-time in range.", errors=[FieldError(name, MOMENT_RANGE)]
        )
    return moment


def _param(name: str) -> str | None:
    """A query parameter by API.md's name, else by the seed's camelCase one."""
    params = app.current_event.query_string_parameters or {}
    value = params.get(name)
    if value is None and name in CAMEL_NAMES:
        value = params.get(CAMEL_NAMES[name])
    if value is not None and len(value) > 2000:
        raise ValidationFailed(f"{name} is too long.", errors=[FieldError(name, "at most 2000 characters")])
    return value


@app.post(
    "/orders/<tenantId>/<id>/fulfill",
    summary="Fulfil an order, whole or in part",
    description="No body: every open unit is fulfilled. `items`: fulfil `quantity` and cancel "
    "`cancel_quantity` units per line. What is fulfilled is captured (`pending` -> `settled`). "
    "Creates a fulfillment record (`Location`). More than is open: 422; a cancelled, voided or "
    "closed order: 409. Optional `If-Match` and `Idempotency-Key`.",
    responses={
        200: {
            "description": "The order as it is now; `Location` names the new fulfillment.",
            "headers": {
                "ETag": ETAG_HEADER,
                "Location": LOCATION_HEADER,
                "Idempotent-Replayed": REPLAYED_HEADER,
            },
            "content": json_content(lambda: models.OrderResponse),
        }
    },
    tags=["fulfillments"],
)
def fulfill_order(
    tenantId: TenantId, id: OrderRef, request: Annotated[FulfilRequest | None, Body()] = None
) -> Response[str]:
    return _fulfil(fn.caller(tenantId), id, request, order_json)


def _fulfil(
    caller: RequestInfo, ref: str, request: FulfilRequest | None, render: Callable[[Order], str]
) -> Response[str]:
    """Fulfil at most once per Idempotency-Key and answer the order as `render` writes it."""
    tenant_id = caller.tenant_id

    def write(actor: str, if_match: int | None, write_key: str | None) -> Changed:
        return wiring.current().fulfil_orders.fulfil(
            tenant_id, ref, request, actor=actor, if_match=if_match, write_key=write_key
        )

    def answer(written: Changed) -> StoredResponse:
        headers = order_headers(written.order)
        if written.fulfillment is not None:
            headers["Location"] = f"/orders/{tenant_id}/fulfillments/{written.fulfillment.id}"
        fn.count("OrderFulfil")
        return StoredResponse(status=200, body=render(written.order), headers=headers)

    return fn.write_once(caller, target_fingerprint(ref, request or FulfilRequest()), write, answer)


@app.post(
    "/v3/orders/<id>/fulfill",
    summary="The theatre API's fulfil (seeds/000): every open unit, 200",
    description="No body. Every open unit is fulfilled and captured, as "
    "`POST /orders/{tenantId}/{id}/fulfill` with no body; the answer is the theatre order. "
    "Optional `If-Match` and `Idempotency-Key`. "
    "The tenant is the key's.",
    responses={
        200: {
            "description": "The order in the theatre API's shape.",
            "headers": {"ETag": ETAG_HEADER, "Idempotent-Replayed": REPLAYED_HEADER},
            "content": {"application/json": {"schema": theatre_schemas.ORDER_SCHEMA}},
        }
    },
    tags=["theatre"],
)
def fulfill_theatre_order(id: OrderRef) -> Response[str]:
    return _fulfil(fn.key_caller(), id, None, theatre.order_text(fn.base_url()))


@app.get(
    "/orders/<tenantId>/fulfillments",
    summary="List fulfillments, newest first",
    description="Cursors are fulfillment ids: `starting_after` pages on to older ones, `ending_before` "
    "back to newer ones. Filters: `ids` (comma-separated, at most 100), `order_id`, `sku`, "
    "`tracking_company`, `tracking_number`, `created_time` (exact) or `created_time[gt|gte|lt|lte]`. "
    "The seed's camelCase names are accepted too. A page examines at most 500 fulfillments: a sparse "
    "filter may answer a short page with `has_more` true.",
    responses={200: {"description": "A page.", "content": json_content(lambda: FulfillmentList)}},
    tags=["fulfillments"],
)
def list_fulfillments(
    tenantId: TenantId,
    limit: Annotated[int, Query(ge=1, le=100, description="Fulfillments per page (default 10).")] = 10,
    starting_after: Annotated[str | None, Query(max_length=80)] = None,
    ending_before: Annotated[str | None, Query(max_length=80)] = None,
    ids: Annotated[str | None, Query(max_length=8200, description="Comma-separated fulfillment ids.")] = None,
    order_id: Annotated[str | None, Query(max_length=64)] = None,
    sku: Text = None,
    tracking_company: Text = None,
    tracking_number: Text = None,
    created_time: Moment = None,
    created_time_gt: Annotated[str | None, Query(alias="created_time[gt]", max_length=40)] = None,
    created_time_gte: Annotated[str | None, Query(alias="created_time[gte]", max_length=40)] = None,
    created_time_lt: Annotated[str | None, Query(alias="created_time[lt]", max_length=40)] = None,
    created_time_lte: Annotated[str | None, Query(alias="created_time[lte]", max_length=40)] = None,
) -> Response[str]:
    fn.caller(tenantId)
    id_list = tuple(i.strip() for i in (_param("ids") or "").split(",") if i.strip())
    if len(id_list) > MAX_IDS:
        raise ValidationFailed("Too many ids.", errors=[FieldError("ids", f"at most {MAX_IDS} ids")])
    order_id = _param("order_id")
    if order_id is not None and not ORDER_ID_RE.match(order_id):
        raise ValidationFailed(
            "order_id is not an order id.", errors=[FieldError("order_id", "not an order id")]
        )
    exact = _moment("created_time", _param("created_time"))
    query = FulfillmentQuery(
        limit=limit,
        starting_after=_param("starting_after"),
        ending_before=_param("ending_before"),
        ids=id_list,
        order_id=order_id,
        sku=_param("sku"),
        tracking_company=_param("tracking_company"),
        tracking_number=_param("tracking_number"),
        created_gt=_moment("created_time[gt]", _param("created_time[gt]")),
        created_gte=_moment("created_time[gte]", _param("created_time[gte]")) or exact,
        created_lt=_moment("created_time[lt]", _param("created_time[lt]")),
        created_lte=_moment("created_time[lte]", _param("created_time[lte]")) or exact,
    )
    rows, has_more = wiring.current().fulfil_orders.find(tenantId, query)
    text = '{"data":[' + ",".join(fulfillment_json(f) for f in rows) + '],"has_more":' + dumps(has_more) + "}"
    return json_text_response(200, text)


_FULFILLMENT_ANSWER: dict[int, OpenAPIResponse] = {
    200: {
        "description": "The fulfillment; `ETag` is its version.",
        "headers": {"ETag": ETAG_HEADER},
        "content": json_content(lambda: Fulfillment),
    }
}


def _fulfillment_answer(fulfillment: Fulfillment) -> Response[str]:
    return json_text_response(
        200, fulfillment_json(fulfillment), headers={"ETag": f'"{fulfillment.sys_version}"'}
    )


@app.get(
    "/orders/<tenantId>/fulfillments/<fulfillmentId>",
    summary="Get a fulfillment",
    description="One fulfillment record (seeds/002) of the tenant: what one fulfil call did to an order. "
    "`ETag` is its version, for `If-Match` on `PATCH`.",
    responses=_FULFILLMENT_ANSWER,
    tags=["fulfillments"],
)
def get_fulfillment(tenantId: TenantId, fulfillmentId: FulfillmentId) -> Response[str]:
    fn.caller(tenantId)
    return _fulfillment_answer(wiring.current().fulfil_orders.get(tenantId, fulfillmentId))


@app.patch(
    "/orders/<tenantId>/fulfillments/<fulfillmentId>",
    summary="Update a fulfillment's tracking; record a will-call pickup",
    description="`tracking_company`, `tracking_number`, `tracking_url`; `picked_up: true` records the "
    "pickup of every line it fulfilled, `items: [{order_line_item_id, picked_up: true}]` of some "
    "(the order's lines are marked too: the will-call check reads them). A pickup is never taken back. "
    "Optional `If-Match` (the fulfillment's `ETag`).",
    responses=_FULFILLMENT_ANSWER,
    tags=["fulfillments"],
)
def update_fulfillment(
    tenantId: TenantId, fulfillmentId: FulfillmentId, update: Annotated[FulfillmentUpdate, Body()]
) -> Response[str]:
    caller = fn.caller(tenantId)
    changed = wiring.current().fulfil_orders.update(
        tenantId, fulfillmentId, update, actor=caller.principal.key_id, if_match=_if_match()
    )
    return _fulfillment_answer(changed)
