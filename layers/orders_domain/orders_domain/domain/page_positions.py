"""Pages of list rows: where a page starts, what it holds, which index partitions it merges.

The values the search service and storage pass each other (storage.pages reads them from DynamoDB).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orders_domain.storage import keys


@dataclass(frozen=True)
class Partition:
    """One partition of an index: its name, partition key attribute and value, sort key attribute."""

    index: str
    pk_attr: str
    pk: str
    sk_attr: str


@dataclass(frozen=True)
class PagePosition:
    """Where the next page starts: below sort key `after` in every partition not in `done`."""

    after: str
    done: frozenset[int] = frozenset()

    def to_dict(self) -> dict[str, Any]:
        return {"after": self.after, "done": sorted(self.done)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PagePosition:
        after, done = data["after"], data.get("done", ())
        if not isinstance(after, str) or not isinstance(done, list):
            raise ValueError("not a page position")
        if not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in done):
            raise ValueError("not a page position")
        return cls(after=after, done=frozenset(done))


@dataclass(frozen=True)
class Page:
    """One page of rows (parsed summaries), newest first; `next` None when nothing follows."""

    rows: list[dict[str, Any]]
    next: PagePosition | None
    #: Rows examined to make the page (kept and dropped), and Query calls made.
    examined: int = 0
    queries: int = 0


def partition(index: str, pk: str) -> Partition:
    """The partition `pk` of `index`, with the index's key attributes (keys.INDEX_KEY_ATTRIBUTES)."""
    pk_attr, sk_attr = keys.INDEX_KEY_ATTRIBUTES[index]
    return Partition(index=index, pk_attr=pk_attr, pk=pk, sk_attr=sk_attr)
