"""JSON Patch (RFC 6902, the `jsonpatch` library) on an order as a client GETs it: the operations
checked before anything is read (at most MAX_OPERATIONS, each well formed, none aimed at a
server-owned field but `test`), applied one at a time (an error names its own), `test` with RFC 6902's
equality (`same_json`), and no `copy` that grows the order past what can be stored. Pure: the write
loop (services.write_loop) reads and writes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import jsonpatch
from jsonpointer import JsonPointer, JsonPointerException

from orders_domain.domain import jsonio
from orders_domain.domain.errors import (
    FieldError,
    PatchTestFailed,
    PayloadTooLarge,
    Unprocessable,
    ValidationFailed,
)
from orders_domain.models import (
    LINE_SERVER_FIELDS,
    ORDER_SERVER_FIELDS,
)
from orders_domain.models.types import MAX_ORDER_STORED_BYTES, fits_stored

#: The most operations one patch may carry.
MAX_OPERATIONS = 100
#: RFC 6902's operations.
OPERATIONS = ("add", "remove", "replace", "move", "copy", "test")
_NEED_VALUE = frozenset({"add", "replace", "test"})
_NEED_FROM = frozenset({"move", "copy"})
#: The error of a change aimed at a server-owned value.
SERVER_SET = "is set by the server and may not be changed"


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


def exact_json(value: Any) -> Any:
    """Client JSON with floats made exact Decimals (as the HTTP layer's parser gives them)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationFailed(
                "Numbers must be finite.", errors=[FieldError("body", "numbers must be finite")]
            )
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {name: exact_json(item) for name, item in value.items()}
    if isinstance(value, list):
        return [exact_json(item) for item in value]
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
    return [exact_json(op) for op in operations]


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
        errors.append(FieldError(op["path"], SERVER_SET))
    if name == "move" and is_protected(op["from"]):
        errors.append(FieldError(op["from"], SERVER_SET))
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
            if op["op"] == "copy" and not fits_stored(jsonio.dumps(doc)):
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
