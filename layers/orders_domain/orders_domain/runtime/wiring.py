"""The one place that builds settings, clients, stores and services: lazily, once per process.

Nothing is built at import time, and each collaborator's module is imported when it is first built
(the authorizer never loads the order models). Every function's handler asks `current()`; a
warm Lambda instance reuses it all (one DynamoDB client, one idempotency persistence layer, one
authenticator with its key cache). Tests call `reset()` to start from the environment again;
there is no other cache to clear.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import boto3

from orders_domain.runtime.sdk import CLIENT_CONFIG as _CLIENT_CONFIG
from orders_domain.runtime.settings import Settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
    from mypy_boto3_dynamodb import DynamoDBClient

    from orders_domain.domain.order_changes import OrderChange
    from orders_domain.domain.ports import EmailSender, EventPublisher
    from orders_domain.http.auth import Authenticator
    from orders_domain.http.page_tokens import PageTokens
    from orders_domain.services import CreateOrders, ReadOrders
    from orders_domain.services.batch import RunBatch
    from orders_domain.services.catalogue import KeepCatalogue
    from orders_domain.services.change import ChangeOrders
    from orders_domain.services.checkout import CheckOrders
    from orders_domain.services.fulfillments import FulfilOrders
    from orders_domain.services.notifications import NotifyOrders
    from orders_domain.services.order_history import OrderHistory
    from orders_domain.services.project import ProjectOrderChanges
    from orders_domain.services.refunds import RefundOrders
    from orders_domain.services.search import SearchOrders
    from orders_domain.storage.api_keys import DynamoApiKeyStore
    from orders_domain.storage.catalogue import DynamoCatalogue
    from orders_domain.storage.coupon_usage import DynamoCouponUsageStore
    from orders_domain.storage.credits import DynamoCredits
    from orders_domain.storage.fulfillments import DynamoFulfillments
    from orders_domain.storage.history import DynamoHistoryStore
    from orders_domain.storage.orders import DynamoOrderRepository
    from orders_domain.storage.refund_reasons import DynamoRefundReasons

T = TypeVar("T")


#: The sender identity of the local outbox when ORDERS_EMAIL_SENDER is not set.
LOCAL_EMAIL_SENDER = "orders@example.com"


class Wiring:
    """Lazily built collaborators; each is built once, on first use, thread-safely."""

    def __init__(
        self,
        settings: Settings | None = None,
        dynamodb: DynamoDBClient | None = None,
        event_publisher: EventPublisher | None = None,
        email_sender: EmailSender | None = None,
    ) -> None:
        """Anything given is used instead of being built (tests; `make serve`'s local event sink)."""
        self._built: dict[str, Any] = {}
        self._lock = threading.RLock()
        given = {
            "settings": settings,
            "dynamodb": dynamodb,
            "event_publisher": event_publisher,
            "email_sender": email_sender,
        }
        self._built.update({name: value for name, value in given.items() if value is not None})

    def _once(self, name: str, build: Callable[[], T]) -> T:
        with self._lock:
            if name not in self._built:
                self._built[name] = build()
            value: T = self._built[name]
            return value

    @property
    def settings(self) -> Settings:
        return self._once("settings", Settings.from_environment)

    @property
    def dynamodb(self) -> DynamoDBClient:
        return self._once(
            "dynamodb",
            lambda: boto3.client(
                "dynamodb", endpoint_url=self.settings.dynamodb_endpoint_url, config=_CLIENT_CONFIG
            ),
        )

    @property
    def orders(self) -> DynamoOrderRepository:
        def build() -> DynamoOrderRepository:
            from orders_domain.storage.orders import DynamoOrderRepository

            settings = self.settings
            return DynamoOrderRepository(
                self.dynamodb, settings.orders_table_name, direct_reads=settings.direct_reads
            )

        return self._once("orders", build)

    @property
    def api_keys(self) -> DynamoApiKeyStore:
        def build() -> DynamoApiKeyStore:
            from orders_domain.storage.api_keys import DynamoApiKeyStore

            return DynamoApiKeyStore(self.dynamodb, self.settings.orders_table_name)

        return self._once("api_keys", build)

    @property
    def authenticator(self) -> Authenticator:
        def build() -> Authenticator:
            from orders_domain.http.auth import Authenticator

            return Authenticator(self.api_keys, ttl_seconds=self.settings.api_key_cache_seconds)

        return self._once("authenticator", build)

    @property
    def idempotency_store(self) -> DynamoDBPersistenceLayer:
        """One persistence layer per client: each one registers a hook on the client it is given.

        Sharing it is safe: it is configured here, once, under the lock (Powertools' own
        `configure` is not thread-safe), and keeps no per-request state; the request's data and
        remaining time are passed per call.
        """

        def build() -> DynamoDBPersistenceLayer:
            from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

            from orders_domain.http.idempotency import configure_store

            store = DynamoDBPersistenceLayer(
                table_name=self.settings.idempotency_table_name, boto3_client=self.dynamodb
            )
            configure_store(store, self.settings.idempotency_ttl_seconds)
            return store

        return self._once("idempotency_store", build)

    @property
    def create_orders(self) -> CreateOrders:
        def build() -> CreateOrders:
            from orders_domain.services import CreateOrders

            return CreateOrders(self.orders, catalogue=lambda: self.catalogue)

        return self._once("create_orders", build)

    @property
    def catalogue(self) -> DynamoCatalogue:
        def build() -> DynamoCatalogue:
            from orders_domain.storage.catalogue import DynamoCatalogue

            return DynamoCatalogue(self.dynamodb, self.settings.orders_table_name)

        return self._once("catalogue", build)

    @property
    def check_orders(self) -> CheckOrders:
        def build() -> CheckOrders:
            from orders_domain.services.checkout import CheckOrders

            return CheckOrders(lambda: self.catalogue, lambda: self.credits, self.create_orders.pricing)

        return self._once("check_orders", build)

    @property
    def credits(self) -> DynamoCredits:
        def build() -> DynamoCredits:
            from orders_domain.storage.credits import DynamoCredits

            return DynamoCredits(self.dynamodb, self.settings.orders_table_name)

        return self._once("credits", build)

    @property
    def keep_catalogue(self) -> KeepCatalogue:
        def build() -> KeepCatalogue:
            from orders_domain.services.catalogue import KeepCatalogue

            return KeepCatalogue(self.catalogue, self.credits)

        return self._once("keep_catalogue", build)

    @property
    def read_orders(self) -> ReadOrders:
        def build() -> ReadOrders:
            from orders_domain.services import ReadOrders

            return ReadOrders(self.orders)

        return self._once("read_orders", build)

    @property
    def history(self) -> DynamoHistoryStore:
        def build() -> DynamoHistoryStore:
            from orders_domain.storage.history import DynamoHistoryStore

            return DynamoHistoryStore(self.dynamodb, self.settings.orders_table_name)

        return self._once("history", build)

    @property
    def coupon_usage(self) -> DynamoCouponUsageStore:
        def build() -> DynamoCouponUsageStore:
            from orders_domain.storage.coupon_usage import DynamoCouponUsageStore

            return DynamoCouponUsageStore(self.dynamodb, self.settings.orders_table_name)

        return self._once("coupon_usage", build)

    @property
    def event_publisher(self) -> EventPublisher:
        def build() -> EventPublisher:
            from orders_domain.storage.event_bus import EventBridgePublisher

            bus = self.settings.event_bus_name
            if not bus:
                raise RuntimeError("ORDERS_EVENT_BUS_NAME is not set: there is no event bus to publish to")
            return EventBridgePublisher(boto3.client("events", config=_CLIENT_CONFIG), bus)

        return self._once("event_publisher", build)

    @property
    def read_order_change(self) -> Callable[[Mapping[str, Any]], OrderChange | None]:
        """A raw stream record -> its order change (None: another item's write); builds nothing."""
        from orders_domain.storage.order_records import order_change

        return order_change

    @property
    def project_changes(self) -> ProjectOrderChanges:
        def build() -> ProjectOrderChanges:
            from orders_domain.services.project import ProjectOrderChanges

            return ProjectOrderChanges(
                self.history, self.coupon_usage, self.event_publisher, self.read_order_change
            )

        return self._once("project_changes", build)

    @property
    def order_history(self) -> OrderHistory:
        def build() -> OrderHistory:
            from orders_domain.services.order_history import OrderHistory

            return OrderHistory(self.read_orders, self.history)

        return self._once("order_history", build)

    @property
    def page_tokens(self) -> PageTokens:
        def build() -> PageTokens:
            from orders_domain.http.page_tokens import PageTokens

            secret = self.settings.page_token_secret
            if not secret:
                raise RuntimeError("ORDERS_PAGE_TOKEN_SECRET is not set: page tokens cannot be signed")
            return PageTokens(secret)

        return self._once("page_tokens", build)

    @property
    def search_orders(self) -> SearchOrders:
        def build() -> SearchOrders:
            from orders_domain.services.search import SearchOrders
            from orders_domain.storage.pages import DynamoOrderLists

            return SearchOrders(DynamoOrderLists(self.dynamodb, self.settings.orders_table_name))

        return self._once("search_orders", build)

    @property
    def change_orders(self) -> ChangeOrders:
        def build() -> ChangeOrders:
            from orders_domain.services.change import ChangeOrders

            return ChangeOrders(self.orders)

        return self._once("change_orders", build)

    @property
    def fulfillments(self) -> DynamoFulfillments:
        def build() -> DynamoFulfillments:
            from orders_domain.storage.fulfillments import DynamoFulfillments

            return DynamoFulfillments(self.dynamodb, self.settings.orders_table_name)

        return self._once("fulfillments", build)

    @property
    def fulfil_orders(self) -> FulfilOrders:
        def build() -> FulfilOrders:
            from orders_domain.services.fulfillments import FulfilOrders

            return FulfilOrders(self.orders, self.fulfillments)

        return self._once("fulfil_orders", build)

    @property
    def refund_reasons(self) -> DynamoRefundReasons:
        def build() -> DynamoRefundReasons:
            from orders_domain.storage.refund_reasons import DynamoRefundReasons

            return DynamoRefundReasons(self.dynamodb, self.settings.orders_table_name)

        return self._once("refund_reasons", build)

    @property
    def refund_orders(self) -> RefundOrders:
        def build() -> RefundOrders:
            from orders_domain.services.refunds import RefundOrders

            return RefundOrders(self.orders, self.refund_reasons)

        return self._once("refund_orders", build)

    @property
    def run_batch(self) -> RunBatch:
        def build() -> RunBatch:
            from orders_domain.services.batch import RunBatch

            return RunBatch(self.create_orders, self.change_orders)

        return self._once("run_batch", build)

    @property
    def email_sender(self) -> EmailSender:
        """The local outbox when ORDERS_EMAIL_OUTBOX names its file (`make serve`, tests), else SES
        sending as ORDERS_EMAIL_SENDER (its client made on the first send)."""

        def build() -> EmailSender:
            from orders_domain.storage.email import LocalOutbox, SesEmailSender

            identity = os.environ.get("ORDERS_EMAIL_SENDER", "").strip()
            outbox = os.environ.get("ORDERS_EMAIL_OUTBOX", "").strip()
            if outbox:
                from pathlib import Path

                return LocalOutbox(Path(outbox), identity or LOCAL_EMAIL_SENDER)
            if not identity:
                raise RuntimeError("ORDERS_EMAIL_SENDER is not set: there is no identity to send e-mail as")
            return SesEmailSender(lambda: boto3.client("sesv2", config=_CLIENT_CONFIG), identity)

        return self._once("email_sender", build)

    @property
    def notify_orders(self) -> NotifyOrders:
        def build() -> NotifyOrders:
            from orders_domain.services.notifications import NotifyOrders

            return NotifyOrders(self.read_orders, lambda: self.email_sender)

        return self._once("notify_orders", build)


_current: Wiring | None = None
_current_lock = threading.Lock()


def current() -> Wiring:
    """The process's wiring, built from the environment on first use."""
    global _current
    with _current_lock:
        if _current is None:
            _current = Wiring()
        return _current


def reset(wiring: Wiring | None = None) -> None:
    """Forget everything built (tests, the local runner switching endpoints), or install `wiring`."""
    global _current
    with _current_lock:
        _current = wiring
