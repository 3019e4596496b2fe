"""Issue 21's "Done when", end to end on `make serve`: the source APIs' own dialects driven by the
seeds' own requests and checked against the seeds' own responses (theatre: seeds 000 and 001;
distribution: seed 004), over real HTTP, on one runner for the module.

The seeds are read from ../shared/seeds when it exists, else from the copies in tests/seeds/
(tests/unit/test_seed_copies.py keeps those equal). Nothing here is typed out from a seed by hand:
request lines, bodies, curl headers, response members and the Order data example's attribute names
are parsed from the seed text.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import pytest
from defusedxml.ElementTree import fromstring

from tests.helpers import ROOT
from tests.integration.test_make_serve import Server

SHARED_SEEDS = ROOT.parent / "shared" / "seeds"
VENDORED_SEEDS = ROOT / "tests" / "seeds"

THEATRE_KEY = "key-theatre-0123456789"
DISTRIBUTION_KEY = "key-distribution-0123456789"
ATTACKED_KEY = "key-attacked-0123456789"
KEYS = f"tenant-t:{THEATRE_KEY},tenant-d:{DISTRIBUTION_KEY},tenant-x:{ATTACKED_KEY}"
THEATRE = {"Authorization": THEATRE_KEY}

UTC_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
REL = "https://api.amctheatres.com/rels"
PASSBOOK_REL = f"{REL}/v1/passbook-ticket"


# ------------------------------------------------------------------ the seeds
def seed_text(prefix: str) -> str:
    directory = SHARED_SEEDS if SHARED_SEEDS.is_dir() else VENDORED_SEEDS
    [path] = sorted(directory.glob(f"{prefix}_*.txt"))
    return path.read_text(encoding="utf-8")


@dataclass
class SeedExchange:
    """One request the seed shows: its line, its JSON body, the status and JSON answer it shows."""

    method: str
    path: str
    body: dict[str, Any] | None = None
    status: int | None = None
    response: dict[str, Any] | None = None


REQUEST_LINE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (/\S+)$")
STATUS_LINE = re.compile(r"^HTTP/1\.1 (\d{3})\b")


def seed_exchanges(text: str) -> list[SeedExchange]:
    """The seed's requests in order. A JSON object starting a line after a request line is that
    request's body (POST/PUT) or its answer (GET); `HTTP/1.1 200 OK` is the status it shows."""
    decoder = json.JSONDecoder()
    found: list[SeedExchange] = []
    for line in text.splitlines():
        stripped = line.strip()
        if request := REQUEST_LINE.match(stripped):
            found.append(SeedExchange(request[1], request[2]))
        elif found and (status := STATUS_LINE.match(stripped)):
            found[-1].status = int(status[1])
        elif found and stripped.startswith("{"):
            value, _end = decoder.raw_decode(stripped)
            if found[-1].method == "GET":
                found[-1].response = value
            else:
                found[-1].body = value
    return found


def seed_exchange(exchanges: list[SeedExchange], method: str, path_pattern: str) -> SeedExchange:
    matching = [e for e in exchanges if e.method == method and re.fullmatch(path_pattern, e.path)]
    assert len(matching) == 1, (method, path_pattern, exchanges)
    return matching[0]


def answer_of(exchange: SeedExchange) -> dict[str, Any]:
    assert exchange.response is not None, exchange
    return exchange.response


@dataclass(frozen=True)
class SeedCurl:
    label: str  # "JSON" or "XML": the heading the seed writes it under
    method: str
    headers: dict[str, str]
    url: str
    body: str | None


CURL = re.compile(
    r"""curl -k -X (?P<method>[A-Z]+)(?P<headers>(?: -H "[^"]*")+) (?P<quote>['"])(?P<url>[^'"]+)(?P=quote)"""
    r"""(?: -d '(?P<body>[^']*)')?"""
)


def seed_curls(text: str) -> list[SeedCurl]:
    curls = []
    for found in CURL.finditer(text):
        before = text[: found.start()]
        label = "XML" if before.rfind("\nXML\n") > before.rfind("\nJSON\n") else "JSON"
        headers = dict(re.findall(r'-H "([^:"]+): ([^"]*)"', found["headers"]))
        curls.append(SeedCurl(label, found["method"], headers, found["url"], found["body"]))
    return curls


