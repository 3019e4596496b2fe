"""A fulfillment's id, and where a fulfillment sorts in every fulfillment list (pure values).

A fulfillment's id is `<order id>.<n>`, n the order version its fulfil wrote (order ids hold no `.`):
the id alone names its order and the write that made it, so a get, a cursor or `ids` needs no
index, and a retried fulfil finds the record it wrote. Lists run newest first by creation time,
then id: `list_position` is that order as text (storage keeps it as the lists' sort key).
"""

from __future__ import annotations

from datetime import datetime

from orders_domain.domain.page_positions import sortable_utc

_SEPARATOR = "."
#: After every position of one moment, before the next moment's: `<time>#<id>` sorts after
#: `<time>` and before `<time>#~` (`~` sorts after every character an id may hold).
AFTER_ALL_IDS = "#~"


def fulfillment_id(order_id: str, version: int) -> str:
    """The id of the fulfillment an order's write at `version` made."""
    return f"{order_id}{_SEPARATOR}{version}"


def parse_fulfillment_id(value: str) -> tuple[str, int] | None:
    """(order id, version) of a fulfillment id; None when `value` is not one."""
    order_id, _, version = value.rpartition(_SEPARATOR)
    if not order_id or not version.isascii() or not version.isdigit() or len(version) > 10:
        return None
    if not all(c.isalnum() or c in "-_" for c in order_id) or not order_id.isascii():
        return None
    return order_id, int(version)


def list_position(created: datetime, fulfillment_id: str) -> str:
    """Where a fulfillment sorts in every fulfillment list: by creation, then id."""
    return f"{sortable_utc(created)}#{fulfillment_id}"


def created_bound(moment: datetime, *, after_all_ids: bool = False) -> str:
    """A list position bound at `moment`: before every fulfillment of that moment, or after all."""
    return sortable_utc(moment) + (AFTER_ALL_IDS if after_all_ids else "")
