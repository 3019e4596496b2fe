"""The fulfill_order, cancel_order and will_call_check routes (`operations`, `FULFIL_OPERATIONS`, no
Idempotency-Key sent), each change on a new 3-line order made by the create handler before the
call: `fulfil` (no body: the whole order), `fulfil_partial` (one unit, with tracking), `cancel`,
`cancel_partial` (one unit), `void`, `close` (of an order fulfilled first); the fulfillment lists
of a tenant of `FULFILLED_ORDERS` orders fulfilled twice each (`fulfillments_list`: a page of 10,
every write shard read; `fulfillments_by_order`; `fulfillments_by_tracking`); `get_fulfillment`
and `patch_fulfillment` (a new tracking number each time); `will_call_check` by id and by token.
`FULFIL_CALLS` are the DynamoDB calls each makes (check_shape holds a run to them).
"""

from __future__ import annotations

import uuid
from typing import Any

from harness.bench.core import TENANT, Bench, Family, Route, refuse_failure, route_event
from harness.bench.orders import new_order

#: The fulfill_order and cancel_order routes the bench calls (resource templates).
FULFIL = "/orders/{tenantId}/{id}/fulfill"
FULFILLMENTS = "/orders/{tenantId}/fulfillments"
FULFILLMENT = "/orders/{tenantId}/fulfillments/{fulfillmentId}"
WILL_CALL = "/orders/{tenantId}/{id}/will-call-check"
CANCELS = {
    "cancel": "/orders/{tenantId}/{id}/cancel",
    "void": "/orders/{tenantId}/void/{id}",
    "close": "/orders/{tenantId}/close/{id}",
}
#: The tenant whose fulfillment lists `operations` reads: its orders are each fulfilled twice (one
#: unit with a tracking number, then the rest), the tracking numbers `TRACKING_NUMBERS` in turn.
FULFIL_TENANT = "tenant-fulfil"
FULFILLED_ORDERS = 30
TRACKING_NUMBERS = 5
FULFILLMENTS_LIMIT = 10
#: Write shards of the tenant list (orders_domain.storage.keys.WRITE_SHARDS; a test holds them equal).
WRITE_SHARDS = 32
#: The fulfill_order and cancel_order routes `operations` measures (none sends an Idempotency-Key),
#: and the DynamoDB calls each makes: API -> (fewest, most) calls, no other API. A change reads the
#: order (consistently) and writes it once: a fulfil with its fulfillment in one transaction. The
#: tenant list reads every write shard once, and again some whose rows the merge runs through.
_ONE_WRITE = {"GetItem": (1, 1), "UpdateItem": (1, 1)}
FULFIL_CALLS: dict[str, dict[str, tuple[int, int]]] = {
    "fulfil": {"GetItem": (1, 1), "TransactWriteItems": (1, 1)},
    "fulfil_partial": {"GetItem": (1, 1), "TransactWriteItems": (1, 1)},
    "cancel": _ONE_WRITE,
    "cancel_partial": _ONE_WRITE,
    "void": _ONE_WRITE,
    "close": _ONE_WRITE,
    "fulfillments_list": {"Query": (WRITE_SHARDS, 2 * WRITE_SHARDS)},
    "fulfillments_by_order": {"Query": (1, 1)},
    "fulfillments_by_tracking": {"Query": (1, 1)},
    "get_fulfillment": {"GetItem": (1, 1)},
    # The order and the fulfillment (its id names the order; both read consistently, in the order
    # write loop), then one transaction: the order's version and the fulfillment.
    "patch_fulfillment": {"GetItem": (2, 2), "TransactWriteItems": (1, 1)},
    # A read: the order by key (by token: its key from by-token first).
    "will_call_check": {"GetItem": (1, 1)},
    "will_call_check_by_token": {"Query": (1, 1), "GetItem": (1, 1)},
}
FULFIL_OPERATIONS = tuple(FULFIL_CALLS)


def fulfil_event(order_id: str, body: Any | None = None, tenant: str = TENANT) -> dict[str, Any]:
    """POST /orders/{tenantId}/{id}/fulfill (no body: every open unit)."""
    return route_event("fulfill_order.json", "POST", FULFIL, {"id": order_id}, body=body, tenant=tenant)


def fulfillments_event(query: dict[str, str], tenant: str = FULFIL_TENANT) -> dict[str, Any]:
    """GET /orders/{tenantId}/fulfillments with these query parameters."""
    return route_event("fulfill_order.json", "GET", FULFILLMENTS, query=query, tenant=tenant)


def fulfillment_event(
    fulfillment_id: str, method: str = "GET", body: Any | None = None, tenant: str = TENANT
) -> dict[str, Any]:
    """GET or PATCH /orders/{tenantId}/fulfillments/{fulfillmentId}."""
    params = {"fulfillmentId": fulfillment_id}
    return route_event("fulfill_order.json", method, FULFILLMENT, params, body=body, tenant=tenant)


def will_call_event(order_ref: str, tenant: str = TENANT) -> dict[str, Any]:
    """GET /orders/{tenantId}/{id}/will-call-check (`order_ref` an id or `token-<token>`)."""
    return route_event("will_call_check.json", "GET", WILL_CALL, {"id": order_ref}, tenant=tenant)


