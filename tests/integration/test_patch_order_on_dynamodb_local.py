"""patch_order on DynamoDB Local: concurrent patches all land, a stale If-Match changes nothing, and
the stream consumer records each change."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from local.lambda_runtime import InstancePool
from tests.helpers import body_of, get_event_for, invoke
from tests.patch_helpers import change, change_event, create_order

pytestmark = pytest.mark.usefixtures("tables")


def _read(order_id: str) -> dict[str, Any]:
    got: dict[str, Any] = body_of(
        invoke("get_order", get_event_for(order_id, query={"consistentRead": "true"}))
    )
    return got


def test_given_6_threads_x_6_concurrent_add_patches_then_all_36_are_applied() -> None:
    # GIVEN an order with an empty list (every order has one), and patch_order running as 6
    # concurrent Lambda instances
    order = create_order()
    assert order["additional_email_confirmation_recipients"] == []
    pool = InstancePool("functions.patch_order.app")
    start = threading.Barrier(6)
    results: list[int] = []

    def worker(thread: int) -> None:
        start.wait()
        for n in range(6):
            ops = [
                {"op": "add", "path": "/additional_email_confirmation_recipients/-", "value": f"{thread}-{n}"}
            ]
            results.append(pool.invoke(change_event("PATCH", order["id"], ops))["statusCode"])

    # WHEN each thread appends 6 values, all at once
    threads = [threading.Thread(target=worker, args=(t,)) for t in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN every patch succeeded and all 36 values are there: none lost to a race
    final = _read(order["id"])
    assert results == [200] * 36
    assert sorted(final["additional_email_confirmation_recipients"]) == sorted(
        f"{t}-{n}" for t in range(6) for n in range(6)
    )
    assert final["sys_version"] == order["sys_version"] + 36


def test_a_stale_if_match_is_412_and_changes_nothing() -> None:
    order = create_order()
    assert (
        change("PATCH", order["id"], [{"op": "add", "path": "/memo", "value": "first"}], if_match='"1"')[0]
        == 200
    )
    before = _read(order["id"])
    status, problem, _ = change(
        "PATCH", order["id"], [{"op": "add", "path": "/memo", "value": "late"}], if_match='"1"'
    )
    assert status == 412, problem
    assert _read(order["id"]) == before
