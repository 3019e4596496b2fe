"""The theatre dialect's answers as JSON Schemas, for the OpenAPI document (dialects.theatre builds
the answers; these describe them): the order, a product, a payment, a ticket's signed pass, the
will-call check and the refund reasons."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orders_domain.dialects.theatre import (
    CANONICAL_FORM,
    PASS_PAYLOAD_MEMBERS,
    PASSBOOK_REL,
    REL,
    SIGNED_WITH,
)
from orders_domain.domain import status_words

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


#: `GET /v3/orders/{id}/products/{lineNumber}`, and each of the order's `_embedded.products` (payload
#: members may add more: additional members are allowed).
PRODUCT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["sku", "quantity", "status", "cost", "tax", "name", "lineItemNumber", "_links"],
    "properties": {
        "sku": {"type": ["string", "null"]},
        "quantity": _INT,
        "status": _words(status_words.THEATRE_LINE_STATUS),
        "cost": _NUM,
        "tax": _NUM,
        "name": _STR,
        "lineItemNumber": _INT,
        "refundDateUtc": _STR,
        "_links": {
            "type": "object",
            "required": ["self"],
            "properties": {
                "self": LINK_SCHEMA,
                PASSBOOK_REL: {
                    **LINK_SCHEMA,
                    "description": "The ticket's signed pass: only where it answers 200 (a paid ticket "
                    "with units neither cancelled nor refunded).",
                },
            },
            "additionalProperties": {
                "description": "Links the client sent in the line's payload `_links`, as sent.",
            },
        },
    },
}

#: `GET /v3/orders/{id}/payments/{paymentNumber}`, and each of the order's `_embedded.payments`.
PAYMENT_SCHEMA: dict[str, Any] = {
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
}

#: `GET /v3/orders/{id}/products/{lineNumber}/passbook`: the signed pass of a ticket.
PASS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["pass", "signature", "algorithm", "canonicalization", "_links"],
    "properties": {
        "pass": {
            "type": "object",
            "description": "What the ticket admits. Strings and integers only; `quantity` is the units "
            "neither cancelled nor refunded. `theatre`, `movie`, `showDateTime` and `confirmationCode` "
            "come from the line's payload, when it has them as strings.",
            "required": [
                "orderId",
                "orderNumber",
                "orderVersion",
                "lineItemNumber",
                "name",
                "quantity",
                "status",
                "issuedDateUtc",
            ],
            "properties": {
                "orderId": _STR,
                "orderNumber": _INT,
                "orderVersion": _INT,
                "lineItemNumber": _INT,
                "sku": _STR,
                "name": _STR,
                "quantity": _INT,
                "status": _words(status_words.THEATRE_LINE_STATUS),
                "issuedDateUtc": _STR,
                **dict.fromkeys(PASS_PAYLOAD_MEMBERS, _STR),
            },
            "additionalProperties": False,
        },
        "signature": {
            **_STR,
            "description": "base64url (no padding) of HMAC-SHA256 over the canonical JSON of `pass`, "
            "under the tenant's pass key.",
        },
        "algorithm": {"type": "string", "enum": [SIGNED_WITH]},
        "canonicalization": {"type": "string", "enum": [CANONICAL_FORM]},
        "_links": {
            "type": "object",
            "required": ["self", "up"],
            "properties": {"self": LINK_SCHEMA, "up": LINK_SCHEMA},
        },
    },
}

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
                "products": {"type": "array", "items": PRODUCT_SCHEMA},
                "payments": {"type": "array", "items": PAYMENT_SCHEMA},
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
