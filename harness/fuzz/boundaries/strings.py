"""The strings family's document-driven cases: every documented maxLength of a body field, a query
or a path parameter at and one past, in `€` (ASCII where the field's pattern refuses `€`), and path
parameters with control characters. (The multi-byte bodies, control characters and lone surrogates
aimed at one route: each route module's own.)"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from harness.fuzz.boundaries.cases import CONTROL, EITHER, EURO, REFUSED, Bounds, Case, Counter, Expect
from harness.fuzz.boundaries.routes import (
    ONE_ORDER,
    base_body,
    body_case,
    body_operations,
    default_params,
    field_name,
    unchanged_for,
)
from harness.fuzz.boundaries.schema import operations, parameter_schema, parameters, walk
from harness.fuzz.boundaries.table import cases_of


@cases_of("strings", 100)
def max_length_cases(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """Every documented maxLength of a body field, a query or a path parameter at (the service's
    choice) and one past (refused) in `€` (in ASCII where its pattern refuses `€`); path parameters
    with control characters too (pure)."""
    del bounds
    cases: list[Case] = []
    for method, route, schema in body_operations(document):
        for path, leaf in walk(document, schema):
            unit = fill_unit(leaf)
            if leaf.get("type") != "string" or "maxLength" not in leaf or not path or unit is None:
                continue
            limit = int(leaf["maxLength"])
            for label, value, expected in (
                (f"{unit} x {limit} (maxLength)", unit * limit, EITHER),
                (f"{unit} x {limit + 1}", unit * (limit + 1), REFUSED),
            ):
                cases.append(
                    body_case(
                        "strings",
                        f"{field_name(method, route, path)} = {label}",
                        document,
                        method,
                        route,
                        path,
                        value,
                        expected,
                        counter,
                    )
                )
    for method, route in operations(document):
        for parameter in parameters(document, method, route, "query"):
            schema = parameter_schema(document, parameter)
            if schema.get("type") != "string" or "maxLength" not in schema:
                continue
            limit = int(schema["maxLength"])
            cases.append(
                Case(
                    "strings",
                    f"?{parameter['name']}=€ x {limit + 1}",
                    method,
                    route,
                    params=default_params(route),
                    query=((parameter["name"], EURO * (limit + 1)),),
                    body=base_body(method, route, document),
                    expect=Expect(REFUSED if method == "GET" else EITHER),
                )
            )
            cases.append(
                Case(
                    "strings",
                    f"?{parameter['name']} with control characters",
                    method,
                    route,
                    params=default_params(route),
                    query=((parameter["name"], CONTROL),),
                    body=base_body(method, route, document),
                    expect=Expect(EITHER),
                )
            )
        for parameter in parameters(document, method, route, "path"):
            schema = parameter_schema(document, parameter)
            limit = int(schema.get("maxLength", 64))
            name = parameter["name"]
            for label, value, expected in (
                (f"€ x {limit + 1}", EURO * (limit + 1), REFUSED),
                ("control characters", CONTROL, EITHER if name != "tenantId" else REFUSED),
            ):
                params = {**default_params(route, "open"), name: value}
                target = "open" if name != "id" else None
                cases.append(
                    Case(
                        "strings",
                        f"path {name} = {label}",
                        method,
                        route,
                        params=params,
                        body=base_body(method, route, document),
                        expect=Expect(
                            expected,
                            unchanged=unchanged_for(route, target, None)
                            if target and method != "GET"
                            else None,
                        ),
                        quick=(method, route, name) == ("GET", ONE_ORDER, "id") and value is not CONTROL,
                    )
                )
    return cases


def fill_unit(schema: Mapping[str, Any]) -> str | None:
    """The character a string at its maxLength is made of: `€` (3 bytes in UTF-8), else the first
    its documented pattern takes; None when the pattern takes none of them (pure)."""
    pattern = schema.get("pattern")
    for unit in (EURO, "x", "1", "A"):
        try:
            if pattern is None or re.fullmatch(pattern, unit * 2):
                return unit
        except re.error:
            return None
    return None