def seed_curl(curls: list[SeedCurl], method: str, label: str) -> SeedCurl:
    [curl] = [c for c in curls if c.method == method and c.label == label]
    return curl


def order_data_example(text: str) -> tuple[list[str], list[str]]:
    """(the order's attribute names, the shipping address's) from the seed's Order data example, read
    from its XML form and checked against its JSON form (not valid JSON: `[OrderItem, ...]`;
    indented with no-break spaces)."""
    example = re.search(r"<order>.*?</order>", text, re.DOTALL)
    assert example is not None
    root = fromstring(example[0])
    names = [child.tag for child in root]
    address = root.find("shipping_address")
    assert address is not None
    json_example = text[text.index("JSON\n\n{") : example.start()]
    assert re.findall(r'^\s{4}"(\w+)":', json_example, re.MULTILINE) == names
    return names, [child.tag for child in address]


SEED_000 = seed_exchanges(seed_text("000"))
SEED_001 = seed_exchanges(seed_text("001"))
SEED_004_TEXT = seed_text("004")
SEED_004_CURLS = seed_curls(SEED_004_TEXT)
ORDER_ATTRIBUTES, ADDRESS_ATTRIBUTES = order_data_example(SEED_004_TEXT)

#: Theatre members the service computes: never sent in a payload, compared with the seed's instead.
PRODUCT_COMPUTED = {"sku", "quantity", "status", "cost", "tax", "name", "lineItemNumber", "refundDateUtc"}
ORDER_COMPUTED = {
    *("id", "number", "status", "createdDateUtc", "total", "subtotal", "paid", "savings", "token"),
    *("fees", "_embedded", "refundedPayments", "messages", "_links", "expirationDateUtc"),
}
#: The native API takes payment tokens, never card numbers: the theatre order cannot show them.
UNKNOWABLE_PAYMENT_MEMBERS = {"cardNumberLast4"}


def native_line(product: Mapping[str, Any]) -> dict[str, Any]:
    """A native line like the seed's product: what the domain has no place for in `payload`
    (its `_links` too, but for `self`, which the service writes)."""
    extra = {k: v for k, v in product.items() if k not in PRODUCT_COMPUTED}
    links = {rel: value for rel, value in extra.pop("_links", {}).items() if rel != "self"}
    quantity = product.get("quantity", 1)
    line: dict[str, Any] = {
        "sku": product["sku"],
        "description": product["name"],
        "quantity": quantity,
        "unit_price": product["cost"],
        "payload": {**extra, "_links": links},
    }
    if "tax" in product:
        line["taxes"] = round(product["tax"] * quantity, 2)
    return line


def native_order(seed_order: Mapping[str, Any], products: list[Mapping[str, Any]]) -> dict[str, Any]:
    """A native create body for an order like the seed's: its products, its `fees` as fee lines,
    its own members in `payload`, its expiration, and a payment of the seed's type."""
    fees = [
        {"type": "fee", "description": "Fee", "quantity": fee["quantity"], "unit_price": fee["amount"]}
        for fee in seed_order.get("fees", [])
    ]
    return {
        "line_items": [native_line(p) for p in products] + fees,
        "payload": {k: v for k, v in seed_order.items() if k not in ORDER_COMPUTED},
        "expiration_date": seed_order["expirationDateUtc"],
        "payment_info": {"type": seed_order["_embedded"]["payments"][0]["type"]},
    }


