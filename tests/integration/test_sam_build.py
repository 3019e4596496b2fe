"""What `sam build` produced (make test builds before pytest) runs as Lambda would load it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT

BUILD = ROOT / ".aws-sam" / "build"

PROBE = """
import json, sys
import app
from orders_domain import models
import pydantic, pydantic_core
event = json.load(open(sys.argv[1]))
class Context:
    function_name = "CreateOrderFunction"; memory_limit_in_mb = 512; aws_request_id = "probe"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:probe"
    def get_remaining_time_in_millis(self): return 10000
result = app.lambda_handler(event, Context())
print(json.dumps({"status": result["statusCode"], "body": json.loads(result["body"]),
                  "models": models.__file__, "pydantic": pydantic.__file__, "core": pydantic_core.__file__}))
"""


def test_layer_is_at_opt_python_without_a_nested_python_folder() -> None:
    layer = BUILD / "DomainLayer"
    assert (layer / "python" / "orders_domain" / "__init__.py").is_file(), "run `make build` first"
    assert not (layer / "python" / "python").exists()
    assert (layer / "python" / "pydantic_core").is_dir()
    assert (layer / "python" / "aws_lambda_powertools").is_dir()
    # the runtime's boto3 is used: none in the layer to shadow it (and 35 MB smaller)
    for provided in ("boto3", "botocore", "s3transfer"):
        assert not (layer / "python" / provided).exists(), provided


def test_layer_ships_bytecode_for_the_runtime_it_was_built_for() -> None:
    # GIVEN the layer built for this interpreter's version (make build: RUNTIME=python3.11)
    layer = BUILD / "DomainLayer" / "python"
    tag = sys.implementation.cache_tag
    sources = [p for p in layer.rglob("*.py") if "__pycache__" not in p.parts]
    # THEN every module has its .pyc for that runtime (Lambda cannot write them to /opt), and no other
    missing = [p for p in sources if not (p.parent / "__pycache__" / f"{p.stem}.{tag}.pyc").is_file()]
    assert sources
    assert not missing, missing[:5]
    others = {p.name.split(".")[1] for p in layer.rglob("*.pyc")} - {tag}
    assert not others


def test_built_function_runs_the_sample_event_with_only_the_built_layer(tmp_path: object) -> None:
    # GIVEN the built function folder as the task root and the built layer as /opt/python
    layer = BUILD / "DomainLayer" / "python"
    task = BUILD / "CreateOrderFunction"
    # as on Lambda: no PYTHONPATH of ours, and routes without their documentation-only response models
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ORDERS_DOCUMENT_RESPONSES")}
    env.update(
        PYTHONPATH=f"{layer}{os.pathsep}{task}",
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_METRICS_NAMESPACE="Probe",
        ORDERS_TABLE_NAME="unused",
        IDEMPOTENCY_TABLE_NAME="unused",
        AWS_DEFAULT_REGION="us-east-1",
    )
    # WHEN the preview event is handled there, outside the repository, as an order that needs no
    # storage: it names nothing of the catalogue, ships nothing (no shipping products read) and
    # applies no open credits (none read)
    event = json.loads((ROOT / "events" / "create_order_preview.json").read_text())
    body = json.loads(event["body"])
    body["do_not_apply_open_credits"] = True
    for line in body["line_items"]:
        line["shippable"] = False
        line.pop("product_id", None)
    event["body"] = json.dumps(body)
    sample = Path(str(tmp_path)) / "preview.json"
    sample.write_text(json.dumps(event))
    out = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", PROBE, str(sample)],
        cwd=task,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    # THEN it answers, with the domain package and pydantic taken from the built layer
    assert result["status"] == 200, result
    assert result["body"]["order"]["total"] == 41.09
    for module in ("models", "pydantic", "core"):
        assert result[module].startswith(str(layer)), result[module]
