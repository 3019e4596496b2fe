"""The console function (issue 35): the operator console's page and files, served with a strict
Content-Security-Policy, an ETag, and the API's 404 problem for anything else; and `GET /keys/current`,
the key the console asks about first."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from functions.console import app as console
from tests.helpers import ROOT, body_of, invoke, load_event, with_caller


def asset_event(asset: str | None, **headers: str) -> dict[str, Any]:
    event = load_event("console.json")
    if asset is not None:
        event["resource"] = "/console/{asset}"
        event["path"] = f"/console/{asset}"
        event["pathParameters"] = {"asset": asset}
    event["headers"].update(headers)
    return event


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A static folder of our own, read by a fresh instance."""
    (tmp_path / "index.html").write_text(
        '<!doctype html><script type="module" src="console/console.js"></script>'
    )
    (tmp_path / "console.js").write_text("export const answer = 42;\n")
    (tmp_path / "console.css").write_text("body { margin: 0 }\n")
    (tmp_path / ".hidden.js").write_text("secret\n")
    (tmp_path / "notes.txt").write_text("not served\n")
    monkeypatch.setattr(console, "_assets", console.assets(tmp_path))
    return tmp_path


def test_given_the_page_when_asked_then_it_is_html_with_a_strict_policy(served: Path) -> None:
    answer = console.lambda_handler(asset_event(None), None)
    assert answer["statusCode"] == 200
    assert answer["body"] == (served / "index.html").read_text()
    headers = answer["headers"]
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    policy = headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_given_the_page_with_a_trailing_slash_then_a_redirect_to_the_page_without(served: Path) -> None:
    event = asset_event(None)
    event["path"] = "/console/"
    answer = console.lambda_handler(event, None)
    assert (answer["statusCode"], answer["headers"]["Location"], answer["body"]) == (308, "../console", "")


@pytest.mark.parametrize(
    ("asset", "kind"),
    [("console.js", "text/javascript; charset=utf-8"), ("console.css", "text/css; charset=utf-8")],
)
def test_given_an_asset_when_asked_then_its_type_and_an_etag(served: Path, asset: str, kind: str) -> None:
    answer = console.lambda_handler(asset_event(asset), None)
    assert (answer["statusCode"], answer["headers"]["Content-Type"]) == (200, kind)
    assert answer["body"] == (served / asset).read_text()
    # WHEN asked again with its ETag THEN a 304 without a body
    etag = answer["headers"]["ETag"]
    again = console.lambda_handler(asset_event(asset, **{"If-None-Match": etag}), None)
    assert (again["statusCode"], again["body"]) == (304, "")
    changed = console.lambda_handler(asset_event(asset, **{"If-None-Match": '"other"'}), None)
    assert changed["statusCode"] == 200


@pytest.mark.parametrize(
    "asset", ["app.py", "..", "../app.py", ".hidden.js", "notes.txt", "CONSOLE.JS", "x" * 300]
)
def test_given_anything_else_when_asked_then_a_404_problem_and_nothing_of_it(
    served: Path, asset: str
) -> None:
    answer = console.lambda_handler(asset_event(asset), None)
    assert answer["statusCode"] == 404
    assert answer["headers"]["Content-Type"] == "application/problem+json"
    assert "Content-Security-Policy" in answer["headers"]
    problem = json.loads(answer["body"])
    assert (problem["code"], problem["status"]) == ("not_found", 404)
    assert "secret" not in answer["body"]


def test_the_shipped_page_loads_its_script_and_every_file_is_served() -> None:
    shipped = console.assets()
    assert console.PAGE in shipped
    assert 'src="console/console.js"' in shipped[console.PAGE][0]
    assert "console.js" in shipped
    for name in shipped:
        assert console.lambda_handler(asset_event(name), None)["statusCode"] == 200
    # no inline script: every <script> of the page names a file of its own
    page = shipped[console.PAGE][0].lower()
    assert page.count("<script") == page.count('<script type="module" src="console/')


def test_the_console_function_imports_no_sdk_model_or_event_handler() -> None:
    probe = (
        "import sys; import functions.console.app as a; "
        "a.lambda_handler({'pathParameters': None, 'headers': {}}, None); "
        "heavy = ('boto3', 'botocore', 'pydantic', 'aws_lambda_powertools'); "
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    env = {"PYTHONPATH": f"{ROOT / 'layers' / 'orders_domain'}:{ROOT}", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


# ---------------------------------------------------------------------------- GET /keys/current
def test_given_a_key_when_it_asks_about_itself_then_its_tenant_id_and_scopes() -> None:
    event = with_caller(load_event("keys_current.json"), "tenant-b", "orders:read orders:write", "key_abc")
    answer = invoke("get_order", event)
    assert answer["statusCode"] == 200
    assert body_of(answer) == {
        "tenant_id": "tenant-b",
        "key_id": "key_abc",
        "scopes": ["orders:read", "orders:write"],
    }


def test_given_a_key_without_read_when_it_asks_about_itself_then_403() -> None:
    event = with_caller(load_event("keys_current.json"), "tenant-a", "orders:write", "key_w")
    answer = invoke("get_order", event)
    assert answer["statusCode"] == 403
    assert body_of(answer)["code"] == "forbidden"
