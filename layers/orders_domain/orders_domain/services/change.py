"""Change an order: JSON Patch, PUT, soft delete and whole-order cancel (API.md, patch_order).

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
import json
import math
import random
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import jsonpatch
from jsonpointer import JsonPointer, JsonPointerException
from pydantic import ValidationError

from orders_domain.domain import jsonio, lifecycle, money
from orders_domain.domain.errors import (
    FieldError,
    NotFound,
    PatchTestFailed,
    PayloadTooLarge,
    PreconditionFailed,
    Unprocessable,
    ValidationFailed,
    VersionConflict,
)
from orders_domain.domain.lifecycle import Operation, OrderStateConflict, OrderStatus, PaymentStatus
from orders_domain.domain.ports import OrderRepository
from orders_domain.models import (
    LINE_SERVER_FIELDS,
    ORDER_SERVER_FIELDS,
    RESPONSE_EXCLUDED_FIELDS,
    LineItem,
    Order,
    OrderCreateRequest,
)
from orders_domain.models.field_errors import validation_problem
from orders_domain.models.fulfillments import Fulfillment
from orders_domain.models.types import MAX_ORDER_STORED_BYTES
from orders_domain.services.common import placed_number, utcnow
from orders_domain.services.pricing import Pricing
from orders_domain.services.read import ReadOrders

if TYPE_CHECKING:
    pass

#: The most operations one patch may carry.
MAX_OPERATIONS = 100
#: RFC 6902's operations.
OPERATIONS = ("add", "remove", "replace", "move", "copy", "test")
_NEED_VALUE = frozenset({"add", "replace", "test"})
_NEED_FROM = frozenset({"move", "copy"})

_SERVER_SET = "is set by the server and may not be changed"
_NEW_LINE_SERVER_SET = "is set by the server; a new line may not carry it"
_STATUS_SET = (
    'is set by the server; to cancel the order send {"status": "cancelled"} alone, or use the cancel route'
)

#: What a change takes from the client's document: the order's and the lines' client-writable fields.
_ORDER_CLIENT_FIELDS = frozenset(Order.model_fields) - ORDER_SERVER_FIELDS - {"line_items"}
_LINE_CLIENT_FIELDS = frozenset(LineItem.model_fields) - LINE_SERVER_FIELDS
#: The server-owned order fields pricing computes: a repriced order takes them from pricing and keeps
#: every other server-owned field (identity, `sys_*`) as it was.
PRICED_FIELDS = frozenset(
    {
        "status",
        "subtotal",
        "discounts",
        "taxes",
        "total",
        "total_in_base_currency",
        "amount_paid",
        "amount_pending_capture",
        "amount_refunded",
        "balance_due",
        "total_weight",
        "shippable",
        "sys_shippable_status",
        "payments",
        "refunded_payments",
    }
)
#: A line's amounts and what decides them: once the order's amounts are fixed, repricing must
#: give every line these as they are.
#: What a client sends that decides a line's amounts (its `total` and `discounts` follow from these, the
#: order's coupons, and what happened to it since: a partial cancel lowers the total of what is left).
_LINE_PRICE_FIELDS = ("quantity", "unit_price", "taxes", "shippable")
#: Order fields that decide amounts beyond the lines'.
_ORDER_PRICE_FIELDS = ("currency_code", "shipping_charges", "base_currency_code", "exchange_rate")


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
        document = {name: value for name, value in _exact(body).items() if name != "_links"}

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
        client_doc, layout = _client_part(order, current, doc)
        request = _validated(client_doc)
        priced = self.pricing.price(request, tenant_id=order.tenant_id, actor=actor)
        placed = placed_number(order)
        if placed is not None and request.purchase_order_number != placed:
            raise OrderStateConflict(
                f"This order was placed as order_number {placed}: its purchase_order_number is fixed."
            )
        if lifecycle.amounts_may_change(order):
            return _repriced(order, request, priced)
        return _amounts_kept(order, request, priced, layout)


# ------------------------------------------------------------------ the order as clients see it
def client_document(order: Order) -> dict[str, Any]:
    """The order as a client GETs it, without `_links`: numbers as JSON numbers (Decimal when they
    have a fraction, int when not), timestamps as ISO-8601 strings."""
    text = order.model_dump_json(
        exclude_none=True, exclude=set(RESPONSE_EXCLUDED_FIELDS), context={jsonio.NUMBERS: True}
    )
    document: dict[str, Any] = jsonio.loads(jsonio.unmark(text))
    return document


def same_json(a: Any, b: Any, *, instants: bool = False) -> bool:
    """JSON equality as RFC 6902's `test` defines it: numbers by value (10 == 10.0 == 10.00),
    booleans only to booleans, objects member by member, arrays item by item. With `instants`, two
    ISO-8601 timestamps of the same moment are equal too (`...Z` and `...+00:00`)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float | Decimal) and isinstance(b, int | float | Decimal):
        return _decimal(a) == _decimal(b)
    if isinstance(a, str) and isinstance(b, str):
        return a == b or (instants and _same_instant(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k], instants=instants) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y, instants=instants) for x, y in zip(a, b, strict=True))
    return a is None and b is None


