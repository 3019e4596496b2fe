"""The reliability harness's shared machinery: the run's constants (the tenant, the orders it makes,
the routes' paths, what a client retries), the `Tally` of what went wrong, the `Api` client (every
native and dialect route the harness sends), the `Store` (the orders table read with our own client)
and `key_text` (the text that aims a fault at one order's DynamoDB requests)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from orders_domain.domain.status_words import DISTRIBUTION_CANCELLED

ROOT = Path(__file__).resolve().parent.parent.parent
RESULTS = "reliability-results.json"
TENANT = "tenant-a"
ORDER = {
    "payment_info": {"type": "card"},
    "shipping_charges": "4.99",
    "coupons": [{"coupon_id": "c1", "coupon_type": "promo", "discount": "1.50"}],
    "line_items": [
        {"description": "Ticket", "quantity": 2, "unit_price": "13.75", "taxes": "1.10", "shippable": True},
        {"description": "Poster", "quantity": 1, "unit_price": "9.99"},
    ],
}
#: An order with nothing paid (no payment_info): one that may be deleted.
DELETABLE = {name: value for name, value in ORDER.items() if name != "payment_info"}
#: An order for the fulfil and cancel routes: two lines of several units with the client's line ids,
#: a coupon, and shipping charges (captured with the first shipment). A partial fulfil or cancel
#: leaves enough units open that the same change applied twice is not refused: it shows as twice.
FULFIL_ORDER: dict[str, Any] = {
    **ORDER,
    "line_items": [
        {
            "order_line_item_id": "L1",
            "description": "Ticket",
            "sku": "TICKET",
            "quantity": 5,
            "unit_price": "13.75",
            "taxes": "1.10",
            "shippable": True,
        },
        {
            "order_line_item_id": "L2",
            "description": "Poster",
            "sku": "POSTER",
            "quantity": 3,
            "unit_price": "9.99",
        },
    ],
}
#: A partial fulfil of FULFIL_ORDER: a unit of each line shipped, a unit of L1 cancelled with them.
PARTIAL_FULFIL = [
    {"order_line_item_id": "L1", "quantity": 1, "cancel_quantity": 1},
    {"order_line_item_id": "L2", "quantity": 1},
]
PARTIAL_FULFIL_DELTA = {"L1": (1, 1), "L2": (1, 0)}
#: A partial cancel of FULFIL_ORDER: a unit of each line.
PARTIAL_CANCEL = [{"order_line_item_id": "L1", "quantity": 1}, {"order_line_item_id": "L2", "quantity": 1}]
#: The order actions of cancel_order (POST, Idempotency-Key, If-Match): their paths.
ACTION_PATHS = {
    "cancel": "/orders/{tenantId}/{id}/cancel",
    "void": "/orders/{tenantId}/void/{id}",
    "close": "/orders/{tenantId}/close/{id}",
}
FULFIL_PATH = "/orders/{tenantId}/{id}/fulfill"
#: The refund route; `{id}` is an order id, or `token-<token>` (the guest's route).
REFUNDS_PATH = "/orders/{tenantId}/{id}/refunds"
#: A built-in, self-service reason: both refund routes may give it.
REFUND_REASON = "ChangedMindCannotMakeShow"
#: The source dialects' write routes (issue 21): their paths name no tenant (the key's is used).
THEATRE_FULFIL_PATH = "/v3/orders/{id}/fulfill"
THEATRE_REFUND_PATH = "/v1/orders/{id}/refunds"
DISTRIBUTION_PATH = "/distribution/orders"
DISTRIBUTION_ORDER_PATH = "/distribution/orders/{id}"
JSON = "application/json"
XML = "application/xml"
#: The distribution dialect's list containers and the name of their items (as dialects/xml.py writes).
#: The distribution API's cancel.
DISTRIBUTION_CANCEL = {"order": {"status": DISTRIBUTION_CANCELLED}}
#: Threads of a distribution place storm (the same order_number at once).
PLACE_STORM_THREADS = 8
#: Answers a client may retry (API.md: in progress, throttled, unavailable).
RETRYABLE = {409, 429, 503}
#: The 409s that mean "again later" (API.md: a 409 is also "the order's state forbids it").
RETRYABLE_CONFLICTS = {"version_conflict", "idempotency_in_progress"}
JSON_PATCH = "application/json-patch+json"
#: The list the patch sections append to (a list of strings on every order).
LIST = "additional_email_confirmation_recipients"
#: Threads of a patch storm, all patching one order at once.
STORM_THREADS = 8
#: How long a client keeps retrying a "retry later" answer (the first attempt's Lambda time is 10 s).
RETRY_SECONDS = 15


#: What a judge finds: (the Tally counter it counts in, what is wrong).
Problem = tuple[str, str]


class SetupFailed(RuntimeError):
    """A scenario could not be made ready (the API refused an ordinary request)."""


@dataclass
class Tally:
    concurrent_requests: int = 0
    injected_faults: int = 0
    replayed_stream_records: int = 0
    lost_updates: int = 0
    partial_writes: int = 0
    double_effects: int = 0
    server_errors: int = 0
    notes: list[str] = field(default_factory=list)
    #: Seconds each section took (printed, not in the results file).
    seconds: dict[str, float] = field(default_factory=dict)

    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def problem(self, kind: str, what: str) -> None:
        with self._lock:
            setattr(self, kind, getattr(self, kind) + 1)
            self.notes.append(f"{kind}: {what}")

    def note(self, what: str) -> None:
        with self._lock:
            self.notes.append(what)

    def found(self, what: str, problems: Sequence[Problem]) -> None:
        """Count each (kind, description) a judge returned."""
        for kind, description in problems:
            self.problem(kind, f"{what}: {description}")

    def results(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if k not in ("notes", "seconds", "_lock")}

    @contextmanager
    def timed(self, section: str) -> Iterator[None]:
        start = time.monotonic()
        try:
            yield
        finally:
            self.seconds[section] = self.seconds.get(section, 0.0) + time.monotonic() - start


Answer = tuple[int, Any]


@dataclass
class Api:
    base: str
    key: str

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        idempotency_key: str | None = None,
        if_match: int | str | None = None,
        content_type: str = "application/json",
    ) -> tuple[int, Any, dict[str, str]]:
        """Status, parsed body and headers (names in lower case). `if_match`: a version or an ETag."""
        headers = {"Authorization": self.key}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = content_type
        if idempotency_key is not None:
            headers["Idempotency-Key"] = f'"{idempotency_key}"'
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"' if isinstance(if_match, int) else if_match
        status, text, names = self._send(method, path, data, headers)
        return status, json.loads(text, parse_float=Decimal) if text else None, names

    def _send(
        self, method: str, path: str, data: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes, dict[str, str]]:
        """Status, body bytes and headers (names in lower case) of one request."""
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback only
                status, text, answered = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, text, answered = error.code, error.read(), error.headers
        return status, text, {name.lower(): value for name, value in answered.items()}

    def dialect(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        media: str = JSON,
        key: str | None = None,
        if_match: int | str | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        """A source dialect's request (its path names no tenant: the key's is used; on the distribution
        routes the key goes in that API's own header). `body`, a JSON value, is sent as `media` (XML as
        `xml_text` writes it) and the answer asked for in `media`, read back as JSON is (`xml_value`)."""
        header = "X-ADILITY-API-KEY" if path.startswith(DISTRIBUTION_PATH) else "Authorization"
        headers = {header: self.key, "Accept": media}
        data = None
        if body is not None:
            data = (xml_text(body) if media == XML else json.dumps(body)).encode()
            headers["Content-Type"] = media
        if key is not None:
            headers["Idempotency-Key"] = f'"{key}"'
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"' if isinstance(if_match, int) else if_match
        status, text, names = self._send(method, path, data, headers)
        if not text:
            return status, None, names
        if "xml" in names.get("content-type", ""):
            return status, xml_value(text), names
        return status, json.loads(text, parse_float=Decimal), names

    def place(self, body: Any, media: str = JSON) -> tuple[int, Any, dict[str, str]]:
        """POST /distribution/orders (`{"order": {...}}`; its order_number is its idempotency key)."""
        return self.dialect("POST", DISTRIBUTION_PATH, body, media=media)

    def call(
        self, method: str, path: str, body: Any = None, idempotency_key: str | None = None
    ) -> tuple[int, Any]:
        status, answer, _ = self.request(method, path, body, idempotency_key=idempotency_key)
        return status, answer

    def create(self, key: str | None) -> tuple[int, Any]:
        return self.call("POST", f"/orders/{TENANT}", ORDER, idempotency_key=key)

    def read(self, order_id: str) -> tuple[int, Any, dict[str, str]]:
        return self.request("GET", f"/orders/{TENANT}/{order_id}?consistentRead=true")

    def patch(
        self, order_id: str, operations: list[dict[str, Any]], if_match: int | str | None = None
    ) -> Answer:
        status, answer, _ = self.request(
            "PATCH", f"/orders/{TENANT}/{order_id}", operations, if_match=if_match, content_type=JSON_PATCH
        )
        return status, answer

    def delete(self, order_id: str) -> Answer:
        return self.call("DELETE", f"/orders/{TENANT}/{order_id}")

    def batch(self, operations: list[dict[str, Any]], key: str | None) -> Answer:
        return self.call("POST", f"/orders/{TENANT}/batch", {"operations": operations}, idempotency_key=key)

    def fulfil(
        self, order_id: str, body: Any, *, key: str | None = None, if_match: int | str | None = None
    ) -> tuple[int, Any, dict[str, str]]:
        path = FULFIL_PATH.format(tenantId=TENANT, id=order_id)
        return self.request("POST", path, body, idempotency_key=key, if_match=if_match)

    def order_action(
        self,
        action: str,
        order_id: str,
        body: Any = None,
        *,
        key: str | None = None,
        if_match: int | str | None = None,
    ) -> Answer:
        """POST cancel, void or close (ACTION_PATHS)."""
        path = ACTION_PATHS[action].format(tenantId=TENANT, id=order_id)
        status, answer, _ = self.request("POST", path, body, idempotency_key=key, if_match=if_match)
        return status, answer

    def refund(
        self, order_ref: str, body: Any, *, key: str | None = None, if_match: int | str | None = None
    ) -> Answer:
        """POST a refund to the order's id route, or to the guest's (`order_ref` `token-<token>`)."""
        path = REFUNDS_PATH.format(tenantId=TENANT, id=order_ref)
        status, answer, _ = self.request("POST", path, body, idempotency_key=key, if_match=if_match)
        return status, answer

    def put_reason(self, name: str, body: Any) -> Answer:
        """PUT one of the tenant's own refund reasons (admin)."""
        return self.call("PUT", f"/orders/{TENANT}/refund-reasons/{name}", body)

    def reasons(self) -> list[dict[str, Any]]:
        """The refund reasons the tenant's refunds may give (built-in, then its own)."""
        status, answer = self.call("GET", f"/orders/{TENANT}/refund-reasons")
        if status != 200:
            raise SetupFailed(f"refund reasons: {status} {answer}")
        return list(answer["refund_reasons"])

    def patch_fulfillment(self, fulfillment_id: str, body: Any, if_match: int | str | None = None) -> Answer:
        path = f"/orders/{TENANT}/fulfillments/{fulfillment_id}"
        status, answer, _ = self.request("PATCH", path, body, if_match=if_match)
        return status, answer

    def fulfillment_ids(self, **query: str) -> list[str]:
        """The ids of the first page (100) of the fulfillment list with these filters."""
        text = urllib.parse.urlencode({"limit": "100", **query})
        status, answer, _ = self.request("GET", f"/orders/{TENANT}/fulfillments?{text}")
        if status != 200:
            raise SetupFailed(f"fulfillment list {query}: {status} {answer}")
        return [row["id"] for row in answer["data"]]


