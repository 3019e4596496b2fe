"""template.yaml keeps the promises of the design: narrow IAM, log retention, durable storage."""

from __future__ import annotations

import json
from typing import Any

import pytest
from orders_domain.storage.keys import ALL_INDEXES, ORDER_SK

from local.tables import load_template
from tests.helpers import EVENTS, TEMPLATE

TEMPLATE_DOC = load_template(TEMPLATE)
RESOURCES: dict[str, Any] = TEMPLATE_DOC["Resources"]
FUNCTIONS = {k: v for k, v in RESOURCES.items() if v["Type"] == "AWS::Serverless::Function"}
READ_ACTIONS = {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"}
STREAM_READ_ACTIONS = {
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
}


def statements(function: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for policy in function["Properties"].get("Policies", []):
        assert isinstance(policy, dict)
        assert "Statement" in policy, f"only inline statements, not managed policies: {policy}"
        out.extend(policy["Statement"])
    return out


#: The only actions outside DynamoDB a function may have, and on what (the stream consumer's).
OTHER_ACTIONS = {
    "events:PutEvents": {"Fn::GetAtt": ["OrderEventBus", "Arn"]},
    "sqs:SendMessage": {"Fn::GetAtt": ["OrderStreamFailures", "Arn"]},
    # notify_order sends from the deployment's one verified identity, and from no other.
    "ses:SendEmail": {
        "Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}"
        ":identity/${NotificationSenderIdentity}"
    },
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_has_narrow_actions_on_named_resources_and_no_wildcards(name: str) -> None:
    for statement in statements(FUNCTIONS[name]):
        actions = statement["Action"]
        assert all("*" not in a for a in actions), actions
        assert statement["Resource"] != "*"
        for action in actions:
            if not action.startswith("dynamodb:"):
                assert OTHER_ACTIONS.get(action) == statement["Resource"], (action, statement["Resource"])


def test_the_stream_consumer_reads_the_stream_with_retries_bisect_partial_failures_and_a_failure_queue() -> (
    None
):
    function = FUNCTIONS["OrderStreamFunction"]
    (source,) = function["Properties"]["Events"].values()
    assert source["Type"] == "DynamoDB"
    settings = source["Properties"]
    assert settings["Stream"] == {"Fn::GetAtt": ["OrdersTable", "StreamArn"]}
    assert settings["StartingPosition"] == "TRIM_HORIZON"
    assert 1 <= settings["BatchSize"] <= 1000
    assert 0 < settings["MaximumRetryAttempts"] <= 10
    assert settings["BisectBatchOnFunctionError"] is True
    assert 60 <= settings["MaximumRecordAgeInSeconds"] <= 86400
    assert settings["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert settings["DestinationConfig"]["OnFailure"]["Destination"] == OTHER_ACTIONS["sqs:SendMessage"]
    (pattern,) = [json.loads(f["Pattern"]) for f in settings["FilterCriteria"]["Filters"]]
    assert pattern == {"dynamodb": {"Keys": {"SK": {"S": [ORDER_SK]}}}}
    writes = {a for s in statements(function) for a in s["Action"] if a.startswith("dynamodb:")}
    assert writes <= {"dynamodb:PutItem", "dynamodb:BatchWriteItem", *STREAM_READ_ACTIONS}
    assert function["Properties"]["Environment"]["Variables"]["ORDERS_EVENT_BUS_NAME"] == {
        "Ref": "OrderEventBus"
    }
    assert RESOURCES["OrderStreamFailures"]["Properties"]["SqsManagedSseEnabled"] is True


def test_read_functions_can_only_read() -> None:
    for name in ("GetOrderFunction", "AuthorizerFunction"):
        actions = {a for s in statements(FUNCTIONS[name]) for a in s["Action"]}
        assert actions <= READ_ACTIONS, (name, actions)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_logs_to_its_own_group_with_retention(name: str) -> None:
    group = FUNCTIONS[name]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    assert RESOURCES[group]["Type"] == "AWS::Logs::LogGroup"
    assert RESOURCES[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionInDays"}
    used_by = [f for f in FUNCTIONS.values() if f["Properties"]["LoggingConfig"]["LogGroup"]["Ref"] == group]
    assert len(used_by) == 1


def test_orders_table_is_durable_and_streams_both_images() -> None:
    table = RESOURCES["OrdersTable"]
    assert table["DeletionPolicy"] == "Retain"
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert {i["IndexName"] for i in props["GlobalSecondaryIndexes"]} == set(ALL_INDEXES)


def test_idempotency_table_expires_records_on_the_attribute_powertools_writes() -> None:
    ttl = RESOURCES["IdempotencyTable"]["Properties"]["TimeToLiveSpecification"]
    assert ttl == {"AttributeName": "expiration", "Enabled": True}


def test_api_uses_the_authorizer_by_default_and_every_gateway_error_is_a_problem() -> None:
    auth = RESOURCES["OrdersApi"]["Properties"]["Auth"]
    assert auth["DefaultAuthorizer"] == "ApiKeyAuthorizer"
    assert auth["Authorizers"]["ApiKeyAuthorizer"]["FunctionPayloadType"] == "REQUEST"
    responses = {
        r["Properties"]["ResponseType"]: r
        for r in RESOURCES.values()
        if r["Type"] == "AWS::ApiGateway::GatewayResponse"
    }
    assert {
        "UNAUTHORIZED",
        "ACCESS_DENIED",
        "MISSING_AUTHENTICATION_TOKEN",
        "REQUEST_TOO_LARGE",
        "THROTTLED",
        "QUOTA_EXCEEDED",
        "INVALID_API_KEY",
        "AUTHORIZER_FAILURE",
        "DEFAULT_4XX",
        "DEFAULT_5XX",
    } <= set(responses)
    for response in responses.values():
        props = response["Properties"]
        assert (
            props["ResponseParameters"]["gatewayresponse.header.Content-Type"] == "'application/problem+json'"
        )
        body = props["ResponseTemplates"]["application/json"]
        rendered = (
            body.replace("$context.requestId", "req-1")
            .replace("$context.error.statusCode", "418")
            .replace("$context.error.messageString", '"a message"')
        )
        problem = json.loads(rendered)
        assert set(problem) == {"type", "title", "status", "detail", "code", "instance"}


def test_runtime_is_a_parameter_with_a_current_default() -> None:
    parameter = TEMPLATE_DOC["Parameters"]["PythonRuntime"]
    assert parameter["Default"] in parameter["AllowedValues"]
    assert "python3.11" in parameter["AllowedValues"]
    assert TEMPLATE_DOC["Globals"]["Function"]["Runtime"] == {"Ref": "PythonRuntime"}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_has_an_event_file(name: str) -> None:
    folder = FUNCTIONS[name]["Properties"]["CodeUri"].strip("/").split("/")[-1]
    assert (EVENTS / f"{folder}.json").is_file()


def _orders_table_actions(name: str) -> set[str]:
    return {
        action
        for statement in statements(FUNCTIONS[name])
        if statement["Resource"] == {"Fn::GetAtt": ["OrdersTable", "Arn"]}
        for action in statement["Action"]
    }


@pytest.mark.parametrize(
    ("name", "needed"),
    [
        # a create names catalogue products (BatchGetItem) and takes their stock in its transaction;
        # a preview reads shipping products and open credits (Query)
        (
            "CreateOrderFunction",
            {"dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"},
        ),
        # a batch's creates do the same
        ("PatchOrderFunction", {"dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}),
        # a cancel, void or refund reads the products it gives stock back to, then updates them
        ("CancelOrderFunction", {"dynamodb:BatchGetItem", "dynamodb:UpdateItem"}),
        ("FulfillOrderFunction", {"dynamodb:BatchGetItem", "dynamodb:UpdateItem"}),
        ("RefundOrderFunction", {"dynamodb:BatchGetItem", "dynamodb:UpdateItem"}),
        (
            "CatalogueFunction",
            {"dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"},
        ),
    ],
)
def test_functions_that_touch_the_catalogue_may_make_its_calls(name: str, needed: set[str]) -> None:
    assert needed <= _orders_table_actions(name)
