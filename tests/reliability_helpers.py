"""Shared by the reliability harness's unit tests: a DynamoDB client that never reaches a server."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from harness.common import CannedBody


def offline_client() -> Any:
    """A DynamoDB client that never reaches a server: what no fault answers gets an empty answer."""
    return boto3.client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )


def answer_everything(client: Any) -> None:
    """Answer every call of `client` with an empty 200 (registered after Faults': a fault's answer wins)."""
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders

    def answer(request: Any, **_: Any) -> Any:
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/x-amz-json-1.0"
        return AWSResponse(request.url, 200, headers, CannedBody(b"{}"))

    client.meta.events.register("before-send.dynamodb", answer)
