"""Events and calls for the source dialects' routes (theatre, distribution), shared by both tiers."""

from __future__ import annotations

from typing import Any

from tests.helpers import body_of, header_of, invoke, load_event, with_body, with_caller, with_headers

#: events/<file>, the function serving it, and the resource path (with `{id}`).
DIALECT_ROUTES: dict[str, tuple[str, str, str]] = {
    "theatre_get": ("theatre_get_order.json", "get_order", "/v3/orders/{id}"),
    "theatre_fulfil": ("theatre_fulfill_order.json", "fulfill_order", "/v3/orders/{id}/fulfill"),
    "theatre_will_call": (
        "theatre_will_call_check.json",
        "will_call_check",
        "/v1/orders/{id}/will-call-check",
    ),
    "theatre_reasons": ("theatre_refund_reasons.json", "refund_order", "/v1/refund-reasons"),
    "theatre_refund": ("theatre_refund_order.json", "refund_order", "/v1/orders/{id}/refunds"),
    "distribution_place": ("distribution_place_order.json", "create_order", "/distribution/orders"),
    "distribution_get": ("distribution_get_order.json", "get_order", "/distribution/orders/{id}"),
    "distribution_cancel": ("distribution_cancel_order.json", "cancel_order", "/distribution/orders/{id}"),
}

JSON_BOTH_WAYS = {"Content-Type": "application/json", "Accept": "application/json"}
XML_BOTH_WAYS = {"Content-Type": "application/xml", "Accept": "application/xml"}


def dialect_event(
    route: str,
    order_ref: str | None = None,
    body: Any = None,
    *,
    tenant_id: str = "tenant-a",
    headers: dict[str, str | None] | None = None,
) -> dict[str, Any]:
    """events/<route's file> for this order, body (None: the file's own), headers and caller."""
    name, _function, resource = DIALECT_ROUTES[route]
    event = load_event(name)
    if order_ref is not None:
        path = resource.replace("{id}", order_ref)
        event["path"] = path
        event["requestContext"]["path"] = f"/prod{path}"
        event["pathParameters"] = {"id": order_ref}
    if body is not None:
        event = with_body(event, body)
    if headers:
        event = with_headers(event, **headers)
    return with_caller(event, tenant_id)


def dialect_call(
    route: str, order_ref: str | None = None, body: Any = None, **kwargs: Any
) -> tuple[int, Any, dict[str, Any]]:
    """(status, JSON body or XML text, response) of one dialect request."""
    response = invoke(DIALECT_ROUTES[route][1], dialect_event(route, order_ref, body, **kwargs))
    content_type = header_of(response, "Content-Type") or ""
    answer = response["body"] if "xml" in content_type else body_of(response)
    return response["statusCode"], answer, response
