"""`cost_per_million`: dollars per million requests at the on-demand list prices in `PRICES`: API
Gateway, the authorizer's and the route's Lambda time (the whole wall time: self, SDK, network and
DynamoDB), and the route's capacity; per million order changes through the stream function.
"""

from __future__ import annotations

from typing import Any

from harness.bench.core import Bench

#: On-demand list prices, us-east-1, USD. The one place prices live.
PRICES = {
    "api_gateway_rest_per_million_requests": 3.50,
    "lambda_per_million_requests": 0.20,
    "lambda_per_gb_second": 0.0000166667,
    "dynamodb_per_million_wru": 0.625,
    "dynamodb_per_million_rru": 0.125,
    "eventbridge_per_million_events": 1.00,
}
#: What cost_per_million prices (dollars per million requests; the stream per million order changes;
#: the console's page per million loads, its typical look per million looks).
COSTS = {
    "create",
    "get",
    "list_page",
    "patch",
    "fulfil",
    "refund",
    "stream_order_change",
    "console_page",
    "console_look",
}


def lambda_cost(wall_us: float, memory_mb: int) -> float:
    """Dollars per million invocations of `wall_us` each (Lambda bills whole milliseconds)."""
    billed_ms = max(1, -(-int(wall_us) // 1000))
    return (
        PRICES["lambda_per_million_requests"]
        + billed_ms / 1000 * (memory_mb / 1024) * PRICES["lambda_per_gb_second"] * 1e6
    )


def route_cost(bench: Bench, op: dict[str, Any], name: str, memory_mb: int) -> float:
    """Dollars per million requests of one measured route: API Gateway, the authorizer's and the
    route's Lambda time, its capacity."""
    # ReauthorizeEvery is 0: the authorizer runs on every request.
    per_request = PRICES["api_gateway_rest_per_million_requests"] + lambda_cost(
        bench.wall_us_p50["authorizer_warm"], memory_mb
    )
    ddb = op["rru"] * PRICES["dynamodb_per_million_rru"] + op["wru"] * PRICES["dynamodb_per_million_wru"]
    return round(per_request + lambda_cost(bench.wall_us_p50[name], memory_mb) + ddb, 2)


def cost_per_million(
    bench: Bench,
    ops: dict[str, dict[str, Any]],
    results_stream: dict[str, dict[str, Any]],
    memory_mb: int,
    console_memory_mb: int,
) -> dict[str, float | None]:
    """Dollars per million requests: API Gateway + the authorizer's and the route's Lambda + DynamoDB;
    per million order changes through the stream function (Lambda, DynamoDB, EventBridge); the
    operator console's page (API Gateway and its function: no authorizer, no DynamoDB), and what a
    typical look costs: the order list as it asks for it, one order and one page of its history."""

    def route(name: str) -> float:
        return route_cost(bench, ops[name], name, memory_mb)

    def stream_order_change() -> float:
        # One invocation per batch of records (the event source mapping's reads of the stream are
        # free), its writes, and one EventBridge event per order change.
        batch = results_stream["batch_100"]
        ddb = batch["wru"] * PRICES["dynamodb_per_million_wru"]
        events = batch["events"] * PRICES["eventbridge_per_million_events"]
        per_batch = lambda_cost(bench.wall_us_p50["stream_batch_100"], memory_mb) + ddb + events
        return round(per_batch / batch["order_changes"], 2)

    return {
        "create": route("create_10_lines"),
        "get": route("get"),
        "list_page": route("list_page"),
        "patch": route("patch"),
        "fulfil": route("fulfil"),
        "refund": route("refund"),
        "stream_order_change": stream_order_change(),
        "console_page": round(
            PRICES["api_gateway_rest_per_million_requests"]
            + lambda_cost(bench.wall_us_p50["console_page"], console_memory_mb),
            2,
        ),
        "console_look": round(route("console_list_page") + route("get") + route("history_page"), 2),
    }
