"""Order numbers handed out from blocks of the tenant's counter, sized by each instance's own rate.

The counter is one item per tenant (keys.order_number_counter_key); a take is one `ADD` on it, so
counter writes per second are what limits a tenant's creates (one partition: about 1,000 writes/s).
Each function instance takes, per tenant, a block big enough to last it about `interval` seconds at
the rate it has just seen, and hands the block out from memory:

- counter writes per second stay about `instances / interval` however busy the tenant is: at 5,000
  creates/s over 1,000 instances (5/s each) a block is about 100 numbers and an instance takes one
  every 20 s or so, ~50 writes/s in all; over 100 instances, ~5 (docs/SCALING.md, `make capacity`).
  Each block's interval is jittered (0.5-1.5x), so instances that started together do not take
  their blocks in the same second;
- an instance creating less than one order per `interval` takes one number per create, so a quiet
  tenant's numbers are in creation order, as they were with one take per create;
- a block grows at most GROWTH times from one take to the next, so a short flurry does not take a
  big block that a quiet instance then holds, and a block older than `max_age` is dropped (its
  numbers are never used: numbers are unique, not gapless).

What numbers keep during a burst: unique per tenant forever; increasing per instance; across
instances an order may get a smaller number than one created shortly before it, but any two orders
created more than `max_age` seconds apart are in number order (the later one's block was taken
after the earlier one's, and the counter only grows).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

#: Seconds a block should last an instance at the rate it has just seen (on average: see `jitter`).
BLOCK_INTERVAL = 20.0
#: The largest block (one instance at 100 creates/s for `BLOCK_INTERVAL`).
MAX_BLOCK = 2000
#: How many times bigger than the last a block may be: a flurry of a few creates cannot take a big
#: block that a quiet instance then holds, and a new instance in a sale reaches its rate in ~3 takes.
GROWTH = 8
#: A block older than this is dropped, used up or not (more than the longest jittered interval).
MAX_BLOCK_AGE = 60.0


def _jitter() -> float:
    """A block's share of the interval: instances that started together (a sale's first second)
    would otherwise all take their blocks in the same second, every interval."""
    return random.uniform(0.5, 1.5)  # noqa: S311 - spreading load, not a secret


@dataclass
class _Block:
    next: int
    end: int
    size: int
    taken_at: float


def next_block_size(size: int, used: int, elapsed: float, *, interval: float, max_block: int) -> int:
    """The size of the next block after one of `size` numbers, `used` of them in `elapsed` seconds:
    enough for `interval` seconds at that rate (rounded), at least 1, at most GROWTH times `size`
    and `max_block`."""
    limit = min(max_block, GROWTH * size)
    if elapsed <= 0:
        return limit
    return max(1, min(limit, round(used / elapsed * interval)))


class NumberBlocks:
    """One instance's blocks of order numbers, per tenant (thread-safe)."""

    def __init__(
        self,
        take: Callable[[str, int], int],
        *,
        interval: float = BLOCK_INTERVAL,
        max_block: int = MAX_BLOCK,
        max_age: float = MAX_BLOCK_AGE,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = _jitter,
    ) -> None:
        self._take = take  # (tenant, how many) -> the last number of the block taken
        self._interval = interval
        self._max_block = max_block
        self._max_age = max_age
        self._clock = clock
        self._jitter = jitter
        self._blocks: dict[str, _Block] = {}
        self._lock = threading.Lock()

    def next(self, tenant_id: str) -> int:
        with self._lock:
            now = self._clock()
            block = self._blocks.get(tenant_id)
            if block is not None and block.next <= block.end and now - block.taken_at < self._max_age:
                block.next += 1
                return block.next - 1
            size = 1
            if block is not None:
                used = block.next - (block.end - block.size + 1)
                size = next_block_size(
                    block.size,
                    used,
                    now - block.taken_at,
                    interval=self._interval * self._jitter(),
                    max_block=self._max_block,
                )
            end = self._take(tenant_id, size)
            self._blocks[tenant_id] = _Block(next=end - size + 2, end=end, size=size, taken_at=now)
            return end - size + 1