def cancel_event(kind: str, order_id: str, body: Any | None = None, tenant: str = TENANT) -> dict[str, Any]:
    """A cancel_order route: `kind` cancel (`body` optional), void or close."""
    return route_event("cancel_order.json", "POST", CANCELS[kind], {"id": order_id}, body=body, tenant=tenant)


def first_line(order: dict[str, Any]) -> str:
    return str(order["line_items"][0]["order_line_item_id"])


def partial_fulfil_body(order: dict[str, Any], tracking_number: str) -> dict[str, Any]:
    """One unit of the order's first line, shipped with this tracking number."""
    return {
        "items": [{"order_line_item_id": first_line(order), "quantity": 1}],
        "tracking_company": "Fedex",
        "tracking_number": tracking_number,
        "tracking_url": f"https://tracking.example/{tracking_number}",
        "shipment_id": f"shipment-{tracking_number}",
    }


def partial_cancel_body(order: dict[str, Any]) -> dict[str, Any]:
    """One unit of the order's first line cancelled."""
    return {"items": [{"order_line_item_id": first_line(order), "quantity": 1}], "reason": "bench"}


def tracking_patch() -> dict[str, Any]:
    """A fulfillment PATCH that always changes it (a new tracking number)."""
    number = uuid.uuid4().hex[:16]
    return {
        "tracking_company": "UPS",
        "tracking_number": number,
        "tracking_url": f"https://ups.example/{number}",
    }


def fulfilled(bench: Bench, order: dict[str, Any], body: Any | None = None, tenant: str = TENANT) -> str:
    """Fulfil the order (all of it, or as `body` says): the new fulfillment's id."""
    answer = bench.invoke("fulfill_order", fulfil_event(order["id"], body, tenant)).answer
    refuse_failure("fulfil (for a fulfillment)", answer)
    headers = {k.lower(): v for k, v in (answer.get("headers") or {}).items()}
    headers.update({k.lower(): v[0] for k, v in (answer.get("multiValueHeaders") or {}).items() if v})
    return str(headers["location"]).rsplit("/", 1)[-1]


def fulfil_tenant(bench: Bench) -> dict[str, str]:
    """FULFIL_TENANT's fulfillments, made by the fulfil handler: FULFILLED_ORDERS orders, each fulfilled
    twice. What the lists read: an order id (two fulfillments), a tracking number (one in
    TRACKING_NUMBERS of them)."""
    order_id = ""
    for n in range(FULFILLED_ORDERS):
        order = new_order(bench, FULFIL_TENANT)
        fulfilled(bench, order, partial_fulfil_body(order, f"TRK-{n % TRACKING_NUMBERS}"), FULFIL_TENANT)
        fulfilled(bench, order, None, FULFIL_TENANT)
        order_id = order_id or order["id"]
    return {"order_id": order_id, "tracking_number": "TRK-0"}


def fulfil_routes(bench: Bench) -> list[Route]:
    """The fulfill_order and cancel_order routes as `operations` measures them (FULFIL_CALLS), after
    making what they read: FULFIL_TENANT's fulfillments and one fulfillment each to get and patch."""
    listed = fulfil_tenant(bench)
    ordered = new_order(bench)
    shown = fulfilled(bench, ordered, partial_fulfil_body(ordered, "TRK-GET"))
    checked = ordered
    ordered = new_order(bench)
    tracked = fulfilled(bench, ordered, partial_fulfil_body(ordered, "TRK-PATCH"))

    # The fulfil and cancel routes change a new order each call (one fulfilled can't be again).
    def fulfil_part() -> dict[str, Any]:
        order = new_order(bench)
        return fulfil_event(order["id"], partial_fulfil_body(order, uuid.uuid4().hex[:16]))

    def cancel_part() -> dict[str, Any]:
        order = new_order(bench)
        return cancel_event("cancel", order["id"], partial_cancel_body(order))

    def close_fulfilled() -> dict[str, Any]:
        order = new_order(bench)
        fulfilled(bench, order)
        return cancel_event("close", order["id"])

    return [
        ("fulfil", "fulfill_order", lambda: fulfil_event(new_order(bench)["id"])),
        ("fulfil_partial", "fulfill_order", fulfil_part),
        ("cancel", "cancel_order", lambda: cancel_event("cancel", new_order(bench)["id"])),
        ("cancel_partial", "cancel_order", cancel_part),
        ("void", "cancel_order", lambda: cancel_event("void", new_order(bench)["id"])),
        ("close", "cancel_order", close_fulfilled),
        (
            "fulfillments_list",
            "fulfill_order",
            lambda: fulfillments_event({"limit": str(FULFILLMENTS_LIMIT)}),
        ),
        (
            "fulfillments_by_order",
            "fulfill_order",
            lambda: fulfillments_event({"order_id": listed["order_id"]}),
        ),
        (
            "fulfillments_by_tracking",
            "fulfill_order",
            lambda: fulfillments_event({"tracking_number": listed["tracking_number"]}),
        ),
        ("get_fulfillment", "fulfill_order", lambda: fulfillment_event(shown)),
        ("patch_fulfillment", "fulfill_order", lambda: fulfillment_event(tracked, "PATCH", tracking_patch())),
        ("will_call_check", "will_call_check", lambda: will_call_event(checked["id"])),
        ("will_call_check_by_token", "will_call_check", lambda: will_call_event(f"token-{checked['token']}")),
    ]


FAMILY = Family(fulfil_routes, FULFIL_OPERATIONS, FULFIL_CALLS)
