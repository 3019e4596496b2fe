"""The source dialects' routes (issue 21, `operations`, `DIALECT_ROUTES`: no tenant in the path, the
key's is used; no Idempotency-Key sent), each over its native route's service: `theatre_get` (by id)
and `theatre_get_by_token`, its sub-resources `theatre_product` and `theatre_payment` (the first of
each) and `theatre_passbook` (the signed pass of a paid ticket's line 1), `theatre_fulfil` (no body:
every open unit of a new 3-line order, as `fulfil`), `theatre_will_call_by_token`,
`theatre_refund_reasons`, `theatre_refund_by_token` (line 1 of a fresh fulfilled order, as
`refund_by_token`); `distribution_place` in JSON and
`distribution_place_xml` (the same order in XML both ways: the parse and the writing show in
self-time, not in calls), each a new order_number, which is the idempotency key (the keyed create's
calls); `distribution_get` (an order placed there, nothing shipped: no fulfillment read) in JSON and
`distribution_get_xml`, `distribution_get_shipped` (one fulfilled since: its fulfillments read),
`distribution_cancel` (a new placed order each call) and `distribution_cancel_again` (to a
cancelled order: answered without a write). Their cost per million is printed, not in the JSON
(`dialect_costs`). `DIALECT_CALLS` are the DynamoDB calls each makes (check_shape holds a run to
them).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from harness.bench.core import EVENTS, TENANT, Bench, Family, Route, event, refuse_failure
from harness.bench.costs import route_cost
from harness.bench.fulfilment import _ONE_WRITE, FULFIL_CALLS, fulfilled, partial_fulfil_body
from harness.bench.orders import create_event, new_order
from harness.bench.refunds import REFUND_CALLS, FulfilledOrders

#: The source APIs' own dialects (issue 21): route -> (events/ sample, function, method, resource).
#: Their paths name no tenant (the key's is used); the distribution routes speak JSON or XML.
DIALECT_ROUTES: dict[str, tuple[str, str, str, str]] = {
    "theatre_get": ("theatre_get_order.json", "get_order", "GET", "/v3/orders/{id}"),
    "theatre_product": (
        "get_theatre_product.json",
        "get_order",
        "GET",
        "/v3/orders/{id}/products/{lineNumber}",
    ),
    "theatre_passbook": (
        "get_theatre_passbook.json",
        "get_order",
        "GET",
        "/v3/orders/{id}/products/{lineNumber}/passbook",
    ),
    "theatre_payment": (
        "get_theatre_payment.json",
        "get_order",
        "GET",
        "/v3/orders/{id}/payments/{paymentNumber}",
    ),
    "theatre_fulfil": ("theatre_fulfill_order.json", "fulfill_order", "POST", "/v3/orders/{id}/fulfill"),
    "theatre_will_call": (
        "theatre_will_call_check.json",
        "will_call_check",
        "GET",
        "/v1/orders/{id}/will-call-check",
    ),
    "theatre_reasons": ("theatre_refund_reasons.json", "refund_order", "GET", "/v1/refund-reasons"),
    "theatre_refund": ("theatre_refund_order.json", "refund_order", "POST", "/v1/orders/{id}/refunds"),
    "distribution_place": ("distribution_place_order.json", "create_order", "POST", "/distribution/orders"),
    "distribution_get": ("distribution_get_order.json", "get_order", "GET", "/distribution/orders/{id}"),
    "distribution_cancel": (
        "distribution_cancel_order.json",
        "cancel_order",
        "PUT",
        "/distribution/orders/{id}",
    ),
}
JSON = "application/json"
XML = "application/xml"
#: The theatre dialect's refund (its own member names): line 1, a built-in self-service reason.
THEATRE_REFUND_BODY = {"refundReasonName": "ChangedMindCannotMakeShow", "lineNumbers": [1]}
#: The distribution dialect's cancel.
#: The seed's cancel, as events/distribution_cancel_order.json carries it.
DISTRIBUTION_CANCEL_BODY = json.loads(
    json.loads((EVENTS / "distribution_cancel_order.json").read_text())["body"]
)
#: Items of a distribution place (as events/distribution_place_order.json: one offer, 2 units),
#: priced (`price` is the unit price; the catalogue's when left out).
PLACE_ITEMS = 1
#: Dollars per million requests of the source dialects' routes: printed, not in the JSON.
DIALECT_COST_PER_MILLION: dict[str, float] = {}
#: A create's calls under a key: the idempotency record's PutItem (in progress) and UpdateItem (its
#: answer), the order's conditional PutItem, and now and then the order-number counter's UpdateItem
#: (numbers are taken in blocks).
KEYED_CREATE_CALLS: dict[str, tuple[int, int]] = {"PutItem": (2, 2), "UpdateItem": (1, 2)}
#: The source dialects' routes `operations` measures (no Idempotency-Key sent) and their calls, as
#: above: each the calls of the native route it runs over. A place is the keyed create (its
#: order_number is the key, in XML too: the parse costs CPU, not calls); a distribution get reads the
#: order's fulfillments (one Query) only when it shipped something; a cancel sent again to a cancelled
#: order reads it and answers without a write.
DIALECT_CALLS: dict[str, dict[str, tuple[int, int]]] = {
    "theatre_get": {"GetItem": (1, 1)},
    "theatre_get_by_token": {"Query": (1, 1), "GetItem": (1, 1)},
    # The theatre answers' sub-resources: the order read once, the one product, payment or signed pass
    # cut from it.
    "theatre_product": {"GetItem": (1, 1)},
    "theatre_payment": {"GetItem": (1, 1)},
    "theatre_passbook": {"GetItem": (1, 1)},
    "theatre_fulfil": FULFIL_CALLS["fulfil"],
    "theatre_will_call_by_token": FULFIL_CALLS["will_call_check_by_token"],
    "theatre_refund_reasons": REFUND_CALLS["refund_reasons"],
    "theatre_refund_by_token": REFUND_CALLS["refund_by_token"],
    # An offer_id names a catalogue product (type `offer`): one BatchGetItem reads it and the settings,
    # when this instance's copy is stale (storage.recent_items keeps them a few seconds).
    "distribution_place": {**KEYED_CREATE_CALLS, "BatchGetItem": (0, 1)},
    "distribution_place_xml": {**KEYED_CREATE_CALLS, "BatchGetItem": (0, 1)},
    "distribution_get": {"GetItem": (1, 1)},
    "distribution_get_xml": {"GetItem": (1, 1)},
    "distribution_get_shipped": {"GetItem": (1, 1), "Query": (1, 1)},
    "distribution_cancel": _ONE_WRITE,
    "distribution_cancel_again": {"GetItem": (1, 1)},
}
DIALECT_OPERATIONS = tuple(DIALECT_CALLS)


def dialect_event(
    route: str,
    order_ref: str | None = None,
    body: Any | None = None,
    *,
    media: str = JSON,
    tenant: str = TENANT,
    params: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A source dialect's route (`DIALECT_ROUTES`) for this order (`order_ref`: an id or
    `token-<token>`), from its sample in events/, as the authorizer passes it on for `tenant`'s own key
    (the path names no tenant). `body`: JSON (a dict) or text (XML), sent as `media`, and the answer
    asked for in `media`. No Idempotency-Key or If-Match: the change routes are measured without."""
    sample, _function, method, resource = DIALECT_ROUTES[route]
    got = event(sample)
    path = resource if order_ref is None else resource.replace("{id}", order_ref)
    for name, value in (params or {}).items():
        path = path.replace("{" + name + "}", value)
    got["resource"] = got["requestContext"]["resourcePath"] = resource
    got["httpMethod"] = got["requestContext"]["httpMethod"] = method
    got["path"] = path
    got["requestContext"]["path"] = f"/{got['requestContext']['stage']}{path}"
    got["pathParameters"] = None if order_ref is None else {"id": order_ref, **(params or {})}
    got["queryStringParameters"] = got["multiValueQueryStringParameters"] = None
    dropped = ("idempotency-key", "if-match", "content-type", "accept")
    headers = {k: v for k, v in got["headers"].items() if k.lower() not in dropped}
    headers["Accept"] = media
    if body is not None:
        headers["Content-Type"] = media
    got["headers"] = headers
    got["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    got["body"] = None if body is None else body if isinstance(body, str) else json.dumps(body)
    got["requestContext"]["authorizer"]["tenant_id"] = tenant
    return got


def order_number() -> str:
    """A new distribution `order_number` (unique per tenant: it names the order)."""
    return f"BENCH-{uuid.uuid4().hex[:20]}"


def place_body(number: str, items: int = PLACE_ITEMS) -> dict[str, Any]:
    """`POST /distribution/orders` in JSON: `items` offers of 2 units each, priced."""
    return {
        "order": {
            "order_number": number,
            "customer_name": "John Smith",
            "items": [{"offer_id": f"deal-{n}", "quantity": 2, "price": "13.75"} for n in range(items)],
        }
    }


def place_xml(number: str, items: int = PLACE_ITEMS) -> str:
    """The order of `place_body` in the distribution API's XML, by the service's own writer."""
    from orders_domain.dialects import xml

    return xml.dumps("order", place_body(number, items)["order"])


def placed_order(bench: Bench) -> dict[str, Any]:
    """A new order placed through the distribution dialect (`place_body`, JSON): as answered."""
    placed = dialect_event("distribution_place", body=place_body(order_number()))
    answer = bench.invoke("create_order", placed).answer
    refuse_failure("distribution place (for a get or cancel)", answer)
    order: dict[str, Any] = json.loads(answer["body"])["order"]
    return order


def ticket_order(bench: Bench) -> dict[str, Any]:
    """A paid order of tickets (lines that do not ship), made by the create handler: what a pass is
    signed for."""
    made = create_event(1)
    body = json.loads(made["body"])
    for line in body["line_items"]:
        line["shippable"] = False
    made["body"] = json.dumps(body)
    answer = bench.invoke("create_order", made).answer
    refuse_failure("create (a ticket for its pass)", answer)
    order: dict[str, Any] = json.loads(answer["body"])
    return order


def dialect_routes(bench: Bench) -> list[Route]:
    """The source dialects' routes as `operations` measures them (DIALECT_CALLS), after making what they
    read. Theatre: an order of the create handler read by id and by token, a new one fulfilled each
    call (as `fulfil`), the will-call check by token of an order with one unit fulfilled, the reasons
    (the built-in nine and the tenant's own) and a refund of line 1 by token (as `refund_by_token`, on
    a fresh fulfilled order). Distribution: a place in JSON and the same in XML (a new order_number
    each call: each a new order), a get of an order placed there (nothing shipped: JSON, XML) and of
    one fulfilled since (its fulfillments read), a cancel of a new placed order, and the same cancel
    sent again to a cancelled order (answered without a write)."""
    shown = new_order(bench)
    ticket = ticket_order(bench)
    checked = new_order(bench)
    fulfilled(bench, checked, partial_fulfil_body(checked, "TRK-DIALECT"))
    refunds = FulfilledOrders.made(bench)
    placed = placed_order(bench)
    shipped = placed_order(bench)
    fulfilled(bench, shipped)
    cancelled = placed_order(bench)
    again = dialect_event("distribution_cancel", cancelled["id"], DISTRIBUTION_CANCEL_BODY)
    refuse_failure("distribution cancel (to send again)", bench.invoke("cancel_order", again).answer)

    def cancel_placed() -> dict[str, Any]:
        return dialect_event("distribution_cancel", placed_order(bench)["id"], DISTRIBUTION_CANCEL_BODY)

    return [
        ("theatre_get", "get_order", lambda: dialect_event("theatre_get", shown["id"])),
        (
            "theatre_get_by_token",
            "get_order",
            lambda: dialect_event("theatre_get", f"token-{shown['token']}"),
        ),
        (
            "theatre_product",
            "get_order",
            lambda: dialect_event("theatre_product", shown["id"], params={"lineNumber": "1"}),
        ),
        (
            "theatre_payment",
            "get_order",
            lambda: dialect_event("theatre_payment", shown["id"], params={"paymentNumber": "1"}),
        ),
        (
            "theatre_passbook",
            "get_order",
            lambda: dialect_event("theatre_passbook", ticket["id"], params={"lineNumber": "1"}),
        ),
        ("theatre_fulfil", "fulfill_order", lambda: dialect_event("theatre_fulfil", new_order(bench)["id"])),
        (
            "theatre_will_call_by_token",
            "will_call_check",
            lambda: dialect_event("theatre_will_call", f"token-{checked['token']}"),
        ),
        ("theatre_refund_reasons", "refund_order", lambda: dialect_event("theatre_reasons")),
        (
            "theatre_refund_by_token",
            "refund_order",
            lambda: dialect_event("theatre_refund", f"token-{refunds.take().token}", THEATRE_REFUND_BODY),
        ),
        (
            "distribution_place",
            "create_order",
            lambda: dialect_event("distribution_place", body=place_body(order_number())),
        ),
        (
            "distribution_place_xml",
            "create_order",
            lambda: dialect_event("distribution_place", body=place_xml(order_number()), media=XML),
        ),
        ("distribution_get", "get_order", lambda: dialect_event("distribution_get", placed["id"])),
        (
            "distribution_get_xml",
            "get_order",
            lambda: dialect_event("distribution_get", placed["id"], media=XML),
        ),
        ("distribution_get_shipped", "get_order", lambda: dialect_event("distribution_get", shipped["id"])),
        ("distribution_cancel", "cancel_order", cancel_placed),
        (
            "distribution_cancel_again",
            "cancel_order",
            lambda: dialect_event("distribution_cancel", cancelled["id"], DISTRIBUTION_CANCEL_BODY),
        ),
    ]


def dialect_costs(bench: Bench, ops: dict[str, dict[str, Any]], memory_mb: int) -> dict[str, float]:
    """Dollars per million requests of each source dialect route measured (as `cost_per_million`
    prices a route): printed beside the table, not in the JSON (cost_per_million's keys are fixed)."""
    return {name: route_cost(bench, ops[name], name, memory_mb) for name in DIALECT_OPERATIONS if name in ops}


FAMILY = Family(dialect_routes, DIALECT_OPERATIONS, DIALECT_CALLS)
