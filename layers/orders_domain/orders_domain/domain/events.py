"""Domain events of order changes, as the stream consumer publishes them.

One event per order version: detail-type from `event_for` (the status move it is), detail with the
tenant, order id, number, `sys_version` (a per-order sequence: consumers order by it), status and
changed fields, and an `event_id` derived from (tenant, order, version, type) — the same on every
redelivery of the stream record, so consumers can drop duplicates. A PutEvents answer is read entry
by entry: the failed ones are named, so exactly their records are retried (never silently dropped).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from orders_domain.domain import jsonio
from orders_domain.domain.lifecycle import OrderStatus

SOURCE = "orders-api"


class OrderEvent(StrEnum):
    """What a change to an order was, as the stream consumer publishes it (EventBridge detail-type)."""

    CREATED = "OrderCreated"
    UPDATED = "OrderUpdated"
    FULFILLED = "OrderFulfilled"
    CANCELLED = "OrderCancelled"
    REFUNDED = "OrderRefunded"
    VOIDED = "OrderVoided"
    CLOSED = "OrderClosed"


#: The status an order moves into -> the event that move is (any other change is an update).
_EVENT_OF_STATUS: dict[OrderStatus, OrderEvent] = {
    OrderStatus.PARTIALLY_FULFILLED: OrderEvent.FULFILLED,
    OrderStatus.FULFILLED: OrderEvent.FULFILLED,
    OrderStatus.PARTIALLY_REFUNDED: OrderEvent.REFUNDED,
    OrderStatus.REFUNDED: OrderEvent.REFUNDED,
    OrderStatus.CANCELLED: OrderEvent.CANCELLED,
    OrderStatus.VOIDED: OrderEvent.VOIDED,
    OrderStatus.CLOSED: OrderEvent.CLOSED,
}


def event_for(old_status: str | None, new_status: str) -> OrderEvent:
    """The event of a change from `old_status` (None: the order is new) to `new_status`.

    A move into a status names what happened; a change that keeps the status (or moves between
    awaiting payment and paid) is an update. A further fulfilment of a partially fulfilled order is
    a fulfilment again only when the status moves on (to fulfilled); otherwise it is an update whose
    changed fields say what moved.
    """
    if old_status is None:
        return OrderEvent.CREATED
    new = OrderStatus(new_status)
    if OrderStatus(old_status) is new:
        return OrderEvent.UPDATED
    return _EVENT_OF_STATUS.get(new, OrderEvent.UPDATED)


@dataclass(frozen=True)
class DomainEvent:
    event_type: OrderEvent
    detail: dict[str, Any]

    @property
    def event_id(self) -> str:
        return str(self.detail["event_id"])


def event_id(tenant_id: str, order_id: str, version: int, event_type: OrderEvent) -> str:
    return hashlib.sha256(f"{tenant_id}|{order_id}|{version}|{event_type.value}".encode()).hexdigest()[:32]


#: An override line's money members: stored as exact strings, answered as JSON numbers.
_OVERRIDE_MONEY = ("original_unit_price", "override_unit_price", "override_total")


def override_of(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> dict[str, Any] | None:
    """The admin override (`{by_key_id, lines}`) a version made: the new document's, when the version
    before had none or another (an order is overridden when it is created: its first version); its
    amounts as Decimals (the stored document keeps money as exact strings)."""
    override = new.get("override")
    if not override or (old is not None and old.get("override") == override):
        return None
    lines = [
        {k: Decimal(v) if k in _OVERRIDE_MONEY and isinstance(v, str) else v for k, v in line.items()}
        for line in override.get("lines", [])
    ]
    return {**override, "lines": lines}


def order_event(
    tenant_id: str, old: Mapping[str, Any] | None, new: Mapping[str, Any], changed: Sequence[str]
) -> DomainEvent:
    """The event of one order version (`old` None: the order was created)."""
    event_type = event_for(old["status"] if old is not None else None, new["status"])
    version = int(new["sys_version"])
    detail = {
        "event_id": event_id(tenant_id, new["id"], version, event_type),
        "tenant_id": tenant_id,
        "order_id": new["id"],
        "number": new.get("number"),
        "sys_version": version,
        "status": new["status"],
        "changed": list(changed),
    }
    override = override_of(old, new)
    if override is not None:
        detail["override"] = override
    return DomainEvent(event_type, detail)


def put_events_entries(events: Sequence[DomainEvent], bus_name: str) -> list[dict[str, Any]]:
    """PutEvents entries, in the events' order (at most 10 per call: the caller batches)."""
    return [
        {
            "Source": SOURCE,
            "DetailType": event.event_type.value,
            "Detail": jsonio.dumps(event.detail),
            "EventBusName": bus_name,
        }
        for event in events
    ]


def failed(events: Sequence[DomainEvent], response: Mapping[str, Any]) -> list[DomainEvent]:
    """The events a PutEvents answer did not accept (its entries line up with the request's)."""
    if not response.get("FailedEntryCount"):
        return []
    results = response.get("Entries") or []
    return [event for event, result in zip(events, results, strict=False) if result.get("ErrorCode")] + list(
        events[len(results) :]
    )
