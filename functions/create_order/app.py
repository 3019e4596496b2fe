"""create_order: POST /orders/{tenantId} (create) and POST /orders/{tenantId}/preview (price only)."""

# No `from __future__ import annotations`: Powertools reads the route signatures at runtime.
from functools import lru_cache
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from orders_domain import idempotency
from orders_domain.api import (
    ETAG_HEADER,
    LOCATION_HEADER,
    REPLAYED_HEADER,
    build_resolver,
    dumps,
    header,
    json_response,
    require_caller,
    resolve,
    stored_response,
)
from orders_domain.auth import TENANT_ID_PATTERN, default_repository
from orders_domain.idempotency import StoredResponse
from orders_domain.models import OrderCreateRequest, OrderResponse, PreviewResponse
from orders_domain.orders import OrderService, request_fingerprint
from orders_domain.representation import order_body

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = build_resolver()

TenantId = Annotated[str, Path(pattern=TENANT_ID_PATTERN, description="The tenant that owns the orders.")]
CREATE_ROUTE = "POST /orders/{tenantId}"


@lru_cache(maxsize=1)
def service() -> OrderService:
    return OrderService(default_repository())


@app.post(
    "/orders/<tenantId>",
    summary="Create an order",
    description=(
        "The server sets id, number, token, status, every money total and sys_* fields. "
        "Send `Idempotency-Key` (or `duplicate_prevention_key`) to make retries safe."
    ),
    responses={
        201: {
            "description": "Created; `Location` names the new order, `ETag` is its version.",
            "headers": {
                "Location": LOCATION_HEADER,
                "ETag": ETAG_HEADER,
                "Idempotent-Replayed": REPLAYED_HEADER,
            },
            "content": {"application/json": {"model": OrderResponse}},
        }
    },
    tags=["orders"],
)
def create_order(tenantId: TenantId, order: Annotated[OrderCreateRequest, Body()]) -> Response[str]:
    caller = require_caller(app, tenantId)
    key = idempotency.parse_key(header(app, "Idempotency-Key"), order.duplicate_prevention_key)
    fingerprint = request_fingerprint(order)
    location_base = str(app.current_event.request_context.path or app.current_event.path).rstrip("/")

    def create() -> StoredResponse:
        result = service().create(
            order,
            tenant_id=tenantId,
            actor=caller.principal.key_id,
            idempotency_key=key,
            fingerprint=fingerprint,
        )
        created = result.order
        if not result.replayed:
            logger.info("order created", extra={"order_id": created.id, "tenant_id": tenantId})
            metrics.add_metric(name="OrderCreated", unit=MetricUnit.Count, value=1)
        return StoredResponse(
            status=201,
            body=dumps(order_body(created)),
            headers={"Location": f"{location_base}/{created.id}", "ETag": f'"{created.sys_version}"'},
            replayed=result.replayed,
        )

    stored = idempotency.run_once(
        tenant_id=tenantId,
        route=CREATE_ROUTE,
        key=key,
        fingerprint=fingerprint,
        operation=create,
        lambda_context=app.lambda_context,
    )
    if stored.replayed:
        metrics.add_metric(name="IdempotentReplay", unit=MetricUnit.Count, value=1)
    return stored_response(stored)


@app.post(
    "/orders/<tenantId>/preview",
    summary="Price an order without saving it",
    responses={
        200: {
            "description": "The manifest of what is due and the computed order (no id, number or token).",
            "content": {"application/json": {"model": PreviewResponse}},
        }
    },
    tags=["orders"],
)
def preview_order(tenantId: TenantId, order: Annotated[OrderCreateRequest, Body()]) -> Response[str]:
    caller = require_caller(app, tenantId)
    priced = service().preview(order, tenant_id=tenantId, actor=caller.principal.key_id)
    body: dict[str, Any] = {
        "manifest": priced.manifest.model_dump(mode="python"),
        "order": order_body(priced.order),
    }
    for placeholder in ("id", "number", "token", "_links"):
        body["order"].pop(placeholder, None)
    return json_response(200, body)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve(app, event, context)
