"""The numbers and money_strings families, from the document: every number field of every body at
and past its bounds (the order's PATCH as JSON Patch), every integer query, `If-Match` and path
parameter; money fields as strings that are not plain decimals. (Weight x quantity past DynamoDB's
range: orders.py.)"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from harness.fuzz.boundaries.cases import (
    ANSWERED,
    DIGITS_4400,
    EITHER,
    IF_MATCH_EXTREMES,
    MONEY_STRINGS,
    NUMBER_EXTREMES,
    QUERY_NUMBER_EXTREMES,
    REFUSED,
    Bounds,
    Case,
    Counter,
    Expect,
    Lit,
)
from harness.fuzz.boundaries.routes import (
    CREATE,
    ONE_ORDER,
    ORDER_ROUTE,
    PATCH,
    PREVIEW,
    SEARCH,
    base_body,
    body_case,
    body_operations,
    default_params,
    field_name,
    unchanged_for,
)
from harness.fuzz.boundaries.schema import Path_, operations, parameter_schema, parameters, walk
from harness.fuzz.boundaries.table import cases_of


def decimal_of(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def storable(value: Decimal) -> bool:
    """Whether DynamoDB's number type holds it (38 significant digits, magnitude 1E-128..1E+126)."""
    if value.is_zero():
        return True
    return -128 <= value.adjusted() <= 125 and len(value.normalize().as_tuple().digits) <= 38


def is_money(leaf: Mapping[str, Any], bounds: Bounds) -> bool:
    """A money field: the document bounds it by the service's `MAX_AMOUNT` (pure)."""
    ceiling = leaf.get("exclusiveMaximum", leaf.get("maximum"))
    return ceiling is not None and Decimal(str(ceiling)) == bounds.max_amount


