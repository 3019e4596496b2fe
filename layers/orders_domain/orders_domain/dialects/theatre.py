"""The theatre API's own dialect (seeds/000, 001): the order, its products, payments and ticket
passes, its will-call check and the refund reasons in that API's shapes, and its refund request as
the domain's. Pure: no I/O (the pass signing key and the moment of issue are handed in).

What the domain has no place for travels in `payload`: the order's `payload` members (`email`,
`confirmationUrl`, `paymentOptions`, `expirationDateUtc`, ...) are members of the theatre order, a
line's (`theatre`, `movie`, `showDateTime`, `performanceNumber`, `confirmationCode`, its `_links`,
...) members of its product. What the service computes (status, amounts, numbers, links) always
wins over a payload member of the same name. A line whose `type` is `fee` is one of the order's
`fees`, not a product.

Every `_links` href the service prints resolves: a product's `self`
(`GET /v3/orders/{id}/products/{lineNumber}`) and `passbook-ticket`
(`GET .../products/{lineNumber}/passbook`, printed only where `pass_refusal` finds nothing against
it), a payment's `self` (`GET /v3/orders/{id}/payments/{n}`). Links a client sent in a line's
payload `_links` are the client's own data and are shown as they are (the seeds' `sms-ticket-
confirmation` among them: this service has no SMS channel and prints no such link itself), except
under the rels the service computes (`self`, `passbook-ticket`), where the service's own wins.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from orders_domain.domain import jsonio, lifecycle, money, refundability, status_words
from orders_domain.domain.errors import NotFound, OrdersError
from orders_domain.domain.lifecycle import LineStatus, OrderStateConflict, OrderStatus, PaymentStatus
from orders_domain.models import LineItem, Order, Payment

if TYPE_CHECKING:
    from orders_domain.models.refunds import RefundReason

#: The theatre API's link relations: a client finds its links under these names.
REL = "https://api.amctheatres.com/rels"
FEE_LINE_TYPE = "fee"
#: A ticket line's signed pass (`GET /v3/orders/{id}/products/{lineNumber}/passbook`).
PASSBOOK_REL = f"{REL}/v1/passbook-ticket"
#: The rels of a product's links the service computes: a payload's own of these names never shows.
PRODUCT_LINK_RELS = frozenset({"self", PASSBOOK_REL})
#: The largest product or payment number a path may name (as a refund's `lineNumbers`).
MAX_NUMBER = 100_000


def utc(moment: dt.datetime | None) -> str | None:
    """`2019-01-28T20:14:51.300Z`: the theatre API's UTC times (milliseconds, `Z`)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def link(href: str, *, templated: bool = False) -> dict[str, Any]:
    return {"href": href, "templated": templated}


def order_ref(order: Order, ref: str) -> str:
    """How links name the order: by token when the client came by token (the guest's way), else id."""
    return f"token-{order.token}" if ref.lower().startswith("token-") else order.id


#: Members the service computes but shows only when it has a value: never taken from a payload
#: either (a line never refunded has no `refundDateUtc`, whatever its payload says). A product's
#: `expirationDateUtc` is the ticket's own (seeds/001), a payload member; the order's is computed.
PRODUCT_COMPUTED = frozenset({"refundDateUtc"})
ORDER_COMPUTED = frozenset({"expirationDateUtc"})


def _payload(value: Mapping[str, Any] | None, computed: frozenset[str] = frozenset()) -> dict[str, Any]:
    return {name: member for name, member in (value or {}).items() if name not in computed}


def _per_unit(amount: Decimal, quantity: int, currency_code: str) -> Decimal:
    """A line amount per unit, positive (the theatre API shows `cost` and `tax` per ticket), in the
    currency's minor units when the split is not exact."""
    share = abs(amount) / (abs(quantity) or 1)
    exponent = share.as_tuple().exponent
    if isinstance(exponent, int) and -exponent <= money.minor_units(currency_code):
        return share
    return money.rounded(share, currency_code)


def _is_fee(line: LineItem) -> bool:
    return (line.type or "").lower() == FEE_LINE_TYPE


