"""The fast path (http/fast_path.py, issue 36) on moto: for every opted-in route, the handler answers
every request exactly as it answers it through the resolver alone (`app.resolve`: routing, request
validation, the one problem mapping), dict for dict and byte for byte, and takes the fast path only
for a plain GET with valid path parameters."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any
from unittest.mock import patch
from xml.etree import ElementTree

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Header
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from orders_domain.http.api import Path, Query, Response, json_text_response
from orders_domain.http.fast_path import FastPaths
from orders_domain.http.handler import FunctionApp

from local.lambda_runtime import FakeLambdaContext
from tests.dialect_helpers import dialect_call
from tests.fulfil_helpers import TICKETS, fulfil
from tests.helpers import handler_module, load_event, with_caller, with_headers
from tests.patch_helpers import create_order

pytestmark = pytest.mark.usefixtures("tables")

#: Every opted-in route: its function, its sample event (events/) and its resource.
ROUTES: dict[str, tuple[str, str, str]] = {
    "get": ("get_order", "get_order.json", "/orders/{tenantId}/{id}"),
    "theatre": ("get_order", "theatre_get_order.json", "/v3/orders/{id}"),
    "distribution": ("get_order", "distribution_get_order.json", "/distribution/orders/{id}"),
    "will_call": ("will_call_check", "will_call_check.json", "/orders/{tenantId}/{id}/will-call-check"),
    "theatre_will_call": (
        "will_call_check",
        "theatre_will_call_check.json",
        "/v1/orders/{id}/will-call-check",
    ),
}


def event_for(
    route: str,
    ref: str,
    *,
    tenant: str = "tenant-a",
    caller: str | None = "tenant-a",
    method: str = "GET",
    query: dict[str, str] | None = None,
    body: str | None = None,
) -> dict[str, Any]:
    """The route's sample event for this order reference, path tenant, caller (None: no
    authorizer context), method, query string and body, as API Gateway passes it."""
    _function, name, resource = ROUTES[route]
    event = load_event(name)
    path = resource.replace("{tenantId}", tenant).replace("{id}", ref)
    event.update(
        path=path,
        httpMethod=method,
        body=body,
        queryStringParameters=query,
        multiValueQueryStringParameters={k: [v] for k, v in query.items()} if query is not None else None,
        pathParameters={"id": ref, **({"tenantId": tenant} if "{tenantId}" in resource else {})},
    )
    event["requestContext"]["path"] = f"/v1{path}"
    if caller is None:
        event["requestContext"]["authorizer"] = None
        return event
    return with_caller(event, caller)


@contextmanager
def fast_answers() -> Iterator[list[bool]]:
    """Whether the fast path answered each request handled meanwhile (in order)."""
    taken: list[bool] = []
    original = FastPaths.answer

    def spy(self: FastPaths, event: dict[str, Any], context: Any) -> dict[str, Any] | None:
        answer = original(self, event, context)
        taken.append(answer is not None)
        return answer

    with patch.object(FastPaths, "answer", spy):
        yield taken


def both_ways(route: str, event: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """The handler's answer as deployed (fast path on), its answer through the resolver alone, and
    whether the fast path answered."""
    module = handler_module(ROUTES[route][0])
    context = FakeLambdaContext(function_name=ROUTES[route][0])
    with fast_answers() as taken:
        fast = module.lambda_handler(copy.deepcopy(event), context)
    with patch.object(FastPaths, "answer", lambda *_: None):
        general = module.lambda_handler(copy.deepcopy(event), context)
    return fast, general, taken == [True]


def assert_identical(route: str, event: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    fast, general, taken = both_ways(route, event)
    assert json.dumps(fast) == json.dumps(general)  # byte for byte, keys in the same order
    assert fast == general
    return fast, taken


@pytest.fixture
def refs() -> dict[str, str]:
    """tenant-a's fulfilled ticket order (by id and token) and its distribution order's id."""
    order = create_order(TICKETS)
    assert fulfil(order["id"])[0] == 200
    status, placed, _ = dialect_call("distribution_place")  # (its sample is XML, answered in XML)
    assert status == 201, placed
    distribution = ElementTree.fromstring(placed).findtext("id")  # noqa: S314 - our own answer
    assert distribution
    return {"id": order["id"], "token": f"token-{order['token']}", "distribution": distribution}


def found_ref(route: str, refs: dict[str, str]) -> str:
    return refs["distribution"] if route == "distribution" else refs["id"]


# ---------------------------------------------------------------------------- the same answers
#: (case, event_for arguments beyond the route and the found order's ref, whether the fast path answers)
REQUESTS: list[tuple[str, dict[str, Any], bool]] = [
    ("found", {}, True),
    ("empty query and body", {"query": {}, "body": ""}, True),
    ("with a query string", {"query": {"consistentRead": "true"}}, False),
    ("with a bad query string", {"query": {"fields": "nope"}}, False),
    ("with a body", {"body": "{}"}, False),
    ("HEAD", {"method": "HEAD"}, False),
    ("POST", {"method": "POST"}, False),
    ("lower-case get", {"method": "get"}, False),
    ("no caller", {"caller": None}, True),  # the route refuses it: its 401 through the handlers
    ("another tenant's caller", {"caller": "tenant-b"}, True),  # 403, or 404 where the key is the tenant
]
#: (case, `{id}` (`{token}`: the found order's), whether the fast path answers)
REFS_OF_EVERY_KIND: list[tuple[str, str, bool]] = [
    ("by token", "{token}", True),
    ("unknown id", "0f9a7c1e-5a4b-4d3c-8b2a-1e0f9d8c7b6a", True),  # the route's 404
    ("unknown token", "token-unknownunknownunknown", True),
    ("token- alone", "token-", True),
    ("80 characters", "x" * 80, True),
    ("81 characters: too long", "x" * 81, False),  # the type refuses it: the resolver's 400
    ("unicode", "ördér-✓", False),  # no rule matches it: the resolver's own 404
    ("an escaped #", "a%23b", True),
    ("a space", "a b", True),
    ("empty", "", False),
    ("a slash", "a/b", False),
]
#: (`{tenantId}`, caller): another tenant's path (404 with its key, 403 with A's), and tenants the
#: TenantId pattern refuses (400): a leading dash, too long, not ASCII.
TENANTS = [
    ("tenant-b", "tenant-b"),
    ("tenant-b", "tenant-a"),
    ("-starts-with-a-dash", "tenant-a"),
    ("t" * 65, "tenant-a"),
    ("tenänt", "tenant-a"),
]
HEADER_VARIANTS: list[dict[str, str | None]] = [
    {"Accept": None, "accept": "application/json"},
    {"Accept": "APPLICATION/JSON"},
    {"Accept": "application/xml"},  # the distribution route answers XML
    {"Host": None, "host": "orders.example.com:8443", "X-Forwarded-Proto": None, "x-forwarded-proto": "HTTP"},
    {"Host": "bad host!", "X-Forwarded-Proto": "ftp"},
    {"Accept-Encoding": "gzip"},
    {"If-None-Match": '"1"', "Content-Type": "text/plain"},
]


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_given_requests_of_every_kind_when_answered_fast_then_each_is_the_resolvers_answer(
    refs: dict[str, str], route: str
) -> None:
    # GIVEN requests on an opted-in route for the found order: plain GETs, and GETs with a query or
    # a body, other methods, no caller, another tenant's caller
    for case, arguments, fast in REQUESTS:
        # WHEN each is answered with the fast path and through the resolver alone
        _, taken = assert_identical(route, event_for(route, found_ref(route, refs), **arguments))
        # THEN both answers are the same; every plain GET went the fast way (its errors too)
        assert taken is fast, case


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_given_any_order_reference_when_answered_then_both_paths_agree(
    refs: dict[str, str], route: str
) -> None:
    # GIVEN plain GETs of the found order by token, of orders that do not exist, of refs the route's
    # type refuses (too long) or its rule cannot route (empty, a slash)
    for case, ref, fast in REFS_OF_EVERY_KIND:
        # WHEN answered both ways THEN the same answer; the fast path answered every ref its type takes
        answer, taken = assert_identical(route, event_for(route, ref.format(token=refs["token"])))
        assert taken is fast, (case, answer["statusCode"])


@pytest.mark.parametrize("route", ["get", "will_call"])
def test_given_another_or_a_bad_tenant_when_answered_then_both_paths_agree(
    refs: dict[str, str], route: str
) -> None:
    for tenant, caller in TENANTS:
        answer, taken = assert_identical(route, event_for(route, refs["id"], tenant=tenant, caller=caller))
        # (another tenant's path: the route's 403 or 404, fast; a tenant the pattern refuses: 400, not)
        assert taken is (tenant == "tenant-b"), tenant
        assert answer["statusCode"] in (400, 403, 404), tenant


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_given_header_variants_and_event_shapes_when_answered_fast_then_they_are_the_resolvers_answers(
    refs: dict[str, str], route: str
) -> None:
    # GIVEN plain GETs of the found order with headers in other cases or values, or absent; and
    # REST events without multiValueHeaders, with them None, with no headers at all
    plain = event_for(route, found_ref(route, refs))
    events = [with_headers(plain, **headers) for headers in HEADER_VARIANTS]
    events += [{k: v for k, v in plain.items() if k != "multiValueHeaders"}]
    events += [{**plain, "multiValueHeaders": None}, {**plain, "headers": None, "multiValueHeaders": None}]
    for event in events:
        # WHEN answered both ways THEN the same answer, the fast path's
        answer, taken = assert_identical(route, event)
        assert taken, event["headers"]
        assert answer["statusCode"] == 200, event["headers"]


# ---------------------------------------------------------------------------- generated references
#: Path parameter values: any text, text of the characters Powertools routes, `token-` refs, bounds.
ROUTABLE = "-._~()'!*:@,;=+&$%<> []{}|^abcXYZ019_é✓"
VALUES = st.one_of(
    st.text(max_size=90),
    st.text(alphabet=ROUTABLE, max_size=100),
    st.from_regex(r"token-[A-Za-z0-9_-]{0,40}", fullmatch=True),
    st.sampled_from(["", "x" * 80, "x" * 81, "token-", "tenant-a", "tenant-b"]),
)


@pytest.mark.parametrize("route", sorted(ROUTES))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_given_generated_path_parameters_when_answered_then_both_paths_agree(
    refs: dict[str, str], route: str, data: st.DataObject
) -> None:
    # GIVEN a plain GET with generated (or the found order's) path parameters
    ref = data.draw(st.one_of(VALUES, st.sampled_from(sorted(refs.values()))), label="id")
    tenant = data.draw(st.one_of(VALUES, st.just("tenant-a")), label="tenantId")
    # WHEN answered both ways THEN the same answer
    answer, taken = assert_identical(route, event_for(route, ref, tenant=tenant))
    # (the fast path answers what the route answers, found or refused; never a parameter's 400)
    if taken:
        assert answer["statusCode"] in (200, 401, 403, 404)


# ---------------------------------------------------------------------------- which path is taken
def resolver_calls() -> Any:
    """A spy on every resolver's `resolve` (the general path), still answering."""
    return patch.object(
        APIGatewayRestResolver, "resolve", autospec=True, side_effect=APIGatewayRestResolver.resolve
    )


