"""A local stand-in for API Gateway (REST API, Lambda proxy integration) built from template.yaml.

Routes, the Lambda REQUEST authorizer and the gateway responses all come from the template, so a
request answered here is answered the same way on AWS: same events, same problem bodies.

The HTTP layer (`make_server`) stays on the standard library's `http.server`, with its request
reading replaced: see `Gateway.make_server` for what it does and why no server from PyPI is used.
"""

from __future__ import annotations

import base64
import http.client
import importlib
import io
import json
import logging
import math
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from orders_domain.http.api import sane_host

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
    "INTEGRATION_TIMEOUT": (504, "Endpoint request timed out"),
    "THROTTLED": (429, "Too Many Requests"),
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


@dataclass(frozen=True)
class LocalRequest:
    """What a local route gets: the query's parameters and the request's headers (last value each)."""

    query: Mapping[str, str]
    headers: Mapping[str, str]


class LocalRouteRefused(Exception):
    """Raised by a local route: answer with the template's gateway response of this type instead
    (e.g. UNAUTHORIZED for a request without a valid API key)."""

    def __init__(self, response_type: str) -> None:
        super().__init__(response_type)
        self.response_type = response_type


#: A path the gateway answers itself for `make serve` (e.g. GET /_local/events): the request ->
#: (status, JSON body), or LocalRouteRefused.
LocalRoute = Callable[[LocalRequest], tuple[int, Any]]


#: How much of a refused (oversize) body the HTTP server still reads and throws away.
DRAIN_LIMIT_BYTES = 64 * 1024 * 1024
#: How long the HTTP server waits for more of what it throws away, per read (Gateway.linger_seconds).
DRAIN_IDLE_SECONDS = 2.0
#: API Gateway's REST quotas: a URL of at most 10,240 characters (regional API), and 10,240 bytes of
#: request line and header values together. Here each gets the 10,240 bytes: the request line
#: (414 above) and the header section (431 above).
MAX_REQUEST_LINE_BYTES = 10_240
MAX_HEADER_BYTES = 10_240
#: The most header fields served (http.server's own limit); 431 above.
MAX_HEADER_FIELDS = 100
#: How long an idle keep-alive connection is kept open, waiting for the next request's first byte.
KEEP_ALIVE_SECONDS = 10.0
#: From a request's first byte to its body's last: request line, headers and body (408 after),
#: whatever the pace (a client sending one byte a second gains nothing). Also the send timeout.
REQUEST_SECONDS = 20.0
#: API Gateway's integration timeout: it answers 504 when a function has not answered by then.
INTEGRATION_TIMEOUT_SECONDS = 29.0
#: Lambda's Timeout when the template sets none.
LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3.0
_CHUNK_LINE_BYTES = 4096

_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"  # noqa: S105 - RFC 9110 token characters
#: method SP request-target SP HTTP-version: no control characters, no spaces in the target.
_REQUEST_LINE = re.compile(rf"({_TOKEN}) ([^\x00-\x20\x7f]+) (\S+)")
_TOKEN_BYTES = re.compile(_TOKEN.encode("ascii"))
_HTTP_VERSION = re.compile(r"HTTP/([0-9])\.([0-9])")
#: field-name ":" OWS field-value OWS, without obsolete line folding, NUL or a bare CR (RFC 9110 5.5:
#: rejected; other control characters pass on, as they did before).
_FIELD_LINE = re.compile(rf"({_TOKEN}):[ \t]*([^\x00\r\n]*?)[ \t]*")
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,15}")
_CONTENT_LENGTH = re.compile(r"[0-9]{1,18}")
#: A Host the gateway passes on: a name of RFC 3986 unreserved characters (a subset of reg-name:
#: no sub-delims, no percent-encoding, which no host name needs) or an IP literal, then an optional port.


class AuthorizerError(Exception):
    """The authorizer answered something API Gateway would not accept (AuthorizerConfigurationException)."""


