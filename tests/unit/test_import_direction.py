"""Dependencies point inward: the layering of orders_domain, checked on every module's imports.

Runtime imports only (an `if TYPE_CHECKING:` block is for the type checker); imports inside
functions count, since a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import ROOT

PACKAGE = ROOT / "layers" / "orders_domain" / "orders_domain"

#: The HTTP and composition layers: nothing below them may know them.
_ABOVE = (
    "orders_domain.api",
    "orders_domain.handler",
    "orders_domain.wiring",
    "orders_domain.representation",
)

#: module prefix -> modules it must never import at run time (prefixes).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    # the leaves: plain values and rules, nothing of the service around them
    "orders_domain.money": ("orders_domain.",),
    "orders_domain.jsonio": ("orders_domain.",),
    "orders_domain.errors": ("orders_domain.",),
    "orders_domain.settings": ("orders_domain.",),
    "orders_domain.routes": ("orders_domain.",),
    "orders_domain.keys": ("orders_domain.",),
    # rules and models know no I/O, no HTTP, no wiring
    "orders_domain.lifecycle": (
        *_ABOVE,
        "orders_domain.services",
        "orders_domain.storage",
        "boto3",
        "botocore",
    ),
    "orders_domain.models": (
        *_ABOVE,
        "orders_domain.services",
        "orders_domain.storage",
        "orders_domain.idempotency",
        "orders_domain.faults",
        "boto3",
        "botocore",
    ),
    # services run on the ports, never on DynamoDB or the HTTP layer
    "orders_domain.services": (
        *_ABOVE,
        "orders_domain.storage",
        "orders_domain.idempotency",
        "boto3",
        "botocore",
        "aws_lambda_powertools",
    ),
    # storage implements the ports; it knows nothing above it
    "orders_domain.storage": (
        *_ABOVE,
        "orders_domain.services",
        "orders_domain.idempotency",
        "aws_lambda_powertools",
    ),
    # store faults are shared by storage and idempotency: below both
    "orders_domain.faults": ("orders_domain.storage", "orders_domain.services", "orders_domain.models"),
    "orders_domain.idempotency": ("orders_domain.storage", "orders_domain.services", "orders_domain.api"),
    "orders_domain.representation": ("orders_domain.storage", "orders_domain.wiring", "boto3"),
}

#: Only wiring builds storage; everything else gets it through the ports.
STORAGE_USERS = {"orders_domain.wiring", "orders_domain.storage"}


def runtime_imports(source: str) -> set[str]:
    """Every module a source imports when it runs (absolute names)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        for inner in ast.iter_child_nodes(node):
            visit(inner)

    visit(ast.parse(source))
    return found


def violations(module: str, imports: set[str]) -> list[str]:
    out = []
    for prefix, forbidden in FORBIDDEN.items():
        if module == prefix or module.startswith(prefix + "."):
            out += [f"{module} imports {name}" for name in sorted(imports) if name.startswith(forbidden)]
    if module not in STORAGE_USERS and not module.startswith("orders_domain.storage."):
        out += [
            f"{module} imports {name}" for name in sorted(imports) if name.startswith("orders_domain.storage")
        ]
    return out


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[module_name(p) for p in MODULES])
def test_every_module_imports_only_inward(path: Path) -> None:
    module = module_name(path)
    assert violations(module, runtime_imports(path.read_text(encoding="utf-8"))) == []


def test_the_checker_flags_an_outward_import_and_ignores_type_checking_blocks() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from orders_domain.storage.orders import DynamoOrderRepository\n"
        "def later():\n"
        "    import boto3\n"
        "    from orders_domain.api import dumps\n"
    )
    imports = runtime_imports(source)
    assert "orders_domain.storage.orders" not in imports
    assert violations("orders_domain.services.create", imports) == [
        "orders_domain.services.create imports boto3",
        "orders_domain.services.create imports orders_domain.api",
        "orders_domain.services.create imports orders_domain.api.dumps",
    ]
    assert violations("orders_domain.representation", {"orders_domain.storage.orders"}) != []


def test_every_rule_names_a_module_that_exists() -> None:
    names = {module_name(p) for p in MODULES}
    for prefix in FORBIDDEN:
        assert any(n == prefix or n.startswith(prefix + ".") for n in names), prefix
