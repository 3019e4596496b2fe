"""Every AWS client is built with one config (runtime/sdk.py, issue 36): a User-Agent built once per
process instead of twice per call, no client-side validation of requests our code builds, and the
retries, timeouts and pool as before."""

from __future__ import annotations

from typing import Any

import pytest
from orders_domain.runtime import sdk, wiring


@pytest.mark.usefixtures("tables")
def test_given_the_wired_client_when_it_calls_then_it_sends_the_fixed_user_agent() -> None:
    client = wiring.current().dynamodb
    sent: list[str] = []

    def record(request: Any, **_: Any) -> None:
        sent.append(
            request.headers["User-Agent"].decode()
            if isinstance(request.headers["User-Agent"], bytes)
            else request.headers["User-Agent"]
        )

    client.meta.events.register("before-send.dynamodb.*", record)
    client.list_tables()
    client.list_tables()
    assert len(sent) == 2
    assert sent[0] == sent[1]
    assert sent[0].startswith(sdk.user_agent())
    assert "app/orders-api" in sent[0]


def test_the_config_skips_client_side_validation_and_keeps_retries_and_timeouts() -> None:
    config: Any = sdk.CLIENT_CONFIG  # (botocore's Config sets its options as attributes)
    assert config.parameter_validation is False
    assert config.user_agent == sdk.user_agent()
    assert config.retries["mode"] == "standard"
    assert config.retries["total_max_attempts"] == 4  # max_attempts 3: three retries after the first
    assert (config.connect_timeout, config.read_timeout, config.max_pool_connections) == (2, 5, 16)


def test_the_user_agent_names_the_sdk_the_language_and_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_EXECUTION_ENV", "AWS_Lambda_python3.13")
    agent = sdk.user_agent()
    assert agent.startswith("Boto3/")
    assert " md/Botocore#" in agent
    assert " lang/python#3." in agent
    assert " exec-env/AWS_Lambda_python3.13 " in agent
    monkeypatch.delenv("AWS_EXECUTION_ENV")
    assert " exec-env/local " in sdk.user_agent()
