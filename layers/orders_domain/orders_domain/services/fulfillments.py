"""Fulfil, cancel, void and close orders; the Fulfillments resource (API.md: fulfill_order, cancel_order).

Every change is a mutation (FulfilItems, CancelItems, CancelWhole, VoidOrder, CloseOrder,
UpdateFulfillment) run by the one write loop (`services.write_loop`: consistent read, `If-Match`, a
write on the version read, re-read and re-apply on a conflict, a lost answer recognised as done),
with the rules of `domain.fulfil_rules` (pure functions). A fulfil writes the order and its fulfillment
record in one transaction (`OrderRepository.replace(..., fulfillment=)`): both or neither. A
fulfillment PATCH (tracking, will-call pickup) is a write of the order too (its version moves, and
a pickup marks the order's lines), so a refund decided on an older version can never race it.

Fulfillment lists (seeds/002) are newest first; `starting_after` pages on to older ones,
`ending_before` back to newer ones (the page still newest first). Each list reads the narrowest
place its filters allow: the fulfillments named by `ids` (by key), one order's item collection
(`order_id`), one tracking number's index partition, else the tenant's; `created_time` bounds the
sort key; the other filters are applied to the rows read. A page examines at most
`storage.pages.MAX_EXAMINED` rows: a sparse filter over many fulfillments may answer a short page
with `has_more` true.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from orders_domain.domain import fulfil_rules as rules
from orders_domain.domain import fulfillment_ids, lifecycle, refundability
from orders_domain.domain.errors import (
    FieldError,
    NotFound,
    PreconditionFailed,
    Unprocessable,
    ValidationFailed,
)
from orders_domain.domain.page_positions import Listing, Place
from orders_domain.domain.ports import FulfillmentStore, OrderRepository
from orders_domain.models import Order
from orders_domain.models.fulfillments import (
    CancelItemInput,
    CancelRequest,
    Fulfillment,
    FulfillmentUpdate,
    FulfilRequest,
)
from orders_domain.models.types import repeat_at
from orders_domain.services.write_loop import Changed, Mutation, WriteLoop


@dataclass(frozen=True)
class FulfillmentQuery:
    """A fulfillment list request, checked (API.md; seeds/002)."""

    limit: int = 10
    starting_after: str | None = None
    ending_before: str | None = None
    ids: tuple[str, ...] = ()
    order_id: str | None = None
    sku: str | None = None
    tracking_company: str | None = None
    tracking_number: str | None = None
    created_gt: datetime | None = None
    created_gte: datetime | None = None
    created_lt: datetime | None = None
    created_lte: datetime | None = None

    def __post_init__(self) -> None:
        twice = repeat_at(self.ids)
        if twice is not None:
            raise Unprocessable(
                "The request names the same id more than once.",
                errors=[FieldError("ids", f"names {twice[1]} more than once")],
            )

    def keeps(self, f: Fulfillment) -> bool:
        """Whether the fulfillment matches every filter (the created range included)."""
        return (
            (not self.ids or f.id in self.ids)
            and (self.order_id is None or f.order_id == self.order_id)
            and (self.sku is None or any(item.sku == self.sku for item in f.items))
            and (self.tracking_company is None or f.tracking_company == self.tracking_company)
            and (self.tracking_number is None or f.tracking_number == self.tracking_number)
            and (self.created_gt is None or f.created_time > self.created_gt)
            and (self.created_gte is None or f.created_time >= self.created_gte)
            and (self.created_lt is None or f.created_time < self.created_lt)
            and (self.created_lte is None or f.created_time <= self.created_lte)
        )

    def floor(self) -> str | None:
        """The exclusive low end of the list positions the created range allows."""
        ends = []
        if self.created_gt is not None:
            ends.append(fulfillment_ids.created_bound(self.created_gt, after_all_ids=True))
        if self.created_gte is not None:
            ends.append(fulfillment_ids.created_bound(self.created_gte))
        return max(ends) if ends else None

    def ceiling(self) -> str | None:
        """The exclusive high end of the list positions the created range allows."""
        ends = []
        if self.created_lt is not None:
            ends.append(fulfillment_ids.created_bound(self.created_lt))
        if self.created_lte is not None:
            ends.append(fulfillment_ids.created_bound(self.created_lte, after_all_ids=True))
        return min(ends) if ends else None


def sort_key(f: Fulfillment) -> str:
    return fulfillment_ids.list_position(f.created_time, f.id)


@dataclass(frozen=True)
class FulfilItems(Mutation):
    """Fulfil (and per item cancel) part or all of the order: the order and its new fulfillment."""

    request: FulfilRequest | None

    def apply(self, order: Order, now: datetime) -> Changed:
        record_id = fulfillment_ids.fulfillment_id(order.id, order.sys_version + 1)
        changed, record = rules.fulfil(order, self.request, now=now, fulfillment_id=record_id)
        return Changed(changed, record)


@dataclass(frozen=True)
class CancelItems(Mutation):
    """Cancel every open unit (no items) or the items' units; what they cost is voided."""

    items: Sequence[CancelItemInput] | None
    reason: str | None = None

    def apply(self, order: Order, now: datetime) -> Order:
        return rules.cancel(order, self.items, reason=self.reason)


