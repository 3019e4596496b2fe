"""`scaling.baseline_get` (issue 36): the plain GET's CPU per call as the code before issue 36's
changes answers it, beside today's, measured in the same run; and the same for the other hot reads
(`routes`: the GET by token, the theatre GET, the will-call check).

`BASELINE_REV` (the last commit before them) is checked out into a temporary git worktree; the same
probe runs in a child process against each tree in turn (baseline, current, baseline, current, ...:
both see the same machine), each tree's own create_order and get_order handlers on the bench's
DynamoDB Local: it creates one order with its tree's create handler, then for each of ROUTES warms
up and times `CALLS` requests of it without a query string (the thread's CPU, handler and SDK:
`time.thread_time_ns`). Each figure is the median over the rounds of each tree's p50; `ratio` is
current / baseline (issue 36 asks for at most 0.5 for the plain GET, whose figures are also the
entry's top-level ones). A checkout without the baseline commit (a shallow clone) reports it and
measures nothing.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from harness.bench.cold_starts import child_figures
from harness.bench.core import ROOT

#: The last commit before issue 36's changes (472ccdc: the console's sam-local fix).
BASELINE_REV = "472ccdc"
#: Rounds of each tree, and GETs a round times (a QUICK run: fewer).
ROUNDS, CALLS, QUICK_ROUNDS, QUICK_CALLS = 3, 300, 1, 20

#: The reads compared: the plain GET (issue 36's measure) and the other hot reads it names.
ROUTES = ("get", "get_by_token", "theatre_get", "will_call_check")

_PROBE = r"""
import json, os, sys, time
calls = int(sys.argv[1])
from local.lambda_runtime import FakeLambdaContext
import functions.create_order.app as create
import functions.get_order.app as get
import functions.will_call_check.app as will_call

def load(name):
    with open(os.path.join("events", name)) as f:
        return json.load(f)

def plain(name, ref, path):
    event = load(name)
    event["pathParameters"]["id"] = ref
    event["path"] = path
    event["queryStringParameters"] = event["multiValueQueryStringParameters"] = None
    return event

made = load("create_order.json")
made["headers"].pop("Idempotency-Key", None)
made["multiValueHeaders"] = {k: [v] for k, v in made["headers"].items()}
answer = create.lambda_handler(made, FakeLambdaContext(function_name="create_order"))
assert answer["statusCode"] == 201, answer
order = json.loads(answer["body"])
token = "token-" + order["token"]
base = "/orders/" + load("get_order.json")["pathParameters"]["tenantId"] + "/"
routes = {
    "get": (get, plain("get_order.json", order["id"], base + order["id"])),
    "get_by_token": (get, plain("get_order.json", token, base + token)),
    "theatre_get": (get, plain("theatre_get_order.json", order["id"], "/v3/orders/" + order["id"])),
    "will_call_check": (
        will_call, plain("will_call_check.json", order["id"], base + order["id"] + "/will-call-check")
    ),
}
context = FakeLambdaContext(function_name="get_order")
figures = {}
for name, (module, event) in routes.items():
    spent = []
    for n in range(30 + calls):
        started = time.thread_time_ns()
        answer = module.lambda_handler(event, context)
        if n >= 30:
            spent.append(time.thread_time_ns() - started)
    assert answer["statusCode"] == 200, (name, answer)
    spent.sort()
    figures[name] = spent[len(spent) // 2] // 1000
sys.__stdout__.write("\nBENCH " + json.dumps({"cpu_us_p50": figures}) + "\n")
"""


def probe(tree: Path, calls: int) -> dict[str, int]:
    """Each of ROUTES' CPU per call (p50, µs) as `tree`'s own handlers answer it."""
    env = {
        **os.environ,
        "PYTHONPATH": f"{tree / 'layers' / 'orders_domain'}{os.pathsep}{tree}",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    what = f"the GET probe in {tree}"
    cpu: dict[str, int] = child_figures([_PROBE, str(calls)], tree, env, what, timeout=900)["cpu_us_p50"]
    return cpu


def baseline_get(quick: bool) -> dict[str, Any]:
    """The plain GET's CPU per call before issue 36 and now (module docstring)."""
    rounds, calls = (QUICK_ROUNDS, QUICK_CALLS) if quick else (ROUNDS, CALLS)
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "baseline"
        added = subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(tree), BASELINE_REV],
            capture_output=True,
            text=True,
            check=False,
        )
        if added.returncode != 0:
            reason = " ".join(added.stderr.split())[:200]
            return {"rev": BASELINE_REV, "measured": False, "reason": reason}
        try:
            before, now = [], []
            for _ in range(rounds):
                before.append(probe(tree, calls))
                now.append(probe(ROOT, calls))
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                capture_output=True,
                check=False,
            )
    routes = {}
    for name in ROUTES:
        was = int(statistics.median(figures[name] for figures in before))
        now_ = int(statistics.median(figures[name] for figures in now))
        routes[name] = {
            "baseline_cpu_us_p50": was,
            "current_cpu_us_p50": now_,
            "ratio": round(now_ / was, 3) if was else None,
        }
    return {"rev": BASELINE_REV, "measured": True, **routes["get"], "routes": routes}
