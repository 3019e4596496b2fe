"""The refund_order routes (`operations`, `REFUND_OPERATIONS`, no Idempotency-Key sent): `refund`
(line 1 of a fulfilled 3-line order, a built-in reason) and `refund_by_token`, each on a fresh
fulfilled order (a line refunds once: `FulfilledOrders`, copies of one order the create and fulfil
handlers made, written by key in batches outside the measured calls), `refund_reasons` (the nine
built-in reasons and the tenant's `OWN_REASONS`) and `refund_reason_put` (one of them replaced, a
new description each time). `REFUND_CALLS` are the DynamoDB calls each makes (check_shape holds a
run to them).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from harness.bench.core import (
    TENANT,
    Bench,
    Family,
    Route,
    _admin_client,
    _order_item,
    refuse_failure,
    route_event,
)
from harness.bench.fulfilment import fulfilled
from harness.bench.orders import new_order

#: The refund_order routes the bench calls (resource templates), what a refund asks for (line 1, a
#: built-in reason: no reason read), and the tenant's own reasons the list reads beside the built-in
#: nine (the PUT replaces the first).
REFUND = "/orders/{tenantId}/{id}/refunds"
REFUND_REASONS = "/orders/{tenantId}/refund-reasons"
REFUND_REASON = "/orders/{tenantId}/refund-reasons/{name}"
REFUND_BODY = {"refund_reason_name": "ChangedMindCannotMakeShow", "line_numbers": [1]}
OWN_REASONS = ("BenchBoxOffice", "BenchDuplicateBooking")
#: Fulfilled orders `FulfilledOrders` writes at a time (one BatchWriteItem), and the first number.
REFUND_BATCH = 25
REFUND_FIRST_NUMBER = 5_000_000
#: The refund_order routes `operations` measures (no Idempotency-Key sent) and their calls, as above.
#: A refund reads the order consistently and writes it in one transaction with a ClientRequestToken
#: (applied once); a built-in reason is not read. By token, the write loop (services.change) takes
#: the order's id from by-token's Query (the index's PK names it) and reads the order once. The
#: reasons are one partition: one Query lists them, one PutItem adds or replaces one.
REFUND_CALLS: dict[str, dict[str, tuple[int, int]]] = {
    "refund": {"GetItem": (1, 1), "TransactWriteItems": (1, 1)},
    "refund_by_token": {"Query": (1, 1), "GetItem": (1, 1), "TransactWriteItems": (1, 1)},
    "refund_reasons": {"Query": (1, 1)},
    "refund_reason_put": {"PutItem": (1, 1)},
}
REFUND_OPERATIONS = tuple(REFUND_CALLS)


def refund_event(order_ref: str, body: Any | None = None, tenant: str = TENANT) -> dict[str, Any]:
    """POST /orders/{tenantId}/{id}/refunds (`order_ref` an id or `token-<token>`; `REFUND_BODY`)."""
    body = REFUND_BODY if body is None else body
    return route_event("refund_order.json", "POST", REFUND, {"id": order_ref}, body=body, tenant=tenant)


def reasons_event(name: str | None = None, body: Any | None = None, tenant: str = TENANT) -> dict[str, Any]:
    """GET /orders/{tenantId}/refund-reasons, or (`name`) PUT one of the tenant's own."""
    if name is None:
        return route_event("refund_order.json", "GET", REFUND_REASONS, tenant=tenant)
    return route_event("refund_order.json", "PUT", REFUND_REASON, {"name": name}, body=body, tenant=tenant)


def reason_body() -> dict[str, Any]:
    """A tenant's own reason (admin only) whose description is new each time: each PUT changes it."""
    return {"description": f"Box office {uuid.uuid4().hex[:12]}", "type_description": "Bench"}


@dataclass
class FulfilledOrders:
    """Fresh fulfilled orders for the refund routes (a line refunds once): copies, under new ids,
    numbers and tokens, of one 3-line order the create handler made and the fulfil handler fulfilled,
    as stored; written by key `REFUND_BATCH` at a time when the pool is empty (between measured
    calls, never in one). A refund reads and writes the order item alone (its fulfillment item is
    not copied), so each copy is refunded as the original would be."""

    bench: Bench
    template: Any
    pool: list[Any] = field(default_factory=list)
    number: int = REFUND_FIRST_NUMBER

    @classmethod
    def made(cls, bench: Bench) -> FulfilledOrders:
        from orders_domain.storage.orders import OrderRecord

        order = new_order(bench)
        fulfilled(bench, order)
        return cls(bench, OrderRecord.from_item(_order_item(bench, order["id"])))

    def take(self) -> Any:
        """A fulfilled order no call has refunded (the Order)."""
        if not self.pool:
            self.pool = [self.copy() for _ in range(REFUND_BATCH)]
            items = [self.item(order) for order in self.pool]
            admin, table = _admin_client(self.bench.endpoint), self.bench.tables["OrdersTable"]
            pending: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in items]}
            while pending:
                pending = admin.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        return self.pool.pop()

    def copy(self) -> Any:
        self.number += 1
        return self.template.order.model_copy(
            update={"id": str(uuid.uuid4()), "number": self.number, "token": uuid.uuid4().hex}
        )

    def item(self, order: Any) -> dict[str, Any]:
        from orders_domain.storage.orders import OrderRecord

        return OrderRecord(order=order, request_fingerprint=self.template.request_fingerprint).to_item()


def refund_routes(bench: Bench) -> list[Route]:
    """The refund_order routes as `operations` measures them (REFUND_CALLS), after making what they
    read: a fulfilled order to copy for each refund, and the tenant's own reasons (PUT by the handler)."""
    orders = FulfilledOrders.made(bench)
    for name in OWN_REASONS:
        refuse_failure(
            "refund reason (for the list)",
            bench.invoke("refund_order", reasons_event(name, reason_body())).answer,
        )
    return [
        ("refund", "refund_order", lambda: refund_event(orders.take().id)),
        ("refund_by_token", "refund_order", lambda: refund_event(f"token-{orders.take().token}")),
        ("refund_reasons", "refund_order", lambda: reasons_event()),
        ("refund_reason_put", "refund_order", lambda: reasons_event(OWN_REASONS[0], reason_body())),
    ]


FAMILY = Family(refund_routes, REFUND_OPERATIONS, REFUND_CALLS)