def product(line: LineItem, order: Order, base: str, payloads: Mapping[str, Any]) -> dict[str, Any]:
    """One line as a theatre product: its payload (a refund line's: the refunded line's, as seeds/001
    shows a refund with the ticket's theatre, movie and showtime; `payloads` by line id), then what
    the service holds of it."""
    payload = line.payload
    if payload is None and line.parent_line_item_id is not None:
        payload = payloads.get(line.parent_line_item_id)
    extra = _payload(payload, PRODUCT_COMPUTED)
    sent = extra.pop("_links", None)
    links = (
        {rel: value for rel, value in sent.items() if rel not in PRODUCT_LINK_RELS}
        if isinstance(sent, Mapping)
        else {}
    )
    path = product_path(order, line.line_number, base)
    links["self"] = link(path)
    if pass_refusal(order, line) is None:
        links[PASSBOOK_REL] = link(f"{path}/passbook")
    view: dict[str, Any] = {
        **extra,
        "sku": line.sku,
        "quantity": line.quantity,
        "status": status_words.THEATRE_LINE_STATUS[LineStatus(line.status)],
        "cost": line.unit_price,
        "tax": _per_unit(line.taxes, line.quantity, order.currency_code),
        "name": product_name(line),
        "lineItemNumber": line.line_number,
        "_links": links,
    }
    if line.refund_date is not None:
        view["refundDateUtc"] = utc(line.refund_date)
    return view


def product_path(order: Order, line_number: int, base: str) -> str:
    return f"{base}/v3/orders/{order.id}/products/{line_number}"


def product_name(line: LineItem) -> str:
    name = line.description or line.sku or ""
    return f"Refund for {name}" if lifecycle.is_refund_line(line) else name


def _products(order: Order, base: str) -> list[dict[str, Any]]:
    payloads = {li.order_line_item_id: li.payload for li in order.line_items}
    return [product(li, order, base, payloads) for li in order.line_items if not _is_fee(li)]


def _product_line(order: Order, line_number: int) -> LineItem:
    """The product numbered `line_number` (refund lines are products; fee lines are not); else 404."""
    for line in order.line_items:
        if line.line_number == line_number and not _is_fee(line):
            return line
    raise NotFound(f"Order {order.id} has no product {line_number}.")


def product_view(order: Order, line_number: int, base: str) -> dict[str, Any]:
    """`GET /v3/orders/{id}/products/{lineNumber}`: the product exactly as `_embedded.products` of
    `order_view` shows it; 404 when the order has no such product."""
    line = _product_line(order, line_number)
    payloads = {li.order_line_item_id: li.payload for li in order.line_items}
    return product(line, order, base, payloads)


def fee(line: LineItem) -> dict[str, Any]:
    extra = _payload(line.payload)
    return {"waived": False, **extra, "amount": line.unit_price, "quantity": line.quantity}


def payment(order: Order, number: int, entry: Payment, base: str) -> dict[str, Any]:
    """The order's payment at 1-based position `number` as a theatre payment."""
    status = PaymentStatus(entry.status)
    view: dict[str, Any] = {
        "type": entry.type,
        "amount": entry.amount,
        "balance": entry.amount if status == PaymentStatus.PENDING else Decimal(0),
        "status": status_words.THEATRE_PAYMENT_STATUS[status],
        "lineItemNumber": number,
        "_links": {"self": link(f"{base}/v3/orders/{order.id}/payments/{number}")},
    }
    if status == PaymentStatus.REFUNDED:
        view["refundDateUtc"] = utc(entry.date)
    return view


def _payments(order: Order, base: str) -> list[dict[str, Any]]:
    return [payment(order, n, entry, base) for n, entry in enumerate(order.payments, start=1)]


def payment_view(order: Order, number: int, base: str) -> dict[str, Any]:
    """`GET /v3/orders/{id}/payments/{paymentNumber}`: the payment exactly as `_embedded.payments`
    of `order_view` shows it (`number` is its 1-based position); 404 when out of range."""
    if not 1 <= number <= len(order.payments):
        raise NotFound(f"Order {order.id} has no payment {number}.")
    return payment(order, number, order.payments[number - 1], base)


def _refunded_payments(order: Order) -> list[dict[str, Any]]:
    types = {p.payment_id: p.type for p in order.payments}
    return [
        {"type": types.get(r.payment_id, ""), "amount": r.amount, "refundDateUtc": utc(r.date)}
        for r in order.refunded_payments
    ]


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, Decimal(0))


