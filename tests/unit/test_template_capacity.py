"""template.yaml is sized for the target (docs/SCALING.md: one tenant's 5,000 creates a second) and
keeps tenants apart: no stage-wide cap below it, a usage plan per tenant (keys from the authorizer),
429 problems with Retry-After, and tables whose warm throughput and on-demand maximums are parameters
that set nothing until a deployer sets them. Conditions are evaluated here as CloudFormation does."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.api_keys import PLAN_OUTPUTS
from local.tables import load_template, table_definitions
from tests.helpers import TEMPLATE

TEMPLATE_DOC = load_template(TEMPLATE)
RESOURCES: dict[str, Any] = TEMPLATE_DOC["Resources"]
PARAMETERS: dict[str, Any] = TEMPLATE_DOC["Parameters"]
#: docs/SCALING.md's target: one tenant's on-sale burst, each create one request.
TARGET_CREATES_PER_SECOND = 5000
NO_VALUE = object()


# ---------------------------------------------------------------------------- CloudFormation, in small
def resolve(value: Any, parameters: dict[str, Any]) -> Any:
    """`value` with Ref, Fn::If (and the conditions it names) resolved for these parameter values;
    AWS::NoValue drops the key or item that holds it. Other intrinsics are left as they are."""
    if isinstance(value, list):
        return [item for item in (resolve(v, parameters) for v in value) if item is not NO_VALUE]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        name = value["Ref"]
        if name == "AWS::NoValue":
            return NO_VALUE
        return parameters.get(name, value)
    if set(value) == {"Fn::If"}:
        condition, when_true, when_false = value["Fn::If"]
        return resolve(when_true if holds(condition, parameters) else when_false, parameters)
    resolved = {key: resolve(v, parameters) for key, v in value.items()}
    return {key: v for key, v in resolved.items() if v is not NO_VALUE}


def holds(condition: str, parameters: dict[str, Any]) -> bool:
    return bool(_evaluate(TEMPLATE_DOC["Conditions"][condition], parameters))


def _evaluate(expression: Any, parameters: dict[str, Any]) -> Any:
    if not isinstance(expression, dict):
        return expression
    ((function, argument),) = expression.items()
    if function == "Condition":
        return holds(argument, parameters)
    if function == "Ref":
        return parameters[argument]
    values = [_evaluate(a, parameters) for a in argument]
    if function == "Fn::Equals":
        return str(values[0]) == str(values[1])
    if function == "Fn::Not":
        return not values[0]
    if function == "Fn::Or":
        return any(values)
    if function == "Fn::And":
        return all(values)
    raise AssertionError(f"no evaluator for {function}")


def parameters(**overrides: Any) -> dict[str, Any]:
    """Every parameter at its default, with `overrides`."""
    values = {name: spec.get("Default") for name, spec in PARAMETERS.items()}
    unknown = set(overrides) - set(values)
    assert not unknown, unknown
    return {**values, **overrides}


def properties(logical_id: str, **overrides: Any) -> dict[str, Any]:
    resolved: dict[str, Any] = resolve(RESOURCES[logical_id]["Properties"], parameters(**overrides))
    return resolved


# ---------------------------------------------------------------------------- the API's limits
def test_the_stage_limits_are_parameters_whose_defaults_do_not_cap_below_the_target() -> None:
    api = RESOURCES["OrdersApi"]["Properties"]
    (setting,) = api["MethodSettings"]
    assert (setting["ResourcePath"], setting["HttpMethod"]) == ("/*", "*")
    assert setting["ThrottlingRateLimit"] == {"Ref": "StageThrottlingRateLimit"}
    assert setting["ThrottlingBurstLimit"] == {"Ref": "StageThrottlingBurstLimit"}
    # API Gateway's account quota (10,000 requests/s, burst 5,000 a Region) is the default: the stage
    # adds no cap of its own below it, and the target fits under it
    assert PARAMETERS["StageThrottlingRateLimit"]["Default"] == 10000
    assert PARAMETERS["StageThrottlingBurstLimit"]["Default"] == 5000
    assert PARAMETERS["StageThrottlingRateLimit"]["Default"] >= TARGET_CREATES_PER_SECOND


def test_every_method_needs_the_key_the_authorizer_answers_so_usage_plans_throttle_per_tenant() -> None:
    api = RESOURCES["OrdersApi"]["Properties"]
    # a usage plan throttles only methods that require an API key; the key comes from the authorizer
    assert api["ApiKeySourceType"] == "AUTHORIZER"
    assert api["Auth"]["ApiKeyRequired"] is True
    # no route opts out of the key (it would escape its tenant's plan)
    for resource in RESOURCES.values():
        for event in (resource.get("Properties") or {}).get("Events", {}).values():
            assert (event["Properties"].get("Auth") or {}).get("ApiKeyRequired", True) is True
    # API Gateway does not cache the authorizer: the key may come in any of three headers
    identity = api["Auth"]["Authorizers"]["ApiKeyAuthorizer"]["Identity"]
    assert identity == {"ReauthorizeEvery": 0}


@pytest.mark.parametrize("plan", sorted(PLAN_OUTPUTS))
def test_each_plan_of_make_api_key_is_a_usage_plan_of_the_stage_named_by_an_output(plan: str) -> None:
    # GIVEN the output `make api-key PLAN=<plan>` reads
    output = TEMPLATE_DOC["Outputs"][PLAN_OUTPUTS[plan]]
    logical_id = output["Value"]["Ref"]
    # THEN it is a usage plan of the API's stage, throttled by parameters, without a quota by default
    assert RESOURCES[logical_id]["Type"] == "AWS::ApiGateway::UsagePlan"
    props = properties(logical_id)
    assert props["ApiStages"] == [{"ApiId": {"Ref": "OrdersApi"}, "Stage": {"Ref": "OrdersApi.Stage"}}]
    assert set(props["Throttle"]) == {"RateLimit", "BurstLimit"}
    assert "Quota" not in props
    # AND a quota set for it is one, per the period parameter
    quota_parameter = f"{logical_id.removesuffix('UsagePlan')}PlanQuota"
    with_quota = properties(logical_id, **{quota_parameter: 100000, "UsagePlanQuotaPeriod": "DAY"})
    assert with_quota["Quota"] == {"Limit": 100000, "Period": "DAY"}


def test_the_large_plan_lets_one_tenant_make_the_target_and_the_standard_plan_keeps_tenants_small() -> None:
    large = properties("LargeUsagePlan")["Throttle"]
    standard = properties("StandardUsagePlan")["Throttle"]
    assert large["RateLimit"] >= TARGET_CREATES_PER_SECOND
    assert large["RateLimit"] <= PARAMETERS["StageThrottlingRateLimit"]["Default"]
    assert standard["RateLimit"] < TARGET_CREATES_PER_SECOND
    assert all(plan["BurstLimit"] >= 1 for plan in (large, standard))


def _gateway_responses() -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in RESOURCES.values()
        if r["Type"] == "AWS::ApiGateway::GatewayResponse"
    }


@pytest.mark.parametrize("response_type", ["THROTTLED", "QUOTA_EXCEEDED"])
def test_over_a_plan_the_answer_is_the_429_problem_rate_limited_with_retry_after(response_type: str) -> None:
    props = _gateway_responses()[response_type]
    assert props["StatusCode"] == "429"
    headers = props["ResponseParameters"]
    retry_after = headers["gatewayresponse.header.Retry-After"]
    assert retry_after[0] == retry_after[-1] == "'"  # a static value
    assert int(retry_after[1:-1]) >= 1
    assert headers["gatewayresponse.header.x-request-id"] == "context.requestId"
    problem = json.loads(props["ResponseTemplates"]["application/json"].replace("$context.requestId", "r-1"))
    assert problem == {**problem, "code": "rate_limited", "status": 429, "type": "/problems/rate_limited"}
    assert problem["instance"] == "r-1"


def test_a_key_whose_tenant_is_in_no_plan_gets_a_403_problem_not_api_gateways_own_body() -> None:
    props = _gateway_responses()["INVALID_API_KEY"]
    problem = json.loads(props["ResponseTemplates"]["application/json"].replace("$context.requestId", "r-1"))
    assert (props["StatusCode"], problem["status"], problem["code"]) == ("403", 403, "forbidden")


def test_when_the_authorizer_fails_the_answer_is_a_503_problem_the_client_may_retry() -> None:
    # (its one DynamoDB read of an uncached key throttled in a burst: not the gateway's bare 500)
    props = _gateway_responses()["AUTHORIZER_FAILURE"]
    problem = json.loads(props["ResponseTemplates"]["application/json"].replace("$context.requestId", "r-1"))
    assert (props["StatusCode"], problem["status"], problem["code"]) == ("503", 503, "service_unavailable")
    assert props["ResponseParameters"]["gatewayresponse.header.Retry-After"] == "'1'"


# ---------------------------------------------------------------------------- the tables
TABLES = ("OrdersTable", "IdempotencyTable")


@pytest.mark.parametrize("table", TABLES)
def test_given_the_default_parameters_then_no_table_or_index_sets_warm_throughput_or_a_maximum(
    table: str,
) -> None:
    props = properties(table)
    assert "WarmThroughput" not in props
    assert "OnDemandThroughput" not in props
    indexes = props.get("GlobalSecondaryIndexes", [])
    assert all(not {"WarmThroughput", "OnDemandThroughput"} & set(index) for index in indexes)


@pytest.mark.parametrize(
    ("table", "prefix"), [("OrdersTable", "OrdersTable"), ("IdempotencyTable", "IdempotencyTable")]
)
def test_given_warm_units_then_the_table_is_warmed_to_them_and_an_unset_one_is_left_out(
    table: str, prefix: str
) -> None:
    both = properties(table, **{f"{prefix}WarmReadUnits": 30000, f"{prefix}WarmWriteUnits": 20000})
    assert both["WarmThroughput"] == {"ReadUnitsPerSecond": 30000, "WriteUnitsPerSecond": 20000}
    writes = properties(table, **{f"{prefix}WarmWriteUnits": 20000})
    assert writes["WarmThroughput"] == {"WriteUnitsPerSecond": 20000}
    reads = properties(table, **{f"{prefix}WarmReadUnits": 30000})
    assert reads["WarmThroughput"] == {"ReadUnitsPerSecond": 30000}


def test_given_index_warm_units_then_every_index_of_the_orders_table_is_warmed_and_the_table_is_not() -> None:
    props = properties("OrdersTable", OrdersIndexWarmWriteUnits=10000)
    indexes = props["GlobalSecondaryIndexes"]
    assert len(indexes) == 9
    assert all(index["WarmThroughput"] == {"WriteUnitsPerSecond": 10000} for index in indexes)
    assert "WarmThroughput" not in props


@pytest.mark.parametrize(
    ("table", "prefix"), [("OrdersTable", "OrdersTable"), ("IdempotencyTable", "IdempotencyTable")]
)
def test_given_maximum_units_then_the_table_has_that_on_demand_maximum_as_a_cost_guard(
    table: str, prefix: str
) -> None:
    props = properties(table, **{f"{prefix}MaxReadUnits": 50000, f"{prefix}MaxWriteUnits": 40000})
    assert props["OnDemandThroughput"] == {"MaxReadRequestUnits": 50000, "MaxWriteRequestUnits": 40000}
    assert properties(table, **{f"{prefix}MaxWriteUnits": 40000})["OnDemandThroughput"] == {
        "MaxWriteRequestUnits": 40000
    }


def test_given_index_maximum_units_then_every_index_of_the_orders_table_has_them_and_the_table_not() -> None:
    props = properties("OrdersTable", OrdersIndexMaxReadUnits=30000, OrdersIndexMaxWriteUnits=8000)
    indexes = props["GlobalSecondaryIndexes"]
    assert len(indexes) == 9
    both = {"MaxReadRequestUnits": 30000, "MaxWriteRequestUnits": 8000}
    assert all(index["OnDemandThroughput"] == both for index in indexes)
    assert "OnDemandThroughput" not in props
    writes = properties("OrdersTable", OrdersIndexMaxWriteUnits=8000)["GlobalSecondaryIndexes"]
    assert all(index["OnDemandThroughput"] == {"MaxWriteRequestUnits": 8000} for index in writes)


def test_every_capacity_parameter_defaults_to_zero_meaning_dynamodbs_own() -> None:
    capacity = [name for name in PARAMETERS if name.endswith(("WarmReadUnits", "WarmWriteUnits", "Units"))]
    assert len(capacity) == 12
    assert all(PARAMETERS[name]["Default"] == 0 and PARAMETERS[name]["MinValue"] == 0 for name in capacity)


def test_local_tables_are_made_from_the_template_without_the_capacity_settings() -> None:
    # make serve and the tests create the tables from the template: DynamoDB Local takes no warm
    # throughput or maximum, and their conditions cannot be resolved there
    for definition in table_definitions(TEMPLATE_DOC).values():
        for part in (definition, *definition.get("GlobalSecondaryIndexes", [])):
            assert not {"WarmThroughput", "OnDemandThroughput"} & set(part)
