"""The OpenAPI document of the whole API: every function's Powertools schema, merged by the
gateway, plus what lives outside the handlers (API-key security, problem responses, the
Idempotency-Key header). `python -m local.openapi` prints it; docs/openapi.json is its output.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

# Functions imported from here document their response models (orders_domain.api.json_content).
os.environ.setdefault("ORDERS_DOCUMENT_RESPONSES", "1")

ROOT = Path(__file__).resolve().parent.parent

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail", "code", "instance"],
    "properties": {
        "type": {"type": "string", "examples": ["/problems/validation_error"]},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "examples": ["validation_error", "idempotency_key_reused"]},
        "instance": {"type": "string", "description": "The request id."},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "error": {"type": "string"}},
                "required": ["field", "error"],
            },
        },
    },
}

ERRORS = {
    "400": "Malformed JSON, unknown or server-set fields, schema violations, a bad Idempotency-Key.",
    "415": "The body is not application/json.",
    "401": "No API key, or an unknown one.",
    "403": "The key belongs to another tenant or lacks the route's scope.",
    "404": "No such order (or route).",
    "409": "The order's state forbids it, or the idempotency key is still being processed.",
    "412": "`If-Match` names a version the order is no longer at (it changed since it was read).",
    "413": "The body or the order is too large.",
    "422": "Well-formed but does not fit (e.g. a discount over the amount), or an idempotency key reused "
    "with another request.",
    "429": "Throttled; retry after `Retry-After` seconds.",
    "503": "The order store did not answer in time or failed on its side; nothing is half-written: retry "
    "(with the same Idempotency-Key).",
    "500": "A fault on our side; quote `instance`.",
}

IDEMPOTENCY_HEADER: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Makes the request safe to retry (IETF Idempotency-Key draft): the same key and request within "
        "24 h replays the first response with `Idempotent-Replayed: true`; another request under the "
        "same key is a 422; a retry while the first runs is a 409 with `Retry-After`. "
        "Scoped to tenant and route."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 257},
}

IF_MATCH_HEADER: dict[str, Any] = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": 'The order\'s `ETag` (`"3"`): the change is made only if the order is still at that '
    "version, else 412. Without it, a change that meets a concurrent one is applied again to the new "
    "version.",
    "schema": {"type": "string", "maxLength": 40},
}

REQUEST_ID_HEADER: dict[str, Any] = {
    "description": "The request id; also the `instance` of a problem.",
    "schema": {"type": "string"},
}


XML_BODY: dict[str, Any] = {
    "schema": {
        "type": "string",
        "description": "The same document as XML: `<order>...</order>` with the JSON member names as "
        "elements (lists as `<items><item>...</item></items>`).",
    }
}
PROBLEM_XML: dict[str, Any] = {
    "schema": {"type": "string", "description": "The problem in RFC 7807's XML form (`urn:ietf:rfc:7807`)."}
}
NOT_ACCEPTABLE = "`Accept` names neither application/json nor application/xml."


def _speak_xml(operation: dict[str, Any]) -> None:
    """A distribution route: XML as well as JSON, in and out (dialects.xml translates at the edge)."""
    content = (operation.get("requestBody") or {}).get("content") or {}
    if "application/json" in content:
        content["application/xml"] = XML_BODY
    responses = operation.setdefault("responses", {})
    responses.setdefault(
        "406", {"description": NOT_ACCEPTABLE, "headers": {"x-request-id": REQUEST_ID_HEADER}}
    )
    for status, response in responses.items():
        body = response.setdefault("content", {})
        if status.startswith("2"):
            body["application/xml"] = XML_BODY
        else:
            body["application/problem+xml"] = PROBLEM_XML
            body.setdefault("application/problem+json", {"schema": {"$ref": "#/components/schemas/Problem"}})


def enrich(document: dict[str, Any]) -> dict[str, Any]:
    """Add security, problem responses and the idempotency header to a merged document."""
    from orders_domain.routes import BODY_KEYED_ROUTES, CONDITIONAL_ROUTES, IDEMPOTENT_ROUTES, XML_ROUTES

    components = document.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    components["securitySchemes"] = {
        "ApiKeyAuthorization": {"type": "apiKey", "in": "header", "name": "Authorization"},
        "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "x-api-key"},
        "DistributionApiKey": {"type": "apiKey", "in": "header", "name": "X-ADILITY-API-KEY"},
    }
    document["security"] = [{"ApiKeyAuthorization": []}, {"ApiKeyHeader": []}, {"DistributionApiKey": []}]
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            # Powertools documents its own 422 validation shape; ours are problem details (400).
            responses.pop("422", None)
            for status, description in ERRORS.items():
                responses.setdefault(status, {"description": description, "content": problem})
            for response in responses.values():
                response.setdefault("headers", {})["x-request-id"] = REQUEST_ID_HEADER
            if (method.upper(), path) in IDEMPOTENT_ROUTES - BODY_KEYED_ROUTES:
                operation.setdefault("parameters", []).append(IDEMPOTENCY_HEADER)
            if (method.upper(), path) in CONDITIONAL_ROUTES:
                operation.setdefault("parameters", []).append(IF_MATCH_HEADER)
            if (method.upper(), path) in XML_ROUTES:
                _speak_xml(operation)
    schemas = components["schemas"]
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    for schema in schemas.values():
        _json_numbers(schema)
    return document


_BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


def _json_numbers(schema: Any) -> None:
    """Decimal (and validated int) fields: pydantic leaves some bounds as `ge`/`le` and defaults as "0"."""
    if isinstance(schema, dict):
        if schema.get("type") in ("number", "integer"):
            for short, keyword in _BOUNDS.items():
                if short in schema:
                    schema[keyword] = schema.pop(short)
            # pydantic writes Decimal bounds and defaults as strings ("1000000000000"): JSON numbers here.
            for keyword in ("default", *_BOUNDS.values(), "multipleOf"):
                if isinstance(schema.get(keyword), str):
                    schema[keyword] = json.loads(schema[keyword])
        for value in schema.values():
            _json_numbers(value)
    elif isinstance(schema, list):
        for value in schema:
            _json_numbers(value)


def build() -> dict[str, Any]:
    from local.gateway import Gateway

    return Gateway(ROOT / "template.yaml").openapi()


def main() -> int:
    sys.stdout.write(json.dumps(build(), indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
