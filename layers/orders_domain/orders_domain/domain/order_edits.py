"""The rules of a whole-order edit (PUT, and a patched document): what a client may change, checked
against the order as it is (server-owned values echoed unchanged, refund lines kept), validated as a
create request and repriced, then taken whole while nothing has happened to the order, or only its
client fields once something has (lifecycle.amounts_may_change). Pure: services.client_edits prices
and the write loop writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from orders_domain.domain import jsonio, lifecycle, money
from orders_domain.domain.errors import (
    FieldError,
)
from orders_domain.domain.json_patch import SERVER_SET, same_json
from orders_domain.domain.lifecycle import OrderStateConflict, PaymentStatus
from orders_domain.models import (
    LINE_SERVER_FIELDS,
    ORDER_SERVER_FIELDS,
    RESPONSE_EXCLUDED_FIELDS,
    LineItem,
    Order,
    OrderCreateRequest,
)
from orders_domain.models.field_errors import validation_problem

_NEW_LINE_SERVER_SET = "is set by the server; a new line may not carry it"
_STATUS_SET = (
    'is set by the server; to cancel the order send {"status": "cancelled"} alone, or use the cancel route'
)

#: What a change takes from the client's document: the order's and the lines' client-writable fields.
_ORDER_CLIENT_FIELDS = frozenset(Order.model_fields) - ORDER_SERVER_FIELDS - {"line_items"}
_LINE_CLIENT_FIELDS = frozenset(LineItem.model_fields) - LINE_SERVER_FIELDS
#: The server-owned order fields pricing computes: a repriced order takes them from pricing and keeps
#: every other server-owned field (identity, `sys_*`) as it was.
PRICED_FIELDS = frozenset(
    {
        "status",
        "subtotal",
        "discounts",
        "taxes",
        "total",
        "total_in_base_currency",
        "amount_paid",
        "amount_pending_capture",
        "amount_refunded",
        "balance_due",
        "total_weight",
        "shippable",
        "sys_shippable_status",
        "payments",
        "refunded_payments",
    }
)
#: What a client sends that decides a line's amounts (its `total` and `discounts` follow from these, the
#: order's coupons, and what happened to it since: a partial cancel lowers the total of what is left).
_LINE_PRICE_FIELDS = ("quantity", "unit_price", "taxes", "shippable")
#: Order fields that decide amounts beyond the lines'.
_ORDER_PRICE_FIELDS = ("currency_code", "shipping_charges", "base_currency_code", "exchange_rate")


# ------------------------------------------------------------------ the order as clients see it
def client_document(order: Order) -> dict[str, Any]:
    """The order as a client GETs it, without `_links`: numbers as JSON numbers (Decimal when they
    have a fraction, int when not), timestamps as ISO-8601 strings."""
    text = order.model_dump_json(
        exclude_none=True, exclude=set(RESPONSE_EXCLUDED_FIELDS), context={jsonio.NUMBERS: True}
    )
    document: dict[str, Any] = jsonio.loads(jsonio.unmark(text))
    return document


# ------------------------------------------------------------------ server-owned values
def server_value_errors(current: Mapping[str, Any], doc: Mapping[str, Any]) -> list[FieldError]:
    """Each server-owned value of a client document that differs from the current order's (both as
    clients see them), by JSON pointer. Lines are matched by `order_line_item_id`; a line with no
    known id is new and may carry no server-owned value. Absent values are not compared."""
    errors: list[FieldError] = []
    for name in sorted(ORDER_SERVER_FIELDS & doc.keys()):
        if not same_json(doc[name], current.get(name), instants=True):
            errors.append(FieldError(f"/{name}", _STATUS_SET if name == "status" else SERVER_SET))
    lines = doc.get("line_items")
    if not isinstance(lines, list):
        return errors
    known = {line["order_line_item_id"]: line for line in current.get("line_items", [])}
    for index, line in enumerate(lines):
        if not isinstance(line, dict):
            continue
        line_id = line.get("order_line_item_id")
        was = known.get(line_id) if isinstance(line_id, str) else None
        for name in sorted(LINE_SERVER_FIELDS & line.keys()):
            if was is None:
                if line[name] is not None:
                    errors.append(FieldError(f"/line_items/{index}/{name}", _NEW_LINE_SERVER_SET))
            elif not same_json(line[name], was.get(name), instants=True):
                errors.append(FieldError(f"/line_items/{index}/{name}", SERVER_SET))
    return errors


def client_part(
    order: Order, current: Mapping[str, Any], doc: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str | None]]:
    """The client-writable part of a document (server-owned fields and refund lines left out), and
    the layout of its lines: each refund line's id where it stands, None for each goods line."""
    client = {name: value for name, value in doc.items() if name not in ORDER_SERVER_FIELDS}
    lines = doc.get("line_items")
    if not isinstance(lines, list):
        return client, []
    refunds = {
        line["order_line_item_id"]: line
        for line, item in zip(current["line_items"], order.line_items, strict=True)
        if lifecycle.is_refund_line(item)
    }
    goods: list[Any] = []
    layout: list[str | None] = []
    for line in lines:
        line_id = line.get("order_line_item_id") if isinstance(line, dict) else None
        if isinstance(line_id, str) and line_id in refunds:
            if not same_json(line, refunds[line_id], instants=True):
                raise OrderStateConflict("Refund lines are the record of refunds made; they cannot change.")
            layout.append(line_id)
            continue
        layout.append(None)
        goods.append(
            {k: v for k, v in line.items() if k not in LINE_SERVER_FIELDS} if isinstance(line, dict) else line
        )
    if set(refunds) - {line_id for line_id in layout if line_id is not None}:
        raise OrderStateConflict("Refund lines are the record of refunds made; they cannot be removed.")
    client["line_items"] = goods
    return client, layout


