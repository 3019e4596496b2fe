"""Opaque page tokens: the one place that writes and reads them.

A token is base64url of a small JSON object naming the kind of page it continues and where; it is
bound to what it pages (a history token names its order), and anything that is not a token of
this kind for this query is a 400. Tokens of the list and search routes (issue 18) are to be
signed as well: they carry index positions a client must not forge; a history token carries only
a version number of an order the caller may already read.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from orders_domain.errors import BadRequest, FieldError

#: Longer than any token this module writes.
MAX_TOKEN_LENGTH = 512


def encode(kind: str, position: Mapping[str, Any]) -> str:
    text = json.dumps({"k": kind, **position}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(
    kind: str, token: str, *, parameter: str, bound: Mapping[str, Any], counters: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The position a token holds; a 400 naming `parameter` unless it is a `kind` token whose bound
    fields equal `bound` (the query it was issued for) and whose `counters` are whole numbers >= 0."""
    try:
        if len(token) > MAX_TOKEN_LENGTH:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        position = json.loads(raw)
        if not isinstance(position, dict) or position.pop("k", None) != kind:
            raise ValueError("not this kind of token")
        if any(position.get(name) != value for name, value in bound.items()):
            raise ValueError("issued for another query")
        for name in counters:
            value = position.get(name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} is not a position")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadRequest(
            f"{parameter} is not a page token of this request.",
            errors=[FieldError(parameter, "use the LastEvaluatedKey of the previous page of this request")],
        ) from None
    return position
