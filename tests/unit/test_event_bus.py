"""EventBridgePublisher: calls packed by count and size, made at once, and exactly the refused events back."""

from __future__ import annotations

import json
import threading
from typing import Any

from botocore.exceptions import ClientError
from orders_domain.domain import events
from orders_domain.domain.events import DomainEvent
from orders_domain.storage import event_bus
from orders_domain.storage.event_bus import MAX_BYTES_PER_CALL, EventBridgePublisher, calls, entry_size


def event(n: int, padding: int = 0) -> DomainEvent:
    document = {"id": f"o{n}", "number": n, "status": "paid", "sys_version": 1}
    made = events.order_event("t1", None, document, [""])
    if padding:
        made.detail["pad"] = "x" * padding
    return made


class FakeEventBridge:
    """put_events that records each request, refuses the entries whose detail says so, and fails
    whole calls holding an order named in `broken`."""

    def __init__(self, broken: frozenset[str] = frozenset(), wait_for: int = 0) -> None:
        self.requests: list[list[dict[str, Any]]] = []
        self.broken = broken
        self.lock = threading.Lock()
        self.together = threading.Barrier(wait_for, timeout=5) if wait_for else None

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        with self.lock:
            self.requests.append(Entries)
        if self.together is not None:
            self.together.wait()
        orders = [json.loads(e["Detail"])["order_id"] for e in Entries]
        if self.broken & set(orders):
            raise ClientError({"Error": {"Code": "InternalException", "Message": "x"}}, "PutEvents")
        answers = [
            {"ErrorCode": "Refused", "ErrorMessage": "x"} if order.endswith("refuse") else {"EventId": order}
            for order in orders
        ]
        return {"FailedEntryCount": sum("ErrorCode" in a for a in answers), "Entries": answers}


def test_the_size_of_an_entry_is_source_detail_type_detail_and_resources_in_utf8_bytes() -> None:
    entry = {"Source": "ab", "DetailType": "c", "Detail": '{"é":1}', "EventBusName": "not counted"}
    assert entry_size(entry) == 2 + 1 + 8  # é is two bytes
    assert entry_size({**entry, "Time": "2026-01-01", "Resources": ["arn:x"]}) == 11 + 14 + 5


def test_calls_hold_at_most_ten_entries_and_stay_under_the_size_limit_in_order() -> None:
    small = {"Source": "s", "DetailType": "d", "Detail": "x" * 100}
    assert calls([small] * 25) == ([list(range(10)), list(range(10, 20)), list(range(20, 25))], [])
    # Three of a third of the limit each do not fit one call; one the size of the limit fits none.
    third = {"Source": "s", "DetailType": "d", "Detail": "x" * (MAX_BYTES_PER_CALL // 3)}
    huge = {"Source": "s", "DetailType": "d", "Detail": "x" * MAX_BYTES_PER_CALL}
    assert calls([third, third, huge, third, small]) == ([[0, 1], [3, 4]], [2])


def test_a_batch_of_events_is_published_in_calls_made_at_once() -> None:
    client = FakeEventBridge(wait_for=3)  # each call waits for the other two: only at once succeeds
    publisher = EventBridgePublisher(client, "bus")  # type: ignore[arg-type]
    published = [event(n) for n in range(25)]
    assert publisher.publish(published) == []
    assert sorted(len(r) for r in client.requests) == [5, 10, 10]
    assert all(e["EventBusName"] == "bus" for r in client.requests for e in r)


def test_exactly_the_refused_events_come_back_in_their_order_from_every_kind_of_failure() -> None:
    published = [event(n) for n in range(30)]
    published[3].detail["order_id"] = "o3-refuse"
    published[27].detail["order_id"] = "o27-refuse"
    too_large = event(99, padding=MAX_BYTES_PER_CALL)
    published.insert(15, too_large)
    client = FakeEventBridge(broken=frozenset({"o12"}))  # the second call (o10..o19) fails whole
    refused = EventBridgePublisher(client, "bus").publish(published)  # type: ignore[arg-type]
    second_call = [e for e in published if e is not too_large and 10 <= e.detail["number"] <= 19]
    assert refused == [
        published[3],
        *[e for e in published if e in second_call or e is too_large],
        published[28],
    ]
    assert all(too_large.detail["pad"] not in e["Detail"] for r in client.requests for e in r)


def test_one_worker_makes_the_calls_one_after_another() -> None:
    client = FakeEventBridge()
    publisher = EventBridgePublisher(client, "bus", max_workers=1)  # type: ignore[arg-type]
    assert publisher.publish([event(n) for n in range(12)]) == []
    assert [len(r) for r in client.requests] == [10, 2]
    assert event_bus.PUBLISH_WORKERS == 10
