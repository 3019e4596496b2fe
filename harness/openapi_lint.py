"""Whether the OpenAPI document is valid and generates a client (`make openapi-lint`, part of `make test`).

Four tools, one after the other, each on docs/openapi.json (or the file given):

- openapi-spec-validator (PyPI): the document against the OpenAPI 3.1 schema, every `$ref` resolved;
- Spectral (npm @stoplight/spectral-cli) with `spectral:oas` (.spectral.yaml);
- Redocly lint (npm @redocly/cli) with its recommended rules (redocly.yaml says why a rule is off);
- openapi-python-client (PyPI) generating a Python client into a temporary directory, which must
  end without one warning (a warning is an operation, response or schema left out of the client),
  and whose every module then imports.

Errors and warnings of any of them fail the run (exit 1): each tool's output is printed, then a
summary line per tool. The versions are pinned: requirements-dev.txt and package.json/package-lock.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "openapi.json"
VENV_BIN = Path(sys.executable).parent
NODE_BIN = ROOT / "node_modules" / ".bin"
#: Long lines (openapi-spec-validator quotes the whole document in an error) are cut to this.
LINE_LIMIT = 400
TIMEOUT_SECONDS = 600

#: openapi-python-client knows JSON, forms and raw octets, not XML. The distribution routes take and
#: answer XML documents too (`type: string, format: binary`: the document's octets): the client sends
#: them as raw content under their own media type (`application/xml`), as it would an octet stream.
CLIENT_CONFIG = "content_type_overrides:\n  application/xml: application/octet-stream\n"
CLIENT_PACKAGE = "orders_api_client"

#: openapi-python-client 0.29.1 writes `body: A | B | Unset = UNSET` for a required body that has two
#: media types (JSON and XML here) and imports no `Unset`, so the module does not import
#: (github.com/openapi-generators/openapi-python-client/issues/1451, open; PR 1478 fixes it the same
#: way): its macro sets `body_required` inside a loop, where Jinja forgets it. The client is generated
#: with that macro fixed (a namespace keeps the value); once a release has no such line, nothing is
#: changed, and the import of every generated module says whether the client works.
MACROS_TEMPLATE = "endpoint_macros.py.jinja"
MACROS_FIX = (
    (
        "{% elif endpoint.bodies | length > 1 %}\nbody:",
        "{% elif endpoint.bodies | length > 1 %}\n{% set body_required = namespace(all=true) %}\nbody:",
    ),
    (
        "{% set body_required = body_required and body.prop.required %}",
        "{% set body_required.all = body_required.all and body.prop.required %}",
    ),
    (
        "{% if not body_required %} | Unset = UNSET{% endif %}",
        "{% if not body_required.all %} | Unset = UNSET{% endif %}",
    ),
)


@dataclass
class Result:
    tool: str
    ok: bool
    summary: str


def _run(command: list[str], *, cwd: Path = ROOT, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run a tool; its exit code and its output (stdout then stderr), long lines cut."""
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            env={**os.environ, "NO_COLOR": "1", **(env or {})},
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError:
        return 127, f"{command[0]} is not installed: run `make install`."
    except subprocess.TimeoutExpired:
        return 124, f"{command[0]} did not finish in {TIMEOUT_SECONDS} s."
    lines = (done.stdout + ("\n" if done.stdout and done.stderr else "") + done.stderr).splitlines()
    text = "\n".join(line if len(line) <= LINE_LIMIT else line[:LINE_LIMIT] + " [...]" for line in lines)
    return done.returncode, text


def _show(tool: str, output: str) -> None:
    print(f"==> {tool}", flush=True)
    if output.strip():
        print(output.rstrip(), flush=True)


def spec_validator(document: Path) -> Result:
    tool = "openapi-spec-validator"
    code, output = _run([str(VENV_BIN / tool), "--validation-errors", "all", str(document)])
    _show(tool, output)
    return Result(tool, code == 0, "valid" if code == 0 else f"invalid (exit {code})")


def spectral(document: Path) -> Result:
    tool = "spectral"
    command = [str(NODE_BIN / "spectral"), "lint", str(document), "--ruleset", str(ROOT / ".spectral.yaml")]
    # Warnings fail too: every rule of the ruleset holds, or .spectral.yaml turns it off and says why.
    code, output = _run([*command, "--format", "text", "--fail-severity", "warn"])
    _show(tool, output)
    problems = sum(1 for line in output.splitlines() if " error " in line or " warning " in line)
    if code == 0:
        return Result(tool, True, "0 errors, 0 warnings")
    return Result(tool, False, f"{problems} problems (exit {code})")


