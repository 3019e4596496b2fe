"""`scaling.sdk_config` (issue 36): what runtime/sdk.py's client config saves on the hottest read.

The plain GET of one order, answered by the get_order handler, with its DynamoDB client built two
ways in the same run, calls interleaved (A, B, A, B, ...) so both see the same machine: botocore's
default config (the User-Agent assembled twice per call, every request validated client-side) and
the functions' own (`runtime/sdk.CLIENT_CONFIG`). The figure is the thread's whole CPU per call,
handler and SDK, p50, in microseconds; `saved_share` is 1 - ours / default.
"""

from __future__ import annotations

import time
from typing import Any

from harness.bench.core import Bench, percentile, refuse_failure
from harness.bench.orders import get_event, new_order

#: Calls of each config measured after the warm-up (a QUICK run takes `runs`).
SDK_CONFIG_CALLS = 300


def sdk_config_effect(bench: Bench, runs: int) -> dict[str, Any]:
    """get's CPU per call with botocore's default client config and with ours (module docstring)."""
    import boto3
    from botocore.config import Config
    from orders_domain.runtime import sdk, wiring

    from harness.bench.core import _handler
    from local.lambda_runtime import FakeLambdaContext

    order_id = new_order(bench)["id"]
    handler = _handler("get_order")
    as_deployed = wiring.current()
    default = Config(**sdk.BASE_OPTIONS)  # the same retries, timeouts and pool; botocore's own the rest
    wirings = {
        "default": wiring.Wiring(
            dynamodb=boto3.client("dynamodb", endpoint_url=bench.endpoint, config=default)
        ),
        "ours": wiring.Wiring(
            dynamodb=boto3.client("dynamodb", endpoint_url=bench.endpoint, config=sdk.CLIENT_CONFIG)
        ),
    }
    cpu: dict[str, list[int]] = {name: [] for name in wirings}
    calls = min(runs, SDK_CONFIG_CALLS)
    try:
        for round_ in range(10 + calls):  # the first 10 of each warm up
            for name, wired in wirings.items():
                wiring.reset(wired)
                event = get_event(order_id)
                started = time.thread_time_ns()
                answer = handler(event, FakeLambdaContext(function_name="get_order"))
                spent = time.thread_time_ns() - started
                refuse_failure(f"sdk_config {name}", answer)
                if round_ >= 10:
                    cpu[name].append(spent)
    finally:
        wiring.reset(as_deployed)
    default_us = percentile(cpu["default"], 0.5) // 1000
    ours_us = percentile(cpu["ours"], 0.5) // 1000
    return {
        "get_cpu_us_p50_default_config": default_us,
        "get_cpu_us_p50_our_config": ours_us,
        "saved_share": round(1 - ours_us / default_us, 3) if default_us else 0.0,
    }
