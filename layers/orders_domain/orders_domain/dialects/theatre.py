"""The theatre API's own dialect (seeds/000, 001): the order, its will-call check and the refund
reasons in that API's shapes, and its refund request as the domain's. Pure: no I/O, no rule.

What the domain has no place for travels in `payload`: the order's `payload` members (`email`,
`confirmationUrl`, `paymentOptions`, `expirationDateUtc`, ...) are members of the theatre order, a
line's (`theatre`, `movie`, `showDateTime`, `performanceNumber`, `confirmationCode`, its `_links`,
...) members of its product. What the service computes (status, amounts, numbers, links) always
wins over a payload member of the same name. A line whose `type` is `fee` is one of the order's
`fees`, not a product.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from orders_domain.domain import jsonio, lifecycle, money, refundability, status_words
from orders_domain.domain.lifecycle import LineStatus, OrderStatus, PaymentStatus
from orders_domain.models import LineItem, Order

if TYPE_CHECKING:
    from orders_domain.models.refunds import RefundReason

#: The theatre API's link relations: a client finds its links under these names.
REL = "https://api.amctheatres.com/rels"
FEE_LINE_TYPE = "fee"


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
    links = extra.pop("_links", None)
    links = dict(links) if isinstance(links, Mapping) else {}
    refund = lifecycle.is_refund_line(line)
    name = line.description or line.sku or ""
    view: dict[str, Any] = {
        **extra,
        "sku": line.sku,
        "quantity": line.quantity,
        "status": status_words.THEATRE_LINE_STATUS[LineStatus(line.status)],
        "cost": line.unit_price,
        "tax": _per_unit(line.taxes, line.quantity, order.currency_code),
        "name": f"Refund for {name}" if refund else name,
        "lineItemNumber": line.line_number,
        "_links": {**links, "self": link(f"{base}/v3/orders/{order.id}/products/{line.line_number}")},
    }
    if line.refund_date is not None:
        view["refundDateUtc"] = utc(line.refund_date)
    return view


def fee(line: LineItem) -> dict[str, Any]:
    extra = _payload(line.payload)
    return {"waived": False, **extra, "amount": line.unit_price, "quantity": line.quantity}


def _payments(order: Order, base: str) -> list[dict[str, Any]]:
    answer = []
    for number, payment in enumerate(order.payments, start=1):
        status = PaymentStatus(payment.status)
        entry: dict[str, Any] = {
            "type": payment.type,
            "amount": payment.amount,
            "balance": payment.amount if status == PaymentStatus.PENDING else Decimal(0),
            "status": status_words.THEATRE_PAYMENT_STATUS[status],
            "lineItemNumber": number,
            "_links": {"self": link(f"{base}/v3/orders/{order.id}/payments/{number}")},
        }
        if status == PaymentStatus.REFUNDED:
            entry["refundDateUtc"] = utc(payment.date)
        answer.append(entry)
    return answer


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
    payloads = {li.order_line_item_id: li.payload for li in order.line_items}
    products = [product(li, order, base, payloads) for li in order.line_items if not _is_fee(li)]
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


# ------------------------------------------------------------------ the shapes, for the OpenAPI document
_STR: dict[str, Any] = {"type": "string"}
_INT: dict[str, Any] = {"type": "integer"}
_NUM: dict[str, Any] = {"type": "number"}
_BOOL: dict[str, Any] = {"type": "boolean"}
LINK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["href", "templated"],
    "properties": {"href": _STR, "templated": _BOOL},
}
_SELF_LINKS: dict[str, Any] = {"type": "object", "required": ["self"], "properties": {"self": LINK_SCHEMA}}


#: The order's amounts (keywords, as in `_amounts`: `paid` is an amount's name, never a status).
_AMOUNTS: dict[str, Any] = dict(total=_NUM, subtotal=_NUM, paid=_NUM, savings=_NUM)  # noqa: C408


def _words(table: Mapping[Any, str]) -> dict[str, Any]:
    return {"type": "string", "enum": sorted(set(table.values()))}


#: `GET /v3/orders/{id}` (payload members may add more: additional members are allowed).
ORDER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "id",
        "number",
        "status",
        "createdDateUtc",
        *_AMOUNTS,
        "token",
        "fees",
        "_embedded",
        "refundedPayments",
        "messages",
        "_links",
    ],
    "properties": {
        "id": _STR,
        "number": _INT,
        "status": _words(status_words.THEATRE_ORDER_STATUS),
        "createdDateUtc": _STR,
        **_AMOUNTS,
        "token": _STR,
        "fees": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["amount", "quantity"],
                "properties": {"amount": _NUM, "quantity": _INT},
            },
        },
        "_embedded": {
            "type": "object",
            "required": ["products", "payments"],
            "properties": {
                "products": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": [
                            "sku",
                            "quantity",
                            "status",
                            "cost",
                            "tax",
                            "name",
                            "lineItemNumber",
                            "_links",
                        ],
                        "properties": {
                            "sku": {"type": ["string", "null"]},
                            "quantity": _INT,
                            "status": _words(status_words.THEATRE_LINE_STATUS),
                            "cost": _NUM,
                            "tax": _NUM,
                            "name": _STR,
                            "lineItemNumber": _INT,
                            "_links": _SELF_LINKS,
                        },
                    },
                },
                "payments": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["type", "amount", "balance", "status", "lineItemNumber", "_links"],
                        "properties": {
                            "type": _STR,
                            "amount": _NUM,
                            "balance": _NUM,
                            "status": _words(status_words.THEATRE_PAYMENT_STATUS),
                            "lineItemNumber": _INT,
                            "refundDateUtc": _STR,
                            "_links": _SELF_LINKS,
                        },
                    },
                },
            },
        },
        "refundedPayments": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "amount", "refundDateUtc"],
                "properties": {"type": _STR, "amount": _NUM, "refundDateUtc": _STR},
            },
        },
        "messages": {
            "type": "array",
            "items": _STR,
            "description": "The theatre API's order messages: always empty here, as in the seeds (000, 001).",
        },
        "_links": {
            "type": "object",
            "required": ["self", f"{REL}/v1/order-will-call-check", f"{REL}/v1/order-self-service-refund"],
            "properties": dict.fromkeys(
                ("self", f"{REL}/v1/order-will-call-check", f"{REL}/v1/order-self-service-refund"),
                LINK_SCHEMA,
            ),
            "additionalProperties": LINK_SCHEMA,
        },
    },
}

#: `GET /v1/orders/token-{token}/will-call-check`.
WILL_CALL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["lineItems", "_links"],
    "properties": {
        "lineItems": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["lineNumber", "pickedUp", "refundable", "selfServiceRefundable"],
                "properties": {
                    "lineNumber": _INT,
                    "pickedUp": _BOOL,
                    "refundable": _BOOL,
                    "nonRefundableReason": _STR,
                    "selfServiceRefundable": _BOOL,
                    "nonSelfServiceRefundableReason": _STR,
                },
            },
        },
        "_links": {
            "type": "object",
            "required": ["self", "refund"],
            "properties": {"self": LINK_SCHEMA, "refund": LINK_SCHEMA},
            "additionalProperties": LINK_SCHEMA,
        },
    },
}

#: `GET /v1/refund-reasons`.
REASONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["refundReasons", "_links"],
    "properties": {
        "refundReasons": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["description", "name", "typeDescription"],
                "properties": {"description": _STR, "name": _STR, "typeDescription": _STR},
            },
        },
        "_links": _SELF_LINKS,
    },
}
