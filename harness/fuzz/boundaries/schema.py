"""The OpenAPI document as the families read it: its operations and parameters, a schema's
alternatives, members and smallest instance, and a body with one value placed at a path (pure)."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any


def operations(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(METHOD, path template) of every operation of the document, in its order (pure)."""
    return [
        (method.upper(), path)
        for path, methods in document.get("paths", {}).items()
        for method in methods
        if method.lower() in ("get", "put", "post", "patch", "delete", "head", "options")
    ]


def operation(document: Mapping[str, Any], method: str, route: str) -> dict[str, Any]:
    found: dict[str, Any] = document.get("paths", {}).get(route, {}).get(method.lower(), {})
    return found


def resolve(document: Mapping[str, Any], schema: Any) -> dict[str, Any]:
    """The schema a `$ref` points at (followed until it is not one) (pure)."""
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 20:
        node: Any = document
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        schema, seen = node, seen + 1
    return schema if isinstance(schema, dict) else {}


def branches(document: Mapping[str, Any], schema: Any) -> list[dict[str, Any]]:
    """The schema's non-null alternatives, resolved (`anyOf`/`oneOf`, else itself) (pure)."""
    schema = resolve(document, schema)
    options = schema.get("anyOf") or schema.get("oneOf")
    if not options:
        return [] if schema.get("type") == "null" else [schema]
    found = []
    for option in options:
        found += branches(document, option)
    return found


def parameters(document: Mapping[str, Any], method: str, route: str, where: str) -> list[dict[str, Any]]:
    """The operation's parameters `in` path, query or header (pure)."""
    return [p for p in operation(document, method, route).get("parameters", []) if p.get("in") == where]


def parameter_schema(document: Mapping[str, Any], parameter: Mapping[str, Any]) -> dict[str, Any]:
    found = branches(document, parameter.get("schema", {}))
    return found[0] if found else {}


def request_body(document: Mapping[str, Any], method: str, route: str) -> tuple[str, dict[str, Any]] | None:
    """(its first media type, its schema) of the operation's request body, if it takes one (pure)."""
    content = operation(document, method, route).get("requestBody", {}).get("content", {})
    for media, entry in content.items():
        return media, resolve(document, entry.get("schema", {}))
    return None


Path_ = tuple[str | int, ...]


def walk(
    document: Mapping[str, Any], schema: Any, path: Path_ = (), depth: int = 0
) -> Iterator[tuple[Path_, dict[str, Any]]]:
    """Every node of a schema with its path in an instance (`("line_items", 0, "unit_price")`): each
    non-null alternative, object members, the first array item, an additional property as `"edge"`
    (pure; a recursive schema stops at depth 8)."""
    if depth > 8:
        return
    for node in branches(document, schema):
        yield path, node
        for name, member in (node.get("properties") or {}).items():
            yield from walk(document, member, (*path, name), depth + 1)
        extra = node.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            yield from walk(document, extra, (*path, "edge"), depth + 1)
        if node.get("type") == "array" and isinstance(node.get("items"), dict):
            yield from walk(document, node["items"], (*path, 0), depth + 1)


def minimal(document: Mapping[str, Any], schema: Any) -> Any:
    """The smallest instance of a schema its required members allow (pure)."""
    options = branches(document, schema)
    if not options:
        return None
    node = options[0]
    if "const" in node:
        return node["const"]
    if node.get("enum"):
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        properties = node.get("properties") or {}
        return {name: minimal(document, properties.get(name, {})) for name in node.get("required", [])}
    if kind == "array":
        return [minimal(document, node.get("items", {})) for _ in range(node.get("minItems", 0))]
    if kind == "integer":
        return int(node.get("minimum", node.get("exclusiveMinimum", 0) + 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    if kind == "string":
        return "edge"
    return None


def child_schema(document: Mapping[str, Any], schema: Any, key: str | int) -> Any:
    """The schema of member `key` (an array index: its items) (pure)."""
    for node in branches(document, schema):
        if isinstance(key, int) and node.get("type") == "array":
            return node.get("items", {})
        if isinstance(key, str):
            properties = node.get("properties") or {}
            if key in properties:
                return properties[key]
            if isinstance(node.get("additionalProperties"), dict):
                return node["additionalProperties"]
    return {}


def place(document: Mapping[str, Any], schema: Any, body: Any, path: Path_, value: Any) -> Any:
    """A copy of `body` with `value` at `path`, making missing containers as their schema's minimal
    instance (pure)."""
    if not path:
        return value
    root: Any = copy.deepcopy(body) if body is not None else minimal(document, schema)
    if not isinstance(root, list if isinstance(path[0], int) else dict):
        root = [] if isinstance(path[0], int) else {}
    node: Any = root
    node_schema = schema
    for position, key in enumerate(path):
        child = child_schema(document, node_schema, key)
        if isinstance(key, int):
            while len(node) <= key:
                node.append(minimal(document, child))
        if position == len(path) - 1:
            node[key] = value
            break
        wanted = list if isinstance(path[position + 1], int) else dict
        current = node[key] if isinstance(key, int) or key in node else None
        if not isinstance(current, wanted):
            made = minimal(document, child)
            current = made if isinstance(made, wanted) else wanted()
            node[key] = current
        node, node_schema = current, child
    return root


def pointer(path: Path_) -> str:
    """The JSON Pointer of an instance path (pure)."""
    return "".join("/" + str(k).replace("~", "~0").replace("/", "~1") for k in path)


def dotted(path: Path_) -> str:
    """`line_items[0].unit_price` (pure)."""
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else key)
    return text or "body"
