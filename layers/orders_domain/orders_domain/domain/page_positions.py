"""Pages of list rows: which list a page reads, where it starts, what it holds.

The values the services and storage pass each other. A service names a list in the domain's words
(`Place`: "the tenant's orders", "orders billed to contact 42", "coupon c1's uses"); storage.pages
alone knows which index partitions, shards and key attributes hold it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class Listing(StrEnum):
    """The lists the service keeps, newest first (storage.pages: the index partitions of each)."""

    #: every order of the tenant
    TENANT_ORDERS = "tenant_orders"
    #: orders billed to / shipped to one party: key (party type, party id)
    BILLED_TO = "billed_to"
    SHIPPED_TO = "shipped_to"
    #: orders in one shipping status: key (status,)
    SHIPPING_STATUS = "shipping_status"
    #: orders on one installment schedule: key (schedule id,)
    INSTALLMENT_SCHEDULE = "installment_schedule"
    #: a coupon's usage rows, one per use: key (coupon type or None, coupon id)
    COUPON_USES = "coupon_uses"
    #: a coupon code's usage rows: key (coupon code id,)
    COUPON_CODE_USES = "coupon_code_uses"
    #: every fulfillment of the tenant
    TENANT_FULFILLMENTS = "tenant_fulfillments"
    #: the fulfillments shipped under one tracking number: key (tracking number,)
    TRACKING_NUMBER = "tracking_number"


@dataclass(frozen=True)
class Place:
    """One list of one tenant: what `Listing` it is, and the key that picks it (see Listing)."""

    listing: Listing
    tenant_id: str
    key: tuple[str | None, ...] = ()


def sortable_utc(value: datetime) -> str:
    """A fixed-width ISO-8601 UTC form that sorts as text and reads back: 0834-12-02T19:28:24.000000Z.

    Every list sorts on it (then on the id). (strftime's %Y does not pad years below 1000 on glibc;
    isoformat does.) A time without a zone is taken as UTC.
    """
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


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