def bound_values(leaf: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(name, literal) at and just past each documented bound of a number field (pure)."""
    step = Decimal(1) if leaf.get("type") == "integer" else Decimal("0.01")
    values = []
    for key, inside, outside in (
        ("maximum", Decimal(0), step),
        ("exclusiveMaximum", -step, Decimal(0)),
        ("minimum", Decimal(0), -step),
        ("exclusiveMinimum", step, Decimal(0)),
    ):
        if key in leaf:
            edge = Decimal(str(leaf[key]))
            integer_edge = edge == edge.to_integral_value()
            values.append((f"{key} inside", _plain(edge + inside, integer_edge)))
            values.append((f"{key} past", _plain(edge + outside, integer_edge)))
    return values


def _plain(value: Decimal, integer: bool) -> str:
    """A literal without exponent (1E+12 -> 1000000000000; 999999999999.99 stays)."""
    if integer and value == value.to_integral_value():
        return str(int(value))
    return format(value, "f")


def number_expectation(
    literal: str, leaf: Mapping[str, Any], bounds: Bounds, *, stored: bool = True
) -> frozenset[int]:
    """What a number field must answer to `literal`: refused when no field here can hold it, when it
    is past a documented bound, a fraction for an integer, or money with more decimals than USD's;
    else the service's choice (`EITHER`) (pure)."""
    value = decimal_of(literal)
    if value is None or len(literal) > 1000:
        return REFUSED
    if stored and not storable(value):
        return REFUSED
    if leaf.get("type") == "integer" and value != value.to_integral_value():
        return REFUSED
    checks: tuple[tuple[str, Callable[[Decimal, Decimal], bool]], ...] = (
        ("maximum", lambda v, b: v > b),
        ("exclusiveMaximum", lambda v, b: v >= b),
        ("minimum", lambda v, b: v < b),
        ("exclusiveMinimum", lambda v, b: v <= b),
    )
    for key, violates in checks:
        if key in leaf and violates(value, Decimal(str(leaf[key]))):
            return REFUSED
    if is_money(leaf, bounds):
        from orders_domain.domain.money import decimal_places

        if decimal_places(value) > 2:
            return REFUSED
    return EITHER


def number_leaves(document: Mapping[str, Any], schema: Any) -> list[tuple[Path_, dict[str, Any]]]:
    return [(p, n) for p, n in walk(document, schema) if n.get("type") in ("number", "integer") and p]


@cases_of("numbers", 10)
def number_fields(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """Every number field of every body at and past its bounds (the order's PATCH: as JSON Patch)."""
    cases: list[Case] = []
    for method, route, schema in body_operations(document):
        stored = (method, route) not in (SEARCH, PREVIEW)
        for path, leaf in number_leaves(document, schema):
            for label, literal in (*NUMBER_EXTREMES, *bound_values(leaf)):
                expected = number_expectation(literal, leaf, bounds, stored=stored)
                quick = (method, route, label) in {
                    (*CREATE, "4,400 digits"),
                    (*CREATE, "1e30"),
                    (*PATCH, "9.9e125"),
                } and path in (
                    ("exchange_rate",),
                    ("line_items", 0, "unit_price"),
                    ("line_items", 0, "weight"),
                )
                cases.append(
                    body_case(
                        "numbers",
                        f"{field_name(method, route, path)} = {label}",
                        document,
                        method,
                        route,
                        path,
                        Lit(literal),
                        expected,
                        counter,
                        quick=quick,
                    )
                )
    return cases


@cases_of("numbers", 30)
def number_parameters(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """Every integer query, `If-Match` and path parameter at and past its bounds."""
    del bounds, counter
    cases: list[Case] = []
    for method, route in operations(document):
        for parameter in parameters(document, method, route, "query"):
            schema = parameter_schema(document, parameter)
            if schema.get("type") != "integer":
                continue
            inside = [(label, v) for label, v in bound_values(schema) if "inside" in label]
            past = [(label, v) for label, v in bound_values(schema) if "past" in label]
            for label, literal in (*QUERY_NUMBER_EXTREMES, *inside, *past):
                expected = ANSWERED if (label, literal) in inside else REFUSED
                cases.append(
                    Case(
                        "numbers",
                        f"?{parameter['name']}={label}",
                        method,
                        route,
                        params=default_params(route, "scratch"),
                        query=((parameter["name"], literal),),
                        body=base_body(method, route, document),
                        expect=Expect(expected),
                        quick=(method, route, label) == ("GET", ORDER_ROUTE, "4,400 digits"),
                    )
                )
        if any(p.get("name") == "If-Match" for p in parameters(document, method, route, "header")):
            for label, value in IF_MATCH_EXTREMES:
                cases.append(
                    Case(
                        "numbers",
                        f"If-Match {label}",
                        method,
                        route,
                        params=default_params(route, "open"),
                        headers={"If-Match": value},
                        body=base_body(method, route, document),
                        expect=Expect(REFUSED, unchanged=unchanged_for(route, "open", None)),
                        quick=(method, route, label) == ("DELETE", ONE_ORDER, "4,400 digits"),
                    )
                )
        for parameter in parameters(document, method, route, "path"):
            params = {**default_params(route, "open"), parameter["name"]: DIGITS_4400}
            cases.append(
                Case(
                    "numbers",
                    f"path {parameter['name']} of 4,400 digits",
                    method,
                    route,
                    params=params,
                    body=base_body(method, route, document),
                    expect=Expect(REFUSED),
                )
            )
    return cases


# ---------------------------------------------------------------------------- money strings
@cases_of("money_strings", 10)
def money_strings(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """Every money field (bounded by `MAX_AMOUNT` in the document) of every body, as strings that are
    not plain decimals: refused (a few the service may read as numbers: its choice)."""
    cases: list[Case] = []
    for method, route, schema in body_operations(document):
        for path, leaf in number_leaves(document, schema):
            if not is_money(leaf, bounds):
                continue
            for text, may_take in MONEY_STRINGS:
                cases.append(
                    body_case(
                        "money_strings",
                        f"{field_name(method, route, path)} = {json.dumps(text, ensure_ascii=False)}",
                        document,
                        method,
                        route,
                        path,
                        text,
                        EITHER if may_take else REFUSED,
                        counter,
                        quick=(method, route) == CREATE
                        and path == ("line_items", 0, "unit_price")
                        and text in (" 10 ", "1_000", "١٢"),
                    )
                )
    return cases
