"""Test helpers shared by both tiers: events from events/, handler invocation, API keys."""

from __future__ import annotations

import copy
import importlib
import json
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from local.lambda_runtime import FakeLambdaContext
from local.stream_records import next_version

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
TEMPLATE = ROOT / "template.yaml"
ALL_SCOPES = "orders:read orders:write orders:admin"
#: (endpoint, table names) of every table set a test made this session (None: moto), in order: the
#: stream replay test of the integration tier replays every record the suite wrote.
SESSION_TABLES: list[tuple[str | None, dict[str, str]]] = []


def item_key(key: dict[str, str]) -> dict[str, dict[str, str]]:
    """A key of storage.keys as DynamoDB's typed attributes: {"PK": {"S": ...}, "SK": {"S": ...}}."""
    return {name: {"S": value} for name, value in key.items()}


def load_event(name: str) -> dict[str, Any]:
    """An event exactly as `sam local invoke -e events/<name>` would pass it."""
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return event


def handler_module(function: str) -> Any:
    return importlib.import_module(f"functions.{function}.app")


def invoke(function: str, event: dict[str, Any], context: FakeLambdaContext | None = None) -> dict[str, Any]:
    result: dict[str, Any] = handler_module(function).lambda_handler(
        event, context or FakeLambdaContext(function_name=function)
    )
    return result


def reset_caches() -> None:
    """Forget cached settings, clients and services so each test sees its own tables."""
    from orders_domain.runtime import wiring

    wiring.reset()


def with_caller(
    event: dict[str, Any], tenant_id: str = "tenant-a", scopes: str = ALL_SCOPES, key_id: str = "key_test"
) -> dict[str, Any]:
    """The event as the authorizer would pass it on for this caller, with a fresh request id."""
    event = copy.deepcopy(event)
    ctx = event["requestContext"]
    ctx["authorizer"] = {"principalId": key_id, "tenant_id": tenant_id, "scopes": scopes, "key_id": key_id}
    ctx["requestId"] = str(uuid.uuid4())
    return event


def for_tenant(event: dict[str, Any], tenant_id: str) -> dict[str, Any]:
    event = copy.deepcopy(event)
    event["path"] = event["path"].replace("/tenant-a", f"/{tenant_id}", 1)
    event["requestContext"]["path"] = event["requestContext"]["path"].replace("/tenant-a", f"/{tenant_id}", 1)
    event["pathParameters"]["tenantId"] = tenant_id
    return event


def with_body(event: dict[str, Any], body: Any) -> dict[str, Any]:
    event = copy.deepcopy(event)
    event["body"] = body if isinstance(body, str) or body is None else json.dumps(body)
    return event


def with_headers(event: dict[str, Any], **headers: str | None) -> dict[str, Any]:
    event = copy.deepcopy(event)
    for raw_name, value in headers.items():
        name = raw_name.replace("_", "-")
        for field in ("headers", "multiValueHeaders"):
            bag = event.get(field) or {}
            for existing in [k for k in bag if k.lower() == name.lower()]:
                del bag[existing]
            if value is not None:
                bag[name] = value if field == "headers" else [value]
            event[field] = bag
    return event


def get_event_for(
    order_id: str, tenant_id: str = "tenant-a", query: dict[str, str] | None = None
) -> dict[str, Any]:
    return _order_event("get_order.json", "", order_id, tenant_id, query)


def _order_event(
    name: str, suffix: str, order_id: str, tenant_id: str, query: dict[str, str] | None
) -> dict[str, Any]:
    """events/<name> (a route under /orders/{tenantId}/{id}<suffix>) for this order, tenant and query."""
    event = load_event(name)
    event["path"] = f"/orders/{tenant_id}/{order_id}{suffix}"
    event["requestContext"]["path"] = f"/v1/orders/{tenant_id}/{order_id}{suffix}"
    event["pathParameters"] = {"tenantId": tenant_id, "id": order_id}
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    return with_caller(event, tenant_id)


def body_of(response: dict[str, Any]) -> Any:
    from orders_domain.http.api import loads

    return loads(response["body"]) if response.get("body") else None


