"""bench-results.json's shape (`SHAPE`, `check_shape`: CI checks the JSON's keys, never the
timings), the budget lines of the proof-harness issue (`budgets`, each `ok` or `OVER`) and the
printed table.
"""

from __future__ import annotations

from typing import Any

from harness.bench.cold_starts import COLD_START_EVENTS, XML_MODULE, XML_PARSER
from harness.bench.core import SDK_US_P50
from harness.bench.costs import COSTS
from harness.bench.dialects import DIALECT_COST_PER_MILLION
from harness.bench.families import OPERATION_CALLS, REQUIRED_OPERATIONS
from harness.bench.search import PAGE_COST_KEYS, PAGE_COSTS, PAGE_LIMIT, PAGE_SIZES, SEARCH_OPERATIONS
from harness.bench.stream import print_throughput

#: The JSON's shape: top-level keys, and the keys of each entry of the per-name sections.
SHAPE = {
    "cold_start": {"median_ms", "floor_median_ms"},
    "operations": {"self_us_p50", "self_us_p99", "cpu_us_p50", "ddb_calls", "rru", "wru"},
    "stream": {
        "records",
        "order_changes",
        "self_us_p50",
        "self_us_p99",
        "self_us_per_record_p50",
        "wall_ms_p50",
        "ddb_calls",
        "ddb_calls_per_order_change",
        "puts_taking_effect",
        "rru",
        "wru",
        "put_events_calls",
        "events",
    },
    "scaling": None,
    "cpu_top_routes": None,
    "cost_per_million": None,
    "package_bytes": None,
}


def call_shape_problem(name: str, calls: dict[str, int], expected: dict[str, tuple[int, int]]) -> str | None:
    """What is wrong with an operation's DynamoDB calls (API -> count) against `expected` (API ->
    (fewest, most); no other API may appear); None when they fit."""
    fits = set(calls) <= set(expected) and all(
        low <= calls.get(api, 0) <= high for api, (low, high) in expected.items()
    )
    if fits:
        return None
    made = ", ".join(f"{api} x{n}" for api, n in sorted(calls.items())) or "no call"
    wanted = ", ".join(
        f"{api} x{low}" if low == high else f"{api} x{low}-{high}" for api, (low, high) in expected.items()
    )
    return f"operations.{name} made {made}, not {wanted}"


#: How many routes `cpu_top_routes` names.
CPU_TOP = 5


def cpu_top_routes(ops: dict[str, dict[str, Any]], most: int = CPU_TOP) -> list[dict[str, Any]]:
    """The routes that cost the most CPU per call (handler and SDK, p50), most first."""
    ranked = sorted(ops, key=lambda name: (-ops[name]["cpu_us_p50"], name))[:most]
    return [{"name": name, "cpu_us_p50": ops[name]["cpu_us_p50"]} for name in ranked]


def _is_cpu_top(top: Any, ops: dict[str, dict[str, Any]]) -> bool:
    """Whether `top` lists min(CPU_TOP, routes) measured routes with their CPU, most first, and no
    route left out costs more than the last."""
    if not isinstance(top, list) or len(top) != min(CPU_TOP, len(ops)):
        return False
    names = [route.get("name") for route in top]
    if any(
        name not in ops or ops[name]["cpu_us_p50"] != route.get("cpu_us_p50")
        for name, route in zip(names, top, strict=True)
    ):
        return False
    costs = [route["cpu_us_p50"] for route in top]
    rest = [op["cpu_us_p50"] for name, op in ops.items() if name not in names]
    return costs == sorted(costs, reverse=True) and all(cost <= costs[-1] for cost in rest)


