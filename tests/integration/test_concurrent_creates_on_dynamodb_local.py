"""Order numbers under a burst, for real (issue 33, `make capacity`'s second part): hundreds of
concurrent creates across many function instances, each with its own number blocks over the
tenant's one counter item on DynamoDB Local: every number unique in the tenant, nothing lost (every
order readable and listed exactly once), and far fewer counter writes than creates."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from orders_domain.storage import keys

from harness.capacity_model.local_run import TENANT, concurrent_creates
from tests.helpers import item_key

pytestmark = pytest.mark.integration


def test_given_many_instances_when_hundreds_of_creates_race_then_numbers_are_unique_and_nothing_is_lost(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    client = boto3.client("dynamodb", endpoint_url=dynamodb_endpoint, region_name="us-east-1")
    run: dict[str, Any] = concurrent_creates(
        client, tables["OrdersTable"], creates=300, instances=40, workers=8
    )
    assert run["ok"], run
    assert run["creates"] == run["listed"] == 300
    assert run["duplicate_numbers"] == []
    assert run["unreadable"] == []
    assert run["listed_twice"] == run["not_listed"] == run["listed_unknown"] == []
    low, high = run["numbers"]
    assert low >= 1
    assert high <= run["counter_last_number"]  # the counter never hands a number out twice
    # blocks: each instance takes a few, not one per create; the numbers left unused are the blocks'
    assert 40 <= run["counter_writes"] < 300
    counter = client.get_item(
        TableName=tables["OrdersTable"],
        Key=item_key(keys.order_number_counter_key(TENANT)),
        ConsistentRead=True,
    )["Item"]
    assert int(counter["last_number"]["N"]) == run["counter_last_number"]


def test_given_two_bursts_of_the_same_keys_when_retried_then_no_order_is_made_twice(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    client = boto3.client("dynamodb", endpoint_url=dynamodb_endpoint, region_name="us-east-1")
    first = concurrent_creates(client, tables["OrdersTable"], creates=120, instances=20, workers=8)
    again = concurrent_creates(client, tables["OrdersTable"], creates=120, instances=20, workers=8)
    assert first["ok"], first
    # the same idempotency keys: each create answers the order the first burst made
    assert again["listed"] == 120
    assert again["numbers"] == first["numbers"]
    assert again["ok"], again
