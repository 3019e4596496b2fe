"""The burst replayed, second by second: every simulated create and read as its recorded exemplar
(workload.py) touches partitions, each create's keys built for that create, summed per partition
key value and per table or index.

Each second `rate` creates are made, each of a class drawn at random by the scenario's shares (the
hot coupon, the walk-up party and the stock reservation each independently), with a new id, token
and number; the shared items an instance keeps a few seconds (the catalogue's: storage.recent_items)
are read again by at most instances / FRESH_SECONDS of them (`_refresh`). And `reads` reads, by the
read mix, spread among the creates: a get by key reads a random order created so far, a list page
and a customer lookup the newest orders (all of them, or the walk-up party's) as their pages
would. Only the hottest keys of each resource are kept from each second
(TOP_KEYS): a key that is not among them in any second is cooler than those that are. For the
stream estimate each create's order key is kept as a 32-bit hash (crc32), to be spread over the
table's partitions.
"""

from __future__ import annotations

import heapq
import random
import uuid
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.capacity_model.workload import GET, LIST_PAGE, LOOKUP, Traits, Workload

#: Keys kept of each resource from each second (by write units and by read units).
TOP_KEYS = 5


@dataclass(frozen=True)
class Mix:
    """Shares of the creates with each trait, and of the reads of each kind (they sum to 1)."""

    coupon: float = 0.5
    walk_up: float = 0.25
    stock: float = 0.5
    reads: tuple[tuple[str, float], ...] = ((GET, 0.5), (LIST_PAGE, 0.25), (LOOKUP, 0.25))


@dataclass
class Peak:
    """A partition key value's busiest second, in write and in read units."""

    wcu: float = 0.0
    rcu: float = 0.0


@dataclass
class Loads:
    seconds: int
    #: resource -> partition key value -> its peak second (the keys that were ever among TOP_KEYS).
    keys: dict[str, dict[str, Peak]] = field(default_factory=lambda: defaultdict(dict))
    #: resource -> write units and read units in each second.
    wcu: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    rcu: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    #: distinct partition key values written or read in the busiest second, per resource.
    distinct: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    #: crc32 of each create's order key, per second (the stream's changes).
    changes: list[array] = field(default_factory=list)  # type: ignore[type-arg]
    #: requests per second of each route (create, and each read kind).
    requests: dict[str, int] = field(default_factory=dict)

    def peak_total(self, resource: str, units: str) -> float:
        return max((self.wcu if units == "wcu" else self.rcu).get(resource, [0.0]), default=0.0)

    def resources(self) -> list[str]:
        return sorted(set(self.wcu) | set(self.rcu))


def _class_of(rng: random.Random, mix: Mix) -> Traits:
    return Traits(rng.random() < mix.coupon, rng.random() < mix.walk_up, rng.random() < mix.stock)


def _read_counts(reads: int, mix: Mix) -> dict[str, int]:
    counts = {kind: int(reads * share) for kind, share in mix.reads}
    if counts:
        counts[mix.reads[0][0]] += reads - sum(counts.values())  # rounding: to the first kind
    return counts