def validated(doc: Mapping[str, Any]) -> OrderCreateRequest:
    try:
        return OrderCreateRequest.model_validate(doc)
    except ValidationError as exc:
        raise validation_problem("The changed order is not valid.", list(exc.errors())) from None


# ------------------------------------------------------------------ the new order
def _order_date(order: Order, request: OrderCreateRequest, priced: Order) -> str | None:
    """The order keeps its date unless the client overrides it, as at create (`override_order_date`)."""
    return priced.date if request.override_order_date and request.date else order.date


def repriced(order: Order, request: OrderCreateRequest, priced: Order) -> Order:
    """Nothing has happened to the order: take the repriced amounts, statuses and counters; keep its
    identity, history, line numbers and pending payment."""
    data = order.model_dump()
    new = priced.model_dump()
    for name in _ORDER_CLIENT_FIELDS | PRICED_FIELDS:
        data[name] = new[name]
    data["date"] = _order_date(order, request, priced)
    numbers = {line.order_line_item_id: line.line_number for line in order.line_items}
    next_number = max(numbers.values(), default=0) + 1
    for line in new["line_items"]:
        known = numbers.get(line["order_line_item_id"])
        if known is None:
            known, next_number = next_number, next_number + 1
        line["line_number"] = known
    data["line_items"] = new["line_items"]
    pending = [p for p in order.payments if p.status == PaymentStatus.PENDING]
    if pending and not data["payments"]:
        raise OrderStateConflict(
            "A payment is authorised for this order: payment_info cannot be removed; "
            "cancel the order instead."
        )
    if pending:
        data["payments"][0].update(payment_id=pending[0].payment_id, date=pending[0].date)
    return Order.model_validate(data)


def amounts_kept(order: Order, request: OrderCreateRequest, priced: Order, layout: list[str | None]) -> Order:
    """Something has happened to the order: its amounts may not change, only client-writable fields."""
    before = {line.order_line_item_id: line for line in lifecycle.goods_lines(order.line_items)}
    after = {line.order_line_item_id: line for line in priced.line_items}
    if (
        after.keys() != before.keys()
        or any(
            getattr(line, name) != getattr(before[line_id], name)
            for line_id, line in after.items()
            for name in _LINE_PRICE_FIELDS
        )
        or any(getattr(priced, name) != getattr(order, name) for name in _ORDER_PRICE_FIELDS)
        or priced.coupons != order.coupons
    ):
        raise OrderStateConflict(lifecycle.AMOUNTS_FIXED)
    data = order.model_dump()
    new = priced.model_dump()
    for name in _ORDER_CLIENT_FIELDS:
        data[name] = new[name]
    data["date"] = _order_date(order, request, priced)
    stored = {line.order_line_item_id: line.model_dump() for line in order.line_items}
    goods = iter(new["line_items"])
    lines = []
    for refund_id in layout:
        if refund_id is not None:
            lines.append(stored[refund_id])
            continue
        line = next(goods)
        kept = stored[line["order_line_item_id"]]
        kept.update({name: line[name] for name in _LINE_CLIENT_FIELDS})
        lines.append(kept)
    data["line_items"] = lines
    weight_change = sum(
        (((line.weight or money.ZERO) - (before[line_id].weight or money.ZERO)) * line.quantity)
        for line_id, line in after.items()
    )
    data["total_weight"] = order.total_weight + weight_change
    return Order.model_validate(data)