def _amounts(order: Order) -> dict[str, Decimal]:
    """`total`, `subtotal` (the products, fees left out), `paid` (net of refunds) and `savings`.
    (Keyword members: `paid` is the theatre API's amount, not a status.)"""
    return dict(  # noqa: C408 - keywords: `paid` here is an amount's name, never a status
        total=order.total,
        subtotal=_sum(li.quantity * li.unit_price for li in order.line_items if not _is_fee(li)),
        paid=order.amount_paid - order.amount_refunded,
        savings=order.discounts,
    )


def order_view(order: Order, base: str) -> dict[str, Any]:
    """`GET /v3/orders/{id}`: the order in the theatre API's shape, links absolute under `base`."""
    token_ref = f"token-{order.token}"
    products = _products(order, base)
    fees = [fee(li) for li in order.line_items if _is_fee(li)]
    view: dict[str, Any] = {
        **_payload(order.payload, ORDER_COMPUTED),
        "id": order.id,
        "number": order.number,
        "status": status_words.THEATRE_ORDER_STATUS[OrderStatus(order.status)],
        "createdDateUtc": utc(order.sys_created_at),
        **_amounts(order),
        "token": order.token,
        "fees": fees,
        "_embedded": {"products": products, "payments": _payments(order, base)},
        "refundedPayments": _refunded_payments(order),
        "messages": [],
        "_links": {
            "self": link(f"{base}/v3/orders/{order.id}"),
            f"{REL}/v1/order-will-call-check": link(f"{base}/v1/orders/{token_ref}/will-call-check"),
            f"{REL}/v1/order-self-service-refund": link(f"{base}/v1/orders/{token_ref}/refunds"),
        },
    }
    if order.expiration_date is not None:
        view["expirationDateUtc"] = utc(order.expiration_date)
    return view


def order_text(base: str) -> Callable[[Order], str]:
    """What a theatre write answers: the order as `order_view` shows it, as JSON text."""
    return lambda order: jsonio.dumps(order_view(order, base))


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def will_call_view(order: Order, ref: str, base: str) -> dict[str, Any]:
    """`GET /v1/orders/token-{token}/will-call-check`: the lifecycle's check, in camelCase."""
    path = f"{base}/v1/orders/{order_ref(order, ref)}"
    return {
        "lineItems": [
            {_camel(k): v for k, v in entry.items()} for entry in refundability.will_call_lines(order)
        ],
        "_links": {"self": link(f"{path}/will-call-check"), "refund": link(f"{path}/refunds")},
    }


def reasons_view(reasons: Iterable[RefundReason], base: str) -> dict[str, Any]:
    """`GET /v1/refund-reasons`."""
    return {
        "refundReasons": [
            {"description": r.description, "name": r.name, "typeDescription": r.type_description}
            for r in reasons
        ],
        "_links": {"self": link(f"{base}/v1/refund-reasons")},
    }


# ------------------------------------------------------------------ ticket passes
#: A pass is a JSON document a gate verifies offline: what the ticket admits, signed with HMAC-SHA256
#: (`HS256`, as JWS names it) over its canonical JSON (RFC 8785: keys sorted, no whitespace, UTF-8;
#: a pass holds strings and integers only, so any JSON library's sorted compact output is it). The
#: key is the tenant's own, derived from the deployment's page-token secret for this one purpose
#: (`http.page_tokens.PageTokens.passbook_key`): a page token never verifies as a pass nor a pass as a page
#: token, and one tenant's gates, holding their key, can neither verify nor forge another's passes.
SIGNED_WITH = "HS256"
CANONICAL_FORM = "RFC8785"
#: What a pass shows of a line's payload (seeds/000, 001), when the member is a string.
PASS_PAYLOAD_MEMBERS = ("theatre", "movie", "showDateTime", "confirmationCode")
#: Line statuses whose units may admit someone: paid for, not cancelled, not a refund line.
_ADMITTING_LINES = frozenset({LineStatus.PAID, LineStatus.PARTIALLY_FULFILLED, LineStatus.FULFILLED})
#: Order statuses in which no ticket admits anyone.
_REFUSING_ORDERS = frozenset({OrderStatus.AWAITING_PAYMENT, OrderStatus.CANCELLED, OrderStatus.VOIDED})


