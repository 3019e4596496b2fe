"""get_order: GET /orders/{tenantId}/{id}, where id may be `token-<guest token>`."""

# No `from __future__ import annotations`: Powertools reads the route signatures at runtime.
from functools import lru_cache
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from orders_domain.api import ETAG_HEADER, build_resolver, json_response, require_caller, resolve
from orders_domain.auth import TENANT_ID_PATTERN, default_repository
from orders_domain.models import OrderResponse
from orders_domain.orders import OrderService
from orders_domain.representation import order_body

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = build_resolver()


@lru_cache(maxsize=1)
def service() -> OrderService:
    return OrderService(default_repository())


@app.get(
    "/orders/<tenantId>/<id>",
    summary="Get an order by id, or by guest token as `token-<token>`",
    responses={
        200: {
            "description": "The order; `ETag` is its version.",
            "headers": {"ETag": ETAG_HEADER},
            "content": {"application/json": {"model": OrderResponse}},
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
    require_caller(app, tenantId)
    order = service().get(tenantId, id, consistent=consistentRead)
    return json_response(200, order_body(order, fields), headers={"ETag": f'"{order.sys_version}"'})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve(app, event, context)
