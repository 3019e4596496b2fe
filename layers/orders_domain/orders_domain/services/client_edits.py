"""PATCH and PUT of an order: the two mutations that edit its client-writable fields.

PATCH (RFC 6902, the `jsonpatch` library) applies to the order as a client GETs it, without `_links`:
money and other numbers are JSON numbers (Decimal when they have a fraction). `test` compares as
RFC 6902 says: numbers by value (41.09 equals a total of 41.09, 10 equals 10.00), booleans only to
booleans. Operations are checked before anything is read: at most `MAX_OPERATIONS`, each well formed,
none but `test` aimed at the whole order or at a server-owned field (order fields such as `/total`,
`/status`, `/sys_version`, anything under `/payments` or `/refunded_payments`, and
`/line_items/<n>/<line server field>`; `move` may not take its `from` there either) -> 400. A failed
`test` is a 409 `patch_test_failed` (the request is fine, the order is not in the state the client
expected: the family of a stale `If-Match`); an operation that cannot apply (missing path, bad index)
is a 422.

PUT takes the whole client document (as GET returns it; `_links` is ignored). `{"status": "cancelled"}`
alone cancels the order (`cancel`). Server-owned values may be echoed but not changed (400 naming the
pointer); a `sys_version` echoed from an older read is a 412, like a stale `If-Match`. Client-writable
fields absent from the body are cleared. PATCH ends the same way: its result goes through the same
`_replace_client_fields`:

- server-owned values in the document must equal the current ones; lines are matched to the current
  ones by `order_line_item_id`, and a line with no known id is new and carries no server field;
- `duplicate_prevention_key` is for creates only (400);
- the client-writable rest is validated as a create request (`OrderCreateRequest`, the same strict
  JSON types) and repriced by `Pricing.price`, the one place that prices;
- while nothing has happened to the order (`lifecycle.amounts_may_change`) the repriced amounts,
  statuses and counters are taken; the order keeps its identity and history (id, number, token,
  `sys_*`), its `date` (unless the client sets `override_order_date` with a `date`, as at create),
  each line its `line_number` (new lines number on from the highest the order had), and the pending
  payment its `payment_id` and `date` (its amount follows the new total). A pending payment cannot be
  dropped by removing `payment_info` (409: cancel the order instead);
- once something has happened, the lines, quantities, prices, discounts, taxes, shipping and
  currencies must come out of repricing as they are (else 409, `lifecycle.AMOUNTS_FIXED`), every
  server-owned value is kept, only client-writable fields are taken (and `total_weight` follows
  changed weights); refund lines are the record of refunds and may be echoed but not changed or
  removed (409).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from orders_domain.domain import lifecycle
from orders_domain.domain.errors import FieldError, PreconditionFailed, ValidationFailed
from orders_domain.domain.json_patch import apply_operations, same_json
from orders_domain.domain.lifecycle import Operation, OrderStateConflict
from orders_domain.domain.order_edits import (
    amounts_kept,
    client_document,
    client_part,
    repriced,
    server_value_errors,
    validated,
)
from orders_domain.models import Order
from orders_domain.services.common import placed_number
from orders_domain.services.pricing import Pricing
from orders_domain.services.write_loop import Mutation


@dataclass(frozen=True)
class PatchOrder(Mutation):
    """An RFC 6902 JSON Patch (checked: domain.json_patch.checked_operations) of the client document."""

    checks: ClassVar[Operation | None] = Operation.PATCH
    operations: list[dict[str, Any]]
    actor: str
    pricing: Pricing

    def apply(self, order: Order, now: datetime) -> Order:
        current = client_document(order)
        patched = apply_operations(copy.deepcopy(current), copy.deepcopy(self.operations))
        if same_json(patched, current):
            return order
        return replace_client_fields(order, patched, actor=self.actor, pricing=self.pricing)


@dataclass(frozen=True)
class ReplaceOrder(Mutation):
    """A PUT: the whole client document (exact JSON, without `_links`)."""

    checks: ClassVar[Operation | None] = Operation.PUT
    document: dict[str, Any]
    actor: str
    pricing: Pricing

    def apply(self, order: Order, now: datetime) -> Order:
        echoed = self.document.get("sys_version")
        if isinstance(echoed, int) and not isinstance(echoed, bool) and echoed != order.sys_version:
            raise PreconditionFailed(
                f"The body was read at version {echoed}; the order is now at version "
                f"{order.sys_version}. Read it again and repeat the change."
            )
        return replace_client_fields(
            order, copy.deepcopy(self.document), actor=self.actor, pricing=self.pricing
        )


def replace_client_fields(order: Order, doc: dict[str, Any], *, actor: str, pricing: Pricing) -> Order:
    """The order with the client-writable fields of `doc` (a whole client document), repriced."""
    current = client_document(order)
    errors = server_value_errors(current, doc)
    if "duplicate_prevention_key" in doc:
        errors.append(FieldError("/duplicate_prevention_key", "is accepted only when an order is created"))
    if errors:
        raise ValidationFailed("Server-set fields of the order may not be changed.", errors=errors)
    client_doc, layout = client_part(order, current, doc)
    request = validated(client_doc)
    priced = pricing.price(request, tenant_id=order.tenant_id, actor=actor)
    placed = placed_number(order)
    if placed is not None and request.purchase_order_number != placed:
        raise OrderStateConflict(
            f"This order was placed as order_number {placed}: its purchase_order_number is fixed."
        )
    if lifecycle.amounts_may_change(order):
        return repriced(order, request, priced)
    return amounts_kept(order, request, priced, layout)
