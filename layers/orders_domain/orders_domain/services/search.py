"""Find orders: the tenant's list, every lookup and search — each a Query on the key or an index.

Each route names the lists that hold what it asks for (page_positions.Place: the tenant's orders, a
party's, a coupon's uses) and reads them through `ports.OrderLists` (a merged, bounded page; which
index partitions hold a list is storage's business). A search reads the narrowest list its filters
allow (a party's, else the tenant's) and filters the rest on the list rows; a search by `id` reads
those orders by key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from orders_domain.domain.errors import FieldError, ValidationFailed
from orders_domain.domain.lifecycle import ShippingStatus
from orders_domain.domain.page_positions import Listing, Page, PagePosition, Place
from orders_domain.models.search import matches

if TYPE_CHECKING:
    from collections.abc import Callable

    from orders_domain.domain.ports import OrderLists
    from orders_domain.models import Order
    from orders_domain.models.search import SearchRequest

#: `customerType` / party path values -> the party type stored on orders.
PARTY_TYPES = ("contact", "organization")
#: The party roles `by_party` takes: billed to, shipped to.
BILL_TO, SHIP_TO = Listing.BILLED_TO, Listing.SHIPPED_TO


def _tenant_orders(tenant_id: str) -> list[Place]:
    return [Place(Listing.TENANT_ORDERS, tenant_id)]


def _party(tenant_id: str, role: Listing, party_type: str, party_id: str) -> Place:
    return Place(role, tenant_id, (party_type, party_id))


def shipping_status(value: str, *, field: str = "status") -> ShippingStatus:
    """A shipping status from a path (`awaiting shipment`, or `awaiting_shipment`); else a 400."""
    text = value.replace("_", " ").replace("-", " ").strip().lower()
    try:
        return ShippingStatus(text)
    except ValueError:
        allowed = ", ".join(repr(s.value) for s in ShippingStatus)
        raise ValidationFailed(
            "Unknown shipping status.", errors=[FieldError(field, f"must be one of {allowed}")]
        ) from None


@dataclass
class SearchOrders:
    lists: OrderLists

    def recent(self, tenant_id: str, *, limit: int, after: PagePosition | None) -> Page:
        """The tenant's orders, newest first."""
        return self.lists.page(_tenant_orders(tenant_id), limit=limit, after=after)

    def by_party(
        self,
        tenant_id: str,
        role: Listing,
        party_type: str,
        party_id: str,
        *,
        limit: int,
        after: PagePosition | None,
    ) -> Page:
        """Orders billed to (`BILL_TO`) or shipped to (`SHIP_TO`) one contact or organization."""
        return self.lists.page([_party(tenant_id, role, party_type, party_id)], limit=limit, after=after)

    def by_customer(
        self, tenant_id: str, party_type: str, party_id: str, *, limit: int, after: PagePosition | None
    ) -> Page:
        """Orders where the party is bill-to or ship-to: both lists merged, each order once."""
        parts = [_party(tenant_id, role, party_type, party_id) for role in (BILL_TO, SHIP_TO)]
        return self.lists.page(parts, limit=limit, after=after)

    def whole(self, tenant_id: str, page: Page, *, consistent: bool = False) -> list[Order]:
        """The whole orders of a page's rows, in the page's order (by key, 100 a BatchGetItem: the
        page's cost stays flat in the tenant's orders). One deleted since the rows were read is left
        out (the page is then short); each as it stands now (it may have moved on since its row)."""
        ids = list(dict.fromkeys(str(row["id"]) for row in page.rows))
        if not ids:
            return []
        found = self.lists.orders_by_id(tenant_id, ids, consistent=consistent)
        return [found[oid] for oid in ids if oid in found]

    def by_shipping_status(
        self, tenant_id: str, status: ShippingStatus, *, limit: int, after: PagePosition | None
    ) -> Page:
        place = Place(Listing.SHIPPING_STATUS, tenant_id, (status.value,))
        return self.lists.page([place], limit=limit, after=after)

    def by_installment_schedule(
        self, tenant_id: str, schedule_id: str, *, limit: int, after: PagePosition | None
    ) -> Page:
        place = Place(Listing.INSTALLMENT_SCHEDULE, tenant_id, (schedule_id,))
        return self.lists.page([place], limit=limit, after=after)

    def coupon_usages(
        self, tenant_id: str, coupon_type: str, coupon_id: str, *, limit: int, after: PagePosition | None
    ) -> Page:
        """The coupon's usage rows (one per use; the stream consumer keeps them), newest first."""
        place = Place(Listing.COUPON_USES, tenant_id, (coupon_type, coupon_id))
        return self.lists.page([place], limit=limit, after=after)

    def coupon_code_usages(
        self, tenant_id: str, coupon_code_id: str, *, limit: int, after: PagePosition | None
    ) -> Page:
        place = Place(Listing.COUPON_CODE_USES, tenant_id, (coupon_code_id,))
        return self.lists.page([place], limit=limit, after=after)

    def by_coupon(
        self, tenant_id: str, coupon_type: str, coupon_id: str, *, limit: int, after: PagePosition | None
    ) -> Page:
        """Orders that used the coupon, newest first, each once (however often it used it): its
        usage rows, one per order, then those orders' list rows by key. An order deleted since its
        rows were read is left out (the page is then short)."""
        usages = self._coupon_uses(tenant_id, coupon_type, coupon_id, limit=limit, after=after)
        order_ids = [str(row["order_id"]) for row in usages.rows]
        found = {str(row["id"]): row for _, row in self.lists.rows_by_id(tenant_id, order_ids)}
        rows = [found[oid] for oid in order_ids if oid in found]
        return Page(rows=rows, next=usages.next, examined=usages.examined, queries=usages.queries + 1)

    def coupon_order_ids(
        self, tenant_id: str, coupon_type: str, coupon_id: str, *, limit: int, after: PagePosition | None
    ) -> Page:
        """`by_coupon`'s page as `{"id"}` rows alone, for `whole` to read the orders themselves (one
        BatchGetItem instead of two: the list rows would be read only to be thrown away)."""
        usages = self._coupon_uses(tenant_id, coupon_type, coupon_id, limit=limit, after=after)
        rows = [{"id": str(row["order_id"])} for row in usages.rows]
        return Page(rows=rows, next=usages.next, examined=usages.examined, queries=usages.queries)

    def _coupon_uses(
        self, tenant_id: str, coupon_type: str, coupon_id: str, *, limit: int, after: PagePosition | None
    ) -> Page:
        place = Place(Listing.COUPON_USES, tenant_id, (coupon_type, coupon_id))
        return self.lists.page([place], limit=limit, after=after, distinct_orders=True)

    def search(
        self, tenant_id: str, request: SearchRequest, *, limit: int, after: PagePosition | None
    ) -> Page:
        """Orders matching every filter, newest first: read from the narrowest lists the
        filters name, filtered on the list rows."""

        def keep(row: dict[str, Any]) -> bool:
            return matches(request, row)

        if request.id is not None:
            return self._by_ids(tenant_id, request.id, keep, limit=limit, after=after)
        return self.lists.page(self._narrowest(tenant_id, request), limit=limit, after=after, keep=keep)

    @staticmethod
    def _narrowest(tenant_id: str, request: SearchRequest) -> list[Place]:
        """A party's list when the filters name one exactly (type and id), else the tenant's."""
        for role, type_, contact, organization in (
            (BILL_TO, request.bill_to_type, request.bill_to_contact_id, request.bill_to_organization_id),
            (SHIP_TO, request.ship_to_type, request.ship_to_contact_id, request.ship_to_organization_id),
        ):
            if type_ == "contact" and contact:
                return [_party(tenant_id, role, "contact", contact)]
            if type_ == "organization" and organization:
                return [_party(tenant_id, role, "organization", organization)]
        return _tenant_orders(tenant_id)

    def _by_ids(
        self,
        tenant_id: str,
        ids: list[str],
        keep: Callable[[dict[str, Any]], bool],
        *,
        limit: int,
        after: PagePosition | None,
    ) -> Page:
        """At most 100 orders named by id: read by key, newest first, paged like any list."""
        rows = sorted(self.lists.rows_by_id(tenant_id, ids), key=lambda pair: pair[0], reverse=True)
        if after is not None:
            rows = [pair for pair in rows if pair[0] < after.after]
        kept = [(sort_key, row) for sort_key, row in rows if keep(row)]
        page, rest = kept[:limit], kept[limit:]
        position = PagePosition(after=page[-1][0]) if rest else None
        return Page(rows=[row for _, row in page], next=position, examined=len(rows), queries=0)
