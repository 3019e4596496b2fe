"""`make serve` end to end: the real runner as a subprocess, real HTTP, DynamoDB Local, a restart."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local.dynamodb_local import free_port
from tests.helpers import ROOT

KEYS = "tenant-a:key-a-0123456789,tenant-b:key-b-0123456789,tenant-a:key-a-readonly:orders:read"
ORDER = {"line_items": [{"description": "ADULT Ticket", "quantity": 2, "unit_price": 13.75}]}


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


class Server:
    def __init__(self, data_dir: Path, keys: str | None = KEYS, path: str | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DYNAMODB_", "ORDERS_"))}
        env.update(ORDERS_PORT=str(self.port), ORDERS_DATA_DIR=str(data_dir))
        if keys is not None:
            env["ORDERS_API_KEYS"] = keys
        if path is not None:
            env["PATH"] = path
        self.log = data_dir.parent / f"serve-{self.port}.log"
        self._log_file = self.log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local.serve"],
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while "Ctrl-C to stop" not in self.output():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"make serve did not start:\n{self.output()}")
            time.sleep(0.2)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()

    def request(self, method: str, path: str, body: Any = None, **headers: str) -> Reply:
        data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else None)
        if data is not None:
            headers.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - loopback
                raw, status, got = resp.read(), resp.status, dict(resp.headers)
        except urllib.error.HTTPError as error:
            raw, status, got = error.read(), error.code, dict(error.headers)
        return Reply(status, {k.lower(): v for k, v in got.items()}, json.loads(raw) if raw.strip() else None)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "local-data"


@pytest.fixture
def server(data_dir: Path) -> Iterator[Server]:
    running = Server(data_dir)
    yield running
    running.stop()


def test_serve_prints_a_working_key_and_answers_create_and_get(server: Server) -> None:
    # GIVEN the keys the runner printed
    printed = dict(
        re.findall(
            r"API key for tenant (\S+) \(orders:read orders:write orders:admin\): (\S+)", server.output()
        )
    )
    assert printed["tenant-b"] == "key-b-0123456789"
    # WHEN an order is created and read back over HTTP
    created = server.request("POST", "/orders/tenant-a", ORDER, **{"x-api-key": "key-a-0123456789"})
    assert created.status == 201, created.body
    location = created.headers["location"]
    fetched = server.request("GET", location, Authorization="key-a-0123456789")
    # THEN both carry the order and the gateway's request id
    assert fetched.status == 200
    assert fetched.body == created.body
    assert created.body["total"] == 27.5
    assert fetched.headers["x-request-id"]
    assert fetched.headers["etag"] == '"1"'


def test_gateway_errors_are_problem_details(server: Server) -> None:
    no_key = server.request("GET", "/orders/tenant-a/x")
    other_tenant = server.request("GET", "/orders/tenant-a/x", Authorization="key-b-0123456789")
    read_only = server.request("POST", "/orders/tenant-a", ORDER, Authorization="key-a-readonly")
    unknown_route = server.request("GET", "/nothing/here", Authorization="key-a-0123456789")
    trace = server.request("TRACE", "/orders/tenant-a", Authorization="key-a-0123456789")
    not_utf8 = server.request(
        "POST",
        "/orders/tenant-a",
        b'{"line_items": [{"quantity": 1, "unit_price": 1}], "memo": "\xff\xfe"}',
        Authorization="key-a-0123456789",
    )
    too_large = server.request(
        "POST", "/orders/tenant-a", b"x" * (6 * 1024 * 1024 + 1), Authorization="key-a-0123456789"
    )
    for reply, status in (
        (no_key, 401),
        (other_tenant, 403),
        (read_only, 403),
        (unknown_route, 404),
        (trace, 404),
        (not_utf8, 400),
        (too_large, 413),
    ):
        assert reply.status == status
        assert reply.headers["content-type"] == "application/problem+json"
        assert reply.body["status"] == status
        assert reply.body["instance"] == reply.headers["x-request-id"]
    assert not_utf8.body["errors"] == [{"field": "body", "error": "is not UTF-8"}]


MALFORMED = [
    (b"GET / HTTP/2.0\r\n\r\n", 505),
    (b"\x16\x03\x01\x00\xa5\x01\x00", 400),  # a TLS ClientHello on the plain-HTTP port
    (b"GET /" + b"a" * 11_000 + b" HTTP/1.1\r\n\r\n", 414),
    (b"POST /orders/tenant-a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
]


def test_given_make_serve_when_requests_are_malformed_then_each_gets_a_status_line_and_a_problem(
    server: Server,
) -> None:
    for raw, status in MALFORMED:
        # GIVEN the runner's gateway WHEN a malformed request arrives over a raw socket
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(raw)
            response = http.client.HTTPResponse(sock)
            response.begin()
            problem = json.loads(response.read())
        # THEN the answer is an HTTP/1.1 status line with the template's problem body
        assert (response.status, problem["status"]) == (status, status), raw[:40]
        assert response.getheader("Content-Type") == "application/problem+json"
        assert problem["instance"] == response.getheader("x-request-id")


def test_openapi_and_swagger_are_served(server: Server) -> None:
    document = server.request("GET", "/openapi.json")
    assert document.status == 200
    assert "/orders/{tenantId}" in document.body["paths"]
    with urllib.request.urlopen(server.url + "/swagger", timeout=10) as resp:  # noqa: S310 - loopback
        assert b"openapi.json" in resp.read()


def test_concurrent_identical_creates_over_http_make_one_order(server: Server) -> None:
    headers = {"Authorization": "key-a-0123456789", "Idempotency-Key": '"http-race"'}
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(
            pool.map(lambda _: server.request("POST", "/orders/tenant-a", ORDER, **headers), range(8))
        )
    assert {r.status for r in replies} <= {201, 409}
    ids = {r.body["id"] for r in replies if r.status == 201}
    assert len(ids) == 1
    later = server.request("POST", "/orders/tenant-a", ORDER, **headers)
    assert later.body["id"] in ids
    assert later.headers["idempotent-replayed"] == "true"


def test_data_survives_a_restart(data_dir: Path) -> None:
    # GIVEN an order created on a running server
    first = Server(data_dir)
    try:
        created = first.request("POST", "/orders/tenant-a", ORDER, Authorization="key-a-0123456789")
        assert created.status == 201
    finally:
        first.stop()
    # WHEN the server is started again on the same data folder
    second = Server(data_dir)
    try:
        fetched = second.request(
            "GET", f"/orders/tenant-a/{created.body['id']}", Authorization="key-a-0123456789"
        )
        numbered = second.request("POST", "/orders/tenant-a", ORDER, Authorization="key-a-0123456789")
    finally:
        second.stop()
    # THEN the order is still there and numbering goes on
    assert fetched.status == 200
    assert fetched.body == created.body
    assert numbered.body["number"] == created.body["number"] + 1


def test_printed_dev_key_works_and_stays_the_same_after_a_restart(data_dir: Path) -> None:
    # GIVEN make serve started with no keys configured
    first = Server(data_dir, keys=None)
    try:
        printed = re.findall(
            r"API key for tenant dev-tenant \(orders:read orders:write orders:admin\): (\S+)", first.output()
        )
        assert len(printed) == 1, first.output()
        dev_key = printed[0]
        # WHEN the printed key is used to create an order
        created = first.request("POST", "/orders/dev-tenant", ORDER, Authorization=dev_key)
        assert created.status == 201, created.body
    finally:
        first.stop()
    # THEN after a restart the same key is printed and still reads the order
    second = Server(data_dir, keys=None)
    try:
        assert f"): {dev_key}" in second.output()
        fetched = second.request("GET", f"/orders/dev-tenant/{created.body['id']}", Authorization=dev_key)
    finally:
        second.stop()
    assert fetched.status == 200
    assert fetched.body == created.body


def test_without_java_serve_falls_back_to_moto_and_still_answers(data_dir: Path, tmp_path: Path) -> None:
    # GIVEN a PATH on which there is no java
    server = Server(data_dir, path=str(tmp_path / "empty-bin"))
    try:
        # THEN the runner says so and serves on an in-process moto server
        assert "in-memory moto server" in server.output()
        assert "no java on PATH" in server.output()
        created = server.request("POST", "/orders/tenant-a", ORDER, Authorization="key-a-0123456789")
        fetched = server.request(
            "GET", f"/orders/tenant-a/{created.body['id']}", Authorization="key-a-0123456789"
        )
    finally:
        server.stop()
    assert created.status == 201
    assert fetched.body == created.body


def test_given_make_serve_when_an_order_is_created_then_its_history_and_event_follow_within_two_seconds(
    server: Server,
) -> None:
    # GIVEN the runner's stream consumer (DynamoDB Local's stream -> OrderStreamFunction)
    assert f"GET {server.url}/_local/events" in server.output()
    # WHEN an order is created over HTTP
    created = server.request("POST", "/orders/tenant-a", ORDER, Authorization="key-a-0123456789")
    answered = time.monotonic()
    assert created.status == 201, created.body
    order_id = created.body["id"]
    # THEN its history holds the creation within 2 seconds of the create's response
    history_path = f"/orders/tenant-a/{order_id}/history"
    while True:
        history = server.request("GET", history_path, Authorization="key-a-0123456789")
        seen = time.monotonic()
        assert history.status == 200, history.body
        if history.body["Count"]:
            break
        assert seen - answered < 2.0, f"no history entry within 2 s:\n{server.output()}"
        time.sleep(0.05)
    assert seen - answered < 2.0
    assert [(item["sys_version"], item["event"]) for item in history.body["Items"]] == [(1, "OrderCreated")]
    # AND the local event sink shows the order's event to its tenant's key, and to no one else
    events = server.request("GET", "/_local/events", Authorization="key-a-0123456789")
    assert events.status == 200
    mine = [event for event in events.body["Items"] if event["detail"]["order_id"] == order_id]
    assert [(event["detail-type"], event["detail"]["sys_version"]) for event in mine] == [("OrderCreated", 1)]
    other_tenant = server.request("GET", "/_local/events", Authorization="key-b-0123456789")
    assert other_tenant.status == 200
    assert not [event for event in other_tenant.body["Items"] if event["detail"]["tenant_id"] != "tenant-b"]
    no_key = server.request("GET", "/_local/events")
    assert no_key.status == 401
    assert no_key.body["code"] == "unauthorized"


def test_given_make_serve_the_catalogue_routes_and_a_reserving_create_answer_over_http(
    server: Server,
) -> None:
    # GIVEN a product put through the catalogue function, behind the same gateway and authorizer
    admin = {"x-api-key": "key-a-0123456789"}
    product = {"name": "Gala", "unit_price": 40, "currency_code": "USD", "stock": 1, "offer_kind": "deal"}
    put = server.request("PUT", "/orders/tenant-a/catalogue/products/ticket/gala", product, **admin)
    assert put.status == 200, put.body
    # WHEN the literal catalogue paths are asked for beside the order routes ({id})
    listed = server.request("GET", "/orders/tenant-a/catalogue/products", **admin)
    assert (listed.status, listed.body["Count"]) == (200, 1)
    assert server.request("GET", "/orders/tenant-a/catalogue/settings", **admin).body == {"strict": False}
    # THEN an order naming the product takes its price and its one unit, and issues a voucher
    line = {"product_type": "ticket", "product_id": "gala", "quantity": 1}
    created = server.request("POST", "/orders/tenant-a", {"line_items": [line]}, **admin)
    assert created.status == 201, created.body
    assert created.body["total"] == 40
    assert [v["status"] for v in created.body["line_items"][0]["vouchers"]] == ["active"]
    sold_out = server.request("POST", "/orders/tenant-a", {"line_items": [line]}, **admin)
    assert (sold_out.status, sold_out.body["code"]) == (409, "sold_out")
    # AND a read-only key may read the catalogue but not change it; another tenant sees nothing
    reader = {"x-api-key": "key-a-readonly"}
    assert server.request("GET", "/orders/tenant-a/catalogue/products/ticket/gala", **reader).status == 200
    assert (
        server.request("PUT", "/orders/tenant-a/catalogue/products/ticket/gala", product, **reader).status
        == 403
    )
    other = {"x-api-key": "key-b-0123456789"}
    assert server.request("GET", "/orders/tenant-b/catalogue/products/ticket/gala", **other).status == 404
