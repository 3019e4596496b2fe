"""One pattern for every function's app.py: its Powertools app, its caller, its idempotent routes.

A function module needs only its routes:

    fn = FunctionApp()
    app = fn.app                      # the resolver; routes are declared on it
    lambda_handler = fn.lambda_handler

`FunctionApp` carries the logger (correlation id from the API Gateway request), metrics, the
tracer when tracing is on, the resolver with the shared error mapping (api.build_resolver), the
caller check, `idempotent`, which runs an effect at most once per (tenant, route, key), and `fast`,
which opts a hot GET route into the fast path (fast_path.py):

    @fn.fast
    @app.get("/orders/<tenantId>/<id>", ...)
    def get_order(...): ...
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from orders_domain.http import idempotency
from orders_domain.http.api import (
    RequestInfo,
    build_resolver,
    header,
    if_match_version,
    require_caller,
    resolve,
    sane_host,
    stored_response,
)
from orders_domain.http.idempotency import StoredResponse
from orders_domain.http.routes import IDEMPOTENT_ROUTES
from orders_domain.runtime import cold_start, wiring
from orders_domain.services.common import keyed_write_id

if TYPE_CHECKING:
    from orders_domain.http.fast_path import FastPaths

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


def tracing_enabled() -> bool:
    """Powertools' own switch: X-Ray subsegments unless POWERTOOLS_TRACE_DISABLED is true."""
    return os.environ.get("POWERTOOLS_TRACE_DISABLED", "").strip().lower() not in ("true", "1")


class FunctionApp:
    """One Lambda function's HTTP app."""

    def __init__(self) -> None:
        self.logger = Logger()
        self.metrics = Metrics()
        self.app: APIGatewayRestResolver = build_resolver()
        #: The routes opted into the fast path (`fast`); built by the first opt-in, so a function
        #: without one never imports http/fast_path.py (its cold start).
        self.fast_paths: FastPaths | None = None
        self._handler = self._build_handler()
        self._traced: Handler | None = None

    def _build_handler(self) -> Handler:
        app = self.app

        @self.logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
        @self.metrics.log_metrics
        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            fast = self.fast_paths
            return resolve(app, event, context, fast.resolve if fast is not None else None)

        return handler

    def lambda_handler(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """The function's entry point. The X-Ray SDK (about 100 ms to import) is loaded on the first
        invocation, and only when tracing is on (the template's `DetailedTracing` parameter)."""
        if self._traced is None:
            self._traced = self._with_tracing(self._handler)
        try:
            return self._traced(event, context)
        finally:
            cold_start.resume()

    @staticmethod
    def _with_tracing(handler: Handler) -> Handler:
        if not tracing_enabled():
            return handler
        from aws_lambda_powertools import Tracer

        traced: Handler = Tracer().capture_lambda_handler(handler)
        return traced

    def fast(self, route_function: F) -> F:
        """Opt a GET route into the fast path (fast_path.py), above its `@app.get(...)`; the import
        fails when the route may not (fast_path.why_not_fast)."""
        if self.fast_paths is None:
            from orders_domain.http.fast_path import FastPaths

            self.fast_paths = FastPaths(self.app)
        return self.fast_paths.opt_in(route_function)

    # ------------------------------------------------------------------ per request
    def caller(self, tenant_id: str) -> RequestInfo:
        """The caller, checked again here (tenant and the route's declared scope)."""
        return require_caller(self.app, tenant_id)

    def key_caller(self) -> RequestInfo:
        """The caller of a source dialect's route: it acts for its key's own tenant."""
        return require_caller(self.app, None)

    def base_url(self) -> str:
        """The API's absolute URL as the client called it (scheme, host, stage prefix): what the
        theatre dialect's links are built on. The host is API Gateway's `domainName`."""
        event = self.app.current_event
        context = event.get("requestContext") or {}
        # Links a client will follow: only a host name or address (with a port) and http or https,
        # whatever a client wrote in `Host` or `X-Forwarded-Proto`.
        host = (
            sane_host(str(context.get("domainName") or "")) or sane_host(self.header("Host")) or "localhost"
        )
        scheme = (self.header("X-Forwarded-Proto") or "https").split(",")[0].strip().lower()
        scheme = scheme if scheme in ("http", "https") else "https"
        called = str(event.request_context.path or event.path)
        prefix = called[: -len(event.path)] if event.path and called.endswith(event.path) else ""
        return f"{scheme}://{host}{prefix.rstrip('/')}"

    def header(self, name: str) -> str | None:
        return header(self.app, name)

    def request_path(self) -> str:
        """The path the client called (with the stage prefix on AWS), for `Location` headers."""
        event = self.app.current_event
        return str(event.request_context.path or event.path).rstrip("/")

    def idempotency_key(self, body_value: str | None = None) -> str | None:
        """The request's `Idempotency-Key` (or a body's `duplicate_prevention_key`); bad keys are 400."""
        return idempotency.parse_key(self.header("Idempotency-Key"), body_value)

    def write_key(self, tenant_id: str, key: str | None, fingerprint: str) -> str | None:
        """The id this keyed request's write records in its order (services.common.keyed_write_id)."""
        if key is None:
            return None
        method, resource = self._route()
        return keyed_write_id(tenant_id, f"{method} {resource}", key, fingerprint)

    def _route(self) -> tuple[str, str]:
        """The request's (method, API Gateway resource): what idempotency keys are scoped to."""
        event = self.app.current_event
        return event.http_method.upper(), str(event.get("resource") or event.path)

    def count(self, metric: str) -> None:
        self.metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)

    def idempotent(
        self,
        *,
        tenant_id: str,
        key: str | None,
        fingerprint: str,
        operation: Callable[[], StoredResponse],
    ) -> Response[str]:
        """Run `operation` at most once per (tenant, this route, key) and answer its stored response.

        Same key and request: the first response again, with `Idempotent-Replayed: true`. Same key,
        other request: 422. Still running: 409 with `Retry-After`. Without a key: just run it.
        """
        method, resource = self._route()
        if (method, resource) not in IDEMPOTENT_ROUTES:
            raise RuntimeError(f"{method} {resource} is not declared in routes.IDEMPOTENT_ROUTES")
        route = f"{method} {resource}"
        ports = wiring.current()
        stored = idempotency.run_once(
            tenant_id=tenant_id,
            route=route,
            key=key,
            fingerprint=fingerprint,
            operation=operation,
            lambda_context=self.app.lambda_context,
            persistence_store=ports.idempotency_store,
            expires_after_seconds=ports.settings.idempotency_ttl_seconds,
        )
        if stored.replayed:
            self.count("IdempotentReplay")
        return stored_response(stored)

    def write_once(
        self,
        caller: RequestInfo,
        fingerprint: str,
        write: Callable[[str, int | None, str | None], T],
        answer: Callable[[T], StoredResponse],
    ) -> Response[str]:
        """A change of one order: `write(actor, if_match, write_key)` run at most once per
        Idempotency-Key (`If-Match` honoured; the keyed write id lets a rerun after a lost idempotency
        record find its first write: done once), answered as `answer` writes its result."""
        key = self.idempotency_key()
        if_match = if_match_version(self.header("If-Match"))
        write_key = self.write_key(caller.tenant_id, key, fingerprint)

        def run() -> StoredResponse:
            return answer(write(caller.principal.key_id, if_match, write_key))

        return self.idempotent(tenant_id=caller.tenant_id, key=key, fingerprint=fingerprint, operation=run)
