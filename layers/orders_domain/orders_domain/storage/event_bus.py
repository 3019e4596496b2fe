"""Domain events to EventBridge: the only code that calls PutEvents.

A PutEvents call takes at most 10 entries and less than 256 KB of them (EventBridge's entry size:
Source, DetailType and Detail in UTF-8 bytes, `entry_size`), so `calls` packs the events into as
few calls as those two limits allow, in their order; an event too large for any call is refused
without one. The calls of one publication run at once (`max_workers` threads on the one client,
which is thread-safe): a batch's 10 calls take one round trip, not ten. EventBridge keeps no order
between events anyway; each carries its order's `sys_version`.

PutEvents may accept some entries and refuse others (its answer lists them in the request's order):
`publish` returns exactly the refused ones, and every event of a call that failed as a whole, so
their stream records are retried and no event is dropped silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from orders_domain.domain import events
from orders_domain.domain.events import DomainEvent

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient

#: PutEvents' limit of entries per call.
MAX_ENTRIES_PER_CALL = 10
#: PutEvents' limit on the summed size of a call's entries (it must stay below it).
MAX_BYTES_PER_CALL = 256 * 1024
#: PutEvents calls of one publication at once (a batch of 100 events is 10 calls).
PUBLISH_WORKERS = 10


def entry_size(entry: Mapping[str, Any]) -> int:
    """An entry's size as EventBridge counts it: Time 14 bytes when given; Source, DetailType,
    Detail and each of Resources by their UTF-8 bytes."""
    size = 14 if entry.get("Time") is not None else 0
    for name in ("Source", "DetailType", "Detail"):
        size += len(str(entry.get(name) or "").encode("utf-8"))
    return size + sum(len(str(r).encode("utf-8")) for r in entry.get("Resources") or [])


def calls(entries: Sequence[Mapping[str, Any]]) -> tuple[list[list[int]], list[int]]:
    """The entries (by index) packed into PutEvents calls, in order, each at most
    MAX_ENTRIES_PER_CALL entries below MAX_BYTES_PER_CALL; and the entries no call can take."""
    packed: list[list[int]] = []
    too_large: list[int] = []
    current: list[int] = []
    size = 0
    for index, entry in enumerate(entries):
        this = entry_size(entry)
        if this >= MAX_BYTES_PER_CALL:
            too_large.append(index)
            continue
        if current and (len(current) == MAX_ENTRIES_PER_CALL or size + this >= MAX_BYTES_PER_CALL):
            packed.append(current)
            current, size = [], 0
        current.append(index)
        size += this
    if current:
        packed.append(current)
    return packed, too_large


class EventBridgePublisher:
    def __init__(
        self, client: EventBridgeClient, bus_name: str, *, max_workers: int = PUBLISH_WORKERS
    ) -> None:
        self.client = client
        self._bus = bus_name
        #: 1: the calls one after another (the bench's "sequential" figure).
        self.max_workers = max_workers
        self._pools: dict[int, ThreadPoolExecutor] = {}

    def _pool(self) -> ThreadPoolExecutor:
        """The pool of `max_workers` threads, made on the first publication and kept for the next."""
        if self.max_workers not in self._pools:
            self._pools[self.max_workers] = ThreadPoolExecutor(
                self.max_workers, thread_name_prefix="put-events"
            )
        return self._pools[self.max_workers]

    def publish(self, domain_events: Sequence[DomainEvent]) -> list[DomainEvent]:
        entries = events.put_events_entries(domain_events, self._bus)
        packed, too_large = calls(entries)
        chunks = [[domain_events[i] for i in chunk] for chunk in packed]
        requests = [[entries[i] for i in chunk] for chunk in packed]
        workers = max(1, min(self.max_workers, len(chunks)))
        if workers == 1:
            answers = [self._put(chunk, request) for chunk, request in zip(chunks, requests, strict=True)]
        else:
            answers = list(self._pool().map(self._put, chunks, requests))
        refused = {id(event) for answer in answers for event in answer}
        refused.update(id(domain_events[i]) for i in too_large)
        # In the events' order, whichever call refused them.
        return [event for event in domain_events if id(event) in refused]

    def _put(self, chunk: list[DomainEvent], request: list[dict[str, Any]]) -> list[DomainEvent]:
        try:
            answer = self.client.put_events(Entries=request)  # type: ignore[arg-type]
        except (ClientError, BotoCoreError):
            return chunk
        return events.failed(chunk, answer)
