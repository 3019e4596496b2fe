"""ProjectOrderChanges on in-memory stores: puts at once, any order of landing, throttling tried again
within the retry window, and a failure that stays with its change."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Sequence
from typing import Any

import pytest
from orders_domain.domain import coupon_rows
from orders_domain.domain.coupon_rows import UsageRow
from orders_domain.domain.errors import Throttled, Unavailable
from orders_domain.domain.history_entries import HistoryEntry
from orders_domain.domain.order_changes import OrderChange
from orders_domain.models import OrderCreateRequest
from orders_domain.services import CreateOrders
from orders_domain.services.project import (
    RETRY_LONGEST_PAUSE,
    RETRY_WINDOW_SECONDS,
    ProjectOrderChanges,
    retry_window,
)

from harness.stream_replay import RecordingPublisher
from tests.fakes import InMemoryOrderRepository
from tests.helpers import COUPON_ORDER_REQUEST

TENANT = "tenant-a"


class History:
    """`project.HistoryWrites`: an entry per (order, version), put as it comes; the calls it got."""

    most_per_call = 25

    def __init__(self) -> None:
        self.entries: dict[tuple[str, int], HistoryEntry] = {}
        self.calls: list[list[tuple[str, int]]] = []
        self.lock = threading.Lock()

    def put_entries(self, entries: Sequence[tuple[str, str, HistoryEntry]]) -> list[Exception | None]:
        with self.lock:
            self.calls.append([(order_id, entry.version) for _, order_id, entry in entries])
        return [self.put(order_id, entry) for _, order_id, entry in entries]

    def put(self, order_id: str, entry: HistoryEntry) -> Exception | None:
        with self.lock:
            self.entries[(order_id, entry.version)] = entry
        return None


class Coupons:
    """`ports.CouponUsageStore`: each row or tombstone kept only from a newer version on."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, int], tuple[int, dict[str, Any] | None]] = {}
        self.lock = threading.Lock()

    def apply(
        self, tenant_id: str, order_id: str, version: int, writes: list[UsageRow], removals: list[int]
    ) -> int:
        done = 0
        with self.lock:
            for position, row in [(w.position, w.row) for w in writes] + [(p, None) for p in removals]:
                held = self.rows.get((order_id, position))
                if held is None or held[0] < version:
                    self.rows[(order_id, position)] = (version, row)
                    done += 1
        return done


class Clock:
    """A clock that moves only when the service sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def projector(
    history: Any = None, coupons: Any = None, clock: Clock | None = None, **options: Any
) -> ProjectOrderChanges:
    clock = clock or Clock()
    stores: Any = (history or History(), coupons or Coupons())  # the ports' write methods only
    return ProjectOrderChanges(
        stores[0],
        stores[1],
        RecordingPublisher(),
        read=lambda _: None,
        sleep=clock.sleep,
        clock=lambda: clock.now,
        jitter=lambda bound: bound,  # the longest pause each time: the bound is what is tested
        **options,
    )


def document(body: dict[str, Any] | None = None) -> dict[str, Any]:
    request = OrderCreateRequest.model_validate(body or COUPON_ORDER_REQUEST)
    order = CreateOrders(InMemoryOrderRepository()).create(request, tenant_id=TENANT, actor="key_t").order
    loaded: dict[str, Any] = json.loads(order.model_dump_json(exclude_none=True))
    return loaded


def versions() -> list[OrderChange]:
    """An order's create, a note, its first coupon removed, and its removal from the table."""
    v1 = document()
    v2 = {**v1, "notes": "gift wrap", "sys_version": 2}
    v3 = {**v2, "coupons": v2["coupons"][1:], "sys_version": 3}
    return [
        OrderChange(TENANT, v1["id"], "1", None, v1),
        OrderChange(TENANT, v1["id"], "2", v1, v2),
        OrderChange(TENANT, v1["id"], "3", v2, v3),
        OrderChange(TENANT, v1["id"], "4", v3, None),
    ]