def check_shape(results: dict[str, Any]) -> list[str]:
    """What is missing or extra in the results (empty when the JSON has exactly the keys above)."""
    problems = []
    if set(results) != set(SHAPE):
        problems.append(f"top-level keys {sorted(results)} != {sorted(SHAPE)}")
    for section, keys in SHAPE.items():
        if keys is None:
            continue
        for name, entry in (results.get(section) or {}).items():
            if set(entry) != keys:
                problems.append(f"{section}.{name} has {sorted(entry)}, not {sorted(keys)}")
    if set(results.get("cold_start", {})) != set(COLD_START_EVENTS):
        problems.append("cold_start does not cover every function")
    if set(results.get("cost_per_million", {})) != COSTS:
        problems.append(f"cost_per_million needs exactly {sorted(COSTS)}")
    if {"batch_100", "replayed_batch_100"} != set(results.get("stream", {})):
        problems.append("stream needs batch_100 and replayed_batch_100")
    ops = results.get("operations") or {}
    # Each family's required operations and call shapes (families.py), in the families' order.
    for name in REQUIRED_OPERATIONS:
        if name not in ops:
            problems.append(f"operations has no {name}")
    for name, expected in OPERATION_CALLS.items():
        problem = call_shape_problem(name, (ops.get(name) or {}).get("ddb_calls") or {}, expected)
        if name in ops and problem:
            problems.append(problem)
    scaled = results.get("scaling") or {}
    for section in PAGE_COSTS:
        sizes = scaled.get(section) or {}
        if not {str(n) for n in PAGE_SIZES[:2]} <= set(sizes):
            problems.append(f"scaling.{section} needs {PAGE_SIZES[0]} and {PAGE_SIZES[1]} orders at least")
        for size, entry in sizes.items():
            if set(entry) != PAGE_COST_KEYS:
                problems.append(f"scaling.{section}.{size} has {sorted(entry)}, not {sorted(PAGE_COST_KEYS)}")
    for name, entry in (results.get("stream") or {}).items():
        if set(entry.get("ddb_calls_per_order_change") or {}) != {"without_coupons", "with_coupons"}:
            problems.append(
                f"stream.{name}.ddb_calls_per_order_change needs without_coupons and with_coupons"
            )
    if not _is_cpu_top(results.get("cpu_top_routes"), ops):
        problems.append(f"cpu_top_routes is not the {CPU_TOP} routes of most CPU per call")
    if "layer_unzipped" not in results.get("package_bytes", {}):
        problems.append("package_bytes has no layer_unzipped")
    return problems


