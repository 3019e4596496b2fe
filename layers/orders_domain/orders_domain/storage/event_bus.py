"""Domain events to EventBridge: the only code that calls PutEvents.

PutEvents takes at most 10 entries a call and may accept some and refuse others (its answer lists
them in the request's order): `publish` returns exactly the refused ones, and every event of a call
that failed as a whole, so their stream records are retried and no event is dropped silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from orders_domain.domain import events
from orders_domain.domain.events import DomainEvent

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient

#: PutEvents' limit of entries per call.
MAX_ENTRIES_PER_CALL = 10


class EventBridgePublisher:
    def __init__(self, client: EventBridgeClient, bus_name: str) -> None:
        self._client = client
        self._bus = bus_name

    def publish(self, domain_events: Sequence[DomainEvent]) -> list[DomainEvent]:
        refused: list[DomainEvent] = []
        for start in range(0, len(domain_events), MAX_ENTRIES_PER_CALL):
            chunk = list(domain_events[start : start + MAX_ENTRIES_PER_CALL])
            try:
                answer = self._client.put_events(Entries=events.put_events_entries(chunk, self._bus))  # type: ignore[arg-type]
            except (ClientError, BotoCoreError):
                refused += chunk
                continue
            refused += events.failed(chunk, answer)
        return refused
