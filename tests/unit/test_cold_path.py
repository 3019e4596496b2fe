"""A cold start loads only what the first request needs: no X-Ray SDK unless tracing is on."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from orders_domain.http.handler import FunctionApp

from local.lambda_runtime import FakeLambdaContext
from tests.helpers import ROOT, authorizer_module, body_of, function_modules, load_event

PROBE = "import sys, {module} as m; m.lambda_handler; print('aws_xray_sdk' in sys.modules)"


@pytest.mark.parametrize("module", function_modules())
def test_given_tracing_off_when_a_function_of_the_template_is_imported_then_the_xray_sdk_is_not_loaded(
    module: str,
) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'layers' / 'orders_domain'}:{ROOT}",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE.format(module=module)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False", out.stderr


def test_with_tracing_on_the_handler_is_wrapped_by_the_tracer(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN tracing switched on (the template's DetailedTracing=true)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "false")
    fn = FunctionApp()

    @fn.app.post("/orders/<tenantId>/preview")
    def preview(tenantId: str) -> dict[str, str]:
        return {"tenant": tenantId}

    # WHEN it answers its first request
    response = fn.lambda_handler(load_event("create_order_preview.json"), FakeLambdaContext())
    # THEN the answer is the route's, through the Powertools Tracer
    assert response["statusCode"] == 200
    assert body_of(response) == {"tenant": "tenant-a"}
    assert fn._traced is not None
    assert fn._traced is not fn._handler
    assert "aws_xray_sdk" in sys.modules


def test_with_tracing_off_the_handler_runs_unwrapped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    fn = FunctionApp()

    @fn.app.post("/orders/<tenantId>/preview")
    def preview(tenantId: str) -> dict[str, str]:
        return {"tenant": tenantId}

    assert (
        fn.lambda_handler(load_event("create_order_preview.json"), FakeLambdaContext())["statusCode"] == 200
    )
    assert fn._traced is fn._handler


def test_given_the_templates_authorizer_when_imported_and_wired_then_the_order_models_are_not_loaded() -> (
    None
):
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'layers' / 'orders_domain'}:{ROOT}",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    probe = (
        f"import sys, {authorizer_module()} as m; m.lambda_handler;"
        "from orders_domain.runtime import wiring; from orders_domain.runtime.settings import Settings;"
        "w = wiring.Wiring(settings=Settings('t', 'i', 'http://127.0.0.1:1')); w.authenticator;"
        "print(sorted(n for n in ('orders_domain.models', 'pydantic') if n in sys.modules))"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]", out.stderr