def xml_text(value: Mapping[str, Any]) -> str:
    """`{root: members}` as the distribution API's XML, by the service's own writer (dialects.xml)."""
    from orders_domain.dialects import xml

    [(root, members)] = value.items()
    return xml.dumps(root, members)


def xml_value(text: bytes) -> Any:
    """An XML answer read as its JSON answer is, by the service's own (hardened) reader: `{root:
    members}`; a problem (RFC 7807's XML) as its members, as a JSON problem is. Texts stay text
    (`"409"`); `nil="true"` is None."""
    from orders_domain.dialects import xml

    read = xml.loads(text)
    return read["problem"] if set(read) == {"problem"} else read


@dataclass
class Store:
    """The orders table read with our own client (never the API's, so never faulted): what was
    really written, soft-deleted orders included."""

    admin: Any
    table: str

    def doc(self, order_id: str) -> dict[str, Any]:
        from orders_domain.storage.codec import typed_key

        item = self.admin.get_item(
            TableName=self.table, Key=typed_key(order_key(order_id)), ConsistentRead=True
        ).get("Item")
        if item is None:
            raise SetupFailed(f"order {order_id} is not stored")
        from orders_domain.storage.orders import stored_text

        doc: dict[str, Any] = json.loads(stored_text(item), parse_float=Decimal)
        return doc

    def order(self, order_id: str) -> Any:
        """The stored order as the domain reads it (`models.Order`)."""
        from orders_domain.storage.codec import typed_key
        from orders_domain.storage.orders import OrderRecord

        item = self.admin.get_item(
            TableName=self.table, Key=typed_key(order_key(order_id)), ConsistentRead=True
        ).get("Item")
        if item is None:
            raise SetupFailed(f"order {order_id} is not stored")
        return OrderRecord.from_item(item).order

    def fulfillments(self, order_id: str) -> list[dict[str, Any]]:
        """The order's fulfillment records as stored (a consistent Query of its item collection)."""
        from orders_domain.storage import keys

        found: list[dict[str, Any]] = []
        for page in self.admin.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
            ExpressionAttributeValues={
                ":pk": {"S": key_text(order_id)},
                ":prefix": {"S": keys.FULFILLMENT_PREFIX},
            },
            ConsistentRead=True,
        ):
            found += [json.loads(item["summary"]["S"], parse_float=Decimal) for item in page["Items"]]
        return found

    def with_memo(self, memo: str) -> list[dict[str, Any]]:
        """Every stored order whose `memo` is this (a Scan: the harness's own check, not the API)."""
        return self.with_field("memo", memo)

    def with_number(self, order_number: str) -> list[dict[str, Any]]:
        """Every stored order of this distribution `order_number` (its `purchase_order_number`)."""
        return self.with_field("purchase_order_number", order_number)

    def with_field(self, name: str, value: str) -> list[dict[str, Any]]:
        """Every stored order whose top-level `name` is `value` (a Scan: the harness's own check)."""
        from orders_domain.storage.orders import stored_text

        found = []
        for page in self.admin.get_paginator("scan").paginate(
            TableName=self.table,
            FilterExpression="entity = :order AND contains(#doc, :value)",
            ExpressionAttributeNames={"#doc": "doc"},
            ExpressionAttributeValues={":order": {"S": "order"}, ":value": {"S": value}},
            ConsistentRead=True,
        ):
            docs = (json.loads(stored_text(item), parse_float=Decimal) for item in page["Items"])
            found += [doc for doc in docs if doc.get(name) == value]
        return found


def order_key(order_id: str) -> dict[str, str]:
    from orders_domain.storage import keys

    return keys.order_key(TENANT, order_id)


def key_text(order_id: str) -> str:
    """Text that only a DynamoDB request about this order's item carries: its partition key."""
    return order_key(order_id)["PK"]