def test_given_a_plain_get_of_a_found_order_when_handled_then_the_resolver_is_not_called(
    refs: dict[str, str],
) -> None:
    module = handler_module("get_order")
    with resolver_calls() as resolve:
        # WHEN a plain GET of the order is handled
        response = module.lambda_handler(event_for("get", refs["id"]), FakeLambdaContext())
        # THEN it is answered without the resolver
        assert response["statusCode"] == 200
        assert resolve.call_count == 0
        # ... while a GET with a query goes through it; a 404 the route raises is answered by the
        # resolver's handlers without it
        with_query = module.lambda_handler(
            event_for("get", refs["id"], query={"fields": "total"}), FakeLambdaContext()
        )
        assert with_query["statusCode"] == 200
        assert resolve.call_count == 1
        missing = module.lambda_handler(event_for("get", "no-such-order"), FakeLambdaContext())
        assert missing["statusCode"] == 404
        assert json.loads(missing["body"])["code"] == "not_found"
        assert resolve.call_count == 1


def paths_of(fn: FunctionApp) -> FastPaths:
    assert fn.fast_paths is not None
    return fn.fast_paths


def test_given_a_function_without_a_fast_route_when_built_then_it_has_no_fast_paths() -> None:
    # (a function that opts nothing in never imports http/fast_path.py: its cold start)
    assert FunctionApp().fast_paths is None
    assert handler_module("catalogue").fn.fast_paths is None


