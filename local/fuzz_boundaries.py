"""`make fuzz`'s boundary cases (issue 29): what lives at the edges of the domain, which schemathesis
does not reach. Called from local/fuzz.py's `run()`; `python -m local.fuzz_boundaries [--quick]
[--family NAME]` runs them alone (the API as `make serve` runs it, on DynamoDB Local).

Every case is data (`Case`: method, the document's path template, path parameters, query, headers,
body, `Expect`), made by one function per family from the OpenAPI document's schemas and formats
(the live `/openapi.json`) and the service's own bounds (`Bounds.of_service`):

- **dates**: both ends of the calendar with extreme offsets (`0001-01-01T00:00:00+14:00`,
  `9999-12-31T23:59:59-12:00`, ...) in every date field of every body (a create with
  `override_order_date: true` among them, then the tenant's date-range searches), every date query
  (`asOf`, `created_time[gte]`, ...) and the search's date ranges (`[null, "9999-12-31"]`).
- **numbers**: every number field of every body (and of the order, as JSON Patch and PUT), every
  integer query, `If-Match` and every path parameter at and past its bounds: 4,400 digits, 30
  significant digits, 1e30, 1e100, 9.9e125, -1e30, 1e-130, -1, 0, -0.0, the documented maximum and
  minimum and one past; weight x quantity past DynamoDB's range.
- **money_strings**: money sent as strings that are not plain decimals (`" 10 "`, `"1_000"`, `"١٢"`,
  `"NaN"`, ...), in every money field.
- **strings**: `€` x 140,000 (420 KB) and `"` x 150,000 (JSON doubles it), with and without an
  Idempotency-Key; control characters and a lone surrogate (a distribution customer name among them,
  read back as XML: the XML must parse); every documented maxLength at and one past in `€` (ASCII
  where the field's pattern refuses `€`), in bodies, queries and path parameters.
- **duplicate_ids**: the same id twice in every id list (coupon `order_line_item_ids`, refund
  `line_numbers`/`lineNumbers`, fulfil/cancel/pickup `items`, the fulfillment list's `ids`): 422
  naming the id.
- **sizes**: bodies of exactly each byte limit and one byte over (the gateway's 6 MB, an order's own
  item in UTF-8 and as stored escaped in ASCII, in ASCII and in `€`, the XML reader's), JSON nesting
  at and past the limit and 100,000 deep, Idempotency-Key and API key lengths, every documented
  maxItems/maxProperties at and one past.
- **work**: JSON Patch `add /payload` (1,000 items) then 12 x `copy` of it into itself; a preview of
  500 lines x 12,000 zero coupons; a batch of 100 creates of 500 lines each at the amount bounds.
- **keyed_batch**: a keyed batch whose later operation is bad, after a patch `add
  /additional_email_confirmation_recipients/-`, sent three times: the patch applies once if the batch
  was accepted (and the repeats are replays), never if it was refused, at most once after a 5xx.
- **reads**: last, every read of the tenant (lists, searches, lookups, the fixtures, XML) answers 200:
  no stored value may make a later read fail.

A case expects (`judge`) a 4xx problem (`REFUSED`), or where the contract leaves the choice to the
service, a 2xx or a 4xx problem (`EITHER`); never a 5xx, never a batch operation that failed on the
server's side, never a request slower than `MAX_REQUEST_SECONDS`. A 4xx answer is a problem document
(JSON, or XML where XML was asked); a 2xx order keeps API.md's money rules (total, balance due, the
currency's minor units, no negative zero). Where cheap, a refused request must change nothing (the
order it named, or the list of orders billed to the create's own contact, reads the same after it).
A created order is read back (and a distribution order as XML, which must parse). Cases run on a
tenant of their own (`TENANT`) with its own orders (`seed`), so the sweep and schemathesis are not
disturbed. QUICK runs the cases marked `quick` (at least one of each family).
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

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


# ---------------------------------------------------------------------------- the document
def operations(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(METHOD, path template) of every operation of the document, in its order (pure)."""
    return [
        (method.upper(), path)
        for path, methods in document.get("paths", {}).items()
        for method in methods
        if method.lower() in ("get", "put", "post", "patch", "delete", "head", "options")
    ]


def operation(document: Mapping[str, Any], method: str, route: str) -> dict[str, Any]:
    found: dict[str, Any] = document.get("paths", {}).get(route, {}).get(method.lower(), {})
    return found


def resolve(document: Mapping[str, Any], schema: Any) -> dict[str, Any]:
    """The schema a `$ref` points at (followed until it is not one) (pure)."""
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 20:
        node: Any = document
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        schema, seen = node, seen + 1
    return schema if isinstance(schema, dict) else {}


def branches(document: Mapping[str, Any], schema: Any) -> list[dict[str, Any]]:
    """The schema's non-null alternatives, resolved (`anyOf`/`oneOf`, else itself) (pure)."""
    schema = resolve(document, schema)
    options = schema.get("anyOf") or schema.get("oneOf")
    if not options:
        return [] if schema.get("type") == "null" else [schema]
    found = []
    for option in options:
        found += branches(document, option)
    return found


def parameters(document: Mapping[str, Any], method: str, route: str, where: str) -> list[dict[str, Any]]:
    """The operation's parameters `in` path, query or header (pure)."""
    return [p for p in operation(document, method, route).get("parameters", []) if p.get("in") == where]


def parameter_schema(document: Mapping[str, Any], parameter: Mapping[str, Any]) -> dict[str, Any]:
    found = branches(document, parameter.get("schema", {}))
    return found[0] if found else {}


def request_body(document: Mapping[str, Any], method: str, route: str) -> tuple[str, dict[str, Any]] | None:
    """(its first media type, its schema) of the operation's request body, if it takes one (pure)."""
    content = operation(document, method, route).get("requestBody", {}).get("content", {})
    for media, entry in content.items():
        return media, resolve(document, entry.get("schema", {}))
    return None


Path_ = tuple[str | int, ...]


def walk(
    document: Mapping[str, Any], schema: Any, path: Path_ = (), depth: int = 0
) -> Iterator[tuple[Path_, dict[str, Any]]]:
    """Every node of a schema with its path in an instance (`("line_items", 0, "unit_price")`): each
    non-null alternative, object members, the first array item, an additional property as `"edge"`
    (pure; a recursive schema stops at depth 8)."""
    if depth > 8:
        return
    for node in branches(document, schema):
        yield path, node
        for name, member in (node.get("properties") or {}).items():
            yield from walk(document, member, (*path, name), depth + 1)
        extra = node.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            yield from walk(document, extra, (*path, "edge"), depth + 1)
        if node.get("type") == "array" and isinstance(node.get("items"), dict):
            yield from walk(document, node["items"], (*path, 0), depth + 1)


