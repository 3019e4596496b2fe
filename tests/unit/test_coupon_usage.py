"""Coupon usage rows: one per coupon, the commerce API's fields, following edits, removals and deletes."""

from __future__ import annotations

from decimal import Decimal

from orders_domain.domain import coupon_rows
from orders_domain.storage import keys
from orders_domain.storage.coupon_usage import index_attributes

from tests.helpers import COUPON_ORDER

ORDER = COUPON_ORDER


def test_given_an_order_with_two_coupons_then_it_has_two_rows_with_the_commerce_fields() -> None:
    rows = coupon_rows.rows_for("t1", ORDER)
    assert [r.position for r in rows] == [0, 1]
    assert tuple(rows[0].row) == coupon_rows.ROW_FIELDS
    assert rows[0].row == {
        "order_id": "o1",
        "date": "2026-11-24T10:00:00Z",
        "customer_id": "c-7",
        "coupon_code_id": None,
        "coupon_type": "promo",
        "coupon_id": "SUMMER",
        "contact_id": "c-7",
        "organization_id": None,
        "discount": Decimal("5.00"),
        "order_total": Decimal("90.00"),
        "order_number": 42,
    }
    # stored indexed by coupon, and by code where the coupon has one, in the order's coupon shard
    # (o1's is 2: `~2`; shard 0 would be the key as it was before sharding)
    assert keys.shard_of("o1") % keys.COUPON_SHARDS == 2
    assert index_attributes("t1", rows[0]) == {
        "coupon_pk": "T#t1#CPN~2#promo#SUMMER",
        "coupon_sk": "2026-11-24T10:00:00Z#o1#000",
    }
    assert index_attributes("t1", rows[1])["coupon_code_pk"] == "T#t1#CPNCODE~2#CODE-1"
    assert index_attributes("t1", rows[1])["coupon_pk"] == "T#t1#CPN~2#code#K"


def test_an_organization_bill_to_is_the_customer() -> None:
    order = {**ORDER, "bill_to_type": "organization", "bill_to_organization_id": "org-1"}
    (first, _) = coupon_rows.rows_for("t1", order)
    assert (first.row["customer_id"], first.row["contact_id"], first.row["organization_id"]) == (
        "org-1",
        None,
        "org-1",
    )


def test_given_a_coupon_removed_then_its_row_is_removed_and_the_rest_rewritten_only_if_changed() -> None:
    old = coupon_rows.rows_for("t1", ORDER)
    # the second coupon is removed; the first is unchanged
    new = coupon_rows.rows_for("t1", {**ORDER, "coupons": ORDER["coupons"][:1]})
    writes, removals = coupon_rows.changes(old, new)
    assert writes == []
    assert removals == [1]
    # a new total rewrites the remaining row
    retotalled = coupon_rows.rows_for("t1", {**ORDER, "total": "80.00", "coupons": ORDER["coupons"][:1]})
    writes, removals = coupon_rows.changes(new, retotalled)
    assert [w.row["order_total"] for w in writes] == [Decimal("80.00")]
    assert removals == []


def test_a_deleted_order_has_no_rows() -> None:
    old = coupon_rows.rows_for("t1", ORDER)
    gone = coupon_rows.rows_for("t1", {**ORDER, "sys_deleted": True})
    assert gone == []
    assert coupon_rows.changes(old, gone) == ([], [0, 1])


def test_a_new_order_writes_every_row() -> None:
    new = coupon_rows.rows_for("t1", ORDER)
    assert coupon_rows.changes([], new) == (new, [])
