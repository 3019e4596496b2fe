"""What a boundary case is, and what it is made of: the data (`Case`, `Expect`, `Read`, `Lit`, `Raw`),
the expectations (`REFUSED`, `EITHER`, `ANSWERED`), the service's own bounds (`Bounds`), the extreme
values the families send, and the edge tenant's fixtures (placeholders, `%%open%%`, filled when a case
is sent; `seed` in runner.py makes them). Nothing here knows a route (routes.py does)."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

#: The slowest any boundary request may be: the gateway's and the handler's wall time, measured by
#: the client on loopback. Half the functions' 10 s timeout (template.yaml `Timeout`): a request this
#: slow on an idle local machine is one that times out on AWS under load or with a cold start.
MAX_REQUEST_SECONDS = 5.0
#: A request still unanswered after this long is counted as failed (status 0) and abandoned.
CLIENT_TIMEOUT_SECONDS = 60.0
#: The tenant the boundary cases run on (its API key is given to `run`).
TENANT = "tenant-edge"
FAMILIES = (
    "dates",
    "numbers",
    "money_strings",
    "strings",
    "duplicate_ids",
    "sizes",
    "work",
    "keyed_batch",
    "reads",
)

# ---------------------------------------------------------------------------- expectations
ANSWERED = frozenset(range(200, 300))
REFUSED = frozenset(range(400, 500))
#: The contract leaves the choice to the service (accept, or refuse with a problem): never a 5xx.
EITHER = ANSWERED | REFUSED
JSON_MEDIA = "application/json"
XML_MEDIA = "application/xml"
XML_HEADERS = {"Content-Type": XML_MEDIA, "Accept": XML_MEDIA}
XML_ACCEPT = {"Accept": XML_MEDIA}


@dataclass(frozen=True)
class Lit:
    """A JSON number written exactly as given (`9.9e125`, `-0.0`, 4,400 digits): not through float."""

    text: str


@dataclass(frozen=True)
class Raw:
    """A body sent as these bytes, with its own Content-Type."""

    data: bytes
    content_type: str = JSON_MEDIA


@dataclass(frozen=True)
class Read:
    """A request after the case: it must answer one of `statuses` (by default 200), within the
    budget; `%%created%%` in the path is the id the case's answer made (skipped when it made none)."""

    path: str
    method: str = "GET"
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    statuses: frozenset[int] = frozenset({200})
    #: A 200 answer must parse as XML.
    xml: bool = False


@dataclass(frozen=True)
class Expect:
    statuses: frozenset[int] = REFUSED
    #: A 4xx answer names this id (in its detail or its field errors).
    names: str | None = None
    #: Read before and after; after a 4xx answer it must read the same (nothing changed on refusal).
    unchanged: str | None = None
    #: A 2xx answer must parse as XML.
    xml: bool = False
    #: The same request is sent this many times (with the same Idempotency-Key: the repeats replay).
    sends: int = 1
    #: (order path, value): the value is in the order's `additional_email_confirmation_recipients`
    #: exactly once if a send was accepted, never if all were refused.
    applied_once: tuple[str, str] | None = None
    then: tuple[Read, ...] = ()


