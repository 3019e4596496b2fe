"""Order numbers in blocks that grow only while a tenant is busy: unique, and sequential when quiet."""

from __future__ import annotations

import threading

from orders_domain.storage.orders import NumberBlocks


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


def test_given_a_quiet_tenant_when_orders_come_seconds_apart_then_numbers_are_sequential_one_take_each() -> (
    None
):
    counter, clock = Counter(), Clock()
    numbers = NumberBlocks(counter.take, clock=clock)
    got = []
    for _ in range(5):
        got.append(numbers.next("t"))
        clock.now += 5
    assert got == [1, 2, 3, 4, 5]
    assert counter.takes == [1, 1, 1, 1, 1]


def test_given_a_burst_when_numbers_are_taken_back_to_back_then_blocks_double_up_to_the_maximum() -> None:
    counter, clock = Counter(), Clock()
    numbers = NumberBlocks(counter.take, clock=clock, max_block=100)
    got = [numbers.next("t") for _ in range(1000)]
    assert got == list(range(1, 1001))
    assert counter.takes[:8] == [1, 2, 4, 8, 16, 32, 64, 100]
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
