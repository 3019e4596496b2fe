"""`make api-key` grants reading unless told otherwise and puts the tenant in a usage plan; `make serve`
never revives a revoked key."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import boto3
import pytest
from orders_domain.http.auth import hash_key, key_id_of
from orders_domain.runtime import wiring

from local.api_keys import PLAN_OUTPUTS, gateway_key_name
from tests.helpers import ROOT, invoke, load_event, with_headers

STACK = "orders-test"


@pytest.fixture
def plan_ids(tables: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The deployed stack `make api-key` reads (moto): its usage plans, named by its outputs as
    template.yaml names them (and its table, ORDERS_TABLE_NAME, is the test's)."""
    monkeypatch.setenv("STACK", STACK)
    monkeypatch.delenv("PLAN", raising=False)
    apigateway = boto3.client("apigateway", region_name="us-east-1")
    ids = {plan: apigateway.create_usage_plan(name=f"{STACK}-{plan}")["id"] for plan in PLAN_OUTPUTS}
    template = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {PLAN_OUTPUTS[plan]: {"Value": plan_id} for plan, plan_id in ids.items()},
    }
    boto3.client("cloudformation", region_name="us-east-1").create_stack(
        StackName=STACK, TemplateBody=json.dumps(template)
    )
    return ids


pytestmark = pytest.mark.usefixtures("tables", "plan_ids")


