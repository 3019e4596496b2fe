"""DynamoDB capacity from real items: item sizes and read/write request units, by DynamoDB's own rules.

Used by `make bench` to turn the calls a route makes (recorded with botocore hooks) into RRU/WRU.
The rules (DynamoDB developer guide, "Item sizes and formats" and "Read/write capacity mode"):

- An item's size is the sum, over its attributes, of the attribute name's UTF-8 length and the value's
  size. Strings: UTF-8 bytes. Numbers: about one byte per two significant digits, plus one (at most 21).
  Binary: its bytes. Boolean and null: 1 byte. Lists and maps: 3 bytes, plus 1 byte per element, plus
  the elements (map keys count like attribute names). Sets: the sum of their members.
- Reads are billed in 4 KB units: a strongly consistent read of up to 4 KB is 1 RRU, an eventually
  consistent one 0.5 RRU. A Query adds up the sizes of the items it returns and then rounds up once;
  a GetItem that finds nothing still costs the minimum.
- Writes are billed in 1 KB units of the larger of the item before and after. Every global secondary
  index the item is in costs a write of its own, sized by its entry (the index's keys, the table's
  keys and the projected attributes: all of them, none, or the INCLUDE list), and one whose key
  attributes change costs two (a delete and a put); a write that changes nothing an index projects
  does not write to it. Transactions cost twice.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

READ_UNIT_BYTES = 4096
WRITE_UNIT_BYTES = 1024


def number_size(text: str) -> int:
    """Bytes of a DynamoDB number: significant digits / 2, rounded up, plus 1 (at most 21)."""
    digits = Decimal(text).normalize().as_tuple().digits
    significant = len(digits) if any(digits) else 1
    return min(21, math.ceil(significant / 2) + 1)


def value_size(value: Mapping[str, Any]) -> int:
    """Bytes of one attribute value in DynamoDB JSON (`{"S": "..."}`, `{"M": {...}}`, ...)."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(str(inner).encode("utf-8"))
    if kind == "N":
        return number_size(str(inner))
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(s).encode("utf-8")) for s in inner)
    if kind == "NS":
        return sum(number_size(str(n)) for n in inner)
    if kind == "BS":
        return sum(len(b) for b in inner)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + value_size(v) for k, v in inner.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: Mapping[str, Mapping[str, Any]]) -> int:
    """Bytes of an item in DynamoDB JSON: attribute names plus values."""
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def read_units(total_bytes: int, *, consistent: bool) -> float:
    units = max(1, math.ceil(total_bytes / READ_UNIT_BYTES))
    return units if consistent else units / 2


def write_units(item_bytes: int) -> int:
    return max(1, math.ceil(item_bytes / WRITE_UNIT_BYTES))


@dataclass(frozen=True)
class Index:
    """A global secondary index as its writes see it: its key attributes and what it projects."""

    keys: tuple[str, ...]
    projection: str = "ALL"  # ALL | KEYS_ONLY | INCLUDE
    include: tuple[str, ...] = ()
    table_keys: tuple[str, ...] = ("PK", "SK")

    @classmethod
    def from_definition(cls, definition: Mapping[str, Any], table_keys: Iterable[str]) -> Index:
        projection = definition.get("Projection", {})
        return cls(
            keys=tuple(k["AttributeName"] for k in definition["KeySchema"]),
            projection=str(projection.get("ProjectionType", "ALL")),
            include=tuple(projection.get("NonKeyAttributes", ())),
            table_keys=tuple(table_keys),
        )

    def holds(self, item: Mapping[str, Any] | None) -> bool:
        return item is not None and all(a in item for a in self.keys)

    def entry(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """The index's copy of an item."""
        if self.projection == "ALL":
            return dict(item)
        names = {*self.keys, *self.table_keys, *(self.include if self.projection == "INCLUDE" else ())}
        return {k: v for k, v in item.items() if k in names}


def _as_index(spec: Index | Iterable[str]) -> Index:
    return spec if isinstance(spec, Index) else Index(keys=tuple(spec))


def indexes_holding(item: Mapping[str, Any], index_keys: Mapping[str, Index | Iterable[str]]) -> list[str]:
    """The GSIs an item appears in: it carries all of their key attributes."""
    return [name for name, spec in index_keys.items() if _as_index(spec).holds(item)]


def write_cost(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    index_keys: Mapping[str, Index | Iterable[str]],
    *,
    transactional: bool = False,
) -> int:
    """WRU of one item write: the table, each index it leaves, enters or changes in, x2 in a transaction.

    `index_keys` maps index names to `Index` (or, for an ALL projection, just the key attributes).
    """
    size = max(item_size(before) if before else 0, item_size(after) if after else 0)
    units = write_units(size)
    for spec in index_keys.values():
        index = _as_index(spec)
        was, now = index.holds(before), index.holds(after)
        if not (was or now):
            continue
        old = index.entry(before) if was and before is not None else None
        new = index.entry(after) if now and after is not None else None
        if old == new:
            continue  # nothing this index holds changed
        moved = old is not None and new is not None and any(old[a] != new[a] for a in index.keys)
        projected = max(item_size(old) if old else 0, item_size(new) if new else 0)
        units += write_units(projected) * (2 if moved else 1)
    return units * (2 if transactional else 1)
