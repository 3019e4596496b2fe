"""Events for the fulfill_order and cancel_order routes, shared by both tiers' tests."""

from __future__ import annotations

from typing import Any

import pytest
from orders_domain.domain.errors import VersionConflict
from orders_domain.domain.jsonio import dumps
from orders_domain.models.fulfillments import Fulfillment
from orders_domain.runtime import wiring
from orders_domain.storage import keys

from tests.helpers import ALL_SCOPES, body_of, invoke, load_event, with_caller, with_headers

#: Three tickets, one a line, paid by card (seeds/001's order in our model).
TICKETS: dict[str, Any] = {
    "line_items": [
        {
            "order_line_item_id": f"T{n}",
            "quantity": 1,
            "unit_price": "10.91",
            "taxes": "0.92",
            "sku": "TICKET",
        }
        for n in (1, 2, 3)
    ],
    "payment_info": {"type": "Visa"},
}

#: Three tickets; coupon code CODE-9 applied to T1 and T2, another code to the whole order.
CODED_TICKETS: dict[str, Any] = {
    "line_items": [
        {"order_line_item_id": f"T{n}", "quantity": 1, "unit_price": "10.00", "sku": "TICKET"}
        for n in (1, 2, 3)
    ],
    "coupons": [
        {
            "coupon_code_id": "CODE-9",
            "coupon_type": "code",
            "coupon_id": "K",
            "discount": "0",
            "order_line_item_ids": ["T1", "T2"],
        },
        {"coupon_code_id": "WHOLE", "coupon_type": "code", "coupon_id": "W", "discount": "0"},
    ],
    "payment_info": {"type": "Visa"},
}


_CANCEL_RESOURCES = {
    "cancel": "/orders/{tenantId}/{id}/cancel",
    "void": "/orders/{tenantId}/void/{id}",
    "close": "/orders/{tenantId}/close/{id}",
}


def _event(
    sample: str,
    method: str,
    resource: str,
    path: str,
    path_parameters: dict[str, str],
    body: Any,
    *,
    tenant_id: str,
    query: dict[str, str] | None = None,
    idempotency_key: str | None = None,
    if_match: str | None = None,
    scopes: str = ALL_SCOPES,
) -> dict[str, Any]:
    event = load_event(sample)
    event.update(resource=resource, httpMethod=method, path=path, pathParameters=path_parameters)
    event["requestContext"].update(resourcePath=resource, httpMethod=method, path="/v1" + path)
    event["body"] = None if body is None else (body if isinstance(body, str) else dumps(body))
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    event = with_headers(event, **{"Idempotency-Key": idempotency_key, "If-Match": if_match})
    return with_caller(event, tenant_id, scopes=scopes)


def fulfil_event(
    order_ref: str, body: Any = None, *, tenant_id: str = "tenant-a", **kwargs: Any
) -> dict[str, Any]:
    """events/fulfill_order.json for one order (no body: fulfil everything open)."""
    return _event(
        "fulfill_order.json",
        "POST",
        "/orders/{tenantId}/{id}/fulfill",
        f"/orders/{tenant_id}/{order_ref}/fulfill",
        {"tenantId": tenant_id, "id": order_ref},
        body,
        tenant_id=tenant_id,
        **kwargs,
    )


def fulfillments_event(query: dict[str, str] | None = None, *, tenant_id: str = "tenant-a") -> dict[str, Any]:
    """GET /orders/{tenantId}/fulfillments with these query parameters."""
    return _event(
        "fulfill_order.json",
        "GET",
        "/orders/{tenantId}/fulfillments",
        f"/orders/{tenant_id}/fulfillments",
        {"tenantId": tenant_id},
        None,
        tenant_id=tenant_id,
        query=query,
    )


def fulfillment_event(
    fulfillment_id: str, method: str = "GET", body: Any = None, *, tenant_id: str = "tenant-a", **kwargs: Any
) -> dict[str, Any]:
    """GET or PATCH one fulfillment."""
    return _event(
        "fulfill_order.json",
        method,
        "/orders/{tenantId}/fulfillments/{fulfillmentId}",
        f"/orders/{tenant_id}/fulfillments/{fulfillment_id}",
        {"tenantId": tenant_id, "fulfillmentId": fulfillment_id},
        body,
        tenant_id=tenant_id,
        **kwargs,
    )