def header_of(response: dict[str, Any], name: str) -> str | None:
    for key, value in (response.get("headers") or {}).items():
        if key.lower() == name.lower():
            return str(value)
    for key, values in (response.get("multiValueHeaders") or {}).items():
        if key.lower() == name.lower() and values:
            return str(values[0])
    return None


def create_event(body: Any | None = None, key: str | None = None, tenant: str = "tenant-a") -> dict[str, Any]:
    """events/create_order.json with another body, Idempotency-Key (None: none) and tenant."""
    event = with_headers(load_event("create_order.json"), **{"Idempotency-Key": key})
    if body is not None:
        event = with_body(event, body)
    if tenant != "tenant-a":
        event = for_tenant(event, tenant)
    return with_caller(event, tenant)


def seed_key(tenant_id: str, api_key: str, scopes: list[str] | None = None) -> None:
    """Store a key (hashed) in the current tables, the way `make api-key` does."""
    from orders_domain.http.auth import store_api_key
    from orders_domain.http.routes import ALL_SCOPES
    from orders_domain.runtime import wiring

    store_api_key(wiring.current().api_keys, tenant_id, api_key, scopes or list(ALL_SCOPES))


def function_modules() -> list[str]:
    """The handler module of every function in template.yaml (so a new function is covered by itself)."""
    from local.gateway import function_handlers
    from local.tables import load_template

    return sorted({module for module, _ in function_handlers(load_template(TEMPLATE)).values()})


def authorizer_module() -> str:
    """The handler module of the function behind the API's DefaultAuthorizer in template.yaml."""
    from local.gateway import authorizer_function_id, function_handlers
    from local.tables import load_template

    template = load_template(TEMPLATE)
    function_id = authorizer_function_id(template)
    assert function_id is not None, "template.yaml names no DefaultAuthorizer function"
    return function_handlers(template)[function_id][0]


#: A create request with two coupons (one by code) billed to a contact: coupon usage rows in both tiers.
COUPON_ORDER_REQUEST: dict[str, Any] = {
    "bill_to_type": "contact",
    "bill_to_contact_id": "c-42",
    "line_items": [{"description": "Ticket", "quantity": 2, "unit_price": "20.00"}],
    "coupons": [
        {"coupon_id": "WINTER", "coupon_type": "promo", "discount": "3.00"},
        {"coupon_id": "K", "coupon_type": "code", "coupon_code_id": "CODE-9", "discount": "1.00"},
    ],
}

#: A stored order document with two coupons (one by code), for coupon usage tests in both tiers.
COUPON_ORDER: dict[str, Any] = {
    "id": "o1",
    "number": 42,
    "date": "2026-11-24T10:00:00Z",
    "total": "90.00",
    "bill_to_type": "contact",
    "bill_to_contact_id": "c-7",
    "coupons": [
        {"coupon_id": "SUMMER", "coupon_type": "promo", "discount": "5.00"},
        {"coupon_code_id": "CODE-1", "coupon_type": "code", "coupon_id": "K", "discount": "2.50"},
    ],
}


def history_event_for(
    order_id: str, tenant_id: str = "tenant-a", query: dict[str, str] | None = None
) -> dict[str, Any]:
    return _order_event("get_order_history.json", "/history", order_id, tenant_id, query)


def write_next_version(order: Any, **changes: Any) -> Any:
    """Write the order's next version through the domain's repository (a conditional replace), as
    the update operations will; the version written."""
    from orders_domain.runtime import wiring

    changed = next_version(order, **changes)
    wiring.current().orders.replace(changed, expected_version=order.sys_version)
    return changed


def get_order_text(order_id: str, query: dict[str, str] | None = None) -> tuple[int, str]:
    """GET /orders/tenant-a/{id}: status and body text (what a client saw, byte for byte)."""
    response = invoke("get_order", get_event_for(order_id, query=query))
    return response["statusCode"], str(response["body"])


def deliver_batches(batches: Iterable[list[dict[str, Any]]]) -> None:
    """Each batch of stream records through the order_stream handler; none may fail."""
    from local.stream_records import stream_event

    for batch in batches:
        response = invoke("order_stream", stream_event(batch))
        assert response["batchItemFailures"] == [], response
