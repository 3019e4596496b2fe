"""patch_order: change an order (JSON Patch, PUT), soft-delete it, or run a batch of operations.

`If-Match` (the order's `ETag`) makes a change conditional: 412 when the order moved on. Without it a
change that meets a concurrent one is read and applied again (services.write_loop): none is lost.
"""

# No `from __future__ import annotations`: Powertools reads the route signatures at runtime.
from typing import Annotated, Any

# orders_domain first: it makes the Powertools event handler load only the resolver used here.
from orders_domain import models
from orders_domain.domain.errors import InternalFault, UnsupportedMediaType
from orders_domain.domain.jsonio import dumps
from orders_domain.http.api import (
    APPLICATION_JSON,
    ETAG_HEADER,
    REPLAYED_HEADER,
    Body,
    OpenAPIResponse,
    OrderRef,
    Response,
    TenantId,
    if_match_version,
    json_content,
    json_response,
    json_text_response,
)
from orders_domain.http.handler import FunctionApp
from orders_domain.http.idempotency import StoredResponse
from orders_domain.http.representation import order_body, order_headers, order_json
from orders_domain.models.requests import BatchRequest, JsonPatchOperation
from orders_domain.models.types import fits_stored
from orders_domain.runtime import wiring
from orders_domain.services.common import request_fingerprint

fn = FunctionApp()
app = fn.app
lambda_handler = fn.lambda_handler

JSON_PATCH = "application/json-patch+json"
#: Statuses a client retries (API.md: in progress or conflicting, throttled, unavailable).
RETRYABLE_STATUSES = frozenset({409, 429, 503})


def batch_answer(body: dict[str, Any], orders: dict[int, models.Order]) -> str:
    """The batch's answer as JSON text, with each changed order (`orders` by result position) as its
    result's `object`. The batch has written by now, so its answer must be stored whatever happens
    here: when the orders cannot be rendered, or would not fit a stored answer (a keyed batch's,
    MAX_ORDER_STORED_BYTES), each such result carries its order's `sys_version` instead of the order
    (`objects_omitted: true`; GET them) — never a 500 that would let a retry run the batch again."""
    try:
        for position, order in orders.items():
            body["results"][position]["object"] = order_body(order)
        text = dumps(body)
        if fits_stored(text):
            return text
    except Exception:  # the operations ran: answer without the orders, never fail
        fn.logger.exception("the batch's orders could not be rendered; answering their versions")
    for position, order in orders.items():
        entry = body["results"][position]
        entry.pop("object", None)
        entry["sys_version"] = order.sys_version
    body["objects_omitted"] = True
    return dumps(body)


_ORDER_ANSWER: dict[int, OpenAPIResponse] = {
    200: {
        "description": "The order as it is now; `ETag` is its new version.",
        "headers": {"ETag": ETAG_HEADER},
        "content": json_content(lambda: models.OrderResponse),
    }
}


def _if_match() -> int | None:
    return if_match_version(fn.header("If-Match"))


def _order_answer(order: models.Order) -> Response[str]:
    return json_text_response(200, order_json(order), headers=order_headers(order))


@app.patch(
    "/orders/<tenantId>/<id>",
    summary="Change an order with a JSON Patch (RFC 6902)",
    description="Send `application/json-patch+json` (or `application/json`). Server-set fields, "
    "`/payments` and line counters are protected (400); a failed `test` is a 409 "
    "`patch_test_failed`; an operation that cannot apply is a 422; the result is validated "
    "and repriced as an order, or nothing changes. Optional `If-Match`.",
    responses=_ORDER_ANSWER,
    tags=["orders"],
)
def patch_order(
    tenantId: TenantId,
    id: OrderRef,
    operations: Annotated[
        list[JsonPatchOperation],
        Body(
            media_type=JSON_PATCH,
            min_length=1,
            max_length=100,
            examples=[
                [
                    {"op": "test", "path": "/currency_code", "value": "USD"},
                    {"op": "add", "path": "/memo", "value": "Leave at the box office"},
                ]
            ],
        ),
    ],
) -> Response[str]:
    caller = fn.caller(tenantId)
    media_type = (fn.header("Content-Type") or APPLICATION_JSON).split(";")[0].strip().lower()
    if media_type not in (APPLICATION_JSON, JSON_PATCH):
        raise UnsupportedMediaType(
            f"Send a JSON Patch as {JSON_PATCH} (or {APPLICATION_JSON}), not {media_type}."
        )
    order = wiring.current().change_orders.patch(
        tenantId,
        id,
        [op.as_json() for op in operations],
        actor=caller.principal.key_id,
        if_match=_if_match(),
    )
    return _order_answer(order)


