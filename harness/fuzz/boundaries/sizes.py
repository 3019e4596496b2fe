"""The sizes family's document-driven cases: an Idempotency-Key of the longest length allowed and
one past on every route that takes one, an API key one past its longest, and every documented
maxItems and maxProperties of a body at and one past. (Bodies at each byte limit and JSON nesting:
orders.py; XML at its limit: dialects.py; the JSON Patch's length: changes.py.)"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from harness.fuzz.boundaries.cases import EITHER, REFUSED, Bounds, Case, Counter, Expect, json_bytes
from harness.fuzz.boundaries.routes import (
    CREATE,
    base_body,
    body_case,
    body_operations,
    default_params,
    field_name,
    unchanged_for,
)
from harness.fuzz.boundaries.schema import Path_, minimal, operations, parameters, place, walk
from harness.fuzz.boundaries.table import cases_of


def sized(body: dict[str, Any], where: Path_, size: int, unit: str = "x") -> bytes:
    """The JSON body with a string at `where` (a top-level member, or one level down) padded so the
    whole body is exactly `size` bytes, in `unit` characters (the rest in ASCII) (pure)."""
    empty = place({}, {}, body, where, "")
    room = size - len(json_bytes(empty))
    width = len(unit.encode("utf-8"))
    filler = unit * (room // width) + "x" * (room % width)
    data = json_bytes(place({}, {}, body, where, filler))
    assert len(data) == size, (len(data), size)
    return data


@cases_of("sizes", 100)
def header_length_cases(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """An Idempotency-Key of the longest length allowed (plain and quoted: on a missing order where
    the route names one) and one past (refused, nothing changed), on every route that takes one; an
    API key one past its longest (401) (pure)."""
    cases: list[Case] = []
    limit = bounds.max_idempotency_key
    for method, route in operations(document):
        if not any(p.get("name") == "Idempotency-Key" for p in parameters(document, method, route, "header")):
            continue
        for label, length, quoted, expected in (
            (f"{limit} characters", limit, False, EITHER),
            (f"{limit} characters, quoted", limit, True, EITHER),
            (f"{limit + 1} characters", limit + 1, False, REFUSED),
            (f"{limit + 1} characters, quoted", limit + 1, True, REFUSED),
        ):
            stem = counter()
            key = (stem + "k" * length)[:length]
            target = "missing" if expected == EITHER else "open"
            watch = counter() if (method, route) == CREATE else None
            cases.append(
                Case(
                    "sizes",
                    f"Idempotency-Key of {label}",
                    method,
                    route,
                    params=default_params(route, target),
                    headers={"Idempotency-Key": f'"{key}"' if quoted else key},
                    body=base_body(method, route, document, watch),
                    expect=Expect(expected, unchanged=unchanged_for(route, target, watch)),
                    quick=(method, route) == CREATE and length > limit and not quoted,
                )
            )
    cases.append(
        Case(
            "sizes",
            f"API key of {bounds.max_api_key + 1} characters",
            "GET",
            "/v1/refund-reasons",
            headers={"Authorization": "k" * (bounds.max_api_key + 1)},
            expect=Expect(frozenset({401})),
        )
    )
    return cases


@cases_of("sizes", 110)
def max_items_cases(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """Every documented maxItems (maxProperties) of a body at (the service's choice) and one past
    (refused): the base body's own first item repeated (an order's lines and a batch's operations
    each their own; numbers counting up) (pure)."""
    del bounds
    cases: list[Case] = []
    for method, route, schema in body_operations(document):
        for path, node in walk(document, schema):
            for keyword in ("maxItems", "maxProperties"):
                if keyword not in node or (keyword == "maxItems" and node.get("type") != "array"):
                    continue
                limit = int(node[keyword])
                for label, count, expected in (
                    (f"{limit} ({keyword})", limit, EITHER),
                    (str(limit + 1), limit + 1, REFUSED),
                ):
                    value = repeated(document, method, route, schema, path, node, count)
                    cases.append(
                        body_case(
                            "sizes",
                            f"{field_name(method, route, path)} of {label}",
                            document,
                            method,
                            route,
                            path,
                            value,
                            expected,
                            counter,
                            quick=(method, route, path) == (*CREATE, ("line_items",)) and count > limit,
                        )
                    )
    return cases


def repeated(
    document: Mapping[str, Any],
    method: str,
    route: str,
    schema: Any,
    path: Path_,
    node: Mapping[str, Any],
    count: int,
) -> Any:
    """`count` items (or properties) for the list (or map) at `path`: the base body's first one, or the
    item schema's minimal instance; line ids and numbers made distinct (pure)."""
    if node.get("type") != "array":
        return {f"k{n}": "edge" for n in range(count)}
    del schema
    current: Any = base_body(method, route, document)
    for key in path:
        current = current[key] if isinstance(current, dict | list) and _has(current, key) else None  # type: ignore[index]
    first = current[0] if isinstance(current, list) and current else minimal(document, node.get("items", {}))
    items = []
    for n in range(count):
        item = copy.deepcopy(first)
        if isinstance(item, int) and not isinstance(item, bool):
            item = n + 1
        elif isinstance(item, dict) and "order_line_item_id" in item and path and path[-1] == "line_items":
            item["order_line_item_id"] = f"L{n + 1}"
        items.append(item)
    return items


def _has(container: Any, key: str | int) -> bool:
    if isinstance(container, list):
        return isinstance(key, int) and key < len(container)
    return key in container
