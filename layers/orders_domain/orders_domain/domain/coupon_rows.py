"""Coupon usage rows: one per coupon of an order, as the commerce API's coupon usage lists them.

The stream consumer (issue 17, being built) keeps them in step with the order: `rows_for` gives the
rows an order version should have (none for a deleted order), `changes` what to write and remove
going from one version's rows to the next. Where a row is stored, and under which index keys, is
storage.coupon_usage's business.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

#: The fields of a usage row (the commerce API's coupon usage response), in its order.
ROW_FIELDS = (
    "order_id",
    "date",
    "customer_id",
    "coupon_code_id",
    "coupon_type",
    "coupon_id",
    "contact_id",
    "organization_id",
    "discount",
    "order_total",
    "order_number",
)


@dataclass(frozen=True)
class UsageRow:
    position: int
    row: dict[str, Any]


def _number(value: Any) -> Decimal | None:
    """Money from a stored document (an exact decimal string) as a Decimal: a JSON number in a row."""
    return None if value is None else Decimal(str(value))


def rows_for(tenant_id: str, document: Mapping[str, Any]) -> list[UsageRow]:
    """The usage rows of an order version (its stored document); none once it is deleted."""
    if document.get("sys_deleted"):
        return []
    bill_to_type = document.get("bill_to_type")
    contact_id = document.get("bill_to_contact_id") if bill_to_type == "contact" else None
    organization_id = document.get("bill_to_organization_id") if bill_to_type == "organization" else None
    date = str(document.get("date") or document.get("sys_created_at") or "")
    rows = []
    for position, coupon in enumerate(document.get("coupons") or []):
        row = {
            "order_id": document["id"],
            "date": date,
            "customer_id": contact_id or organization_id,
            "coupon_code_id": coupon.get("coupon_code_id"),
            "coupon_type": coupon.get("coupon_type"),
            "coupon_id": coupon.get("coupon_id"),
            "contact_id": contact_id,
            "organization_id": organization_id,
            "discount": _number(coupon.get("discount")),
            "order_total": _number(document.get("total")),
            "order_number": document.get("number"),
        }
        rows.append(UsageRow(position, row))
    return rows


def changes(old: list[UsageRow], new: list[UsageRow]) -> tuple[list[UsageRow], list[int]]:
    """(rows to write, positions to remove) going from `old` to `new`: unchanged rows are left alone."""
    before = {r.position: r for r in old}
    writes = [r for r in new if before.get(r.position) != r]
    removals = sorted(set(before) - {r.position for r in new})
    return writes, removals