def _read_schedule(rng: random.Random, counts: dict[str, int], creates: int) -> list[tuple[int, str]]:
    """The second's reads in a random order, spread evenly among its creates: (after which create,
    kind), the first due last (popped from the end)."""
    kinds = [kind for kind, count in counts.items() for _ in range(count)]
    rng.shuffle(kinds)
    return [(n * creates // len(kinds), kind) for n, kind in enumerate(kinds)][::-1]


def replay(
    workload: Workload, *, rate: int, reads: int, duration: int, mix: Mix, instances: int = 1, seed: int = 33
) -> Loads:
    """Loads of `duration` seconds at `rate` creates and `reads` reads a second over `instances`
    instances (module docstring)."""
    from orders_domain.storage import keys

    from harness.bench.core import TENANT

    rng = random.Random(seed)  # noqa: S311 - a workload's spread, not security
    loads = Loads(seconds=duration)
    created: list[str] = []
    walk_ups: list[str] = []
    read_counts = _read_counts(reads, mix)
    loads.requests = {"create": rate, **read_counts}
    number = 0
    for _ in range(duration):
        w: dict[tuple[str, str], float] = defaultdict(float)
        r: dict[tuple[str, str], float] = defaultdict(float)
        hashes = array("I")
        stale: Counter[Traits] = Counter()
        due = _read_schedule(rng, read_counts, rate)
        for position in range(rate):
            number += 1
            traits = _class_of(rng, mix)
            order_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            for touch in workload.creates[traits].touches_for(number, order_id, f"{number:032x}"):
                if touch.wcu:
                    w[touch.resource, touch.pk] += touch.wcu
                if touch.rcu:
                    r[touch.resource, touch.pk] += touch.rcu
            if workload.creates[traits].cold:
                stale[traits] += 1
            created.append(order_id)
            if traits.walk_up:
                walk_ups.append(order_id)
            hashes.append(zlib.crc32(keys.order_key(TENANT, order_id)["PK"].encode()))
            while due and due[-1][0] <= position:
                _, kind = due.pop()
                _read(workload.reads[kind], kind, rng, created, walk_ups, r)
        for _, kind in reversed(due):  # no creates this second: the reads all the same
            _read(workload.reads[kind], kind, rng, created, walk_ups, r)
        _refresh(workload, stale, instances, rng, r)
        loads.changes.append(hashes)
        _fold(loads, w, r)
    return loads


def _refresh(
    workload: Workload,
    creates: Counter[Traits],
    instances: int,
    rng: random.Random,
    r: dict[tuple[str, str], float],
) -> None:
    """The second's reads of items an instance keeps (storage.recent_items): every instance reads
    them again once they are `fresh_seconds` old, so at most instances / fresh_seconds creates a
    second make them (every create, when nothing is kept), shared among the classes that do."""
    total = sum(creates.values())
    if not total:
        return
    fresh = workload.fresh_seconds
    budget = total if not fresh else min(total, instances / fresh)
    for traits, count in creates.items():
        share = budget * count / total
        times = int(share) + (rng.random() < share - int(share))
        for touch in workload.creates[traits].cold:
            r[touch.resource, touch.pk] += touch.rcu * times


def _read(
    touches: Sequence[Any],
    kind: str,
    rng: random.Random,
    created: list[str],
    walk_ups: list[str],
    r: dict[tuple[str, str], float],
) -> None:
    """One read as its exemplar touched partitions: the index partitions as recorded, each order it
    read by key one of the orders it would read now (module docstring)."""
    from orders_domain.storage import keys

    from harness.bench.core import TENANT

    prefix = keys.order_key(TENANT, "")["PK"]
    pool = walk_ups if kind == LOOKUP else created
    newest = len(pool)
    for touch in touches:
        pk = touch.pk
        if pk.startswith(prefix) and pool:
            if kind == GET:
                pk = prefix + rng.choice(pool)
            else:
                newest -= 1
                pk = prefix + pool[max(0, newest)]
        r[touch.resource, pk] += touch.rcu


def _fold(loads: Loads, w: dict[tuple[str, str], float], r: dict[tuple[str, str], float]) -> None:
    """One second into the loads: each resource's totals, and its hottest keys' peaks."""
    for units, found, totals in (("wcu", w, loads.wcu), ("rcu", r, loads.rcu)):
        by_resource: dict[str, list[tuple[float, str]]] = defaultdict(list)
        second: dict[str, float] = defaultdict(float)
        for (resource, pk), value in found.items():
            by_resource[resource].append((value, pk))
            second[resource] += value
        for resource in set(second) | set(totals):
            totals[resource].append(second.get(resource, 0.0))
        for resource, values in by_resource.items():
            loads.distinct[resource] = max(loads.distinct[resource], len(values))
            for value, pk in heapq.nlargest(TOP_KEYS, values):
                peak = loads.keys[resource].setdefault(pk, Peak())
                setattr(peak, units, max(getattr(peak, units), value))
    for totals in (loads.wcu, loads.rcu):  # a resource first seen late: its earlier seconds were 0
        for series in totals.values():
            if len(series) < len(loads.changes):
                series[:0] = [0.0] * (len(loads.changes) - len(series))


def stream_shards(loads: Loads, partitions: int) -> list[int]:
    """Order changes in each second on the busiest of `partitions` stream shards (the order keys'
    hashes spread over the partitions: DynamoDB's own hash is not public, any uniform one models it)."""
    busiest = []
    for hashes in loads.changes:
        per = [0] * max(1, partitions)
        for h in hashes:
            per[h % len(per)] += 1
        busiest.append(max(per))
    return busiest