def cancel_event(
    kind: str, order_ref: str, body: Any = None, *, tenant_id: str = "tenant-a", **kwargs: Any
) -> dict[str, Any]:
    """events/cancel_order.json as `kind` (cancel, void or close) on one order."""
    resource = _CANCEL_RESOURCES[kind]
    path = resource.replace("{tenantId}", tenant_id).replace("{id}", order_ref)
    return _event(
        "cancel_order.json",
        "POST",
        resource,
        path,
        {"tenantId": tenant_id, "id": order_ref},
        body,
        tenant_id=tenant_id,
        **kwargs,
    )


def call(function: str, event: dict[str, Any]) -> tuple[int, Any, dict[str, Any]]:
    response = invoke(function, event)
    return response["statusCode"], body_of(response), response


def fulfil(order_ref: str, body: Any = None, **kwargs: Any) -> tuple[int, Any, dict[str, Any]]:
    return call("fulfill_order", fulfil_event(order_ref, body, **kwargs))


def cancel(kind: str, order_ref: str, body: Any = None, **kwargs: Any) -> tuple[int, Any, dict[str, Any]]:
    return call("cancel_order", cancel_event(kind, order_ref, body, **kwargs))


def list_fulfillments(query: dict[str, str] | None = None, **kwargs: Any) -> tuple[int, Any]:
    status, body, _ = call("fulfill_order", fulfillments_event(query, **kwargs))
    return status, body


def fulfillment(fulfillment_id: str, method: str = "GET", body: Any = None, **kwargs: Any) -> tuple[int, Any]:
    status, answer, _ = call("fulfill_order", fulfillment_event(fulfillment_id, method, body, **kwargs))
    return status, answer


def stale_transaction_writes_nothing(order_id: str, tenant_id: str = "tenant-a") -> None:
    """A fulfil's transaction on a stale version: VersionConflict, and neither item is written."""
    repo = wiring.current().orders
    order = repo.get(tenant_id, order_id, consistent=True)
    assert order is not None
    record = Fulfillment(
        id=keys.fulfillment_id(order_id, order.sys_version + 1),
        order_id=order_id,
        tenant_id=tenant_id,
        created_time=order.sys_created_at,
    )
    changed = order.model_copy(update={"notes": "stale", "sys_version": order.sys_version + 1})
    with pytest.raises(VersionConflict):
        repo.replace(changed, expected_version=order.sys_version - 1, fulfillment=record)
    assert wiring.current().fulfillments.get(tenant_id, record.id, consistent=True) is None
    after = repo.get(tenant_id, order_id, consistent=True)
    assert after == order


def refund_event(order_ref: str, body: Any, *, tenant_id: str = "tenant-a", **kwargs: Any) -> dict[str, Any]:
    """events/refund_order.json: POST .../{id}/refunds (or token-<token>)."""
    return _event(
        "refund_order.json",
        "POST",
        "/orders/{tenantId}/{id}/refunds",
        f"/orders/{tenant_id}/{order_ref}/refunds",
        {"tenantId": tenant_id, "id": order_ref},
        body,
        tenant_id=tenant_id,
        **kwargs,
    )


def refund(order_ref: str, body: Any, **kwargs: Any) -> tuple[int, Any, dict[str, Any]]:
    return call("refund_order", refund_event(order_ref, body, **kwargs))


def reasons_event(
    method: str = "GET", name: str | None = None, body: Any = None, **kwargs: Any
) -> dict[str, Any]:
    """GET /orders/{tenantId}/refund-reasons, or PUT one (`name`)."""
    tenant_id = kwargs.pop("tenant_id", "tenant-a")
    resource = "/orders/{tenantId}/refund-reasons" + ("/{name}" if name else "")
    params = {"tenantId": tenant_id, **({"name": name} if name else {})}
    path = resource.replace("{tenantId}", tenant_id).replace("{name}", name or "")
    return _event("refund_order.json", method, resource, path, params, body, tenant_id=tenant_id, **kwargs)


def will_call(order_ref: str, tenant_id: str = "tenant-a") -> tuple[int, Any]:
    event = with_caller(load_event("will_call_check.json"), tenant_id)
    event["pathParameters"] = {"tenantId": tenant_id, "id": order_ref}
    event["path"] = f"/orders/{tenant_id}/{order_ref}/will-call-check"
    status, body, _ = call("will_call_check", event)
    return status, body
