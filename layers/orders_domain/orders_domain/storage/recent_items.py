"""Items this process read a moment ago, for the reads every create makes of one shared partition.

A create that names catalogue products reads them and the catalogue settings: items of the tenant's
catalogue partition, one partition however many creates a second a sale makes (about 1 RRU per
create: 5,000 RRU/s at the target, over a partition's ~3,000). Each instance keeps what it read for
`FRESH_SECONDS` and reads again after that, so the partition sees about instances / FRESH_SECONDS
reads a second of each item, whatever the create rate (docs/SCALING.md).

What it costs: a change to a product or the settings made through another instance reaches this
instance's creates at most FRESH_SECONDS later (one made through this instance at once: `forget`).
A stock level is never kept here: a reservation's conditions decide, on the buckets themselves.
Absent items are kept too (an unknown product stays unknown for as long).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

#: How long a read item is used again.
FRESH_SECONDS = 5.0
#: The most items kept (the oldest go first).
MOST_KEPT = 2000

Key = tuple[str, str, str]  # (table, PK, SK)
_kept: dict[Key, tuple[float, dict[str, Any] | None]] = {}
_lock = threading.Lock()


def _key(table: str, key: Mapping[str, str]) -> Key:
    return (table, key["PK"], key["SK"])


def read_through(
    table: str,
    wanted: Sequence[Mapping[str, str]],
    read: Callable[[list[Mapping[str, str]]], list[dict[str, Any]]],
    *,
    clock: Callable[[], float] = time.monotonic,
) -> list[dict[str, Any]]:
    """The items of `wanted` (plain keys), those read less than FRESH_SECONDS ago from memory and the
    others with `read` (which answers the items found, typed, with their keys); absent ones omitted."""
    now = clock()
    found: list[dict[str, Any]] = []
    missing: list[Mapping[str, str]] = []
    with _lock:
        for key in wanted:
            kept = _kept.get(_key(table, key))
            if kept is not None and now - kept[0] < FRESH_SECONDS:
                if kept[1] is not None:
                    found.append(kept[1])
            else:
                missing.append(key)
    if not missing:
        return found
    fresh = read(missing)
    by_key = {(item["PK"]["S"], item["SK"]["S"]): item for item in fresh}
    with _lock:
        for key in missing:
            _kept.pop(_key(table, key), None)  # re-inserted last: the oldest go first
            _kept[_key(table, key)] = (now, by_key.get((key["PK"], key["SK"])))
        while len(_kept) > MOST_KEPT:
            del _kept[next(iter(_kept))]
    return found + fresh


def forget(table: str, keys: Iterable[Mapping[str, str]]) -> None:
    """Drop these items: this process just wrote them."""
    with _lock:
        for key in keys:
            _kept.pop(_key(table, key), None)
