"""Every route has a declared scope, the one API.md gives it; an undeclared route is refused."""

from __future__ import annotations

import importlib
import re

import pytest
from aws_lambda_powertools.event_handler import Response
from orders_domain.domain.errors import Forbidden
from orders_domain.http.auth import Principal, authorize
from orders_domain.http.handler import FunctionApp
from orders_domain.http.idempotency import StoredResponse
from orders_domain.http.routes import (
    BODY_KEYED_ROUTES,
    IDEMPOTENT_ROUTES,
    ROUTE_SCOPES,
    SCOPE_ADMIN,
    SCOPE_PORTAL,
    SCOPE_READ,
    SCOPE_WRITE,
    scope_of,
)

from local.gateway import Route, routes_from_template
from local.lambda_runtime import FakeLambdaContext
from local.tables import load_template
from tests.helpers import ROOT, TEMPLATE, invoke, load_event, seed_key, with_headers

API_MD = ROOT / "docs" / "API.md"
_ADMIN_SEGMENTS = {"void", "close", "batch", "override", "coupon-codes"}
_METHOD = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (/\S+)$")


def scope_by_api_md(method: str, path: str) -> str:
    """API.md's rule, written independently of routes.py: reads read (preview and search too),
    void/close/delete/batch/override and catalogue or credit writes admin, other writes write."""
    segments = [s for s in path.split("/") if s]
    if method == "GET" and segments[2:3] == ["portal"]:  # issue 32: a portal key's, or a reader's
        return SCOPE_PORTAL
    if method == "POST" and segments[2:4] == ["notifications", "preview"]:  # issue 32: it sends mail
        return SCOPE_WRITE
    if method == "DELETE" or _ADMIN_SEGMENTS & set(segments):
        return SCOPE_ADMIN
    if method == "PUT" and "refund-reasons" in segments:  # issue 20: a tenant's own reasons, admin
        return SCOPE_ADMIN
    if method != "GET" and {"catalogue", "credits"} & set(segments[2:3]):  # issue 31: the catalogue's admin
        return SCOPE_ADMIN
    if method == "GET" or segments[-1] in ("preview", "search", "availability", "describe"):
        return SCOPE_READ
    if "preview" in segments:  # issue 31: the preview's price and eligibility are reads
        return SCOPE_READ
    return SCOPE_WRITE


def shape(path: str) -> str:
    """The API Gateway resource of an API.md path: `token-{token}` is served by the `{id}` resource."""
    return path.replace("token-{token}", "{id}")


def api_routes() -> list[Route]:
    """The template's routes behind the API's authorizer: the API. The console's files
    (`Auth: Authorizer: NONE`: public, no data) ask no key and need no scope."""
    return [route for route in routes_from_template(load_template(TEMPLATE)) if route.authorized]


def public_paths() -> set[str]:
    return {route.path for route in routes_from_template(load_template(TEMPLATE)) if not route.authorized}


def api_md_routes() -> set[tuple[str, str]]:
    """(method, path) of every route in API.md's "Routes" section, plus the planned admin override
    (not the public files of `public_paths`)."""
    text = API_MD.read_text(encoding="utf-8")
    routes_section = text.split("## Routes", 1)[1].split("## Planned routes", 1)[0]
    override_rows = [line for line in text.splitlines() if "/override" in line and line.startswith("|")]
    found: set[tuple[str, str]] = set()
    for line in routes_section.splitlines() + override_rows:
        if not line.startswith("| `"):
            continue
        first_cell = line.split("|")[1]
        method = ""
        for item in re.findall(r"`([^`]+)`", first_cell):
            match = _METHOD.match(item.strip())
            if match:
                method, path = match.groups()
            else:  # `billToOrganization/{id}`: another path under the tenant, same method
                path = "/orders/{tenantId}/" + item.strip().strip("/")
            found.add((method, path))
    return {(method, path) for method, path in found if path not in public_paths()}


def declared_shapes() -> dict[tuple[str, str], str]:
    return {(method, shape(path)): scope for (method, path), scope in ROUTE_SCOPES.items()}


def resolver_routes() -> set[tuple[str, str]]:
    """(method, path) of every route every function's Powertools resolver serves."""
    found = set()
    for module in {route.module for route in api_routes()}:
        app = importlib.import_module(module).app
        for route in app._static_routes + app._dynamic_routes:
            found.add((route.method, route.openapi_path))
    return found


def test_api_md_is_read_in_full() -> None:
    # The parser must see every group of API.md, or the comparison below proves nothing.
    routes = api_md_routes()
    assert len(routes) >= 30
    assert ("POST", "/orders/{tenantId}/preview") in routes
    assert ("GET", "/orders/{tenantId}/shipToOrganization/{id}") in routes