def is_ticket(line: LineItem) -> bool:
    """A product a gate admits on: neither a fee, nor merchandise that ships, nor a deal's or gift
    card's vouchers (they carry codes of their own). Refund lines count: the refund of a ticket."""
    return not _is_fee(line) and not line.shippable and line.vouchers is None


def admitted_units(line: LineItem) -> int:
    """The units of a line that may still admit someone: neither cancelled nor refunded."""
    return max(0, line.quantity - line.quantity_cancelled - line.quantity_returned)


def pass_refusal(order: Order, line: LineItem) -> OrdersError | None:
    """Why the line has no pass now: 404 when it is no ticket at all (a fee, merchandise, vouchers),
    409 when it is a ticket that admits no one (a refund line, cancelled or refunded units, not paid
    for, the order cancelled or voided); None when its pass route answers 200. The one rule: the
    order view prints the `passbook-ticket` link exactly where this finds nothing."""
    number = line.line_number
    if not is_ticket(line):
        return NotFound(f"Product {number} of order {order.id} is not a ticket; it has no pass.")
    if lifecycle.is_refund_line(line):
        return OrderStateConflict(f"Product {number} is a refund; it admits no one.")
    if OrderStatus(order.status) in _REFUSING_ORDERS:
        word = status_words.THEATRE_ORDER_STATUS[OrderStatus(order.status)]
        return OrderStateConflict(f"The order is {word}; its tickets admit no one.")
    if LineStatus(line.status) not in _ADMITTING_LINES or admitted_units(line) == 0:
        word = status_words.THEATRE_LINE_STATUS[LineStatus(line.status)]
        return OrderStateConflict(
            f"Product {number} ({word}) admits no one: it is not paid for, "
            "or every unit of it is cancelled or refunded."
        )
    return None


def canonical_json(document: Mapping[str, Any]) -> bytes:
    """The bytes a pass signature covers (RFC 8785 for a document of strings and integers)."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


def pass_signature(document: Mapping[str, Any], key: bytes) -> str:
    """base64url (no padding) of HMAC-SHA256(key, canonical JSON of the pass)."""
    digest = hmac.new(key, canonical_json(document), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def verify_pass(answer: Mapping[str, Any], key: bytes) -> bool:
    """What a gate does offline with a passbook answer: its `pass` carries its `signature` under
    `key`, with the algorithm this service signs with."""
    document, signature = answer.get("pass"), answer.get("signature")
    if not isinstance(document, Mapping) or not isinstance(signature, str):
        return False
    if answer.get("algorithm") != SIGNED_WITH:
        return False
    try:
        expected = pass_signature(document, key)
    except (TypeError, ValueError):
        return False
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii", "replace"))


def passbook_view(
    order: Order, line_number: int, base: str, *, issued: dt.datetime, key: bytes
) -> dict[str, Any]:
    """`GET /v3/orders/{id}/products/{lineNumber}/passbook`: the ticket's pass, signed with `key`;
    404 when the order has no such product or it is no ticket, 409 when it admits no one now
    (`pass_refusal`)."""
    line = _product_line(order, line_number)
    refusal = pass_refusal(order, line)
    if refusal is not None:
        raise refusal
    payload = line.payload or {}
    document: dict[str, Any] = {
        "orderId": order.id,
        "orderNumber": order.number,
        "orderVersion": order.sys_version,
        "lineItemNumber": line.line_number,
        "name": product_name(line),
        "quantity": admitted_units(line),
        "status": status_words.THEATRE_LINE_STATUS[LineStatus(line.status)],
        "issuedDateUtc": utc(issued),
    }
    if line.sku is not None:
        document["sku"] = line.sku
    for member in PASS_PAYLOAD_MEMBERS:
        value = payload.get(member)
        if isinstance(value, str):
            document[member] = value
    path = product_path(order, line.line_number, base)
    return {
        "pass": document,
        "signature": pass_signature(document, key),
        "algorithm": SIGNED_WITH,
        "canonicalization": CANONICAL_FORM,
        "_links": {"self": link(f"{path}/passbook"), "up": link(path)},
    }
