"""Dependencies point inward: the rooms of orders_domain (and the functions above them), checked on
every module's imports.

From the top: `functions` -> `http` -> `runtime` -> `services` -> `domain`, `models`; `storage`
implements `domain.ports` and only `runtime` builds it; `dialects` translate at the edge. Each room
has one rule (FORBIDDEN); a few modules import nothing of the package at all (LEAVES); one import is
let through its room's rule by design (PERMITTED); and the imports that still break a rule are
listed, each named, as debt (ALLOWED_EXCEPTIONS, issue 30) - a stale entry fails too.

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
FUNCTIONS = ROOT / "functions"

#: Nothing deployed knows what runs or tests it.
_OUTSIDE = ("functions", "local", "harness", "tests")
#: Rules, plain values and models: no I/O, no HTTP, no wiring, no services.
_PURE = (
    *_OUTSIDE,
    "orders_domain.http",
    "orders_domain.runtime",
    "orders_domain.services",
    "orders_domain.storage",
    "orders_domain.dialects",
    "boto3",
    "botocore",
    "aws_lambda_powertools",
)

#: room -> what its modules must never import at run time (prefixes; "orders_domain." alone:
#: anything of the package). One rule per room.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    # the functions: adapters on a FunctionApp (their routes); no rule, no storage, no boto3
    "functions": ("orders_domain.storage", "boto3", "botocore", "local", "harness", "tests"),
    # the HTTP edge may import every room below it; storage is built by runtime only (PERMITTED)
    "orders_domain.http": (*_OUTSIDE, "orders_domain.storage", "boto3", "botocore"),
    # runtime composes: it builds settings, clients, stores and services, and knows no request or answer
    "orders_domain.runtime": (
        *_OUTSIDE,
        "orders_domain.http.api",
        "orders_domain.http.handler",
        "orders_domain.http.representation",
        "orders_domain.dialects",
    ),
    # services run on the ports: never on storage, boto3, the HTTP edge or the wiring
    "orders_domain.services": (
        *_OUTSIDE,
        "orders_domain.http",
        "orders_domain.runtime",
        "orders_domain.storage",
        "orders_domain.dialects",
        "boto3",
        "botocore",
        "aws_lambda_powertools",
    ),
    # rules and plain values know no I/O, no HTTP, no wiring, no services
    "orders_domain.domain": _PURE,
    # the models likewise
    "orders_domain.models": _PURE,
    # storage implements the ports; it knows nothing above it
    "orders_domain.storage": (
        *_OUTSIDE,
        "orders_domain.http",
        "orders_domain.runtime",
        "orders_domain.services",
        "orders_domain.dialects",
        "aws_lambda_powertools",
    ),
    # the source APIs' dialects: translations at the edge over the same domain and services
    "orders_domain.dialects": (
        *_OUTSIDE,
        "orders_domain.http",
        "orders_domain.runtime",
        "orders_domain.storage",
        "boto3",
        "botocore",
    ),
}

#: Modules that import nothing of the package: plain values every room uses, and what loads first
#: (`orders_domain/__init__.py` runs cold_start and lean_imports before anything else).
LEAVES: tuple[str, ...] = (
    "orders_domain.domain.money",
    "orders_domain.domain.jsonio",
    "orders_domain.domain.errors",
    "orders_domain.http.routes",
    "orders_domain.domain.page_positions",
    "orders_domain.runtime.settings",
    "orders_domain.runtime.cold_start",
    "orders_domain.runtime.lean_imports",
)

#: By design, a gap in the room's rule: module -> the otherwise forbidden modules it may import.
PERMITTED: dict[str, tuple[str, ...]] = {
    # Idempotency records are DynamoDB items (Powertools' persistence layer): a transient store error
    # is told apart by the same translation of DynamoDB errors storage uses.
    "orders_domain.http.idempotency": ("orders_domain.storage.faults",),
    # The resolver's last handler: a store error no storage method translated is still a 429/503.
    "orders_domain.http.api": ("orders_domain.storage.faults",),
}

#: Debt: imports that break their room's rule. Empty since issue 30 (services name lists as
#: page_positions.Place; storage alone knows keys, indexes and shards). An entry needs a reason and
#: an issue, and an entry no longer needed fails.
ALLOWED_EXCEPTIONS: dict[str, tuple[str, ...]] = {}


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


def _excused(name: str, allowed: tuple[str, ...]) -> bool:
    """`name` is allowed, or is the package of an allowed module (`from orders_domain.storage import
    keys` names orders_domain.storage too, whose __init__ imports nothing)."""
    return _within(name, allowed) or any(a.startswith(name + ".") for a in allowed)


def violations(module: str, imports: set[str]) -> list[str]:
    """Each forbidden import of `module`, once, as "<module> imports <name>"."""
    bad: set[str] = set()
    for owner, forbidden in FORBIDDEN.items():
        if _within(module, (owner,)):
            bad.update(name for name in imports if _within(name, forbidden))
    if module in LEAVES:
        bad.update(name for name in imports if _within(name, ("orders_domain",)))
    allowed = (*PERMITTED.get(module, ()), *ALLOWED_EXCEPTIONS.get(module, ()))
    return [f"{module} imports {name}" for name in sorted(bad) if not _excused(name, allowed)]


def module_name(path: Path) -> str:
    base = PACKAGE.parent if path.is_relative_to(PACKAGE) else ROOT
    parts = path.relative_to(base).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(PACKAGE.rglob("*.py")) + sorted(FUNCTIONS.rglob("*.py"))
NAMES = {module_name(p) for p in MODULES}
PACKAGES = {module_name(p) for p in MODULES if p.name == "__init__.py"}


def imports_of(path: Path) -> set[str]:
    return runtime_imports(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")


@pytest.mark.parametrize("path", MODULES, ids=[module_name(p) for p in MODULES])
def test_given_a_module_of_the_domain_when_its_imports_are_read_then_they_point_inward(path: Path) -> None:
    # GIVEN one module of orders_domain or of a function WHEN its run-time imports are parsed
    module = module_name(path)
    # THEN none of them breaks its room's rule (but for the listed exceptions)
    assert violations(module, imports_of(path)) == []


def test_given_the_exceptions_when_each_is_checked_then_its_module_still_imports_it() -> None:
    # GIVEN every permitted import and every exception (debt, issue 30)
    by_name = {module_name(p): p for p in MODULES}
    for module, names in (*PERMITTED.items(), *ALLOWED_EXCEPTIONS.items()):
        # WHEN its module's imports are read
        imports = imports_of(by_name[module])
        # THEN it still imports each one, and the room's rule would forbid it without the entry
        for name in names:
            assert name in imports, f"{module} no longer imports {name}: remove the entry"
            assert any(_within(module, (o,)) and _within(name, f) for o, f in FORBIDDEN.items()), name


def test_given_a_source_with_outward_imports_when_checked_then_each_is_flagged() -> None:
    # GIVEN a services module importing boto3 and the HTTP edge (one lazily, one relatively), a
    # storage module by import_module, and storage again for the type checker only
    source = (
        "import importlib\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from orders_domain.storage.orders import DynamoOrderRepository\n"
        "def later():\n"
        "    import boto3\n"
        "    from orders_domain.http.api import dumps\n"
        "    from ..runtime.wiring import current\n"
        "    return importlib.import_module('orders_domain.storage.codec')\n"
    )
    # WHEN the checker reads it as orders_domain.services.create
    imports = runtime_imports(source, "orders_domain.services.create")
    # THEN the type-checking import is ignored and every run-time one is flagged
    assert "orders_domain.storage.orders" not in imports
    assert violations("orders_domain.services.create", imports) == [
        "orders_domain.services.create imports boto3",
        "orders_domain.services.create imports orders_domain.http.api",
        "orders_domain.services.create imports orders_domain.http.api.dumps",
        "orders_domain.services.create imports orders_domain.runtime.wiring",
        "orders_domain.services.create imports orders_domain.runtime.wiring.current",
        "orders_domain.services.create imports orders_domain.storage.codec",
    ]


@pytest.mark.parametrize(
    ("module", "source", "flagged"),
    [
        # the leaves
        (
            "orders_domain.domain.money",
            "from orders_domain.domain.errors import BadRequest\n",
            "orders_domain.domain.errors",
        ),
        ("orders_domain.domain.jsonio", "from . import money\n", "orders_domain.domain.money"),
        (
            "orders_domain.domain.errors",
            "import orders_domain.domain.jsonio\n",
            "orders_domain.domain.jsonio",
        ),
        (
            "orders_domain.domain.page_positions",
            "from orders_domain.models import Order\n",
            "orders_domain.models",
        ),
        ("orders_domain.runtime.settings", "from .. import domain\n", "orders_domain.domain"),
        # functions
        (
            "functions.get_order.app",
            "from orders_domain.storage import orders\n",
            "orders_domain.storage.orders",
        ),
        ("functions.get_order.app", "import boto3\n", "boto3"),
        ("functions.get_order.app", "from harness.common import x\n", "harness.common"),
        # http
        (
            "orders_domain.http.api",
            "from orders_domain.storage.orders import R\n",
            "orders_domain.storage.orders",
        ),
        (
            "orders_domain.http.handler",
            "from botocore.exceptions import ClientError\n",
            "botocore.exceptions",
        ),
        ("orders_domain.http.idempotency", "from ..storage import codec\n", "orders_domain.storage.codec"),
        ("orders_domain.http.representation", "import functions.get_order.app\n", "functions.get_order.app"),
        # runtime
        (
            "orders_domain.runtime.wiring",
            "from orders_domain.http.api import dumps\n",
            "orders_domain.http.api",
        ),
        ("orders_domain.runtime.wiring", "from ..http import handler\n", "orders_domain.http.handler"),
        (
            "orders_domain.runtime.wiring",
            "from orders_domain.dialects import xml\n",
            "orders_domain.dialects",
        ),
        # services
        (
            "orders_domain.services.read",
            "from botocore.exceptions import ClientError\n",
            "botocore.exceptions",
        ),
        ("orders_domain.services.read", "from ..storage import orders\n", "orders_domain.storage"),
        ("orders_domain.services.read", "from orders_domain.http import idempotency\n", "orders_domain.http"),
        (
            "orders_domain.services.read",
            "from orders_domain.runtime import wiring\n",
            "orders_domain.runtime",
        ),
        (
            "orders_domain.services.search",
            "from orders_domain.storage import orders\n",
            "orders_domain.storage.orders",
        ),
        (
            "orders_domain.services.search",
            "from orders_domain.storage.codec import x\n",
            "orders_domain.storage.codec",
        ),
        (
            "orders_domain.services.search",
            "from orders_domain.storage import keys\n",
            "orders_domain.storage",
        ),
        (
            "orders_domain.services.fulfillments",
            "from orders_domain.storage.keys import fulfillment_id\n",
            "orders_domain.storage.keys",
        ),
        # domain and models
        ("orders_domain.domain.lifecycle", "from ..services import create\n", "orders_domain.services"),
        (
            "orders_domain.domain.lifecycle",
            "from orders_domain.storage import keys\n",
            "orders_domain.storage.keys",
        ),
        ("orders_domain.domain.events", "import boto3\n", "boto3"),
        (
            "orders_domain.domain.ports",
            "from orders_domain.http.routes import x\n",
            "orders_domain.http.routes",
        ),
        (
            "orders_domain.domain.coupon_rows",
            "from orders_domain.storage import codec\n",
            "orders_domain.storage.codec",
        ),
        (
            "orders_domain.models.orders",
            "from orders_domain.runtime import wiring\n",
            "orders_domain.runtime",
        ),
        ("orders_domain.models", "from ..services import create\n", "orders_domain.services"),
        (
            "orders_domain.models.types",
            "from orders_domain.http.handler import App\n",
            "orders_domain.http.handler",
        ),
        (
            "orders_domain.models.types",
            "from orders_domain.storage.faults import x\n",
            "orders_domain.storage.faults",
        ),
        # storage
        (
            "orders_domain.storage.orders",
            "from orders_domain.services import common\n",
            "orders_domain.services",
        ),
        ("orders_domain.storage.codec", "from ..http.api import dumps\n", "orders_domain.http.api"),
        (
            "orders_domain.storage",
            "from . import orders\nfrom ..runtime import wiring\n",
            "orders_domain.runtime",
        ),
        ("orders_domain.storage.faults", "import aws_lambda_powertools\n", "aws_lambda_powertools"),
        # dialects
        ("orders_domain.dialects.xml", "from orders_domain.storage import codec\n", "orders_domain.storage"),
        ("orders_domain.dialects.theatre", "from orders_domain.http import api\n", "orders_domain.http.api"),
    ],
)
def test_given_each_layering_rule_when_a_module_breaks_it_then_the_checker_says_so(
    module: str, source: str, flagged: str
) -> None:
    # GIVEN a module of one room WHEN its source imports what the rule forbids
    found = violations(module, runtime_imports(source, module, module in PACKAGES))
    # THEN that import is named
    assert f"{module} imports {flagged}" in found


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("orders_domain.http.idempotency", "from orders_domain.storage.faults import transient_error\n"),
        ("orders_domain.storage.keys", "from orders_domain.domain.fulfillment_ids import fulfillment_id\n"),
        ("orders_domain.runtime.wiring", "from orders_domain.storage.orders import R\nimport boto3\n"),
        ("orders_domain.http.handler", "from orders_domain.runtime import wiring\n"),
        ("orders_domain.dialects.distribution", "from orders_domain.services.common import placed_number\n"),
    ],
)
def test_given_an_import_the_rules_allow_when_checked_then_nothing_is_flagged(
    module: str, source: str
) -> None:
    # GIVEN an import its room allows, or that is permitted or a listed exception WHEN checked
    # THEN it passes
    assert violations(module, runtime_imports(source, module, module in PACKAGES)) == []


def test_given_the_rules_when_listed_then_every_rule_names_a_module_that_exists() -> None:
    for prefix in (*FORBIDDEN, *LEAVES, *PERMITTED, *ALLOWED_EXCEPTIONS):
        assert any(n == prefix or n.startswith(prefix + ".") for n in NAMES), prefix
    for allowed in (*PERMITTED.values(), *ALLOWED_EXCEPTIONS.values()):
        assert all(name in NAMES for name in allowed), allowed
