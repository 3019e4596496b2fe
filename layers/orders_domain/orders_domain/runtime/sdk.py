"""How every AWS client of a function is configured (issue 36: less SDK work per call).

Two of botocore's documented `Config` options save work on every call, warm or not:

- `user_agent`: the SDK otherwise assembles its User-Agent string from a dozen components twice per
  call (about 60 µs each here, ~0.1 ms of a ~0.2 ms GetItem's client-side CPU). It is built once
  here, per process, with what AWS's telemetry reads (SDK, language, execution environment) and
  our own product token; botocore still appends its own version.
- `parameter_validation=False`: every request is built by our own code (storage/), never from a
  client's input, and the server validates what it receives anyway; checking each request's shape
  client-side first costs ~15 µs for a GetItem, more for a transaction.

Lambda runs the runtime's boto3 (the layer leaves boto3 and botocore out: Makefile), and both
options exist in every botocore release a Python 3.11 to 3.13 runtime ships, so nothing is bundled and
no cold start grows. Retries, timeouts and the connection pool are as before.
"""

from __future__ import annotations

import os
import platform
from typing import Any

import boto3
import botocore
from botocore.config import Config

#: Our product token in the User-Agent.
PRODUCT = "orders-api"


def user_agent() -> str:
    """The User-Agent every client sends (fixed for the process)."""
    environment = os.environ.get("AWS_EXECUTION_ENV") or "local"
    return (
        f"Boto3/{boto3.__version__} md/Botocore#{botocore.__version__} ua/2.1 "
        f"lang/python#{platform.python_version()} exec-env/{environment} app/{PRODUCT}"
    )


#: Retries, timeouts and the pool (a list page reads every write shard at once: storage.orders).
BASE_OPTIONS: dict[str, Any] = {
    "retries": {"mode": "standard", "max_attempts": 3},
    "connect_timeout": 2,
    "read_timeout": 5,
    "max_pool_connections": 16,
}
CLIENT_CONFIG = Config(**BASE_OPTIONS, user_agent=user_agent(), parameter_validation=False)
