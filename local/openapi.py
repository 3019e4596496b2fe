"""The OpenAPI document of the whole API: every function's Powertools schema, merged by the
gateway, plus what lives outside the handlers (info, servers, tags, API-key security, problem
responses, the Retry-After, Idempotency-Key and If-Match headers). `python -m local.openapi` prints it;
docs/openapi.json is its output, and `make openapi-lint` validates it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

# Functions imported from here document their response models (orders_domain.http.api.json_content).
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
    "413": "The body, or the order as it would be stored (in bytes), is too large.",
    "414": "The request line (path and query) is too long (the gateway's limit).",
    "431": "The request's header fields are too large (the gateway's limit).",
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

#: Sent with a 409 (the idempotency key is still being processed), a 429 (throttled) and a 503 (the
#: store did not answer): how many seconds to wait before retrying (RFC 9110, delay-seconds).
RETRY_AFTER_HEADER: dict[str, Any] = {
    "description": "Seconds to wait before retrying (RFC 9110 `delay-seconds`). Sent with a 409 whose "
    "idempotency key is still being processed, with a 429 from the order store and with a 503; "
    "API Gateway's own throttling 429 and a 409 about the order's state do not send it.",
    "required": False,
    "schema": {"type": "integer", "minimum": 0, "examples": [1]},
}
RETRY_AFTER_STATUSES = ("409", "429", "503")
RETRY_AFTER_REF = {"$ref": "#/components/headers/Retry-After"}

#: The tags the routes use, each described (a route with another tag fails the document's tests).
TAGS: dict[str, str] = {
    "orders": "The tenant's orders: create (and preview), get, change (JSON Patch, PUT, batches), "
    "soft delete, cancel, void, close, and an order's history.",
    "search": "Find orders: the tenant's list, search and every lookup (never a Scan), paged by "
    "`exclusiveStartKey`.",
    "fulfillments": "Fulfil orders; list, get and update their fulfillment records (tracking, will-call "
    "pickup).",
    "refunds": "Refund order lines; the refund reasons a refund may give; the will-call check (what "
    "may be refunded).",
    "portal": "A customer portal's view of one contact's or organization's own orders (bill-to or "
    "ship-to): a portal key reaches these routes only, for its own party.",
    "notifications": "An order's (or one line's) notification e-mail, rendered from the caller's Mustache "
    "templates and sent (SES on AWS; the local outbox under `make serve`).",
    "catalogue": "The tenant's catalogue (products, their stock and prices, shipping products, settings) "
    "and customers' open credits: admin writes, reads with the read scope.",
    "theatre": "The theatre-ticket API's dialect (seeds/000, 001): its order, fulfil, will-call check, "
    "refund reasons and refund, for the key's own tenant.",
    "distribution": "The distribution API's dialect: create, get and change orders in JSON or XML, with "
    "`X-ADILITY-API-KEY`.",
    "keys": "The API key a request is made with: its tenant, id and scopes (what the operator console asks "
    "first).",
}

INFO: dict[str, Any] = {
    "description": "A multi-tenant order service on AWS Lambda, API Gateway and DynamoDB: one contract for "
    "the order APIs of a commerce platform, a theatre-ticket API, a fulfilments resource and a "
    "distribution API. Every error is an RFC 9457 problem; writes take an `Idempotency-Key`. "
    "docs/API.md summarises the contract.",
    # The project publishes no address (no repository URL, no e-mail): the contact names its maintainers.
    "contact": {"name": "Orders API maintainers"},
    # pyproject.toml: `license = { text = "Apache-2.0" }`.
    "license": {"name": "Apache License 2.0", "identifier": "Apache-2.0"},
}

SERVERS: list[dict[str, Any]] = [
    {
        "url": "https://{restApiId}.execute-api.{region}.amazonaws.com/{stage}",
        "description": "A deployment of template.yaml (its `ApiUrl` output).",
        "variables": {
            "restApiId": {"default": "your-rest-api-id", "description": "The stack's `OrdersApi` id."},
            "region": {"default": "us-east-1", "description": "The stack's AWS region."},
            "stage": {"default": "v1", "description": "The template's `StageName` parameter."},
        },
    },
    {"url": "http://127.0.0.1:3000", "description": "`make serve` (`ORDERS_PORT` moves the port)."},
]


XML_BODY: dict[str, Any] = {
    "schema": {
        "type": "string",
        # The document's octets: its declaration names the encoding, so a client sends and reads bytes.
        "format": "binary",
        "description": "The same document as XML: `<order>...</order>` with the JSON member names as "
        "elements (lists as `<items><item>...</item></items>`).",
    }
}
PROBLEM_XML: dict[str, Any] = {
    "schema": {"type": "string", "description": "The problem in RFC 7807's XML form (`urn:ietf:rfc:7807`)."}
}
NOT_ACCEPTABLE = "`Accept` names neither application/json nor application/xml."


def _problem_content() -> dict[str, Any]:
    return {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


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
            body.setdefault("application/problem+json", _problem_content()["application/problem+json"])


def enrich(document: dict[str, Any]) -> dict[str, Any]:
    """Add what the handlers do not say to a merged document: info (contact, license), servers, tag
    descriptions, security, problem responses, the Retry-After, Idempotency-Key and If-Match headers,
    XML on the distribution routes; and drop Powertools' own validation-error schemas."""
    from orders_domain.http.routes import BODY_KEYED_ROUTES, CONDITIONAL_ROUTES, IDEMPOTENT_ROUTES, XML_ROUTES

    document.setdefault("info", {}).update(INFO)
    document["servers"] = SERVERS
    components = document.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    components.setdefault("headers", {})["Retry-After"] = RETRY_AFTER_HEADER
    components["securitySchemes"] = {
        "ApiKeyAuthorization": {"type": "apiKey", "in": "header", "name": "Authorization"},
        "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "x-api-key"},
        "DistributionApiKey": {"type": "apiKey", "in": "header", "name": "X-ADILITY-API-KEY"},
    }
    document["security"] = [{"ApiKeyAuthorization": []}, {"ApiKeyHeader": []}, {"DistributionApiKey": []}]
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            # Powertools documents its own 422 validation shape; ours are problem details (400).
            responses.pop("422", None)
            for status, description in ERRORS.items():
                # A content map of its own each: an XML route adds `application/problem+xml` to its own.
                responses.setdefault(status, {"description": description, "content": _problem_content()})
            # A 204 has no body (Powertools documents the handler's return type for every status).
            (responses.get("204") or {}).pop("content", None)
            for response in responses.values():
                response.setdefault("headers", {})["x-request-id"] = REQUEST_ID_HEADER
            for status in RETRY_AFTER_STATUSES:
                responses[status]["headers"]["Retry-After"] = RETRY_AFTER_REF
            if (method.upper(), path) in IDEMPOTENT_ROUTES - BODY_KEYED_ROUTES:
                operation.setdefault("parameters", []).append(IDEMPOTENCY_HEADER)
            if (method.upper(), path) in CONDITIONAL_ROUTES:
                operation.setdefault("parameters", []).append(IF_MATCH_HEADER)
            if (method.upper(), path) in XML_ROUTES:
                _speak_xml(operation)
    used_tags = {
        tag
        for operations in document.get("paths", {}).values()
        for op in operations.values()
        for tag in op.get("tags", [])
    }
    others = [tag for tag in document.get("tags", []) if tag["name"] not in TAGS]
    document["tags"] = [
        {"name": name, "description": text} for name, text in TAGS.items() if name in used_tags
    ] + others
    schemas = components["schemas"]
    _drop_powertools_error_schemas(document)
    for schema in schemas.values():
        _json_numbers(schema)
    return document


