"""local.tables: the DynamoDB tables come from template.yaml and nowhere else."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from orders_domain.storage.keys import ALL_INDEXES

from local.tables import create_tables, load_template, table_definitions, ttl_specifications

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
NAMES = {"OrdersTable": "orders-test", "IdempotencyTable": "orders-idempotency-test"}
ORDERS_INDEXES = set(ALL_INDEXES)  # the index names the code queries


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    # Credentials and region come from the autouse fixture of tests/conftest.py.
    with mock_aws():
        yield boto3.client("dynamodb", region_name="us-east-1")


def test_short_form_intrinsics_load_as_their_long_form(tmp_path: Path) -> None:
    # GIVEN a template using !Ref, !GetAtt, !Sub and !If
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n"
        "  A:\n"
        "    Properties:\n"
        "      Ref: !Ref Param\n"
        "      Att: !GetAtt Fn.Arn\n"
        "      Sub: !Sub '${X}-y'\n"
        "      If: !If [Cond, a, b]\n"
    )
    # WHEN it is loaded
    properties = load_template(template)["Resources"]["A"]["Properties"]
    # THEN every tag is the JSON form CloudFormation documents
    assert properties == {
        "Ref": {"Ref": "Param"},
        "Att": {"Fn::GetAtt": ["Fn", "Arn"]},
        "Sub": {"Fn::Sub": "${X}-y"},
        "If": {"Fn::If": ["Cond", "a", "b"]},
    }


def test_orders_table_definition_has_its_keys_eight_indexes_and_stream() -> None:
    # GIVEN the real template
    template = load_template(TEMPLATE)
    # WHEN the table definitions are derived
    definitions = table_definitions(template)
    # THEN the orders table has PK/SK, its eight GSIs, on-demand billing and a stream with both images
    orders = definitions["OrdersTable"]
    assert orders["KeySchema"] == [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ]
    assert {index["IndexName"] for index in orders["GlobalSecondaryIndexes"]} == ORDERS_INDEXES
    assert orders["BillingMode"] == "PAY_PER_REQUEST"
    assert orders["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    # AND nothing create_table does not accept is passed on
    assert "PointInTimeRecoverySpecification" not in orders
    assert "TableName" not in orders


def test_idempotency_table_has_ttl_on_expiration_outside_the_create_arguments() -> None:
    # GIVEN the real template
    template = load_template(TEMPLATE)
    # WHEN definitions and TTL specifications are derived
    definitions = table_definitions(template)
    ttls = ttl_specifications(template)
    # THEN the idempotency table is keyed by id and expires items by `expiration`
    assert definitions["IdempotencyTable"]["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert "TimeToLiveSpecification" not in definitions["IdempotencyTable"]
    assert ttls == {"IdempotencyTable": {"AttributeName": "expiration", "Enabled": True}}


def test_create_tables_creates_both_tables_with_indexes_stream_and_ttl(dynamodb) -> None:
    # GIVEN an empty DynamoDB
    # WHEN the tables are created from the template
    create_tables(dynamodb, NAMES, TEMPLATE)
    # THEN both exist, ACTIVE, as the template describes them
    orders = dynamodb.describe_table(TableName="orders-test")["Table"]
    assert orders["TableStatus"] == "ACTIVE"
    assert {index["IndexName"] for index in orders["GlobalSecondaryIndexes"]} == ORDERS_INDEXES
    assert orders["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    ttl = dynamodb.describe_time_to_live(TableName="orders-idempotency-test")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiration"}


def test_create_tables_twice_keeps_the_existing_tables_and_their_items(dynamodb) -> None:
    # GIVEN the tables exist and hold an item
    create_tables(dynamodb, NAMES, TEMPLATE)
    dynamodb.put_item(TableName="orders-test", Item={"PK": {"S": "T#1"}, "SK": {"S": "O#1"}})
    # WHEN they are created again (a restart of `make serve`)
    create_tables(dynamodb, NAMES, TEMPLATE)
    # THEN nothing fails and the item is still there
    item = dynamodb.get_item(TableName="orders-test", Key={"PK": {"S": "T#1"}, "SK": {"S": "O#1"}})
    assert "Item" in item
    assert sorted(dynamodb.list_tables()["TableNames"]) == sorted(NAMES.values())


def test_create_tables_rejects_a_logical_id_the_template_does_not_have(dynamodb) -> None:
    # GIVEN a name for a table the template does not define
    # WHEN / THEN creating it fails and says which tables exist
    with pytest.raises(KeyError, match="OrdersTable"):
        create_tables(dynamodb, {"NoSuchTable": "x"}, TEMPLATE)