def test_every_api_md_route_is_declared_with_the_scope_api_md_gives_it() -> None:
    declared = declared_shapes()
    for method, path in api_md_routes():
        assert (method, shape(path)) in declared, f"{method} {path} has no declared scope"
        assert declared[(method, shape(path))] == scope_by_api_md(method, path), f"{method} {path}"


def test_nothing_is_declared_that_api_md_does_not_name() -> None:
    documented = {(method, shape(path)) for method, path in api_md_routes()}
    assert set(declared_shapes()) <= documented


@pytest.mark.parametrize(
    ("source", "routes"),
    [
        (
            "template.yaml",
            lambda: {(r.method, r.path) for r in api_routes()},
        ),
        ("function resolvers", resolver_routes),
    ],
)
def test_every_served_route_has_the_api_md_scope(source: str, routes: object) -> None:
    served = routes()  # type: ignore[operator]
    assert served, source
    for method, path in served:
        scope = scope_of(method, path)
        assert scope is not None, f"{source}: {method} {path} has no declared scope"
        assert scope == scope_by_api_md(method, path), f"{source}: {method} {path}"


def test_template_and_resolvers_serve_the_same_routes() -> None:
    template = {(r.method, r.path) for r in api_routes()}
    assert template == resolver_routes()


def test_only_the_console_files_ask_no_key() -> None:
    assert public_paths() == {"/console", "/console/{asset}"}
    assert all(
        route.method == "GET"
        for route in routes_from_template(load_template(TEMPLATE))
        if not route.authorized
    )


def test_a_route_with_no_declared_scope_is_refused_even_with_every_scope() -> None:
    principal = Principal("tenant-a", (SCOPE_READ, SCOPE_WRITE, SCOPE_ADMIN), "key_x")
    with pytest.raises(Forbidden, match="no declared scope"):
        authorize(principal, tenant_id="tenant-a", method="POST", resource="/orders/{tenantId}/undeclared")
    with pytest.raises(Forbidden):
        authorize(principal, tenant_id="tenant-a", method="HEAD", resource="/orders/{tenantId}/{id}")


@pytest.mark.usefixtures("tables")
def test_authorizer_denies_an_undeclared_route_to_an_all_scopes_key() -> None:
    # GIVEN a key with every scope
    seed_key("tenant-a", "all-scopes-key")
    event = with_headers(load_event("authorizer.json"), **{"x-api-key": "all-scopes-key"})
    event.update(
        httpMethod="POST", resource="/orders/{tenantId}/undeclared", path="/orders/tenant-a/undeclared"
    )
    # WHEN it calls a route nobody declared
    result = invoke("authorizer", event)
    # THEN it is denied, with the reason
    assert result["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert "no declared scope" in result["context"]["reason"]


@pytest.mark.usefixtures("tables")
def test_read_only_key_may_preview_but_not_create() -> None:
    seed_key("tenant-a", "read-only-key", ["orders:read"])
    base = with_headers(load_event("authorizer.json"), **{"x-api-key": "read-only-key"})
    preview = {**base, "httpMethod": "POST", "resource": "/orders/{tenantId}/preview"}
    create = {**base, "httpMethod": "POST", "resource": "/orders/{tenantId}"}
    assert invoke("authorizer", preview)["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert invoke("authorizer", create)["policyDocument"]["Statement"][0]["Effect"] == "Deny"


def test_idempotent_routes_are_declared_writes_and_documented_with_the_header() -> None:
    from local.openapi import build

    assert set(ROUTE_SCOPES) >= IDEMPOTENT_ROUTES
    assert all(
        method == "POST" and ROUTE_SCOPES[(method, path)] != SCOPE_READ for method, path in IDEMPOTENT_ROUTES
    )
    for path, operations in build()["paths"].items():
        for method, operation in operations.items():
            names = [p["name"] for p in operation.get("parameters", [])]
            keyed_by_header = (method.upper(), path) in IDEMPOTENT_ROUTES - BODY_KEYED_ROUTES
            assert ("Idempotency-Key" in names) == keyed_by_header, (method, path)


@pytest.mark.usefixtures("tables")
def test_an_idempotent_effect_on_an_undeclared_route_is_a_fault_not_a_silent_success() -> None:
    # (with tables in place, only the declaration check stands between this route and a 200)
    fn = FunctionApp()

    @fn.app.post("/orders/<tenantId>/preview")
    def not_idempotent(tenantId: str) -> Response[str]:
        return fn.idempotent(
            tenant_id=tenantId, key="k", fingerprint="f", operation=lambda: StoredResponse(200, "{}")
        )

    event = with_headers(load_event("create_order_preview.json"))
    response = fn.lambda_handler(event, FakeLambdaContext())
    assert response["statusCode"] == 500
    assert "internal_error" in response["body"]
