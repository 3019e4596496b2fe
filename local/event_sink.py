"""Where `make serve` publishes domain events instead of EventBridge: memory and a JSON-lines file.

On AWS the stream consumer puts each order version's event on the orders bus. Locally there is no
bus, but a developer still wants to see what would have been published: `LocalEventSink` is the
EventPublisher the local wiring gets. It keeps the last events in memory for `GET /_local/events`
and appends every one to a file (`.local-data/events.jsonl`) that `tail -f` can follow.

`GET /_local/events` takes an API key, checked as the authorizer checks it (the same headers and
Authenticator), and answers that key's tenant's events only (each event's `detail.tenant_id`):
401 without a valid key, 403 for a key without `orders:read`, as the API's own read routes answer.

Each event is kept as EventBridge would deliver it (`id`, `detail-type`, `source`, `time`,
`detail`), with `id` the domain event's own id (stable across redeliveries, so a replayed stream
record shows up as the same id again, as a duplicate delivery would on AWS) and `position`, its
line number in the file, which `events(after=...)` and `?after=` page by. Positions continue
across restarts: the sink starts from the file's last lines.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orders_domain.domain import jsonio
from orders_domain.domain.events import SOURCE, DomainEvent

if TYPE_CHECKING:  # local.gateway is imported only where the gateway runs (it sets the environment)
    from local.gateway import LocalRequest

#: How many events memory (and `GET /_local/events`) keeps; the file keeps them all.
DEFAULT_KEEP = 1000


def key_tenant(headers: Mapping[str, str]) -> str:
    """The tenant of the request's API key, checked as the authorizer checks it (the same headers,
    the same Authenticator: an unknown or revoked key fails here too). LocalRouteRefused otherwise:
    UNAUTHORIZED without a valid key, ACCESS_DENIED for a key without `orders:read`."""
    from orders_domain.domain.errors import Unauthorized
    from orders_domain.http.auth import api_key_from_headers
    from orders_domain.http.routes import SCOPE_READ
    from orders_domain.runtime import wiring

    from local.gateway import LocalRouteRefused

    try:
        principal = wiring.current().authenticator.authenticate(api_key_from_headers(dict(headers)))
    except Unauthorized:
        raise LocalRouteRefused("UNAUTHORIZED") from None
    if SCOPE_READ not in principal.scopes:
        raise LocalRouteRefused("ACCESS_DENIED")
    return principal.tenant_id


def tenant_of(event: Mapping[str, Any]) -> str | None:
    """The tenant an event belongs to (every domain event's detail names it)."""
    detail = event.get("detail")
    tenant = detail.get("tenant_id") if isinstance(detail, dict) else None
    return tenant if isinstance(tenant, str) else None


class LocalEventSink:
    """An EventPublisher that never refuses: every event is kept (memory, file) and none retried."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        keep: int = DEFAULT_KEEP,
        authenticate: Callable[[Mapping[str, str]], str] = key_tenant,
    ) -> None:
        self.path = path
        #: Request headers -> the caller's tenant, or LocalRouteRefused (see key_tenant).
        self.authenticate = authenticate
        self._lock = threading.Lock()
        self._events: deque[dict[str, Any]] = deque(maxlen=keep)
        self._count = 0
        if path is not None and path.is_file():
            self._resume(path)

    def _resume(self, path: Path) -> None:
        """Number on from the file's last line and keep its last `keep` events in memory."""
        lines: deque[str] = deque(maxlen=self._events.maxlen)
        with path.open(encoding="utf-8", errors="replace") as file:
            for line in file:
                self._count += 1
                lines.append(line)
        first = self._count - len(lines) + 1
        for position, line in enumerate(lines, start=first):
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash: the rest of the file is still good
            if isinstance(event, dict):
                event["position"] = position
                self._events.append(event)

    def publish(self, events: Sequence[DomainEvent]) -> list[DomainEvent]:
        """Keep the events, in order; none is refused (returns [])."""
        if not events:
            return []
        time = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # EventBridge's own precision
        with self._lock:
            kept = []
            for event in events:
                self._count += 1
                kept.append(
                    {
                        "id": event.event_id,
                        "detail-type": event.event_type.value,
                        "source": SOURCE,
                        "time": time,
                        # Through jsonio: Decimals as JSON numbers, digit for digit, as PutEvents gets them.
                        "detail": json.loads(jsonio.dumps(event.detail)),
                        "position": self._count,
                    }
                )
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as file:
                    file.writelines(json.dumps(e, ensure_ascii=False) + "\n" for e in kept)
            self._events.extend(kept)
        return []

    def events(self, after: int = 0, *, tenant_id: str | None = None) -> list[dict[str, Any]]:
        """The kept events whose position is after `after` (of `tenant_id` only, when given),
        oldest first (copies)."""
        with self._lock:
            return [
                json.loads(json.dumps(e))
                for e in self._events
                if e["position"] > after and (tenant_id is None or tenant_of(e) == tenant_id)
            ]

    def answer(self, request: LocalRequest) -> tuple[int, dict[str, Any]]:
        """`GET /_local/events[?after=<n>]` with an API key: (status, JSON body) for the local gateway,
        the key's tenant's events only; LocalRouteRefused without a valid key."""
        tenant_id = self.authenticate(request.headers)
        after = (request.query.get("after") or "0").strip()
        if not (after.isascii() and after.isdigit()):
            return 400, {"message": "after must be a non-negative integer (an event's position)"}
        items = self.events(int(after), tenant_id=tenant_id)
        return 200, {"Count": len(items), "Items": items}
