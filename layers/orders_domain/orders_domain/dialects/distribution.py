"""The distribution API's own dialect (seeds/004): place, get and cancel an order as
`{"order": {...}}` (or `<order>…</order>`, dialects.xml). Pure: no I/O, no rule. Its request bodies
are in dialects.distribution_requests: only the functions that read them build those models.

Where its fields live in the domain: `order_number` is the order's `purchase_order_number` (and
names the order for ever: services.create derives the order id from it, so it is unique per
tenant); `customer_name` is `ship_to_name`; `shipping_address` is `shipping_address` (`line1`,
`line2`, `city`, `state`, `postal_code`); each item is a line with `sku` and `product_id` the
`offer_id` (and `product_type` `offer`: the tenant's catalogue product it names); `application_id` is
kept in the order's `payload`. An offer is priced from the tenant's catalogue (an item's `price`, our
addition, must be the catalogue's when sent; an offer the catalogue does not hold costs it, or 0);
a deal's or gift card's units are `vouchers` (`code`, `status`, `offer_id`). `account_id` is the
tenant; `purchased_at` when the order was created;
`status` `active` or `cancelled` (status_words.distribution_status); `shipments` its fulfillments
that shipped something.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from orders_domain.domain import lifecycle, status_words
from orders_domain.models import Order
from orders_domain.services.common import placed_number

if TYPE_CHECKING:
    from orders_domain.models.fulfillments import Fulfillment


def _time(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _shipments(order: Order, fulfillments: Iterable[Fulfillment]) -> list[dict[str, Any]]:
    offers = {li.order_line_item_id: li.sku or li.product_id for li in order.line_items}
    shipments = []
    for record in sorted(fulfillments, key=lambda f: f.created_time):
        items = [
            {"offer_id": offers.get(item.order_line_item_id, item.sku), "quantity": item.quantity}
            for item in record.items
            if item.quantity > 0
        ]
        if items:
            shipments.append(
                {
                    "id": record.id,
                    "carrier": record.tracking_company,
                    "tracking_number": record.tracking_number,
                    "tracking_url": record.tracking_url,
                    "shipped_at": _time(record.created_time),
                    "items": items,
                }
            )
    return shipments


def order_view(order: Order, fulfillments: Iterable[Fulfillment] = ()) -> dict[str, Any]:
    """The order as the distribution API shows it, under `order`."""
    address = order.shipping_address
    payload = order.payload or {}
    view: dict[str, Any] = {
        "id": order.id,
        # Only the number an order was placed under is its order_number here: a native order's
        # purchase_order_number may name anything, and must not pass for another order's number.
        "order_number": placed_number(order) or str(order.number),
        "status": status_words.distribution_status(lifecycle.OrderStatus(order.status)),
        "items": [
            {"offer_id": li.sku or li.product_id, "quantity": li.quantity}
            for li in lifecycle.goods_lines(order.line_items)
        ],
        "account_id": order.tenant_id,
        "customer_name": order.ship_to_name,
        "purchased_at": _time(order.sys_created_at),
        "shipping_address": None
        if address is None
        else {
            "address_line_1": address.line1,
            "address_line_2": address.line2,
            "city": address.city,
            "state_code": address.state,
            "postal_code": address.postal_code,
        },
        "shipments": _shipments(order, fulfillments),
        "vouchers": [
            {"code": v.code, "status": v.status.value, "offer_id": li.sku or li.product_id}
            for li in order.line_items
            for v in li.vouchers or ()
        ],
    }
    if payload.get("application_id") is not None:
        view["application_id"] = payload["application_id"]
    return {"order": view}


# ------------------------------------------------------------------ the shape, for the OpenAPI document
_TEXT: dict[str, Any] = {"type": ["string", "null"]}
#: `{"order": {...}}` as every distribution route answers it.
ORDER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["order"],
    "properties": {
        "order": {
            "type": "object",
            "required": [
                "id",
                "order_number",
                "status",
                "items",
                "account_id",
                "customer_name",
                "purchased_at",
                "shipping_address",
                "shipments",
                "vouchers",
            ],
            "properties": {
                "id": {"type": "string"},
                "order_number": {"type": "string"},
                "status": {
                    "type": "string",
                    "enum": [status_words.DISTRIBUTION_ACTIVE, status_words.DISTRIBUTION_CANCELLED],
                },
                "items": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["offer_id", "quantity"],
                        "properties": {"offer_id": _TEXT, "quantity": {"type": "integer"}},
                    },
                },
                "account_id": {"type": "string"},
                "customer_name": _TEXT,
                "purchased_at": {"type": "string"},
                "shipping_address": {
                    "anyOf": [
                        {"type": "null"},
                        {
                            "type": "object",
                            "properties": dict.fromkeys(
                                ("address_line_1", "address_line_2", "city", "state_code", "postal_code"),
                                _TEXT,
                            ),
                        },
                    ]
                },
                "shipments": {"type": "array", "items": {"type": "object"}},
                "vouchers": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["code", "status", "offer_id"],
                        "properties": {
                            "code": {"type": "string"},
                            "status": {"type": "string", "enum": [s.value for s in lifecycle.VoucherStatus]},
                            "offer_id": _TEXT,
                        },
                    },
                },
            },
        }
    },
}
