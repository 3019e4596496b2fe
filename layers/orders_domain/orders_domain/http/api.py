"""HTTP glue shared by every function: the resolver factory, exact JSON, problem details.

Domain errors are mapped to RFC 9457 responses here and nowhere else.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler import Response as Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Body as Body
from aws_lambda_powertools.event_handler.openapi.params import Path as Path
from aws_lambda_powertools.event_handler.openapi.params import Query as Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse as OpenAPIResponse
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponseHeader

from orders_domain.domain.errors import (
    BadRequest,
    FieldError,
    NotFound,
    OrdersError,
    Unauthorized,
    UnsupportedMediaType,
)
from orders_domain.domain.jsonio import dumps, loads
from orders_domain.http.array_bodies import body_text, refused_array
from orders_domain.http.auth import TENANT_ID_PATTERN, Principal, authorize
from orders_domain.http.idempotency import StoredResponse
from orders_domain.http.problem import PROBLEM_JSON as PROBLEM_JSON
from orders_domain.http.problem import problem_body as problem_body
from orders_domain.http.routes import XML_ROUTES
from orders_domain.models.field_errors import field_errors_from_pydantic as field_errors_from_pydantic
from orders_domain.models.field_errors import validation_problem

APPLICATION_JSON = "application/json"
logger = Logger(service="orders")

#: The path parameters every route shares (one definition: the OpenAPI document describes them once).
TenantId = Annotated[str, Path(pattern=TENANT_ID_PATTERN, description="The tenant that owns the orders.")]
OrderRef = Annotated[str, Path(max_length=80, description="An order id, or `token-<token>`.")]

# Response headers, for the OpenAPI document of the routes that set them.
ETAG_HEADER: OpenAPIResponseHeader = {
    "description": 'The order\'s `sys_version`, quoted: `"3"`.',
    "schema": {"type": "string"},
}
LOCATION_HEADER: OpenAPIResponseHeader = {
    "description": "Path of the created order.",
    "schema": {"type": "string"},
}
REPLAYED_HEADER: OpenAPIResponseHeader = {
    "description": "`true` when this is the stored response of an earlier request with the same key.",
    "schema": {"type": "string", "enum": ["true"]},
}


# ------------------------------------------------------------------ JSON in and out
# ------------------------------------------------------------------ problem details
def problem_response(error: OrdersError, request_id: str) -> Response[str]:
    return Response(
        status_code=error.status,
        content_type=PROBLEM_JSON,
        body=dumps(problem_body(error, request_id)),
        headers=dict(error.headers),
    )


def json_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response[str]:
    return json_text_response(status, dumps(body), headers)


def json_text_response(status: int, text: str, headers: Mapping[str, str] | None = None) -> Response[str]:
    """A JSON response whose body is already JSON text."""
    return Response(status_code=status, content_type=APPLICATION_JSON, body=text, headers=dict(headers or {}))


def stored_response(stored: StoredResponse) -> Response[str]:
    headers = dict(stored.headers)
    if stored.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(
        status_code=stored.status, content_type=APPLICATION_JSON, body=stored.body, headers=headers
    )


# ------------------------------------------------------------------ the host a client called
#: A Host worth putting into URLs (RFC 3986 unreserved characters, or a bracketed IPv6 address), with
#: an optional port. The one rule: the local gateway's `domainName` and the theatre links both use it.
_HOST = re.compile(r"(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9._~-]+))(?::(?P<port>[0-9]{1,5}))?")
MAX_HOST_BYTES = 255


def sane_host(value: str | None) -> str | None:
    """`value` when it is a Host worth putting into URLs (a host name of unreserved characters, an
    IPv4 or a bracketed IPv6 address, an optional port up to 65535; at most 255 bytes), else None."""
    if not value or len(value.encode("utf-8")) > MAX_HOST_BYTES:
        return None
    match = _HOST.fullmatch(value)
    if match is None:
        return None
    if match["port"] is not None and int(match["port"]) > 65535:
        return None
    if match["ipv6"] is not None:
        try:
            import ipaddress  # only for a bracketed address: rare, and kept off the cold start

            ipaddress.IPv6Address(match["ipv6"])
        except ValueError:
            return None
    return value


# ------------------------------------------------------------------ request context
@dataclass(frozen=True)
class RequestInfo:
    request_id: str
    principal: Principal

    @property
    def tenant_id(self) -> str:
        return self.principal.tenant_id


def request_id_of(app: APIGatewayRestResolver) -> str:
    ctx = app.current_event.get("requestContext") or {}
    rid = ctx.get("requestId") if isinstance(ctx, Mapping) else None
    if rid:
        return str(rid)
    lambda_context = app.lambda_context
    return str(getattr(lambda_context, "aws_request_id", "") or uuid.uuid4())


def principal_of(app: APIGatewayRestResolver) -> Principal:
    """The caller as the authorizer described it (tenant, scopes, key id)."""
    ctx = app.current_event.get("requestContext") or {}
    auth = ctx.get("authorizer") if isinstance(ctx, Mapping) else None
    if not isinstance(auth, Mapping) or not auth.get("tenant_id"):
        raise Unauthorized("A valid API key is required.")
    scopes = tuple(str(auth.get("scopes", "")).split())
    party_type, party_id = auth.get("party_type"), auth.get("party_id")
    party = (str(party_type), str(party_id)) if party_type and party_id is not None else None
    return Principal(
        tenant_id=str(auth["tenant_id"]), scopes=scopes, key_id=str(auth.get("key_id", "")), party=party
    )


def require_caller(app: APIGatewayRestResolver, tenant_id: str | None) -> RequestInfo:
    """Defence in depth: the function checks tenant and scope again, whatever the gateway did.
    `tenant_id` None: a source dialect's route, for the key's own tenant (`RequestInfo.tenant_id`)."""
    principal = principal_of(app)
    event = app.current_event
    resource = event.get("resource") or event.path  # the route template: no stage prefix
    authorize(
        principal,
        tenant_id=tenant_id,
        method=event.http_method,
        resource=resource,
        path_parameters=event.path_parameters,
    )
    return RequestInfo(request_id=request_id_of(app), principal=principal)


def if_match_version(value: str | None) -> int | None:
    """The `sys_version` an `If-Match` header names: `"3"` (as `ETag` sends it), `W/"3"` or `3`;
    None when absent or `*` (any version). Anything else is a 400."""
    if value is None or value.strip() == "*":
        return None
    text = value.strip()
    if text.startswith("W/"):
        text = text[2:]
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    if not text.isdigit() or len(text) > 18:
        raise BadRequest(
            'If-Match must be the ETag of the order, e.g. "3".',
            errors=[FieldError("If-Match", 'must be an ETag such as "3"')],
        )
    return int(text)


def header(app: APIGatewayRestResolver, name: str) -> str | None:
    value = app.current_event.headers.get(name)  # case-insensitive in Powertools
    return value if isinstance(value, str) else None


# ------------------------------------------------------------------ documented responses
#: Set where the OpenAPI document is generated (local/openapi.py, the local gateway, the tests):
#: only then do routes carry their response models. Powertools builds a pydantic schema for each
#: response model of a route on the route's first request, only to document it, and a deployed
#: function never serves its document: on Lambda that was 40 ms of every cold start.
DOCUMENT_RESPONSES_ENV = "ORDERS_DOCUMENT_RESPONSES"


def json_content(model: Callable[[], Any]) -> dict[str, Any]:
    """A route's JSON response `content`: its model (`model()`, so a function that serves does not
    even import it) where the OpenAPI document is generated."""
    if os.environ.get(DOCUMENT_RESPONSES_ENV):
        return {"application/json": {"model": model()}}
    return {"application/json": {"schema": {}}}


# ------------------------------------------------------------------ the resolver factory
def build_resolver() -> APIGatewayRestResolver:
    """One resolver per function, with validation, OpenAPI and the shared error mapping."""
    app = APIGatewayRestResolver(enable_validation=True, serializer=dumps, json_body_deserializer=loads)

    @app.exception_handler(OrdersError)
    def _domain_error(exc: OrdersError) -> Response[str]:
        if exc.status >= 500:
            logger.exception("internal error")
        return problem_response(exc, request_id_of(app))

    @app.exception_handler(RequestValidationError)
    def _invalid_request(exc: RequestValidationError) -> Response[str]:
        raw = list(exc.errors())
        detail = "The request is not valid." if raw else "The request could not be read."
        return problem_response(validation_problem(detail, raw), request_id_of(app))

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported_media_type(_exc: RequestUnsupportedContentType) -> Response[str]:
        media_type = str(app.current_event.headers.get("content-type") or "").split(";")[0].strip()
        return problem_response(
            UnsupportedMediaType(f"Send the body as application/json, not {media_type}."), request_id_of(app)
        )

    @app.exception_handler(NotFoundError)
    def _no_route(_exc: NotFoundError) -> Response[str]:
        return problem_response(NotFound("No route matches this method and path."), request_id_of(app))

    @app.exception_handler(Exception)
    def _fault(exc: Exception) -> Response[str]:
        # A store error that reached here untranslated (storage translates its own: a safety net):
        # throttling is still a 429, a store that did not answer a 503, never a 500.
        from orders_domain.storage.faults import transient_error

        transient = transient_error(exc) or transient_error(exc.__cause__)
        if transient is not None:
            logger.warning("untranslated store error", exc_info=exc)
            return problem_response(transient, request_id_of(app))
        logger.exception("unhandled error")
        return problem_response(
            OrdersError("The request could not be completed; quote the instance id when reporting it."),
            request_id_of(app),
        )

    return app


def preflight(event: Mapping[str, Any]) -> OrdersError | None:
    """Refuse bodies no route can read before the resolver sees them: not JSON, or not UTF-8."""
    body = event.get("body")
    if not body:
        return None
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    media_type = str(headers.get("content-type") or "").split(";")[0].strip().lower()
    if media_type and not (media_type == APPLICATION_JSON or media_type.endswith("+json")):
        return UnsupportedMediaType(f"Send the body as application/json, not {media_type}.")
    if event.get("isBase64Encoded") and body_text(event) is None:
        return BadRequest("The body is not UTF-8 encoded JSON.", errors=[FieldError("body", "is not UTF-8")])
    return None


def with_media_type_lowered(event: dict[str, Any]) -> dict[str, Any]:
    """Media types are case-insensitive (RFC 9110 8.3.1): `APPLICATION/JSON; charset=utf-8` is JSON.
    The resolver compares them as written, so its copy of the event carries the type in lower case."""
    headers = event.get("headers") or {}
    name = next((k for k in headers if str(k).lower() == "content-type"), None)
    if name is None or not isinstance(headers[name], str):
        return event
    value = headers[name]
    media, sep, params = value.partition(";")
    lowered = media.strip().lower() + sep + params
    if lowered == value:
        return event
    event = {**event, "headers": {**headers, name: lowered}}
    multi = event.get("multiValueHeaders") or {}
    if name in multi:
        event["multiValueHeaders"] = {**multi, name: [lowered]}
    return event


def resolve(
    app: APIGatewayRestResolver,
    event: dict[str, Any],
    context: Any,
    answer: Callable[[dict[str, Any], Any], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Run the resolver (or `answer`: the function's fast path, fast_path.FastPaths.resolve, which
    falls back to it) and stamp `x-request-id` on whatever it answered. On the distribution
    dialect's routes an XML request is read as JSON first, and the answer written in XML when the
    client asked for it (dialects.xml): the routes themselves speak JSON only."""
    ctx = event.get("requestContext") or {}
    request_id = str(ctx.get("requestId") or getattr(context, "aws_request_id", ""))
    xml_answer = False
    if (str(event.get("httpMethod", "")).upper(), str(event.get("resource", ""))) in XML_ROUTES:
        from orders_domain.dialects import xml  # only the distribution routes load the XML parser

        edge = xml.translate_request(event)
        event, xml_answer, error = edge.event, edge.xml_answer, edge.error
    else:
        error = preflight(event)
        event = with_media_type_lowered(event)
    if error is None:
        error = refused_array(app, event)
    if error is not None:
        result: dict[str, Any] = {
            "statusCode": error.status,
            "headers": {"Content-Type": PROBLEM_JSON},
            "body": dumps(problem_body(error, request_id)),
            "isBase64Encoded": False,
        }
    else:
        result = (answer or app.resolve)(event, context)
    if xml_answer:
        result = xml.translate_response(result)
    headers = result.setdefault("headers", {}) or {}
    result["headers"] = headers
    headers["x-request-id"] = request_id
    if result.get("multiValueHeaders") is not None:
        result["multiValueHeaders"]["x-request-id"] = [headers["x-request-id"]]
    return result