def _decimal(value: int | float | Decimal) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _same_instant(a: str, b: str) -> bool:
    try:
        first, second = datetime.fromisoformat(a), datetime.fromisoformat(b)
    except ValueError:
        return False
    return first.tzinfo is not None and second.tzinfo is not None and first == second


def _exact(value: Any) -> Any:
    """Client JSON with floats made exact Decimals (as the HTTP layer's parser gives them)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationFailed(
                "Numbers must be finite.", errors=[FieldError("body", "numbers must be finite")]
            )
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {name: _exact(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_exact(item) for item in value]
    return value


# ------------------------------------------------------------------ JSON Patch
def checked_operations(operations: Any) -> list[dict[str, Any]]:
    """The operations of a patch, well formed and aimed at nothing protected; else a 400 naming each."""
    if not isinstance(operations, list):
        raise ValidationFailed(
            "A JSON Patch is a JSON array of operations.",
            errors=[FieldError("body", "must be a JSON array of operations")],
        )
    if len(operations) > MAX_OPERATIONS:
        raise ValidationFailed(
            f"A patch may carry at most {MAX_OPERATIONS} operations.",
            errors=[FieldError("body", f"has {len(operations)} operations; at most {MAX_OPERATIONS}")],
        )
    errors = [error for index, op in enumerate(operations) for error in _operation_errors(index, op)]
    if errors:
        raise ValidationFailed("The patch is not valid.", errors=errors)
    return [_exact(op) for op in operations]


def _operation_errors(index: int, op: Any) -> list[FieldError]:
    at = f"[{index}]"
    if not isinstance(op, dict):
        return [FieldError(at, "must be a JSON object")]
    name = op.get("op")
    if not isinstance(name, str) or name not in OPERATIONS:
        return [FieldError(f"{at}.op", f"must be one of {', '.join(OPERATIONS)}")]
    errors: list[FieldError] = []
    for member in ("path", "from") if name in _NEED_FROM else ("path",):
        problem = _pointer_problem(op.get(member))
        if problem is not None:
            errors.append(FieldError(f"{at}.{member}", problem))
    if name in _NEED_VALUE and "value" not in op:
        errors.append(FieldError(f"{at}.value", "is required"))
    if errors or name == "test":
        return errors
    if op["path"] == "":
        return [FieldError(f"{at}.path", "may not be the whole order (PUT replaces it)")]
    if is_protected(op["path"]):
        errors.append(FieldError(op["path"], _SERVER_SET))
    if name == "move" and is_protected(op["from"]):
        errors.append(FieldError(op["from"], _SERVER_SET))
    return errors


def _pointer_problem(pointer: Any) -> str | None:
    if not isinstance(pointer, str):
        return "is required and must be a JSON Pointer (a string)"
    try:
        JsonPointer(pointer)
    except JsonPointerException:
        return "is not a JSON Pointer (RFC 6901)"
    return None


def is_protected(pointer: str) -> bool:
    """Whether a JSON Pointer is, or is under, a server-owned field of the order or of a line
    (tokens unescaped first, RFC 6901: `~1` is `/`, `~0` is `~`)."""
    parts = JsonPointer(pointer).parts
    if not parts:
        return False
    if parts[0] in ORDER_SERVER_FIELDS:
        return True
    return parts[0] == "line_items" and len(parts) >= 3 and parts[2] in LINE_SERVER_FIELDS


class _JsonTest(jsonpatch.TestOperation):
    """`test` with RFC 6902's equality (`same_json`): jsonpatch's `!=` calls True equal to 1 and a
    float unequal to the Decimal of the same written number."""

    def apply(self, obj: Any) -> Any:
        try:
            subobj, part = self.pointer.to_last(obj)
            value = subobj if part is None else self.pointer.walk(subobj, part)
        except JsonPointerException as exc:
            raise jsonpatch.JsonPatchTestFailed(str(exc)) from exc
        if not same_json(value, self.operation["value"]):
            raise jsonpatch.JsonPatchTestFailed("the value differs")
        return obj


class _JsonPatch(jsonpatch.JsonPatch):
    operations = MappingProxyType({**jsonpatch.JsonPatch.operations, "test": _JsonTest})


def apply_operations(document: dict[str, Any], operations: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Apply checked operations to the document in place, one at a time (an error names its own)."""
    doc = document
    for index, op in enumerate(operations):
        try:
            doc = _JsonPatch([op]).apply(doc, in_place=True)
            if op["op"] == "copy" and len(json.dumps(doc, default=str)) > MAX_ORDER_STORED_BYTES:
                # A copy can double the document: 12 of them in a 4 KiB patch would make 4,000 of a
                # 1,000-item list. Refused as soon as the order could no longer be stored.
                raise PayloadTooLarge(
                    f"Operation {index} (copy) makes the order too large to store "
                    f"(at most {MAX_ORDER_STORED_BYTES:,} bytes).",
                    errors=[FieldError(f"[{index}].from", "copies more than the order can hold")],
                )
        except jsonpatch.JsonPatchTestFailed:
            raise PatchTestFailed(
                f"The test of operation {index} failed: {op['path'] or 'the order'} does not hold "
                "the tested value.",
                errors=[FieldError(f"[{index}].path", "does not hold the tested value")],
            ) from None
        except (
            jsonpatch.JsonPatchConflict,
            jsonpatch.InvalidJsonPatch,
            JsonPointerException,
            KeyError,
            IndexError,
            TypeError,
        ):
            where = f"from {op['from']} to {op['path']}" if "from" in op else f"at {op['path']}"
            raise Unprocessable(
                f"Operation {index} ({op['op']}) cannot be applied {where}: "
                "no such member or index, or nothing there it can apply to.",
                errors=[FieldError(f"[{index}].path", "cannot be applied to this order")],
            ) from None
    return doc


