"""The read models derived from order changes: the one place they are made (the stream consumer).

For each change of an order (order_changes.OrderChange) `ProjectOrderChanges.project`
- appends the version's history entry (a put conditional on the entry being new),
- writes and removes the order's coupon usage rows (each conditional on the order version), and
- returns the version's domain event, which the caller publishes with the batch's others
  (`publish`: at most 10 per PutEvents call; the refused ones come back, to fail their records).

Every effect is keyed by the order version, so projecting a change again, late, or out of order
with the order's other changes leaves every projection as it was: the stream's at-least-once
delivery gives exactly-once effects. Events carry an id derived from the version, so a repeated
publication is recognisably the same event. Operations never write history or events themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orders_domain.domain import coupon_rows, events, history_entries
from orders_domain.domain.events import DomainEvent
from orders_domain.domain.order_changes import OrderChange
from orders_domain.domain.ports import CouponUsageStore, EventPublisher, HistoryStore


@dataclass
class ProjectOrderChanges:
    history: HistoryStore
    coupons: CouponUsageStore
    publisher: EventPublisher
    #: A raw stream record -> the order change it is, None when it is another item's write
    #: (storage.order_records.order_change; a `MalformedRecord` fails that record alone).
    read: Callable[[Mapping[str, Any]], OrderChange | None]

    def project(self, change: OrderChange) -> DomainEvent | None:
        """Bring every projection up to this change; the event to publish for it (None: nothing
        to announce: a write that kept the version, or the removal of the item)."""
        if not change.changes_the_order:
            return None
        tenant_id, order_id = change.tenant_id, change.order_id
        old_rows = coupon_rows.rows_for(tenant_id, change.old) if change.old is not None else []
        if change.new is None:
            # The item itself was removed (never by the API, which soft-deletes): its rows go, as
            # of a version after the last one it had.
            if old_rows:
                positions = [r.position for r in old_rows]
                self.coupons.apply(tenant_id, order_id, change.version + 1, [], positions)
            return None
        entry = history_entries.entry_for(change.old, change.new)
        self.history.append(tenant_id, order_id, entry)
        writes, removals = coupon_rows.changes(old_rows, coupon_rows.rows_for(tenant_id, change.new))
        if writes or removals:
            self.coupons.apply(tenant_id, order_id, change.version, writes, removals)
        return events.order_event(tenant_id, change.old, change.new, entry.changed)

    def publish(self, domain_events: Sequence[DomainEvent]) -> list[DomainEvent]:
        """Publish events; those not accepted (their records are to be retried)."""
        return self.publisher.publish(domain_events) if domain_events else []
