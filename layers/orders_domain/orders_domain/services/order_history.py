"""An order's history as the stream consumer keeps it: paged, and the order as it stood at a time."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from orders_domain.domain import history_entries
from orders_domain.domain.errors import NotFound, Unavailable
from orders_domain.domain.history_entries import HistoryEntry
from orders_domain.domain.ports import HistoryStore
from orders_domain.models import Order
from orders_domain.services.read import ReadOrders

#: Seconds a client waits before asking again for a moment whose history is still being written.
RETRY_AFTER_LAGGING_SECONDS = 1


@dataclass(frozen=True)
class HistoryPage:
    order: Order
    entries: list[HistoryEntry]
    #: The version the next page starts after; None when this is the last page.
    next_after: int | None


def _aware(moment: datetime) -> datetime:
    """A time without a zone is UTC (stored times carry `Z`; a client's `asOf` may not)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@dataclass
class OrderHistory:
    reads: ReadOrders
    history: HistoryStore

    def page(self, tenant_id: str, order_ref: str, *, after: int, limit: int) -> HistoryPage:
        """Entries after version `after`, oldest first; 404 unless the order is the tenant's."""
        order = self.reads.get(tenant_id, order_ref)
        entries, more = self.history.page(tenant_id, order.id, after=after, limit=limit)
        return HistoryPage(order, entries, entries[-1].version if more and entries else None)

    def as_of(self, tenant_id: str, order_ref: str, moment: datetime) -> Order:
        """The order as it stood at `moment`: the newest version written at or before it.

        404 before the order existed; the current order from its last change on (no history read);
        otherwise rebuilt from history, reading back from the newest entry only as far as the
        nearest snapshot before that version. A moment whose entries the stream has not written yet
        is a 503 with `Retry-After` (history trails a write by about a second), never a wrong order.
        """
        order = self.reads.get(tenant_id, order_ref)
        moment = _aware(moment)
        if moment < order.sys_created_at:
            raise NotFound(f"Order {order_ref} did not exist at {moment.isoformat()}.")
        if moment >= order.sys_last_modified_at:
            return order
        target: int | None = None
        needed: list[HistoryEntry] = []
        for entry in self.history.newest_first(tenant_id, order.id):
            if entry.version > order.sys_version:
                continue  # written after the order was read
            if target is None and _aware(datetime.fromisoformat(entry.at)) <= moment:
                target = entry.version
            if target is not None:
                needed.append(entry)
                if entry.snapshot is not None:
                    break
        document = history_entries.rebuild(needed, target) if target is not None else None
        if document is None:
            raise Unavailable(
                f"The history of order {order_ref} is still being written; retry shortly.",
                headers={"Retry-After": str(RETRY_AFTER_LAGGING_SECONDS)},
            )
        return Order.model_validate_json(json.dumps(document, separators=(",", ":"), ensure_ascii=False))
