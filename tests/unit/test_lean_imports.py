"""Functions load only the Powertools resolver they use; every name of the package still resolves."""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from orders_domain.runtime import lean_imports

from tests.helpers import ROOT, function_modules

ENV = {
    **os.environ,
    "PYTHONPATH": f"{ROOT / 'layers' / 'orders_domain'}{os.pathsep}{ROOT}",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


def run(code: str) -> str:
    out = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], env=ENV, cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.strip()


def test_the_export_map_is_exactly_what_the_pinned_powertools_package_exports() -> None:
    spec = importlib.util.find_spec(lean_imports.PACKAGE)
    assert spec is not None
    assert spec.origin is not None
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    exported = {
        alias.asname or alias.name: node.module
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }
    assert exported == lean_imports.EXPORTS


def test_given_a_fresh_function_when_imported_then_no_other_resolver_is_loaded() -> None:
    loaded = run(
        "import sys\n"
        f"for m in {function_modules()!r}: __import__(m)\n"
        "print(sorted(n for n in sys.modules if n.startswith('aws_lambda_powertools.event_handler.')"
        " and n.rsplit('.', 1)[1] in ('appsync', 'vpc_lattice', 'bedrock_agent', 'http_resolver')))"
    )
    assert loaded == "[]"


def test_given_the_lean_package_when_any_exported_name_is_imported_then_it_is_the_real_one() -> None:
    names = sorted(lean_imports.EXPORTS)
    out = run(
        "import importlib, orders_domain\n"
        "import aws_lambda_powertools.event_handler as package\n"
        f"names = {names!r}\n"
        f"sources = {lean_imports.EXPORTS!r}\n"
        "from aws_lambda_powertools.event_handler import Response\n"
        "assert Response is importlib.import_module(sources['Response']).Response\n"
        "assert all(getattr(package, n) is getattr(importlib.import_module(sources[n]), n) for n in names)\n"
        "assert sorted(package.__all__) == names\n"
        "print('ok')"
    )
    assert out == "ok"


def test_installed_after_the_package_is_loaded_it_changes_nothing() -> None:
    out = run(
        "import sys\n"
        "import aws_lambda_powertools.event_handler as real\n"
        "from orders_domain.runtime import lean_imports\n"
        "lean_imports.install()\n"
        "print(sys.modules['aws_lambda_powertools.event_handler'] is real,"
        " 'aws_lambda_powertools.event_handler.appsync' in sys.modules)"
    )
    assert out == "True True"
