"""The invariant checker, over every order of the run afterwards.

- an **invariant checker** over every order afterwards: API.md's money rules (the harness's and
  domain.money_rules.money_problems), line counters, versions, unique numbers, one order per key, no
  idempotency record left in progress, and every fulfillment record against its order (per line the
  records' `quantity` sums to `quantity_shipped`, their `cancel_quantity` stays within
  `quantity_cancelled`, each record of an order that exists, naming its lines, written at a version the
  order has reached: else a half write, counted as a partial write), one order per distribution
  order_number (its `purchase_order_number`; no other order here has one), whose id the number names,
  and every order's refunds
  (`refund_problems`: per goods line the refund lines pointing at it, `parent_line_item_id`, refund
  exactly its `quantity_returned` units and at most its `quantity_shipped`: more, a line refunded twice,
  is a double effect, fewer a partial write; its `amount_refunded` at most its `amount_paid`; each refund
  line points at a goods line; the order's `amount_refunded` is its lines', at most its `amount_paid`,
  and what its `refunded` payment entries and `refunded_payments` rows pay back). Soft-deleted orders
  are checked too (they keep their number and their money rules hold), must say when and by whom
  they were deleted, and must no longer be served (GET is a 404).
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from typing import Any

from harness.reliability.clients import served_deleted
from harness.reliability.core import Api, Tally
from harness.reliability.dialect_judges import number_id
from harness.reliability.fulfilment_judges import fulfillment_problems
from harness.reliability.money import all_money_problems
from harness.reliability.refunds import refund_problems, refunds_of


def check_invariants(
    client: Any, tables: dict[str, str], made: dict[str, str], tally: Tally, api: Api | None = None
) -> tuple[int, int]:
    """Every order stored (soft-deleted ones too: they keep their number and their money rules);
    returns how many orders, and how many of them deleted. With `api`, each deleted order must no
    longer be served."""
    from orders_domain.storage.orders import OrderRecord

    orders = []
    paginator = client.get_paginator("scan")
    for page in paginator.paginate(
        TableName=tables["OrdersTable"],
        FilterExpression="entity = :order",
        ExpressionAttributeValues={":order": {"S": "order"}},
        ConsistentRead=True,
    ):
        orders += [OrderRecord.from_item(item).order for item in page["Items"]]
    by_id = {o.id: o for o in orders}
    for key, order_id in made.items():
        if order_id not in by_id:
            tally.problem("lost_updates", f"acknowledged order {order_id} ({key}) is not stored")
    numbers = Counter(o.number for o in orders)
    for number, count in numbers.items():
        if count > 1:
            tally.problem("double_effects", f"order number {number} used {count} times")
    # The distribution dialect's order_number (its purchase_order_number; no other order here has one)
    # names one order of the tenant, whose id derives from it.
    placed = Counter(o.purchase_order_number for o in orders if o.purchase_order_number)
    for order_number, count in placed.items():
        if count > 1:
            tally.problem("double_effects", f"order_number {order_number} names {count} orders")
    for order in orders:
        if order.purchase_order_number and order.id != number_id(order.purchase_order_number):
            tally.problem(
                "partial_writes",
                f"order {order.id}: not the order its order_number {order.purchase_order_number} names",
            )
    tally.note(f"invariants: {len(placed)} distribution order_numbers, one order each")
    for order in orders:
        for problem in all_money_problems(order):
            tally.problem("partial_writes", f"order {order.id}: {problem}")
    # fulfillment records: each with its order, and every order's counters what its records say
    records: dict[str, list[dict[str, Any]]] = {}
    for page in paginator.paginate(
        TableName=tables["OrdersTable"],
        FilterExpression="entity = :fulfillment",
        ExpressionAttributeValues={":fulfillment": {"S": "fulfillment"}},
        ConsistentRead=True,
    ):
        for item in page["Items"]:
            record = json.loads(item["summary"]["S"], parse_float=Decimal)
            records.setdefault(str(record.get("order_id")), []).append(record)
    for order_id in sorted(records.keys() - by_id.keys()):
        tally.problem(
            "partial_writes", f"half write: fulfillments {[r['id'] for r in records[order_id]]} have no order"
        )
    for order in orders:
        doc = order.model_dump()
        for problem in fulfillment_problems(doc, records.get(order.id, [])):
            tally.problem("partial_writes", f"order {order.id}: half write: {problem}")
        tally.found(f"order {order.id}", refund_problems(doc))
    refunded = [sum(map(len, refunds_of(order.model_dump()).values())) for order in orders]
    tally.note(f"invariants: {sum(refunded)} refund lines of {sum(1 for n in refunded if n)} orders")
    tally.note(f"invariants: {sum(map(len, records.values()))} fulfillment records of {len(records)} orders")
    deleted = [order for order in orders if order.sys_deleted]
    for order in deleted:
        if order.sys_deleted_at is None or order.sys_deleted_by_id is None:
            tally.problem("partial_writes", f"deleted order {order.id} does not say when or by whom")
        if api is not None and (status := served_deleted(api, order.id)) is not None:
            tally.problem("partial_writes", f"deleted order {order.id} is still served ({status})")
    stuck = client.scan(
        TableName=tables["IdempotencyTable"],
        FilterExpression="#s = :p",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":p": {"S": "INPROGRESS"}},
    )["Items"]
    for item in stuck:
        tally.problem("partial_writes", f"idempotency record left in progress: {item['id']['S'][:40]}")
    return len(orders), len(deleted)
