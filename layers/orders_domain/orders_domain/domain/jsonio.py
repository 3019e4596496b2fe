"""Exact JSON in and out: numbers with a fraction are Decimals both ways, never floats.

Used by the HTTP layer (request bodies, responses) and by storage (the order document).
"""

from __future__ import annotations

import json
import re
import uuid
from decimal import Decimal
from typing import Any

MAX_JSON_DEPTH = 32


def _reject_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not a JSON number", name, 0)


def _depth(value: Any, limit: int) -> int:
    depth, level = 0, [value]
    while level:
        depth += 1
        if depth > limit:
            return depth
        nxt: list[Any] = []
        for v in level:
            if isinstance(v, dict):
                nxt.extend(v.values())
            elif isinstance(v, list):
                nxt.extend(v)
        level = nxt
    return depth - 1


def _integer(literal: str) -> int | Decimal:
    """A JSON integer; one longer than any field takes stays a Decimal, so its field refuses it by
    name (Python's int() refuses literals over 4,300 digits with an error no field can name)."""
    return int(literal) if len(literal) <= 40 else Decimal(literal)


def _fraction(literal: str) -> Decimal:
    """A JSON number with a fraction or exponent, exact; one whose exponent no Decimal can hold
    (`1e99999999999999999999`) reads as an infinity, which every number field refuses by name."""
    try:
        return Decimal(literal)
    except ArithmeticError:
        return Decimal("-Infinity" if literal.startswith("-") else "Infinity")


def loads(text: str | bytes) -> Any:
    """Strict JSON: numbers with a fraction become Decimal, no NaN/Infinity, bounded nesting."""
    try:
        value = json.loads(text, parse_float=_fraction, parse_int=_integer, parse_constant=_reject_constant)
    except RecursionError as exc:
        raise json.JSONDecodeError("JSON nested too deeply", str(text)[:20], 0) from exc
    if _depth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise json.JSONDecodeError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels", "", 0)
    return value


#: Decimals travel through json.dumps as marked strings and are unquoted after: a marker random per
#: process (no input can guess it), and its pattern compiled once, not on every call.
_MARKER = uuid.uuid4().hex
_MARKED = re.compile(f'"{_MARKER}([^"]*)"')


#: Serialization context flag: pydantic writes Decimals as marked strings, `unmark` makes them numbers.
NUMBERS = "numbers"
#: The same for the numbers of free-form JSON (`payload`) only (storage: money stays a string there,
#: while a client's payload number must come back a number, not a string).
FREE_NUMBERS = "free_numbers"


def number_token(value: Decimal) -> str:
    """A Decimal inside pydantic's JSON output, to become a JSON number in `unmark`."""
    return f"{_MARKER}{value}"


_OPEN = f'"{_MARKER}'


def unmark(text: str) -> str:
    """Marked Decimals (`number_token`) in a JSON text -> JSON numbers, digit for digit.

    Each `"<marker>12.50"` loses its opening quote and marker, and the quote that closes it (the
    first quote after the digits, which contain none).
    """
    head, *rest = text.split(_OPEN)
    return head + "".join(part.replace('"', "", 1) for part in rest)


def dumps(value: Any) -> str:
    """JSON with Decimals written digit for digit as numbers (never through float)."""
    marker, pattern = _MARKER, _MARKED

    def default(obj: Any) -> Any:
        if isinstance(obj, Decimal):
            if not obj.is_finite():
                raise ValueError("non-finite number")
            return f"{marker}{obj}"
        if hasattr(obj, "isoformat"):
            return obj.isoformat().replace("+00:00", "Z")
        raise TypeError(f"not JSON serialisable: {type(obj).__name__}")

    text = json.dumps(value, default=default, separators=(",", ":"), ensure_ascii=False)
    return pattern.sub(lambda m: m.group(1), text)
