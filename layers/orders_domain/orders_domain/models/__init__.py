"""Pydantic models of the Orders API, one module per boundary; imports domain only (no I/O, HTTP, wiring).

- `types`: scalar types (Money, Number, strict Int and Bool), field markers, bases
- `parts`: nested types and the client-writable fields shared by request and domain
- `requests`: what clients send (create / preview)
- `orders`: the domain order, its lines and payments; the one list of server-owned fields
- `responses`: what routes send back (order response schema, preview manifest)

The order schema is the "create order" object of the commerce API in seeds/003. Serialisation:
`model_dump(mode="python")` yields `Decimal`s, which the HTTP layer writes as JSON numbers digit for
digit (never through float).
"""

import importlib
from typing import TYPE_CHECKING, Any

from orders_domain.models.orders import (
    LINE_SERVER_FIELDS,
    ORDER_SERVER_FIELDS,
    RESPONSE_EXCLUDED_FIELDS,
    SERVER_OWNED_FIELDS,
    LineItem,
    Order,
    Payment,
    RefundedPayment,
    Voucher,
    is_server_owned,
    protected_paths,
)
from orders_domain.models.parts import Address, Coupon, PaymentInfo
from orders_domain.models.types import MAX_AMOUNT, MAX_JSON_DEPTH, Money, Number

if TYPE_CHECKING:
    from orders_domain.models.requests import (
        BatchOperation,
        BatchRequest,
        JsonPatch,
        JsonPatchOperation,
        LineItemInput,
        OrderCreateRequest,
    )
    from orders_domain.models.responses import (
        BatchResponse,
        BatchResult,
        HistoryItem,
        HistoryPage,
        ManifestError,
        OrderProjection,
        OrderResponse,
        PaymentDue,
        PreviewManifest,
        PreviewResponse,
    )

#: Loaded when first named (PEP 562): a function that never reads a create request or documents a
#: response (get) does not pay for defining those models on its cold start.
_LAZY = {
    "BatchOperation": "requests",
    "BatchRequest": "requests",
    "JsonPatch": "requests",
    "JsonPatchOperation": "requests",
    "LineItemInput": "requests",
    "OrderCreateRequest": "requests",
    "BatchResponse": "responses",
    "BatchResult": "responses",
    "HistoryItem": "responses",
    "HistoryPage": "responses",
    "ManifestError": "responses",
    "OrderProjection": "responses",
    "OrderResponse": "responses",
    "PaymentDue": "responses",
    "PreviewManifest": "responses",
    "PreviewResponse": "responses",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "LINE_SERVER_FIELDS",
    "MAX_AMOUNT",
    "MAX_JSON_DEPTH",
    "ORDER_SERVER_FIELDS",
    "RESPONSE_EXCLUDED_FIELDS",
    "SERVER_OWNED_FIELDS",
    "Address",
    "BatchOperation",
    "BatchRequest",
    "BatchResponse",
    "BatchResult",
    "Coupon",
    "HistoryItem",
    "HistoryPage",
    "JsonPatch",
    "JsonPatchOperation",
    "LineItem",
    "LineItemInput",
    "ManifestError",
    "Money",
    "Number",
    "Order",
    "OrderCreateRequest",
    "OrderProjection",
    "OrderResponse",
    "Payment",
    "PaymentDue",
    "PaymentInfo",
    "PreviewManifest",
    "PreviewResponse",
    "RefundedPayment",
    "Voucher",
    "is_server_owned",
    "protected_paths",
]