def test_given_the_functions_when_imported_then_the_hot_gets_are_opted_in() -> None:
    assert paths_of(handler_module("get_order").fn).routes() == [
        ("GET", "/orders/<tenantId>/<id>"),
        ("GET", "/v3/orders/<id>"),
        ("GET", "/distribution/orders/<id>"),
    ]
    assert paths_of(handler_module("will_call_check").fn).routes() == [
        ("GET", "/orders/<tenantId>/<id>/will-call-check"),
        ("GET", "/v1/orders/<id>/will-call-check"),
    ]


# ---------------------------------------------------------------------------- who may opt in
Name = Annotated[str, Path(pattern="^[a-z]+$", max_length=8)]


def plain_event(path: str) -> dict[str, Any]:
    return {"httpMethod": "GET", "path": path, "headers": {}, "requestContext": {"requestId": "r1"}}


def test_given_a_static_route_registered_first_when_it_matches_then_it_wins_as_in_the_resolver() -> None:
    # GIVEN `/things/special` before `/things/<name>` (Powertools matches static routes first)
    fn = FunctionApp()

    @fn.app.get("/things/special")
    def special() -> Response[str]:
        return json_text_response(200, '"special"')

    @fn.fast
    @fn.app.get("/things/<name>")
    def thing(name: Name, detail: Annotated[str | None, Query()] = None) -> Response[str]:
        return json_text_response(200, json.dumps([name, detail]))

    # WHEN each path is matched THEN the fast path takes only what the resolver routes to `thing`
    assert paths_of(fn).match(plain_event("/things/special")) is None
    found = paths_of(fn).match(plain_event("/things/abc"))
    assert found is not None
    assert found[2] == {"name": "abc"}
    assert paths_of(fn).match(plain_event("/things/abcdefghi")) is None  # Name's max_length
    assert paths_of(fn).match(plain_event("/things/ABC")) is None  # Name's pattern
    context: Any = FakeLambdaContext()
    answer = paths_of(fn).answer(plain_event("/things/abc"), context)
    assert answer == fn.app.resolve(plain_event("/things/abc"), context)
    assert answer is not None
    assert answer["body"] == '["abc", null]'


