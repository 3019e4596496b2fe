"""A domain error as an RFC 9457 problem body: the one mapping every answer uses (http.api's
responses, and the console function's, which answers without the resolver)."""

from __future__ import annotations

from typing import Any

from orders_domain.domain.errors import OrdersError

PROBLEM_JSON = "application/problem+json"


def problem_body(error: OrdersError, request_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"/problems/{error.code}",
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
        "code": error.code,
        "instance": request_id,
    }
    if error.errors:
        body["errors"] = [{"field": e.field, "error": e.error} for e in error.errors]
    return body
