"""A local stand-in for API Gateway (REST API, Lambda proxy integration) built from template.yaml.

Routes, the Lambda REQUEST authorizer and the gateway responses all come from the template, so a
request answered here is answered the same way on AWS: same events, same problem bodies.
"""

from __future__ import annotations

import base64
import importlib
import json
import logging
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from local import lambda_runtime

# The local gateway serves /openapi.json from the functions it loads: they document their responses.
os.environ.setdefault("ORDERS_DOCUMENT_RESPONSES", "1")
from local.tables import load_template

logger = logging.getLogger(__name__)

FUNCTION_TYPE = "AWS::Serverless::Function"
API_TYPE = "AWS::Serverless::Api"
GATEWAY_RESPONSE_TYPE = "AWS::ApiGateway::GatewayResponse"
MAX_BODY_BYTES = 6_291_456  # Lambda's synchronous invocation payload limit (6 MB)
ACCOUNT_ID = "000000000000"
REGION = "us-east-1"
API_ID = "local"
PROBLEM_JSON = "application/problem+json"
SWAGGER_UI_VERSION = "5"

# API Gateway's own status and message per gateway response type, used when the template does not
# set a StatusCode; DEFAULT_4XX / DEFAULT_5XX supply the body when a type has no template of its own.
_RESPONSE_DEFAULTS: dict[str, tuple[int, str]] = {
    "UNAUTHORIZED": (401, "Unauthorized"),
    "ACCESS_DENIED": (403, "User is not authorized to access this resource with an explicit deny"),
    "MISSING_AUTHENTICATION_TOKEN": (403, "Missing Authentication Token"),
    "REQUEST_TOO_LARGE": (413, "Request Too Long"),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, "Internal server error"),
    "AUTHORIZER_FAILURE": (500, "Internal server error"),
    "DEFAULT_5XX": (502, "Internal server error"),
}

_SWAGGER_HTML = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Orders API</title>
  <link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@{version}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@{version}/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({{url: "/openapi.json", dom_id: "#swagger-ui"}});
  </script>
</body>
</html>
"""

Headers = Mapping[str, str] | Iterable[tuple[str, str]]
#: A path the gateway answers itself for `make serve` (e.g. GET /_local/events): the query's
#: parameters -> (status, JSON body).
LocalRoute = Callable[[Mapping[str, str]], tuple[int, Any]]


#: How much of a refused (oversize) body the HTTP server still reads and throws away.
DRAIN_LIMIT_BYTES = 64 * 1024 * 1024
DRAIN_IDLE_SECONDS = 2.0


class AuthorizerError(Exception):
    """The authorizer answered something API Gateway would not accept (AuthorizerConfigurationException)."""


@dataclass(frozen=True)
class Route:
    """One method on one resource path, served by one function's handler."""

    method: str
    path: str
    module: str
    handler: str
    function_id: str
    authorized: bool = True
    segments: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(s for s in self.path.split("/") if s))

    @property
    def specificity(self) -> tuple[int, ...]:
        """Sort key: a literal segment outranks a {param}, which outranks a greedy {param+}."""
        return tuple(0 if s.endswith("+}") else 1 if s.startswith("{") else 2 for s in self.segments)

    def match(self, segments: list[str]) -> dict[str, str] | None:
        """Path parameters when the (still URL-encoded) request segments fit this resource, else None."""
        params: dict[str, str] = {}
        for index, pattern in enumerate(self.segments):
            if pattern.startswith("{") and pattern.endswith("+}"):
                if index >= len(segments):
                    return None
                params[pattern[1:-2]] = unquote("/".join(segments[index:]))
                return params
            if index >= len(segments):
                return None
            if pattern.startswith("{") and pattern.endswith("}"):
                params[pattern[1:-1]] = unquote(segments[index])
            elif pattern != unquote(segments[index]):
                return None
        return params if len(segments) == len(self.segments) else None


@dataclass(frozen=True)
class GatewayResponse:
    """One AWS::ApiGateway::GatewayResponse of the template."""

    status: int | None
    template: str | None
    headers: dict[str, str]


# ---------------------------------------------------------------------------- template reading
def _get_att_target(value: Any) -> str | None:
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        return str(target[0]) if isinstance(target, list) else str(target).split(".", 1)[0]
    return None