_SCHEMA_REF = "#/components/schemas/"


def _refs(node: Any) -> set[str]:
    """The component schemas `node` refers to directly."""
    if isinstance(node, dict):
        found = {
            v.removeprefix(_SCHEMA_REF)
            for k, v in node.items()
            if k == "$ref" and isinstance(v, str) and v.startswith(_SCHEMA_REF)
        }
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


#: The schemas Powertools adds for its own validation errors; ours are problem details (`Problem`).
POWERTOOLS_ERROR_SCHEMAS = ("HTTPValidationError", "ResponseValidationError", "ValidationError")


def _drop_powertools_error_schemas(document: dict[str, Any]) -> None:
    """Drop Powertools' validation-error schemas, and then every schema left pointing at a schema that
    is not there which nothing refers to (so none is left dangling: `ResponseValidationError` refers to
    `ValidationError`). A schema still in use that points nowhere stays, for the tests to name."""
    schemas: dict[str, Any] = document["components"]["schemas"]
    for name in POWERTOOLS_ERROR_SCHEMAS:
        schemas.pop(name, None)
    while True:
        used = _refs({**document, "components": {**document["components"], "schemas": {}}})
        used |= set().union(*(_refs(schema) for schema in schemas.values()))
        dangling = {
            name for name, schema in schemas.items() if _refs(schema) - set(schemas) and name not in used
        }
        if not dangling:
            return
        for name in dangling:
            del schemas[name]


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