def without(value: Mapping[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in value.items() if k not in names}


def instant(text: str) -> dt.datetime:
    """A UTC time as an instant: the seeds write `.56Z` where this service writes `.560Z`."""
    assert UTC_TIME.match(text), text
    return dt.datetime.fromisoformat(text)


def texts(value: Any) -> Any:
    """A value with its numbers as XML carries them (text), to compare a JSON answer with an XML one."""
    if isinstance(value, dict):
        return {k: texts(v) for k, v in value.items()}
    if isinstance(value, list):
        return [texts(v) for v in value]
    return value if value is None or isinstance(value, str) else str(value)


def depth(element: Element) -> int:
    return 1 + max((depth(child) for child in element), default=0)


# ------------------------------------------------------------------ the runner
@dataclass(frozen=True)
class Raw:
    """An answer as sent: the dialects answer XML too, which Server.request would not read."""

    status: int
    headers: dict[str, str]
    text: str

    @property
    def media(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip()

    def json(self) -> Any:
        return json.loads(self.text)

    def xml(self) -> Element:
        return fromstring(self.text)


def send(
    server: Server, method: str, path: str, body: str | None = None, headers: Mapping[str, str] | None = None
) -> Raw:
    data = body.encode("utf-8") if body is not None else None
    req = urllib.request.Request(server.url + path, data=data, method=method, headers=dict(headers or {}))  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - loopback
            raw, status, got = resp.read(), resp.status, dict(resp.headers)
    except urllib.error.HTTPError as error:
        raw, status, got = error.read(), error.code, dict(error.headers)
    return Raw(status, {k.lower(): v for k, v in got.items()}, raw.decode("utf-8"))


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("dialects") / "local-data", keys=KEYS)
    yield running
    running.stop()


def create_native(server: Server, body: dict[str, Any]) -> dict[str, Any]:
    created = server.request("POST", "/orders/tenant-t", body, **THEATRE)
    assert created.status == 201, created.body
    order: dict[str, Any] = created.body
    return order


def tenant_orders(server: Server, tenant: str, key: str) -> set[tuple[str, str | None]]:
    """(id, purchase_order_number) of every order of the tenant, by the native list."""
    listed = server.request("GET", f"/orders/{tenant}?limit=100", Authorization=key)
    assert listed.status == 200, listed.body
    assert listed.body["LastEvaluatedKey"] is None
    return {(item["id"], item.get("purchase_order_number")) for item in listed.body["Items"]}


# ------------------------------------------------------------------ theatre (seeds 000, 001)
def test_given_an_order_like_seed_000s_when_fulfilled_as_the_seed_does_then_get_answers_the_seeds_shape(
    serve: Server,
) -> None:
    fulfil = seed_exchange(SEED_000, "POST", r"/v3/orders/\d+/fulfill")
    seed_id = fulfil.path.split("/")[3]
    get = seed_exchange(SEED_000, "GET", rf"/v3/orders/{seed_id}")
    seed = answer_of(get)
    [seed_product] = seed["_embedded"]["products"]
    [seed_payment] = seed["_embedded"]["payments"]
    # GIVEN an order created natively like the seed's: 2 x ADULT Ticket, a fee line, a Visa payment
    created = create_native(serve, native_order(seed, [seed_product]))
    order_id = created["id"]

    # WHEN it is fulfilled by the seed's own request
    fulfilled = serve.request("POST", fulfil.path.replace(seed_id, order_id), **THEATRE)
    assert fulfilled.status == fulfil.status == 200, fulfilled.body
    assert fulfilled.body["status"] == "Fulfilled"
    # AND read by the seed's own request
    got = serve.request("GET", get.path.replace(seed_id, order_id), **THEATRE)
    assert got.status == 200, got.body
    order = got.body

    # THEN it has every member the seed's answer has (none is left out: the seed's token and
    # createdDateUtc are the service's own here, and checked for form below)
    assert set(seed) - set(order) == set()
    for name in ("status", "total", "subtotal", "paid", "fees", "expirationDateUtc"):
        assert order[name] == seed[name], name
    assert (order["status"], order["total"], order["subtotal"], order["paid"]) == (
        "Fulfilled",
        30.5,
        27.5,
        30.5,
    )
    assert order["fees"] == [{"amount": 1.5, "quantity": 2, "waived": False}]
    for name in ("email", "confirmationUrl", "paymentOptions"):
        assert order[name] == seed[name], name
    assert order["token"] == created["token"]
    assert UTC_TIME.match(order["createdDateUtc"])
    # AND its product is the seed's product: the same members with the same values
    [product] = order["_embedded"]["products"]
    for name, value in seed_product.items():
        if name != "_links":
            assert product.get(name) == value, name
    assert product["status"] == "Fulfilled"
    # (the service's own links: `self`, and the ticket's signed pass, which this fulfilled ticket admits)
    assert product["_links"] == {
        **seed_product["_links"],
        "self": {"href": f"{serve.url}/v3/orders/{order_id}/products/1", "templated": False},
        PASSBOOK_REL: {"href": f"{serve.url}/v3/orders/{order_id}/products/1/passbook", "templated": False},
    }
    # AND its payment is the seed's, settled, with an absolute self link
    [payment] = order["_embedded"]["payments"]
    assert without(payment, "_links", "lineItemNumber") == without(seed_payment, "_links")
    assert payment["status"] == "Settled"
    assert payment["_links"] == {
        "self": {"href": f"{serve.url}/v3/orders/{order_id}/payments/1", "templated": False}
    }
    # AND the links are absolute, on this server, not templated
    assert set(seed["_links"]) <= set(order["_links"])
    assert order["_links"]["self"] == {"href": f"{serve.url}/v3/orders/{order_id}", "templated": False}


def test_given_three_fulfilled_tickets_when_checked_and_refunded_by_token_as_seed_001_does_then_refunded(
    serve: Server,
) -> None:
    will_call = seed_exchange(SEED_001, "GET", r"/v1/orders/token-[^/]+/will-call-check")
    reasons = seed_exchange(SEED_001, "GET", r"/v1/refund-reasons")
    refund = seed_exchange(SEED_001, "POST", r"/v1/orders/token-[^/]+/refunds")
    get = seed_exchange(SEED_001, "GET", r"/v3/orders/token-[^/]+")
    seed_token = will_call.path.split("/")[3].removeprefix("token-")
    seed_checked, seed_reasons, seed = answer_of(will_call), answer_of(reasons), answer_of(get)
    seed_products = seed["_embedded"]["products"]
    seed_tickets = [p for p in seed_products if p["status"] == "Fulfilled"]
    seed_refunds = [p for p in seed_products if p["status"] == "Refunded"]
    assert refund.body is not None
    assert refund.body == {"refundReasonName": "ChangedMindCannotMakeShow", "lineNumbers": [1, 2]}

    # GIVEN an order of the seed's three single tickets (10.91 + tax 0.92 each), fulfilled
    created = create_native(serve, native_order(seed, seed_tickets))
    assert created["total"] == 35.49
    assert serve.request("POST", f"/v3/orders/{created['id']}/fulfill", **THEATRE).status == 200
    token = created["token"]

    def ours(seed_path: str) -> str:
        # The seed's tokens are GUIDs, written in upper and lower case. This service's tokens are
        # case-sensitive (base64url; the upper-cased token is a 404), so the token goes as issued.
        return re.sub(re.escape(seed_token), token, seed_path, flags=re.IGNORECASE)

    links = {
        "self": {"href": f"{serve.url}/v1/orders/token-{token}/will-call-check", "templated": False},
        "refund": {"href": f"{serve.url}/v1/orders/token-{token}/refunds", "templated": False},
    }

    # WHEN the guest checks will-call
    checked = serve.request("GET", ours(will_call.path), **THEATRE)
    # THEN all three lines are refundable, in the seed's members exactly
    assert checked.status == 200, checked.body
    refundable = seed_checked["lineItems"][0]
    assert checked.body["lineItems"] == [{**refundable, "lineNumber": n} for n in (1, 2, 3)]
    assert checked.body["lineItems"][:2] == seed_checked["lineItems"][:2]
    assert set(checked.body["_links"]) == set(seed_checked["_links"])
    assert checked.body["_links"] == links

    # WHEN the refund reasons are read
    listed = serve.request("GET", reasons.path, **THEATRE)
    # THEN they are the seed's, all of them, in its order
    assert listed.status == 200, listed.body
    assert listed.body["refundReasons"] == seed_reasons["refundReasons"]
    assert len(listed.body["refundReasons"]) == 9
    assert listed.body["_links"] == {"self": {"href": f"{serve.url}/v1/refund-reasons", "templated": False}}

    # WHEN lines 1 and 2 are refunded with the seed's own body
    refunded = serve.request("POST", ours(refund.path), refund.body, **THEATRE)
    # THEN the seed's 200, and will-call says they are refunded, in the seed's words
    assert refunded.status == refund.status == 200, refunded.body
    assert refunded.body["status"] == "PartiallyRefunded"
    after = serve.request("GET", ours(will_call.path), **THEATRE).body
    seed_refunded = seed_checked["lineItems"][2]
    assert seed_refunded["nonRefundableReason"] == "The product has already been refunded."
    for line in after["lineItems"][:2]:
        # (the service also shows `pickedUp` on a refunded line, where the seed leaves it out)
        assert without(line, "pickedUp") == {**seed_refunded, "lineNumber": line["lineNumber"]}
    assert after["lineItems"][2] == {**refundable, "lineNumber": 3}

    # WHEN line 3 is refunded too, and the order is read by the seed's request
    last = serve.request("POST", ours(refund.path), {**refund.body, "lineNumbers": [3]}, **THEATRE)
    assert last.status == 200, last.body
    got = serve.request("GET", ours(get.path), **THEATRE)
    assert got.status == 200, got.body
    order = got.body

    # THEN it is refunded, with every member the seed's answer has and the seed's values
    assert set(seed) - set(order) == set()
    for name in ("status", "total", "subtotal", "paid", "savings", "messages", "email", "paymentOptions"):
        assert order[name] == seed[name], name
    assert (order["status"], order["total"], order["paid"]) == ("Refunded", 0, 0)
    assert instant(order["expirationDateUtc"]) == instant(seed["expirationDateUtc"])
    # AND it has 6 products: the 3 tickets, fulfilled, with the seed's members (values: at the end) ...
    products = order["_embedded"]["products"]
    assert [p["status"] for p in products] == ["Fulfilled"] * 3 + ["Refunded"] * 3
    for product, seed_product in zip(products[:3], seed_tickets, strict=True):
        assert set(seed_product) <= set(product)
        for name in ("sku", "status", "cost", "tax", "name", "lineItemNumber", "theatre", "movie", "token"):
            assert product[name] == seed_product[name], name
        # (every unit refunded: no pass admits anyone, so the seed's passbook link is not the service's)
        seed_links = {rel: link for rel, link in seed_product["_links"].items() if rel != PASSBOOK_REL}
        assert product["_links"] == {
            **seed_links,
            "self": {
                "href": f"{serve.url}/v3/orders/{created['id']}/products/{product['lineItemNumber']}",
                "templated": False,
            },
        }
    # ... and 3 refund products, named and priced as the seed's, each with its refund date
    for product, seed_product in zip(products[3:], seed_refunds, strict=True):
        for name in ("sku", "status", "cost", "tax", "name", "lineItemNumber"):
            assert product[name] == seed_product[name], name
        assert product["name"] == "Refund for ADULT Ticket"
        assert UTC_TIME.match(product["refundDateUtc"])
    # AND the payment was settled, then given back in Voided (negative) entries, as refundedPayments
    payments = order["_embedded"]["payments"]
    [seed_settled, seed_voided, *_] = seed["_embedded"]["payments"]
    assert (payments[0]["status"], payments[0]["amount"]) == ("Settled", 35.49)
    assert set(seed_settled) - UNKNOWABLE_PAYMENT_MEMBERS <= set(payments[0])
    voided = [p for p in payments if p["status"] == "Voided"]
    assert len(voided) == 2
    assert all(p["amount"] < 0 for p in voided)
    assert round(sum(p["amount"] for p in payments), 2) == 0
    for payment in voided:
        assert set(seed_voided) - UNKNOWABLE_PAYMENT_MEMBERS <= set(payment)
        assert UTC_TIME.match(payment["refundDateUtc"])
    assert order["refundedPayments"]
    for entry in order["refundedPayments"]:
        assert set(seed["refundedPayments"][0]) - UNKNOWABLE_PAYMENT_MEMBERS <= set(entry)
    assert round(sum(entry["amount"] for entry in order["refundedPayments"]), 2) == 35.49
    # AND its links carry the seed's relations, on this server, by token
    assert set(seed["_links"]) <= set(order["_links"])
    assert order["_links"][f"{REL}/v1/order-will-call-check"] == links["self"]
    assert order["_links"][f"{REL}/v1/order-self-service-refund"] == links["refund"]
    # AND each ticket shows every member the seed's ticket shows, with the values sent for it.
    # (Found by this test and fixed: a fractional number in a line's `payload` came back as a string,
    # `"cost": "1.92"`, natively and here; a payload's numbers are now stored and answered as numbers.)
    for product, seed_product in zip(products[:3], seed_tickets, strict=True):
        assert without(product, "_links") == {**without(seed_product, "_links"), "quantity": 1}


def test_given_a_refunded_ticket_when_read_as_theatre_order_then_its_refund_product_has_the_tickets_members(
    serve: Server,
) -> None:
    refund = seed_exchange(SEED_001, "POST", r"/v1/orders/token-[^/]+/refunds")
    seed = answer_of(seed_exchange(SEED_001, "GET", r"/v3/orders/token-[^/]+"))
    seed_ticket, seed_refund = seed["_embedded"]["products"][0], seed["_embedded"]["products"][3]
    assert refund.body is not None
    # GIVEN one of seed 001's tickets, fulfilled and refunded by token
    created = create_native(serve, native_order(seed, [seed_ticket]))
    token = created["token"]
    assert serve.request("POST", f"/v3/orders/{created['id']}/fulfill", **THEATRE).status == 200
    body = {**refund.body, "lineNumbers": [1]}
    assert serve.request("POST", f"/v1/orders/token-{token}/refunds", body, **THEATRE).status == 200
    # WHEN the order is read as a theatre order
    got = serve.request("GET", f"/v3/orders/token-{token}", **THEATRE)
    assert got.status == 200, got.body
    [_ticket, refund_product] = got.body["_embedded"]["products"]
    assert refund_product["status"] == "Refunded"
    # THEN the refund product is the seed's "Refund for ADULT Ticket": it names the refunded ticket's
    # theatre, movie, show time, confirmation code, token, ... as seed 001's refund products do.
    # (Found by this test and fixed: a refund product showed only the computed members; it now shows
    # the refunded line's payload members, as dialects.theatre.product reads the parent's payload.)
    missing = set(seed_refund) - set(refund_product)
    assert missing == set(), f"refund product lacks the seed's members {sorted(missing)}"
    for name in ("theatre", "movie", "showDateTime", "performanceNumber", "confirmationCode", "token"):
        assert refund_product[name] == seed_ticket[name], name


# ------------------------------------------------------------------ distribution (seed 004)
def distribution_headers(curl: SeedCurl, key: str = DISTRIBUTION_KEY) -> dict[str, str]:
    """The curl's own headers, with a real key for its `<your key>`."""
    assert curl.headers["X-ADILITY-API-KEY"] == "<your key>"
    return {**curl.headers, "X-ADILITY-API-KEY": key}


def distribution_path(curl: SeedCurl, order_id: str | None = None) -> str:
    """The curl's path on this service: the seed's `/distribution/beta` stage is `/distribution`."""
    path = urlsplit(curl.url).path.replace("/distribution/beta/", "/distribution/")
    return path.replace("<order id>", order_id) if order_id is not None else path


def place_body(curl: SeedCurl, order_number: str, offer_id: str) -> str:
    """The curl's body with real values for its placeholders."""
    assert curl.body is not None
    body = curl.body.replace("<order number>", order_number)
    filled = body.replace("<id string>", offer_id).replace("[valid offer id]", offer_id)
    assert filled != body, "the seed's body names no offer placeholder"
    return filled


def order_view(reply: Raw) -> dict[str, Any]:
    """The answer's `order`, from JSON or from XML (`<order>`, `<items><item>`, `nil="true"`)."""
    if reply.media == "application/json":
        body = reply.json()
        assert list(body) == ["order"]
        order: dict[str, Any] = body["order"]
        return order
    assert reply.media == "application/xml", reply
    root = reply.xml()
    assert root.tag == "order"

    def value(element: Element) -> Any:
        if element.get("nil") == "true":
            return None
        if element.tag in ("items", "shipments", "vouchers"):
            assert {child.tag for child in element} <= {element.tag[:-1]}
            return [value(child) for child in element]
        if not len(element):
            return element.text or ""
        return {child.tag: value(child) for child in element}

    return {child.tag: value(child) for child in root}


@pytest.mark.parametrize("label", ["JSON", "XML"])
def test_given_seed_004s_curls_when_an_order_is_placed_read_and_cancelled_then_each_answers_in_its_media_type(
    serve: Server, label: str
) -> None:
    place, get, cancel = (seed_curl(SEED_004_CURLS, method, label) for method in ("POST", "GET", "PUT"))
    assert len(SEED_004_CURLS) == 6
    offer_id = f"offer-deal-{label.lower()}"
    body = place_body(place, f"seed-004-{label.lower()}-1", offer_id)
    headers = distribution_headers(place)
    media = headers["Accept"]

    # WHEN the seed's place request is sent as its curl sends it
    placed = send(serve, "POST", distribution_path(place), body, headers)
    # THEN 201, in the media type asked for, with every attribute of the seed's Order data example
    assert placed.status == 201, placed.text
    assert placed.media == media
    order = order_view(placed)
    order_id = order["id"]
    assert placed.headers["location"] == distribution_path(get, order_id)
    assert set(ORDER_ATTRIBUTES) <= set(order)
    quantity: Any = 2 if label == "JSON" else "2"
    assert order["items"] == [{"offer_id": offer_id, "quantity": quantity}]
    # (the seed's XML body carries its own order number; its JSON body a placeholder)
    number = re.search(r"<order_number>(.*?)</order_number>", body) or re.search(
        r'"order_number": "(.*?)"', body
    )
    assert number is not None
    assert order["order_number"] == number[1]
    assert (order["status"], order["account_id"], order["customer_name"]) == (
        "active",
        "tenant-d",
        "John Smith",
    )
    assert UTC_TIME.match(order["purchased_at"])
    assert order["shipping_address"] is None  # the seed's bodies send none
    assert order["shipments"] == []
    if label == "XML":
        items = placed.xml().find("items")
        assert items is not None
        assert [item.tag for item in items] == ["item"]

    # WHEN the same order number is placed again with the same body
    again = send(serve, "POST", distribution_path(place), body, headers)
    # THEN the first answer is replayed: the same order
    assert again.status == 201, again.text
    assert again.headers.get("idempotent-replayed") == "true"
    assert order_view(again)["id"] == order_id
    # AND with another body it is a 409
    other = send(
        serve, "POST", distribution_path(place), body.replace(offer_id, f"{offer_id}-other"), headers
    )
    assert other.status == 409, other.text

    # WHEN the order is read by the seed's get request, in the same media type
    got = send(serve, "GET", distribution_path(get, order_id), None, distribution_headers(get))
    assert got.status == 200, got.text
    assert got.media == media
    assert order_view(got) == order

    # WHEN it is cancelled by the seed's cancel request (its XML body labelled application/json)
    assert cancel.body is not None
    if label == "XML":
        assert cancel.body.startswith("<?xml")
        assert cancel.headers["Content-Type"] == "application/json"
    cancelled = send(
        serve, "PUT", distribution_path(cancel, order_id), cancel.body, distribution_headers(cancel)
    )
    # THEN it answers as the curl's Accept asks, the order cancelled
    assert cancelled.status == 200, cancelled.text
    assert cancelled.media == cancel.headers["Accept"]
    assert texts(order_view(cancelled)) == texts({**order, "status": "cancelled"})
    later = send(serve, "GET", distribution_path(get, order_id), None, distribution_headers(get))
    assert order_view(later)["status"] == "cancelled"


def test_given_a_shipping_address_in_the_seeds_names_when_placed_then_it_is_answered_in_those_names(
    serve: Server,
) -> None:
    place = seed_curl(SEED_004_CURLS, "POST", "JSON")
    body = json.loads(place_body(place, "seed-004-address-1", "offer-1"))
    address = {name: f"{name} value" for name in ADDRESS_ATTRIBUTES}
    body["order"]["shipping_address"] = address
    # WHEN the seed's JSON place body also carries a shipping address named as the seed's data example
    placed = send(serve, "POST", distribution_path(place), json.dumps(body), distribution_headers(place))
    # THEN the order answers it in exactly those names
    assert placed.status == 201, placed.text
    assert order_view(placed)["shipping_address"] == address
    assert list(address) == ["address_line_1", "address_line_2", "city", "state_code", "postal_code"]


ITEM = "<items><item><offer_id>offer-1</offer_id><quantity>1</quantity></item></items>"
LAUGHS = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(2, 10))
ATTACKS = {
    "billion laughs": (
        f'<?xml version="1.0"?><!DOCTYPE order [<!ENTITY lol1 "lol">{LAUGHS}]>'
        f"<order><order_number>&lol9;</order_number><customer_name>John Smith</customer_name>{ITEM}</order>",
        "DTD",
    ),
    "external entity": (
        '<?xml version="1.0"?><!DOCTYPE order [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        f"<order><order_number>&xxe;</order_number><customer_name>John Smith</customer_name>{ITEM}</order>",
        "DTD",
    ),
    "50 levels deep": (
        "<order><order_number>deep-attack-1</order_number><customer_name>John Smith</customer_name>"
        f"{ITEM}<shipping_address>{'<city>' * 48}Springfield{'</city>' * 48}</shipping_address></order>",
        "nested deeper",
    ),
}


