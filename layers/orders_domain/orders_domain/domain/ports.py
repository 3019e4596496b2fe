"""What the domain needs from the outside world, as protocols; storage implements them.

Services depend on these, never on boto3: unit tests run them on in-memory fakes, handlers on
moto, the integration tier on DynamoDB Local. Fulfillment records are written with
their order (`OrderRepository.replace`) and read through `FulfillmentStore`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from typing import Any

    from orders_domain.domain.catalogue_rules import Reservation
    from orders_domain.domain.coupon_rows import UsageRow
    from orders_domain.domain.events import DomainEvent
    from orders_domain.domain.history_entries import HistoryEntry
    from orders_domain.domain.order_text import OrderAnswer
    from orders_domain.domain.page_positions import Page, PagePosition, Place
    from orders_domain.models import Order
    from orders_domain.models.catalogue import CatalogueSettings, OpenCredit, Product, ShippingProduct
    from orders_domain.models.fulfillments import Fulfillment
    from orders_domain.models.refunds import RefundReason


@dataclass(frozen=True)
class ApiKeyRecord:
    """A stored API key: only its hash, the tenant it belongs to and its scopes; a portal key also
    the one party (`("contact" | "organization", id)`) it is bound to. `plan`: the usage plan its
    tenant was put in when the key was made; `usage_key`: the tenant's API Gateway API key in that
    plan (not a credential: what the authorizer answers as `usageIdentifierKey`), None locally."""

    key_hash: str
    tenant_id: str
    scopes: tuple[str, ...]
    key_id: str
    active: bool = True
    party: tuple[str, str] | None = None
    plan: str | None = None
    usage_key: str | None = field(default=None, repr=False)


class OrderRepository(Protocol):
    """Orders, keyed by tenant and id. Writes are conditional (create once, update on version)."""

    def next_order_number(self, tenant_id: str) -> int: ...

    def create(
        self,
        order: Order,
        *,
        request_fingerprint: str | None = None,
        reservations: Sequence[Reservation] = (),
    ) -> None:
        """Store a new order; `OrderAlreadyExists` (with the stored one) when the id is taken. With
        `reservations`, the order and each product's stock decrement are one transaction: `SoldOut`
        (naming the line) when a product has fewer units left than reserved, and nothing is written."""

    def replace(
        self,
        order: Order,
        *,
        expected_version: int,
        fulfillment: Fulfillment | None = None,
        request_token: str | None = None,
        releases: Sequence[Reservation] = (),
    ) -> None:
        """Write a changed order (and `fulfillment`, in the same transaction: both or neither);
        `VersionConflict` unless it is still at `expected_version`. `request_token`: the write is
        applied once per token (DynamoDB's ClientRequestToken), whatever the SDK retries.
        `releases`: units given back to products' stock in the same transaction (a product since
        deleted, or made unlimited, takes none back)."""

    def get(
        self, tenant_id: str, order_id: str, *, consistent: bool = False, include_deleted: bool = False
    ) -> Order | None:
        """The order, or None (also when it is deleted, unless `include_deleted`)."""

    def get_answer(self, tenant_id: str, order_id: str, *, consistent: bool = False) -> OrderAnswer | None:
        """The order's answer as written (domain.order_text), or None (also when it is deleted)."""

    def get_by_token(self, tenant_id: str, token: str) -> Order | None: ...

    def id_by_token(self, tenant_id: str, token: str) -> str | None:
        """The id of the order with this guest token (without reading the order), or None."""


class ApiKeyStore(Protocol):
    """API keys by hash (the clear key is never stored), and a revoke by the key's id."""

    def get(self, key_hash: str) -> ApiKeyRecord | None: ...

    def put(self, record: ApiKeyRecord) -> None: ...

    def revoke(self, key_id: str) -> bool:
        """Mark the key with this id inactive; False when there is no such key."""


class HistoryStore(Protocol):
    """An order's history entries, one per version, each written once."""

    def append(self, tenant_id: str, order_id: str, entry: HistoryEntry) -> bool:
        """Store the entry; False when that version's entry is already there (a redelivery)."""

    def entries(self, tenant_id: str, order_id: str, *, upto: int | None = None) -> list[HistoryEntry]:
        """The order's entries, oldest first, up to version `upto`."""

    def page(
        self, tenant_id: str, order_id: str, *, after: int, limit: int
    ) -> tuple[list[HistoryEntry], bool]:
        """Up to `limit` entries after version `after`, oldest first, and whether more follow."""

    def newest_first(self, tenant_id: str, order_id: str) -> Iterator[HistoryEntry]:
        """The order's entries from the newest back, read a page at a time as they are consumed."""


class CouponUsageStore(Protocol):
    """An order's coupon usage rows, each write conditional on the order version it comes from."""

    def apply(
        self, tenant_id: str, order_id: str, version: int, writes: list[UsageRow], removals: list[int]
    ) -> int:
        """Write and remove rows as of `version`; how many took effect (none for an older version)."""


