"""A JSON array where a route reads one object is a 400, not its first element.

Powertools' request validation, given a body that is a JSON array for a body parameter that is no
sequence, validates the array's first element and drops the rest (`_normalize_field_value` of the
pinned 3.37.0): `[{...an order...}, "anything"]` would create the order, `[{}]` would set a tenant's
catalogue settings to their defaults (`make fuzz` found the second: schemathesis' ST201). Here, before
the resolver sees the request, a body whose JSON is an array is refused unless the route it is sent to
reads a sequence (JSON Patch's PATCH), decided from the routes' own body annotations with the same test
Powertools applies, so no list of routes is kept by hand.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler.middlewares.openapi_validation import _is_or_contains_sequence

from orders_domain.domain.errors import BadRequest, FieldError

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

_PARAMETER = re.compile(r"<(\w+)>")
#: The resolver's attribute holding the (method, API Gateway resource) of its routes whose body may
#: be a JSON array (found on its first request: every route is registered when its module is imported).
_CACHE = "_orders_sequence_bodies"


def refused_array(app: APIGatewayRestResolver, event: Mapping[str, Any]) -> BadRequest | None:
    """The 400 for a JSON array sent to a route whose body is one object; None otherwise."""
    if not _is_array(event):
        return None
    route = (str(event.get("httpMethod", "")).upper(), str(event.get("resource", "")))
    if route in _sequence_bodies(app):
        return None
    return BadRequest(
        "The body must be a JSON object, not an array.",
        errors=[FieldError("body", "must be a JSON object, not an array")],
    )


def body_text(event: Mapping[str, Any]) -> str | None:
    """The request's body as text (base64 decoded when API Gateway encoded it); None when there is
    none, or an encoded one is not base64 of UTF-8."""
    body = event.get("body")
    if not body:
        return None
    if not event.get("isBase64Encoded"):
        return str(body)
    try:
        return base64.b64decode(str(body), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def _is_array(event: Mapping[str, Any]) -> bool:
    text = body_text(event)
    return text is not None and text.lstrip(" \t\r\n").startswith("[")


def _sequence_bodies(app: APIGatewayRestResolver) -> frozenset[tuple[str, str]]:
    found: frozenset[tuple[str, str]] | None = getattr(app, _CACHE, None)
    if found is None:
        found = frozenset(
            (route.method.upper(), _PARAMETER.sub(r"{\1}", route.path))
            for route in [*app._static_routes, *app._dynamic_routes]
            if any(_is_or_contains_sequence(f.field_info.annotation) for f in route.dependant.body_params)
        )
        setattr(app, _CACHE, found)
    return found