def budgets(results: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """The budget lines of the proof-harness issue: (what, holds, the figure)."""
    lines = []
    for name, cold in results["cold_start"].items():
        ratio = cold["median_ms"] / cold["floor_median_ms"]
        lines.append((f"cold start {name} <= 1.5x floor", ratio <= 1.5, f"{ratio:.2f}x"))
    ops = results["operations"]
    lines.append(
        ("get self-time p50 <= 0.5 ms", ops["get"]["self_us_p50"] <= 500, f"{ops['get']['self_us_p50']} us")
    )
    create10 = ops["create_10_lines"]["self_us_p50"]
    lines.append(("create with 10 lines <= 2 ms", create10 <= 2000, f"{create10} us"))
    lines.append(("get = 1 GetItem", ops["get"]["ddb_calls"] == {"GetItem": 1}, str(ops["get"]["ddb_calls"])))
    warm = ops["authorizer_warm"]["ddb_calls"]
    lines.append(("warm authorizer makes no DynamoDB call", not warm, str(warm)))
    layer = results["package_bytes"]["layer_unzipped"]
    lines.append(("layer <= 25 MB unzipped", layer <= 25 * 2**20, f"{layer / 2**20:.1f} MB"))
    # The stream function and the history routes (issue 17).
    two_reads = {"GetItem": 1, "Query": 1}
    for name in ("history_page", "get_as_of"):
        calls = ops[name]["ddb_calls"]
        lines.append((f"{name} = GetItem + one Query", calls == two_reads, str(calls)))
    # The search_orders routes (issue 18): never a Scan, and a list page as dear in a big tenant.
    scans = {name: ops[name]["ddb_calls"] for name in SEARCH_OPERATIONS if "Scan" in ops[name]["ddb_calls"]}
    lines.append(("list, search and lookups make no Scan", not scans, str(scans or "none")))
    pages = results["scaling"]["page_cost_by_orders"]
    largest = max(pages, key=int)
    small, big = pages[str(PAGE_SIZES[0])]["rru"], pages[largest]["rru"]
    lines.append(
        (
            f"list page RRU at {int(largest):,} orders <= 1.25x at {PAGE_SIZES[0]}",
            big <= 1.25 * small,
            f"{big:g} vs {small:g} RRU",
        )
    )
    batch, replay = results["stream"]["batch_100"], results["stream"]["replayed_batch_100"]
    plain = batch["ddb_calls_per_order_change"]["without_coupons"]
    lines.append(
        ("stream: DynamoDB calls per change, no coupons <= 2", plain is not None and plain <= 2, str(plain))
    )
    needed = -(-batch["events"] // 10)
    lines.append(
        (
            "stream: one PutEvents call per 10 events",
            batch["put_events_calls"] == needed,
            str(batch["put_events_calls"]),
        )
    )
    lines.append(
        (
            "stream: a replayed batch writes nothing",
            replay["puts_taking_effect"] == 0,
            str(replay["puts_taking_effect"]),
        )
    )
    return lines


def print_table(results: dict[str, Any]) -> None:
    print(
        f"{'operation':<25}{'self p50 us':>12}{'self p99 us':>12}{'SDK p50 us':>11}{'CPU p50 us':>11}"
        f"{'RRU':>7}{'WRU':>7}  DynamoDB calls"
    )
    for name, op in results["operations"].items():
        calls = ", ".join(f"{api} x{n}" for api, n in op["ddb_calls"].items()) or "-"
        sdk = SDK_US_P50.get(name, "")
        print(
            f"{name:<25}{op['self_us_p50']:>12}{op['self_us_p99']:>12}{sdk:>11}{op['cpu_us_p50']:>11}"
            f"{op['rru']:>7g}{op['wru']:>7g}  {calls}"
        )
    print()
    top = ", ".join(f"{route['name']} {route['cpu_us_p50']} us" for route in results["cpu_top_routes"])
    print(f"the {CPU_TOP} routes of most CPU per call (handler and SDK, p50): {top}")
    print()
    print(
        f"{'stream function':<20}{'records':>8}{'self p50 us':>12}{'self p99 us':>12}{'us/record':>10}"
        f"{'SDK p50 us':>11}{'wall ms':>8}{'WRU':>7}{'PutEvents':>10}  DynamoDB calls (per order change)"
    )
    for name, op in results["stream"].items():
        calls = ", ".join(f"{api} x{n}" for api, n in op["ddb_calls"].items()) or "-"
        per = op["ddb_calls_per_order_change"]
        print(
            f"{name:<20}{op['records']:>8}{op['self_us_p50']:>12}{op['self_us_p99']:>12}"
            f"{op['self_us_per_record_p50']:>10}{SDK_US_P50.get('stream_' + name, ''):>11}"
            f"{op['wall_ms_p50']:>8}{op['wru']:>7g}"
            f"{op['put_events_calls']:>10}  {calls} ({per['without_coupons']} without coupons, "
            f"{per['with_coupons']} with one; {op['puts_taking_effect']} took effect)"
        )
    print()
    if "stream_throughput" in results["scaling"]:
        print_throughput(results["scaling"]["stream_throughput"])
        print()
    print(f"{'cold start':<20}{'median ms':>12}{'floor ms':>12}{'ratio':>8}")
    for name, cold in results["cold_start"].items():
        ratio = cold["median_ms"] / cold["floor_median_ms"]
        print(f"{name:<20}{cold['median_ms']:>12}{cold['floor_median_ms']:>12}{ratio:>8.2f}")
    print()
    print("create self-time p50 by lines:", results["scaling"]["create_self_us_p50_by_lines"])
    base = results["scaling"].get("baseline_get")
    if base and base.get("measured"):
        print(
            f"plain GET CPU per call, handler and SDK (p50; each tree's own handlers, alternated): before "
            f"issue 36 ({base['rev']}) {base['baseline_cpu_us_p50']} us, now {base['current_cpu_us_p50']} us "
            f"(ratio {base['ratio']})"
        )
        for name, route in base["routes"].items():
            print(
                f"  {name}: {route['baseline_cpu_us_p50']} us before, {route['current_cpu_us_p50']} us now "
                f"(ratio {route['ratio']})"
            )
    elif base:
        print(f"plain GET before issue 36 ({base['rev']}): not measured ({base.get('reason')})")
    if "sdk_config" in results["scaling"]:
        sdk = results["scaling"]["sdk_config"]
        print(
            "get CPU per call, handler and SDK (p50, interleaved): botocore's default client config "
            f"{sdk['get_cpu_us_p50_default_config']} us, runtime/sdk.py's "
            f"{sdk['get_cpu_us_p50_our_config']} us (saved {sdk['saved_share']:.1%})"
        )
    print()
    print(
        f"{'page of ' + str(PAGE_LIMIT) + ' by orders':<30}{'orders':>8}{'queries':>8}{'RRU':>7}"
        f"{'rows read':>10}{'rows':>6}{'self p50 us':>12}{'wall p50 us':>12}"
    )
    labels = ("list", "list, view=summary", "customer lookup", "customer, view=summary", "search (no match)")
    for section, label in zip(PAGE_COSTS, labels, strict=True):
        for size, page in results["scaling"][section].items():
            print(
                f"{label:<30}{size:>8}{page['queries']:>8}{page['rru']:>7g}{page['rows_read']:>10}"
                f"{page['rows']:>6}{page['self_us_p50']:>12}{page['wall_us_p50']:>12}"
            )
    print()
    print("cost per million requests (USD):", results["cost_per_million"])
    if DIALECT_COST_PER_MILLION:
        print("cost per million requests, source dialects (USD):", DIALECT_COST_PER_MILLION)
    if "xml_path_import_ms" in results["scaling"]:
        print(
            f"XML path ({XML_MODULE} + {XML_PARSER}) imported after a native cold start:"
            f" {results['scaling']['xml_path_import_ms']} ms"
        )
    print("package bytes:", results["package_bytes"])
    print()
    for what, holds, figure in budgets(results):
        print(f"{'ok  ' if holds else 'OVER'} {what:<42} {figure}")