def test_given_the_changes_of_an_order_in_every_order_of_landing_then_the_projections_are_the_same() -> None:
    changes = versions()
    expected: Any = None
    for arrival in itertools.permutations(changes):
        history, coupons = History(), Coupons()
        service = projector(history, coupons)
        projections = [p for p in map(service.plan, arrival) if p is not None]
        assert service.write(projections, retry_for=1).errors == [None] * len(projections)
        # and delivered again, in the same batch, as a redelivery would
        assert service.write(projections, retry_for=1).errors == [None] * len(projections)
        state = (sorted(history.entries), dict(coupons.rows))
        expected = expected or state
        assert state == expected
    entries, rows = expected
    assert entries == [(changes[0].order_id, 1), (changes[0].order_id, 2), (changes[0].order_id, 3)]
    # version 3 moved the second coupon's row to position 0 and removed position 1; the item's
    # removal tombstoned what was left, as of the version after its last (4)
    assert {position: held for (_, position), held in rows.items()} == {0: (4, None), 1: (3, None)}


def test_plan_names_the_puts_and_the_event_and_nothing_for_a_write_that_kept_the_version() -> None:
    v1 = document()
    service = projector()
    created = service.plan(OrderChange(TENANT, v1["id"], "1", None, v1))
    assert created is not None
    assert created.puts == 3  # the entry and two coupon rows
    assert created.event is not None
    assert created.event.detail["sys_version"] == 1
    assert service.plan(OrderChange(TENANT, v1["id"], "2", v1, {**v1, "notes": "same version"})) is None
    plain = document({"line_items": COUPON_ORDER_REQUEST["line_items"]})
    assert service.plan(OrderChange(TENANT, plain["id"], "3", plain, None)) is None  # no rows to remove


def test_the_puts_of_a_batch_run_at_once_up_to_the_workers() -> None:
    # Each put waits until four puts are under way: with one at a time it would never get there.
    together = threading.Barrier(4, timeout=5)

    class Waiting(History):
        most_per_call = 2

        def put_entries(self, entries: Sequence[tuple[str, str, HistoryEntry]]) -> list[Exception | None]:
            together.wait()
            return super().put_entries(entries)

    plain = [document({"line_items": COUPON_ORDER_REQUEST["line_items"]}) for _ in range(8)]
    history = Waiting()
    service = projector(history, workers=4)
    projections = [service.plan(OrderChange(TENANT, d["id"], str(n), None, d)) for n, d in enumerate(plain)]
    report = service.write([p for p in projections if p is not None], retry_for=1)
    assert report.errors == [None] * 8
    assert sorted(len(call) for call in history.calls) == [2, 2, 2, 2]  # most_per_call entries a call


class Flaky(History):
    """Answers `errors[order_id]` (a list, used up one per put) for an entry instead of storing it."""

    def __init__(self, errors: dict[str, list[Exception]]) -> None:
        super().__init__()
        self.errors = errors

    def put(self, order_id: str, entry: HistoryEntry) -> Exception | None:
        pending = self.errors.get(order_id) or []
        return pending.pop(0) if pending else super().put(order_id, entry)


def test_a_throttled_put_is_tried_again_with_doubling_pauses_and_the_change_succeeds() -> None:
    (change, *_) = versions()
    clock = Clock()
    history = Flaky({change.order_id: [Throttled("busy"), Unavailable("500"), Throttled("busy")]})
    service = projector(history, clock=clock)
    projection = service.plan(change)
    assert projection is not None
    report = service.write([projection], retry_for=RETRY_WINDOW_SECONDS)
    assert report.errors == [None]
    assert report.retries == 3
    assert clock.slept == [0.05, 0.1, 0.2]
    assert (change.order_id, 1) in history.entries


