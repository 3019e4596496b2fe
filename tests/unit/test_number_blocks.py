"""Order numbers in blocks sized by each instance's rate: unique, sequential when quiet, and a
bounded number of counter writes however many instances share a burst."""

from __future__ import annotations

import random
import threading

from orders_domain.storage.number_blocks import BLOCK_INTERVAL, GROWTH, NumberBlocks, next_block_size


class Counter:
    """The tenant's counter item: ADD count, answer the new last number; records each take."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}
        self.takes: list[int] = []
        self._lock = threading.Lock()

    def take(self, tenant_id: str, count: int) -> int:
        with self._lock:
            self.takes.append(count)
            self.last[tenant_id] = self.last.get(tenant_id, 0) + count
            return self.last[tenant_id]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_given_a_quiet_tenant_when_orders_come_an_interval_apart_then_one_take_per_number() -> None:
    counter, clock = Counter(), Clock()
    numbers = NumberBlocks(counter.take, clock=clock)
    got = []
    for _ in range(5):
        got.append(numbers.next("t"))
        clock.now += BLOCK_INTERVAL
    assert got == [1, 2, 3, 4, 5]
    assert counter.takes == [1, 1, 1, 1, 1]


def test_given_a_burst_when_numbers_are_taken_back_to_back_then_blocks_grow_up_to_the_maximum() -> None:
    counter, clock = Counter(), Clock()
    numbers = NumberBlocks(counter.take, clock=clock, max_block=100)
    got = [numbers.next("t") for _ in range(1000)]
    assert got == list(range(1, 1001))
    assert counter.takes[:4] == [1, GROWTH, GROWTH**2, 100]
    assert max(counter.takes) == 100
    assert len(counter.takes) < 20  # 1,000 creates, a handful of counter writes


def test_given_two_instances_in_a_burst_when_both_create_then_numbers_never_collide() -> None:
    counter, clock = Counter(), Clock()
    first = NumberBlocks(counter.take, clock=clock)
    second = NumberBlocks(counter.take, clock=clock)
    got = [instance.next("t") for _ in range(300) for instance in (first, second)]
    assert len(set(got)) == len(got)
    assert all(a < b for a, b in zip(got[0::2], got[2::2], strict=False))  # increasing per instance


def test_given_threads_sharing_an_instance_when_they_race_then_numbers_are_unique() -> None:
    counter = Counter()
    numbers = NumberBlocks(counter.take)
    got: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(200):
            n = numbers.next("t")
            with lock:
                got.append(n)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(got) == list(range(1, 1601))


def test_tenants_have_their_own_numbers() -> None:
    counter = Counter()
    numbers = NumberBlocks(counter.take)
    assert [numbers.next("a"), numbers.next("b"), numbers.next("a")] == [1, 1, 2]


def test_given_an_instance_at_a_steady_rate_when_it_creates_then_a_block_lasts_about_the_interval() -> None:
    counter, clock = Counter(), Clock()
    numbers = NumberBlocks(counter.take, clock=clock, interval=10.0, jitter=lambda: 1.0)
    for _ in range(5 * 120):  # 5 creates a second for two minutes
        numbers.next("t")
        clock.now += 0.2
    assert counter.takes[:4] == [1, 8, 50, 50]  # growing at most GROWTH times, then rate x interval
    assert set(counter.takes[2:]) == {50}
    assert len(counter.takes) <= 120 / 10 + 2  # one take per interval once the rate is known


def test_given_a_block_older_than_its_maximum_age_when_the_next_number_is_asked_then_a_fresh_take() -> None:
    counter, clock = Counter(), Clock()
    numbers = NumberBlocks(counter.take, clock=clock, interval=10.0, max_age=30.0)
    for _ in range(3):  # a flurry: the second block is GROWTH numbers
        numbers.next("t")
    assert counter.takes == [1, GROWTH]  # numbers 1..GROWTH + 1 taken, 1..3 handed out
    clock.now += 31  # then quiet, with the rest still in the block
    assert numbers.next("t") == GROWTH + 2  # the stale block is dropped: its rest is never used
    clock.now += 100
    assert numbers.next("t") == GROWTH + 3  # and the tenant is back to one number per create
    assert counter.takes == [1, GROWTH, 1, 1]


def test_given_other_instances_when_orders_are_more_than_the_maximum_age_apart_then_in_number_order() -> None:
    counter, clock = Counter(), Clock()
    instances = [NumberBlocks(counter.take, clock=clock, max_age=30.0) for _ in range(3)]
    for _ in range(50):  # every instance busy: each holds a block
        for instance in instances:
            instance.next("t")
        clock.now += 0.01
    earlier = instances[0].next("t")
    clock.now += 30.0
    later = [instance.next("t") for instance in instances]
    assert all(n > earlier for n in later)


def test_given_the_block_size_rule_then_it_follows_the_rate_within_bounds() -> None:
    assert next_block_size(1, 1, 60.0, interval=10.0, max_block=1000) == 1  # quiet
    assert next_block_size(1, 1, 0.0, interval=10.0, max_block=1000) == GROWTH  # no time passed
    assert next_block_size(50, 50, 10.0, interval=10.0, max_block=1000) == 50  # steady at 5/s
    assert next_block_size(50, 50, 0.1, interval=10.0, max_block=1000) == 50 * GROWTH  # at most GROWTH x
    assert next_block_size(800, 800, 1.0, interval=10.0, max_block=1000) == 1000  # the maximum
    assert next_block_size(50, 10, 30.0, interval=10.0, max_block=1000) == 3  # slower: shrinks at once


def test_given_1000_instances_at_5000_creates_a_second_then_at_most_100_counter_writes_a_second() -> None:
    """Instances arrive as fast as Lambda scales a function (1,000 per 10 s), each then serving
    5 creates a second: while they learn their rate the counter takes a few hundred writes a second
    (under the item's ~1,000), then about instances / interval."""
    counter, clock = Counter(), Clock()
    spread = random.Random(7)
    instances = [
        NumberBlocks(counter.take, clock=clock, jitter=lambda: spread.uniform(0.5, 1.5)) for _ in range(1000)
    ]
    writes_per_second = []
    for second in range(90):
        before = len(counter.takes)
        live = instances[: 100 * (second + 1)]
        for tick in range(5):
            clock.now = second + tick / 5
            for instance in live:
                instance.next("t")
        writes_per_second.append(len(counter.takes) - before)
    assert max(writes_per_second[:30]) <= 400
    steady = writes_per_second[30:]
    assert max(steady) <= 100  # even the busiest second, once the instances know their rate
    assert sum(steady) / len(steady) <= 1000 / BLOCK_INTERVAL * 1.2  # about instances / interval
    assert counter.last["t"] == sum(counter.takes)
