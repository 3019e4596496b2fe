"""Per-tenant plans under `make serve` (ORDERS_TENANT_PLANS): the local gateway gives each tenant the
authorizer names its own token bucket, as the template's usage plans do on AWS, and answers a tenant
over its plan with the template's THROTTLED response (429 `rate_limited`, `Retry-After`), while the
other tenants' requests go on."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from local.gateway import (
    TENANT_PLANS_ENV,
    Gateway,
    TenantPlan,
    TenantThrottle,
    parse_tenant_plans,
)
from local.tables import load_template
from tests.helpers import TEMPLATE, seed_key

KEY_A, KEY_B = "tenant-a-reader-key", "tenant-b-reader-key"
READ_A, READ_B = "/orders/tenant-a/refund-reasons", "/orders/tenant-b/refund-reasons"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# ---------------------------------------------------------------------------- ORDERS_TENANT_PLANS
@pytest.mark.parametrize(
    ("spec", "plans"),
    [
        (
            "tenantA=10/20,tenantB=1000/2000",
            {"tenantA": TenantPlan(10, 20), "tenantB": TenantPlan(1000, 2000)},
        ),
        (" tenantA = 0.5/1 , ", {"tenantA": TenantPlan(0.5, 1)}),
        ("big=5000/5000,*=100/200", {"big": TenantPlan(5000, 5000), "*": TenantPlan(100, 200)}),
        ("", {}),
        (" , ", {}),
    ],
)
def test_given_orders_tenant_plans_when_read_then_each_tenant_has_its_rate_and_burst(
    spec: str, plans: dict[str, TenantPlan]
) -> None:
    assert parse_tenant_plans(spec) == plans


@pytest.mark.parametrize(
    "entry",
    ["tenantA=10", "tenantA", "=10/20", "tenantA=0/20", "tenantA=-1/20", "tenantA=10/0", "tenantA=ten/20",
     "tenantA=10/2.5", "tenantA=inf/20", "tenantA=nan/20", "tenantA=10/20,tenantA=5/5"],
)  # fmt: skip
def test_given_a_plan_that_is_not_tenant_rate_burst_when_read_then_it_is_refused_naming_it(
    entry: str,
) -> None:
    with pytest.raises(ValueError, match=TENANT_PLANS_ENV) as refused:
        parse_tenant_plans(entry)
    assert entry.split(",")[-1] in str(refused.value)


# ---------------------------------------------------------------------------- the token bucket
def test_given_a_plan_when_a_tenant_sends_then_it_has_its_burst_at_once_and_its_rate_after() -> None:
    clock = Clock()
    throttle = TenantThrottle({"t": TenantPlan(rate=2, burst=3)}, clock=clock)
    # GIVEN a full bucket: the burst goes through at once
    assert [throttle.admit("t") for _ in range(3)] == [None, None, None]
    # WHEN one more comes at the same moment THEN it waits for the next token: 1 / rate
    assert throttle.admit("t") == pytest.approx(0.5)
    # a refused request takes nothing: half a second later exactly one goes through
    clock.advance(0.5)
    assert throttle.admit("t") is None
    assert throttle.admit("t") == pytest.approx(0.5)
    # and an idle tenant's bucket fills up to its burst, never beyond
    clock.advance(60)
    assert [throttle.admit("t") for _ in range(4)][-2:] == [None, pytest.approx(0.5)]


def test_given_plans_then_each_tenant_has_its_own_bucket_and_a_tenant_without_one_is_never_throttled() -> (
    None
):
    clock = Clock()
    throttle = TenantThrottle({"a": TenantPlan(1, 1), "*": TenantPlan(1, 2)}, clock=clock)
    assert throttle.admit("a") is None
    assert throttle.admit("a") is not None
    # `*`: every tenant not named, each with a bucket of its own
    assert [throttle.admit("b") for _ in range(3)] == [None, None, pytest.approx(1.0)]
    assert [throttle.admit("c") for _ in range(2)] == [None, None]
    # no plan at all: not throttled; and a request naming no tenant never is
    assert all(TenantThrottle({"a": TenantPlan(1, 1)}, clock=clock).admit("b") is None for _ in range(50))
    assert all(throttle.admit("") is None for _ in range(50))


# ---------------------------------------------------------------------------- through the gateway
@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def keys(tables: dict[str, str]) -> None:
    seed_key("tenant-a", KEY_A, ["orders:read"])
    seed_key("tenant-b", KEY_B, ["orders:read"])


def get(gateway: Gateway, path: str, key: str) -> tuple[int, dict[str, str], Any]:
    status, headers, body = gateway.handle("GET", path, {"Authorization": key})
    return status, headers, json.loads(body)


def throttled_problem(request_id: str) -> Any:
    """The template's THROTTLED gateway response body for this request, as API Gateway renders it."""
    resources = load_template(TEMPLATE)["Resources"]
    (response,) = [r for r in resources.values() if r["Properties"].get("ResponseType") == "THROTTLED"]
    text = response["Properties"]["ResponseTemplates"]["application/json"]
    return json.loads(text.replace("$context.requestId", request_id))


