"""The REQUEST authorizer with events/authorizer.json: keys are hashed, tenants and scopes enforced."""

from __future__ import annotations

import copy
import logging
from typing import Any

import boto3
import pytest
from orders_domain.http.auth import hash_key
from orders_domain.http.routes import scope_of

from tests.helpers import invoke, load_event, seed_key, with_headers


def auth_event(key: str | None, header: str = "x-api-key", **changes: Any) -> dict[str, Any]:
    event = with_headers(load_event("authorizer.json"), **{"x-api-key": None, header: key})
    event.update(copy.deepcopy(changes))
    return event


def test_valid_key_is_allowed_with_tenant_and_scopes(api_key: str) -> None:
    result = invoke("authorizer", auth_event(api_key))
    statement = result["policyDocument"]["Statement"][0]
    assert statement["Effect"] == "Allow"
    assert statement["Resource"] == load_event("authorizer.json")["methodArn"]
    assert result["context"]["tenant_id"] == "tenant-a"
    assert result["context"]["scopes"].split() == ["orders:read", "orders:write", "orders:admin"]
    assert result["principalId"].startswith("key_")


@pytest.mark.parametrize("order_id", ["urn:order:7", "a~b", "a@b,c", "x y", "caf\u00e9"])
def test_the_policy_names_exactly_the_method_arn_whatever_the_path_holds(api_key: str, order_id: str) -> None:
    # GIVEN a path whose id holds characters a path segment may hold (":" splits an ARN's fields)
    path = f"/orders/tenant-a/{order_id}"
    arn = load_event("authorizer.json")["methodArn"].rsplit("/", 1)[0] + f"/{order_id}"
    event = auth_event(
        api_key, path=path, methodArn=arn, pathParameters={"tenantId": "tenant-a", "id": order_id}
    )
    # WHEN the authorizer answers
    result = invoke("authorizer", event)
    # THEN it allows that very method ARN (the gateway matches the Resource against it)
    statement = result["policyDocument"]["Statement"][0]
    assert (statement["Effect"], statement["Resource"]) == ("Allow", arn)


def test_bare_key_in_authorization_header_works(api_key: str) -> None:
    result = invoke("authorizer", auth_event(api_key, header="Authorization"))
    assert result["policyDocument"]["Statement"][0]["Effect"] == "Allow"


@pytest.mark.usefixtures("tables")
@pytest.mark.parametrize("key", [None, "", "no-such-key", "x" * 600])
def test_missing_or_unknown_key_is_unauthorized(key: str | None) -> None:
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        invoke("authorizer", auth_event(key))


def test_key_of_another_tenant_is_denied(api_key: str) -> None:
    event = auth_event(api_key, pathParameters={"tenantId": "tenant-b", "id": "x"}, path="/orders/tenant-b/x")
    result = invoke("authorizer", event)
    assert result["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert "tenant" in result["context"]["reason"]


@pytest.mark.usefixtures("tables")
def test_missing_scope_is_denied() -> None:
    seed_key("tenant-a", "read-only-key", ["orders:read"])
    event = auth_event(
        "read-only-key", httpMethod="POST", resource="/orders/{tenantId}", path="/orders/tenant-a"
    )
    result = invoke("authorizer", event)
    assert result["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert "orders:write" in result["context"]["reason"]


def test_keys_are_stored_hashed_and_never_logged(
    api_key: str, tables: dict[str, str], caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    invoke("authorizer", auth_event(api_key))
    with pytest.raises(Exception, match="Unauthorized"):
        invoke("authorizer", auth_event(api_key + "-wrong"))
    stored = boto3.client("dynamodb", region_name="us-east-1").scan(TableName=tables["OrdersTable"])["Items"]
    assert api_key not in str(stored)
    assert hash_key(api_key) in str(stored)
    assert api_key not in caplog.text
    assert api_key not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("method", "route", "scope"),
    [
        ("GET", "/orders/{tenantId}/{id}", "orders:read"),
        ("POST", "/orders/{tenantId}", "orders:write"),
        ("POST", "/orders/{tenantId}/preview", "orders:read"),  # a read since issue 15
        ("POST", "/orders/{tenantId}/void/{id}", "orders:admin"),
        ("POST", "/orders/{tenantId}/close/{id}", "orders:admin"),
        ("POST", "/orders/{tenantId}/batch", "orders:admin"),
        ("DELETE", "/orders/{tenantId}/{id}", "orders:admin"),
        ("PATCH", "/orders/{tenantId}/{id}", "orders:write"),
    ],
)
def test_route_scopes(method: str, route: str, scope: str) -> None:
    assert scope_of(method, route) == scope


# ---------------------------------------------------------------------------- usage plans
def test_given_a_key_whose_tenant_has_a_usage_plan_key_then_an_allow_names_it_as_usage_identifier_key(
    tables: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    from orders_domain.http.auth import store_api_key
    from orders_domain.runtime import wiring

    caplog.set_level(logging.INFO)  # (botocore's DEBUG prints every item it reads)
    # GIVEN a key made by `make api-key TENANT=tenant-a PLAN=large` (its tenant's gateway key stored with it)
    usage_key = "gw-key-value-0123456789abcdefghij"
    store_api_key(
        wiring.current().api_keys,
        "tenant-a",
        "planned-key",
        ["orders:read"],
        plan="large",
        usage_key=usage_key,
    )
    # WHEN the authorizer allows a request of that key
    result = invoke("authorizer", auth_event("planned-key"))
    # THEN API Gateway is told which usage plan key the request counts against, outside the context
    assert result["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert result["usageIdentifierKey"] == usage_key
    assert usage_key not in str(result["context"])
    assert usage_key not in caplog.text
    # AND a request the key may not make is denied without it (nothing to count)
    denied = invoke(
        "authorizer",
        auth_event("planned-key", httpMethod="POST", resource="/orders/{tenantId}", path="/orders/tenant-a"),
    )
    assert denied["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert "usageIdentifierKey" not in denied


def test_given_a_key_without_a_usage_plan_key_then_the_answer_names_none(api_key: str) -> None:
    # (a key made locally, or before usage plans: on AWS the gateway then answers its 403 problem)
    result = invoke("authorizer", auth_event(api_key))
    assert result["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert "usageIdentifierKey" not in result


def test_given_a_verified_key_then_its_usage_key_comes_from_the_in_process_cache_without_another_read() -> (
    None
):
    from orders_domain.domain.ports import ApiKeyRecord
    from orders_domain.http.auth import Authenticator

    from tests.fakes import InMemoryApiKeyStore

    store = InMemoryApiKeyStore()
    store.put(
        ApiKeyRecord(hash_key("k"), "tenant-a", ("orders:read",), "key_1", plan="large", usage_key="gw-1")
    )
    authenticator = Authenticator(store, ttl_seconds=60)
    assert [authenticator.authenticate("k").usage_key for _ in range(3)] == ["gw-1"] * 3
    assert store.reads == 1
    assert "gw-1" not in repr(authenticator.authenticate("k"))