@pytest.mark.parametrize("accept", ["application/xml", "application/json"])
@pytest.mark.parametrize("attack", list(ATTACKS))
def test_given_hostile_xml_when_placed_then_400_in_the_asked_media_type_and_nothing_changes(
    serve: Server, attack: str, accept: str
) -> None:
    document, reason = ATTACKS[attack]
    if attack == "50 levels deep":
        assert depth(fromstring(document)) == 50  # (parsed here by defusedxml: it has no DTD)
    before = tenant_orders(serve, "tenant-x", ATTACKED_KEY)
    # WHEN the document is placed as XML
    headers = {"Content-Type": "application/xml", "Accept": accept, "X-ADILITY-API-KEY": ATTACKED_KEY}
    reply = send(serve, "POST", "/distribution/orders", document, headers)
    # THEN a 400, as a problem in the media type asked for, saying why
    assert reply.status == 400, reply.text
    if accept == "application/xml":
        assert reply.media == "application/problem+xml"
        problem = reply.xml()
        assert problem.tag == "{urn:ietf:rfc:7807}problem"
        assert problem.findtext("{urn:ietf:rfc:7807}status") == "400"
        detail = problem.findtext("{urn:ietf:rfc:7807}detail") or ""
    else:
        assert reply.media == "application/problem+json"
        assert reply.json()["status"] == 400
        detail = reply.json()["detail"]
    assert reason in detail
    assert "root:" not in reply.text  # nothing of /etc/passwd
    # AND nothing changed: the tenant's orders are the same, none with the document's order number
    after = tenant_orders(serve, "tenant-x", ATTACKED_KEY)
    assert after == before
    numbers = {number or "" for _id, number in after}
    assert "deep-attack-1" not in numbers
    assert not any("lol" in number or "root:" in number for number in numbers)


