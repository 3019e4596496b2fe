"""DynamoDB throttling (after boto3's own retries) is a 429 with Retry-After, never a 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.stub import Stubber
from orders_domain.runtime import wiring

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


def test_a_store_fault_that_outlasts_the_sdk_retries_is_503_and_creates_nothing() -> None:
    # GIVEN a DynamoDB that fails on its side (HTTP 500) for every attempt of the first write
    stubber = Stubber(wiring.current().dynamodb)
    for _ in range(10):
        stubber.add_client_error("put_item", "InternalServerError", http_status_code=500)
    with stubber:
        response = invoke(
            "create_order", create_event({"line_items": [{"quantity": 1, "unit_price": 1}]}, key="f")
        )
    # THEN the client is told to retry, not that the service is broken
    assert response["statusCode"] == 503, response["body"]
    assert body_of(response)["code"] == "service_unavailable"
    assert header_of(response, "Retry-After") == "1"
    # AND the retry with the same key makes the one order
    retry = invoke("create_order", create_event({"line_items": [{"quantity": 1, "unit_price": 1}]}, key="f"))
    assert retry["statusCode"] == 201
    assert body_of(retry)["number"] == 1


def test_timeouts_and_dropped_connections_are_transient_but_a_validation_error_is_not() -> None:
    from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
    from orders_domain.storage.faults import transient_error

    timeout = transient_error(ReadTimeoutError(endpoint_url="http://x"))
    dropped = transient_error(EndpointConnectionError(endpoint_url="http://x"))
    conflict = transient_error(
        ClientError({"Error": {"Code": "TransactionConflictException", "Message": "m"}}, "TransactWriteItems")
    )
    assert timeout is not None
    assert timeout.status == 503
    assert dropped is not None
    assert dropped.status == 503
    assert conflict is not None
    assert conflict.status == 503
    invalid = ClientError({"Error": {"Code": "ValidationException", "Message": "m"}}, "PutItem")
    assert transient_error(invalid) is None