def redocly(document: Path) -> Result:
    tool = "redocly"
    # Telemetry and the update check off: a lint sends nothing anywhere.
    env = {"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
    command = [str(NODE_BIN / "redocly"), "lint", str(document), "--config", str(ROOT / "redocly.yaml")]
    code, output = _run([*command, "--format", "json"], env=env)
    start = output.find("{")
    try:
        report = json.JSONDecoder().raw_decode(output[start:])[0] if start >= 0 else None
    except ValueError:
        report = None
    if not isinstance(report, dict) or "totals" not in report:
        _show(tool, output)
        return Result(tool, False, f"no report (exit {code})")
    lines = []
    for problem in report.get("problems", []):
        where = "; ".join(
            str(location.get("pointer", ""))
            for location in problem.get("location", [])
            if isinstance(location, dict)
        )
        lines.append(
            f"{problem.get('severity')} {problem.get('ruleId')}: {problem.get('message')} at {where}"
        )
    totals = report["totals"]
    _show(tool, "\n".join(lines))
    # Warnings fail too: every recommended rule holds, or redocly.yaml turns it off and says why.
    ok = code == 0 and totals.get("errors") == 0 and totals.get("warnings") == 0
    return Result(tool, ok, f"{totals.get('errors')} errors, {totals.get('warnings')} warnings")


def fixed_macros(templates: Path) -> bool:
    """Write the generator's endpoint macros, fixed (MACROS_FIX), into `templates`; False when the
    installed generator has no such bug to fix (or no such template)."""
    spec = importlib.util.find_spec("openapi_python_client")
    if spec is None or not spec.submodule_search_locations:
        return False
    source = Path(next(iter(spec.submodule_search_locations))) / "templates" / MACROS_TEMPLATE
    if not source.is_file():
        return False
    text = source.read_text(encoding="utf-8")
    if not all(text.count(old) == 1 for old, _ in MACROS_FIX):
        return False
    for old, new in MACROS_FIX:
        text = text.replace(old, new)
    templates.mkdir(parents=True, exist_ok=True)
    (templates / MACROS_TEMPLATE).write_text(text, encoding="utf-8")
    return True


def python_client(document: Path) -> Result:
    tool = "openapi-python-client"
    with tempfile.TemporaryDirectory(prefix="openapi-client-") as tmp:
        config = Path(tmp) / "config.yaml"
        config.write_text(CLIENT_CONFIG, encoding="utf-8")
        out = Path(tmp) / CLIENT_PACKAGE
        command = [
            str(VENV_BIN / tool), "generate", "--path", str(document), "--meta", "none",
            "--output-path", str(out), "--config", str(config), "--fail-on-warning",
        ]  # fmt: skip
        note = ""
        if fixed_macros(Path(tmp) / "templates"):
            note = f"(with its {MACROS_TEMPLATE} fixed: openapi-python-client issue 1451)\n"
            command += ["--custom-template-path", str(Path(tmp) / "templates")]
        # Its post-generation hooks run ruff: the virtualenv's.
        env = {"PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
        code, output = _run(command, cwd=Path(tmp), env=env)
        _show(tool, note + output)
        warned = "warning" in output.lower()
        if code != 0 or warned or not out.is_dir():
            return Result(tool, False, f"{'warnings' if warned else 'failed'} (exit {code})")
        modules = sorted(
            ".".join((CLIENT_PACKAGE, *path.relative_to(out).with_suffix("").parts)).removesuffix(".__init__")
            for path in out.rglob("*.py")
        )
        # Every generated module imports (a name the generator got wrong fails here, not in a user's code).
        check = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
        code, output = _run([sys.executable, "-c", check, *modules], cwd=Path(tmp))
        if code != 0:
            _show(f"{tool} (importing the client)", output)
            return Result(tool, False, f"generated, but a module does not import (exit {code})")
        return Result(tool, True, f"client generated, 0 warnings, {len(modules)} modules import")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness.openapi_lint", description=__doc__.splitlines()[0]
    )
    parser.add_argument("document", nargs="?", type=Path, default=DOCUMENT, help="default: docs/openapi.json")
    args = parser.parse_args(argv)
    document: Path = args.document.resolve()
    if not document.is_file():
        print(f"no such file: {document}", file=sys.stderr)
        return 2
    results = [check(document) for check in (spec_validator, spectral, redocly, python_client)]
    print(f"==> {document.relative_to(ROOT) if document.is_relative_to(ROOT) else document}")
    for result in results:
        print(f"{'ok  ' if result.ok else 'FAIL'} {result.tool}: {result.summary}")
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