# ---------------------------------------------------------------------------- per-tenant plans
#: `make serve`'s usage plans: `tenantA=10/20,tenantB=1000/2000` (requests per second / burst; `*=r/b`
#: for every tenant not named). Unset or empty: no throttling.
TENANT_PLANS_ENV = "ORDERS_TENANT_PLANS"
#: The entry of ORDERS_TENANT_PLANS that applies to every tenant it does not name.
ANY_TENANT = "*"


@dataclass(frozen=True)
class TenantPlan:
    """A usage plan's throttle: `rate` requests a second on average, `burst` at once."""

    rate: float
    burst: int


def parse_tenant_plans(spec: str) -> dict[str, TenantPlan]:
    """ORDERS_TENANT_PLANS -> tenant -> plan; ValueError naming the first entry that is not one."""
    plans: dict[str, TenantPlan] = {}
    for entry in (part.strip() for part in spec.split(",")):
        if not entry:
            continue
        tenant, _, limits = (part.strip() for part in entry.partition("="))
        rate_text, _, burst_text = limits.partition("/")
        try:
            plan = TenantPlan(float(rate_text), int(burst_text))
        except ValueError:
            plan = TenantPlan(0.0, 0)
        if not tenant or tenant in plans or not (0 < plan.rate < math.inf) or plan.burst < 1:
            raise ValueError(
                f"{TENANT_PLANS_ENV}: {entry!r} is not tenant=rate/burst (each tenant once, requests a "
                "second above 0, a burst of at least 1), e.g. tenantA=10/20,tenantB=1000/2000"
            )
        plans[tenant] = plan
    return plans


def tenant_plans_from_env() -> dict[str, TenantPlan]:
    """The plans ORDERS_TENANT_PLANS gives (none when unset)."""
    return parse_tenant_plans(os.environ.get(TENANT_PLANS_ENV, ""))


class TenantThrottle:
    """One token bucket per tenant, as API Gateway throttles a usage plan's key: `burst` tokens,
    refilled at `rate` a second, one taken by each request. A tenant without a plan (or a request
    naming none) is not throttled."""

    def __init__(self, plans: Mapping[str, TenantPlan], clock: Callable[[], float] = time.monotonic) -> None:
        self.plans = dict(plans)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # tenant -> (tokens, when counted)
        self._lock = threading.Lock()

    def plan_of(self, tenant: str) -> TenantPlan | None:
        return self.plans.get(tenant) or self.plans.get(ANY_TENANT)

    def admit(self, tenant: str) -> float | None:
        """None when the request may go on (it took a token); else the seconds until a token is back."""
        plan = self.plan_of(tenant) if tenant else None
        if plan is None:
            return None
        now = self._clock()
        with self._lock:
            tokens, then = self._buckets.get(tenant, (float(plan.burst), now))
            tokens = min(float(plan.burst), tokens + max(0.0, now - then) * plan.rate)
            if tokens >= 1:
                self._buckets[tenant] = (tokens - 1, now)
                return None
            self._buckets[tenant] = (tokens, now)
            return (1 - tokens) / plan.rate


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


# The merge is the project's own, not Powertools' `configure_openapi_merge` (issue 30; Powertools 3.37.0):
# - it finds resolvers by parsing files for `app = <Resolver>(...)`; a function here says `app = fn.app`
#   (FunctionApp builds the resolver), so it finds none of functions/*/app.py: a document with no paths;
# - it loads each file again under a made-up module name, beside the module this gateway serves, and a
#   document missing a function that failed to import is kept (a warning); here it is rebuilt next time;
# - its component merge is `dict.update`: a schema two functions define differently is silently the
#   last one's. Refusing that is the point of merge_components, and it cannot be asked to.
# Fed these same per-function dicts (`OpenAPIMerge.add_schema`, on_conflict="error") it builds a
# byte-identical docs/openapi.json, but refuses only a second operation, without naming the function.
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


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _timeout_seconds(properties: Mapping[str, Any], template: Mapping[str, Any]) -> float:
    """A function's Timeout (a number, or a !Ref to a parameter's default); Lambda's 3 s otherwise."""
    value: Any = properties.get("Timeout")
    if isinstance(value, dict) and "Ref" in value:
        value = ((template.get("Parameters") or {}).get(str(value["Ref"])) or {}).get("Default")
    if isinstance(value, int | float | str):
        try:
            return float(value)
        except ValueError:
            pass
    return LAMBDA_DEFAULT_TIMEOUT_SECONDS


