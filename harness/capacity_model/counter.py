"""The order-number counter under a burst: storage/number_blocks.py's own `NumberBlocks`, one per
simulated Lambda instance (each with its own jitter), sharing one counter and a simulated clock.

Instances arrive as fast as Lambda scales one function (LAMBDA_SCALE_PER_S: 1,000 execution
environments per 10 s) until `instances` are live; each live instance serves `rate / instances`
creates a second (what that many instances serving the whole rate do: while fewer are live, fewer
creates are served), each create going to a live instance picked at random. The run is the ramp,
then SETTLE_INTERVALS block intervals in which every instance learns its rate (a new instance's
blocks grow at most GROWTH times a take), then the steady part: at least STEADY_INTERVALS intervals,
and the scenario's duration. Writes per second are the counter's takes in each simulated second:
each is one UpdateItem ADD on the tenant's counter item (`keys.order_number_counter_key`).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

#: Lambda's scaling rate per function: 1,000 new execution environments every 10 seconds.
LAMBDA_SCALE_PER_S = 100
#: Block intervals after the last instance arrives before the counter is "steady" (each block's
#: interval is jittered up to 1.5x: by then every instance has taken a block sized by its rate).
SETTLE_INTERVALS = 1.5
#: The steady part lasts at least this many block intervals, whatever the scenario's duration.
STEADY_INTERVALS = 1.5


@dataclass(frozen=True)
class CounterRun:
    instances: int
    #: Counter writes in each simulated second, from the first instance's arrival.
    writes_per_second: list[int]
    ramp_seconds: int
    steady_from: int
    numbers_handed_out: int
    unique: bool

    @property
    def peak(self) -> int:
        return max(self.writes_per_second, default=0)

    @property
    def ramp_peak(self) -> int:
        return max(self.writes_per_second[: self.steady_from], default=0)

    @property
    def steady(self) -> list[int]:
        return self.writes_per_second[self.steady_from :]

    @property
    def steady_peak(self) -> int:
        return max(self.steady, default=0)

    @property
    def steady_mean(self) -> float:
        return sum(self.steady) / len(self.steady) if self.steady else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "instances": self.instances,
            "ramp_seconds": self.ramp_seconds,
            "steady_from_second": self.steady_from,
            "peak_writes_per_s": self.peak,
            "ramp_peak_writes_per_s": self.ramp_peak,
            "steady_peak_writes_per_s": self.steady_peak,
            "steady_mean_writes_per_s": round(self.steady_mean, 1),
            "numbers_handed_out": self.numbers_handed_out,
            "numbers_unique": self.unique,
            "writes_per_second": self.writes_per_second,
        }


class _Counter:
    """The tenant's counter item: ADD, answer the new last number; takes counted per second."""

    def __init__(self) -> None:
        self.last = 0
        self.takes = 0

    def take(self, _tenant: str, count: int) -> int:
        self.takes += 1
        self.last += count
        return self.last


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def simulate(
    *,
    rate: int,
    instances: int,
    duration: int,
    interval: float | None = None,
    max_block: int | None = None,
    seed: int = 33,
) -> CounterRun:
    """Counter writes per second while `instances` serve `rate` creates a second (module docstring);
    `interval` and `max_block`: NumberBlocks' (None: as deployed)."""
    from orders_domain.storage import number_blocks
    from orders_domain.storage.number_blocks import NumberBlocks

    interval = number_blocks.BLOCK_INTERVAL if interval is None else interval
    max_block = number_blocks.MAX_BLOCK if max_block is None else max_block
    rng = random.Random(seed)  # noqa: S311 - a simulation's spread, not security
    counter, clock = _Counter(), _Clock()
    pool = [
        NumberBlocks(
            counter.take,
            interval=interval,
            max_block=max_block,
            clock=clock,
            jitter=lambda: rng.uniform(0.5, 1.5),
        )
        for _ in range(instances)
    ]
    ramp = math.ceil(instances / LAMBDA_SCALE_PER_S)
    steady_from = ramp + math.ceil(SETTLE_INTERVALS * interval)
    total = steady_from + max(duration, math.ceil(STEADY_INTERVALS * interval))
    writes: list[int] = []
    numbers: set[int] = set()
    handed_out = 0
    for second in range(total):
        live = min(instances, LAMBDA_SCALE_PER_S * (second + 1))
        served = round(rate * live / instances)
        before = counter.takes
        for n in range(served):
            clock.now = second + n / served
            numbers.add(pool[rng.randrange(live)].next("tenant"))
            handed_out += 1
        writes.append(counter.takes - before)
    unique = len(numbers) == handed_out and max(numbers, default=0) <= counter.last
    return CounterRun(instances, writes, ramp, steady_from, handed_out, unique)
