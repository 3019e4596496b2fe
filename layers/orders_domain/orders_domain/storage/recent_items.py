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
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar

#: How long a read item is used again.
FRESH_SECONDS = 5.0
#: The most items kept (the oldest go first).
MOST_KEPT = 2000

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Kept(Generic[K, V]):
    """What this process read a moment ago, by key: each value with when it was read, at most `most`
    kept (the least recently stored go first), shared by the threads of a process. Storage keeps its
    items here (`read_through`) and storage.catalogue its products' stock levels."""

    def __init__(self) -> None:
        self._entries: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def fresh(self, key: K, seconds: float, now: float) -> tuple[float, V] | None:
        """(when read, value) of `key` when it was read less than `seconds` before `now`."""
        entry = self._entries.get(key)
        return entry if entry is not None and now - entry[0] < seconds else None

    def keep(self, key: K, value: V, at: float, *, most: int) -> None:
        with self._lock:
            self._entries.pop(key, None)  # re-inserted last: the oldest go first
            self._entries[key] = (at, value)
            while len(self._entries) > most:
                del self._entries[next(iter(self._entries))]

    def drop(self, key: K) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __iter__(self) -> Iterator[K]:
        return iter(list(self._entries))


Key = tuple[str, str, str]  # (table, PK, SK)
_kept: Kept[Key, dict[str, Any] | None] = Kept()


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
    for key in wanted:
        kept = _kept.fresh(_key(table, key), FRESH_SECONDS, now)
        if kept is None:
            missing.append(key)
        elif kept[1] is not None:
            found.append(kept[1])
    if not missing:
        return found
    fresh = read(missing)
    by_key = {(item["PK"]["S"], item["SK"]["S"]): item for item in fresh}
    for key in missing:
        _kept.keep(_key(table, key), by_key.get((key["PK"], key["SK"])), now, most=MOST_KEPT)
    return found + fresh


def forget(table: str, keys: Iterable[Mapping[str, str]]) -> None:
    """Drop these items: this process just wrote them."""
    for key in keys:
        _kept.drop(_key(table, key))


def recalled(
    table: str, key: Mapping[str, str], *, clock: Callable[[], float] = time.monotonic
) -> dict[str, Any] | None:
    """The item of `key` (a plain key) as read less than FRESH_SECONDS ago, without reading it
    (None: not read lately, or absent)."""
    kept = _kept.fresh(_key(table, key), FRESH_SECONDS, clock())
    return kept[1] if kept is not None else None
