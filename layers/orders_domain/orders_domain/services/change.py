"""Change an order: JSON Patch, PUT, soft delete and whole-order cancel (API.md, patch_order).

This module is the write loop and the four changes; their rules are pure modules of the domain:
`domain.json_patch` (checking and applying a patch) and `domain.order_edits` (what a whole-order edit
may change, and repricing).

One write loop serves all four (`ChangeOrders._write`): read the order (consistently), check
`If-Match` against `sys_version`, compute the new order as a pure function of the current one and the
request, bump `sys_version` and write it on the condition that the stored order is still at the version
read. When another request wrote in between: with `If-Match` that is a 412 (the client's copy is
stale); without, the change is read and applied again (up to `max_attempts`, after a small random
backoff), so concurrent patches never lose an update; after the last attempt, 409 `version_conflict`.
A change whose result equals the current order (an empty patch, only `test` operations, a PUT of the
order as it is) writes nothing and keeps the version: it returns the current order.

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

Cancel (whole order) is `domain.fulfil_rules.cancel`, the one cancel rule (the cancel route uses it too):
every line's open quantity cancelled and what it costs voided (module docstring there); an order with
nothing shipped ends with every amount 0 and its pending payments `voided`. API.md's money invariants
hold. A cancel `reason` is accepted and not stored: the order has no field for it.

Delete is a soft delete (`sys_deleted`, `sys_deleted_at`, `sys_deleted_by_id`) of an order with
nothing paid or fulfilled (lifecycle), written through the same loop; it returns the deleted order.
"""

from __future__ import annotations

import copy
import hashlib
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from orders_domain.domain import lifecycle
from orders_domain.domain.errors import (
    FieldError,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
    VersionConflict,
)
from orders_domain.domain.json_patch import apply_operations, checked_operations, exact_json, same_json
from orders_domain.domain.lifecycle import Operation, OrderStateConflict, OrderStatus
from orders_domain.domain.order_edits import (
    amounts_kept,
    client_document,
    client_part,
    repriced,
    server_value_errors,
    validated,
)
from orders_domain.domain.ports import OrderRepository
from orders_domain.models import (
    Order,
)
from orders_domain.models.fulfillments import Fulfillment
from orders_domain.services.common import placed_number, utcnow
from orders_domain.services.pricing import Pricing
from orders_domain.services.read import ReadOrders

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class Changed:
    """What a change writes: the new order and, in the same transaction, a fulfillment record."""

    order: Order
    fulfillment: Fulfillment | None = None
    #: The order version this request's write made (None when it wrote nothing).
    version: int | None = None


#: A new order (or a Changed) from the current one and the moment of the change.
Change = Callable[[Order, datetime], "Order | Changed"]


#: How many of its latest writes an order remembers (`sys_recent_write_ids`): a write whose answer was
#: lost is recognised as done as long as fewer than this many others landed before it is read again.
RECENT_WRITES = 8


