"""docs/openapi.json is the document the handlers generate; it must not go stale."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from local.openapi import build
from tests.helpers import ROOT


def test_committed_openapi_document_matches_the_handlers() -> None:
    # GIVEN the document generated from the functions' Powertools resolvers right now
    generated = build()
    # THEN the committed copy is identical (run `make openapi` after changing a route or model)
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert committed == json.loads(json.dumps(generated))


def test_given_the_template_when_the_document_is_built_then_it_covers_every_route_and_method() -> None:
    from local.gateway import routes_from_template
    from local.tables import load_template
    from tests.helpers import TEMPLATE

    document = build()
    # every Api event of template.yaml, in OpenAPI's {param} form, and each with its method
    # (the console's files ask no key: they are not the API, and not in its document)
    routes = [route for route in routes_from_template(load_template(TEMPLATE)) if route.authorized]
    assert routes
    assert set(document["paths"]) == {route.path for route in routes}
    for route in routes:
        assert route.method.lower() in document["paths"][route.path], (route.method, route.path)
    create = document["paths"]["/orders/{tenantId}"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/OrderCreateRequest"
    )
    assert "Idempotency-Key" in [p["name"] for p in create["parameters"]]
    assert create["responses"]["400"]["content"]["application/problem+json"]
    assert "id" not in document["components"]["schemas"]["OrderCreateRequest"]["properties"]


def test_money_is_documented_as_json_numbers_and_internal_fields_are_not() -> None:
    schemas = build()["components"]["schemas"]
    order = schemas["OrderResponse"]
    assert order["properties"]["total"]["type"] == "number"
    assert order["properties"]["total"]["default"] == 0
    # a line naming a catalogue product may leave its price out (the catalogue's is taken)
    price = schemas["LineItemInput"]["properties"]["unit_price"]["anyOf"]
    assert [p.get("minimum") for p in price] == [0, None]
    assert "tenant_id" not in order["properties"]
    assert "tenant_id" not in order["required"]
    text = json.dumps(schemas)
    assert '"ge"' not in text
    assert "\\d" not in text  # no decimal-as-string patterns


def test_merge_refuses_a_component_two_functions_define_differently() -> None:
    from local.gateway import OpenAPIConflict, merge_components

    merged: dict[str, Any] = {"Order": {"type": "object"}}
    # the same definition again, and a new one, merge
    merge_components(merged, {"Order": {"type": "object"}, "Fulfillment": {"type": "object"}}, "schemas", "a")
    assert set(merged) == {"Order", "Fulfillment"}
    # another definition under a taken name is refused, and the first one kept
    with pytest.raises(OpenAPIConflict, match=r"components\.schemas\.Order from b"):
        merge_components(merged, {"Order": {"type": "string"}}, "schemas", "b")
    assert merged["Order"] == {"type": "object"}


def test_numeric_keywords_are_json_numbers_everywhere() -> None:
    # A bound written as a string ("1000000000000") makes the document invalid for schema tools.
    keywords = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}

    def strings(node: Any, path: str) -> list[str]:
        if isinstance(node, dict):
            found = [f"{path}.{k}" for k, v in node.items() if k in keywords and isinstance(v, str)]
            return found + [p for k, v in node.items() for p in strings(v, f"{path}.{k}")]
        if isinstance(node, list):
            return [p for i, v in enumerate(node) for p in strings(v, f"{path}[{i}]")]
        return []

    assert strings(build(), "$") == []


def test_given_an_operation_documented_by_one_function_when_another_documents_it_then_the_merge_refuses() -> (
    None
):
    from local.gateway import OpenAPIConflict, merge_operations

    # GIVEN GET /orders/{tenantId}/{id} documented by one function
    merged: dict[str, Any] = {}
    merge_operations(merged, {"get": {"summary": "Get an order"}}, "/orders/{tenantId}/{id}", "a")
    # WHEN another function documents another method there, then the same method (differently, or alike)
    merge_operations(merged, {"patch": {"summary": "Patch an order"}}, "/orders/{tenantId}/{id}", "b")
    with pytest.raises(OpenAPIConflict, match=r"GET /orders/\{tenantId\}/\{id\} from c"):
        merge_operations(merged, {"get": {"summary": "Something else"}}, "/orders/{tenantId}/{id}", "c")
    with pytest.raises(OpenAPIConflict, match=r"GET /orders/\{tenantId\}/\{id\} from d"):
        merge_operations(merged, {"get": {"summary": "Get an order"}}, "/orders/{tenantId}/{id}", "d")
    # THEN both distinct operations are kept and the first GET stands
    assert merged == {"get": {"summary": "Get an order"}, "patch": {"summary": "Patch an order"}}


# ------------------------------------------------------------------ what clients and validators need
# (`make openapi-lint` runs the validators themselves and generates a client; these are the fast checks.)
_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    generated: dict[str, Any] = json.loads(json.dumps(build()))
    return generated


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method in _METHODS
    ]


def _walk(node: Any, pointer: str = "#") -> list[tuple[str, dict[str, Any]]]:
    """Every object of the document with its JSON pointer."""
    if isinstance(node, dict):
        found = [(pointer, node)]
        for key, value in node.items():
            found += _walk(value, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}")
        return found
    if isinstance(node, list):
        return [item for i, value in enumerate(node) for item in _walk(value, f"{pointer}/{i}")]
    return []


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref}: only local references"
    node: Any = document
    for part in ref[2:].split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def test_every_operation_id_stays_unique_in_a_generated_client(document: dict[str, Any]) -> None:
    # Generators turn operationIds into snake_case or camelCase names: ids that differ only in case,
    # `_` or `-` (`shippable_status` and `shippableStatus`) become one function and a route vanishes.
    names: dict[str, list[str]] = {}
    for method, path, operation in _operations(document):
        operation_id = operation.get("operationId")
        assert operation_id, f"{method} {path} has no operationId"
        names.setdefault(re.sub(r"[^a-z0-9]", "", operation_id.lower()), []).append(f"{method} {path}")
    assert {name: routes for name, routes in names.items() if len(routes) > 1} == {}


def test_every_operation_has_a_description_and_declared_tags(document: dict[str, Any]) -> None:
    declared = {tag["name"]: tag.get("description") for tag in document["tags"]}
    assert all(declared.values()), declared
    for method, path, operation in _operations(document):
        assert operation.get("summary"), f"{method} {path}"
        assert operation.get("description"), f"{method} {path} has no description"
        assert operation.get("tags"), f"{method} {path} has no tag"
        assert set(operation["tags"]) <= set(declared), f"{method} {path}: {operation['tags']}"


def test_every_array_schema_says_what_its_items_are(document: dict[str, Any]) -> None:
    # A client generator leaves out a response with an array of unknown items.
    untyped = [
        pointer
        for pointer, node in _walk(document)
        if (node.get("type") == "array" or (isinstance(node.get("type"), list) and "array" in node["type"]))
        and "items" not in node
        and "prefixItems" not in node
    ]
    assert untyped == []


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    refs = [(pointer, node["$ref"]) for pointer, node in _walk(document) if isinstance(node.get("$ref"), str)]
    assert refs
    dangling = []
    for pointer, ref in refs:
        try:
            _resolve(document, ref)
        except (AssertionError, KeyError, IndexError, ValueError):
            dangling.append(f"{pointer} -> {ref}")
    assert dangling == []


def test_every_component_schema_is_used(document: dict[str, Any]) -> None:
    # Powertools' own validation-error schemas (ours are problem details) are not left behind.
    refs = {node["$ref"] for _, node in _walk(document) if isinstance(node.get("$ref"), str)}
    unused = {
        name for name in document["components"]["schemas"] if f"#/components/schemas/{name}" not in refs
    }
    assert unused == set()
    assert not {"HTTPValidationError", "ValidationError", "ResponseValidationError"} & set(
        document["components"]["schemas"]
    )


def test_retry_after_is_declared_on_every_409_429_and_503(document: dict[str, Any]) -> None:
    for method, path, operation in _operations(document):
        for status in ("409", "429", "503"):
            response = operation["responses"].get(status)
            assert response, f"{method} {path} documents no {status}"
            header = response.get("headers", {}).get("Retry-After")
            assert header, f"{method} {path} {status} declares no Retry-After"
            if "$ref" in header:
                header = _resolve(document, header["$ref"])
            assert header["schema"]["type"] == "integer"


def test_the_document_names_its_servers_contact_and_license(document: dict[str, Any]) -> None:
    info = document["info"]
    assert info["description"]
    assert info["contact"]["name"]
    assert info["license"]["identifier"] == "Apache-2.0"  # pyproject.toml's license
    urls = [server["url"] for server in document["servers"]]
    assert any(url.startswith("https://") and "execute-api" in url for url in urls)
    assert "http://127.0.0.1:3000" in urls


def test_problem_responses_offer_xml_only_on_the_routes_that_speak_it(document: dict[str, Any]) -> None:
    from orders_domain.http.routes import XML_ROUTES

    for method, path, operation in _operations(document):
        xml = "application/problem+xml" in operation["responses"]["400"]["content"]
        assert xml == ((method, path) in XML_ROUTES), f"{method} {path}"


def test_a_204_documents_no_body() -> None:
    document = json.loads((ROOT / "docs" / "openapi.json").read_text())
    no_content = [
        (path, method)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "204" in operation.get("responses", {})
    ]
    assert no_content, "the catalogue's DELETE answers 204"
    for path, method in no_content:
        assert "content" not in document["paths"][path][method]["responses"]["204"], (path, method)
