"""A catalogue product's stock buckets (issue 33): their keys and attributes (the stock's part of
storage.keys, in a module of its own so keys.py stays under its size limit), and how units spread
over them: the even split a PUT writes, the bucket an order draws from first, and the plan of an
order's draws from levels read (pure functions; storage.stock sends them).

A product of limited stock keeps its units in up to `STOCK_BUCKETS` bucket items, each under its
own partition key (not the catalogue partition), so one product's sales spread over that many
partitions and items instead of meeting on one:

| item          | PK                                           | SK    |
|---------------|----------------------------------------------|-------|
| stock bucket  | T#<tenant>#STOCK#<type>#<id>#<bucket, 2 digits> | STOCK |

The product item (storage.catalogue) says how many buckets hold its stock (`stock_buckets`, numbered
from 0; no bucket of a higher number is ever read): `bucket_count` of the units its PUT set, one
bucket per `BUCKET_UNITS` units, at least 1 and at most STOCK_BUCKETS. A product of 250 tickets
has 4 buckets (a PUT is a transaction of 5 items, a stock read 4 keys), one of 2,048 units or more
all 32. Fewer buckets cost a small product nothing at the target: its buckets hold no more than
`BUCKET_UNITS` units each, so each takes at most that many decrements before it is empty, and once
all are, an instance refuses the product from its read of a moment ago without writing. A product
item written with 32 buckets before the count varied keeps them (its count says so). An
item written before buckets keeps its units in a number attribute `stock` until the first
reservation or PUT moves them into buckets (storage.stock). Types and ids hold no `#`.

STOCK_BUCKETS is sized for one tenant's on-sale burst of 5,000 reservations a second of ONE product
(docs/SCALING.md): a reservation's conditional decrement is a transaction item, 2 WCU, so a bucket
takes 5,000 / 32 = ~156 decrements and ~310 WCU a second: under a third of a partition's 1,000,
leaving room for draws that concentrate on the buckets still holding units as others run dry (at
half empty, ~625 WCU) and for retried conflicts. 16 would start at ~625 WCU and pass 1,000 once
half its buckets were empty; 64 would double what every stock read costs (a product's level is
the sum of all its buckets: 64 keys, one BatchGetItem of its own) for headroom the target does
not need. Each product item records its own count, so a change of either constant reaches a
product at its next PUT and nothing stored needs moving.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

#: (bucket, units) taken from one bucket of a product.
Draw = tuple[int, int]

#: The most buckets a limited product's stock is split into (the module docstring says why 32).
STOCK_BUCKETS = 32
#: Units per bucket a PUT aims at: a product of fewer units has fewer buckets (`bucket_count`).
BUCKET_UNITS = 64
STOCK_SK = "STOCK"
#: A bucket item's units left (a number), and the product item's count of buckets.
UNITS = "units"
BUCKETS = "stock_buckets"
#: The product item's stock as written before buckets (a number attribute; moved on first use).
LEGACY_STOCK = "stock"

_MARK = "#STOCK#"


def bucket_key(tenant_id: str, product_type: str, product_id: str, bucket: int) -> dict[str, str]:
    return {"PK": f"T#{tenant_id}{_MARK}{product_type}#{product_id}#{bucket:02d}", "SK": STOCK_SK}


def bucket_keys(tenant_id: str, product_type: str, product_id: str, count: int) -> list[dict[str, str]]:
    """The product's `count` buckets, by bucket number."""
    return [bucket_key(tenant_id, product_type, product_id, b) for b in range(count)]


def bucket_count(units: int) -> int:
    """How many buckets a PUT of `units` spreads them over: one per BUCKET_UNITS, 1 to STOCK_BUCKETS."""
    return max(1, min(STOCK_BUCKETS, -(-units // BUCKET_UNITS)))


def count_of(item: dict[str, Any]) -> int | None:
    """The bucket count a product item (typed) records; None when it has no buckets."""
    return int(item[BUCKETS]["N"]) if BUCKETS in item else None


def bucket_of_pk(pk: str) -> tuple[str, str, int]:
    """(type, id, bucket) of a bucket item's partition key."""
    product_type, product_id, bucket = pk.split(_MARK, 1)[1].split("#")
    return product_type, product_id, int(bucket)


def home_seed(order_id: str) -> int:
    """An order's place among the buckets: its id's hash (stable across processes; salted, so it is
    not the order's list shard). Its bucket in a product of `count` is `seed % count`."""
    digest = hashlib.sha256(f"stock:{order_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def home_bucket(order_id: str, count: int) -> int:
    """The bucket an order draws from first in a product of `count` buckets, so one product's
    orders spread evenly."""
    return home_seed(order_id) % count


def split(units: int, count: int) -> list[int]:
    """`units` spread over `count` buckets as evenly as they go (the first ones take the remainder)."""
    base, extra = divmod(units, count)
    return [base + (1 if b < extra else 0) for b in range(count)]


def plan(levels: Sequence[int], quantity: int, home: int) -> list[Draw] | None:
    """Draws of `quantity` units from buckets at `levels`: all from `home` when it holds enough,
    else `home`'s units and then the other buckets holding some, from a place `home` picks (so
    orders whose own bucket ran dry spread over the rest). None when all hold fewer in total."""
    if sum(levels) < quantity:
        return None
    if levels[home] >= quantity:
        return [(home, quantity)]
    others = [b for b, units in enumerate(levels) if units > 0 and b != home]
    start = home % len(others) if others else 0
    order = ([home] if levels[home] > 0 else []) + others[start:] + others[:start]
    return _take(levels, quantity, order)


def fewest(levels: Sequence[int], quantity: int) -> list[Draw] | None:
    """Draws of `quantity` units from as few buckets as can hold them (the fullest first)."""
    if sum(levels) < quantity:
        return None
    return _take(levels, quantity, sorted(range(len(levels)), key=lambda b: -levels[b]))


def _take(levels: Sequence[int], quantity: int, order: Iterable[int]) -> list[Draw]:
    draws, left = [], quantity
    for bucket in order:
        if left == 0:
            break
        units = min(levels[bucket], left)
        if units > 0:
            draws.append((bucket, units))
            left -= units
    return draws
