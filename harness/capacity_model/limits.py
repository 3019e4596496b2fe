"""Every load of the burst against the limit that caps it, with its headroom (limit / load).

Published limits (AWS documentation, Quotas and "Partitions and data distribution"): a partition
serves at most PARTITION_WCU write and PARTITION_RCU read units a second, a table's and each of its
indexes' (on-demand: the per-table quota applies to the table and to each global secondary index
on its own) at most TABLE_QUOTA of each; a new on-demand table or index serves WARM_WRITE /
WARM_READ units at once and scales up from there (the template's *Warm* parameters raise that;
with `--fresh-stack` those rows are limits too, otherwise they are shown as what to pre-warm). API
Gateway takes ACCOUNT_REQUESTS requests a second per account and Region; Lambda adds 1,000
execution environments per 10 s per function (counter.py). The template's own figures come from
its parameters' defaults (or `--parameter` overrides): the usage plans, the stage's per-method
throttle, warm throughput and on-demand maximums, the stream consumer's ParallelizationFactor.

A row is `hard` when going over it throttles: those decide the exit status and the first resource
to saturate (the lowest headroom).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from harness.capacity_model.counter import CounterRun
from harness.capacity_model.replay import Loads, stream_shards

PARTITION_WCU = 1000
PARTITION_RCU = 3000
TABLE_QUOTA = 40_000
WARM_WRITE = 4000
WARM_READ = 12_000
ACCOUNT_REQUESTS = 10_000
#: The order-number counter's bound at the target (issue 33: at most 100 writes a second).
COUNTER_TARGET = 100
#: Hottest keys of each table and index shown in the report.
SHOWN_KEYS = 3
#: Routes by API Gateway method (each method has the stage's throttle of its own).
METHODS = {
    "create": "POST /orders/{tenantId}",
    "get": "GET /orders/{tenantId}/{id}",
    "list_page": "GET /orders/{tenantId}",
    "customer_lookup": "GET /orders/{tenantId}/customer/{customerType}/{customerId}",
}


@dataclass(frozen=True)
class Row:
    kind: str
    name: str
    load: float
    limit: float
    unit: str
    hard: bool = True
    note: str = ""

    @property
    def headroom(self) -> float:
        return math.inf if self.load <= 0 else self.limit / self.load

    @property
    def over(self) -> bool:
        return self.load > self.limit

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "load": round(self.load, 1),
            "limit": self.limit,
            "unit": self.unit,
            "headroom": None if math.isinf(self.headroom) else round(self.headroom, 2),
            "hard": self.hard,
            "over": self.over,
            "note": self.note,
        }


def parameters(template: dict[str, Any], overrides: dict[str, str]) -> dict[str, float]:
    """The template's numeric parameters: their defaults, or the overrides given."""
    out: dict[str, float] = {}
    for name, spec in (template.get("Parameters") or {}).items():
        if spec.get("Type") == "Number":
            out[name] = float(overrides.get(name, spec.get("Default", 0)))
    return out


def partition_rows(loads: Loads) -> list[Row]:
    """Each table's and index's hottest partition key values, writes against PARTITION_WCU and
    reads against PARTITION_RCU."""
    rows = []
    for resource, found in sorted(loads.keys.items()):
        for units, limit, unit in (("wcu", PARTITION_WCU, "WCU/s"), ("rcu", PARTITION_RCU, "RCU/s")):
            ranked = sorted(found.items(), key=lambda kv: -getattr(kv[1], units))
            for pk, peak in ranked[:SHOWN_KEYS]:
                if getattr(peak, units) > 0:
                    rows.append(Row("partition", f"{resource} {pk}", getattr(peak, units), limit, unit))
    return rows


def counter_rows(runs: list[CounterRun], counter_wcu: float, counter_pk: str) -> list[Row]:
    rows = []
    for run in runs:
        label = f"{counter_pk} ({run.instances} instances"
        peak = run.peak * counter_wcu
        rows.append(Row("counter", label + ", busiest second)", peak, PARTITION_WCU, "WCU/s"))
        if run.steady:
            rows.append(
                Row(
                    "counter",
                    label + ", steady)",
                    run.steady_peak,
                    COUNTER_TARGET,
                    "writes/s",
                    note=f"mean {run.steady_mean:.1f}/s; issue 33's bound",
                )
            )
    return rows


