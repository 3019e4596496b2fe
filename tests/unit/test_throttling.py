"""DynamoDB throttling (after boto3's own retries) is a 429 with Retry-After, never a 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.stub import Stubber
from orders_domain import wiring

from tests.helpers import body_of, create_event, get_event_for, header_of, invoke

pytestmark = pytest.mark.usefixtures("tables")


@pytest.fixture
def throttled_dynamodb() -> Iterator[Stubber]:
    # GIVEN a DynamoDB that answers every call with a throttling error
    stubber = Stubber(wiring.current().dynamodb)
    for _ in range(10):  # enough for boto3's retries of each call
        stubber.add_client_error("get_item", "ProvisionedThroughputExceededException", http_status_code=400)
    with stubber:
        yield stubber


def test_throttled_read_is_429(throttled_dynamodb: Stubber) -> None:
    response = invoke("get_order", get_event_for("0f9a7c1e-5a4b-4d3c-8b2a-1e0f9d8c7b6a"))
    assert response["statusCode"] == 429
    assert body_of(response)["code"] == "throttled"
    assert header_of(response, "Retry-After") == "1"


def test_throttled_idempotency_store_is_429_and_creates_nothing() -> None:
    stubber = Stubber(wiring.current().dynamodb)
    for _ in range(10):
        stubber.add_client_error("put_item", "ThrottlingException", http_status_code=400)
    with stubber:
        response = invoke(
            "create_order", create_event({"line_items": [{"quantity": 1, "unit_price": 1}]}, key="t")
        )
    assert response["statusCode"] == 429, response["body"]
    assert body_of(response)["code"] == "throttled"
    retry = invoke("create_order", create_event({"line_items": [{"quantity": 1, "unit_price": 1}]}, key="t"))
    assert retry["statusCode"] == 201
    assert body_of(retry)["number"] == 1