@app.put(
    "/orders/<tenantId>/<id>",
    summary="Replace an order's client-writable fields (or cancel it)",
    description="The whole order as a client holds it (server-set fields may be echoed unchanged); "
    'fields left out are cleared. `{"status": "cancelled"}` alone cancels the order. Optional `If-Match`.',
    responses=_ORDER_ANSWER,
    tags=["orders"],
)
def put_order(tenantId: TenantId, id: OrderRef, order: Annotated[dict[str, Any], Body()]) -> Response[str]:
    caller = fn.caller(tenantId)
    changed = wiring.current().change_orders.put(
        tenantId, id, order, actor=caller.principal.key_id, if_match=_if_match()
    )
    return _order_answer(changed)


@app.delete(
    "/orders/<tenantId>/<id>",
    summary="Delete an order (soft; admin)",
    description="Only an order with nothing paid or fulfilled (else 409). It leaves every read, lookup "
    "and page; its number is never reused. Answers the order's id as a JSON string.",
    responses={200: {"description": "The deleted order's id.", "content": json_content(lambda: str)}},
    tags=["orders"],
)
def delete_order(tenantId: TenantId, id: OrderRef) -> Response[str]:
    caller = fn.caller(tenantId)
    deleted = wiring.current().change_orders.delete(
        tenantId, id, actor=caller.principal.key_id, if_match=_if_match()
    )
    fn.count("OrderDeleted")
    return json_response(200, deleted.id)


@app.post(
    "/orders/<tenantId>/batch",
    summary="Up to 100 create / patch / delete operations, each on its own (admin)",
    description="One failing operation does not stop or undo the others: each has its outcome. "
    "`Idempotency-Key` replays the whole batch's answer.",
    responses={
        200: {
            "description": "`success_count`, `error_count` and one result per operation, in order.",
            "headers": {"Idempotent-Replayed": REPLAYED_HEADER},
            "content": json_content(lambda: models.BatchResponse),
        }
    },
    tags=["orders"],
)
def batch(tenantId: TenantId, request: Annotated[BatchRequest, Body()]) -> Response[str]:
    caller = fn.caller(tenantId)
    key = fn.idempotency_key()
    fingerprint = request_fingerprint(request)

    def run() -> StoredResponse:
        results = wiring.current().run_batch.run(
            tenantId, request.operations, actor=caller.principal.key_id, idempotency_key=key
        )
        body: dict[str, Any] = {
            "success_count": sum(r.error is None for r in results),
            "error_count": sum(r.error is not None for r in results),
            "results": [],
        }
        orders: dict[int, models.Order] = {}
        for position, result in enumerate(results):
            entry: dict[str, Any] = {
                "operation": result.operation,
                "id": result.id,
                "outcome": result.outcome,
            }
            if result.error is not None:
                error = result.error
                if isinstance(error, InternalFault):
                    fn.logger.error(
                        "batch operation failed unexpectedly",
                        exc_info=(type(error.cause), error.cause, error.cause.__traceback__),
                    )
                details = "; ".join(f"{e.field}: {e.error}" for e in error.errors)
                entry["error_message"] = f"{error.detail} {details}".strip()
                entry["status"] = error.status
                entry["code"] = error.code
                if result.idempotency_key and error.status in RETRYABLE_STATUSES:
                    entry["error_message"] += (
                        f" Send this create alone (POST /orders/{tenantId}) with Idempotency-Key "
                        f"{result.idempotency_key}: it finds the order if it was made, else makes it."
                    )
            if result.idempotency_key:
                entry["idempotency_key"] = result.idempotency_key
            elif result.order is not None and result.operation != "delete":
                orders[position] = result.order
            body["results"].append(entry)
        return StoredResponse(status=200, body=batch_answer(body, orders), headers={})

    return fn.idempotent(tenant_id=tenantId, key=key, fingerprint=fingerprint, operation=run)
