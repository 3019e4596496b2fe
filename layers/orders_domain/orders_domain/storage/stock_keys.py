"""A catalogue product's stock buckets (issue 33): their keys and attributes (the stock's part of
storage.keys, in a module of its own so keys.py stays under its size limit), and how units spread
over them: the even split a PUT writes, the bucket an order draws from first, and the plan of an
order's draws from levels read (pure functions; storage.stock sends them).

A product of limited stock keeps its units in `STOCK_BUCKETS` bucket items, each under its own
partition key (not the catalogue partition), so one product's sales spread over that many
partitions and items instead of meeting on one:

| item          | PK                                           | SK    |
|---------------|----------------------------------------------|-------|
| stock bucket  | T#<tenant>#STOCK#<type>#<id>#<bucket, 2 digits> | STOCK |

The product item (storage.catalogue) says how many buckets hold its stock (`stock_buckets`); an
item written before buckets keeps its units in a number attribute `stock` until the first
reservation or PUT moves them into buckets (storage.stock). Types and ids hold no `#`.

STOCK_BUCKETS is sized for one tenant's on-sale burst of 5,000 reservations a second of ONE product
(docs/SCALING.md): a reservation's conditional decrement is a transaction item, 2 WCU, so a bucket
takes 5,000 / 32 = ~156 decrements and ~310 WCU a second: under a third of a partition's 1,000,
leaving room for draws that concentrate on the buckets still holding units as others run dry (at
half empty, ~625 WCU) and for retried conflicts. 16 would start at ~625 WCU and pass 1,000 once
half its buckets were empty; 64 would double what every stock read costs (a product's level is
the sum of all its buckets: 64 keys, one BatchGetItem of its own) for headroom the target does
not need. Changing it means writing every stocked product's buckets anew (a PUT of each) as the
change goes out, like keys.WRITE_SHARDS.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

#: (bucket, units) taken from one bucket of a product.
Draw = tuple[int, int]

#: Buckets a limited product's stock is split into (the module docstring says why 32).
STOCK_BUCKETS = 32
STOCK_SK = "STOCK"
#: A bucket item's units left (a number), and the product item's count of buckets.
UNITS = "units"
BUCKETS = "stock_buckets"
#: The product item's stock as written before buckets (a number attribute; moved on first use).
LEGACY_STOCK = "stock"

_MARK = "#STOCK#"


def bucket_key(tenant_id: str, product_type: str, product_id: str, bucket: int) -> dict[str, str]:
    return {"PK": f"T#{tenant_id}{_MARK}{product_type}#{product_id}#{bucket:02d}", "SK": STOCK_SK}


def bucket_keys(tenant_id: str, product_type: str, product_id: str) -> list[dict[str, str]]:
    """Every bucket of the product, by bucket number."""
    return [bucket_key(tenant_id, product_type, product_id, b) for b in range(STOCK_BUCKETS)]


def bucket_of_pk(pk: str) -> tuple[str, str, int]:
    """(type, id, bucket) of a bucket item's partition key."""
    product_type, product_id, bucket = pk.split(_MARK, 1)[1].split("#")
    return product_type, product_id, int(bucket)


def home_bucket(order_id: str) -> int:
    """The bucket an order draws from first: its id's hash, so one product's orders spread evenly
    (stable across processes; salted, so it is not the order's list shard)."""
    digest = hashlib.sha256(f"stock:{order_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % STOCK_BUCKETS


def split(units: int) -> list[int]:
    """`units` spread over the buckets as evenly as they go (the first ones take the remainder)."""
    base, extra = divmod(units, STOCK_BUCKETS)
    return [base + (1 if b < extra else 0) for b in range(STOCK_BUCKETS)]


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