def test_given_an_active_order_when_a_cancel_hides_its_status_in_an_entity_then_400_and_it_stays_active(
    serve: Server,
) -> None:
    place = seed_curl(SEED_004_CURLS, "POST", "JSON")
    headers = distribution_headers(place, ATTACKED_KEY)
    placed = send(
        serve, "POST", "/distribution/orders", place_body(place, "entity-cancel-1", "offer-1"), headers
    )
    assert placed.status == 201, placed.text
    order_id = placed.json()["order"]["id"]
    path = f"/distribution/orders/{order_id}"
    for document in (
        '<?xml version="1.0"?><!DOCTYPE order [<!ENTITY s "cancelled">]><order><status>&s;</status></order>',
        '<?xml version="1.0"?><!DOCTYPE order [<!ENTITY s SYSTEM "file:///etc/passwd">]>'
        "<order><status>&s;</status></order>",
    ):
        # WHEN a cancel whose status is an entity is sent (as the seed sends XML: labelled JSON)
        reply = send(serve, "PUT", path, document, headers)
        # THEN a 400, and the order is still active
        assert reply.status == 400, reply.text
        assert reply.media == "application/problem+json"
        got = send(serve, "GET", path, None, headers)
        assert got.json()["order"]["status"] == "active"
        assert got.headers["etag"] == placed.headers["etag"]


@pytest.mark.parametrize(
    ("content_type", "accept", "status"),
    [("text/plain", "application/json", 415), ("application/json", "text/html", 406)],
)
def test_given_another_media_type_when_placing_then_415_or_406_and_nothing_changes(
    serve: Server, content_type: str, accept: str, status: int
) -> None:
    place = seed_curl(SEED_004_CURLS, "POST", "JSON")
    before = tenant_orders(serve, "tenant-x", ATTACKED_KEY)
    headers = {**distribution_headers(place, ATTACKED_KEY), "Content-Type": content_type, "Accept": accept}
    body = place_body(place, f"media-{status}", "offer-1")
    # WHEN the seed's JSON body is sent labelled text/plain, or asks for HTML back
    reply = send(serve, "POST", "/distribution/orders", body, headers)
    # THEN 415 / 406 as a problem, and no order was placed
    assert reply.status == status, reply.text
    assert reply.media == "application/problem+json"
    assert reply.json()["status"] == status
    assert tenant_orders(serve, "tenant-x", ATTACKED_KEY) == before
