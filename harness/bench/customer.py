"""The customer side's routes (issue 32; `operations`, `CUSTOMER_OPERATIONS`): the portal's list and
get for contact-42 (a portal key's event: `events/portal_contact_orders.json`), the tenant list and
customer lookup as `view=summary` rows beside the whole orders the search family measures, the
coupon-code refund action (seeds/003) on a fresh fulfilled order each call (`refunds.FulfilledOrders`,
its coupon given a code), and the notification e-mail preview (to the local outbox the bench sets).
They read the search family's tenant (every bench order is billed and shipped to contact-42), so this
family is set up after it. `CUSTOMER_CALLS` are the DynamoDB calls each makes (check_shape holds a run
to them).
"""

from __future__ import annotations

import json
from typing import Any

from harness.bench.core import Bench, Family, Route, event, refuse_failure, route_event
from harness.bench.orders import new_order
from harness.bench.refunds import FulfilledOrders
from harness.bench.search import CUSTOMER, CUSTOMER_PARAMS, LIST, SEARCH_TENANT, page_query, search_event

PORTAL_LIST = "/orders/{tenantId}/portal/contact/{contactId}"
PORTAL_GET = "/orders/{tenantId}/portal/contact/{contactId}/{id}"
COUPON_CODE_ACTION = "/orders/{tenantId}/{id}/coupon-codes/{couponCodeId}/actions"
NOTIFY = "/orders/{tenantId}/notifications/preview"
#: The sample event's notification (its template: the order's number, each line's description).
NOTIFY_BODY: dict[str, Any] = json.loads(event("notify_order.json")["body"])
#: The code the refunded orders' coupon carries, and the action's body.
COUPON_CODE = "CODE-BENCH"
ACTION_BODY = {"action": "refund"}
#: The routes and their DynamoDB calls: a portal page is the customer lookup's: the party's busy marker
#: (one BatchGetItem: contact-42 is an ordinary customer, its rows on shard 0: storage.party_keys),
#: its bill-to and ship-to partitions (a partition's page may be read again to fill the page), and
#: one BatchGetItem of the page's orders; a
#: portal get one GetItem; the summary views their Queries alone; the coupon-code refund reads the
#: order consistently and writes it in one transaction (a refund's calls).
CUSTOMER_CALLS: dict[str, dict[str, tuple[int, int]]] = {
    "portal_list": {"Query": (2, 4), "BatchGetItem": (2, 2)},
    "portal_get": {"GetItem": (1, 1)},
    "list_page_summary": {"Query": (32, 64)},
    "customer_lookup_summary": {"Query": (2, 4), "BatchGetItem": (1, 1)},
    "coupon_code_refund": {"GetItem": (1, 1), "TransactWriteItems": (1, 1)},
    # The order read once; the e-mail goes to the outbox (SES on AWS), no DynamoDB write.
    "notification_preview": {"GetItem": (1, 1)},
}
CUSTOMER_OPERATIONS = tuple(CUSTOMER_CALLS)


def portal_event(
    resource: str, params: dict[str, str], query: dict[str, str] | None = None
) -> dict[str, Any]:
    """A portal route's event for contact-42's portal key (the sample's authorizer context)."""
    return route_event("portal_contact_orders.json", "GET", resource, params, query, tenant=SEARCH_TENANT)


def action_event(order_id: str) -> dict[str, Any]:
    return route_event(
        "coupon_code_action.json",
        "POST",
        COUPON_CODE_ACTION,
        {"id": order_id, "couponCodeId": COUPON_CODE},
        body=ACTION_BODY,
    )


def notify_event(order_id: str) -> dict[str, Any]:
    """The notification preview of the sample event (a subject, a body walking the lines), for this order."""
    return route_event("notify_order.json", "POST", NOTIFY, body={**NOTIFY_BODY, "order_id": order_id})


def coded_orders(bench: Bench) -> FulfilledOrders:
    """Fresh fulfilled orders whose coupon carries COUPON_CODE (it applied to every line)."""
    from orders_domain.models.parts import Coupon
    from orders_domain.storage.orders import OrderRecord

    orders = FulfilledOrders.made(bench)
    order = orders.template.order
    coupons = [
        Coupon.model_validate({**c.model_dump(), "coupon_code_id": COUPON_CODE}) for c in order.coupons
    ]
    orders.template = OrderRecord(
        order=order.model_copy(update={"coupons": coupons}),
        request_fingerprint=orders.template.request_fingerprint,
    )
    return orders


def customer_routes(bench: Bench) -> list[Route]:
    """The customer side's routes as `operations` measures them (CUSTOMER_CALLS)."""
    contact = {"contactId": CUSTOMER_PARAMS["customerId"]}
    listed = bench.invoke("search_orders", portal_event(PORTAL_LIST, contact, page_query())).answer
    refuse_failure("portal list (for an order id)", listed)
    order_id = json.loads(listed["body"])["Items"][0]["id"]
    orders = coded_orders(bench)
    notified = new_order(bench)
    summary = {**page_query(), "view": "summary"}
    return [
        ("portal_list", "search_orders", lambda: portal_event(PORTAL_LIST, contact, page_query())),
        ("portal_get", "search_orders", lambda: portal_event(PORTAL_GET, {**contact, "id": order_id})),
        ("list_page_summary", "search_orders", lambda: search_event("GET", LIST, query=summary)),
        (
            "customer_lookup_summary",
            "search_orders",
            lambda: search_event("GET", CUSTOMER, CUSTOMER_PARAMS, summary),
        ),
        ("coupon_code_refund", "refund_order", lambda: action_event(orders.take().id)),
        ("notification_preview", "notify_order", lambda: notify_event(notified["id"])),
    ]


FAMILY = Family(customer_routes, CUSTOMER_OPERATIONS, CUSTOMER_CALLS)
