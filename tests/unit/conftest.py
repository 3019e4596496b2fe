"""Unit tier: DynamoDB is moto, in process; no network."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws


@pytest.fixture
def dynamodb_endpoint() -> Iterator[None]:
    with mock_aws():
        yield None