def stream_row(loads: Loads, figure: float | None, factor: int, source: str) -> tuple[Row, dict[str, Any]]:
    """The busiest stream shard's order changes a second against what the consumer takes of one
    shard (changes a second per invocation x ParallelizationFactor). One stream shard per table
    partition; the table holds at least as many partitions as its write rate needs
    (ceil(peak WCU / PARTITION_WCU)): the fewest, so the most changes per shard."""
    table_wcu = loads.peak_total("OrdersTable", "wcu")
    partitions = max(1, math.ceil(table_wcu / PARTITION_WCU))
    busiest = stream_shards(loads, partitions)
    load = max(busiest, default=0)
    capacity = (figure or 0.0) * factor
    changes = max((len(c) for c in loads.changes), default=0)
    detail = {
        "table_peak_wcu_per_s": round(table_wcu),
        "partitions": partitions,
        "changes_per_s": changes,
        "busiest_shard_changes_per_s": load,
        "mean_shard_changes_per_s": round(changes / partitions, 1),
        # A partition taking PARTITION_WCU of this workload's writes: the most a shard can carry.
        "full_partition_changes_per_s": round(PARTITION_WCU * changes / table_wcu) if table_wcu else None,
        "consumer_changes_per_s_per_invocation": figure,
        "parallelization_factor": factor,
        "consumer_changes_per_s_per_shard": capacity,
        "source": source,
    }
    name = f"order stream, busiest of {partitions} shards (one per table partition)"
    note = f"consumer {figure} changes/s x ParallelizationFactor {factor}; {source}"
    if figure is None:
        return Row("stream", name, load, 0.0, "changes/s", note="consumer not measured: " + source), detail
    return Row("stream", name, load, capacity, "changes/s", note=note), detail


def table_rows(loads: Loads, params: dict[str, float], *, fresh_stack: bool) -> list[Row]:
    """Each table and index: its peak second's units against the per-table quota, its warm
    throughput (a fresh stack) and the template's on-demand maximum, when set (an index: OrdersIndexMax*)."""
    rows = []
    for resource in loads.resources():
        table, _, index = resource.partition("/")
        prefix = "OrdersIndex" if index else table
        warm_param = {"wcu": f"{prefix}WarmWriteUnits", "rcu": f"{prefix}WarmReadUnits"}
        max_param = {"wcu": f"{prefix}MaxWriteUnits", "rcu": f"{prefix}MaxReadUnits"}
        for units, unit, warm_default in (("wcu", "WRU/s", WARM_WRITE), ("rcu", "RRU/s", WARM_READ)):
            load = loads.peak_total(resource, units)
            if load <= 0:
                continue
            rows.append(Row("table", f"{resource} (per-table quota)", load, TABLE_QUOTA, unit))
            warm = params.get(warm_param[units]) or warm_default
            name = f"{resource} ({warm_param[units]}; 0: DynamoDB's own {warm_default:,})"
            rows.append(Row("warm", name, load, warm, unit, fresh_stack))
            cap = params.get(max_param[units], 0.0)
            if cap:
                rows.append(Row("table", f"{resource} ({max_param[units]})", load, cap, unit))
    return rows


def gateway_rows(loads: Loads, params: dict[str, float]) -> list[Row]:
    """The tenant's requests against its (large) usage plan, the busiest method against the stage's
    per-method throttle, all of them against the account's quota. Each also invokes the authorizer
    (ReauthorizeEvery 0: no cached answers)."""
    total = sum(loads.requests.values())
    route, busiest = max(loads.requests.items(), key=lambda kv: kv[1])
    return [
        Row(
            "gateway",
            "the tenant's requests (large usage plan)",
            total,
            params["LargePlanRateLimit"],
            "req/s",
        ),
        Row(
            "gateway",
            f"{METHODS.get(route, route)} (stage throttle, per method)",
            busiest,
            params["StageThrottlingRateLimit"],
            "req/s",
        ),
        Row("gateway", "all requests (API Gateway account quota)", total, ACCOUNT_REQUESTS, "req/s"),
    ]


def first_to_saturate(rows: list[Row]) -> Row | None:
    hard = [row for row in rows if row.hard]
    return min(hard, key=lambda row: row.headroom, default=None)


def _line(row: Row, name: str) -> str:
    headroom = "-" if math.isinf(row.headroom) else f"{row.headroom:.2f}"
    status = ("OVER" if row.over else "ok") if row.hard else ("pre-warm" if row.over else "warm")
    name = name if len(name) <= 79 else name[:76] + "..."
    return f"{name:<80}{row.load:>9,.0f}{row.limit:>9,.0f} {row.unit:<10}{headroom:>8}  {status}"


def print_rows(rows: list[Row]) -> None:
    """The hottest partition key of each table and index, then every other limit, lowest headroom
    first; then what a fresh stack would need pre-warmed."""
    header = f"{'':<80}{'load':>9}{'limit':>9} {'unit':<10}{'headroom':>8}  status"
    hottest: dict[str, Row] = {}
    for row in (r for r in rows if r.kind == "partition"):
        resource = row.name.split(" ", 1)[0]
        if resource not in hottest or row.headroom < hottest[resource].headroom:
            hottest[resource] = row
    print("hottest partition key value of each table and index" + header[51:])
    for row in sorted(hottest.values(), key=lambda r: r.headroom):
        print(_line(row, row.name))
    print()
    print("limits" + header[6:])
    for row in sorted((r for r in rows if r.kind not in ("partition", "warm")), key=lambda r: r.headroom):
        print(_line(row, f"{row.kind}: {row.name}"))
    warm = [r for r in rows if r.kind == "warm"]
    if warm:
        print()
        print("warm throughput (a new on-demand table or index; status pre-warm: raise it before the sale)")
        for row in sorted(warm, key=lambda r: r.headroom):
            print(_line(row, row.name))