def test_given_routes_that_may_not_take_the_fast_path_when_opted_in_then_the_import_fails() -> None:
    fn = FunctionApp()

    def unregistered(name: Name) -> Response[str]:
        return json_text_response(200, "1")

    @fn.app.post("/things/<name>")
    def write(name: Name) -> Response[str]:
        return json_text_response(200, "1")

    @fn.app.get("/headers/<name>")
    def with_header(name: Name, tag: Annotated[str | None, Header()] = None) -> Response[str]:
        return json_text_response(200, "1")

    @fn.app.get("/required/<name>")
    def required_query(name: Name, q: Annotated[str, Query()]) -> Response[str]:
        return json_text_response(200, "1")

    @fn.app.get("/dict/<name>")
    def answers_a_dict(name: Name) -> dict[str, str]:
        return {"name": name}

    cases: list[tuple[Callable[..., Any], str]] = [
        (unregistered, "put @fn.fast above its @app.get"),
        (write, "only a GET"),
        (with_header, "'tag' is not a path or query parameter"),
        (required_query, "'q' has no plain default"),
        (answers_a_dict, r"Response\[str\]"),
    ]
    for function, reason in cases:
        with pytest.raises(TypeError, match=reason):
            fn.fast(function)
    assert paths_of(fn).routes() == []