def make_api_key(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`python -m local.api_keys create ...`: (exit code, what it printed, the new key or "")."""
    from local import api_keys

    code = api_keys.main(["create", *args])
    printed = capsys.readouterr().out
    key = next((line.split(": ", 1)[1] for line in printed.splitlines() if line.startswith("API key:")), "")
    return code, printed, key


def gateway_keys() -> dict[str, dict[str, Any]]:
    """API Gateway's keys by name, with their values."""
    items = boto3.client("apigateway", region_name="us-east-1").get_api_keys(includeValues=True)["items"]
    return {str(key["name"]): dict(key) for key in items}


def plans_of(key_id: str) -> set[str]:
    apigateway = boto3.client("apigateway", region_name="us-east-1")
    return {str(plan["id"]) for plan in apigateway.get_usage_plans(keyId=key_id)["items"]}


def test_given_no_scopes_when_an_operator_creates_a_key_then_it_can_only_read(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from local import api_keys

    # WHEN `make api-key TENANT=acme` runs (SCOPES empty)
    assert api_keys.main(["create", "--tenant", "acme", "--scopes", ""]) == 0
    # THEN the key stored has orders:read only, and the operator is told so
    printed = capsys.readouterr().out
    assert "scopes:  orders:read\n" in printed
    key = next(line.split(": ", 1)[1] for line in printed.splitlines() if line.startswith("API key:"))
    record = wiring.current().api_keys.get(hash_key(key))
    assert record is not None
    assert record.scopes == ("orders:read",)
    assert record.tenant_id == "acme"


def test_given_scopes_when_an_operator_creates_a_key_then_it_has_exactly_those(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from local import api_keys

    assert api_keys.main(["create", "--tenant", "acme", "--scopes", "orders:read orders:write"]) == 0
    assert "scopes:  orders:read orders:write\n" in capsys.readouterr().out


def test_given_a_revoked_dev_key_when_make_serve_starts_again_then_it_stays_revoked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from local import serve

    monkeypatch.setenv("ORDERS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ORDERS_API_KEYS", raising=False)
    # GIVEN make serve seeded its dev key, and the key was then revoked
    ((tenant, key, _, active),) = serve._seed_api_keys()
    assert (tenant, active) == (serve.DEV_TENANT, True)
    store = wiring.current().api_keys
    assert store.revoke(key_id_of(key))
    # WHEN make serve starts again with the same data
    (again,) = serve._seed_api_keys()
    # THEN the key is still revoked, and make serve knows it (it does not print it as working)
    record = store.get(hash_key(key))
    assert record is not None
    assert record.active is False
    assert again.key == key
    assert again.active is False


def test_given_an_existing_dev_key_when_make_serve_starts_again_then_it_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from orders_domain.http import auth

    from local import serve

    monkeypatch.setenv("ORDERS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ORDERS_API_KEYS", raising=False)
    # GIVEN make serve seeded its dev key once
    serve._seed_api_keys()
    stored: list[str] = []
    real = auth.store_api_key

    def spy(*args: Any) -> Any:
        stored.append(args[1])
        return real(*args)

    monkeypatch.setattr(auth, "store_api_key", spy)
    # WHEN it starts again
    (again,) = serve._seed_api_keys()
    # THEN the key is only created when it does not exist: nothing is written over it
    assert stored == []
    assert again.active is True


def test_given_orders_api_keys_with_new_scopes_when_make_serve_starts_again_then_the_active_key_takes_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from local import serve

    # GIVEN a key seeded from ORDERS_API_KEYS with every scope
    monkeypatch.setenv("ORDERS_API_KEYS", "tenant-x:seeded-key-1")
    serve._seed_api_keys()
    # WHEN the operator narrows it to reading and restarts
    monkeypatch.setenv("ORDERS_API_KEYS", "tenant-x:seeded-key-1:orders:read")
    serve._seed_api_keys()
    # THEN the stored key has the scopes the variable now gives
    record = wiring.current().api_keys.get(hash_key("seeded-key-1"))
    assert record is not None
    assert record.scopes == ("orders:read",)


# ------------------------------------------------------------------ the caller's region
@pytest.mark.parametrize(
    ("environ", "profile", "region"),
    [
        ({"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-west-2"}, "ap-south-1", "eu-west-1"),
        ({"AWS_DEFAULT_REGION": "us-west-2"}, "ap-south-1", "us-west-2"),
        ({"AWS_REGION": "", "AWS_DEFAULT_REGION": ""}, "ap-south-1", "ap-south-1"),
        ({}, None, "us-east-1"),
    ],
)
def test_given_the_callers_settings_when_make_api_key_picks_a_region_then_us_east_1_is_only_the_fallback(
    environ: dict[str, str], profile: str | None, region: str
) -> None:
    from local.api_keys import caller_region

    # GIVEN the caller's environment and AWS profile WHEN the tool picks its region
    # THEN it is theirs, in AWS's order, and us-east-1 only when they name none
    assert caller_region(environ, lambda: profile) == region


@pytest.mark.parametrize("target", ["api-key", "revoke-api-key"])
@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"AWS_REGION": "eu-west-1"}, "AWS_DEFAULT_REGION=eu-west-1 "),
        ({"AWS_DEFAULT_REGION": "ap-south-1"}, "AWS_DEFAULT_REGION=ap-south-1 "),
        ({}, "env -u AWS_DEFAULT_REGION "),
    ],
)
def test_given_the_callers_region_when_make_runs_the_key_tool_then_it_is_passed_on_not_forced(
    target: str, environ: dict[str, str], expected: str
) -> None:
    # GIVEN a caller's environment with (or without) a region
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION", "MAKEFLAGS")}
    env.update(environ)
    # WHEN make shows the command it would run (-n: nothing runs)
    out = subprocess.run(  # noqa: S603 - make, with fixed arguments
        ["make", "-n", "--no-print-directory", target, "TENANT=acme", "KEY_ID=key_0123456789ab"],  # noqa: S607
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    # THEN the tool runs in the caller's region, or with none forced (it falls back itself)
    (command,) = [line for line in out.stdout.splitlines() if "local.api_keys" in line]
    assert command.startswith(expected), command
    assert "us-east-1" not in command


# ------------------------------------------------------------------ usage plans
def test_given_a_deployed_stack_when_a_key_is_made_then_its_tenant_is_in_the_standard_plan_by_its_own_key(
    capsys: pytest.CaptureFixture[str], plan_ids: dict[str, str]
) -> None:
    # WHEN `make api-key TENANT=acme` runs against the stack (no PLAN)
    code, printed, key = make_api_key(capsys, "--tenant", "acme")
    assert code == 0
    assert "plan:    standard\n" in printed
    # THEN the tenant has one API Gateway key, enabled, in the standard plan only
    gateway_key = gateway_keys()[gateway_key_name(STACK, "acme")]
    assert gateway_key["enabled"] is True
    assert plans_of(gateway_key["id"]) == {plan_ids["standard"]}
    # AND the key record holds its value, so the authorizer answers it with the key's tenant
    record = wiring.current().api_keys.get(hash_key(key))
    assert record is not None
    assert (record.plan, record.usage_key) == ("standard", gateway_key["value"])
    event = with_headers(load_event("authorizer.json"), **{"x-api-key": key})
    event["httpMethod"], event["resource"] = "GET", "/orders/{tenantId}/{id}"
    event["path"], event["pathParameters"] = "/orders/acme/o-1", {"tenantId": "acme", "id": "o-1"}
    assert invoke("authorizer", event)["usageIdentifierKey"] == gateway_key["value"]


def test_given_a_tenant_on_the_standard_plan_when_a_key_is_made_with_plan_large_then_the_tenant_moves(
    capsys: pytest.CaptureFixture[str], plan_ids: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, first = make_api_key(capsys, "--tenant", "acme")
    # WHEN `make api-key TENANT=acme PLAN=large` (make passes PLAN in the environment)
    monkeypatch.setenv("PLAN", "large")
    code, printed, second = make_api_key(capsys, "--tenant", "acme")
    monkeypatch.delenv("PLAN")
    assert code == 0
    assert "plan:    large\n" in printed
    # THEN the tenant keeps its one gateway key, now in the large plan and out of the standard one
    (gateway_key,) = gateway_keys().values()
    assert plans_of(gateway_key["id"]) == {plan_ids["large"]}
    # AND both of its keys name that gateway key: the tenant's older keys count against the new plan too
    store = wiring.current().api_keys
    records = [store.get(hash_key(key)) for key in (first, second)]
    assert [r.usage_key for r in records if r] == [gateway_key["value"]] * 2
    # AND making a key on the plan it is already in changes no plan
    assert make_api_key(capsys, "--tenant", "acme", "--plan", "large")[0] == 0
    assert plans_of(gateway_key["id"]) == {plan_ids["large"]}


def test_given_tenants_whose_names_share_a_prefix_then_each_has_its_own_gateway_key(
    capsys: pytest.CaptureFixture[str], plan_ids: dict[str, str]
) -> None:
    # (API Gateway's name query matches prefixes: acme's key must not be taken for acme-2's)
    make_api_key(capsys, "--tenant", "acme-2", "--plan", "large")
    make_api_key(capsys, "--tenant", "acme")
    keys = gateway_keys()
    assert set(keys) == {gateway_key_name(STACK, "acme"), gateway_key_name(STACK, "acme-2")}
    assert plans_of(keys[gateway_key_name(STACK, "acme")]["id"]) == {plan_ids["standard"]}
    assert plans_of(keys[gateway_key_name(STACK, "acme-2")]["id"]) == {plan_ids["large"]}


@pytest.mark.parametrize(
    "args",
    [
        ["--tenant", "acme", "--plan", "gold"],
        ["--tenant", "acme", "--plan", "large", "--scopes", "orders:everything"],
        ["--tenant", "not a tenant!", "--plan", "large"],
    ],
)
def test_given_a_bad_plan_scope_or_tenant_then_nothing_is_written_in_api_gateway_or_the_table(
    capsys: pytest.CaptureFixture[str], tables: dict[str, str], args: list[str]
) -> None:
    from local import api_keys

    assert api_keys.main(["create", *args]) == 2
    assert "api-key:" in capsys.readouterr().err
    assert gateway_keys() == {}
    items = boto3.client("dynamodb", region_name="us-east-1").scan(TableName=tables["OrdersTable"])["Items"]
    assert items == []


def test_given_the_tenants_gateway_key_was_turned_off_then_make_api_key_refuses_and_writes_no_key(
    capsys: pytest.CaptureFixture[str], tables: dict[str, str], plan_ids: dict[str, str]
) -> None:
    # GIVEN an operator turned the tenant's gateway key off (every key of the tenant is refused then)
    apigateway = boto3.client("apigateway", region_name="us-east-1")
    turned_off = apigateway.create_api_key(name=gateway_key_name(STACK, "acme"), enabled=False)
    # WHEN a key is made for the tenant THEN the tool stops, leaving it off and in no plan
    with pytest.raises(SystemExit, match="disabled"):
        make_api_key(capsys, "--tenant", "acme", "--scopes", "orders:read")
    assert gateway_keys()[gateway_key_name(STACK, "acme")]["enabled"] is False
    assert plans_of(turned_off["id"]) == set()
    items = boto3.client("dynamodb", region_name="us-east-1").scan(TableName=tables["OrdersTable"])["Items"]
    assert items == []


def test_given_a_stack_without_the_plan_outputs_then_make_api_key_says_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STACK", "no-such-stack")
    with pytest.raises(SystemExit, match="no-such-stack"):
        make_api_key(capsys, "--tenant", "acme")


def test_given_a_local_dynamodb_then_the_plan_is_recorded_and_api_gateway_is_not_called(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from local import api_keys

    # GIVEN make serve's DynamoDB (DYNAMODB_ENDPOINT_URL: here the test's moto tables stand in for it)
    monkeypatch.setattr(api_keys, "_is_local", lambda: True)
    code, printed, key = make_api_key(capsys, "--tenant", "acme", "--plan", "large")
    assert code == 0
    assert "plan:    large   (recorded only: no usage plans locally)" in printed
    record = wiring.current().api_keys.get(hash_key(key))
    assert record is not None
    assert (record.plan, record.usage_key) == ("large", None)
    assert gateway_keys() == {}
