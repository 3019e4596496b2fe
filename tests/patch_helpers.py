"""Events for the patch_order routes, shared by both tiers' tests."""

from __future__ import annotations

from typing import Any

from orders_domain.domain.jsonio import dumps

from tests.helpers import (
    ALL_SCOPES,
    body_of,
    create_event,
    invoke,
    load_event,
    with_caller,
    with_headers,
)


def change_event(
    method: str,
    order_ref: str,
    body: Any = None,
    *,
    tenant_id: str = "tenant-a",
    if_match: str | None = None,
    content_type: str | None = "application/json-patch+json",
    scopes: str = ALL_SCOPES,
    batch: bool = False,
) -> dict[str, Any]:
    """events/patch_order.json as `method` on one order (or the batch route), with this body."""
    event = load_event("patch_order.json")
    resource = "/orders/{tenantId}/batch" if batch else "/orders/{tenantId}/{id}"
    path = f"/orders/{tenant_id}/batch" if batch else f"/orders/{tenant_id}/{order_ref}"
    event.update(resource=resource, httpMethod=method, path=path)
    event["pathParameters"] = {"tenantId": tenant_id} if batch else {"tenantId": tenant_id, "id": order_ref}
    event["requestContext"].update(resourcePath=resource, httpMethod=method, path="/v1" + path)
    event["body"] = None if body is None else (body if isinstance(body, str) else dumps(body))
    event = with_headers(event, **{"If-Match": if_match, "Content-Type": content_type})
    return with_caller(event, tenant_id, scopes=scopes)


def change(method: str, order_ref: str, body: Any = None, **kwargs: Any) -> tuple[int, Any, dict[str, Any]]:
    response = invoke("patch_order", change_event(method, order_ref, body, **kwargs))
    return response["statusCode"], body_of(response), response


def create_order(body: dict[str, Any] | None = None, tenant: str = "tenant-a") -> dict[str, Any]:
    response = invoke("create_order", create_event(body, tenant=tenant))
    assert response["statusCode"] == 201, response["body"]
    created: dict[str, Any] = body_of(response)
    return created
