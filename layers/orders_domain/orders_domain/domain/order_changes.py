"""Order changes as the table's DynamoDB stream delivers them: typed, parsed once, nothing else kept.

A stream record of the orders table is one write of one item. Only order items are changes of an
order; which records those are is told by their key alone (storage.order_records, the one reader of
the table's stream records), so the consumer skips every other item (history entries, coupon usage
rows, counters, API keys) before parsing any image. (On AWS the event source's filter drops them
before the function runs; the check keeps the function right without it, as under `sam local invoke`.)

An order change carries the order's stored documents before and after (the item's `doc`, exact
Decimals as strings: what the API answered), so each projection sees exactly what a client saw.
A record that is an order item but cannot be read is a `MalformedRecord`: that record fails, alone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_INSERT, _MODIFY, _REMOVE = "INSERT", "MODIFY", "REMOVE"


class MalformedRecord(ValueError):
    """A stream record of an order item that does not hold a readable order."""


@dataclass(frozen=True)
class OrderChange:
    """One write of one order, from its stream record."""

    tenant_id: str
    order_id: str
    #: The stream record's sequence number (what a partial batch failure names).
    sequence_number: str
    #: The stored document before the write (None: the order was created).
    old: dict[str, Any] | None
    #: The stored document after it (None: the item was removed; the API only soft-deletes).
    new: dict[str, Any] | None

    @property
    def version(self) -> int:
        document = self.new if self.new is not None else self.old
        assert document is not None
        return int(document["sys_version"])

    @property
    def changes_the_order(self) -> bool:
        """False for a write that left the document's version as it was (nothing to project)."""
        if self.old is None or self.new is None:
            return True
        return bool(self.old.get("sys_version") != self.new.get("sys_version"))


def _document(image: Mapping[str, Any] | None, what: str) -> dict[str, Any] | None:
    if image is None:
        return None
    try:
        document = json.loads(image["doc"]["S"])
    except (KeyError, TypeError, ValueError) as error:
        raise MalformedRecord(f"the {what} image holds no order document ({error!r})") from None
    if not isinstance(document, dict):
        raise MalformedRecord(f"the {what} image's order document is not an object")
    for field in ("id", "tenant_id", "sys_version", "status"):
        if field not in document:
            raise MalformedRecord(f"the {what} image's order document has no {field}")
    return document


def order_change_of(record: Mapping[str, Any]) -> OrderChange:
    """The order change a raw stream record of an order item is (its images read and checked)."""
    stream = record.get("dynamodb") or {}
    event_name = record.get("eventName")
    if event_name not in (_INSERT, _MODIFY, _REMOVE):
        raise MalformedRecord(f"unknown eventName {event_name!r}")
    sequence_number = stream.get("SequenceNumber")
    if not isinstance(sequence_number, str) or not sequence_number:
        raise MalformedRecord("the record has no SequenceNumber")
    old = _document(stream.get("OldImage"), "old") if event_name != _INSERT else None
    new = _document(stream.get("NewImage"), "new") if event_name != _REMOVE else None
    if (event_name == _MODIFY and old is None) or (event_name != _REMOVE and new is None):
        raise MalformedRecord(f"a {event_name} record without the images it needs (NEW_AND_OLD_IMAGES)")
    document = new if new is not None else old
    if document is None:
        raise MalformedRecord("a REMOVE record without its old image (NEW_AND_OLD_IMAGES)")
    tenant_id, order_id = str(document["tenant_id"]), str(document["id"])
    if old is not None and (old.get("id"), old.get("tenant_id")) != (order_id, tenant_id):
        raise MalformedRecord("the old and new images are different orders")
    return OrderChange(tenant_id, order_id, sequence_number, old, new)
