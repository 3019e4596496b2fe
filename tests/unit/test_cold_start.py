"""Inside Lambda, cyclic GC waits until the first invocation has answered; elsewhere nothing changes."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.helpers import ROOT

PROBE = """
import gc, json, sys
import functions.create_order.app as app
from local.lambda_runtime import FakeLambdaContext
during_init = gc.isenabled()
event = json.load(open(sys.argv[1]))
app.lambda_handler(event, FakeLambdaContext(function_name="create_order"))
print(json.dumps({"during_init": during_init, "after": gc.isenabled(), "frozen": gc.get_freeze_count()}))
"""


def run(lambda_env: bool) -> dict[str, object]:
    import json

    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'layers' / 'orders_domain'}{os.pathsep}{ROOT}",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "ORDERS_TABLE_NAME": "unused",
        "IDEMPOTENCY_TABLE_NAME": "unused",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    env.pop("AWS_LAMBDA_FUNCTION_NAME", None)
    if lambda_env:
        env["AWS_LAMBDA_FUNCTION_NAME"] = "CreateOrderFunction"
    out = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", PROBE, str(ROOT / "events" / "create_order_preview.json")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_inside_lambda_gc_pauses_for_init_and_resumes_frozen_after_the_first_invocation() -> None:
    result = run(lambda_env=True)
    assert result["during_init"] is False
    assert result["after"] is True
    assert isinstance(result["frozen"], int)
    assert result["frozen"] > 10_000  # what init built is frozen, never scanned again


def test_outside_lambda_gc_is_left_alone() -> None:
    result = run(lambda_env=False)
    assert result == {"during_init": True, "after": True, "frozen": 0}