# ------------------------------------------------------------------ server-owned values
def server_value_errors(current: Mapping[str, Any], doc: Mapping[str, Any]) -> list[FieldError]:
    """Each server-owned value of a client document that differs from the current order's (both as
    clients see them), by JSON pointer. Lines are matched by `order_line_item_id`; a line with no
    known id is new and may carry no server-owned value. Absent values are not compared."""
    errors: list[FieldError] = []
    for name in sorted(ORDER_SERVER_FIELDS & doc.keys()):
        if not same_json(doc[name], current.get(name), instants=True):
            errors.append(FieldError(f"/{name}", _STATUS_SET if name == "status" else _SERVER_SET))
    lines = doc.get("line_items")
    if not isinstance(lines, list):
        return errors
    known = {line["order_line_item_id"]: line for line in current.get("line_items", [])}
    for index, line in enumerate(lines):
        if not isinstance(line, dict):
            continue
        line_id = line.get("order_line_item_id")
        was = known.get(line_id) if isinstance(line_id, str) else None
        for name in sorted(LINE_SERVER_FIELDS & line.keys()):
            if was is None:
                if line[name] is not None:
                    errors.append(FieldError(f"/line_items/{index}/{name}", _NEW_LINE_SERVER_SET))
            elif not same_json(line[name], was.get(name), instants=True):
                errors.append(FieldError(f"/line_items/{index}/{name}", _SERVER_SET))
    return errors


def _client_part(
    order: Order, current: Mapping[str, Any], doc: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str | None]]:
    """The client-writable part of a document (server-owned fields and refund lines left out), and
    the layout of its lines: each refund line's id where it stands, None for each goods line."""
    client = {name: value for name, value in doc.items() if name not in ORDER_SERVER_FIELDS}
    lines = doc.get("line_items")
    if not isinstance(lines, list):
        return client, []
    refunds = {
        line["order_line_item_id"]: line
        for line, item in zip(current["line_items"], order.line_items, strict=True)
        if lifecycle.is_refund_line(item)
    }
    goods: list[Any] = []
    layout: list[str | None] = []
    for line in lines:
        line_id = line.get("order_line_item_id") if isinstance(line, dict) else None
        if isinstance(line_id, str) and line_id in refunds:
            if not same_json(line, refunds[line_id], instants=True):
                raise OrderStateConflict("Refund lines are the record of refunds made; they cannot change.")
            layout.append(line_id)
            continue
        layout.append(None)
        goods.append(
            {k: v for k, v in line.items() if k not in LINE_SERVER_FIELDS} if isinstance(line, dict) else line
        )
    if set(refunds) - {line_id for line_id in layout if line_id is not None}:
        raise OrderStateConflict("Refund lines are the record of refunds made; they cannot be removed.")
    client["line_items"] = goods
    return client, layout


