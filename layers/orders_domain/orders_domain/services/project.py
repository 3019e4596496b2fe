"""The read models derived from order changes: the one place they are made (the stream consumer).

For each change of an order (order_changes.OrderChange) `ProjectOrderChanges.plan` works out
- the version's history entry (an item of its own per version),
- the order's coupon usage rows to write and remove (each put conditional on the order version), and
- the version's domain event, which the caller publishes with the batch's others once its writes
  are done (`publish`: the publisher packs them into PutEvents calls; the refused ones come back,
  to fail their records).

Every effect is keyed by the order version, so projecting a change again, late, or out of order
with the order's other changes leaves every projection as it was: the stream's at-least-once
delivery gives exactly-once effects. Events carry an id derived from the version, so a repeated
publication is recognisably the same event. Operations never write history or events themselves.

`write` stores a whole batch's projections at once, on a bounded pool of threads sharing the
stores' client: the history entries `most_per_call` to a call (one BatchWriteItem of unconditional
puts: storage/history.py says why no condition is needed), each coupon row in a put of its own,
conditional on the order version. The rows need that condition: a row is "the newest version's
wins", and an unconditional put (BatchWriteItem cannot carry a condition) from a late or replayed
older record would overwrite a newer version's row or tombstone. Since every put is keyed by version
(and the row puts conditional), the order the puts land in changes nothing, records of the same
order included.

A throttled put (`Throttled`, raised after the SDK's own retries, or an entry BatchWriteItem left
unprocessed) or one the store failed on its side (`Unavailable`) is tried again here, with
full-jitter exponential backoff (`RETRY_FIRST_PAUSE` doubling up to `RETRY_LONGEST_PAUSE`), for as
long as the batch's retry window lasts (`retry_window`); then, or at once for any other error, its
change fails alone: the caller reports its record failed and does not publish its event.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

from orders_domain.domain import coupon_rows, events, history_entries
from orders_domain.domain.coupon_rows import UsageRow
from orders_domain.domain.errors import Throttled, Unavailable
from orders_domain.domain.events import DomainEvent
from orders_domain.domain.history_entries import HistoryEntry
from orders_domain.domain.order_changes import OrderChange
from orders_domain.domain.ports import CouponUsageStore, EventPublisher

#: Puts of one batch at once. As many as the DynamoDB client's pooled connections
#: (runtime/wiring.py, max_pool_connections): more threads than connections would open and drop
#: a connection per extra put.
WRITE_WORKERS = 16
#: The first pause before a transient failure is tried again (a random share of it: full jitter);
#: it doubles with each try, up to RETRY_LONGEST_PAUSE.
RETRY_FIRST_PAUSE = 0.05
RETRY_LONGEST_PAUSE = 2.0
#: No write is tried again later than this after the batch's writes started.
RETRY_WINDOW_SECONDS = 20.0


class HistoryWrites(Protocol):
    """What the consumer needs of the history store (ports.HistoryStore's writing side)."""

    #: The most entries one `put_entries` call takes.
    most_per_call: int

    def put_entries(self, entries: Sequence[tuple[str, str, HistoryEntry]]) -> list[Exception | None]:
        """Store (tenant, order id, entry)s, each its version's own item; per entry, None when it is
        stored, else its error (`Throttled`/`Unavailable`: try it again)."""


@dataclass(frozen=True)
class _Call:
    """One store call of a batch: the projections each of its puts belongs to, and the call, which
    takes the positions of the puts still to make and answers None or an error for each."""

    owners: list[tuple[int, ...]]
    make: Callable[[list[int]], Sequence[Exception | None]]


def retry_window(remaining_seconds: float) -> float:
    """How long into a batch's writes a failed write may still be tried again: RETRY_WINDOW_SECONDS,
    or a third of the time the invocation has left when that is less (the rest leaves room for a
    call already under way, with the SDK's own retries, and for publishing)."""
    return max(0.0, min(RETRY_WINDOW_SECONDS, remaining_seconds / 3))


@dataclass(frozen=True)
class Projection:
    """What one order change brings about: the puts that store it, and its event (None: nothing to
    announce: a write that kept the version, or the removal of the item)."""

    tenant_id: str
    order_id: str
    #: The version the coupon row puts are conditional on.
    version: int
    entry: HistoryEntry | None
    row_writes: tuple[UsageRow, ...]
    row_removals: tuple[int, ...]
    event: DomainEvent | None

    @property
    def puts(self) -> int:
        return (self.entry is not None) + len(self.row_writes) + len(self.row_removals)


@dataclass
class WriteReport:
    #: Per projection, in their order: None when every put of it took effect or was already there,
    #: else the error that stopped one (the projection is incomplete: its record is to be retried).
    errors: list[Exception | None]
    #: Store calls made again (for their puts that failed transiently).
    retries: int = 0


@dataclass
class ProjectOrderChanges:
    history: HistoryWrites
    coupons: CouponUsageStore
    publisher: EventPublisher
    #: A raw stream record -> the order change it is, None when it is another item's write
    #: (storage.order_records.order_change; a `MalformedRecord` fails that record alone).
    read: Callable[[Mapping[str, Any]], OrderChange | None]
    #: Store calls at once (1: each after the one before: the bench's "one_by_one" and "batched").
    workers: int = WRITE_WORKERS
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    _pools: dict[int, ThreadPoolExecutor] = field(default_factory=dict, init=False, repr=False)
    #: A random pause between 0 and the bound it is given (full jitter).
    jitter: Callable[[float], float] = field(
        default=lambda bound: random.uniform(0.0, bound),  # noqa: S311 - backoff jitter, not security
        repr=False,
    )

    def plan(self, change: OrderChange) -> Projection | None:
        """What bringing every projection up to this change takes (None: nothing at all)."""
        if not change.changes_the_order:
            return None
        tenant_id, order_id = change.tenant_id, change.order_id
        old_rows = coupon_rows.rows_for(tenant_id, change.old) if change.old is not None else []
        if change.new is None:
            # The item itself was removed (never by the API, which soft-deletes): its rows go, as
            # of a version after the last one it had.
            if not old_rows:
                return None
            positions = tuple(r.position for r in old_rows)
            return Projection(tenant_id, order_id, change.version + 1, None, (), positions, None)
        entry = history_entries.entry_for(change.old, change.new)
        writes, removals = coupon_rows.changes(old_rows, coupon_rows.rows_for(tenant_id, change.new))
        event = events.order_event(tenant_id, change.old, change.new, entry.changed)
        return Projection(tenant_id, order_id, change.version, entry, tuple(writes), tuple(removals), event)

    def _pool(self) -> ThreadPoolExecutor:
        """The pool of `workers` threads, made on the first batch and kept: a warm instance's next
        batch reuses its threads (and their connections) instead of starting new ones."""
        if self.workers not in self._pools:
            self._pools[self.workers] = ThreadPoolExecutor(self.workers, thread_name_prefix="projection")
        return self._pools[self.workers]

    def write(self, projections: Sequence[Projection], *, retry_for: float) -> WriteReport:
        """Store the projections: their calls at once (`workers` at a time), each transient failure
        tried again while `retry_for` seconds from now have not run out."""
        calls = self._history_calls(projections) + self._row_calls(projections)
        deadline = self.clock() + retry_for
        run = partial(self._run, deadline=deadline)
        one_at_a_time = min(self.workers, len(calls)) <= 1
        outcomes = [run(call) for call in calls] if one_at_a_time else list(self._pool().map(run, calls))
        report = WriteReport(errors=[None] * len(projections))
        for call, (retries, errors) in zip(calls, outcomes, strict=True):
            report.retries += retries
            for owners, error in zip(call.owners, errors, strict=True):
                for owner in owners:
                    if error is not None and report.errors[owner] is None:
                        report.errors[owner] = error
        return report

    def _history_calls(self, projections: Sequence[Projection]) -> list[_Call]:
        # One put per version, whichever projections name it (a record delivered twice in a batch).
        entries: dict[tuple[str, str, int], tuple[str, str, HistoryEntry]] = {}
        owners: dict[tuple[str, str, int], list[int]] = {}
        for index, p in enumerate(projections):
            if p.entry is not None:
                key = (p.tenant_id, p.order_id, p.entry.version)
                entries.setdefault(key, (p.tenant_id, p.order_id, p.entry))
                owners.setdefault(key, []).append(index)
        keys = list(entries)
        size = max(1, self.history.most_per_call)
        calls = []
        for start in range(0, len(keys), size):
            chunk = [entries[key] for key in keys[start : start + size]]

            def make(
                positions: list[int], chunk: list[tuple[str, str, HistoryEntry]] = chunk
            ) -> list[Exception | None]:
                return self.history.put_entries([chunk[i] for i in positions])

            calls.append(_Call([tuple(owners[key]) for key in keys[start : start + size]], make))
        return calls

    def _row_calls(self, projections: Sequence[Projection]) -> list[_Call]:
        calls = []
        for index, p in enumerate(projections):
            puts: list[tuple[list[UsageRow], list[int]]] = [([row], []) for row in p.row_writes]
            puts += [([], [position]) for position in p.row_removals]
            for writes, removals in puts:
                apply = partial(self.coupons.apply, p.tenant_id, p.order_id, p.version, writes, removals)
                calls.append(_Call([(index,)], partial(_once, apply)))
        return calls

    def _run(self, call: _Call, *, deadline: float) -> tuple[int, list[Exception | None]]:
        """Make the call, then again for its puts that failed transiently, pausing before each time,
        until none is left or the next pause would end past `deadline`: (times made again, the
        error of each put or None)."""
        errors: list[Exception | None] = [None] * len(call.owners)
        pending = list(range(len(call.owners)))
        retries = 0
        while True:
            try:
                answers = list(call.make(pending))
            except Exception as error:  # noqa: BLE001 - any failure fails this call's changes alone
                answers = [error] * len(pending)
            for position, answer in zip(pending, answers, strict=True):
                errors[position] = answer
            pending = [i for i in pending if isinstance(errors[i], Throttled | Unavailable)]
            if not pending:
                return retries, errors
            pause = self.jitter(min(RETRY_LONGEST_PAUSE, RETRY_FIRST_PAUSE * 2**retries))
            if self.clock() + pause > deadline:
                return retries, errors
            self.sleep(pause)
            retries += 1

    def publish(self, domain_events: Sequence[DomainEvent]) -> list[DomainEvent]:
        """Publish events; those not accepted (their records are to be retried)."""
        return self.publisher.publish(domain_events) if domain_events else []


def _once(apply: Callable[[], object], positions: list[int]) -> list[Exception | None]:
    """A single put as a call of one (its failure raises)."""
    apply()
    return [None]
