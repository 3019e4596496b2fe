"""The orders table's stream records, read: which are writes of an order item, and what they changed.

The one place that reads a raw stream record's keys (the table's layout is storage's); the images
are read by domain.order_changes. The stream consumer gets `order_change` through its service
(`ProjectOrderChanges.read`), never from here directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orders_domain.domain.order_changes import MalformedRecord, OrderChange, order_change_of
from orders_domain.storage import keys


def is_order_item(record: Mapping[str, Any]) -> bool:
    """Whether a raw stream record is a write of an order item (its key alone says it)."""
    sort_key = ((record.get("dynamodb") or {}).get("Keys") or {}).get("SK") or {}
    return bool(sort_key.get("S") == keys.ORDER_SK)


def order_change(record: Mapping[str, Any]) -> OrderChange | None:
    """The order change a raw stream record is; None when it is not an order item's write.
    `MalformedRecord` when it is one but cannot be read, or its key is not its order's."""
    if not is_order_item(record):
        return None
    change = order_change_of(_in_storage_form(record))
    record_pk = (record.get("dynamodb") or {}).get("Keys", {}).get("PK", {}).get("S")
    if record_pk != keys.order_key(change.tenant_id, change.order_id)["PK"]:
        raise MalformedRecord("the record's key is not the key of the order its image holds")
    return change


def _in_storage_form(record: Mapping[str, Any]) -> Mapping[str, Any]:
    """The record with each image's `doc` as the order's storage form (storage.orders
    `storage_text`: what the history keeps and domain.order_changes reads), whichever form the
    item was written in; `MalformedRecord` when an image's order cannot be read."""
    from orders_domain.storage.orders import order_of, storage_text  # orders imports the models

    stream = record.get("dynamodb")
    if not isinstance(stream, Mapping):
        return record
    images = {}
    for name in ("OldImage", "NewImage"):
        image = stream.get(name)
        if not isinstance(image, Mapping) or "fmt" not in image:
            continue  # absent, or written before issue 36: its doc is the storage form already
        try:
            text = storage_text(order_of(image))
        except Exception as error:  # noqa: BLE001 - whatever the image holds, the record is unreadable
            raise MalformedRecord(f"the {name} holds no readable order ({type(error).__name__})") from None
        images[name] = {**image, "doc": {"S": text}}
    return {**record, "dynamodb": {**stream, **images}} if images else record