@pytest.mark.usefixtures("keys")
def test_given_tenant_a_over_its_plan_then_it_gets_429_problems_while_tenant_b_keeps_succeeding(
    clock: Clock,
) -> None:
    # GIVEN tenant A on a plan of 1 request a second, burst 2; tenant B on a large one
    gateway = Gateway(
        TEMPLATE, tenant_plans={"tenant-a": TenantPlan(1, 2), "tenant-b": TenantPlan(1000, 2000)}, clock=clock
    )
    # WHEN A sends its burst and more in the same second
    first = [get(gateway, READ_A, KEY_A)[0] for _ in range(2)]
    refused = [get(gateway, READ_A, KEY_A) for _ in range(3)]
    # THEN the burst is served and the rest are the template's 429 problem, with Retry-After
    assert first == [200, 200]
    for status, headers, body in refused:
        assert status == 429
        assert headers["Content-Type"] == "application/problem+json"
        assert headers["Retry-After"] == "1"
        assert body == throttled_problem(headers["x-request-id"])
        assert (body["code"], body["status"]) == ("rate_limited", 429)
    # AND B's requests, in that same second, all go through
    assert [get(gateway, READ_B, KEY_B)[0] for _ in range(20)] == [200] * 20
    # AND once a second has passed A has a token again (one: its rate)
    clock.advance(1)
    assert [get(gateway, READ_A, KEY_A)[0] for _ in range(2)] == [200, 429]


@pytest.mark.usefixtures("keys")
def test_given_a_request_the_authorizer_refuses_then_it_takes_none_of_the_tenants_plan(clock: Clock) -> None:
    gateway = Gateway(TEMPLATE, tenant_plans={"tenant-a": TenantPlan(1, 1)}, clock=clock)
    # GIVEN unknown keys and a key of another tenant on A's route (401, 403: no tenant to count them for)
    for key in ("not-a-key", "not-a-key-either", KEY_B):
        assert get(gateway, READ_A, key)[0] in (401, 403)
    # THEN A's one token is still there
    assert get(gateway, READ_A, KEY_A)[0] == 200
    assert get(gateway, READ_A, KEY_A)[0] == 429


@pytest.mark.usefixtures("keys")
def test_given_orders_tenant_plans_in_the_environment_then_a_gateway_built_without_plans_honours_it(
    monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    # GIVEN make serve's variable (the gateway make serve and the harness build reads it)
    monkeypatch.setenv(TENANT_PLANS_ENV, "tenant-a=1/1")
    gateway = Gateway(TEMPLATE, clock=clock)
    assert [get(gateway, READ_A, KEY_A)[0] for _ in range(2)] == [200, 429]
    assert [get(gateway, READ_B, KEY_B)[0] for _ in range(5)] == [200] * 5


@pytest.mark.usefixtures("keys")
def test_given_no_orders_tenant_plans_then_no_request_is_throttled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TENANT_PLANS_ENV, raising=False)
    gateway = Gateway(TEMPLATE, clock=Clock())
    assert {get(gateway, READ_A, KEY_A)[0] for _ in range(30)} == {200}


# ---------------------------------------------------------------------------- over HTTP
@pytest.fixture
def server(keys: None, clock: Clock) -> Iterator[int]:
    gateway = Gateway(TEMPLATE, tenant_plans={"tenant-a": TenantPlan(1, 1)}, clock=clock)
    httpd = gateway.make_server("127.0.0.1", 0)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def http_get(port: int, path: str, key: str) -> tuple[int, dict[str, str], Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Authorization": key})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read())
    finally:
        connection.close()


def test_over_http_a_tenant_over_its_plan_gets_the_429_problem_and_another_tenant_does_not(
    server: int,
) -> None:
    assert http_get(server, READ_A, KEY_A)[0] == 200
    status, headers, body = http_get(server, READ_A, KEY_A)
    assert (status, headers["Retry-After"], body["code"]) == (429, "1", "rate_limited")
    assert body["instance"] == headers["x-request-id"]
    assert [http_get(server, READ_B, KEY_B)[0] for _ in range(3)] == [200, 200, 200]


def test_given_a_malformed_orders_tenant_plans_then_make_serve_stops_at_once_saying_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from local import serve

    monkeypatch.setenv(TENANT_PLANS_ENV, "tenant-a=fast")
    # (before it touches DynamoDB: the endpoint is never called)
    with pytest.raises(SystemExit, match=f"{TENANT_PLANS_ENV}: 'tenant-a=fast'"):
        serve._serve("http://127.0.0.1:9", 0)
