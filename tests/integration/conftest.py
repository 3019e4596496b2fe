"""Integration tier: DynamoDB Local (AWS's own engine), started once per test session.

A missing Java or jar is a failure here, not a skip: CI must run this tier.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.dynamodb_local import DynamoDBLocal
from tests.helpers import ROOT


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[DynamoDBLocal]:
    with DynamoDBLocal(ROOT) as ddb:
        yield ddb


@pytest.fixture
def dynamodb_endpoint(dynamodb_local: DynamoDBLocal) -> str:
    assert dynamodb_local.endpoint_url
    return dynamodb_local.endpoint_url
