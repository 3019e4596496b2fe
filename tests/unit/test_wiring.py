"""The wiring builds each collaborator once per process, and a warm instance does not grow."""

from __future__ import annotations

from typing import Any

import pytest
from orders_domain import wiring

from tests.helpers import create_event, function_modules, invoke

BODY = {"line_items": [{"quantity": 1, "unit_price": 5}]}


def handlers_on(client: Any) -> int:
    """Handlers the client runs for one DynamoDB request (Powertools registers its user-agent hook here)."""
    emitter = client.meta.events._emitter
    return len(list(emitter._handlers.prefix_search("request-created.dynamodb.PutItem")))


@pytest.mark.usefixtures("tables")
def test_200_creates_leave_the_clients_handlers_unchanged() -> None:
    # GIVEN a warm create function (one idempotent create done)
    assert invoke("create_order", create_event(BODY, key="warm-up"))["statusCode"] == 201
    client = wiring.current().dynamodb
    before = handlers_on(client)
    # WHEN 200 more idempotent creates run on the same instance
    for n in range(200):
        assert invoke("create_order", create_event(BODY, key=f"leak-{n}"))["statusCode"] == 201
    # THEN the client runs exactly as many handlers per call as before
    assert handlers_on(client) == before
    assert wiring.current().dynamodb is client


@pytest.mark.usefixtures("tables")
def test_collaborators_are_built_once_and_shared() -> None:
    ports = wiring.current()
    assert ports.idempotency_store is ports.idempotency_store
    assert ports.orders is ports.orders
    assert ports.create_orders.repo is ports.orders
    assert ports.read_orders.repo is ports.orders


def test_reset_rebuilds_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERS_TABLE_NAME", "first")
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", "idem")
    wiring.reset()
    assert wiring.current().settings.orders_table_name == "first"
    monkeypatch.setenv("ORDERS_TABLE_NAME", "second")
    assert wiring.current().settings.orders_table_name == "first"  # built once
    wiring.reset()
    assert wiring.current().settings.orders_table_name == "second"
    wiring.reset()


_IMPORT_PROBE = """
import importlib, sys
import boto3, boto3.session
from orders_domain.settings import Settings
built = []
def refuse(*args, **kwargs):
    built.append(args)
    raise AssertionError("built at import")
boto3.client = refuse
boto3.session.Session.client = refuse
Settings.from_environment = classmethod(lambda cls, environ=None: refuse("settings"))
for module in sys.argv[1:]:
    importlib.import_module(module)
print(len(built))
"""


def test_importing_any_function_reads_no_settings_and_builds_no_client() -> None:
    # GIVEN a fresh interpreter where building a client or reading settings fails
    import os
    import subprocess
    import sys

    from tests.helpers import ROOT

    modules = function_modules()
    assert len(modules) >= 3
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers' / 'orders_domain'}{os.pathsep}{ROOT}"}
    env.pop("ORDERS_TABLE_NAME", None)
    # WHEN every function module of the template is imported there, first time for everything
    out = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", _IMPORT_PROBE, *modules], env=env, capture_output=True, text=True, check=False
    )
    # THEN none of them built anything (an import that did would have failed, or been counted)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "0"


def test_the_import_probe_catches_a_module_that_builds_at_import(tmp_path: Any) -> None:
    import os
    import subprocess
    import sys

    from tests.helpers import ROOT

    (tmp_path / "eager.py").write_text("import boto3\nclient = boto3.client('dynamodb')\n")
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers' / 'orders_domain'}{os.pathsep}{tmp_path}"}
    out = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", _IMPORT_PROBE, "eager"], env=env, capture_output=True, text=True, check=False
    )
    assert out.returncode != 0
    assert "built at import" in out.stderr