@dataclass(frozen=True)
class CancelWhole(Mutation):
    """The whole order (rules.cancel_whole: nothing fulfilled; already cancelled is done)."""

    def apply(self, order: Order, now: datetime) -> Order:
        return rules.cancel_whole(order)


@dataclass(frozen=True)
class VoidOrder(Mutation):
    def apply(self, order: Order, now: datetime) -> Order:
        return rules.void(order)


@dataclass(frozen=True)
class CloseOrder(Mutation):
    def apply(self, order: Order, now: datetime) -> Order:
        return rules.close(order)


@dataclass(frozen=True)
class UpdateFulfillment(Mutation):
    """Tracking details and will-call pickups of one fulfillment: a write of its order too (its
    version moves, and a pickup marks the order's lines)."""

    fulfillment_id: str
    update: FulfillmentUpdate
    #: The fulfillment's version the client read (its `ETag`), or None.
    if_match: int | None
    store: FulfillmentStore
    tenant_id: str

    def apply(self, order: Order, now: datetime) -> Order | Changed:
        current = self.store.get(self.tenant_id, self.fulfillment_id, consistent=True)
        if current is None:
            raise NotFound(f"Fulfillment {self.fulfillment_id} was not found.")
        if self.if_match is not None and self.if_match != current.sys_version:
            raise PreconditionFailed(
                f"If-Match names version {self.if_match}; "
                f"the fulfillment is at version {current.sys_version}."
            )
        tracking = self.update.model_dump(
            include={"tracking_company", "tracking_number", "tracking_url"}, exclude_unset=True
        )
        changed = current.model_copy(update=tracking)
        if self.update.picked_up or self.update.items:
            lines = None if self.update.items is None else [i.order_line_item_id for i in self.update.items]
            order, changed = refundability.pickup(order, changed, lines)
        if changed == current:
            return order
        return Changed(order, changed)


