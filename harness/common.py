"""What the proof harness shares: the whole API running as `make serve` runs it (`make fuzz`,
`make reliability`), and a canned answer body for botocore hooks that answer in place of a service.

DynamoDB Local in its own process (in memory), fresh tables from template.yaml, API keys for the
given tenants, and the local gateway (authorizer and every function) on a free loopback port.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class RunningApi:
    base_url: str
    #: A DynamoDB client of our own, for reading what the API wrote (never used by the API).
    admin: Any
    tables: dict[str, str]
    gateway: Any


@contextmanager
def running_api(prefix: str, keys: dict[str, str]) -> Iterator[RunningApi]:
    """The API on DynamoDB Local; `keys` maps each API key to its tenant (all scopes)."""
    import boto3

    from local import serve
    from local.dynamodb_local import DynamoDBLocal, free_port
    from local.tables import create_tables

    serve._configure_environment()
    suffix = uuid.uuid4().hex[:8]
    tables = {
        "OrdersTable": f"{prefix}-orders-{suffix}",
        "IdempotencyTable": f"{prefix}-idempotency-{suffix}",
    }
    os.environ["ORDERS_TABLE_NAME"] = tables["OrdersTable"]
    os.environ["IDEMPOTENCY_TABLE_NAME"] = tables["IdempotencyTable"]
    with DynamoDBLocal(ROOT) as ddb:
        assert ddb.endpoint_url is not None
        os.environ["DYNAMODB_ENDPOINT_URL"] = ddb.endpoint_url
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = ddb.endpoint_url
        admin = boto3.client("dynamodb", endpoint_url=ddb.endpoint_url)
        create_tables(admin, tables, ROOT / "template.yaml")

        from orders_domain.http.auth import store_api_key
        from orders_domain.runtime import wiring

        from local.gateway import Gateway

        wiring.reset()
        for key, tenant in keys.items():
            store_api_key(wiring.current().api_keys, tenant, key, [])
        gateway = Gateway(ROOT / "template.yaml")
        server = gateway.make_server("127.0.0.1", free_port())
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield RunningApi(f"http://127.0.0.1:{server.server_address[1]}", admin, tables, gateway)
        finally:
            server.shutdown()
            server.server_close()


class CannedBody:
    """The raw body of an `AWSResponse` a botocore hook returns instead of sending the request."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body
