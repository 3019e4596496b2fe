"""`cold_start`: per function, a fresh Python process laid out as Lambda lays it out from `sam build`'s
output (the function's folder as working directory, the built layer and its bytecode on the path,
the interpreter's boto3) imports the handler module and answers its first event; interleaved with
the floor (a fresh process that imports boto3, creates a DynamoDB client and returns). Both are timed
inside the child from its first statement, so interpreter start-up, the same for both, is left out.
Median of `--cold-runs` runs. Each function answers its native route's event, which must not load
the distribution dialect's XML parser (loaded lazily, by the distribution routes only: a child
reports whether it did, and a native cold start that loaded it stops the run); `create_order_xml`
is create_order answering an XML place first (the XML path's cold start);
`scaling.xml_path_import_ms` is what importing the XML path takes in a create_order child that has
answered its native request (what a warm instance's first XML request adds).

`package_bytes`: the built layer and functions (`sam build` output in .aws-sam/build).
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from harness.bench.core import EVENTS, ROOT, TEMPLATE

#: Functions and the event each answers first on a cold start.
COLD_START_EVENTS = {
    "create_order": "create_order.json",
    "get_order": "get_order.json",
    "authorizer": "authorizer.json",
    "order_stream": "order_stream.json",
    "search_orders": "search_orders.json",
    "patch_order": "patch_order.json",
    "fulfill_order": "fulfill_order.json",
    "cancel_order": "cancel_order.json",
    "will_call_check": "will_call_check.json",
    "refund_order": "refund_order.json",
    "catalogue": "catalogue.json",
    "notify_order": "notify_order.json",
    "console": "console.json",
    # create_order as a distribution client's first request finds it: an XML place (the XML path,
    # defusedxml and orders_domain.dialects.xml, loaded on that request only); every other entry is
    # its function's native route, which must not load it (`cold_start` refuses a run that does).
    "create_order_xml": "distribution_place_order.json",
}
#: Entries of COLD_START_EVENTS that are another route of a function: the function they run.
COLD_START_FUNCTIONS = {"create_order_xml": "create_order"}
#: The cold starts whose first request takes the XML path.
XML_COLD_STARTS = ("create_order_xml",)
#: The module the distribution routes load for XML (orders_domain.http.api.resolve), and its parser.
XML_MODULE = "orders_domain.dialects.xml"
XML_PARSER = "defusedxml"

_CHILD = r"""
import sys, time
t0 = time.perf_counter()
import json, os
kind, event_file, time_xml = sys.argv[1], sys.argv[2], sys.argv[3] == "1"

class Context:
    function_name = "bench"
    memory_limit_in_mb = 512
    aws_request_id = "cold-start"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:bench"
    def get_remaining_time_in_millis(self):
        return 10_000

if kind == "floor":
    import boto3
    client = boto3.client("dynamodb", endpoint_url=os.environ["DYNAMODB_ENDPOINT_URL"])
    result = {"statusCode": 200}
else:
    import app as module
    with open(event_file) as f:
        event = json.load(f)
    result = module.lambda_handler(event, Context())
elapsed = (time.perf_counter() - t0) * 1000
answer = result.get("statusCode") or result.get("policyDocument", {}).get("Statement", [{}])[0].get("Effect")
if "batchItemFailures" in result:
    answer = "failed: " + json.dumps(result["batchItemFailures"]) if result["batchItemFailures"] else "ok"
measured = {"ms": elapsed, "answer": answer, "xml_loaded": "defusedxml" in sys.modules}
if time_xml:
    # after the cold start is timed: what the XML path adds when a warm instance first needs it
    t1 = time.perf_counter()
    import orders_domain.dialects.xml
    measured["xml_import_ms"] = (time.perf_counter() - t1) * 1000
