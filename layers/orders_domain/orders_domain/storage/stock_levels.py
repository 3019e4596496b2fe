"""A limited product's stock as stored (issue 33): its bucket items written and read, the levels a
reservation plans from, and what this process read of them a moment ago. Shared by the catalogue's
PUT, DELETE and reads (storage.catalogue) and the units orders take and give back (storage.stock);
the keys and the pure arithmetic are storage.stock_keys'.

A product item's `stock_buckets` says how many buckets hold its units (0 to count - 1): every read
of its levels reads those and no others. A read made before the product's item was read takes the
count this process last saw of it (`counts`, from the create's catalogue read of a moment ago,
storage.recent_items) and reads the buckets it missed when the item says there are more.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from orders_domain.storage import keys, recent_items
from orders_domain.storage import stock_keys as sk
from orders_domain.storage.codec import typed_key
from orders_domain.storage.pages import batch_get

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Ref = tuple[str, str]

#: How long levels this process read stay a plan for a reservation (storage.stock).
RECENT_SECONDS = 1.0
_RECENT_MAX = 1024
_NAMES = {"#u": sk.UNITS, "#s": sk.LEGACY_STOCK, "#n": sk.BUCKETS}


@dataclass(frozen=True)
class Levels:
    """A product's stock as a read found it: its buckets' units by bucket number (as many as it
    has), or the units of an item written before buckets (`legacy`), or neither: nothing to sell
    (gone, or unlimited)."""

    buckets: tuple[int, ...] | None = None
    legacy: int | None = None
    #: When the read was made (time.monotonic): levels less this process's own draws since keep it.
    read_at: float = 0.0

    def less(self, draws: Iterable[sk.Draw]) -> Levels:
        if self.buckets is None:
            return self
        left = list(self.buckets)
        for bucket, units in draws:
            left[bucket] -= units
        return replace(self, buckets=tuple(left))


def read_levels(
    client: DynamoDBClient,
    table: str,
    tenant_id: str,
    refs: Iterable[Ref],
    *,
    consistent: bool = False,
    counts: Mapping[Ref, int] | None = None,
) -> dict[Ref, Levels]:
    """Each product's item and buckets: one BatchGetItem of the item and the buckets `counts` says
    it has (STOCK_BUCKETS when it says nothing), and one more of the buckets missed when the item
    has more. This process remembers them for `RECENT_SECONDS` (`recalled`)."""
    wanted = list(dict.fromkeys(refs))
    guess = {ref: (counts or {}).get(ref, sk.STOCK_BUCKETS) for ref in wanted}
    item_keys = [
        k for r in wanted for k in (keys.product_key(tenant_id, *r), *sk.bucket_keys(tenant_id, *r, guess[r]))
    ]
    products: dict[Ref, dict[str, Any]] = {}
    units: dict[Ref, dict[int, int]] = {}
    _sort(
        batch_get(client, table, item_keys, "PK, SK, #u, #s, #n", _NAMES, consistent=consistent),
        products,
        units,
    )
    missed = [
        sk.bucket_key(tenant_id, *ref, b)
        for ref, item in products.items()
        for b in range(guess[ref], sk.count_of(item) or 0)
    ]
    if missed:
        _sort(
            batch_get(client, table, missed, "PK, SK, #u", {"#u": sk.UNITS}, consistent=consistent),
            products,
            units,
        )
    levels = {ref: _levels(products.get(ref), units.get(ref, {})) for ref in wanted}
    remember(table, tenant_id, levels)
    return levels


def _sort(
    found: Iterable[dict[str, Any]], products: dict[Ref, dict[str, Any]], units: dict[Ref, dict[int, int]]
) -> None:
    for item in found:
        if item["SK"]["S"] == sk.STOCK_SK:
            product_type, product_id, bucket = sk.bucket_of_pk(item["PK"]["S"])
            units.setdefault((product_type, product_id), {})[bucket] = int(item[sk.UNITS]["N"])
        else:
            products[keys.product_of_sort_key(item["SK"]["S"])] = item


def _levels(product: dict[str, Any] | None, units: dict[int, int]) -> Levels:
    now = time.monotonic()
    count = sk.count_of(product) if product is not None else None
    if count is not None:
        return Levels(buckets=tuple(units.get(b, 0) for b in range(count)), read_at=now)
    if product is not None and sk.LEGACY_STOCK in product:
        return Levels(legacy=int(product[sk.LEGACY_STOCK]["N"]), read_at=now)
    return Levels(read_at=now)


def totals(
    client: DynamoDBClient,
    table: str,
    tenant_id: str,
    counts: Mapping[Ref, int],
    *,
    consistent: bool = False,
) -> dict[Ref, int]:
    """The units left of each product whose stock is in buckets (`counts`: how many it has, as its
    item says): the sum of its buckets."""
    sums = dict.fromkeys(counts, 0)
    item_keys = [k for ref, count in counts.items() for k in sk.bucket_keys(tenant_id, *ref, count)]
    for item in batch_get(client, table, item_keys, "PK, #u", {"#u": sk.UNITS}, consistent=consistent):
        product_type, product_id, _ = sk.bucket_of_pk(item["PK"]["S"])
        sums[(product_type, product_id)] += int(item[sk.UNITS]["N"])
    return sums


def counts_seen(table: str, tenant_id: str, refs: Iterable[Ref]) -> dict[Ref, int]:
    """The bucket count of each product whose item this process read a moment ago (the create's
    catalogue read, storage.recent_items) and had buckets: where an unread reservation draws."""
    seen = {}
    for ref in refs:
        count = sk.count_of(recent_items.recalled(table, keys.product_key(tenant_id, *ref)) or {})
        if count is not None:
            seen[ref] = count
    return seen


#: (table, tenant, type, id) -> (when read, levels): this process's recent reads (a plan only).
_recent: recent_items.Kept[tuple[str, str, str, str], Levels] = recent_items.Kept()


def remember(table: str, tenant_id: str, levels: dict[Ref, Levels]) -> None:
    """Keep these levels as this process's latest of each product (as old as their read)."""
    for ref, found in levels.items():
        _recent.keep((table, tenant_id, *ref), found, found.read_at, most=_RECENT_MAX)


def recalled(table: str, tenant_id: str, refs: Iterable[Ref]) -> dict[Ref, Levels]:
    """What this process read of these products' stock less than `RECENT_SECONDS` ago."""
    now, known = time.monotonic(), {}
    for ref in refs:
        kept = _recent.fresh((table, tenant_id, *ref), RECENT_SECONDS, now)
        if kept is not None:
            known[ref] = kept[1]
    return known


def forget(table: str, tenant_id: str, ref: Ref) -> None:
    """Drop what this process read of a product (it was put, deleted or given units)."""
    _recent.drop((table, tenant_id, *ref))
    recent_items.forget(table, [keys.product_key(tenant_id, *ref)])


def bucket_put(table: str, tenant_id: str, ref: Ref, bucket: int, units: int) -> dict[str, Any]:
    """A transaction item writing one bucket with `units` (whatever it held)."""
    item = {
        **typed_key(sk.bucket_key(tenant_id, *ref, bucket)),
        "entity": {"S": "stock_bucket"},
        sk.UNITS: {"N": str(units)},
    }
    return {"Put": {"TableName": table, "Item": item}}


def bucket_delete(table: str, tenant_id: str, ref: Ref, bucket: int) -> dict[str, Any]:
    return {"Delete": {"TableName": table, "Key": typed_key(sk.bucket_key(tenant_id, *ref, bucket))}}
