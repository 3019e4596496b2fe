"""pydantic's validation errors as the API's field errors (`line_items[0].quantity`: "is required").

The one conversion: the HTTP layer uses it for request bodies, services for documents they validate
(a patched order).
"""

from collections.abc import Callable, Mapping
from typing import Any

from orders_domain.domain.errors import FieldError, OrdersError, Unprocessable, ValidationFailed
from orders_domain.models.orders import is_server_owned
from orders_domain.models.types import DUPLICATE_ID


def _loc_to_path(loc: tuple[Any, ...] | list[Any]) -> str:
    path = ""
    for part in loc:
        if part in ("body",) and not path:
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path or "body"


def field_errors_from_pydantic(errors: list[Mapping[str, Any]]) -> list[FieldError]:
    out: list[FieldError] = []
    for err in errors:
        loc = list(err.get("loc", ()))
        kind = err.get("type", "")
        if kind == "json_invalid":
            out.append(FieldError("body", "is not valid JSON"))
            continue
        if kind in ("model_attributes_type", "dict_type") and loc in (["body"], []):
            out.append(FieldError("body", "must be a JSON object"))
            continue
        ctx = err.get("ctx") or {}
        # Whole-request rules (e.g. decimals per currency) name their field in ctx.
        field = str(ctx["field"]) if isinstance(ctx, Mapping) and ctx.get("field") else _loc_to_path(loc)
        message = str(err.get("msg", "is invalid"))
        if kind == "extra_forbidden":
            path = loc[1:] if loc[:1] == ["body"] else loc
            is_server = is_server_owned(path)
            message = "is set by the server and may not be sent" if is_server else "is not a known field"
        elif kind == "missing":
            message = "is required"
        elif message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        out.append(FieldError(field, message))
    return out


def validation_problem(
    detail: str, errors: list[Mapping[str, Any]], *, rename: Callable[[str], str] | None = None
) -> OrdersError:
    """The problem for a body pydantic refused: 400, or 422 when its only fault is an id named twice
    in one list (well-formed, but it would count one line, unit or fulfillment twice). `rename` maps
    each field to the name the client sent it under (a batch operation's `object.`, a dialect's)."""
    fields = field_errors_from_pydantic(errors)
    if rename is not None:
        fields = [FieldError(rename(e.field), e.error) for e in fields]
    if errors and all(err.get("type") == DUPLICATE_ID for err in errors):
        return Unprocessable("The request names the same id more than once.", errors=fields)
    return ValidationFailed(detail, errors=fields)
