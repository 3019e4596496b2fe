"""docs/openapi.json is the document the handlers generate; it must not go stale."""

from __future__ import annotations

import json
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
    routes = routes_from_template(load_template(TEMPLATE))
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
    assert schemas["LineItemInput"]["properties"]["unit_price"]["minimum"] == 0
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
