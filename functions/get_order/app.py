"""get_order: GET /orders/{tenantId}/{id}, where id may be `token-<guest token>`."""

# No `from __future__ import annotations`: Powertools reads the route signatures at runtime.
from typing import Annotated

# orders_domain first: it makes the Powertools event handler load only the resolver used here.
from orders_domain import models, wiring
from orders_domain.api import ETAG_HEADER, Path, Query, Response, json_content, json_text_response
from orders_domain.auth import TENANT_ID_PATTERN
from orders_domain.handler import FunctionApp
from orders_domain.representation import order_headers, order_json

fn = FunctionApp()
app = fn.app
lambda_handler = fn.lambda_handler


@app.get(
    "/orders/<tenantId>/<id>",
    summary="Get an order by id, or by guest token as `token-<token>`",
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
) -> Response[str]:
    fn.caller(tenantId)
    order = wiring.current().read_orders.get(tenantId, id, consistent=consistentRead)
    return json_text_response(200, order_json(order, fields), headers=order_headers(order))
