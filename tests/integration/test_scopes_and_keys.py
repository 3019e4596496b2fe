"""Scopes through the local gateway, and keys made and revoked the way an operator does (DynamoDB Local)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from typing import Any

import pytest
from orders_domain.runtime import wiring

from local.gateway import Gateway, Route
from tests.helpers import ROOT, TEMPLATE, seed_key

ORDER = {"line_items": [{"description": "Ticket", "quantity": 1, "unit_price": 10}]}


@pytest.fixture
def gateway(tables: dict[str, str]) -> Gateway:
    gw = Gateway(TEMPLATE)
    # An admin route of a later issue (void), served here by an existing function: the authorizer
    # must refuse a write key before any function runs.
    gw.routes.append(
        Route(
            method="POST",
            path="/orders/{tenantId}/void/{id}",
            module="functions.get_order.app",
            handler="lambda_handler",
            function_id="GetOrderFunction",
        )
    )
    gw.routes.sort(key=lambda r: r.specificity, reverse=True)
    return gw


def call(gw: Gateway, method: str, path: str, key: str, body: Any = None) -> tuple[int, Any]:
    status, _headers, raw = gw.handle(
        method,
        path,
        {"Authorization": key, "Content-Type": "application/json"},
        json.dumps(body).encode() if body is not None else None,
    )
    return status, json.loads(raw) if raw else None


def test_a_read_only_key_can_preview_but_not_create(gateway: Gateway) -> None:
    seed_key("tenant-a", "read-only-key", ["orders:read"])
    status, body = call(gateway, "POST", "/orders/tenant-a/preview", "read-only-key", ORDER)
    assert status == 200, body
    assert body["order"]["total"] == 10
    status, body = call(gateway, "POST", "/orders/tenant-a", "read-only-key", ORDER)
    assert status == 403
    assert body["code"] == "forbidden"


def test_a_write_key_cannot_call_an_admin_route(gateway: Gateway) -> None:
    seed_key("tenant-a", "write-key", ["orders:read", "orders:write"])
    seed_key("tenant-a", "admin-key", ["orders:admin"])
    status, body = call(gateway, "POST", "/orders/tenant-a/void/some-order", "write-key")
    assert status == 403
    assert body["code"] == "forbidden"
    # an admin key passes the authorizer (the stand-in function then has no such route: 404)
    status, _ = call(gateway, "POST", "/orders/tenant-a/void/some-order", "admin-key")
    assert status == 404


def make(
    target: str, tables: dict[str, str], endpoint: str, **variables: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERS_", "DYNAMODB_"))}
    env.update(ORDERS_TABLE_NAME=tables["OrdersTable"], DYNAMODB_ENDPOINT_URL=endpoint)
    args = [f"{name}={value}" for name, value in variables.items()]
    return subprocess.run(  # noqa: S603
        ["make", "--no-print-directory", target, f"PYTHON={sys.executable}", *args],  # noqa: S607
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_make_api_key_creates_a_working_key_stored_as_a_hash_and_revoke_stops_it(
    gateway: Gateway, tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    # WHEN an operator creates a read key
    made = make("api-key", tables, dynamodb_endpoint, TENANT="tenant-a", SCOPES="orders:read")
    assert made.returncode == 0, made.stderr
    key = re.search(r"^API key: (\S+)$", made.stdout, re.MULTILINE)
    key_id = re.search(r"^key id:  (key_\w+)", made.stdout, re.MULTILINE)
    assert key, made.stdout
    assert key_id, made.stdout
    # THEN it reads (a missing order is a 404, not a 401/403) and cannot write
    assert call(gateway, "GET", "/orders/tenant-a/no-such-order", key[1])[0] == 404
    assert call(gateway, "POST", "/orders/tenant-a", key[1], ORDER)[0] == 403
    # AND the table holds its hash, never the key
    items = wiring.current().dynamodb.scan(TableName=tables["OrdersTable"])["Items"]
    assert key[1] not in str(items)
    # WHEN it is revoked
    revoked = make("revoke-api-key", tables, dynamodb_endpoint, KEY_ID=key_id[1])
    assert revoked.returncode == 0, revoked.stderr
    # THEN a warm authorizer honours it at most for its cache time, and a fresh one refuses it
    assert call(gateway, "GET", "/orders/tenant-a/no-such-order", key[1])[0] == 404
    wiring.reset()
    assert call(gateway, "GET", "/orders/tenant-a/no-such-order", key[1])[0] == 401


def test_make_api_key_refuses_bad_input(tables: dict[str, str], dynamodb_endpoint: str) -> None:
    # (make exits 2 whenever a recipe fails; the tool's own message says why)
    no_tenant = make("api-key", tables, dynamodb_endpoint)
    assert no_tenant.returncode != 0
    assert "usage: make api-key" in no_tenant.stdout
    bad_scope = make("api-key", tables, dynamodb_endpoint, TENANT="tenant-a", SCOPES="orders:all")
    assert bad_scope.returncode != 0
    assert "unknown scopes" in bad_scope.stderr
    unknown = make("revoke-api-key", tables, dynamodb_endpoint, KEY_ID="key_000000000000")
    assert unknown.returncode != 0
    assert "no key with id key_000000000000" in unknown.stderr
