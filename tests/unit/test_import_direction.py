"""Dependencies point inward: the layering of orders_domain, checked on every module's imports.

Runtime imports only (an `if TYPE_CHECKING:` block is for the type checker); imports inside
functions count, since a lazy import is still a dependency, and so do relative imports and
`importlib.import_module("<literal name>")`. The checker is tested on synthetic sources below, so a
rule that stopped flagging anything would fail too.
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


def _is_type_checking(test: ast.expr) -> bool:
    """`if TYPE_CHECKING:` or `if typing.TYPE_CHECKING:` (not `if not TYPE_CHECKING:`)."""
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _absolute(module: str | None, level: int, importer: str, is_package: bool) -> str:
    """The absolute name of `from <dots><module> import ...` written in `importer`."""
    if level == 0:
        return module or ""
    package = importer.split(".") if is_package else importer.split(".")[:-1]
    base = package[: len(package) - (level - 1)] if level > 1 else package
    return ".".join([*base, module] if module else base)


def runtime_imports(source: str, module: str = "", is_package: bool = False) -> set[str]:
    """Every module a source imports when it runs (absolute names; relative imports resolved
    against `module`, and `importlib.import_module("...")` with a literal name counted too)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module, node.level, module, is_package)
            if base:
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
        for inner in ast.iter_child_nodes(node):
            visit(inner)

    visit(ast.parse(source))
    return found


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    """`name` is one of the modules or under one (`"orders_domain."` alone: anything of the package)."""
    return any(
        name.startswith(p) if p.endswith(".") else name == p or name.startswith(p + ".") for p in prefixes
    )


def violations(module: str, imports: set[str]) -> list[str]:
    """Each forbidden import of `module`, once, as "<module> imports <name>"."""
    bad: set[str] = set()
    for owner, forbidden in FORBIDDEN.items():
        if _within(module, (owner,)):
            bad.update(name for name in imports if _within(name, forbidden))
    if not _within(module, tuple(STORAGE_USERS)):
        bad.update(name for name in imports if _within(name, ("orders_domain.storage",)))
    return [f"{module} imports {name}" for name in sorted(bad)]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(PACKAGE.rglob("*.py"))
PACKAGES = {module_name(p) for p in MODULES if p.name == "__init__.py"}


@pytest.mark.parametrize("path", MODULES, ids=[module_name(p) for p in MODULES])
def test_given_a_module_of_the_domain_when_its_imports_are_read_then_they_point_inward(path: Path) -> None:
    # GIVEN one module of orders_domain WHEN its run-time imports are parsed
    module = module_name(path)
    imports = runtime_imports(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")
    # THEN none of them breaks the layering
    assert violations(module, imports) == []


def test_given_a_source_with_outward_imports_when_checked_then_each_is_flagged() -> None:
    # GIVEN a services module importing boto3 and the HTTP layer (one lazily, one relatively), a
    # storage module by import_module, and storage again for the type checker only
    source = (
        "import importlib\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from orders_domain.storage.orders import DynamoOrderRepository\n"
        "def later():\n"
        "    import boto3\n"
        "    from orders_domain.api import dumps\n"
        "    from ..wiring import current\n"
        "    return importlib.import_module('orders_domain.storage.codec')\n"
    )
    # WHEN the checker reads it as orders_domain.services.create
    imports = runtime_imports(source, "orders_domain.services.create")
    # THEN the type-checking import is ignored and every run-time one is flagged
    assert "orders_domain.storage.orders" not in imports
    assert violations("orders_domain.services.create", imports) == [
        "orders_domain.services.create imports boto3",
        "orders_domain.services.create imports orders_domain.api",
        "orders_domain.services.create imports orders_domain.api.dumps",
        "orders_domain.services.create imports orders_domain.storage.codec",
        "orders_domain.services.create imports orders_domain.wiring",
        "orders_domain.services.create imports orders_domain.wiring.current",
    ]


@pytest.mark.parametrize(
    ("module", "source", "flagged"),
    [
        ("orders_domain.money", "from orders_domain.errors import BadRequest\n", "orders_domain.errors"),
        ("orders_domain.jsonio", "from . import money\n", "orders_domain.money"),
        ("orders_domain.errors", "import orders_domain.jsonio\n", "orders_domain.jsonio"),
        ("orders_domain.models.orders", "from orders_domain import wiring\n", "orders_domain.wiring"),
        ("orders_domain.models", "from ..services import create\n", "orders_domain.services"),
        (
            "orders_domain.models.types",
            "from orders_domain.handler import FunctionApp\n",
            "orders_domain.handler",
        ),
        (
            "orders_domain.services.read",
            "from botocore.exceptions import ClientError\n",
            "botocore.exceptions",
        ),
        ("orders_domain.services.read", "from ..storage import orders\n", "orders_domain.storage"),
        (
            "orders_domain.storage.orders",
            "from orders_domain.services import common\n",
            "orders_domain.services",
        ),
        ("orders_domain.storage.codec", "from ..api import dumps\n", "orders_domain.api"),
        ("orders_domain.storage", "from . import orders\nfrom .. import handler\n", "orders_domain.handler"),
        ("orders_domain.idempotency", "from orders_domain.storage import codec\n", "orders_domain.storage"),
        ("orders_domain.idempotency", "import orders_domain.storage.codec\n", "orders_domain.storage.codec"),
    ],
)
def test_given_each_layering_rule_when_a_module_breaks_it_then_the_checker_says_so(
    module: str, source: str, flagged: str
) -> None:
    # GIVEN a module of one layer WHEN its source imports what the rule forbids
    found = violations(module, runtime_imports(source, module, module in PACKAGES))
    # THEN that import is named
    assert f"{module} imports {flagged}" in found


def test_given_the_rules_when_listed_then_every_rule_names_a_module_that_exists() -> None:
    names = {module_name(p) for p in MODULES}
    for prefix in FORBIDDEN:
        assert any(n == prefix or n.startswith(prefix + ".") for n in names), prefix
