"""The response boundary: an order as clients see it (HAL links, field projection)."""

from __future__ import annotations

from typing import Any

from orders_domain.errors import BadRequest, FieldError
from orders_domain.models import Order, OrderResponse

_CLOSED_FOR_CHANGES = ("cancelled", "voided", "closed")
_INTERNAL_FIELDS = frozenset({"tenant_id", "sys_deleted", "sys_deleted_at", "duplicate_prevention_key"})


def order_path(order: Order) -> str:
    return f"/orders/{order.tenant_id}/{order.id}"


def links_for(order: Order) -> dict[str, dict[str, str]]:
    """`self`, plus the actions the order's state allows now."""
    base = order_path(order)
    links = {
        "self": {"href": base},
        "fulfillments": {"href": f"/orders/{order.tenant_id}/fulfillments?order_id={order.id}"},
    }
    if order.status == "voided":
        return links
    open_quantity = sum(
        li.quantity - li.quantity_shipped - li.quantity_cancelled
        for li in order.line_items
        if li.status != "refunded"
    )
    refundable = any(
        li.quantity_shipped > li.quantity_returned for li in order.line_items if li.status != "refunded"
    )
    if open_quantity > 0 and order.status not in _CLOSED_FOR_CHANGES:
        links["fulfill"] = {"href": f"{base}/fulfill"}
        links["cancel"] = {"href": f"{base}/cancel"}
    if refundable:
        links["refunds"] = {"href": f"{base}/refunds"}
    links["will-call-check"] = {"href": f"{base}/will-call-check"}
    return links


def order_body(order: Order, fields: str | None = None) -> dict[str, Any]:
    """The JSON-ready body of an order (Decimals kept exact), optionally projected.

    Its shape is `OrderResponse` (the OpenAPI document's schema): the order's own fields
    without the internal ones, plus `_links`.
    """
    body = order.model_dump(mode="python", exclude_none=True, exclude=set(_INTERNAL_FIELDS))
    body["_links"] = links_for(order)
    return project(body, fields) if fields else body


def project(body: dict[str, Any], fields: str) -> dict[str, Any]:
    """`fields=a,b,line_items.sku`: keep those (and `id`); unknown names are a 400."""
    wanted: dict[str, set[str]] = {}
    for raw in fields.split(","):
        name = raw.strip()
        if not name:
            continue
        head, _, rest = name.partition(".")
        wanted.setdefault(head, set())
        if rest:
            wanted[head].add(rest)
    known = set(OrderResponse.model_fields) | {"_links"}
    unknown = sorted(set(wanted) - known)
    if unknown:
        raise BadRequest(
            "fields names unknown order fields.",
            errors=[FieldError("fields", f"unknown field {name!r}") for name in unknown],
        )
    out: dict[str, Any] = {"id": body.get("id")}
    for head, subfields in wanted.items():
        if head not in body:
            continue
        value = body[head]
        if subfields and isinstance(value, list):
            value = [_pick(v, subfields) for v in value]
        elif subfields and isinstance(value, dict):
            value = _pick(value, subfields)
        out[head] = value
    return out


def _pick(value: Any, names: set[str]) -> Any:
    return {k: v for k, v in value.items() if k in names} if isinstance(value, dict) else value
