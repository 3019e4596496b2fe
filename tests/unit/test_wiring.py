"""The wiring builds each collaborator once per process, and a warm instance does not grow."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from orders_domain.runtime import wiring

from tests.helpers import ROOT, create_event, function_modules, invoke

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


#: Run in a fresh interpreter: every way to build an AWS client, and reading settings, raises (and is
#: counted, in case an import swallows the error); then the modules named on the command line import.
_IMPORT_PROBE = """
import importlib, sys
import boto3, boto3.session, botocore.session
from orders_domain.runtime.settings import Settings
built = []
def refuse(*args, **kwargs):
    built.append(args)
    raise AssertionError("built at import")
boto3.client = boto3.resource = refuse
boto3.session.Session.client = boto3.session.Session.resource = refuse
botocore.session.Session.create_client = refuse
Settings.from_environment = classmethod(lambda cls, environ=None: refuse("settings"))
for module in sys.argv[1:]:
    importlib.import_module(module)
print(len(built))
"""


def _run_import_probe(*modules: str, extra_path: str = "") -> subprocess.CompletedProcess[str]:
    paths = [str(ROOT / "layers" / "orders_domain"), str(ROOT), *filter(None, [extra_path])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    env.pop("ORDERS_TABLE_NAME", None)
    return subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", _IMPORT_PROBE, *modules], env=env, capture_output=True, text=True, check=False
    )


def test_given_clients_and_settings_that_fail_when_every_function_is_imported_then_nothing_was_built() -> (
    None
):
    # GIVEN the function modules of template.yaml (so a new function is covered by itself)
    modules = function_modules()
    assert len(modules) >= 3
    # WHEN each is imported in a fresh interpreter where building a client or reading settings fails
    out = _run_import_probe(*modules)
    # THEN none of them built anything (an import that did would have failed, or been counted)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "0"


@pytest.mark.parametrize(
    "eager",
    [
        "import boto3\nclient = boto3.client('dynamodb')\n",
        "import boto3\ntable = boto3.resource('dynamodb').Table('t')\n",
        "import boto3\nsession = boto3.session.Session()\nclient = session.client('dynamodb')\n",
        "import botocore.session\nclient = botocore.session.get_session().create_client('dynamodb')\n",
        "from orders_domain.runtime.settings import Settings\nSETTINGS = Settings.from_environment()\n",
        "from orders_domain.runtime import wiring\nSTORE = wiring.current().orders\n",
        "import boto3\ntry:\n    boto3.client('dynamodb')\nexcept Exception:\n    pass\n",
    ],
)
def test_given_a_module_that_builds_at_import_when_probed_then_the_probe_fails(
    tmp_path: Path, eager: str
) -> None:
    # GIVEN a module that builds a client or reads settings when imported (or hides that it tried)
    (tmp_path / "eager.py").write_text(eager)
    # WHEN the import probe imports it
    out = _run_import_probe("eager", extra_path=str(tmp_path))
    # THEN the probe fails, or counts what was built
    assert out.returncode != 0 or out.stdout.strip() != "0", out.stdout
    if out.returncode != 0:
        assert "built at import" in out.stderr