def _has_header(headers: Mapping[str, Any], name: str) -> bool:
    return any(key.lower() == name.lower() for key in headers)


def _content_length(value: str | None) -> int | None:
    """A Content-Length value as a number; None when it is not one run of ASCII digits."""
    text = (value or "").strip()
    return int(text) if _CONTENT_LENGTH.fullmatch(text) else None


def _with_sane_forwarding(
    pairs: list[tuple[str, str]], host_fallback: str
) -> tuple[list[tuple[str, str]], str]:
    """The headers with a Host and an X-Forwarded-Proto fit for the URLs a function builds from them
    (the theatre dialect's `_links`), and the host for `requestContext.domainName`.

    X-Forwarded-Proto passes when it is one `http` or `https` (what a TLS proxy in front says);
    anything else is replaced by `http`, this server's scheme (API Gateway sets its own, `https`).
    A Host that is not sane_host (or more than one) is replaced by `host_fallback`, the address the
    client reached; no Host at all stays so, and the domain name is `host_fallback` then too.
    """
    hosts = [value for name, value in pairs if name.lower() == "host"]
    host = sane_host(hosts[0]) if len(hosts) == 1 else None
    if hosts and host is None:
        pairs = [(name, value) for name, value in pairs if name.lower() != "host"]
        pairs.append(("Host", host_fallback))
    protos = [value.strip().lower() for name, value in pairs if name.lower() == "x-forwarded-proto"]
    if len(protos) != 1 or protos[0] not in ("http", "https"):
        # API Gateway sends its own (https); a client's other value never reaches a function.
        pairs = [(name, value) for name, value in pairs if name.lower() != "x-forwarded-proto"]
        pairs.append(("X-Forwarded-Proto", "http"))
    else:
        pairs = [(name, protos[0] if name.lower() == "x-forwarded-proto" else value) for name, value in pairs]
    return pairs, host or host_fallback


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
        tenant_plans: Mapping[str, TenantPlan] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.template_path = Path(template_path)
        # Per-tenant throttling like the template's usage plans (None: as ORDERS_TENANT_PLANS says).
        self.throttle = TenantThrottle(
            tenant_plans_from_env() if tenant_plans is None else tenant_plans, clock=clock
        )
        # GET-only developer tools `make serve` wires in (none otherwise: no such path then).
        self.local_routes = dict(local_routes or {})
        self.template = load_template(self.template_path)
        self.stage = stage
        self.max_body_bytes = MAX_BODY_BYTES
        # The HTTP layer's limits and deadlines (make_server); tests make them short.
        self.max_request_line_bytes = MAX_REQUEST_LINE_BYTES
        self.max_header_bytes = MAX_HEADER_BYTES
        self.max_header_fields = MAX_HEADER_FIELDS
        self.keep_alive_seconds = KEEP_ALIVE_SECONDS
        self.request_seconds = REQUEST_SECONDS
        self.linger_seconds = DRAIN_IDLE_SECONDS
        self.integration_timeout_seconds = INTEGRATION_TIMEOUT_SECONDS
        self.routes = sorted(routes_from_template(self.template), key=lambda r: r.specificity, reverse=True)
        self.responses = gateway_responses(self.template)
        authorizer_id = authorizer_function_id(self.template)
        functions = _functions(self.template)
        #: Each function's Timeout (Globals.Function.Timeout or its own), enforced on each invocation.
        self.timeouts: dict[str, float] = {
            logical_id: _timeout_seconds(properties, self.template)
            for logical_id, properties in functions.items()
        }
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
        host_fallback: str = "127.0.0.1",
    ) -> tuple[int, dict[str, str], bytes]:
        """Answer one request: (status, headers, body). Multi-valued headers are joined (see _flatten).
        `host_fallback`: the domain name when the request has no sane Host (the HTTP server passes
        the address and port the client reached)."""
        request_id = str(uuid.uuid4())
        pairs = _header_pairs(headers)
        method = method.upper()
        try:
            status, response_headers, payload = self._handle(
                method, path_with_query, pairs, body, request_id, source_ip, host_fallback
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
        host_fallback: str,
    ) -> tuple[int, dict[str, list[str]], bytes]:
        declared = _content_length(_get_header(pairs, "content-length"))
        if (declared is not None and declared > self.max_body_bytes) or (
            body is not None and len(body) > self.max_body_bytes
        ):
            return self._gateway_error("REQUEST_TOO_LARGE", request_id)

        split = urlsplit(path_with_query)
        path = split.path or "/"
        if method == "GET" and path in ("/openapi.json", "/swagger"):
            return self._docs(path)
        if method == "GET" and path in self.local_routes:
            # A local developer tool `make serve` wires in (never part of the API on AWS). It checks
            # the caller itself (e.g. the API key's tenant) and may refuse with a gateway response.
            parameters = dict(parse_qsl(split.query, keep_blank_values=True))
            try:
                status, document = self.local_routes[path](LocalRequest(parameters, dict(pairs)))
            except LocalRouteRefused as refused:
                return self._gateway_error(refused.response_type, request_id)
            return status, {"Content-Type": ["application/json"]}, json.dumps(document).encode("utf-8")

        segments = [s for s in path.split("/") if s]
        route, path_parameters = self._match(method, segments)
        if route is None:
            return self._gateway_error("MISSING_AUTHENTICATION_TOKEN", request_id)

        pairs, domain_name = _with_sane_forwarding(pairs, host_fallback)
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
        request_context = self._request_context(route, request, request_id, source_ip, pairs, domain_name)

        authorizer_context: dict[str, Any] | None = None
        if route.authorized and self.authorizer is not None:
            outcome = self._authorize(route, request, request_context)
            if isinstance(outcome, str):
                return self._gateway_error(outcome, request_id)
            authorizer_context = outcome
            # The usage plan of the tenant the authorizer named, as API Gateway counts it after the
            # authorizer (by the key it answers): over it, the template's THROTTLED response.
            wait = self.throttle.admit(str(outcome.get("tenant_id") or ""))
            if wait is not None:
                return self._throttled(request_id, wait)

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
        domain_name: str,
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
            "domainName": domain_name,
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
        except lambda_runtime.InvocationAbandoned:  # 29 s passed before the function's own timeout
            logger.error("function %s: no answer within the integration timeout", route.function_id)
            return self._gateway_error("INTEGRATION_TIMEOUT", request_id)
        except lambda_runtime.FunctionTimeout as error:  # a Lambda error ("Task timed out"): 502
            logger.error("%s; its instance is discarded", error)
            return self._gateway_error("DEFAULT_5XX", request_id, status=502)
        except Exception:  # Lambda error or malformed proxy response: API Gateway answers 502
            logger.exception("function %s failed", route.function_id)
            return self._gateway_error("DEFAULT_5XX", request_id, status=502)

    def _pool(self, module: str, attribute: str, function_id: str) -> lambda_runtime.InstancePool:
        with self._pools_guard:
            pool = self._pools.get((module, attribute))
            if pool is None:
                pool = lambda_runtime.InstancePool(
                    module, attribute, function_name=function_id, timeout_seconds=self.timeout_of(function_id)
                )
                self._pools[(module, attribute)] = pool
            return pool

    def timeout_of(self, function_id: str) -> float:
        """The function's Timeout in seconds (Lambda's default, 3, when the template sets none)."""
        return self.timeouts.get(function_id, LAMBDA_DEFAULT_TIMEOUT_SECONDS)

    def _call(self, module: str, attribute: str, function_id: str, event: dict[str, Any]) -> Any:
        # As Lambda runs it: stopped waiting for at the function's Timeout (the handler's instance is
        # then discarded), or earlier at API Gateway's integration timeout.
        context = lambda_runtime.FakeLambdaContext(
            function_name=function_id, timeout_seconds=self.timeout_of(function_id)
        )
        return self._pool(module, attribute, function_id).invoke(
            event, context, wait_seconds=self.integration_timeout_seconds
        )

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
    def _throttled(self, request_id: str, wait: float) -> tuple[int, dict[str, list[str]], bytes]:
        """The template's THROTTLED response (its Retry-After, as on AWS; else the bucket's wait)."""
        status, headers, body = self._gateway_error("THROTTLED", request_id)
        if not _has_header(headers, "retry-after"):
            headers["Retry-After"] = [str(max(1, math.ceil(wait)))]
        return status, headers, body

    def _gateway_error(
        self, response_type: str, request_id: str, *, status: int | None = None, message: str | None = None
    ) -> tuple[int, dict[str, list[str]], bytes]:
        default_status, default_message = _RESPONSE_DEFAULTS.get(response_type, (status or 500, ""))
        own = self.responses.get(response_type)
        fallback = self.responses.get("DEFAULT_5XX" if (status or default_status) >= 500 else "DEFAULT_4XX")
        status = (own.status if own and own.status else None) or status or default_status
        # A type without a message of its own (DEFAULT_4XX for a 414, say) says its status's phrase.
        message = message or default_message or _phrase(status)
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
        """A threaded HTTP/1.1 server (daemon threads) that answers through handle().

        It is the standard library's `http.server` with the reading of a request replaced: its own
        parser takes any whitespace-separated request line, answers some errors with no status line
        (HTTP/2.0, a bad version), has no deadline (a client sending a byte now and then holds a
        connection for ever) and no framing checks (a bad chunk size raised out of the handler).
        Here every request is read under limits and deadlines, and every refusal is the template's
        problem-details gateway response with an HTTP/1.1 status line, as API Gateway answers:

        - a request line not `METHOD target HTTP/x.y`, a malformed header field (or obsolete line
          folding), Content-Length not one number, Content-Length with Transfer-Encoding, a malformed
          chunked body: 400; a version other than HTTP/1.0 and 1.1: 505; a transfer coding other
          than chunked: 501; a request line over `max_request_line_bytes`: 414; a header section over
          `max_header_bytes` or `max_header_fields`: 431; a body over 6 MB: 413 (refused unread);
        - from a request's first byte to its body's last, `request_seconds` (else 408); an idle
          keep-alive connection is closed after `keep_alive_seconds`; a response must be taken
          within `request_seconds` too;
        - a connection closed after a refusal is half-closed first and what the client still sends
          is read and dropped for a moment (`linger_seconds`), so the answer reaches the client
          instead of being lost to a reset.

        Why not a server from PyPI: waitress, uvicorn/h11, hypercorn and gunicorn all answer protocol
        errors with bodies of their own (plain text or HTML, no request id) and close a connection
        whose request stops arriving rather than answer 408, so matching API Gateway's problem bodies
        would mean patching their internals;
        h11 is only a parser (no sockets, no deadlines); and the ASGI servers would put an event loop
        between the socket and handlers that are synchronous by nature. The standard library needs
        no install, and the rules above fit in this method.

        Connections are a thread each (ThreadingHTTPServer): a slow client costs a thread for at
        most `request_seconds`, an idle one for `keep_alive_seconds`.
        """
        gateway = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "orders-local-gateway"

            def setup(self) -> None:
                super().setup()
                self.rfile.close()  # http.server's unbounded reader; the socket stays open
                self._reader = _SocketReader(self.connection)
                self._in = io.BufferedReader(self._reader, buffer_size=64 * 1024)
                self.rfile = self._in
                self._answered = False

            def handle_one_request(self) -> None:
                self.close_connection = True
                self.command, self.path, self.request_version, self.requestline = "", "", "HTTP/1.1", ""
                self._answered = False
                self._reader.wait(idle=gateway.keep_alive_seconds)
                try:
                    if not self._in.peek(1):
                        return  # the client closed its connection
                except OSError:
                    return  # idle past keep_alive_seconds (or reset): closed without a word
                self._reader.wait(deadline=time.monotonic() + gateway.request_seconds)
                try:
                    self._serve()
                except _Refusal as refusal:
                    self._refuse(refusal.status, refusal.detail)
                except TimeoutError:
                    # The request (line, headers or body) did not arrive in time, or the client does
                    # not take the answer: a 408 in the first case, nothing more in the second.
                    detail = f"The request did not arrive within {gateway.request_seconds:g} seconds."
                    self._refuse(HTTPStatus.REQUEST_TIMEOUT, detail)
                except (_ClientGone, OSError):
                    self.close_connection = True  # the client hung up: nobody to answer
                except Exception:  # a fault of this HTTP layer: logged, answered like any other 500
                    logger.exception("the local gateway's HTTP layer failed")
                    self._refuse(HTTPStatus.INTERNAL_SERVER_ERROR, None)

            def _serve(self) -> None:
                # Not even a method (e.g. a TLS handshake on this plain-HTTP port): no need to wait
                # for a line end that may never come.
                start = self._in.peek(1)[:64].lstrip(b"\r\n").split(b" ", 1)[0].split(b"\r", 1)[0]
                if start and not _TOKEN_BYTES.fullmatch(start.split(b"\n", 1)[0]):
                    raise _Refusal(
                        HTTPStatus.BAD_REQUEST, "The request line is not `METHOD target HTTP/1.1`."
                    )
                line = self._line(gateway.max_request_line_bytes)
                for _ in range(4):  # RFC 9112 2.2: empty lines before a request line are ignored
                    if line not in (b"\r\n", b"\n"):
                        break
                    line = self._line(gateway.max_request_line_bytes)
                if line is None:
                    raise _Refusal(
                        HTTPStatus.REQUEST_URI_TOO_LONG,
                        f"The request line is longer than {gateway.max_request_line_bytes} bytes.",
                    )
                self._request_line(line)
                pairs = self._header_section()
                self.headers = http.client.HTTPMessage()
                for name, value in pairs:
                    self.headers[name] = value
                connection = {
                    token.strip().lower()
                    for value in _values(pairs, "connection")
                    for token in value.split(",")
                }
                if self.request_version == "HTTP/1.1":
                    self.close_connection = "close" in connection
                else:
                    self.close_connection = "keep-alive" not in connection
                body, refused_bytes = self._body(pairs)
                local_host, local_port = self.connection.getsockname()[:2]
                host_fallback = (
                    f"[{local_host}]:{local_port}" if ":" in local_host else f"{local_host}:{local_port}"
                )
                status, headers, payload = gateway.handle(
                    self.command,
                    self.path,
                    pairs,
                    body,
                    source_ip=self.client_address[0],
                    host_fallback=host_fallback,
                )
                self._respond(status, headers, payload)
                if refused_bytes:
                    # Refused unread: the 413 went out at once; what the client is still sending is
                    # drained (bounded) so it reads the 413 rather than a broken pipe.
                    self._linger(refused_bytes)

            # ---------------------------------------------------------------- reading
            def _line(self, limit: int) -> bytes | None:
                """One line with its line end; None when it is longer than `limit` bytes."""
                line = self._in.readline(limit + 1)
                if len(line) > limit:
                    return None
                if not line.endswith(b"\n"):
                    raise _ClientGone
                return line

            def _request_line(self, line: bytes) -> None:
                text = line.decode("latin-1").rstrip("\r\n")
                self.requestline = text if len(text) <= 200 else text[:200] + "..."
                match = _REQUEST_LINE.fullmatch(text)
                if match is None:
                    raise _Refusal(
                        HTTPStatus.BAD_REQUEST, "The request line is not `METHOD target HTTP/1.1`."
                    )
                method, target, version = match.groups()
                numbers = _HTTP_VERSION.fullmatch(version)
                if numbers is None:
                    raise _Refusal(
                        HTTPStatus.BAD_REQUEST, "The request line does not end in an HTTP version."
                    )
                if (int(numbers[1]), int(numbers[2])) not in ((1, 0), (1, 1)):
                    raise _Refusal(
                        HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, "Only HTTP/1.1 and HTTP/1.0 are served."
                    )
                self.command, self.request_version = method, version
                # As http.server does (gh-87389): `//host/x` would read as a network path in URLs.
                self.path = "/" + target.lstrip("/") if target.startswith("//") else target

            def _header_section(self) -> list[tuple[str, str]]:
                pairs: list[tuple[str, str]] = []
                size = 0
                too_large = _Refusal(
                    HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                    f"The header section is over {gateway.max_header_bytes} bytes "
                    f"or {gateway.max_header_fields} fields.",
                )
                while True:
                    line = self._line(gateway.max_header_bytes - size)
                    if line is None:
                        raise too_large
                    size += len(line)
                    if line in (b"\r\n", b"\n"):
                        return pairs
                    if len(pairs) >= gateway.max_header_fields:
                        raise too_large
                    text = line.decode("latin-1").rstrip("\r\n")
                    match = _FIELD_LINE.fullmatch(text)
                    if match is None:  # no colon, a space before it, folding, control characters
                        raise _Refusal(HTTPStatus.BAD_REQUEST, "A header field is malformed.")
                    pairs.append((match[1], match[2]))

            def _body(self, pairs: list[tuple[str, str]]) -> tuple[bytes | None, int]:
                """(the body, or None; how many bytes to drain after a 413 when it is refused)."""
                codings = [
                    c.strip().lower() for v in _values(pairs, "transfer-encoding") for c in v.split(",")
                ]
                lengths = _values(pairs, "content-length")
                if codings:
                    if lengths:  # RFC 9112 6.3: a request smuggling pattern, never served
                        raise _Refusal(
                            HTTPStatus.BAD_REQUEST, "Content-Length and Transfer-Encoding together."
                        )
                    if codings[-1] != "chunked" or "chunked" in codings[:-1]:
                        raise _Refusal(HTTPStatus.BAD_REQUEST, "The last transfer coding must be chunked.")
                    if codings != ["chunked"]:
                        raise _Refusal(
                            HTTPStatus.NOT_IMPLEMENTED, "Only the chunked transfer coding is served."
                        )
                    if self.request_version != "HTTP/1.1":
                        self.close_connection = True
                    self._continue(pairs)
                    body = self._read_chunked(gateway.max_body_bytes + 1)
                    if len(body) > gateway.max_body_bytes:
                        self.close_connection = True  # the rest is not read: drained after the 413
                        return body, DRAIN_LIMIT_BYTES
                    return body, 0
                if not lengths:
                    return None, 0
                length = _content_length(lengths[0])
                if length is None or len(set(lengths)) > 1:
                    raise _Refusal(HTTPStatus.BAD_REQUEST, "Content-Length is not one decimal number.")
                if length > gateway.max_body_bytes:
                    self.close_connection = True  # no "100 Continue": the client gets the 413 instead
                    return None, min(length, DRAIN_LIMIT_BYTES)
                self._continue(pairs)
                body = self._in.read(length)
                if len(body) < length:
                    raise _ClientGone
                return body, 0

            def _continue(self, pairs: list[tuple[str, str]]) -> None:
                expect = [value.lower() for value in _values(pairs, "expect")]
                if self.request_version == "HTTP/1.1" and "100-continue" in expect:
                    self.connection.settimeout(gateway.request_seconds)
                    self.send_response_only(HTTPStatus.CONTINUE)
                    self.end_headers()

            def _read_chunked(self, limit: int) -> bytes:
                malformed = _Refusal(HTTPStatus.BAD_REQUEST, "The chunked body is malformed.")
                data = bytearray()
                while True:
                    line = self._line(_CHUNK_LINE_BYTES)
                    if line is None:
                        raise malformed
                    size_text = line.rstrip(b"\r\n").split(b";", 1)[0].strip(b" \t")
                    if not _CHUNK_SIZE.fullmatch(size_text):
                        raise _Refusal(
                            HTTPStatus.BAD_REQUEST,
                            "The chunked body is malformed: a chunk size is not hexadecimal.",
                        )
                    size = int(size_text, 16)
                    if size == 0:
                        break
                    if len(data) + size >= limit:
                        # Over the limit: read no further than needed to know (the connection is closed).
                        rest = self._in.read(limit - len(data))
                        if len(data) + len(rest) < limit:
                            raise _ClientGone
                        return bytes(data) + rest
                    chunk = self._in.read(size)
                    if len(chunk) < size:
                        raise _ClientGone
                    data += chunk
                    if self._line(2) not in (b"\r\n", b"\n"):
                        raise malformed  # the chunk is longer than its size says
                size = 0
                while True:  # the trailer section: fields up to an empty line, bounded like headers
                    line = self._line(gateway.max_header_bytes - size)
                    if line is None:
                        raise malformed
                    size += len(line)
                    if line in (b"\r\n", b"\n"):
                        return bytes(data)

            # ---------------------------------------------------------------- answering
            def _respond(self, status: int, headers: Mapping[str, str], payload: bytes) -> None:
                self._answered = True
                self.connection.settimeout(gateway.request_seconds)  # a client must take it in time
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() in ("content-length", "connection", "transfer-encoding"):
                        continue
                    for line in value.split("\n") if name.lower() == "set-cookie" else [value]:
                        self.send_header(name, line)
                self.send_header("Content-Length", str(len(payload)))
                if self.close_connection:
                    self.send_header("Connection", "close")
                elif self.request_version == "HTTP/1.0":
                    self.send_header("Connection", "keep-alive")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            def _refuse(self, status: int, detail: str | None) -> None:
                """The template's default gateway response for an error of the HTTP layer itself."""
                self.close_connection = True
                if self._answered:
                    return  # an answer is (partly) out already: the connection just closes
                request_id = str(uuid.uuid4())
                response_type = "DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX"
                status, headers, payload = gateway._gateway_error(
                    response_type, request_id, status=int(status), message=detail
                )
                flat = _flatten(headers)
                if not _has_header(flat, "x-request-id"):
                    flat["x-request-id"] = request_id
                try:
                    self._respond(status, flat, payload)
                    self._linger(DRAIN_LIMIT_BYTES)
                except OSError:
                    return

            def _linger(self, limit: int) -> None:
                """Half-close, then read and drop what the client still sends (up to `limit` bytes,
                `linger_seconds` per read, `request_seconds` in all): closing a socket with unread
                bytes resets the connection, and a reset can destroy the answer unread."""
                try:
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_WR)
                except OSError:
                    return
                self._reader.wait(
                    idle=gateway.linger_seconds, deadline=time.monotonic() + gateway.request_seconds
                )
                try:
                    while limit > 0:
                        chunk = self._in.read1(min(limit, 1 << 16))
                        if not chunk:
                            return
                        limit -= len(chunk)
                except OSError:  # the client stopped sending (timeout) or hung up: done either way
                    return

            def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
                # Not called by this handler's own reading; kept so that nothing of http.server can
                # ever answer with its own HTML error page.
                self._refuse(code, None)

        return _Server((host, port), _Handler)


class _Refusal(Exception):
    """A request the HTTP layer refuses itself (status, problem detail) before any route."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class _ClientGone(Exception):
    """The client closed its connection in the middle of a request: there is nobody to answer."""


class _SocketReader(io.RawIOBase):
    """A connection's bytes with every wait bounded: `idle` caps one wait for data, `deadline` all of
    them (a request's first byte to its last, whatever the pace: one byte a second gains nothing)."""

    def __init__(self, connection: socket.socket) -> None:
        super().__init__()
        self._connection = connection
        self.idle: float | None = None
        self.deadline: float | None = None

    def wait(self, *, idle: float | None = None, deadline: float | None = None) -> None:
        self.idle, self.deadline = idle, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        timeout = self.idle
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the request did not arrive in time")
            timeout = left if timeout is None else min(timeout, left)
        self._connection.settimeout(timeout)
        return self._connection.recv_into(buffer)


def _values(pairs: Iterable[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in pairs if key.lower() == name]
