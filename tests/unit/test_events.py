"""Domain events: stable ids across redeliveries, per-order sequence, failed entries named exactly."""

from __future__ import annotations

import json
from typing import Any

from orders_domain.domain import events
from orders_domain.domain.events import OrderEvent

V1: dict[str, Any] = {"id": "o1", "number": 3, "status": "paid", "sys_version": 1}
V2: dict[str, Any] = {**V1, "status": "cancelled", "sys_version": 2}


def test_given_a_create_and_a_cancel_then_two_events_in_version_order_with_their_changes() -> None:
    created = events.order_event("t1", None, V1, [""])
    cancelled = events.order_event("t1", V1, V2, ["/status", "/sys_version"])
    assert created.event_type is OrderEvent.CREATED
    assert cancelled.event_type is OrderEvent.CANCELLED
    assert cancelled.detail == {
        "event_id": cancelled.event_id,
        "tenant_id": "t1",
        "order_id": "o1",
        "number": 3,
        "sys_version": 2,
        "status": "cancelled",
        "changed": ["/status", "/sys_version"],
    }
    assert created.detail["sys_version"] < cancelled.detail["sys_version"]


def test_the_event_id_is_the_same_on_every_redelivery_and_differs_between_versions_and_tenants() -> None:
    first = events.order_event("t1", V1, V2, ["/status"])
    again = events.order_event("t1", V1, V2, ["/status"])
    assert first.event_id == again.event_id
    assert first.event_id != events.order_event("t1", None, V1, [""]).event_id
    assert first.event_id != events.order_event("t2", V1, V2, ["/status"]).event_id


def test_put_events_entries_carry_the_detail_as_exact_json() -> None:
    event = events.order_event("t1", V1, V2, ["/status"])
    (entry,) = events.put_events_entries([event], "orders-bus")
    assert entry["Source"] == events.SOURCE
    assert entry["DetailType"] == "OrderCancelled"
    assert entry["EventBusName"] == "orders-bus"
    assert json.loads(entry["Detail"]) == event.detail


def test_only_the_entries_putevents_refused_are_failed() -> None:
    batch = [events.order_event("t1", None, {**V1, "id": f"o{n}"}, [""]) for n in range(3)]
    accepted = {"FailedEntryCount": 0, "Entries": [{"EventId": "a"}, {"EventId": "b"}, {"EventId": "c"}]}
    assert events.failed(batch, accepted) == []
    partly = {
        "FailedEntryCount": 1,
        "Entries": [
            {"EventId": "a"},
            {"ErrorCode": "InternalFailure", "ErrorMessage": "x"},
            {"EventId": "c"},
        ],
    }
    assert events.failed(batch, partly) == [batch[1]]
    # an answer that lists fewer entries than were sent leaves the unlisted ones failed, not dropped
    short = {"FailedEntryCount": 1, "Entries": [{"EventId": "a"}]}
    assert events.failed(batch, short) == batch[1:]