class EventPublisher(Protocol):
    """Where domain events go (EventBridge on AWS, a local sink under `make serve`)."""

    def publish(self, events: Sequence[DomainEvent]) -> list[DomainEvent]:
        """Publish the events; the ones that were not accepted (to be retried), in their order."""


class OrderLists(Protocol):
    """Pages of list rows (page_positions.Page), and the list rows of orders named by id."""

    def page(
        self,
        places: Sequence[Place],
        *,
        limit: int,
        after: PagePosition | None = None,
        keep: Callable[[dict[str, Any]], bool] | None = None,
        distinct_orders: bool = False,
    ) -> Page:
        """Up to `limit` rows kept by `keep`, newest first, merged from the lists named (an order
        in two of them once); `distinct_orders`: a coupon's uses, one row per order."""

    def rows_by_id(self, tenant_id: str, order_ids: Sequence[str]) -> list[tuple[str, dict[str, Any]]]:
        """(list sort key, list row) of each named order that exists and is not deleted, in no order."""

    def orders_by_id(
        self, tenant_id: str, order_ids: Sequence[str], *, consistent: bool = False
    ) -> dict[str, Order]:
        """The whole orders named that exist and are not deleted, by id (BatchGetItem: by key)."""


class FulfillmentStore(Protocol):
    """Fulfillment records: by id, by order, and pages of the tenant's or a tracking number's."""

    def get(self, tenant_id: str, fulfillment_id: str, *, consistent: bool = False) -> Fulfillment | None: ...

    def of_order(self, tenant_id: str, order_id: str, *, consistent: bool = False) -> list[Fulfillment]:
        """The order's fulfillments, oldest first."""

    def by_ids(self, tenant_id: str, fulfillment_ids: Sequence[str]) -> list[Fulfillment]:
        """The named fulfillments that exist, in no order."""

    def page(
        self,
        places: Sequence[Place],
        *,
        limit: int,
        after: str | None,
        stop: str | None,
        ascending: bool,
        keep: Callable[[Fulfillment], bool] | None = None,
    ) -> tuple[list[Fulfillment], bool, int]:
        """Up to `limit` kept fulfillments beyond list position `after` (domain.fulfillment_ids),
        none at or past `stop`, newest first (oldest first when `ascending`); whether more may
        follow; rows examined."""


class RefundReasonStore(Protocol):
    """A tenant's own refund reasons (the built-in ones are code: domain.refund_rules)."""

    def reasons(self, tenant_id: str) -> list[RefundReason]: ...

    def put(self, tenant_id: str, reason: RefundReason) -> None: ...


class CatalogueStore(Protocol):
    """A tenant's catalogue: products by (type, id), shipping products, settings (no Scan)."""

    def get(
        self, tenant_id: str, product_type: str, product_id: str, *, consistent: bool = False
    ) -> Product | None:
        """The product with the stock it has left now, or None."""

    def get_many(self, tenant_id: str, refs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Product]:
        """The named products that exist, by (type, id)."""

    def lookup(
        self, tenant_id: str, refs: Sequence[tuple[str, str]], *, levels: bool = True
    ) -> tuple[dict[tuple[str, str], Product], CatalogueSettings]:
        """The named products that exist and the catalogue's settings, in one read (a create's), then
        their stock levels; `levels` False: not those (a limited product's `stock_available` then
        says only that its stock is limited: a create's reservation decides)."""

    def put(self, product: Product) -> None:
        """Store (or replace) the product; its stock becomes `stock_available`."""

    def delete(self, tenant_id: str, product_type: str, product_id: str) -> bool:
        """Remove the product; False when there was none."""

    def page(
        self, tenant_id: str, *, limit: int, after: str | None = None
    ) -> tuple[list[Product], str | None]:
        """Up to `limit` products in (type, id) order after position `after`; the next position or None."""

    def shipping(self, tenant_id: str) -> list[ShippingProduct]:
        """The tenant's shipping products by display order."""

    def put_shipping(self, tenant_id: str, shipping: ShippingProduct) -> None: ...

    def settings(self, tenant_id: str) -> CatalogueSettings: ...

    def put_settings(self, tenant_id: str, settings: CatalogueSettings) -> None: ...


class CreditStore(Protocol):
    """Customers' open credits (no Scan): numbered per tenant, listed per customer."""

    def find(self, credit: OpenCredit) -> OpenCredit | None:
        """The stored credit with `credit`'s tenant, customer and id, or None."""

    def next_number(self, tenant_id: str) -> int:
        """A credit number of the tenant no other credit has or will have."""

    def add(self, credit: OpenCredit) -> OpenCredit:
        """Store the credit unless its id is taken; the credit stored under that id either way."""

    def of_customer(self, tenant_id: str, customer_type: str, customer_id: str) -> list[OpenCredit]:
        """The customer's credits, by number."""


if TYPE_CHECKING:
    from orders_domain.domain.notifications import EmailMessage


class EmailSender(Protocol):
    """Sends one rendered e-mail (storage.email: SES, or the local outbox of `make serve`)."""

    def send(self, message: EmailMessage) -> str:
        """The sent message's id; EmailSendFailed (502) when it was not sent."""
