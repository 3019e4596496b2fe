"""The reliability harness' pieces for the change routes (harness/reliability/: changes.py and the
shared clients.py, faults.py, core.py): how a list of appended values is judged, which answers a
client retries, faults aimed at one order's requests, and the results file's keys."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from harness import reliability
from harness.reliability import LIST, BatchCase, Faults, Tally, check_list, key_text, retryable
from tests.reliability_helpers import answer_everything, offline_client


def _doc(values: list[str], version: int) -> dict[str, Any]:
    return {LIST: values, "sys_version": version}


def test_every_acknowledged_value_once_and_one_version_each_is_clean() -> None:
    tally = Tally()
    check_list(tally, "storm", _doc(["a", "b"], 4), ["a", "b"], ["c"], version=4)
    assert tally.results() == Tally().results()


@pytest.mark.parametrize(
    ("values", "acknowledged", "refused", "version", "kind"),
    [
        (["a"], ["a", "b"], [], 3, "lost_updates"),  # an acknowledged value is missing
        (["a", "a"], ["a"], [], 4, "double_effects"),  # applied twice
        (["a", "c"], ["a"], ["c"], 4, "partial_writes"),  # refused (412), yet applied
        (["a"], ["a"], [], 4, "double_effects"),  # one value, two writes
        (["a", "b"], ["a", "b"], [], 3, "lost_updates"),  # fewer writes than changes
    ],
)
def test_a_wrong_list_or_version_is_counted_once_by_kind(
    values: list[str], acknowledged: list[str], refused: list[str], version: int, kind: str
) -> None:
    expected = 2 + len(acknowledged)
    tally = Tally()
    check_list(tally, "storm", _doc(values, version), acknowledged, refused, version=expected)
    assert getattr(tally, kind) == 1
    assert sum(tally.results().values()) == 1, tally.notes


@pytest.mark.parametrize(
    ("status", "body", "again"),
    [
        (409, {"code": "version_conflict"}, True),
        (409, {"code": "idempotency_in_progress"}, True),
        (409, {"code": "order_state_conflict"}, False),  # the order's state: retrying cannot help
        (409, {"code": "patch_test_failed"}, False),
        (429, None, True),
        (503, None, True),
        (412, None, False),
        (404, None, False),
    ],
)
def test_a_client_retries_only_answers_that_say_again_later(status: int, body: Any, again: bool) -> None:
    assert retryable(status, body) is again


@pytest.mark.parametrize(
    ("result", "outcome"),
    [
        (None, "retry"),  # the batch itself never answered
        ({"outcome": "success"}, "done"),
        ({"outcome": "error", "status": 503, "code": "service_unavailable"}, "retry"),
        ({"outcome": "error", "status": 409, "code": "version_conflict"}, "retry"),
        ({"outcome": "error", "status": 404, "code": "not_found"}, "refused"),
    ],
)
def test_a_batch_operation_outcome_is_done_retry_or_refused(result: Any, outcome: str) -> None:
    assert BatchCase._outcome(result) == outcome


def _get(client: Any, order_id: str) -> Any:
    return client.get_item(TableName="orders", Key={"PK": {"S": key_text(order_id)}, "SK": {"S": "O"}})


def test_a_fault_aimed_at_one_order_hits_only_that_orders_requests() -> None:
    client = offline_client()
    faults = Faults(client)
    answer_everything(client)
    with faults.once("GetItem", "throttling", times=1, only=key_text("a")):
        _get(client, "b")  # another order's read goes through
        with pytest.raises(ClientError) as raised:
            _get(client, "a")
        assert raised.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
        _get(client, "a")  # the planned attempt is spent
    assert faults.fired == 1


def test_faults_aimed_at_different_orders_run_side_by_side_and_leave_when_done() -> None:
    client = offline_client()
    faults = Faults(client)
    answer_everything(client)
    with (
        faults.once("GetItem", "server_error", times=1, only=key_text("a")),
        faults.once("GetItem", "throttling", times=1, only=key_text("b")),
    ):
        with pytest.raises(ClientError) as on_b:
            _get(client, "b")
        with pytest.raises(ClientError) as on_a:
            _get(client, "a")
    assert on_a.value.response["Error"]["Code"] == "InternalServerError"
    assert on_b.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
    with faults.once("GetItem", "throttling", times=3, only=key_text("a")):
        pass
    _get(client, "a")  # a plan is gone once its block ends, spent or not
    assert faults.fired == 2


def test_the_results_file_keeps_its_keys() -> None:
    assert set(Tally().results()) == {
        "concurrent_requests",
        "injected_faults",
        "replayed_stream_records",
        "lost_updates",
        "partial_writes",
        "double_effects",
        "server_errors",
    }


def test_every_change_route_aims_its_faults_at_its_own_orders() -> None:
    for route, mutation in reliability.MUTATIONS.items():
        assert set(mutation.writes) <= set(mutation.calls), route
        assert mutation.targeted is (route != "create"), route
