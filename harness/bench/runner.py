"""The run (`run`): DynamoDB Local started, the tables made, the functions' wiring given an
EventBridge client answered in-process and the recorder on its clients, then each section of
bench-results.json in turn; and `scaling`: create self-time p50 with 1 / 10 / 100 / 500 lines, and
the page cost by tenant size (search.py).
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from harness.bench.baseline import baseline_get
from harness.bench.cold_starts import cold_start, package_bytes
from harness.bench.core import EVENT_KEY, ROOT, TEMPLATE, TENANT, Bench, measure
from harness.bench.costs import cost_per_million
from harness.bench.dialects import DIALECT_COST_PER_MILLION, dialect_costs
from harness.bench.families import operations
from harness.bench.orders import create_event, steady_party
from harness.bench.results import cpu_top_routes
from harness.bench.sdk_config import sdk_config_effect
from harness.bench.search import PAGE_SIZES, page_cost
from harness.bench.stream import (
    EVENT_BUS,
    loopback_event_bus,
    offline_events_client,
    stream_cost,
    stream_throughput,
)

#: Page tokens are signed with it (on AWS the template generates one in Secrets Manager).
PAGE_TOKEN_SECRET = "bench-page-token-secret-not-a-real-one"  # noqa: S105 - a local run's key


def scaling(bench: Bench, runs: int) -> dict[str, Any]:
    creates = {}
    for lines in (1, 10, 100, 500):
        make: Callable[[], dict[str, Any]] = functools.partial(create_event, lines)
        result = measure(bench, f"create_{lines}", "create_order", make, max(3, runs // (1 + lines // 50)))
        creates[str(lines)] = result["self_us_p50"]
    per_line = {k: round(v / int(k), 1) for k, v in creates.items()}
    pages = page_cost(bench, PAGE_SIZES[:2] if runs < 50 else PAGE_SIZES, runs)
    return {
        "create_self_us_p50_by_lines": creates,
        "create_self_us_per_line": per_line,
        **pages,
    }


def _environment(endpoint: str, tables: dict[str, str]) -> dict[str, str]:
    return {
        "ORDERS_TABLE_NAME": tables["OrdersTable"],
        "IDEMPOTENCY_TABLE_NAME": tables["IdempotencyTable"],
        "DYNAMODB_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "POWERTOOLS_SERVICE_NAME": "orders",
        "POWERTOOLS_METRICS_NAMESPACE": "OrdersApi",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        # No X-Ray daemon here; the template turns tracing on for AWS.
        "POWERTOOLS_TRACE_DISABLED": "true",
        # As template.yaml's Globals set it.
        "PYDANTIC_DISABLE_PLUGINS": "true",
        "ORDERS_PAGE_TOKEN_SECRET": PAGE_TOKEN_SECRET,
        # notify_order sends to a local outbox file, as under `make serve` (SES's cost is not ours).
        "ORDERS_EMAIL_OUTBOX": os.path.join(
            tempfile.gettempdir(), f"orders-bench-outbox-{os.getpid()}.jsonl"
        ),
    }


def _index_keys(template: dict[str, Any], tables: dict[str, str]) -> dict[str, dict[str, Any]]:
    from harness.capacity import Index
    from local.tables import table_definitions

    out: dict[str, dict[str, Any]] = {}
    for logical, definition in table_definitions(template).items():
        table_keys = [k["AttributeName"] for k in definition["KeySchema"]]
        out[tables[logical]] = {
            index["IndexName"]: Index.from_definition(index, table_keys)
            for index in definition.get("GlobalSecondaryIndexes", [])
        }
    return out


def _key_names(template: dict[str, Any], tables: dict[str, str]) -> dict[str, tuple[str, ...]]:
    from local.tables import table_definitions

    return {
        tables[logical]: tuple(k["AttributeName"] for k in definition["KeySchema"])
        for logical, definition in table_definitions(template).items()
    }


@contextlib.contextmanager
def bench_session(template: dict[str, Any]) -> Iterator[Bench]:
    """DynamoDB Local with fresh tables, the functions' environment and wiring pointed at them, an
    offline EventBridge client, the bench's key stored, every SDK call recorded."""
    import boto3

    from local.dynamodb_local import DynamoDBLocal
    from local.tables import create_tables

    suffix = uuid.uuid4().hex[:8]
    tables = {"OrdersTable": f"bench-orders-{suffix}", "IdempotencyTable": f"bench-idempotency-{suffix}"}
    with DynamoDBLocal(ROOT) as ddb:
        assert ddb.endpoint_url is not None
        os.environ.update(_environment(ddb.endpoint_url, tables))
        create_tables(boto3.client("dynamodb", endpoint_url=ddb.endpoint_url), tables, TEMPLATE)

        from orders_domain.http.auth import store_api_key
        from orders_domain.runtime import wiring
        from orders_domain.storage.event_bus import EventBridgePublisher

        events_client = offline_events_client()
        wiring.reset(wiring.Wiring(event_publisher=EventBridgePublisher(events_client, EVENT_BUS)))
        store_api_key(wiring.current().api_keys, TENANT, EVENT_KEY, [])
        bench = Bench(ddb.endpoint_url, tables, _index_keys(template, tables), _key_names(template, tables))
        bench.recorder.attach(wiring.current().dynamodb)
        bench.recorder.attach(events_client)
        yield bench


def run(quick: bool) -> dict[str, Any]:
    from local.tables import load_template

    runs, cold_runs = (20, 3) if quick else (300, 15)
    template = load_template(TEMPLATE)
    memory_mb = int(template["Globals"]["Function"]["MemorySize"])
    with bench_session(template) as bench:
        results: dict[str, Any] = {}
        with loopback_event_bus() as bus:
            children = {**os.environ, "ORDERS_EVENT_BUS_NAME": EVENT_BUS, "AWS_ENDPOINT_URL_EVENTBRIDGE": bus}
            results["cold_start"], xml_import_ms = cold_start(children, cold_runs)
        # after the cold starts, whose customer lookup is an ordinary customer's (not busy)
        steady_party()
        results["operations"] = operations(bench, runs)
        results["cpu_top_routes"] = cpu_top_routes(results["operations"])
        results["stream"] = stream_cost(bench, runs)
        results["scaling"] = scaling(bench, runs)
        results["scaling"]["stream_throughput"] = stream_throughput(bench, runs, memory_mb)
        results["scaling"]["xml_path_import_ms"] = xml_import_ms
        results["scaling"]["sdk_config"] = sdk_config_effect(bench, runs)
        results["scaling"]["baseline_get"] = baseline_get(quick=runs < 50)
        console_memory_mb = int(template["Resources"]["ConsoleFunction"]["Properties"]["MemorySize"])
        results["cost_per_million"] = cost_per_million(
            bench, results["operations"], results["stream"], memory_mb, console_memory_mb
        )
        DIALECT_COST_PER_MILLION.update(dialect_costs(bench, results["operations"], memory_mb))
        results["package_bytes"] = package_bytes()
    return results