@dataclass
class FulfilOrders:
    """Fulfil, cancel, void, close; get, list and update fulfillments."""

    repo: OrderRepository
    fulfillments: FulfillmentStore
    max_attempts: int = 20
    sleep: Callable[[float], None] | None = None
    loop: WriteLoop = field(init=False)

    def __post_init__(self) -> None:
        self.loop = WriteLoop(self.repo, max_attempts=self.max_attempts, sleep=self.sleep or time.sleep)

    # ------------------------------------------------------------------ changes of the order
    def fulfil(
        self,
        tenant_id: str,
        order_ref: str,
        request: FulfilRequest | None,
        *,
        actor: str,
        if_match: int | None,
        write_key: str | None = None,
    ) -> Changed:
        """Fulfil part or all of the order (FulfilItems): the order and its new fulfillment.

        `write_key`: the request's keyed write id (services.write_loop), so a keyed retry is done once."""
        written = self.loop.run(
            FulfilItems(request), tenant_id, order_ref, actor=actor, if_match=if_match, write_key=write_key
        )
        if written.fulfillment is None and written.version is not None:
            # An earlier run of this keyed request made it: the record written at that version.
            landed = fulfillment_ids.fulfillment_id(written.order.id, written.version)
            found = self.fulfillments.get(tenant_id, landed, consistent=True)
            return Changed(written.order, found, written.version)
        return written

    def cancel(
        self,
        tenant_id: str,
        order_ref: str,
        request: CancelRequest | None,
        *,
        actor: str,
        if_match: int | None,
        write_key: str | None = None,
    ) -> Order:
        """Cancel every open unit (no items) or the items' units; what they cost is voided."""
        mutation = CancelItems(request.items if request else None, request.reason if request else None)
        return self._run(mutation, tenant_id, order_ref, actor, if_match, write_key)

    def cancel_whole(self, tenant_id: str, order_ref: str, *, actor: str) -> Order:
        """Cancel the whole order (rules.cancel_whole: nothing fulfilled; already cancelled is done)."""
        return self._run(CancelWhole(), tenant_id, order_ref, actor, None, None)

    def void(
        self,
        tenant_id: str,
        order_ref: str,
        *,
        actor: str,
        if_match: int | None,
        write_key: str | None = None,
    ) -> Order:
        return self._run(VoidOrder(), tenant_id, order_ref, actor, if_match, write_key)

    def close(
        self,
        tenant_id: str,
        order_ref: str,
        *,
        actor: str,
        if_match: int | None,
        write_key: str | None = None,
    ) -> Order:
        return self._run(CloseOrder(), tenant_id, order_ref, actor, if_match, write_key)

    def _run(
        self,
        mutation: Mutation,
        tenant_id: str,
        order_ref: str,
        actor: str,
        if_match: int | None,
        write_key: str | None,
    ) -> Order:
        return self.loop.run(
            mutation, tenant_id, order_ref, actor=actor, if_match=if_match, write_key=write_key
        ).order

    # ------------------------------------------------------------------ the Fulfillments resource
    def shipped_records(self, tenant_id: str, order: Order) -> list[Fulfillment]:
        """The order's fulfillment records when it shipped anything (one Query), else none (no read)."""
        if lifecycle.shipped_quantity(order.line_items) == 0:
            return []
        return self.fulfillments.of_order(tenant_id, order.id)

    def get(self, tenant_id: str, fulfillment_id: str) -> Fulfillment:
        found = self.fulfillments.get(tenant_id, fulfillment_id)
        if found is None or found.tenant_id != tenant_id:
            raise NotFound(f"Fulfillment {fulfillment_id} was not found.")
        return found

    def update(
        self,
        tenant_id: str,
        fulfillment_id: str,
        update: FulfillmentUpdate,
        *,
        actor: str,
        if_match: int | None,
    ) -> Fulfillment:
        """Change tracking details and record will-call pickups; the fulfillment as written.

        `If-Match` names the fulfillment's version (its `ETag`): 412 when it was written since.
        """
        parsed = fulfillment_ids.parse_fulfillment_id(fulfillment_id)
        if parsed is None:
            raise NotFound(f"Fulfillment {fulfillment_id} was not found.")
        order_id = parsed[0]  # the id names its order: no read to find it
        mutation = UpdateFulfillment(fulfillment_id, update, if_match, self.fulfillments, tenant_id)
        written = self.loop.run(mutation, tenant_id, order_id, actor=actor, if_match=None)
        return written.fulfillment or self.get(tenant_id, fulfillment_id)

    def find(self, tenant_id: str, query: FulfillmentQuery) -> tuple[list[Fulfillment], bool]:
        """One page of fulfillments, newest first, and whether more lie beyond it (module docstring)."""
        if query.starting_after and query.ending_before:
            raise ValidationFailed(
                "Send starting_after or ending_before, not both.",
                errors=[FieldError("ending_before", "may not be sent with starting_after")],
            )
        cursor_id = query.starting_after or query.ending_before
        ascending = query.ending_before is not None
        bound: str | None = None
        if cursor_id:
            cursor = self.fulfillments.get(tenant_id, cursor_id)
            if cursor is None:
                parameter = "starting_after" if query.starting_after else "ending_before"
                raise ValidationFailed(
                    f"{parameter} names no fulfillment of this tenant.",
                    errors=[FieldError(parameter, f"names no fulfillment: '{cursor_id}'")],
                )
            bound = sort_key(cursor)
        if query.ids or query.order_id:
            rows, more = self._from_candidates(tenant_id, query, bound, ascending)
        else:
            rows, more = self._from_index(tenant_id, query, bound, ascending)
        return (list(reversed(rows)) if ascending else rows), more

    def _from_candidates(
        self, tenant_id: str, query: FulfillmentQuery, bound: str | None, ascending: bool
    ) -> tuple[list[Fulfillment], bool]:
        """Named fulfillments (by key) or one order's (its item collection), filtered and paged here."""
        found: Sequence[Fulfillment]
        if query.ids:
            found = self.fulfillments.by_ids(tenant_id, query.ids)
        else:
            assert query.order_id is not None
            found = self.fulfillments.of_order(tenant_id, query.order_id)
        rows = sorted((f for f in found if query.keeps(f)), key=sort_key, reverse=not ascending)
        if bound is not None:
            rows = [f for f in rows if (sort_key(f) > bound if ascending else sort_key(f) < bound)]
        return rows[: query.limit], len(rows) > query.limit

    def _from_index(
        self, tenant_id: str, query: FulfillmentQuery, bound: str | None, ascending: bool
    ) -> tuple[list[Fulfillment], bool]:
        """The tenant's fulfillments, or one tracking number's, between the cursor and the created range."""
        if query.tracking_number:
            place = Place(Listing.TRACKING_NUMBER, tenant_id, (query.tracking_number,))
        else:
            place = Place(Listing.TENANT_FULFILLMENTS, tenant_id)
        floor, ceiling = query.floor(), query.ceiling()
        if ascending:
            after = max(x for x in (bound, floor) if x is not None) if (bound or floor) else None
            stop = ceiling
        else:
            after = min(x for x in (bound, ceiling) if x is not None) if (bound or ceiling) else None
            stop = floor
        rows, more, _ = self.fulfillments.page(
            [place], limit=query.limit, after=after, stop=stop, ascending=ascending, keep=query.keeps
        )
        return rows, more
