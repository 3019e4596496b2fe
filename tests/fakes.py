"""In-memory implementations of the domain's ports: domain services tested without moto or DynamoDB."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Sequence

from orders_domain.domain.catalogue_rules import Reservation
from orders_domain.domain.errors import FieldError, OrderAlreadyExists, SoldOut, VersionConflict
from orders_domain.domain.order_text import OrderAnswer, order_text
from orders_domain.domain.page_positions import Place
from orders_domain.domain.ports import ApiKeyRecord
from orders_domain.models import Order
from orders_domain.models.catalogue import CatalogueSettings, OpenCredit, Product, ShippingProduct
from orders_domain.models.fulfillments import Fulfillment
from orders_domain.models.refunds import RefundReason
from orders_domain.storage import keys
from orders_domain.storage.pages import partitions_of_all


class InMemoryOrderRepository:
    """`ports.OrderRepository` in a dict, with the same conditions as the DynamoDB one."""

    def __init__(self, catalogue: InMemoryCatalogue | None = None) -> None:
        self.catalogue = catalogue
        self.orders: dict[tuple[str, str], tuple[Order, str | None]] = {}
        self.counters: defaultdict[str, int] = defaultdict(int)
        self.fulfillments: dict[tuple[str, str], Fulfillment] = {}
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def next_order_number(self, tenant_id: str) -> int:
        self.calls.append("next_order_number")
        with self._lock:
            self.counters[tenant_id] += 1
            return self.counters[tenant_id]

    def create(
        self,
        order: Order,
        *,
        request_fingerprint: str | None = None,
        reservations: Sequence[Reservation] = (),
    ) -> None:
        self.calls.append("create")
        with self._lock:
            existing = self.orders.get((order.tenant_id, order.id))
            if existing is not None:
                raise OrderAlreadyExists(existing[0], existing[1])
            if reservations:
                self._reserve(order.tenant_id, reservations)
            self.orders[(order.tenant_id, order.id)] = (order, request_fingerprint)

    def _reserve(self, tenant_id: str, reservations: Sequence[Reservation]) -> None:
        """As the store's transaction: every product's stock down, or none (`SoldOut`)."""
        assert self.catalogue is not None, "a reservation needs the repository's catalogue"
        found = [self.catalogue.get(tenant_id, r.product_type, r.product_id) for r in reservations]
        short = [
            r
            for r, p in zip(reservations, found, strict=True)
            if p is None or p.stock_available is None or p.stock_available < r.quantity
        ]
        if short:
            raise SoldOut("sold out", errors=[FieldError(r.field, "sold out") for r in short])
        for r, p in zip(reservations, found, strict=True):
            assert p is not None
            assert p.stock_available is not None
            self.catalogue.put(p.model_copy(update={"stock_available": p.stock_available - r.quantity}))

    def replace(
        self,
        order: Order,
        *,
        expected_version: int,
        fulfillment: Fulfillment | None = None,
        request_token: str | None = None,
        releases: Sequence[Reservation] = (),
    ) -> None:
        self.calls.append("replace")
        with self._lock:
            existing = self.orders.get((order.tenant_id, order.id))
            if existing is None or existing[0].sys_version != expected_version:
                raise VersionConflict(f"Order {order.id} was changed by another request.")
            self.orders[(order.tenant_id, order.id)] = (order, existing[1])
            catalogue = self.catalogue
            for release in releases if catalogue is not None else ():
                assert catalogue is not None
                found = catalogue.get(order.tenant_id, release.product_type, release.product_id)
                if found is not None and found.stock_available is not None:
                    left = found.stock_available + release.quantity
                    catalogue.put(found.model_copy(update={"stock_available": left}))
            if fulfillment is not None:
                self.fulfillments[(fulfillment.tenant_id, fulfillment.id)] = fulfillment

    def get(
        self, tenant_id: str, order_id: str, *, consistent: bool = False, include_deleted: bool = False
    ) -> Order | None:
        self.calls.append("get")
        found = self.orders.get((tenant_id, order_id))
        if found is None or (found[0].sys_deleted and not include_deleted):
            return None
        return found[0]

    def get_answer(self, tenant_id: str, order_id: str, *, consistent: bool = False) -> OrderAnswer | None:
        order = self.get(tenant_id, order_id, consistent=consistent)
        return None if order is None else OrderAnswer(order_text(order), order.sys_version, False)

    def id_by_token(self, tenant_id: str, token: str) -> str | None:
        found = self.get_by_token(tenant_id, token)
        return None if found is None else found.id

    def get_by_token(self, tenant_id: str, token: str) -> Order | None:
        self.calls.append("get_by_token")
        for (tenant, _), (order, _) in self.orders.items():
            if tenant == tenant_id and order.token == token and not order.sys_deleted:
                return order
        return None


class InMemoryApiKeyStore:
    """`ports.ApiKeyStore` in a dict; counts reads so caching can be observed."""

    def __init__(self) -> None:
        self.keys: dict[str, ApiKeyRecord] = {}
        self.reads = 0

    def get(self, key_hash: str) -> ApiKeyRecord | None:
        self.reads += 1
        return self.keys.get(key_hash)

    def put(self, record: ApiKeyRecord) -> None:
        self.keys[record.key_hash] = record

    def revoke(self, key_id: str) -> bool:
        for key_hash, record in self.keys.items():
            if record.key_id == key_id:
                self.keys[key_hash] = ApiKeyRecord(
                    key_hash=record.key_hash,
                    tenant_id=record.tenant_id,
                    scopes=record.scopes,
                    key_id=record.key_id,
                    active=False,
                )
                return True
        return False


class InMemoryFulfillments:
    """`ports.FulfillmentStore` over the fulfillments an InMemoryOrderRepository holds; pages match
    partitions on the index attributes keys.py gives each fulfillment, as the indexes do."""

    def __init__(self, repo: InMemoryOrderRepository) -> None:
        self.repo = repo

    def get(self, tenant_id: str, fulfillment_id: str, *, consistent: bool = False) -> Fulfillment | None:
        return self.repo.fulfillments.get((tenant_id, fulfillment_id))

    def of_order(self, tenant_id: str, order_id: str, *, consistent: bool = False) -> list[Fulfillment]:
        found = [
            f for (t, _), f in self.repo.fulfillments.items() if t == tenant_id and f.order_id == order_id
        ]
        return sorted(found, key=lambda f: keys.parse_fulfillment_id(f.id) or (f.id, 0))

    def by_ids(self, tenant_id: str, fulfillment_ids: Sequence[str]) -> list[Fulfillment]:
        return [f for i in dict.fromkeys(fulfillment_ids) if (f := self.get(tenant_id, i)) is not None]

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
        partitions = partitions_of_all(places)
        rows: list[tuple[str, Fulfillment]] = []
        for f in self.repo.fulfillments.values():
            attrs = keys.fulfillment_index_attributes(
                f.tenant_id, f.order_id, f.id, f.created_time, f.tracking_number
            )
            if any(attrs.get(p.pk_attr) == p.pk for p in partitions):
                rows.append((attrs[partitions[0].sk_attr], f))
        rows.sort(key=lambda r: r[0], reverse=not ascending)
        if after is not None:
            rows = [r for r in rows if (r[0] > after if ascending else r[0] < after)]
        if stop is not None:
            rows = [r for r in rows if (r[0] < stop if ascending else r[0] > stop)]
        kept = [f for _, f in rows if keep is None or keep(f)]
        return kept[:limit], len(kept) > limit, len(rows)


class InMemoryRefundReasons:
    """`ports.RefundReasonStore` in a dict."""

    def __init__(self) -> None:
        self.by_tenant: dict[str, dict[str, RefundReason]] = {}

    def reasons(self, tenant_id: str) -> list[RefundReason]:
        return sorted(self.by_tenant.get(tenant_id, {}).values(), key=lambda r: r.name)

    def put(self, tenant_id: str, reason: RefundReason) -> None:
        self.by_tenant.setdefault(tenant_id, {})[reason.name] = reason


class LostAnswerRepository(InMemoryOrderRepository):
    """The next `lost` writes land (with their fulfillment), but their answer is lost and the SDK's
    retry of each meets the version it wrote itself: the caller sees a version conflict for a write
    that happened."""

    def __init__(self, lost: int = 0) -> None:
        super().__init__()
        self.lost = lost

    def replace(
        self,
        order: Order,
        *,
        expected_version: int,
        fulfillment: Fulfillment | None = None,
        request_token: str | None = None,
        releases: Sequence[Reservation] = (),
    ) -> None:
        super().replace(order, expected_version=expected_version, fulfillment=fulfillment, releases=releases)
        if self.lost > 0:
            self.lost -= 1
            raise VersionConflict("the retry met the version its first send wrote")


class InMemoryCredits:
    """`ports.CreditStore` in a dict keyed as the table is (tenant, customer type, customer id, id)."""

    def __init__(self) -> None:
        self.credits: dict[tuple[str, str, str, str], OpenCredit] = {}
        self.last_number: dict[str, int] = {}

    @staticmethod
    def _key(credit: OpenCredit) -> tuple[str, str, str, str]:
        return (credit.tenant_id, credit.customer_type, credit.customer_id, credit.id)

    def find(self, credit: OpenCredit) -> OpenCredit | None:
        return self.credits.get(self._key(credit))

    def next_number(self, tenant_id: str) -> int:
        self.last_number[tenant_id] = self.last_number.get(tenant_id, 0) + 1
        return self.last_number[tenant_id]

    def add(self, credit: OpenCredit) -> OpenCredit:
        return self.credits.setdefault(self._key(credit), credit)

    def of_customer(self, tenant_id: str, customer_type: str, customer_id: str) -> list[OpenCredit]:
        found = [
            c
            for (t, ct, ci, _), c in self.credits.items()
            if (t, ct, ci) == (tenant_id, customer_type, customer_id)
        ]
        return sorted(found, key=lambda c: c.number)


class InMemoryCatalogue:
    """`ports.CatalogueStore` in dicts, keyed as the table is (tenant, type, id)."""

    def __init__(self) -> None:
        self.products: dict[tuple[str, str, str], Product] = {}
        self.shipping_products: dict[tuple[str, str], ShippingProduct] = {}
        self.settings_of: dict[str, CatalogueSettings] = {}

    def get(
        self, tenant_id: str, product_type: str, product_id: str, *, consistent: bool = False
    ) -> Product | None:
        return self.products.get((tenant_id, product_type, product_id))

    def get_many(self, tenant_id: str, refs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Product]:
        return {ref: p for ref in refs if (p := self.get(tenant_id, *ref)) is not None}

    def lookup(
        self, tenant_id: str, refs: Sequence[tuple[str, str]], *, levels: bool = True
    ) -> tuple[dict[tuple[str, str], Product], CatalogueSettings]:
        return self.get_many(tenant_id, refs), self.settings(tenant_id)

    def put(self, product: Product) -> None:
        self.products[(product.tenant_id, product.product_type, product.product_id)] = product

    def delete(self, tenant_id: str, product_type: str, product_id: str) -> bool:
        return self.products.pop((tenant_id, product_type, product_id), None) is not None

    def page(
        self, tenant_id: str, *, limit: int, after: str | None = None
    ) -> tuple[list[Product], str | None]:
        ordered = sorted((f"{t}#{i}", p) for (tn, t, i), p in self.products.items() if tn == tenant_id)
        rest = [(position, p) for position, p in ordered if after is None or position > after]
        page = rest[:limit]
        return [p for _, p in page], (page[-1][0] if len(rest) > limit else None)

    def shipping(self, tenant_id: str) -> list[ShippingProduct]:
        found = [s for (t, _), s in self.shipping_products.items() if t == tenant_id]
        return sorted(found, key=lambda s: (s.display_order, s.id))

    def put_shipping(self, tenant_id: str, shipping: ShippingProduct) -> None:
        self.shipping_products[(tenant_id, shipping.id)] = shipping

    def settings(self, tenant_id: str) -> CatalogueSettings:
        return self.settings_of.get(tenant_id, CatalogueSettings())

    def put_settings(self, tenant_id: str, settings: CatalogueSettings) -> None:
        self.settings_of[tenant_id] = settings