def minimal(document: Mapping[str, Any], schema: Any) -> Any:
    """The smallest instance of a schema its required members allow (pure)."""
    options = branches(document, schema)
    if not options:
        return None
    node = options[0]
    if "const" in node:
        return node["const"]
    if node.get("enum"):
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        properties = node.get("properties") or {}
        return {name: minimal(document, properties.get(name, {})) for name in node.get("required", [])}
    if kind == "array":
        return [minimal(document, node.get("items", {})) for _ in range(node.get("minItems", 0))]
    if kind == "integer":
        return int(node.get("minimum", node.get("exclusiveMinimum", 0) + 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    if kind == "string":
        return "edge"
    return None


def child_schema(document: Mapping[str, Any], schema: Any, key: str | int) -> Any:
    """The schema of member `key` (an array index: its items) (pure)."""
    for node in branches(document, schema):
        if isinstance(key, int) and node.get("type") == "array":
            return node.get("items", {})
        if isinstance(key, str):
            properties = node.get("properties") or {}
            if key in properties:
                return properties[key]
            if isinstance(node.get("additionalProperties"), dict):
                return node["additionalProperties"]
    return {}


def place(document: Mapping[str, Any], schema: Any, body: Any, path: Path_, value: Any) -> Any:
    """A copy of `body` with `value` at `path`, making missing containers as their schema's minimal
    instance (pure)."""
    if not path:
        return value
    root: Any = copy.deepcopy(body) if body is not None else minimal(document, schema)
    if not isinstance(root, list if isinstance(path[0], int) else dict):
        root = [] if isinstance(path[0], int) else {}
    node: Any = root
    node_schema = schema
    for position, key in enumerate(path):
        child = child_schema(document, node_schema, key)
        if isinstance(key, int):
            while len(node) <= key:
                node.append(minimal(document, child))
        if position == len(path) - 1:
            node[key] = value
            break
        wanted = list if isinstance(path[position + 1], int) else dict
        current = node[key] if isinstance(key, int) or key in node else None
        if not isinstance(current, wanted):
            made = minimal(document, child)
            current = made if isinstance(made, wanted) else wanted()
            node[key] = current
        node, node_schema = current, child
    return root


def pointer(path: Path_) -> str:
    """The JSON Pointer of an instance path (pure)."""
    return "".join("/" + str(k).replace("~", "~0").replace("/", "~1") for k in path)


def dotted(path: Path_) -> str:
    """`line_items[0].unit_price` (pure)."""
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else key)
    return text or "body"


# ---------------------------------------------------------------------------- routes
ORDER_ROUTE = "/orders/{tenantId}"
CREATE = ("POST", ORDER_ROUTE)
PREVIEW = ("POST", "/orders/{tenantId}/preview")
ONE_ORDER = "/orders/{tenantId}/{id}"
PATCH = ("PATCH", ONE_ORDER)
PUT = ("PUT", ONE_ORDER)
BATCH = ("POST", "/orders/{tenantId}/batch")
SEARCH = ("POST", "/orders/{tenantId}/search")
FULFIL = ("POST", "/orders/{tenantId}/{id}/fulfill")
CANCEL = ("POST", "/orders/{tenantId}/{id}/cancel")
REFUND = ("POST", "/orders/{tenantId}/{id}/refunds")
FULFILLMENTS = "/orders/{tenantId}/fulfillments"
FULFILLMENT = "/orders/{tenantId}/fulfillments/{fulfillmentId}"
PICKUP = ("PATCH", FULFILLMENT)
REASON_PUT = ("PUT", "/orders/{tenantId}/refund-reasons/{name}")
PLACE = ("POST", "/distribution/orders")
DIST_ONE = "/distribution/orders/{id}"
THEATRE_REFUND = ("POST", "/v1/orders/{id}/refunds")
#: Routes whose `{id}` is an order id (or `token-<token>`): these and the paths under them.
ORDER_ID_ROUTES = (
    ONE_ORDER,
    "/orders/{tenantId}/void/{id}",
    "/orders/{tenantId}/close/{id}",
    "/v3/orders/{id}",
)
#: Theatre routes whose `{id}` is the guest token form.
TOKEN_ROUTES = ("/v1/orders/{id}",)
#: Operations whose body is an order (the document's schema for these says only "an object").
ORDER_SCHEMA = "OrderCreateRequest"
ORDER_BODY_ROUTES = (CREATE, PREVIEW, PUT)


def is_order_id_route(route: str) -> bool:
    return any(route == r or route.startswith(r + "/") for r in (*ORDER_ID_ROUTES, *TOKEN_ROUTES, DIST_ONE))


def default_params(route: str, target: str = "scratch") -> dict[str, str]:
    """The path parameters a case does not set: the edge tenant, the fixture `target` for an order id
    (its token on the theatre's token routes, the distribution order on the distribution's), a
    spare fulfillment, and lookup values (pure)."""
    values = {
        "tenantId": TENANT,
        "fulfillmentId": ref("fulfillment" if target in ("open", "fulfilled_order") else "spare_fulfillment"),
        "name": "EdgeReason",
        "couponType": "promo",
        "couponId": "EDGE",
        "couponCodeId": "EDGE-CODE",
        "customerType": "contact",
        "customerId": "edge-party",
        "status": "awaiting_shipment",
        "id": "edge-party",
    }
    if route.startswith(DIST_ONE):
        values["id"] = ref("dist")
    elif any(route.startswith(r) for r in TOKEN_ROUTES):
        token = {
            "scratch": "spare_token",
            "open": "token",
            "fulfilled_order": "token",
            "spare": "spare_token",
        }
        values["id"] = (
            "token-" + ref(token.get(target, "spare_token")) if target != "missing" else "token-edge"
        )
    elif is_order_id_route(route):
        values["id"] = ref(target)
    return values


def order_schema(document: Mapping[str, Any]) -> dict[str, Any]:
    return resolve(document, {"$ref": f"#/components/schemas/{ORDER_SCHEMA}"})


def field_schema(document: Mapping[str, Any], method: str, route: str) -> dict[str, Any] | None:
    """The schema of the operation's JSON body as its fields are walked: the order's for the PUT of an
    order (documented as any object); None without a JSON body (pure)."""
    if (method, route) == PUT:
        return order_schema(document)
    found = request_body(document, method, route)
    if found is None or "xml" in found[0]:
        return None
    return found[1]


def base_body(method: str, route: str, document: Mapping[str, Any], watch: str | None = None) -> Any:
    """A valid body for the operation, into which a case puts its one boundary value (pure)."""
    key = (method, route)
    if key in (CREATE, PREVIEW, PUT):
        return order_body(watch if key == CREATE else None)
    bodies: dict[tuple[str, str], Any] = {
        BATCH: {"operations": [{"operation": "create", "object": order_body()}]},
        SEARCH: {"bill_to_type": "contact"},
        FULFIL: {"items": [{"order_line_item_id": "L1", "quantity": 1}], "tracking_number": "EDGE-1"},
        CANCEL: {"items": [{"order_line_item_id": "L2", "quantity": 1}], "reason": "edge"},
        REFUND: {"refund_reason_name": REASON, "line_numbers": [1]},
        THEATRE_REFUND: {"refundReasonName": REASON, "lineNumbers": [1]},
        PICKUP: {"tracking_url": "https://track.example/edge"},
        REASON_PUT: {"description": "edge"},
        PLACE: distribution_order("EDGE-BASE"),
        ("PUT", DIST_ONE): {"order": {"status": "active"}},
        PATCH: [{"op": "replace", "path": "/memo", "value": "edge"}],
    }
    if key in bodies:
        return copy.deepcopy(bodies[key])
    schema = field_schema(document, method, route)
    return minimal(document, schema) if schema else None


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


def target_for(method: str, route: str, expected: frozenset[int]) -> str:
    """Which fixture an order route's case names: when the case must be refused (and is checked
    unchanged) `open` (`fulfilled_order` for a refund), else `scratch` (`spare`) (pure)."""
    if route.startswith(DIST_ONE):
        return "dist"
    refund = (method, route) in (REFUND, THEATRE_REFUND)
    if expected == REFUSED:
        return "fulfilled_order" if refund else "open"
    return "spare" if refund else "scratch"


def unchanged_for(route: str, target: str, watch: str | None) -> str | None:
    """What a refused case must leave as it was: the order it names, the fulfillment, or the orders
    billed to a create's own contact (pure)."""
    if route == FULFILLMENT:
        return fulfillment_path(
            "fulfillment" if target in ("open", "fulfilled_order") else "spare_fulfillment"
        )
    if target in ("open", "scratch", "fulfilled_order", "spare", "keyed") and is_order_id_route(route):
        if route.startswith(TOKEN_ROUTES):
            return order_path("fulfilled_order" if target in ("open", "fulfilled_order") else "spare")
        return order_path(target)
    if watch is not None:
        return watched(watch)
    return None


def body_case(
    family: str,
    name: str,
    document: Mapping[str, Any],
    method: str,
    route: str,
    path: Path_,
    value: Any,
    expected: frozenset[int],
    counter: Counter,
    *,
    quick: bool = False,
    then: tuple[Read, ...] = (),
    headers: Mapping[str, str] | None = None,
) -> Case:
    """The operation's base body with `value` at `path` (the order's PATCH: a JSON Patch `add` of it
    at that pointer), on the fixture `target_for` picks, checked unchanged on refusal (pure)."""
    watch = counter() if (method, route) == CREATE else None
    target = target_for(method, route, expected)
    if (method, route) == PATCH:
        body: Any = [{"op": "add", "path": pointer(path), "value": value}]
    else:
        base = base_body(method, route, document, watch)
        if (method, route) == PLACE:
            base = distribution_order(counter())
        schema = (
            order_schema(document)
            if (method, route) in ORDER_BODY_ROUTES
            else field_schema(document, method, route)
        )
        body = place(document, schema, base, path, value)
    return Case(
        family,
        name,
        method,
        route,
        params=default_params(route, target),
        headers=dict(headers or {}),
        body=body,
        expect=Expect(expected, unchanged=unchanged_for(route, target, watch), then=then),
        quick=quick,
    )


def body_operations(document: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(METHOD, route, the schema its fields are walked in) of every operation with a JSON body; the
    order's PATCH walks the order's fields (as JSON Patch pointers) (pure)."""
    found = []
    for method, route in operations(document):
        if (method, route) == PATCH:
            found.append((method, route, order_schema(document)))
            continue
        schema = field_schema(document, method, route)
        if schema:
            found.append((method, route, schema))
    return found


# ---------------------------------------------------------------------------- numbers
def decimal_of(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def storable(value: Decimal) -> bool:
    """Whether DynamoDB's number type holds it (38 significant digits, magnitude 1E-128..1E+126)."""
    if value.is_zero():
        return True
    return -128 <= value.adjusted() <= 125 and len(value.normalize().as_tuple().digits) <= 38


def is_money(leaf: Mapping[str, Any], bounds: Bounds) -> bool:
    """A money field: the document bounds it by the service's `MAX_AMOUNT` (pure)."""
    ceiling = leaf.get("exclusiveMaximum", leaf.get("maximum"))
    return ceiling is not None and Decimal(str(ceiling)) == bounds.max_amount


def bound_values(leaf: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(name, literal) at and just past each documented bound of a number field (pure)."""
    step = Decimal(1) if leaf.get("type") == "integer" else Decimal("0.01")
    values = []
    for key, inside, outside in (
        ("maximum", Decimal(0), step),
        ("exclusiveMaximum", -step, Decimal(0)),
        ("minimum", Decimal(0), -step),
        ("exclusiveMinimum", step, Decimal(0)),
    ):
        if key in leaf:
            edge = Decimal(str(leaf[key]))
            integer_edge = edge == edge.to_integral_value()
            values.append((f"{key} inside", _plain(edge + inside, integer_edge)))
            values.append((f"{key} past", _plain(edge + outside, integer_edge)))
    return values


def _plain(value: Decimal, integer: bool) -> str:
    """A literal without exponent (1E+12 -> 1000000000000; 999999999999.99 stays)."""
    if integer and value == value.to_integral_value():
        return str(int(value))
    return format(value, "f")


def number_expectation(
    literal: str, leaf: Mapping[str, Any], bounds: Bounds, *, stored: bool = True
) -> frozenset[int]:
    """What a number field must answer to `literal`: refused when no field here can hold it, when it
    is past a documented bound, a fraction for an integer, or money with more decimals than USD's;
    else the service's choice (`EITHER`) (pure)."""
    value = decimal_of(literal)
    if value is None or len(literal) > 1000:
        return REFUSED
    if stored and not storable(value):
        return REFUSED
    if leaf.get("type") == "integer" and value != value.to_integral_value():
        return REFUSED
    checks: tuple[tuple[str, Callable[[Decimal, Decimal], bool]], ...] = (
        ("maximum", lambda v, b: v > b),
        ("exclusiveMaximum", lambda v, b: v >= b),
        ("minimum", lambda v, b: v < b),
        ("exclusiveMinimum", lambda v, b: v <= b),
    )
    for key, violates in checks:
        if key in leaf and violates(value, Decimal(str(leaf[key]))):
            return REFUSED
    if is_money(leaf, bounds):
        from orders_domain.domain.money import decimal_places

        if decimal_places(value) > 2:
            return REFUSED
    return EITHER


def number_leaves(document: Mapping[str, Any], schema: Any) -> list[tuple[Path_, dict[str, Any]]]:
    return [(p, n) for p, n in walk(document, schema) if n.get("type") in ("number", "integer") and p]


def numbers(document: Mapping[str, Any], bounds: Bounds) -> list[Case]:
    """Every number field of every body, integer query, `If-Match` and path parameter at and past
    its bounds; weight x quantity past DynamoDB's range."""
    cases: list[Case] = []
    counter = Counter("edge-num")
    for method, route, schema in body_operations(document):
        stored = (method, route) not in (SEARCH, PREVIEW)
        for path, leaf in number_leaves(document, schema):
            for label, literal in (*NUMBER_EXTREMES, *bound_values(leaf)):
                expected = number_expectation(literal, leaf, bounds, stored=stored)
                quick = (method, route, label) in {
                    (*CREATE, "4,400 digits"),
                    (*CREATE, "1e30"),
                    (*PATCH, "9.9e125"),
                } and path in (
                    ("exchange_rate",),
                    ("line_items", 0, "unit_price"),
                    ("line_items", 0, "weight"),
                )
                cases.append(
                    body_case(
                        "numbers",
                        f"{dotted(path)} = {label}",
                        document,
                        method,
                        route,
                        path,
                        Lit(literal),
                        expected,
                        counter,
                        quick=quick,
                    )
                )
    # weight x quantity: each storable, their product (total_weight) past DynamoDB's range
    for weight, quantity in (("9.9e125", 2), ("1e100", 1_000_000), ("9.9e125", 1_000_000)):
        line = {"quantity": quantity, "unit_price": "1.00", "weight": Lit(weight)}
        for method, route in (CREATE, PREVIEW):
            watch = counter() if (method, route) == CREATE else None
            body = {**order_body(watch), "line_items": [line]}
            cases.append(
                Case(
                    "numbers",
                    f"weight {weight} x quantity {quantity}",
                    method,
                    route,
                    params=default_params(route),
                    body=body,
                    expect=Expect(EITHER, unchanged=watched(watch) if watch else None),
                    quick=(weight, quantity, method) == ("9.9e125", 2, "POST") and route == ORDER_ROUTE,
                )
            )
    for method, route in operations(document):
        for parameter in parameters(document, method, route, "query"):
            schema = parameter_schema(document, parameter)
            if schema.get("type") != "integer":
                continue
            inside = [(label, v) for label, v in bound_values(schema) if "inside" in label]
            past = [(label, v) for label, v in bound_values(schema) if "past" in label]
            for label, literal in (*QUERY_NUMBER_EXTREMES, *inside, *past):
                expected = ANSWERED if (label, literal) in inside else REFUSED
                cases.append(
                    Case(
                        "numbers",
                        f"?{parameter['name']}={label}",
                        method,
                        route,
                        params=default_params(route, "scratch"),
                        query=((parameter["name"], literal),),
                        body=base_body(method, route, document),
                        expect=Expect(expected),
                        quick=(method, route, label) == ("GET", ORDER_ROUTE, "4,400 digits"),
                    )
                )
        if any(p.get("name") == "If-Match" for p in parameters(document, method, route, "header")):
            for label, value in IF_MATCH_EXTREMES:
                cases.append(
                    Case(
                        "numbers",
                        f"If-Match {label}",
                        method,
                        route,
                        params=default_params(route, "open"),
                        headers={"If-Match": value},
                        body=base_body(method, route, document),
                        expect=Expect(REFUSED, unchanged=unchanged_for(route, "open", None)),
                        quick=(method, route, label) == ("DELETE", ONE_ORDER, "4,400 digits"),
                    )
                )
        for parameter in parameters(document, method, route, "path"):
            params = {**default_params(route, "open"), parameter["name"]: DIGITS_4400}
            cases.append(
                Case(
                    "numbers",
                    f"path {parameter['name']} of 4,400 digits",
                    method,
                    route,
                    params=params,
                    body=base_body(method, route, document),
                    expect=Expect(REFUSED),
                )
            )
    return cases


# ---------------------------------------------------------------------------- money strings
def money_strings(document: Mapping[str, Any], bounds: Bounds) -> list[Case]:
    """Every money field (bounded by `MAX_AMOUNT` in the document) of every body, as strings that are
    not plain decimals: refused (a few the service may read as numbers: its choice)."""
    cases: list[Case] = []
    counter = Counter("edge-money")
    for method, route, schema in body_operations(document):
        for path, leaf in number_leaves(document, schema):
            if not is_money(leaf, bounds):
                continue
            for text, may_take in MONEY_STRINGS:
                cases.append(
                    body_case(
                        "money_strings",
                        f"{dotted(path)} = {json.dumps(text, ensure_ascii=False)}",
                        document,
                        method,
                        route,
                        path,
                        text,
                        EITHER if may_take else REFUSED,
                        counter,
                        quick=(method, route) == CREATE
                        and path == ("line_items", 0, "unit_price")
                        and text in (" 10 ", "1_000", "١٢"),
                    )
                )
    return cases


# ---------------------------------------------------------------------------- dates
DATE_NAMES = re.compile(r"(^|_)date($|_)|^asOf$|^created_time")


def is_date(name: str, schema: Mapping[str, Any]) -> bool:
    return schema.get("format") in ("date", "date-time") or bool(DATE_NAMES.search(name))


def dates(document: Mapping[str, Any], bounds: Bounds) -> list[Case]:
    """Both ends of the calendar with extreme offsets in every date field of every body (the order's
    `date` with `override_order_date: true`), then the tenant's reads; in every date query; in the
    search's date ranges, after the stored ones."""
    del bounds
    cases: list[Case] = []
    counter = Counter("edge-date")
    for method, route, schema in body_operations(document):
        if (method, route) == SEARCH:
            continue
        for path, leaf in walk(document, schema):
            if not path or leaf.get("type") != "string" or not isinstance(path[-1], str):
                continue
            if not is_date(str(path[-1]), leaf):
                continue
            for label, value in DATE_EXTREMES:
                quick = (method, route, path) == (*CREATE, ("date",)) and label in (
                    "year 1 at +14:00",
                    "year 9999 at -12:00",
                )
                then = TENANT_READS if (method, route) in (CREATE, PATCH, PUT) else ()
                case = body_case(
                    "dates",
                    f"{dotted(path)} = {label}",
                    document,
                    method,
                    route,
                    path,
                    value,
                    EITHER,
                    counter,
                    quick=quick,
                    then=then,
                )
                if path == ("date",) and (method, route) == PATCH:
                    case = replace(
                        case, body=[*case.body, {"op": "add", "path": "/override_order_date", "value": True}]
                    )
                elif path == ("date",) and isinstance(case.body, dict):
                    case = replace(case, body={**case.body, "override_order_date": True})
                cases.append(case)
    for method, route in operations(document):
        for parameter in parameters(document, method, route, "query"):
            if not is_date(parameter["name"], parameter_schema(document, parameter)):
                continue
            for label, value in DATE_EXTREMES:
                cases.append(
                    Case(
                        "dates",
                        f"?{parameter['name']}={label}",
                        method,
                        route,
                        params=default_params(route, "scratch"),
                        query=((parameter["name"], value),),
                        expect=Expect(EITHER),
                        quick=label == "year 1 at +14:00"
                        and parameter["name"] in ("asOf", "created_time[gte]"),
                    )
                )
    search = field_schema(document, *SEARCH)
    if search is not None:
        for path, leaf in walk(document, search):
            if len(path) != 1 or leaf.get("type") != "array" or not is_date(str(path[0]), {}):
                continue
            for label, value in DATE_EXTREMES:
                for low, high in ((None, value), (value, None), (value, value)):
                    cases.append(
                        Case(
                            "dates",
                            f"search {path[0]} [{low and label}, {high and label}]",
                            *SEARCH,
                            params=default_params(SEARCH[1]),
                            body={str(path[0]): [low, high]},
                            expect=Expect(EITHER),
                            quick=(low, value) == (None, "9999-12-31"),
                        )
                    )
    return cases


# ---------------------------------------------------------------------------- strings
def strings(document: Mapping[str, Any], bounds: Bounds) -> list[Case]:
    """Multi-byte UTF-8 and control characters: `€` x 140,000 and `"` x 150,000 in a create with and
    without an Idempotency-Key; control characters in a distribution customer name and an order, read
    back as XML; a lone surrogate; every documented maxLength at and past in `€` (bodies, queries,
    path parameters); the tenant's refund reasons with them, listed."""
    del bounds
    cases: list[Case] = []
    counter = Counter("edge-str")
    big = EURO * 140_000
    quotes = '"' * 150_000
    for with_key in (False, True):
        suffix = ", with an Idempotency-Key" if with_key else ""
        for where, value, expected in (
            (("memo",), big, REFUSED),
            (("payload", "text"), big, REFUSED),
            (("memo",), quotes, EITHER),
            (("payload", "text"), quotes, EITHER),
        ):
            label = "€ x 140,000" if value is big else '" x 150,000'
            cases.append(
                body_case(
                    "strings",
                    f"{dotted(where)} = {label}{suffix}",
                    document,
                    *CREATE,
                    where,
                    value,
                    expected,
                    counter,
                    quick=with_key and where == ("memo",),
                    headers={"Idempotency-Key": counter()} if with_key else None,
                )
            )
    for method, route in (PATCH, PUT, PREVIEW, PLACE):
        path: Path_ = ("order", "customer_name") if (method, route) == PLACE else ("memo",)
        cases.append(
            body_case(
                "strings",
                f"{dotted(path)} = € x 140,000",
                document,
                method,
                route,
                path,
                big,
                REFUSED,
                counter,
            )
        )
    # control characters, read back by the distribution API (as XML too: `Runner.rereads`)
    dist_then = (Read(f"/distribution/orders/{ref('created')}"),)
    cases.append(
        Case(
            "strings",
            "customer_name with control characters",
            *PLACE,
            body=distribution_order(counter(), CONTROL),
            expect=Expect(EITHER, then=dist_then),
            quick=True,
        )
    )
    cases.append(
        Case(
            "strings",
            "customer_name with control characters, asked as XML",
            *PLACE,
            headers=XML_ACCEPT,
            body=distribution_order(counter(), CONTROL),
            expect=Expect(EITHER, xml=True, then=dist_then),
        )
    )
    for reference in ("&#1;", "&#xFFFE;", "&#0;"):
        xml_text = (
            f"<order><order_number>{counter()}</order_number><customer_name>A{reference}B</customer_name>"
            "<items><item><offer_id>EDGE-OFFER</offer_id><quantity>1</quantity></item></items></order>"
        )
        cases.append(
            Case(
                "strings",
                f"customer_name with {reference} in XML",
                *PLACE,
                headers=XML_HEADERS,
                body=Raw(xml_text.encode(), XML_MEDIA),
                expect=Expect(REFUSED),
            )
        )
    watch = counter()
    native = {**order_body(watch), "memo": CONTROL, "ship_to_name": CONTROL, "notes": CONTROL}
    native["line_items"] = [{**LINES[0], "description": CONTROL}]
    cases.append(
        Case(
            "strings",
            "an order with control characters, read by the distribution API as XML",
            *CREATE,
            params=default_params(ORDER_ROUTE),
            body=native,
            expect=Expect(
                EITHER,
                unchanged=watched(watch),
                then=(
                    Read(
                        f"/distribution/orders/{ref('created')}",
                        headers=XML_ACCEPT,
                        statuses=frozenset({200, 404}),
                        xml=True,
                    ),
                    Read(f"/v3/orders/{ref('created')}"),
                ),
            ),
        )
    )
    watch = counter()
    surrogate = json.dumps(order_body(watch))[:-1] + f', "memo": {LONE_SURROGATE_JSON}}}'
    cases.append(
        Case(
            "strings",
            "memo with a lone surrogate",
            *CREATE,
            body=Raw(surrogate.encode()),
            expect=Expect(EITHER, unchanged=watched(watch)),
        )
    )
    cases.append(
        Case(
            "strings",
            "fulfil metadata with control characters",
            *FULFIL,
            params=default_params(FULFIL[1], "scratch"),
            body={"items": [{"order_line_item_id": "L1", "quantity": 1}], "metadata": {"edge": CONTROL}},
            expect=Expect(EITHER, then=(Read(f"/orders/{TENANT}/fulfillments?limit=100"),)),
        )
    )
    reasons = (Read("/v1/refund-reasons"), Read(f"/orders/{TENANT}/refund-reasons"))
    for label, description in (("€ x 200", EURO * 200), ("control characters", CONTROL)):
        cases.append(
            Case(
                "strings",
                f"refund reason description {label}, then listed",
                *REASON_PUT,
                params={**default_params(REASON_PUT[1]), "name": f"Edge{label[:3].strip()}".replace(" ", "")},
                body={"description": description},
                expect=Expect(EITHER, then=reasons),
                quick=label == "control characters",
            )
        )
    cases += max_length_cases(document, counter)
    return cases


def max_length_cases(document: Mapping[str, Any], counter: Counter) -> list[Case]:
    """Every documented maxLength of a body field, a query or a path parameter at (the service's
    choice) and one past (refused) in `€` (in ASCII where its pattern refuses `€`); path parameters
    with control characters too (pure)."""
    cases: list[Case] = []
    for method, route, schema in body_operations(document):
        for path, leaf in walk(document, schema):
            unit = fill_unit(leaf)
            if leaf.get("type") != "string" or "maxLength" not in leaf or not path or unit is None:
                continue
            limit = int(leaf["maxLength"])
            for label, value, expected in (
                (f"{unit} x {limit} (maxLength)", unit * limit, EITHER),
                (f"{unit} x {limit + 1}", unit * (limit + 1), REFUSED),
            ):
                cases.append(
                    body_case(
                        "strings",
                        f"{dotted(path)} = {label}",
                        document,
                        method,
                        route,
                        path,
                        value,
                        expected,
                        counter,
                    )
                )
    for method, route in operations(document):
        for parameter in parameters(document, method, route, "query"):
            schema = parameter_schema(document, parameter)
            if schema.get("type") != "string" or "maxLength" not in schema:
                continue
            limit = int(schema["maxLength"])
            cases.append(
                Case(
                    "strings",
                    f"?{parameter['name']}=€ x {limit + 1}",
                    method,
                    route,
                    params=default_params(route),
                    query=((parameter["name"], EURO * (limit + 1)),),
                    body=base_body(method, route, document),
                    expect=Expect(REFUSED if method == "GET" else EITHER),
                )
            )
            cases.append(
                Case(
                    "strings",
                    f"?{parameter['name']} with control characters",
                    method,
                    route,
                    params=default_params(route),
                    query=((parameter["name"], CONTROL),),
                    body=base_body(method, route, document),
                    expect=Expect(EITHER),
                )
            )
        for parameter in parameters(document, method, route, "path"):
            schema = parameter_schema(document, parameter)
            limit = int(schema.get("maxLength", 64))
            name = parameter["name"]
            for label, value, expected in (
                (f"€ x {limit + 1}", EURO * (limit + 1), REFUSED),
                ("control characters", CONTROL, EITHER if name != "tenantId" else REFUSED),
            ):
                params = {**default_params(route, "open"), name: value}
                target = "open" if name != "id" else None
                cases.append(
                    Case(
                        "strings",
                        f"path {name} = {label}",
                        method,
                        route,
                        params=params,
                        body=base_body(method, route, document),
                        expect=Expect(
                            expected,
                            unchanged=unchanged_for(route, target, None)
                            if target and method != "GET"
                            else None,
                        ),
                        quick=(method, route, name) == ("GET", ONE_ORDER, "id") and value is not CONTROL,
                    )
                )
    return cases


# ---------------------------------------------------------------------------- duplicate ids
def fill_unit(schema: Mapping[str, Any]) -> str | None:
    """The character a string at its maxLength is made of: `€` (3 bytes in UTF-8), else the first
    its documented pattern takes; None when the pattern takes none of them (pure)."""
    pattern = schema.get("pattern")
    for unit in (EURO, "x", "1", "A"):
        try:
            if pattern is None or re.fullmatch(pattern, unit * 2):
                return unit
        except re.error:
            return None
    return None


def duplicate_ids(document: Mapping[str, Any], bounds: Bounds) -> list[Case]:
    """The same id twice in every id list: 422 naming it, nothing changed."""
    del document, bounds
    twice = [{"order_line_item_id": "L1", "quantity": 1}] * 2
    counter = Counter("edge-dup")
    coupon = {
        "coupon_id": "EDGE",
        "coupon_type": "promo",
        "discount": "1.00",
        "order_line_item_ids": ["L1", "L1"],
    }
    watch = counter()
    unprocessable = frozenset({422})
    return [
        Case(
            "duplicate_ids",
            "coupon order_line_item_ids [L1, L1]",
            *CREATE,
            body={**order_body(watch), "coupons": [coupon]},
            expect=Expect(unprocessable, names="L1", unchanged=watched(watch)),
            quick=True,
        ),
        Case(
            "duplicate_ids",
            "coupon order_line_item_ids [L1, L1]",
            *PREVIEW,
            body={**order_body(), "coupons": [coupon]},
            expect=Expect(unprocessable, names="L1"),
        ),
        Case(
            "duplicate_ids",
            "coupon order_line_item_ids [L1, L1], patched in",
            *PATCH,
            params=default_params(ONE_ORDER, "open"),
            body=[{"op": "add", "path": "/coupons/-", "value": coupon}],
            expect=Expect(REFUSED, names="L1", unchanged=order_path("open")),
        ),
        Case(
            "duplicate_ids",
            "fulfil items [L1, L1]",
            *FULFIL,
            params=default_params(FULFIL[1], "open"),
            body={"items": twice},
            expect=Expect(unprocessable, names="L1", unchanged=order_path("open")),
        ),
        Case(
            "duplicate_ids",
            "cancel items [L1, L1]",
            *CANCEL,
            params=default_params(CANCEL[1], "open"),
            body={"items": twice},
            expect=Expect(unprocessable, names="L1", unchanged=order_path("open")),
        ),
        Case(
            "duplicate_ids",
            "refund line_numbers [1, 1]",
            *REFUND,
            params=default_params(REFUND[1], "fulfilled_order"),
            body={"refund_reason_name": REASON, "line_numbers": [1, 1]},
            expect=Expect(unprocessable, names="1", unchanged=order_path("fulfilled_order")),
        ),
        Case(
            "duplicate_ids",
            "theatre refund lineNumbers [1, 1]",
            *THEATRE_REFUND,
            params={"id": "token-" + ref("token")},
            body={"refundReasonName": REASON, "lineNumbers": [1, 1]},
            expect=Expect(unprocessable, names="1", unchanged=order_path("fulfilled_order")),
        ),
        Case(
            "duplicate_ids",
            "pickup items [L1, L1]",
            *PICKUP,
            params={"tenantId": TENANT, "fulfillmentId": ref("fulfillment")},
            body={"items": [{"order_line_item_id": "L1", "picked_up": True}] * 2},
            expect=Expect(unprocessable, names="L1", unchanged=fulfillment_path("fulfillment")),
        ),
        Case(
            "duplicate_ids",
            "fulfillment list ids=F,F",
            "GET",
            FULFILLMENTS,
            params={"tenantId": TENANT},
            query=(("ids", f"{ref('fulfillment')},{ref('fulfillment')}"),),
            expect=Expect(unprocessable, names=ref("fulfillment")),
        ),
    ]


# ---------------------------------------------------------------------------- sizes
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


def sized(body: dict[str, Any], where: Path_, size: int, unit: str = "x") -> bytes:
    """The JSON body with a string at `where` (a top-level member, or one level down) padded so the
    whole body is exactly `size` bytes, in `unit` characters (the rest in ASCII) (pure)."""
    empty = place({}, {}, body, where, "")
    room = size - len(json_bytes(empty))
    width = len(unit.encode("utf-8"))
    filler = unit * (room // width) + "x" * (room % width)
    data = json_bytes(place({}, {}, body, where, filler))
    assert len(data) == size, (len(data), size)
    return data


def sizes(document: Mapping[str, Any], bounds: Bounds) -> list[Case]:
    """Bodies of exactly each byte limit and one byte over (the gateway's, a stored order's, the XML
    reader's); JSON nesting at, past and far past its limit; Idempotency-Key and API key lengths;
    every documented maxItems and maxProperties at and one past."""
    cases: list[Case] = []
    counter = Counter("edge-size")
    padding: Path_ = ("payload", "text")
    stored, item = bounds.max_order_stored_bytes, bounds.max_order_item_bytes
    # (label, unit, the body's size in bytes, or None and so many `€`, expected): a `€` is 3 bytes of
    # the body, 6 of the stored order's escaped text
    for label, unit, size, euros, expected in (
        ("gateway limit", "x", bounds.max_body_bytes, 0, REFUSED),
        ("gateway limit + 1", "x", bounds.max_body_bytes + 1, 0, frozenset({413})),
        ("stored order limit - 20 KB", "x", stored - 20_000, 0, EITHER),
        ("stored order limit - 20 KB in €, escaped", EURO, None, (stored - 20_000) // 6, EITHER),
        ("stored order limit + 1", "x", stored + 1, 0, REFUSED),
        ("stored order limit + 1 in €, escaped", EURO, None, stored // 6 + 1, REFUSED),
        ("order item limit + 1", "x", item + 1, 0, REFUSED),
        ("order item limit + 1 in €", EURO, item + 1, 0, REFUSED),
    ):
        watch = counter()
        body = order_body(watch)
        if size is None:
            size = len(json_bytes(place({}, {}, body, padding, ""))) + euros * len(EURO.encode())
        cases.append(
            Case(
                "sizes",
                f"create body of {size:,} bytes ({label})",
                *CREATE,
                body=Raw(sized(body, padding, size, unit)),
                expect=Expect(expected, unchanged=watched(watch)),
                quick=label in ("gateway limit + 1", "order item limit + 1 in €"),
            )
        )
    for label, size, expected in (
        ("XML limit", bounds.max_xml_bytes, EITHER),
        ("XML limit + 1", bounds.max_xml_bytes + 1, REFUSED),
    ):
        cases.append(
            Case(
                "sizes",
                f"distribution order of {size:,} bytes of XML ({label})",
                *PLACE,
                headers=XML_HEADERS,
                body=Raw(xml_sized(counter(), size), XML_MEDIA),
                expect=Expect(expected, xml=True),
            )
        )
    for depth, expected in (
        (bounds.max_json_depth, EITHER),
        (bounds.max_json_depth + 1, REFUSED),
        (100_000, REFUSED),
    ):
        watch = counter()
        nested = (
            json_bytes(order_body(watch))[:-1]
            + b',"payload":'
            + b'{"a":' * depth
            + b"1"
            + b"}" * depth
            + b"}"
        )
        cases.append(
            Case(
                "sizes",
                f"payload nested {depth:,} deep",
                *CREATE,
                body=Raw(nested),
                expect=Expect(expected, unchanged=watched(watch)),
                quick=depth == 100_000,
            )
        )
    cases.append(
        Case("sizes", "body of 100,000 [", *CREATE, body=Raw(b"[" * 100_000), expect=Expect(REFUSED))
    )
    limit = patch_operations_limit(document)
    for count, expected in ((limit, EITHER), (limit + 1, REFUSED)):
        cases.append(
            Case(
                "sizes",
                f"JSON Patch of {count} operations",
                *PATCH,
                params=default_params(ONE_ORDER, "open"),
                body=[{"op": "test", "path": "/currency_code", "value": "USD"}] * count,
                expect=Expect(expected, unchanged=order_path("open")),
            )
        )
    cases += header_length_cases(document, bounds, counter)
    cases += max_items_cases(document, counter)
    return cases


def patch_operations_limit(document: Mapping[str, Any]) -> int:
    """The documented maxItems of the order's JSON Patch (100 if it has none) (pure)."""
    found = request_body(document, *PATCH)
    return int(found[1].get("maxItems", 100)) if found else 100


def xml_sized(number: str, size: int) -> bytes:
    """A distribution order in XML of exactly `size` bytes (whitespace before its end tag) (pure)."""
    head = (
        f"<order><order_number>{number}</order_number><customer_name>Edge</customer_name>"
        "<items><item><offer_id>EDGE-OFFER</offer_id><quantity>1</quantity></item></items>"
    ).encode()
    tail = b"</order>"
    return head + b" " * (size - len(head) - len(tail)) + tail


def header_length_cases(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """An Idempotency-Key of the longest length allowed (plain and quoted: on a missing order where
    the route names one) and one past (refused, nothing changed), on every route that takes one; an
    API key one past its longest (401) (pure)."""
    cases: list[Case] = []
    limit = bounds.max_idempotency_key
    for method, route in operations(document):
        if not any(p.get("name") == "Idempotency-Key" for p in parameters(document, method, route, "header")):
            continue
        for label, length, quoted, expected in (
            (f"{limit} characters", limit, False, EITHER),
            (f"{limit} characters, quoted", limit, True, EITHER),
            (f"{limit + 1} characters", limit + 1, False, REFUSED),
            (f"{limit + 1} characters, quoted", limit + 1, True, REFUSED),
        ):
            stem = counter()
            key = (stem + "k" * length)[:length]
            target = "missing" if expected == EITHER else "open"
            watch = counter() if (method, route) == CREATE else None
            cases.append(
                Case(
                    "sizes",
                    f"Idempotency-Key of {label}",
                    method,
                    route,
                    params=default_params(route, target),
                    headers={"Idempotency-Key": f'"{key}"' if quoted else key},
                    body=base_body(method, route, document, watch),
                    expect=Expect(expected, unchanged=unchanged_for(route, target, watch)),
                    quick=(method, route) == CREATE and length > limit and not quoted,
                )
            )
    cases.append(
        Case(
            "sizes",
            f"API key of {bounds.max_api_key + 1} characters",
            "GET",
            "/v1/refund-reasons",
            headers={"Authorization": "k" * (bounds.max_api_key + 1)},
            expect=Expect(frozenset({401})),
        )
    )
    return cases


def max_items_cases(document: Mapping[str, Any], counter: Counter) -> list[Case]:
    """Every documented maxItems (maxProperties) of a body at (the service's choice) and one past
    (refused): the base body's own first item repeated (an order's lines and a batch's operations
    each their own; numbers counting up) (pure)."""
    cases: list[Case] = []
    for method, route, schema in body_operations(document):
        for path, node in walk(document, schema):
            for keyword in ("maxItems", "maxProperties"):
                if keyword not in node or (keyword == "maxItems" and node.get("type") != "array"):
                    continue
                limit = int(node[keyword])
                for label, count, expected in (
                    (f"{limit} ({keyword})", limit, EITHER),
                    (str(limit + 1), limit + 1, REFUSED),
                ):
                    value = repeated(document, method, route, schema, path, node, count)
                    cases.append(
                        body_case(
                            "sizes",
                            f"{dotted(path)} of {label}",
                            document,
                            method,
                            route,
                            path,
                            value,
                            expected,
                            counter,
                            quick=(method, route, path) == (*CREATE, ("line_items",)) and count > limit,
                        )
                    )
    return cases


def repeated(
    document: Mapping[str, Any],
    method: str,
    route: str,
    schema: Any,
    path: Path_,
    node: Mapping[str, Any],
    count: int,
) -> Any:
    """`count` items (or properties) for the list (or map) at `path`: the base body's first one, or the
    item schema's minimal instance; line ids and numbers made distinct (pure)."""
    if node.get("type") != "array":
        return {f"k{n}": "edge" for n in range(count)}
    del schema
    current: Any = base_body(method, route, document)
    for key in path:
        current = current[key] if isinstance(current, dict | list) and _has(current, key) else None  # type: ignore[index]
    first = current[0] if isinstance(current, list) and current else minimal(document, node.get("items", {}))
    items = []
    for n in range(count):
        item = copy.deepcopy(first)
        if isinstance(item, int) and not isinstance(item, bool):
            item = n + 1
        elif isinstance(item, dict) and "order_line_item_id" in item and path and path[-1] == "line_items":
            item["order_line_item_id"] = f"L{n + 1}"
        items.append(item)
    return items


def _has(container: Any, key: str | int) -> bool:
    if isinstance(container, list):
        return isinstance(key, int) and key < len(container)
    return key in container


# ---------------------------------------------------------------------------- work multipliers
def work(document: Mapping[str, Any], bounds: Bounds) -> list[Case]:
    """Requests that multiply the service's work: refused (or answered) within the budget."""
    del document
    counter = Counter("edge-work")
    copies = [{"op": "add", "path": "/payload", "value": {"items": list(range(1000))}}]
    copies += [{"op": "copy", "from": "/payload", "path": f"/payload/copy{n}"} for n in range(12)]
    many_lines = [{"order_line_item_id": f"L{n}", "quantity": 1, "unit_price": "1.00"} for n in range(500)]
    edge_line = {"quantity": 1_000_000, "unit_price": Lit("999999999999.99"), "taxes": Lit("999999999999.99")}
    near: list[dict[str, Any]] = [{**edge_line, "order_line_item_id": f"L{n}"} for n in range(500)]
    creates = [{"operation": "create", "object": {"line_items": near}} for _ in range(100)]
    patches = [
        {
            "operation": "patch",
            "id": ref("scratch"),
            "patch_directives": [{"op": "test", "path": "/currency_code", "value": "USD"}] * 100,
        }
        for _ in range(100)
    ]
    batch_body = json_bytes({"operations": creates})
    assert len(batch_body) <= bounds.max_body_bytes, len(batch_body)
    watch = counter()
    return [
        Case(
            "work",
            "add /payload (1,000 items), then 12 x copy of it into itself",
            *PATCH,
            params=default_params(ONE_ORDER, "open"),
            body=copies,
            expect=Expect(REFUSED, unchanged=order_path("open")),
            quick=True,
        ),
        Case(
            "work",
            "preview of 500 lines x 12,000 zero coupons",
            *PREVIEW,
            body={"line_items": many_lines, "coupons": [{"discount": 0}] * 12_000},
            expect=Expect(EITHER),
            quick=True,
        ),
        Case(
            "work",
            "create of 500 lines x 12,000 zero coupons",
            *CREATE,
            body={**order_body(watch), "line_items": many_lines, "coupons": [{"discount": 0}] * 12_000},
            expect=Expect(EITHER, unchanged=watched(watch)),
        ),
        Case(
            "work",
            f"batch of 100 creates of 500 lines at the amount bounds ({len(batch_body):,} bytes)",
            *BATCH,
            body=Raw(batch_body),
            expect=Expect(EITHER),
        ),
        Case(
            "work",
            "batch of 100 patches of 100 operations",
            *BATCH,
            body={"operations": patches},
            expect=Expect(EITHER, then=(Read(order_path("scratch")),)),
        ),
    ]


# ---------------------------------------------------------------------------- keyed batch
#: Later operations of a keyed batch that are bad at an edge: their names -> the create's object.
BAD_LATER: tuple[tuple[str, dict[str, Any]], ...] = (
    ("exchange_rate 1e30", {"line_items": LINES[:1], "exchange_rate": Lit("1e30")}),
    (
        "weight 9.9e125 x quantity 2",
        {"line_items": [{"quantity": 2, "unit_price": "1.00", "weight": Lit("9.9e125")}]},
    ),
    (
        "date 9999-12-31T23:59:59-12:00",
        {"line_items": LINES[:1], "date": "9999-12-31T23:59:59-12:00", "override_order_date": True},
    ),
    ("unit_price 4,400 digits", {"line_items": [{"quantity": 1, "unit_price": Lit(DIGITS_4400)}]}),
    ("memo € x 140,000", {"line_items": LINES[:1], "memo": EURO * 140_000}),
)


def keyed_batch(document: Mapping[str, Any], bounds: Bounds) -> list[Case]:
    """A keyed batch whose later operation is bad, after a patch that adds a recipient, sent three
    times: the recipient is there once (if the batch was accepted; never if refused), the repeats
    replay the first answer."""
    del document, bounds
    cases = []
    for n, (label, bad) in enumerate(BAD_LATER):
        recipient = f"edge-once-{n}@example.com"
        body = {
            "operations": [
                {
                    "operation": "patch",
                    "id": ref("keyed"),
                    "patch_directives": [
                        {
                            "op": "add",
                            "path": "/additional_email_confirmation_recipients/-",
                            "value": recipient,
                        }
                    ],
                },
                {"operation": "create", "object": bad},
            ]
        }
        cases.append(
            Case(
                "keyed_batch",
                f"patch, then a create with {label}, sent three times",
                *BATCH,
                headers={"Idempotency-Key": f"edge-keyed-batch-{n}"},
                body=body,
                expect=Expect(EITHER, sends=3, applied_once=(order_path("keyed"), recipient)),
                quick=n == 0,
            )
        )
    return cases


# ---------------------------------------------------------------------------- reads
def reads(document: Mapping[str, Any], bounds: Bounds) -> list[Case]:
    """Last: every read of the tenant answers 200 after all that was stored (lists, searches,
    lookups, fulfillments, the fixtures, history, XML)."""
    del bounds
    cases = []
    for read in TENANT_READS:
        if read.method == "GET":
            cases.append(
                Case(
                    "reads",
                    "the list",
                    "GET",
                    ORDER_ROUTE,
                    query=(("limit", "100"),),
                    expect=Expect(ANSWERED),
                )
            )
        else:
            name = f"search {json.dumps(read.body)}"
            cases.append(Case("reads", name, *SEARCH, body=read.body, expect=Expect(ANSWERED)))
    for fixture in ("open", "scratch", "fulfilled_order", "spare", "keyed"):
        cases.append(
            Case(
                "reads",
                f"the {fixture} order",
                "GET",
                ONE_ORDER,
                params={"id": ref(fixture)},
                query=(("consistentRead", "true"),),
                expect=Expect(ANSWERED),
            )
        )
    explicit = {("GET", ONE_ORDER), ("GET", ORDER_ROUTE)}
    for method, route in operations(document):
        if method != "GET" or (method, route) in explicit:
            continue
        params = default_params(route, "open")
        query: tuple[tuple[str, str], ...] = ()
        if any(p.get("name") == "limit" for p in parameters(document, method, route, "query")):
            query = (("limit", "100"),)
        cases.append(Case("reads", "after the boundary cases", method, route, params=params, query=query))
        if route == DIST_ONE:
            cases.append(
                Case(
                    "reads",
                    "after the boundary cases, as XML",
                    method,
                    route,
                    params=params,
                    headers=XML_ACCEPT,
                )
            )
    return [
        replace(c, expect=replace(c.expect, statuses=ANSWERED, xml=bool(c.headers)), quick=True)
        for c in cases
    ]


GENERATORS: dict[str, Callable[[Mapping[str, Any], Bounds], list[Case]]] = {
    "dates": dates,
    "numbers": numbers,
    "money_strings": money_strings,
    "strings": strings,
    "duplicate_ids": duplicate_ids,
    "sizes": sizes,
    "work": work,
    "keyed_batch": keyed_batch,
    "reads": reads,
}
assert tuple(GENERATORS) == FAMILIES


def generate(
    document: Mapping[str, Any],
    bounds: Bounds | None = None,
    *,
    quick: bool = False,
    families: Sequence[str] | None = None,
) -> list[Case]:
    """Every family's cases in `FAMILIES` order (`reads` last), or the QUICK subset (pure)."""
    bounds = bounds or Bounds()
    found: list[Case] = []
    for name in families or FAMILIES:
        made = GENERATORS[name](document, bounds)
        found += [c for c in made if c.quick] if quick else made
    return found


def uncovered(document: Mapping[str, Any], cases: Sequence[Case]) -> list[tuple[str, str]]:
    """The document's operations no case sends to (pure)."""
    covered = {(c.method, c.route) for c in cases}
    return [op for op in operations(document) if op not in covered]


# ---------------------------------------------------------------------------- judging
@dataclass(frozen=True)
class Answer:
    status: int
    text: str
    seconds: float
    headers: Mapping[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), "")


#: An order's money fields (API.md's sums are over these): at most the currency's minor-unit
#: decimals, never a negative zero; `total_in_base_currency` too, in the base currency.
ORDER_MONEY = (
    "subtotal",
    "discounts",
    "taxes",
    "shipping_charges",
    "total",
    "balance_due",
    "amount_paid",
    "amount_pending_capture",
    "amount_refunded",
)
LINE_MONEY = (
    "unit_price",
    "taxes",
    "discounts",
    "total",
    "balance_due",
    "amount_paid",
    "amount_pending_capture",
    "amount_refunded",
    "amount_to_pay_upon_creation",
)


def orders_in(value: Any) -> Iterator[dict[str, Any]]:
    """Every order in an answer: an object with `line_items` and `total` (pure)."""
    if isinstance(value, dict):
        if isinstance(value.get("line_items"), list) and "total" in value:
            yield value
        for member in value.values():
            yield from orders_in(member)
    elif isinstance(value, list):
        for item in value:
            yield from orders_in(item)


def amounts_of(order: Mapping[str, Any]) -> Iterator[tuple[str, Decimal, str]]:
    """(where, amount, its currency) of every money amount of an order: its own, its lines' and its
    payments' (pure)."""
    currency = str(order.get("currency_code") or "USD")
    for name in ORDER_MONEY:
        if isinstance(order.get(name), Decimal):
            yield name, order[name], currency
    if isinstance(order.get("total_in_base_currency"), Decimal):
        base = str(order.get("base_currency_code") or currency)
        yield "total_in_base_currency", order["total_in_base_currency"], base
    for line in order.get("line_items") or []:
        for name in LINE_MONEY:
            if isinstance(line, dict) and isinstance(line.get(name), Decimal):
                yield f"line {line.get('line_number')} {name}", line[name], currency
    for n, payment in enumerate(order.get("payments") or []):
        if isinstance(payment, dict) and isinstance(payment.get("amount"), Decimal):
            yield f"payments[{n}].amount", payment["amount"], currency


def money_defects(text: str) -> list[str]:
    """API.md's money rules on every order in a 2xx JSON answer: money with at most the currency's
    minor-unit decimals and never a negative zero; total = subtotal - discounts + taxes + shipping;
    balance due = total - (paid + pending - refunded); refunded <= paid (pure)."""
    from orders_domain.domain.money import decimal_places, minor_units

    try:
        value = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except (ValueError, InvalidOperation):
        return []
    defects = []
    for order in orders_in(value):
        for where, amount, currency in amounts_of(order):
            if amount.is_zero() and amount.is_signed():
                defects.append(f"{where} is a negative zero ({amount})")
            if decimal_places(amount) > minor_units(currency):
                defects.append(f"{where} {amount} has more than {minor_units(currency)} decimals")
        a = {k: order[k] for k in ORDER_MONEY if isinstance(order.get(k), Decimal)}
        if len(a) == len(ORDER_MONEY):
            if a["total"] != a["subtotal"] - a["discounts"] + a["taxes"] + a["shipping_charges"]:
                defects.append("total != subtotal - discounts + taxes + shipping_charges")
            paid = a["amount_paid"] + a["amount_pending_capture"] - a["amount_refunded"]
            if a["balance_due"] != a["total"] - paid:
                defects.append(
                    "balance_due != total - (amount_paid + amount_pending_capture - amount_refunded)"
                )
            if a["amount_refunded"] > a["amount_paid"]:
                defects.append("amount_refunded > amount_paid")
    return list(dict.fromkeys(defects))


def problem_defects(answer: Answer) -> list[str]:
    """What makes a 4xx answer not a problem document (RFC 9457, JSON or XML) (pure)."""
    media = answer.header("Content-Type").split(";")[0].strip().lower()
    if media == "application/problem+json":
        try:
            problem = json.loads(answer.text)
        except ValueError:
            return ["a problem+json answer that is not JSON"]
        if not isinstance(problem, dict) or problem.get("status") != answer.status:
            return [f"a problem whose status is not {answer.status}"]
        return []
    if media == "application/problem+xml":
        return [] if xml_parses(answer.text) else ["a problem+xml answer that does not parse"]
    return [f"a {answer.status} that is not a problem (Content-Type {media or 'none'})"]


def xml_parses(text: str) -> bool:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        fromstring(text.encode("utf-8"))
    except (ParseError, DefusedXmlException, ValueError):
        return False
    return True


def batch_faults(text: str) -> list[str]:
    """A 2xx batch answer's operations that failed on the server's side (their status 5xx) (pure)."""
    try:
        answer = json.loads(text)
    except ValueError:
        return []
    results = answer.get("results") if isinstance(answer, dict) else None
    return [
        f"batch operation {n} ({r.get('operation')}) failed with {r.get('status')}"
        for n, r in enumerate(results or [])
        if isinstance(r, dict) and isinstance(r.get("status"), int) and r["status"] >= 500
    ]


def names_id(answer: Answer, value: str) -> bool:
    """Whether a problem's detail or field errors name `value` (as a whole word) (pure)."""
    try:
        problem = json.loads(answer.text)
    except ValueError:
        return value in answer.text
    said = json.dumps([problem.get("detail"), problem.get("errors")]) if isinstance(problem, dict) else ""
    return re.search(rf"(?<![\w.-]){re.escape(value)}(?![\w-])", said) is not None


def judge(
    statuses: frozenset[int],
    answer: Answer,
    *,
    names: str | None = None,
    xml: bool = False,
    budget: float = MAX_REQUEST_SECONDS,
) -> list[str]:
    """What is wrong with one answer (empty: nothing): no answer; a 5xx; a status outside the
    expected; over the time budget; a 4xx that is not a problem or does not name the id; a 2xx
    batch with an operation failed on the server's side; a 2xx breaking the money rules; a 2xx that
    was to be XML and does not parse (pure)."""
    if answer.status == 0:
        return [f"no answer ({answer.text[:120]})"]
    problems = []
    if answer.status >= 500:
        problems.append(f"server error {answer.status}")
    elif answer.status not in statuses:
        problems.append(f"expected {describe(statuses)}, got {answer.status}")
    if answer.seconds > budget:
        problems.append(f"took {answer.seconds:.2f} s (budget {budget:.1f} s)")
    if 400 <= answer.status < 500:
        problems += problem_defects(answer)
        if names is not None and not names_id(answer, names):
            problems.append(f"does not name {names}")
    if 200 <= answer.status < 300:
        media = answer.header("Content-Type").split(";")[0].strip().lower()
        if xml:
            if not xml_parses(answer.text):
                problems.append("the XML answer does not parse")
        elif media.endswith("json"):
            problems += batch_faults(answer.text)
            problems += money_defects(answer.text)
    return problems


def describe(statuses: frozenset[int]) -> str:
    if statuses == REFUSED:
        return "a 4xx problem"
    if statuses == EITHER:
        return "2xx or a 4xx problem"
    if statuses == ANSWERED:
        return "2xx"
    return " or ".join(str(s) for s in sorted(statuses))


def is_server_error(problem: str) -> bool:
    return problem.startswith("server error") or (
        problem.startswith("batch operation") and "failed with" in problem
    )


# ---------------------------------------------------------------------------- running
@dataclass
class Report:
    cases: int = 0
    requests: int = 0
    server_errors: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    max_seconds: float = 0.0
    slowest: str = ""
    #: One line per request: status, seconds, what was asked.
    log: list[str] = field(default_factory=list)

    def timed(self, label: str, answer: Answer) -> None:
        self.requests += 1
        self.log.append(f"{answer.status:>3} {answer.seconds:7.3f}s {label}")
        if answer.seconds > self.max_seconds:
            self.max_seconds, self.slowest = answer.seconds, label

    def fail(self, label: str, answer: Answer, problems: list[str]) -> None:
        if not problems:
            return
        self.server_errors += sum(1 for p in problems if is_server_error(p))
        detail = "; ".join(problems) + f" -- answer: {answer.text[:200]}"
        self.failures.append({"case": label, "status": answer.status, "detail": detail})


def send(
    base: str,
    key: str | None,
    method: str,
    path: str,
    body: bytes | None,
    headers: Mapping[str, str],
    *,
    timeout: float = CLIENT_TIMEOUT_SECONDS,
) -> Answer:
    """One request, timed (status 0 when no answer came)."""
    sent = {"Authorization": key} if key is not None else {}
    sent.update(headers)
    request = urllib.request.Request(base + path, data=body, method=method, headers=sent)  # noqa: S310
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback only
            text = response.read().decode("utf-8", "replace")
            return Answer(response.status, text, time.perf_counter() - start, dict(response.headers))
    except urllib.error.HTTPError as error:
        text = error.read().decode("utf-8", "replace")
        return Answer(error.code, text, time.perf_counter() - start, dict(error.headers))
    except (OSError, urllib.error.URLError) as error:
        return Answer(0, f"{type(error).__name__}: {error}", time.perf_counter() - start)


def url_of(case: Case, values: Mapping[str, str]) -> str:
    """The case's path (each parameter filled and percent-encoded) and query (pure)."""
    params = {**default_params(case.route), **case.params}

    def fill(match: re.Match[str]) -> str:
        return quote(substitute(params.get(match.group(1), "x"), values), safe="")

    path = re.sub(r"\{([^}]+)\}", fill, case.route)
    if case.query:
        path += "?" + urlencode([(k, substitute(v, values)) for k, v in case.query])
    return path


def encoded(body: Any, media: str | None, values: Mapping[str, str]) -> tuple[bytes | None, str | None]:
    """The bytes of a case's body and their Content-Type, placeholders filled (pure)."""
    if body is None:
        return None, None
    if isinstance(body, Raw):
        data, media = body.data, body.content_type
    else:
        data, media = json_bytes(body), media or JSON_MEDIA
    if b"%%" in data:
        data = _REF.sub(
            lambda m: values.get(m.group(1), m.group(0)), data.decode("utf-8", "surrogatepass")
        ).encode("utf-8", "surrogatepass")
    return data, media


def created_id(answer: Answer) -> str | None:
    """The id of the order a 2xx answer made (`id`, or a distribution answer's `order.id`) (pure)."""
    if not 200 <= answer.status < 300:
        return None
    try:
        value = json.loads(answer.text)
    except ValueError:
        match = re.search(r"<id>([^<]+)</id>", answer.text)
        return match.group(1) if match else None
    if isinstance(value, dict) and isinstance(value.get("order"), dict):
        value = value["order"]
    found = value.get("id") if isinstance(value, dict) else None
    return found if isinstance(found, str) else None


class Runner:
    """Sends the cases to the API at `base` with the edge tenant's key and judges every answer."""

    def __init__(self, base: str, key: str, document: Mapping[str, Any], fixtures: Mapping[str, str]) -> None:
        self.base, self.key, self.document = base, key, document
        self.fixtures = dict(fixtures)
        self.report = Report()

    def request(
        self, label: str, method: str, path: str, body: bytes | None, headers: Mapping[str, str]
    ) -> Answer:
        answer = send(self.base, self.key, method, path, body, headers)
        self.report.timed(f"{label} ({method} {path[:80]})", answer)
        return answer

    def read(self, label: str, read: Read, values: Mapping[str, str]) -> Answer:
        data, media = encoded(read.body, JSON_MEDIA, values)
        headers = {**({"Content-Type": media} if media else {}), **read.headers}
        return self.request(label, read.method, substitute(read.path, values), data, headers)

    def run(self, case: Case) -> None:
        self.report.cases += 1
        values = {**self.fixtures, "created": ""}
        path = url_of(case, values)
        documented = request_body(self.document, case.method, case.route)
        documented_media = documented[0] if documented and "xml" not in documented[0] else JSON_MEDIA
        data, media = encoded(case.body, documented_media, values)
        headers = {**({"Content-Type": media} if media else {}), **case.headers}
        expect = case.expect
        xml = expect.xml or "xml" in headers.get("Accept", "")
        before = self.read(case.label, Read(expect.unchanged), values) if expect.unchanged else None
        answers = []
        for n in range(expect.sends):
            answer = self.request(case.label, case.method, path, data, headers)
            answers.append(answer)
            where = case.label + (f" (send {n + 1})" if expect.sends > 1 else "")
            self.report.fail(
                where,
                answer,
                judge(
                    expect.statuses, answer, names=expect.names and substitute(expect.names, values), xml=xml
                ),
            )
        first = answers[0]
        for n, again in enumerate(answers[1:], start=2):
            if again.status != first.status and first.status < 500:
                self.report.fail(
                    f"{case.label} (send {n})",
                    again,
                    [f"a repeat answered {again.status} after {first.status}"],
                )
            elif 200 <= first.status < 300 and again.header("Idempotent-Replayed").lower() != "true":
                self.report.fail(
                    f"{case.label} (send {n})", again, ["a repeat with the same key was not a replay"]
                )
        if before is not None and expect.unchanged and any(400 <= a.status < 500 for a in answers):
            after = self.read(case.label, Read(expect.unchanged), values)
            if (after.status, after.text) != (before.status, before.text):
                self.report.fail(
                    case.label, first, [f"refused, but {substitute(expect.unchanged, values)} changed"]
                )
        made = created_id(first)
        if made is not None:
            values["created"] = made
        for read in self.rereads(case, made) + list(expect.then):
            if ref("created") in read.path and made is None:
                continue
            asked = f"{read.method} {substitute(read.path, values)}"
            if read.body is not None:
                asked += f" {json.dumps(read.body)}"
            label = f"{case.label} -> then {asked}" + (" as XML" if read.xml else "")
            answer = self.read(label, read, values)
            self.report.fail(label, answer, judge(read.statuses, answer, xml=read.xml))
        if expect.applied_once is not None:
            self.check_once(case, answers, values)

    def rereads(self, case: Case, made: str | None) -> list[Read]:
        """A created order read back (a stored value must read): by id, and the distribution's as XML."""
        if made is None:
            return []
        if (case.method, case.route) == CREATE:
            return [Read(f"/orders/{TENANT}/{ref('created')}?consistentRead=true")]
        if (case.method, case.route) == PLACE:
            return [Read(f"/distribution/orders/{ref('created')}", headers=XML_ACCEPT, xml=True)]
        return []

    def check_once(self, case: Case, answers: list[Answer], values: Mapping[str, str]) -> None:
        assert case.expect.applied_once is not None
        path, value = case.expect.applied_once
        answer = self.read(case.label, Read(path), values)
        try:
            recipients = json.loads(answer.text).get("additional_email_confirmation_recipients") or []
        except (ValueError, AttributeError):
            recipients = []
        count = recipients.count(value)
        if any(200 <= a.status < 300 for a in answers):
            wrong, expected = count != 1, "once"
        elif all(400 <= a.status < 500 for a in answers):
            wrong, expected = count != 0, "never: the batch was refused"
        else:  # no answer or a 5xx: each is already a failure; a retry must still not apply it again
            wrong, expected = count > 1, "at most once"
        if answer.status != 200 or wrong:
            self.report.fail(
                case.label, answer, [f"the batch's patch applied {count} times (expected {expected})"]
            )


def post(base: str, key: str, path: str, body: Any) -> tuple[int, Any, dict[str, str]]:
    answer = send(base, key, "POST", path, json_bytes(body), {"Content-Type": JSON_MEDIA})
    try:
        value = json.loads(answer.text)
    except ValueError:
        value = answer.text
    if answer.status not in (200, 201):
        raise SystemExit(
            f"cannot seed the boundary cases: POST {path} -> {answer.status} {answer.text[:300]}"
        )
    return answer.status, value, dict(answer.headers)


def seed(base: str, key: str) -> dict[str, str]:
    """The edge tenant's fixtures (`FIXTURES`): its orders, two fulfilled (each with its fulfillment),
    a distribution order and a refund reason for the lookups."""
    fixtures = {"missing": MISSING_ORDER}
    for name in ("open", "scratch", "keyed"):
        fixtures[name] = post(base, key, f"/orders/{TENANT}", order_body("edge-party"))[1]["id"]
    for name, token, fulfillment in (
        ("fulfilled_order", "token", "fulfillment"),
        ("spare", "spare_token", "spare_fulfillment"),
    ):
        _, order, _ = post(base, key, f"/orders/{TENANT}", order_body("edge-party"))
        fixtures[name], fixtures[token] = order["id"], order["token"]
        _, _, headers = post(
            base, key, f"/orders/{TENANT}/{order['id']}/fulfill", {"tracking_number": f"EDGE-{name}"}
        )
        location = next((v for k, v in headers.items() if k.lower() == "location"), "")
        fixtures[fulfillment] = location.rsplit("/", 1)[-1]
    fixtures["dist"] = post(base, key, "/distribution/orders", distribution_order("EDGE-DIST-0001"))[1][
        "order"
    ]["id"]
    send(
        base,
        key,
        "PUT",
        f"/orders/{TENANT}/refund-reasons/EdgeReason",
        json_bytes({"description": "edge"}),
        {"Content-Type": JSON_MEDIA},
    )
    return fixtures


def run(
    base: str,
    key: str,
    document: Mapping[str, Any],
    *,
    quick: bool = False,
    families: Sequence[str] | None = None,
) -> Report:
    """Seed the edge tenant, send every case (QUICK: the marked subset) and judge it; a document
    operation no case sends to is a failure."""
    fixtures = seed(base, key)
    cases = generate(document, Bounds.of_service(), quick=quick, families=families)
    runner = Runner(base, key, document, fixtures)
    if families is None:
        for method, route in uncovered(document, generate(document, Bounds.of_service())):
            runner.report.failures.append(
                {"case": f"coverage: {method} {route}", "status": 0, "detail": "no boundary case sends to it"}
            )
    for case in cases:
        runner.run(case)
    return runner.report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.fuzz_boundaries", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="the QUICK subset (one or more of each family)")
    parser.add_argument(
        "--family", action="append", choices=FAMILIES, help="only these families (repeatable)"
    )
    parser.add_argument("--output", help="write the failures as JSON here")
    parser.add_argument("--verbose", action="store_true", help="print every request: status, seconds, case")
    args = parser.parse_args(argv)
    from local import stream_replay
    from local.fuzz import stream_consumer
    from local.harness import running_api

    key = f"fuzz-edge-{uuid.uuid4().hex}"
    with running_api("edge", {key: TENANT}) as api:
        # As in `make fuzz`: the stream consumer publishes its events to a recorder, not to EventBridge.
        stream_replay.install_publisher(stream_replay.RecordingPublisher())
        with stream_consumer(api):
            report = run(api.base_url, key, api.gateway.openapi(), quick=args.quick, families=args.family)
    if args.verbose:
        print("\n".join(report.log) + "\n")
    for failure in report.failures:
        print(f"{failure['case']}\n    {failure['status']} {failure['detail']}")
    print(
        f"\n{report.cases} boundary cases, {report.requests} requests, {len(report.failures)} failures "
        f"({report.server_errors} server errors); slowest {report.max_seconds:.2f} s: {report.slowest}"
    )
    if args.output:
        Path(args.output).write_text(json.dumps(report.failures, indent=2) + "\n", encoding="utf-8")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