def _handler_location(properties: Mapping[str, Any]) -> tuple[str, str]:
    code_uri = str(properties.get("CodeUri") or "").strip().strip("/")
    code_uri = code_uri.removeprefix("./")
    handler_module, _, attribute = str(properties.get("Handler") or "app.lambda_handler").rpartition(".")
    package = ".".join(part for part in code_uri.split("/") if part)
    return (f"{package}.{handler_module}" if package else handler_module), attribute


def _functions(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    defaults = ((template.get("Globals") or {}).get("Function")) or {}
    return {
        logical_id: {**defaults, **(resource.get("Properties") or {})}
        for logical_id, resource in (template.get("Resources") or {}).items()
        if isinstance(resource, dict) and resource.get("Type") == FUNCTION_TYPE
    }


def authorizer_function_id(template: Mapping[str, Any]) -> str | None:
    """Logical id of the function behind the API's DefaultAuthorizer (FunctionArn: !GetAtt X.Arn)."""
    for resource in (template.get("Resources") or {}).values():
        if not isinstance(resource, dict) or resource.get("Type") != API_TYPE:
            continue
        auth = (resource.get("Properties") or {}).get("Auth") or {}
        name = auth.get("DefaultAuthorizer")
        if name and name != "NONE":
            authorizer = (auth.get("Authorizers") or {}).get(name) or {}
            return _get_att_target(authorizer.get("FunctionArn"))
    return None


def routes_from_template(template: Mapping[str, Any]) -> list[Route]:
    """Every `Type: Api` event of every AWS::Serverless::Function, as a Route."""
    routes: list[Route] = []
    for logical_id, properties in _functions(template).items():
        module, attribute = _handler_location(properties)
        for event in (properties.get("Events") or {}).values():
            if not isinstance(event, dict) or event.get("Type") != "Api":
                continue
            event_properties = event.get("Properties") or {}
            auth = event_properties.get("Auth") or {}
            routes.append(
                Route(
                    method=str(event_properties["Method"]).upper(),
                    path="/" + str(event_properties["Path"]).strip("/"),
                    module=module,
                    handler=attribute,
                    function_id=logical_id,
                    authorized=auth.get("Authorizer") != "NONE",
                )
            )
    return routes


def gateway_responses(template: Mapping[str, Any]) -> dict[str, GatewayResponse]:
    """ResponseType -> the template's status, application/json body template and static/context headers."""
    responses: dict[str, GatewayResponse] = {}
    for resource in (template.get("Resources") or {}).values():
        if not isinstance(resource, dict) or resource.get("Type") != GATEWAY_RESPONSE_TYPE:
            continue
        properties = resource.get("Properties") or {}
        headers = {}
        for key, value in (properties.get("ResponseParameters") or {}).items():
            if key.startswith("gatewayresponse.header."):
                headers[key.removeprefix("gatewayresponse.header.")] = str(value)
        status = properties.get("StatusCode")
        responses[str(properties["ResponseType"])] = GatewayResponse(
            status=int(status) if status is not None else None,
            template=(properties.get("ResponseTemplates") or {}).get("application/json"),
            headers=headers,
        )
    return responses


class OpenAPIConflict(Exception):
    """Two functions document one operation, or different schemas under one component name."""


def merge_components(merged: dict[str, Any], entries: Mapping[str, Any], section: str, module: str) -> None:
    """Add one function's components; the same name with other content is refused, never overwritten
    (the same content again is one shared model, documented by each function that uses it)."""
    for name, value in entries.items():
        if name in merged and merged[name] != value:
            raise OpenAPIConflict(
                f"components.{section}.{name} from {module} differs from another function's; rename one"
            )
        merged[name] = value


def merge_operations(merged: dict[str, Any], operations: Mapping[str, Any], path: str, module: str) -> None:
    """Add one function's operations on a path. A method another function already documents there is
    refused even when both say the same: one operation is served by one function, and a second
    document of it means two functions claim it (never a silent overwrite)."""
    for method, operation in operations.items():
        if method in merged:
            raise OpenAPIConflict(
                f"{method.upper()} {path} from {module} is documented by another function too"
            )
        merged[method] = operation


def function_handlers(template: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """Every function of the template: logical id -> (handler module, attribute)."""
    return {logical_id: _handler_location(props) for logical_id, props in _functions(template).items()}


# ---------------------------------------------------------------------------- helpers
def _header_pairs(headers: Headers | None) -> list[tuple[str, str]]:
    if not headers:
        return []
    items = headers.items() if isinstance(headers, Mapping) else headers
    return [(str(name), str(value)) for name, value in items]


def _get_header(pairs: list[tuple[str, str]], name: str) -> str | None:
    found = [value for key, value in pairs if key.lower() == name.lower()]
    return found[-1] if found else None


def _multi(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
    return multi


def _arn_pattern_matches(pattern: str, value: str) -> bool:
    # IAM wildcards: `*` any run of characters (slashes included), `?` one character.
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _policy_allows(policy: Any, method_arn: str) -> bool:
    """IAM evaluation of an authorizer policy for execute-api:Invoke on method_arn (explicit Deny wins)."""
    if not isinstance(policy, dict) or not isinstance(policy.get("Statement"), list | dict):
        raise AuthorizerError("policyDocument has no Statement")
    allowed = False
    for statement in _as_list(policy["Statement"]):
        if not isinstance(statement, dict):
            raise AuthorizerError("policy statement is not an object")
        actions = _as_list(statement.get("Action", []))
        resources = _as_list(statement.get("Resource", []))
        if not any(_arn_pattern_matches(str(a), "execute-api:Invoke") for a in actions):
            continue
        if not any(_arn_pattern_matches(str(r), method_arn) for r in resources):
            continue
        effect = str(statement.get("Effect", "")).lower()
        if effect == "deny":
            return False
        if effect == "allow":
            allowed = True
    return allowed


def _authorizer_context(result: Mapping[str, Any]) -> dict[str, Any]:
    # API Gateway hands REST integrations the context with every value stringified and rejects
    # objects and arrays (a 500), so a handler relying on real booleans fails here as it would on AWS.
    context = result.get("context") or {}
    if not isinstance(context, dict):
        raise AuthorizerError("context is not an object")
    out: dict[str, Any] = {}
    for key, value in context.items():
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif value is None or isinstance(value, str):
            out[key] = value
        elif isinstance(value, int | float):
            out[key] = str(value)
        else:
            raise AuthorizerError(f"context value {key!r} is not a string, number or boolean")
    out["principalId"] = result["principalId"]
    out["integrationLatency"] = 0
    return out


def _merge_response_headers(result: Mapping[str, Any]) -> dict[str, list[str]]:
    # As API Gateway does: headers and multiValueHeaders merge; for a name in both, multiValueHeaders wins.
    merged: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for name, value in (result.get("headers") or {}).items():
        names.setdefault(name.lower(), name)
        merged[names[name.lower()]] = [str(value)]
    multi_seen: set[str] = set()
    for name, values in (result.get("multiValueHeaders") or {}).items():
        key = names.setdefault(name.lower(), name)
        if key.lower() not in multi_seen:
            merged[key] = []
            multi_seen.add(key.lower())
        merged[key].extend(str(v) for v in _as_list(values))
    return merged


def _flatten(headers: dict[str, list[str]]) -> dict[str, str]:
    # One string per name for handle()'s callers; Set-Cookie cannot be comma-joined, so its values are
    # joined with newlines (never part of a header value) and the HTTP server writes one line each.
    return {
        name: ("\n" if name.lower() == "set-cookie" else ", ").join(values)
        for name, values in headers.items()
        if values
    }


def _event_body(body: bytes | None) -> tuple[str | None, bool]:
    """Text as is; bytes that are not UTF-8 go base64-encoded, as API Gateway passes binary bodies."""
    if not body:
        return None, False
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


def _has_header(headers: Mapping[str, Any], name: str) -> bool:
    return any(key.lower() == name.lower() for key in headers)


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # in-flight requests do not keep the process alive on Ctrl-C
    request_queue_size = 128  # the default listen backlog of 5 refuses connections under a burst


# ---------------------------------------------------------------------------- the gateway
class Gateway:
    """Routes requests like API Gateway: authorizer first, then the function's handler, in-process."""

    def __init__(
        self,
        template_path: str | Path = "template.yaml",
        *,
        stage: str = "local",
        local_routes: Mapping[str, LocalRoute] | None = None,
    ) -> None:
        self.template_path = Path(template_path)
        # GET-only developer tools `make serve` wires in (none otherwise: no such path then).
        self.local_routes = dict(local_routes or {})
        self.template = load_template(self.template_path)
        self.stage = stage
        self.max_body_bytes = MAX_BODY_BYTES
        self.routes = sorted(routes_from_template(self.template), key=lambda r: r.specificity, reverse=True)
        self.responses = gateway_responses(self.template)
        authorizer_id = authorizer_function_id(self.template)
        functions = _functions(self.template)
        if authorizer_id is not None and authorizer_id not in functions:
            raise ValueError(f"authorizer {authorizer_id} is not a function of {self.template_path}")
        self.authorizer: tuple[str, str, str] | None = (
            (*_handler_location(functions[authorizer_id]), authorizer_id) if authorizer_id else None
        )
        # Each function is a pool of instances (fresh module copies), one invocation per instance at a
        # time like a Lambda execution environment: Powertools resolvers keep the current event on the
        # module-level `app`, so two threads must never share one instance.
        self._pools: dict[tuple[str, str], lambda_runtime.InstancePool] = {}
        self._pools_guard = threading.Lock()
        self._openapi: dict[str, Any] | None = None

    # ------------------------------------------------------------------ entry point
    def handle(
        self,
        method: str,
        path_with_query: str,
        headers: Headers | None = None,
        body: bytes | None = None,
        *,
        source_ip: str = "127.0.0.1",
    ) -> tuple[int, dict[str, str], bytes]:
        """Answer one request: (status, headers, body). Multi-valued headers are joined (see _flatten)."""
        request_id = str(uuid.uuid4())
        pairs = _header_pairs(headers)
        method = method.upper()
        try:
            status, response_headers, payload = self._handle(
                method, path_with_query, pairs, body, request_id, source_ip
            )
        except Exception:  # the gateway itself failed: never a stack trace to the client
            logger.exception("local gateway failed on %s %s", method, path_with_query)
            status, response_headers, payload = self._gateway_error("DEFAULT_5XX", request_id, status=500)
        if not _has_header(response_headers, "x-request-id"):
            response_headers["x-request-id"] = [request_id]
        return status, _flatten(response_headers), payload

    def _handle(
        self,
        method: str,
        path_with_query: str,
        pairs: list[tuple[str, str]],
        body: bytes | None,
        request_id: str,
        source_ip: str,
    ) -> tuple[int, dict[str, list[str]], bytes]:
        declared = _get_header(pairs, "content-length")
        if (declared and declared.strip().isdigit() and int(declared) > self.max_body_bytes) or (
            body is not None and len(body) > self.max_body_bytes
        ):
            return self._gateway_error("REQUEST_TOO_LARGE", request_id)

        split = urlsplit(path_with_query)
        path = split.path or "/"
        if method == "GET" and path in ("/openapi.json", "/swagger"):
            return self._docs(path)
        if method == "GET" and path in self.local_routes:
            # No authorizer, on purpose: a local developer tool (e.g. every tenant's published events),
            # served only by the gateway `make serve` runs on loopback, never part of the API on AWS.
            parameters = dict(parse_qsl(split.query, keep_blank_values=True))
            status, document = self.local_routes[path](parameters)
            return status, {"Content-Type": ["application/json"]}, json.dumps(document).encode("utf-8")

        segments = [s for s in path.split("/") if s]
        route, path_parameters = self._match(method, segments)
        if route is None:
            return self._gateway_error("MISSING_AUTHENTICATION_TOKEN", request_id)

        if _get_header(pairs, "x-forwarded-proto") is None:
            pairs = [*pairs, ("X-Forwarded-Proto", "http")]  # API Gateway sends its own: https
        query = parse_qsl(split.query, keep_blank_values=True)
        request = {
            "resource": route.path,
            "path": unquote(path),
            "httpMethod": method,
            "headers": dict(pairs) or None,
            "multiValueHeaders": _multi(pairs) or None,
            "queryStringParameters": dict(query) or None,
            "multiValueQueryStringParameters": _multi(query) or None,
            "pathParameters": path_parameters or None,
        }
        request_context = self._request_context(route, request, request_id, source_ip, pairs)

        authorizer_context: dict[str, Any] | None = None
        if route.authorized and self.authorizer is not None:
            outcome = self._authorize(route, request, request_context)
            if isinstance(outcome, str):
                return self._gateway_error(outcome, request_id)
            authorizer_context = outcome

        text, is_base64 = _event_body(body)
        event = {
            **request,
            "stageVariables": None,
            "requestContext": {**request_context, "authorizer": authorizer_context},
            "body": text,
            "isBase64Encoded": is_base64,
        }
        return self._invoke_function(route, event, request_id)

    # ------------------------------------------------------------------ routing
    def _match(self, method: str, segments: list[str]) -> tuple[Route | None, dict[str, str]]:
        # API Gateway picks the resource first (literal segments before {params}), then the method on it.
        for route in self.routes:  # most specific first
            params = route.match(segments)
            if params is None:
                continue
            same_resource = [r for r in self.routes if r.path == route.path]
            for candidate in same_resource:
                if candidate.method == method:
                    return candidate, params
            for candidate in same_resource:
                if candidate.method == "ANY":
                    return candidate, params
            return None, {}
        return None, {}

    def _request_context(
        self,
        route: Route,
        request: Mapping[str, Any],
        request_id: str,
        source_ip: str,
        pairs: list[tuple[str, str]],
    ) -> dict[str, Any]:
        now = datetime.now(UTC)
        return {
            "resourceId": route.function_id,
            "resourcePath": route.path,
            "httpMethod": request["httpMethod"],
            # As behind a custom domain mapped at the root: the stage is not part of the public path,
            # so URLs a function builds from it (Location, _links) work against this server.
            "path": request["path"],
            "stage": self.stage,
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "protocol": "HTTP/1.1",
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": _get_header(pairs, "host") or "localhost",
            "identity": {"sourceIp": source_ip, "userAgent": _get_header(pairs, "user-agent")},
        }

    def method_arn(self, method: str, path: str) -> str:
        """The execute-api ARN the authorizer is asked about."""
        return f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/{self.stage}/{method}/{path.lstrip('/')}"

    # ------------------------------------------------------------------ authorizer
    def _authorize(
        self, route: Route, request: Mapping[str, Any], request_context: Mapping[str, Any]
    ) -> dict[str, Any] | str:
        """The authorizer context on Allow, else the gateway response type to answer with."""
        assert self.authorizer is not None
        module, attribute, function_id = self.authorizer
        method_arn = self.method_arn(request["httpMethod"], request["path"])
        event = {
            "type": "REQUEST",
            "methodArn": method_arn,
            **request,
            "pathParameters": request["pathParameters"] or {},
            "stageVariables": {},
            "requestContext": dict(request_context),
        }
        try:
            result = self._call(module, attribute, function_id, event)
        except Exception as error:
            if str(error) == "Unauthorized":  # the Lambda authorizer protocol for a 401
                return "UNAUTHORIZED"
            logger.exception("authorizer %s failed", function_id)
            return "AUTHORIZER_FAILURE"
        try:
            if not isinstance(result, dict) or not isinstance(result.get("principalId"), str):
                raise AuthorizerError("the answer has no principalId")
            if not _policy_allows(result.get("policyDocument"), method_arn):
                return "ACCESS_DENIED"
            return _authorizer_context(result)
        except AuthorizerError as error:
            logger.error("authorizer %s answered badly: %s", function_id, error)
            return "AUTHORIZER_CONFIGURATION_ERROR"

    # ------------------------------------------------------------------ function
    def _invoke_function(
        self, route: Route, event: dict[str, Any], request_id: str
    ) -> tuple[int, dict[str, list[str]], bytes]:
        try:
            result = self._call(route.module, route.handler, route.function_id, event)
            if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
                raise TypeError("not a Lambda proxy response (no integer statusCode)")
            body = result.get("body") or ""
            if not isinstance(body, str):
                raise TypeError("body is not a string")
            payload = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
            return result["statusCode"], _merge_response_headers(result), payload
        except Exception:  # Lambda error or malformed proxy response: API Gateway answers 502
            logger.exception("function %s failed", route.function_id)
            return self._gateway_error("DEFAULT_5XX", request_id, status=502)

    def _pool(self, module: str, attribute: str, function_id: str) -> lambda_runtime.InstancePool:
        with self._pools_guard:
            pool = self._pools.get((module, attribute))
            if pool is None:
                pool = lambda_runtime.InstancePool(module, attribute, function_name=function_id)
                self._pools[(module, attribute)] = pool
            return pool

    def _call(self, module: str, attribute: str, function_id: str, event: dict[str, Any]) -> Any:
        return self._pool(module, attribute, function_id).invoke(event)

    def warm(self) -> dict[str, str]:
        """Import every handler now; returns module -> error for those that fail to import."""
        failures: dict[str, str] = {}
        targets = {(r.module, r.handler, r.function_id) for r in self.routes}
        if self.authorizer:
            targets.add(self.authorizer)
        for module, attribute, function_id in sorted(targets):
            try:
                self._pool(module, attribute, function_id).warm()
            except Exception as error:  # noqa: BLE001 - reported to the caller, who decides whether to go on
                failures[module] = f"{type(error).__name__}: {error}"
        return failures

    # ------------------------------------------------------------------ gateway responses
    def _gateway_error(
        self, response_type: str, request_id: str, *, status: int | None = None, message: str | None = None
    ) -> tuple[int, dict[str, list[str]], bytes]:
        default_status, default_message = _RESPONSE_DEFAULTS.get(
            response_type, (500, "Internal server error")
        )
        message = message or default_message
        own = self.responses.get(response_type)
        fallback = self.responses.get("DEFAULT_5XX" if (status or default_status) >= 500 else "DEFAULT_4XX")
        status = (own.status if own and own.status else None) or status or default_status
        source = own if own and own.template is not None else fallback
        if source is None or source.template is None:
            # No gateway response in the template: API Gateway's built-in body.
            builtin = {"Content-Type": ["application/json"]}
            return status, builtin, json.dumps({"message": message}).encode("utf-8")
        body = (
            source.template.replace("$context.requestId", request_id)
            .replace("$context.error.statusCode", str(status))
            .replace("$context.error.messageString", json.dumps(message))
            .replace("$context.error.message", message)
        )
        headers: dict[str, list[str]] = {}
        for response in (fallback, own):  # a type's own parameters override the default's
            for name, value in (response.headers if response else {}).items():
                if value.startswith("'") and value.endswith("'"):
                    headers[name] = [value[1:-1]]
                elif value == "context.requestId":
                    headers[name] = [request_id]
        if not _has_header(headers, "content-type"):
            headers["Content-Type"] = [PROBLEM_JSON]
        return status, headers, body.encode("utf-8")

    # ------------------------------------------------------------------ documentation
    def _docs(self, path: str) -> tuple[int, dict[str, list[str]], bytes]:
        if path == "/swagger":
            html = _SWAGGER_HTML.format(version=SWAGGER_UI_VERSION)
            return 200, {"Content-Type": ["text/html; charset=utf-8"]}, html.encode("utf-8")
        return 200, {"Content-Type": ["application/json"]}, json.dumps(self.openapi()).encode("utf-8")

    def openapi(self) -> dict[str, Any]:
        """One OpenAPI document merged from every function module's Powertools `app`."""
        if self._openapi is not None:
            return self._openapi
        document: dict[str, Any] = {
            "openapi": "3.1.0",
            "info": {"title": "Orders API", "version": "1.0.0"},
            "paths": {},
            "components": {},
        }
        tags: dict[str, Any] = {}
        complete = True
        for module in dict.fromkeys(route.module for route in self.routes):
            try:
                app = getattr(importlib.import_module(module), "app", None)
            except Exception:  # one broken function must not take the others' documentation down
                logger.exception("cannot import %s for the OpenAPI document", module)
                complete = False
                continue
            if app is None or not hasattr(app, "get_openapi_schema"):
                continue
            schema = app.get_openapi_schema(title="Orders API")
            if hasattr(schema, "model_dump"):
                schema = schema.model_dump(mode="json", by_alias=True, exclude_none=True)
            document["openapi"] = schema.get("openapi", document["openapi"])
            for api_path, operations in (schema.get("paths") or {}).items():
                merge_operations(document["paths"].setdefault(api_path, {}), operations, api_path, module)
            for section, entries in (schema.get("components") or {}).items():
                merge_components(document["components"].setdefault(section, {}), entries, section, module)
            for tag in schema.get("tags") or []:
                tags.setdefault(tag["name"], tag)
        if tags:
            document["tags"] = list(tags.values())
        from local.openapi import enrich

        document = enrich(document)
        if complete:  # retried on the next request otherwise, once the module is fixed
            self._openapi = document
        return document

    # ------------------------------------------------------------------ HTTP
    def make_server(self, host: str = "127.0.0.1", port: int = 3000) -> ThreadingHTTPServer:
        """A threaded HTTP server (daemon threads) that answers through handle()."""
        gateway = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "orders-local-gateway"

            def handle_expect_100(self) -> bool:
                # No "100 Continue" for a body that will be refused: the client gets the 413 instead.
                declared = self.headers.get("Content-Length") or ""
                if declared.strip().isdigit() and int(declared) > gateway.max_body_bytes:
                    return True
                return super().handle_expect_100()

            def _serve(self) -> None:
                pairs = list(self.headers.items())
                refused_bytes = 0
                declared = self.headers.get("Content-Length")
                body: bytes | None = None
                if declared and declared.strip().isdigit() and int(declared) > gateway.max_body_bytes:
                    # Refused unread: the 413 goes out at once; then what the client is still sending
                    # is drained (bounded) so it reads the 413 rather than a broken pipe.
                    refused_bytes = min(int(declared), DRAIN_LIMIT_BYTES)
                    self.close_connection = True
                elif declared and declared.strip().isdigit():
                    body = self.rfile.read(int(declared))
                elif "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    body = self._read_chunked(gateway.max_body_bytes + 1)
                    if len(body) > gateway.max_body_bytes:
                        self.close_connection = True
                status, headers, payload = gateway.handle(
                    self.command, self.path, pairs, body, source_ip=self.client_address[0]
                )
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() in ("content-length", "connection", "transfer-encoding"):
                        continue
                    for line in value.split("\n") if name.lower() == "set-cookie" else [value]:
                        self.send_header(name, line)
                self.send_header("Content-Length", str(len(payload)))
                if self.close_connection:
                    self.send_header("Connection", "close")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
                if refused_bytes:
                    self.wfile.flush()
                    self._discard(refused_bytes)

            def _discard(self, remaining: int) -> None:
                self.connection.settimeout(DRAIN_IDLE_SECONDS)
                try:
                    while remaining > 0:
                        chunk = self.rfile.read1(min(remaining, 1 << 16))
                        if not chunk:
                            return
                        remaining -= len(chunk)
                except OSError:  # the client stopped sending (timeout) or hung up: done either way
                    return

            def _read_chunked(self, limit: int) -> bytes:
                data = bytearray()
                while len(data) < limit:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        self.rfile.readline()
                        break
                    if len(data) + size >= limit:
                        # Over the limit: read no further than needed to know (the connection is closed).
                        return bytes(data) + self.rfile.read(limit - len(data))
                    data += self.rfile.read(size)
                    self.rfile.readline()
                return bytes(data)

            # Every method goes through the gateway (unknown ones get its 404, as on API Gateway),
            # also ones http.server has never heard of (QUERY, PROPFIND, ...): never its bare 501.
            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve
            do_TRACE = do_CONNECT = _serve

            def __getattr__(self, name: str) -> Any:
                if name.startswith("do_"):
                    return self._serve
                raise AttributeError(name)

            def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
                # Errors of the HTTP layer itself (bad request line, header too long) get the
                # template's default gateway response, like everything else the gateway says.
                response_type = "DEFAULT_5XX" if code >= 500 else "DEFAULT_4XX"
                status, headers, payload = gateway._gateway_error(
                    response_type, str(uuid.uuid4()), status=code, message=message
                )
                self.close_connection = True
                self.send_response(status, message)
                for name, values in headers.items():
                    for value in values:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Connection", "close")
                self.end_headers()
                if self.command != "HEAD" and status >= 200 and status not in (204, 304):
                    self.wfile.write(payload)

        return _Server((host, port), _Handler)