@dataclass
class ChangeOrders:
    """Patch, replace, delete and cancel orders, each through one conditional write loop."""

    repo: OrderRepository
    pricing: Pricing = field(default_factory=Pricing)
    clock: Callable[[], datetime] = utcnow
    max_attempts: int = 20
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    # ------------------------------------------------------------------ the four changes
    def patch(
        self, tenant_id: str, order_ref: str, operations: Any, *, actor: str, if_match: int | None
    ) -> Order:
        """Apply an RFC 6902 JSON Patch (the parsed JSON array) to the order; the changed order."""
        checked = checked_operations(operations)

        def change(order: Order, now: datetime) -> Order:
            lifecycle.check(Operation.PATCH, order)
            current = client_document(order)
            patched = apply_operations(copy.deepcopy(current), copy.deepcopy(checked))
            if same_json(patched, current):
                return order
            return self._replace_client_fields(order, patched, actor=actor)

        return self._write(tenant_id, order_ref, actor=actor, if_match=if_match, change=change)

    def put(self, tenant_id: str, order_ref: str, body: Any, *, actor: str, if_match: int | None) -> Order:
        """Replace the order's client-writable fields with the body's; `{"status": "cancelled"}`
        alone cancels the order."""
        if not isinstance(body, dict):
            raise ValidationFailed(
                "The body must be an order: a JSON object.",
                errors=[FieldError("body", "must be a JSON object")],
            )
        if body.keys() == {"status"} and body["status"] == OrderStatus.CANCELLED:
            return self.cancel(tenant_id, order_ref, actor=actor, if_match=if_match)
        document = {name: value for name, value in exact_json(body).items() if name != "_links"}

        def change(order: Order, now: datetime) -> Order:
            lifecycle.check(Operation.PUT, order)
            echoed = document.get("sys_version")
            if isinstance(echoed, int) and not isinstance(echoed, bool) and echoed != order.sys_version:
                raise PreconditionFailed(
                    f"The body was read at version {echoed}; the order is now at version "
                    f"{order.sys_version}. Read it again and repeat the change."
                )
            return self._replace_client_fields(order, copy.deepcopy(document), actor=actor)

        return self._write(tenant_id, order_ref, actor=actor, if_match=if_match, change=change)

    def delete(self, tenant_id: str, order_ref: str, *, actor: str, if_match: int | None) -> Order:
        """Soft-delete an order with nothing paid or fulfilled; the deleted order."""

        def change(order: Order, now: datetime) -> Order:
            lifecycle.check(Operation.DELETE, order)
            return order.model_copy(
                update={"sys_deleted": True, "sys_deleted_at": now, "sys_deleted_by_id": actor}
            )

        return self._write(tenant_id, order_ref, actor=actor, if_match=if_match, change=change)

    def cancel(
        self,
        tenant_id: str,
        order_ref: str,
        *,
        actor: str,
        if_match: int | None,
        reason: str | None = None,
    ) -> Order:
        """Cancel the whole order: every open quantity, its cost voided. `reason` is not stored (the
        order has no field for it)."""
        return self._write(
            tenant_id, order_ref, actor=actor, if_match=if_match, change=lambda order, now: cancelled(order)
        )

    # ------------------------------------------------------------------ the write loop
    def _write(
        self, tenant_id: str, order_ref: str, *, actor: str, if_match: int | None, change: Change
    ) -> Order:
        """Read, check `If-Match`, change, write on the version read; again on a conflict (module doc)."""
        return self.write(tenant_id, order_ref, actor=actor, if_match=if_match, change=change).order

    def write(
        self,
        tenant_id: str,
        order_ref: str,
        *,
        actor: str,
        if_match: int | None,
        change: Change,
        write_key: str | None = None,
        once: bool = False,
    ) -> Changed:
        """`_write`, for changes that may also write a fulfillment record (services.fulfillments):
        the order as written and the record written with it (the one of this request's write that
        landed, when its answer was lost). The record's `sys_version` is set to the order's new one.

        `write_key` (derived from the request's Idempotency-Key: `services.common.keyed_write_id`) is
        the id this request's write records in the order. A retry of the request whose idempotency
        record was lost (the first run's answer failed after its write landed) finds it there and is
        answered as done, never applied twice; the record of a fulfil is then the one written at the
        version it made (`Changed.version`). `once` (refunds): the write is a transaction with a
        ClientRequestToken even without a fulfillment, so DynamoDB itself applies it once."""
        # A token names the order through the by-token index (which may trail); the order is then
        # read by id, consistently, on every attempt.
        order_id = ReadOrders(self.repo).id_of(tenant_id, order_ref)
        conflict: VersionConflict | None = None
        sent: dict[str, Fulfillment | None] = {}  # the ids of this request's writes, and their records
        ours = {write_key} if write_key else set()
        for attempt in range(1, self.max_attempts + 1):
            current = self._read(tenant_id, order_id, set(sent) | ours)
            landed = [i for i, w in enumerate(current.sys_recent_write_ids) if w in sent or w in ours]
            if landed:
                # A write of ours that "conflicted" had landed: its answer was lost and the SDK's
                # retry met the version it had written itself (or an earlier run of this keyed
                # request wrote it). Done; applying it again would double it. Every write records
                # one id, newest first, so the position says at which version it landed.
                at = landed[0]
                return Changed(current, sent.get(current.sys_recent_write_ids[at]), current.sys_version - at)
            if if_match is not None and if_match != current.sys_version:
                raise PreconditionFailed(
                    f"If-Match names version {if_match}; the order is at version {current.sys_version}."
                )
            now = self.clock()
            outcome = change(current, now)
            changed, record = (
                (outcome.order, outcome.fulfillment) if isinstance(outcome, Changed) else (outcome, None)
            )
            if changed == current and record is None:  # field by field: nothing to write
                return Changed(current)
            write_id = write_key or uuid.uuid4().hex
            new = changed.model_copy(
                update={
                    "sys_version": current.sys_version + 1,
                    "sys_last_modified_at": now,
                    "sys_last_modified_by_id": actor,
                    "sys_recent_write_ids": [write_id, *current.sys_recent_write_ids][:RECENT_WRITES],
                }
            )
            if record is not None:
                record = record.model_copy(
                    update={"sys_version": new.sys_version, "sys_last_modified_at": now}
                )
            try:
                if record is None and not once:
                    self.repo.replace(new, expected_version=current.sys_version)
                else:
                    # A transaction, applied once per attempt whatever the SDK retries
                    # (ClientRequestToken: this write's id and the version it is written on).
                    token = hashlib.sha256(f"{write_id}:{current.sys_version}".encode()).hexdigest()[:36]
                    self.repo.replace(
                        new, expected_version=current.sys_version, fulfillment=record, request_token=token
                    )
            except VersionConflict as exc:
                sent[write_id] = record
                conflict = exc
                if if_match is not None:
                    # Stale, unless it was this write itself (answer lost, then retried by the SDK).
                    again = self._read(tenant_id, order_id, set(sent))
                    if write_id in again.sys_recent_write_ids:
                        return Changed(again, record, new.sys_version)
                    if again.sys_version == current.sys_version:
                        # Nothing moved: the transaction met another one on its items and was
                        # cancelled (TransactionConflict), writing nothing. Not stale: try again.
                        if attempt < self.max_attempts:
                            self.sleep(random.uniform(0, 0.005 * attempt))  # noqa: S311 - jitter
                        continue
                    raise PreconditionFailed(
                        f"The order was changed by another request after version {if_match}; "
                        "read it again and repeat the change."
                    ) from exc
                if attempt < self.max_attempts:
                    self.sleep(random.uniform(0, 0.005 * attempt))  # noqa: S311 - jitter, not a secret
                continue
            return Changed(new, record, new.sys_version)
        assert conflict is not None  # the loop runs at least once, and only a conflict gets here
        raise conflict

    def _read(self, tenant_id: str, order_id: str, sent: set[str]) -> Order:
        """The order as it is now (consistent); 404 when there is none or it is deleted, unless this
        request's own write (`sent`) deleted it: a delete whose answer was lost is then done."""
        found = self.repo.get(tenant_id, order_id, consistent=True, include_deleted=bool(sent))
        if found is None or found.tenant_id != tenant_id:
            raise NotFound(f"Order {order_id} was not found.")
        if found.sys_deleted and not sent & set(found.sys_recent_write_ids):
            raise NotFound(f"Order {order_id} was not found.")
        return found

    # ------------------------------------------------------------------ PATCH and PUT, the shared end
    def _replace_client_fields(self, order: Order, doc: dict[str, Any], *, actor: str) -> Order:
        """The order with the client-writable fields of `doc` (a whole client document), repriced."""
        current = client_document(order)
        errors = server_value_errors(current, doc)
        if "duplicate_prevention_key" in doc:
            errors.append(
                FieldError("/duplicate_prevention_key", "is accepted only when an order is created")
            )
        if errors:
            raise ValidationFailed("Server-set fields of the order may not be changed.", errors=errors)
        client_doc, layout = client_part(order, current, doc)
        request = validated(client_doc)
        priced = self.pricing.price(request, tenant_id=order.tenant_id, actor=actor)
        placed = placed_number(order)
        if placed is not None and request.purchase_order_number != placed:
            raise OrderStateConflict(
                f"This order was placed as order_number {placed}: its purchase_order_number is fixed."
            )
        if lifecycle.amounts_may_change(order):
            return repriced(order, request, priced)
        return amounts_kept(order, request, priced, layout)


# ------------------------------------------------------------------ cancel
def cancelled(order: Order) -> Order:
    """The whole order cancelled: every open quantity, its cost voided (domain.fulfil_rules.cancel, the
    one cancel rule; the cancel route uses it too)."""
    from orders_domain.domain.fulfil_rules import cancel

    return cancel(order)