@dataclass(frozen=True)
class Case:
    family: str
    name: str
    method: str
    #: The document's path template (`/orders/{tenantId}/{id}`); parameters from `params`, else
    #: `default_params`.
    route: str
    params: Mapping[str, str] = field(default_factory=dict)
    query: tuple[tuple[str, str], ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    #: A JSON value (numbers as `Lit` where they must be exact), `Raw` bytes, or None (no body).
    body: Any = None
    expect: Expect = Expect()
    #: Part of the QUICK subset.
    quick: bool = False

    @property
    def label(self) -> str:
        return f"{self.family}/{self.name}: {self.method} {self.route}"


@dataclass(frozen=True)
class Bounds:
    """The service's own bounds the cases sit at and just past."""

    max_body_bytes: int = 6_291_456
    #: An order's own item, in UTF-8.
    max_order_item_bytes: int = 390_000
    #: An order as stored in the largest item it is written into, as JSON text escaped once more in
    #: ASCII (a `"` 2 bytes, a `€` 6): a keyed request's idempotency record.
    max_order_stored_bytes: int = 350_000
    max_xml_bytes: int = 256 * 1024
    max_json_depth: int = 16
    max_idempotency_key: int = 255
    max_api_key: int = 512
    max_amount: Decimal = Decimal(10**12)

    @classmethod
    def of_service(cls) -> Bounds:
        from orders_domain.dialects import xml
        from orders_domain.http import auth, idempotency
        from orders_domain.models import types
        from orders_domain.storage import orders

        from local import gateway

        return cls(
            max_body_bytes=gateway.MAX_BODY_BYTES,
            max_order_item_bytes=orders.MAX_ORDER_ITEM_BYTES,
            max_order_stored_bytes=types.MAX_ORDER_STORED_BYTES,
            max_xml_bytes=xml.MAX_XML_BYTES,
            max_json_depth=types.MAX_JSON_DEPTH,
            max_idempotency_key=idempotency.MAX_KEY_LENGTH,
            max_api_key=auth.MAX_KEY_LENGTH,
            max_amount=types.MAX_AMOUNT,
        )


# ---------------------------------------------------------------------------- values
DIGITS_4400 = "9" * 4400
DATE_EXTREMES: tuple[tuple[str, str], ...] = (
    ("year 1 at +14:00", "0001-01-01T00:00:00+14:00"),
    ("year 9999 at -12:00", "9999-12-31T23:59:59-12:00"),
    ("year 1 UTC", "0001-01-01T00:00:00Z"),
    ("year 9999 UTC, last microsecond", "9999-12-31T23:59:59.999999Z"),
    ("year 1 date", "0001-01-01"),
    ("year 9999 date", "9999-12-31"),
    ("offset of a whole day", "2024-02-29T12:00:00+24:00"),
    ("year 0", "0000-01-01T00:00:00Z"),
    ("year 10000", "10000-01-01T00:00:00Z"),
    ("nanoseconds", "2024-01-01T00:00:00.123456789Z"),
)
#: Numbers past what anything here can hold, or at the edges of DynamoDB's number type.
NUMBER_EXTREMES: tuple[tuple[str, str], ...] = (
    ("4,400 digits", DIGITS_4400),
    ("30 significant digits", "123456789012345678901234567890"),
    ("30 significant digits, fraction", "1.23456789012345678901234567890"),
    ("1e30", "1e30"),
    ("1e100", "1e100"),
    ("9.9e125", "9.9e125"),
    ("-1e30", "-1e30"),
    ("1e-130", "1e-130"),
    ("-1", "-1"),
    ("zero", "0"),
    ("-0.0", "-0.0"),
)
#: Money as strings that are not plain decimals -> whether the service may take it (else refused).
MONEY_STRINGS: tuple[tuple[str, bool], ...] = (
    (" 10 ", False),
    ("1_000", False),
    ("١٢", False),
    ("NaN", False),
    ("Infinity", False),
    ("-Infinity", False),
    ("0x10", False),
    ("", False),
    ("10.001", False),
    ("1e3", True),
    ("+10", True),
)
EURO = "€"
CONTROL = "edge\x00\x01\x08\x0b\x0c\x1b\x1f\x7f\x85\u2028\ufffe\uffff end"
#: A lone surrogate: valid JSON (`\ud800`), no UTF-8 for it.
LONE_SURROGATE_JSON = '"edge \\ud800 end"'
#: Integer query parameter values past or at their bounds are computed per parameter; these too.
QUERY_NUMBER_EXTREMES: tuple[tuple[str, str], ...] = (
    ("4,400 digits", DIGITS_4400),
    ("30 digits", "123456789012345678901234567890"),
    ("1e30", "1e30"),
    ("-1", "-1"),
    ("zero", "0"),
    ("-0", "-0"),
    ("1.5", "1.5"),
)
IF_MATCH_EXTREMES: tuple[tuple[str, str], ...] = (
    ("4,400 digits", DIGITS_4400),
    ("4,400 digits quoted", f'"{DIGITS_4400}"'),
    ("30 digits", '"123456789012345678901234567890"'),
    ("1e30", '"1e30"'),
    ("-0", '"-0"'),
    ("-1", '"-1"'),
)
REASON = "ChangedMindCannotMakeShow"
#: A coupon naming one line twice (the duplicate_ids cases of an order's create, preview and patch).
DUPLICATE_COUPON = {
    "coupon_id": "EDGE",
    "coupon_type": "promo",
    "discount": "1.00",
    "order_line_item_ids": ["L1", "L1"],
}

# ---------------------------------------------------------------------------- fixtures
#: What `seed` makes, by placeholder (`%%open%%` in a path, header or body becomes its id):
#: `open` takes refused requests (checked unchanged), `scratch` the ones the service may accept,
#: `fulfilled_order` (and its `token`, `fulfillment`) the refund and pickup refusals, `spare` (and its
#: `spare_token`, `spare_fulfillment`) the refunds and pickups it may accept, `dist` a distribution
#: order, `keyed` the keyed batch's patches; `missing` is no order.
FIXTURES = (
    "open",
    "scratch",
    "fulfilled_order",
    "token",
    "fulfillment",
    "spare",
    "spare_token",
    "spare_fulfillment",
    "dist",
    "keyed",
    "missing",
    "created",
)
MISSING_ORDER = "edge-missing-order"
_REF = re.compile("%%(" + "|".join(FIXTURES) + ")%%")


def ref(name: str) -> str:
    """The placeholder of a fixture (`FIXTURES`), filled when the case is sent."""
    assert name in FIXTURES, name
    return f"%%{name}%%"


def substitute(text: str, values: Mapping[str, str]) -> str:
    """`text` with each fixture placeholder replaced by its value (pure)."""
    return _REF.sub(lambda m: values.get(m.group(1), m.group(0)), text)


#: The open order's lines (and every fixture order's).
LINES: list[dict[str, Any]] = [
    {
        "order_line_item_id": "L1",
        "description": "Edge",
        "quantity": 3,
        "unit_price": "10.00",
        "shippable": True,
    },
    {"order_line_item_id": "L2", "description": "Edge", "quantity": 2, "unit_price": "5.00"},
]
FIXTURE_ORDER: dict[str, Any] = {"line_items": LINES, "additional_email_confirmation_recipients": []}


def order_body(watch: str | None = None) -> dict[str, Any]:
    """A create's body: the fixture order, billed to the contact `watch` (its own, so a refused create
    is seen to have made nothing: `watched`) (pure)."""
    body = copy.deepcopy(FIXTURE_ORDER)
    if watch is not None:
        body.update(bill_to_type="contact", bill_to_contact_id=watch)
    return body


def watched(watch: str) -> str:
    """The list of the orders billed to the contact `watch`: a refused create adds none."""
    return f"/orders/{TENANT}/billToContact/{watch}?limit=100"


def order_path(fixture: str) -> str:
    return f"/orders/{TENANT}/{ref(fixture)}?consistentRead=true"


def fulfillment_path(fixture: str) -> str:
    return f"/orders/{TENANT}/fulfillments/{ref(fixture)}"


#: The tenant's searches and list after a date or number was stored: each must answer 200.
TENANT_READS: tuple[Read, ...] = (
    Read(f"/orders/{TENANT}?limit=100"),
    Read(f"/orders/{TENANT}/search", "POST", {"date": ["1900-01-01T00:00:00Z", "2100-01-01T00:00:00Z"]}),
    Read(f"/orders/{TENANT}/search", "POST", {"date": [None, "2100-01-01T00:00:00Z"]}),
    Read(f"/orders/{TENANT}/search", "POST", {"total": [0, None]}),
)


def distribution_order(number: str, customer_name: str = "Edge") -> dict[str, Any]:
    return {
        "order": {
            "order_number": number,
            "customer_name": customer_name,
            "items": [{"offer_id": "EDGE-OFFER", "quantity": 1, "price": "10.00"}],
        }
    }


class Counter:
    """Unique suffixes for what must differ between cases (distribution order numbers, watched
    contacts, Idempotency-Keys), the same on every generation."""

    def __init__(self, prefix: str) -> None:
        self.prefix, self.n = prefix, 0

    def __call__(self) -> str:
        self.n += 1
        return f"{self.prefix}-{self.n}"


def json_bytes(body: Any) -> bytes:
    """A JSON value as the cases send it: UTF-8, compact, `Lit` numbers written as given (pure)."""
    literals: list[str] = []

    def swap(value: Any) -> Any:
        if isinstance(value, Lit):
            literals.append(value.text)
            return f"\x00lit{len(literals) - 1}\x00"
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [swap(v) for v in value]
        return value

    text = json.dumps(swap(body), ensure_ascii=False, separators=(",", ":"))
    if literals:
        text = _LITERAL.sub(lambda m: literals[int(m.group(1))], text)
    return text.encode("utf-8")


#: How `json_bytes` marks a `Lit` in the text before writing it.
_LITERAL = re.compile(r'"\\u0000lit(\d+)\\u0000"')
