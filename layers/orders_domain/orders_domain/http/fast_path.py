"""A cheaper way to a route function for the hottest plain GETs (issue 36), answering exactly what
the resolver answers.

A route opts in with `@fn.fast` above its `@app.get(...)` (`FunctionApp.fast`); whether it may is
decided here, when the module is imported (`why_not_fast`: a mistake fails the import, not a request).
A request takes the fast path only when it is a plain GET (`FastPaths.answer`): method `GET`, no
query string, no body, its path matched first by an opted-in route (Powertools' own compiled rule, in
Powertools' own route order), and every path parameter accepted by the route function's own
annotated type: one pydantic `TypeAdapter` per parameter, built from the function's signature on the
route's first request (no pattern or length is restated here; the OpenAPI document and the general
path read the same annotations). Then the function is called as Powertools calls it: the event and
the Lambda context on `BaseRouter` (what `app.current_event` reads), the request context set and
cleared afterwards, the query parameters at their defaults; and its `Response` is turned into the
Lambda proxy answer by Powertools' own `ResponseBuilder` (`app._build_response`).

A route function that raises (a 404, a 403, a store fault) is answered as the resolver's own
`_call_route` answers it: by its exception handlers (api.build_resolver: the one problem mapping),
so an error body is the same text on both paths and the read is never made twice. Everything else
goes through the general path, `app.resolve`, from the start: a request that is not a plain GET of
an opted-in route, a path parameter its type refuses, an exception no handler takes, or an answer
other than a `Response` with a str body. The routes that may opt in are GETs, which only read:
running one again after a fast attempt the general path takes over changes nothing.

What the fast path saves is the resolver's loop over every route, its request validation middleware
(path, query, header and cookie parameters: the path parameters are checked here with the same
types; the query is empty; a route declaring header, cookie, body or dependency parameters may not
opt in), its middleware frames, and its response validation, which for a route answering
`Response[str]` hands a str body back as it is (the only answer taken here) — and, on the first
request of a route, Powertools' analysis of its whole signature (a few ms of a cold start).

It reads the resolver's own state and steps (`_static_routes`, `_dynamic_routes`, `_remove_prefix`,
`_to_proxy_event`, `_response_builder_class`, `_build_response`, ...) of the Powertools pinned in
layers/orders_domain/requirements.txt; tests/unit/test_fast_path.py and `make fuzz`'s differential check
(harness/fuzz/fast_path.py) compare its answers with the general path's, so an upgrade that changes
them fails there.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from aws_lambda_powertools.event_handler.api_gateway import BaseRouter, Response, Route
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

F = TypeVar("F", bound=Callable[..., Any])
Answer = dict[str, Any]
#: Powertools' path parameter syntax in a rule (`/orders/<tenantId>/<id>`).
_RULE_PARAMETER = re.compile(r"<(\w+)>")
_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def _metadata(hint: Any) -> tuple[Any, ...]:
    """What an `Annotated[...]` type carries beside its type (`Path(...)`, `Query(...)`)."""
    return typing.get_args(hint)[1:] if typing.get_origin(hint) is Annotated else ()


def why_not_fast(app: APIGatewayRestResolver, route: Route) -> str | None:
    """Why the route may not take the fast path, or None when it may: a GET (re-run on any error)
    with validation on, no middlewares of its own, answering `Response[str]`, whose parameters are
    its path's plus query parameters with defaults (a plain GET sends no query)."""
    if route.method != "GET":
        return "only a GET (a read) may be answered again by the general path after an error"
    if route.middlewares:
        return "it has middlewares of its own, which the fast path would skip"
    if not (route.enable_validation if route.enable_validation is not None else app._enable_validation):
        return "its parameters are not validated by the general path"
    hints = typing.get_type_hints(route.func, include_extras=True)
    returned = hints.get("return")
    if typing.get_origin(returned) is not Response or typing.get_args(returned) != (str,):
        return "it must answer Response[str] (whose validation hands a str body back as it is)"
    return _why_not_parameters(route, hints)


def _why_not_parameters(route: Route, hints: dict[str, Any]) -> str | None:
    """Why the route's parameters keep it off the fast path: each must be a path parameter of its
    rule (no alias) or a query parameter with a plain default."""
    path_names = set(_RULE_PARAMETER.findall(route.path))
    parameters = inspect.signature(route.func).parameters
    for name, parameter in parameters.items():
        metadata = _metadata(hints.get(name))
        if parameter.kind not in _NAMED:
            return f"parameter {name!r} is not a named parameter"
        if name in path_names:
            if any(isinstance(m, FieldInfo) and m.alias for m in metadata):
                return f"path parameter {name!r} has an alias"
        elif not any(isinstance(m, Query) for m in metadata):
            return f"parameter {name!r} is not a path or query parameter"
        elif parameter.default is inspect.Parameter.empty or isinstance(parameter.default, FieldInfo):
            return f"query parameter {name!r} has no plain default"
    missing = path_names - set(parameters)
    return f"path parameters {sorted(missing)} are not parameters of the function" if missing else None


