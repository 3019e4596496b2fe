"""What a newcomer reads stays readable: no deployed module over ~400 lines, no function over 60, no
harness file over 600 (ruff's C901/PLR0912/PLR0915 hold the complexity; these hold the length)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import ROOT

DEPLOYED = (ROOT / "layers" / "orders_domain" / "orders_domain", ROOT / "functions")
MODULE_LINES = 400
FUNCTION_LINES = 60
HARNESS_FILE_LINES = 600


def modules(*roots: Path) -> list[Path]:
    return sorted(p for root in roots for p in root.rglob("*.py") if ".aws-sam" not in p.parts)


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def long_functions(path: Path, limit: int) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.name}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > limit
    ]


def test_no_deployed_module_is_over_400_lines() -> None:
    over = [
        f"{p.relative_to(ROOT)} ({line_count(p)})" for p in modules(*DEPLOYED) if line_count(p) > MODULE_LINES
    ]
    assert over == [], "split these by role (docs/ARCHITECTURE.md):\n" + "\n".join(over)


def test_no_deployed_function_is_over_60_lines() -> None:
    over = [f for p in modules(*DEPLOYED) for f in long_functions(p, FUNCTION_LINES)]
    assert over == [], "\n".join(over)


def test_no_harness_file_is_over_600_lines() -> None:
    over = [
        f"{p.relative_to(ROOT)} ({line_count(p)})"
        for p in modules(ROOT / "harness")
        if line_count(p) > HARNESS_FILE_LINES
    ]
    assert over == [], "split these per route family (docs/HARNESS.md):\n" + "\n".join(over)


def test_local_holds_only_what_make_serve_runs() -> None:
    # GIVEN local/, the `make serve` runtime WHEN its modules are read THEN none imports the harness
    offenders = [
        str(p.relative_to(ROOT))
        for p in modules(ROOT / "local")
        if any(
            isinstance(node, ast.ImportFrom | ast.Import)
            and any(
                name.startswith("harness")
                for name in (
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                )
            )
            for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        )
    ]
    assert offenders == []


@pytest.mark.parametrize(("lines", "over"), [(60, False), (61, True)])
def test_given_a_function_of_n_lines_when_measured_then_61_is_over(
    tmp_path: Path, lines: int, over: bool
) -> None:
    # GIVEN a function of `lines` lines (its def line and lines - 1 statements)
    source = tmp_path / "m.py"
    body = "\n".join(f"    x{i} = {i}" for i in range(lines - 1))
    source.write_text(f"def f():\n{body}\n", encoding="utf-8")
    # WHEN measured THEN it is named only once it is over the limit
    assert bool(long_functions(source, FUNCTION_LINES)) is over
