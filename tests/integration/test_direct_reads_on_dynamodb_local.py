"""storage/direct_reads.py on DynamoDB Local: the answer a direct GetItem takes is the SDK's, byte for
byte, and the handlers read through it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from orders_domain.runtime import wiring
from orders_domain.runtime.sdk import CLIENT_CONFIG
from orders_domain.storage import keys
from orders_domain.storage.codec import typed_key
from orders_domain.storage.direct_reads import DirectReads
from orders_domain.storage.orders import DynamoOrderRepository

from tests.helpers import body_of, create_event, get_event_for, invoke

pytestmark = pytest.mark.usefixtures("tables")

#: Money at its edges: the largest unit price, trailing zeros, the smallest unit.
ORDER = {
    "currency_code": "USD",
    "line_items": [
        {"description": "Ticket", "quantity": 3, "unit_price": "12.50"},
        {"description": "Bond", "quantity": 1, "unit_price": "999999999999.99"},
        {"description": "Fee", "quantity": 1, "unit_price": "0.01"},
    ],
}


def created(body: dict[str, Any] | None = None) -> dict[str, Any]:
    answer = invoke("create_order", create_event(body or ORDER))
    assert answer["statusCode"] == 201, answer["body"]
    order: dict[str, Any] = body_of(answer)
    return order


def params(table: str, order_id: str, consistent: bool) -> dict[str, Any]:
    return {
        "TableName": table,
        "Key": typed_key(keys.order_key("tenant-a", order_id)),
        "ConsistentRead": consistent,
    }


@pytest.mark.parametrize("consistent", [False, True])
def test_given_a_stored_order_when_read_directly_then_the_item_is_the_sdks_byte_for_byte(
    tables: dict[str, str], dynamodb_endpoint: str, consistent: bool
) -> None:
    # GIVEN an order with money at its edges, stored by create_order
    order = created()
    client = boto3.client("dynamodb", endpoint_url=dynamodb_endpoint, config=CLIENT_CONFIG)
    direct = DirectReads.for_client(client)
    assert direct is not None
    # WHEN its whole item is read directly and through the SDK
    asked = params(tables["OrdersTable"], order["id"], consistent)
    by_direct = direct.get_item(dict(asked))
    by_sdk = client.get_item(**asked)
    # THEN the items are equal, every attribute's text the same
    assert by_direct is not None
    assert by_direct["Item"] == by_sdk["Item"]
    assert '"unit_price":12.50' in by_direct["Item"]["doc"]["S"]
    assert '"unit_price":999999999999.99' in by_direct["Item"]["doc"]["S"]


def test_given_an_absent_order_when_read_directly_then_there_is_no_item(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    client = boto3.client("dynamodb", endpoint_url=dynamodb_endpoint)
    direct = DirectReads.for_client(client)
    assert direct is not None
    answer = direct.get_item(params(tables["OrdersTable"], "0" * 26, False))
    assert answer is not None
    assert "Item" not in answer


def test_given_the_handlers_when_an_order_is_read_then_the_direct_read_answers_it_exactly(
    dynamodb_endpoint: str,
) -> None:
    # GIVEN the functions' wiring on DynamoDB Local, its direct reads counted
    order = created()
    repository = wiring.current().orders
    assert repository._direct is not None
    answered: list[str] = []
    wiring.current().dynamodb.meta.events.register(
        "after-call.dynamodb.GetItem", lambda parsed, **_: answered.append(parsed["Item"]["doc"]["S"])
    )
    # WHEN get_order reads it
    fetched = invoke("get_order", get_event_for(order["id"]))
    # THEN the answer is the order as created, money digit for digit, read by one GetItem
    assert fetched["statusCode"] == 200
    assert body_of(fetched) == order
    assert [Decimal(line["unit_price"]) for line in body_of(fetched)["line_items"]] == [
        Decimal("12.50"),
        Decimal("999999999999.99"),
        Decimal("0.01"),
    ]
    assert len(answered) == 1


def test_given_a_missing_table_when_read_then_the_sdks_error_is_what_the_caller_sees(
    dynamodb_endpoint: str,
) -> None:
    # GIVEN a repository on a table that does not exist
    client = boto3.client("dynamodb", endpoint_url=dynamodb_endpoint, config=CLIENT_CONFIG)
    repository = DynamoOrderRepository(client, "no-such-table", direct_reads=True)
    assert repository._direct is not None
    # WHEN an order is read THEN the direct read declines and the SDK's error is raised as before
    with pytest.raises(ClientError) as raised:
        repository.get("tenant-a", "0" * 26)
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_given_a_stored_order_when_its_token_is_queried_directly_then_the_page_is_the_sdks(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    order = created()
    client = boto3.client("dynamodb", endpoint_url=dynamodb_endpoint, config=CLIENT_CONFIG)
    direct = DirectReads.for_client(client)
    assert direct is not None
    asked: dict[str, Any] = {
        "TableName": tables["OrdersTable"],
        "IndexName": keys.INDEX_TOKEN,
        "KeyConditionExpression": "token_pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": keys.token_pk("tenant-a", order["token"])}},
        "Limit": 1,
    }
    by_direct = direct.query(dict(asked))
    by_sdk = client.query(**asked)
    assert by_direct is not None
    assert by_direct["Items"] == by_sdk["Items"]
    assert keys.order_id_of(by_direct["Items"][0]["PK"]["S"]) == order["id"]
    assert by_direct.get("LastEvaluatedKey") == by_sdk.get("LastEvaluatedKey")