@dataclass
class FastRoute:
    """An opted-in route and the types of its path parameters (the function's own annotations)."""

    route: Route
    _types: dict[str, TypeAdapter[Any]] | None = field(default=None, repr=False)

    def types(self) -> dict[str, TypeAdapter[Any]]:
        """One TypeAdapter per path parameter, from the function's signature, built once."""
        if self._types is None:
            hints = typing.get_type_hints(self.route.func, include_extras=True)
            names = _RULE_PARAMETER.findall(self.route.path)
            self._types = {name: TypeAdapter(hints.get(name, str)) for name in names}
        return self._types

    def arguments(self, values: Mapping[str, str]) -> dict[str, Any] | None:
        """The path parameters as the route function takes them, validated as the general path's
        request validation does (`from_attributes`, as Powertools' ModelField); None when one fails."""
        try:
            return {
                name: adapter.validate_python(values[name], from_attributes=True)
                for name, adapter in self.types().items()
            }
        except ValidationError:
            return None


class FastPaths:
    """The routes of one resolver that opted into the fast path, and the fast path itself."""

    def __init__(self, app: APIGatewayRestResolver) -> None:
        self.app = app
        self._routes: dict[Route, FastRoute] = {}
        #: The GET routes in Powertools' matching order (static, then dynamic, as registered), each
        #: with its FastRoute or None, up to the last opted-in one; built on the first request.
        self._table: tuple[tuple[Route, FastRoute | None], ...] | None = None

    def _registered(self) -> list[Route]:
        return [*self.app._static_routes, *self.app._dynamic_routes]

    def opt_in(self, function: F) -> F:
        """Opt the routes calling `function` in (`@fn.fast` above `@app.get(...)`); TypeError when
        it is not a route yet or may not (`why_not_fast`)."""
        routes = [route for route in self._registered() if route.func is function]
        if not routes:
            name = getattr(function, "__name__", repr(function))
            raise TypeError(f"{name} is no route of this app: put @fn.fast above its @app.get(...)")
        for route in routes:
            problem = why_not_fast(self.app, route)
            if problem is not None:
                raise TypeError(f"{route.method} {route.path} may not take the fast path: {problem}")
            self._routes[route] = FastRoute(route)
        self._table = None
        return function

    def routes(self) -> list[tuple[str, str]]:
        """(method, rule) of every opted-in route, in registration order."""
        return [(route.method, route.path) for route in self._routes]

    def resolve(self, event: dict[str, Any], context: Any) -> Answer:
        """The fast path's answer, else the general path's (`app.resolve`)."""
        answer = self.answer(event, context)
        return answer if answer is not None else self.app.resolve(event, context)

    def answer(self, event: dict[str, Any], context: Any) -> Answer | None:
        """The Lambda proxy answer to a plain GET of an opted-in route with valid path parameters,
        exactly as `app.resolve` would answer it; None for any other request or outcome (the general
        path then answers it from the start)."""
        found = self.match(event)
        if found is None:
            return None
        fast, path, arguments = found
        app = self.app
        # As ApiGatewayResolver.resolve: on BaseRouter, where every router (and the local gateway's
        # per-thread copy) reads it, never on this instance.
        BaseRouter.current_event = app._to_proxy_event(event)
        BaseRouter.lambda_context = context
        app.append_context(_route=fast.route, _path=path, _route_args=arguments)
        try:
            response = fast.route.func(**arguments)
            if not isinstance(response, Response) or not isinstance(response.body, str):
                return None  # the general path validates (or refuses) any other answer
            built = app._response_builder_class(
                response=response, serializer=app._serializer, route=fast.route
            )
        except Exception as error:  # noqa: BLE001 - answered by the resolver's own handlers, as there
            # As the resolver's _call_route: its exception handlers (api.build_resolver: the one
            # problem mapping) answer; one it has none for goes to the general path.
            handled = app._call_exception_handler(error, fast.route)
            if handled is None:
                return None
            built = handled
        finally:
            app.clear_context()
        return app._build_response(built)

    def match(self, event: Mapping[str, Any]) -> tuple[FastRoute, str, dict[str, Any]] | None:
        """(route, path, validated path parameters) when the event is a plain GET whose path an
        opted-in route matches first, with every path parameter valid; else None."""
        if event.get("httpMethod") != "GET" or event.get("body"):
            return None
        if event.get("queryStringParameters") or event.get("multiValueQueryStringParameters"):
            return None
        path = event.get("path")
        if not isinstance(path, str):
            return None
        path = self.app._remove_prefix(path)
        for route, fast in self._table if self._table is not None else self._build_table():
            matched = route.rule.match(path)
            if matched is not None:
                arguments = fast.arguments(matched.groupdict()) if fast is not None else None
                return (fast, path, arguments) if fast is not None and arguments is not None else None
        return None

    def _build_table(self) -> tuple[tuple[Route, FastRoute | None], ...]:
        """The routes a plain GET is matched against, in the resolver's order (its `_resolve`: the
        first route of the method whose rule matches the path wins); none when the resolver runs
        middlewares for every route or prints its debug trace (then only the general path answers)."""
        table: tuple[tuple[Route, FastRoute | None], ...] = ()
        if not self.app._router_middlewares and not self.app._debug:
            gets = [(route, self._routes.get(route)) for route in self._registered() if route.method == "GET"]
            last = max((i for i, (_, fast) in enumerate(gets) if fast is not None), default=-1)
            table = tuple(gets[: last + 1])
        self._table = table
        return table