def _validated(doc: Mapping[str, Any]) -> OrderCreateRequest:
    try:
        return OrderCreateRequest.model_validate(doc)
    except ValidationError as exc:
        raise validation_problem("The changed order is not valid.", list(exc.errors())) from None


# ------------------------------------------------------------------ the new order
def _order_date(order: Order, request: OrderCreateRequest, priced: Order) -> str | None:
    """The order keeps its date unless the client overrides it, as at create (`override_order_date`)."""
    return priced.date if request.override_order_date and request.date else order.date


def _repriced(order: Order, request: OrderCreateRequest, priced: Order) -> Order:
    """Nothing has happened to the order: take the repriced amounts, statuses and counters; keep its
    identity, history, line numbers and pending payment."""
    data = order.model_dump()
    new = priced.model_dump()
    for name in _ORDER_CLIENT_FIELDS | PRICED_FIELDS:
        data[name] = new[name]
    data["date"] = _order_date(order, request, priced)
    numbers = {line.order_line_item_id: line.line_number for line in order.line_items}
    next_number = max(numbers.values(), default=0) + 1
    for line in new["line_items"]:
        known = numbers.get(line["order_line_item_id"])
        if known is None:
            known, next_number = next_number, next_number + 1
        line["line_number"] = known
    data["line_items"] = new["line_items"]
    pending = [p for p in order.payments if p.status == PaymentStatus.PENDING]
    if pending and not data["payments"]:
        raise OrderStateConflict(
            "A payment is authorised for this order: payment_info cannot be removed; "
            "cancel the order instead."
        )
    if pending:
        data["payments"][0].update(payment_id=pending[0].payment_id, date=pending[0].date)
    return Order.model_validate(data)


def _amounts_kept(
    order: Order, request: OrderCreateRequest, priced: Order, layout: list[str | None]
) -> Order:
    """Something has happened to the order: its amounts may not change, only client-writable fields."""
    before = {line.order_line_item_id: line for line in lifecycle.goods_lines(order.line_items)}
    after = {line.order_line_item_id: line for line in priced.line_items}
    if (
        after.keys() != before.keys()
        or any(
            getattr(line, name) != getattr(before[line_id], name)
            for line_id, line in after.items()
            for name in _LINE_PRICE_FIELDS
        )
        or any(getattr(priced, name) != getattr(order, name) for name in _ORDER_PRICE_FIELDS)
        or priced.coupons != order.coupons
    ):
        raise OrderStateConflict(lifecycle.AMOUNTS_FIXED)
    data = order.model_dump()
    new = priced.model_dump()
    for name in _ORDER_CLIENT_FIELDS:
        data[name] = new[name]
    data["date"] = _order_date(order, request, priced)
    stored = {line.order_line_item_id: line.model_dump() for line in order.line_items}
    goods = iter(new["line_items"])
    lines = []
    for refund_id in layout:
        if refund_id is not None:
            lines.append(stored[refund_id])
            continue
        line = next(goods)
        kept = stored[line["order_line_item_id"]]
        kept.update({name: line[name] for name in _LINE_CLIENT_FIELDS})
        lines.append(kept)
    data["line_items"] = lines
    weight_change = sum(
        (((line.weight or money.ZERO) - (before[line_id].weight or money.ZERO)) * line.quantity)
        for line_id, line in after.items()
    )
    data["total_weight"] = order.total_weight + weight_change
    return Order.model_validate(data)


# ------------------------------------------------------------------ cancel
def cancelled(order: Order) -> Order:
    """The whole order cancelled: every open quantity, its cost voided (domain.fulfil_rules.cancel, the
    one cancel rule; the cancel route uses it too)."""
    from orders_domain.domain.fulfil_rules import cancel

    return cancel(order)
