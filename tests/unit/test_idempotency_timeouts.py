"""A Lambda that dies mid-create (timeout) holds its key only for the time it had left."""

from __future__ import annotations

from typing import Any

import pytest
from orders_domain.services import CreateOrders

from local.lambda_runtime import FakeLambdaContext
from tests.helpers import body_of, create_event, invoke

pytestmark = pytest.mark.usefixtures("tables")

BODY = {"line_items": [{"quantity": 1, "unit_price": 5}]}


class LambdaKilled(BaseException):
    """Like Lambda stopping the process at its timeout: no `except Exception` cleanup runs."""


def die_once(monkeypatch: pytest.MonkeyPatch) -> None:
    real_create = CreateOrders.create

    def dying_create(self: CreateOrders, *args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(CreateOrders, "create", real_create)
        raise LambdaKilled

    monkeypatch.setattr(CreateOrders, "create", dying_create)


def test_key_of_an_invocation_that_timed_out_is_free_once_its_time_is_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a first attempt killed with no time left (its in-progress record is left behind)
    die_once(monkeypatch)
    with pytest.raises(LambdaKilled):
        invoke("create_order", create_event(BODY, key="timeout-1"), FakeLambdaContext(timeout_seconds=0))
    # WHEN the client retries with the same key
    retry = invoke("create_order", create_event(BODY, key="timeout-1"))
    # THEN the key is not stuck: the order is created now
    assert retry["statusCode"] == 201, retry["body"]


def test_key_of_an_invocation_still_within_its_time_is_409(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a first attempt that is (as far as the store knows) still running, with 60 s left
    die_once(monkeypatch)
    with pytest.raises(LambdaKilled):
        invoke("create_order", create_event(BODY, key="timeout-2"), FakeLambdaContext(timeout_seconds=60))
    # WHEN the client retries at once
    retry = invoke("create_order", create_event(BODY, key="timeout-2"))
    # THEN it is told to come back later
    assert retry["statusCode"] == 409
    assert body_of(retry)["code"] == "idempotency_in_progress"