def test_a_put_throttled_past_the_retry_window_fails_its_change_alone() -> None:
    first, second = document(), document()
    clock = Clock()
    history = Flaky({first["id"]: [Throttled("busy")] * 100})
    service = projector(history, clock=clock)
    projections = [
        service.plan(OrderChange(TENANT, first["id"], "1", None, first)),
        service.plan(OrderChange(TENANT, second["id"], "2", None, second)),
    ]
    report = service.write([p for p in projections if p is not None], retry_for=10.0)
    assert isinstance(report.errors[0], Throttled)
    assert report.errors[1] is None
    # pauses double up to the longest and stop before the window's end
    assert clock.slept[:3] == [0.05, 0.1, 0.2]
    assert max(clock.slept) == RETRY_LONGEST_PAUSE
    assert sum(clock.slept) <= 10.0
    assert sum(clock.slept) + RETRY_LONGEST_PAUSE > 10.0  # it stopped only when the next would pass it
    assert (second["id"], 1) in history.entries


def test_only_the_entries_left_unprocessed_are_put_again_and_a_raising_call_fails_all_its_changes() -> None:
    first, second, third = document(), document(), document()
    history = Flaky({second["id"]: [Throttled("unprocessed")]})
    service = projector(history)
    planned = [
        service.plan(OrderChange(TENANT, d["id"], str(n), None, d))
        for n, d in enumerate([first, second, third])
    ]
    report = service.write([p for p in planned if p is not None], retry_for=1)
    assert report.errors == [None, None, None]
    assert history.calls == [[(first["id"], 1), (second["id"], 1), (third["id"], 1)], [(second["id"], 1)]]

    class Broken(History):
        def put_entries(self, entries: Sequence[tuple[str, str, HistoryEntry]]) -> list[Exception | None]:
            raise RuntimeError("the store's own failure")

    service = projector(Broken())
    report = service.write([p for p in planned if p is not None], retry_for=1)
    assert [type(e) for e in report.errors] == [RuntimeError] * 3
    assert report.retries == 0


def test_a_version_named_twice_in_a_batch_is_put_once_and_its_failure_fails_both() -> None:
    (change, *_) = versions()
    history = Flaky({change.order_id: [ValueError("refused")]})
    service = projector(history)
    projection = service.plan(change)
    assert projection is not None
    report = service.write([projection, projection], retry_for=1)
    assert [type(e) for e in report.errors] == [ValueError, ValueError]
    assert history.calls == [[(change.order_id, 1)]]


def test_any_other_error_fails_its_change_at_once_without_a_pause() -> None:
    (change, *_) = versions()
    clock = Clock()
    history = Flaky({change.order_id: [ValueError("an item too large")]})
    service = projector(history, clock=clock)
    projection = service.plan(change)
    assert projection is not None
    report = service.write([projection], retry_for=RETRY_WINDOW_SECONDS)
    assert isinstance(report.errors[0], ValueError)
    assert (report.retries, clock.slept) == (0, [])


@pytest.mark.parametrize(
    ("remaining", "window"),
    [(60.0, RETRY_WINDOW_SECONDS), (90.0, RETRY_WINDOW_SECONDS), (9.0, 3.0), (0.0, 0.0)],
)
def test_the_retry_window_is_twenty_seconds_or_a_third_of_the_time_left(
    remaining: float, window: float
) -> None:
    assert retry_window(remaining) == window


def test_the_coupon_rows_of_a_change_are_written_one_put_each() -> None:
    v1 = document()
    calls: list[tuple[int, list[int], list[int]]] = []

    class Recording(Coupons):
        def apply(
            self, tenant_id: str, order_id: str, version: int, writes: list[UsageRow], removals: list[int]
        ) -> int:
            calls.append((version, [w.position for w in writes], removals))
            return super().apply(tenant_id, order_id, version, writes, removals)

    service = projector(coupons=Recording())
    v2 = {**v1, "coupons": v1["coupons"][1:], "total": "1.00", "sys_version": 2}
    planned = [
        service.plan(OrderChange(TENANT, v1["id"], str(n), old, new))
        for n, (old, new) in enumerate([(None, v1), (v1, v2)])
    ]
    service.write([p for p in planned if p is not None], retry_for=1)
    assert sorted(calls) == [(1, [0], []), (1, [1], []), (2, [], [1]), (2, [0], [])]
    assert len(coupon_rows.rows_for(TENANT, v2)) == 1