sys.__stdout__.write("\nBENCH " + json.dumps(measured) + "\n")
"""


def child_figures(
    args: list[str], cwd: Path, env: dict[str, str], what: str, *, timeout: float
) -> dict[str, Any]:
    """Run `python -c <args>` (a measuring child) and return the figures it printed on its
    `BENCH <json>` line; a child that printed none stops the run, showing what it printed."""
    out = subprocess.run(
        [sys.executable, "-c", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if line is None:
        raise SystemExit(f"{what} failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    figures: dict[str, Any] = json.loads(line[len("BENCH ") :])
    return figures


def deployed_layout(function: str) -> tuple[Path, str]:
    """Where Lambda runs a function from, as `sam build` made it: its folder as the task root
    (/var/task, the working directory) and the built layer (/opt/python) on the path, bytecode
    included; boto3 is the interpreter's own, as the runtime's is."""
    build = ROOT / ".aws-sam" / "build"
    from local.tables import load_template

    for logical, resource in load_template(TEMPLATE)["Resources"].items():
        code = str((resource.get("Properties") or {}).get("CodeUri", "")).rstrip("/")
        if resource.get("Type") == "AWS::Serverless::Function" and code == f"functions/{function}":
            task = build / logical
            if not (task / "app.py").is_file():
                raise SystemExit(f"no {task}: run `make build` first (make bench does)")
            return task, f"{task}{os.pathsep}{build / 'DomainLayer' / 'python'}"
    raise SystemExit(f"template.yaml has no function with CodeUri functions/{function}/")


def cold_start(env: dict[str, str], runs: int) -> tuple[dict[str, dict[str, float]], float]:
    """Each COLD_START_EVENTS entry's cold start (median ms, beside the floor's), and the median time a
    function that has answered its native request takes to import the XML path (`XML_MODULE` and
    `XML_PARSER`: what a warm instance's first distribution XML request adds), timed in create_order's
    children after their cold start. A native route's cold start that loaded the XML parser, or an XML
    one that did not, stops the run: the figure would not be the route it names."""
    # As deployed: the built function and layer, and routes without their documentation-only
    # response models (the template never sets that variable).
    env = {k: v for k, v in env.items() if k not in ("ORDERS_DOCUMENT_RESPONSES", "PYTHONPATH")}
    functions = {name: COLD_START_FUNCTIONS.get(name, name) for name in COLD_START_EVENTS}
    layouts = {name: deployed_layout(function) for name, function in functions.items()}
    timings: dict[str, list[float]] = {name: [] for name in [*COLD_START_EVENTS, "floor"]}
    xml_imports: list[float] = []
    for _ in range(runs):
        for name in timings:  # interleaved: each function beside the floor of the same moment
            event_file = EVENTS / COLD_START_EVENTS.get(name, "get_order.json")
            task, path = layouts.get(name, (ROOT, ""))
            time_xml = name == "create_order"
            measured = child_figures(
                [_CHILD, name, str(event_file), "1" if time_xml else "0"],
                task,
                # Lambda's runtime sets the function's name (orders_domain.runtime.cold_start reads it).
                {**env, "PYTHONPATH": path, "AWS_LAMBDA_FUNCTION_NAME": functions[name]} if path else env,
                f"cold start of {name}",
                timeout=120,
            )
            if str(measured["answer"]).startswith("failed"):
                raise SystemExit(f"cold start of {name} answered {measured['answer']}")
            if problem := xml_path_problem(name, bool(measured.get("xml_loaded"))):
                raise SystemExit(problem)
            timings[name].append(measured["ms"])
            if time_xml:
                xml_imports.append(measured["xml_import_ms"])
    floor = statistics.median(timings.pop("floor"))
    cold = {
        name: {"median_ms": round(statistics.median(values), 1), "floor_median_ms": round(floor, 1)}
        for name, values in timings.items()
    }
    return cold, round(statistics.median(xml_imports), 1) if xml_imports else 0.0


def xml_path_problem(name: str, xml_loaded: bool) -> str | None:
    """Why a cold start does not measure the route its entry names: a native route that loaded the
    XML parser, or an XML one (`XML_COLD_STARTS`) that did not. None when it does."""
    if name == "floor":
        return None
    if name in XML_COLD_STARTS and not xml_loaded:
        return f"cold start of {name}: its first request never loaded {XML_PARSER} (not the XML path)"
    if name not in XML_COLD_STARTS and xml_loaded:
        return (
            f"cold start of {name} loaded {XML_PARSER} on its native route: {XML_MODULE} is to be"
            " imported by the distribution routes only"
        )
    return None


def package_bytes() -> dict[str, int]:
    build = ROOT / ".aws-sam" / "build"
    if not build.is_dir():
        raise SystemExit("no .aws-sam/build: run `make build` first (make bench does)")
    sizes: dict[str, int] = {}
    layer = build / "DomainLayer"
    sizes["layer_unzipped"] = _tree_bytes(layer)
    sizes["layer_zipped"] = _zipped_bytes(layer)
    for function in sorted(p for p in build.iterdir() if p.is_dir() and p.name.endswith("Function")):
        sizes[f"{function.name}_unzipped"] = _tree_bytes(function)
    return sizes


def _tree_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def _zipped_bytes(root: Path) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(root))
    return buffer.tell()
