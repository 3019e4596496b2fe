"""Issue 29 on DynamoDB Local (its real 400 KB item limit): an order as large as the service accepts
is stored, its keyed answer stored and replayed, its history written; one byte past is a 413 that
wrote nothing."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from orders_domain.domain.jsonio import dumps
from orders_domain.models.types import MAX_ORDER_STORED_BYTES

from harness.stream_replay import RecordingPublisher, stream_records
from tests.helpers import (
    body_of,
    create_event,
    deliver_batches,
    get_event_for,
    header_of,
    history_event_for,
    invoke,
    with_headers,
)

pytestmark = pytest.mark.usefixtures("tables")

LINE = {"line_items": [{"quantity": 1, "unit_price": "10.00"}]}


def keyed_create(body: dict[str, Any], key: str) -> tuple[int, Any, dict[str, Any]]:
    response = invoke("create_order", with_headers(create_event(body), **{"Idempotency-Key": key}))
    return response["statusCode"], body_of(response), response


def largest_note(character: str) -> str:
    """A note that brings the order as close to the stored bound as the character allows."""
    _, order, _ = keyed_create({**LINE, "payload": {"note": ""}}, key=f"probe-{ord(character)}")
    escaped_base = len(json.dumps(dumps(order)))
    # in the order's JSON text, then escaped once more in ASCII: x 1, € 6, " 4 (\\\"), 🎟 12 bytes
    per_character = len(json.dumps(json.dumps(character, ensure_ascii=False))) - len(json.dumps('""'))
    # the answer carries links and numbers the stored document does not: leave a little room
    return character * ((MAX_ORDER_STORED_BYTES - escaped_base - 2_000) // per_character)


@pytest.mark.parametrize("character", ["\u20ac", '"', "x", "\U0001f39f"])
def test_given_the_largest_storable_order_when_created_with_a_key_then_it_is_stored_replayed_and_historied(
    character: str, tables: dict[str, str], dynamodb_endpoint: str, publisher: RecordingPublisher
) -> None:
    note = largest_note(character)
    body = {**LINE, "payload": {"note": note}}
    status, order, _ = keyed_create(body, key=f"largest-{ord(character)}")
    assert status == 201, order
    again_status, again, response = keyed_create(body, key=f"largest-{ord(character)}")
    assert (again_status, again) == (201, order)
    assert header_of(response, "Idempotent-Replayed") == "true"
    got = invoke("get_order", get_event_for(order["id"], query={"consistentRead": "true"}))
    assert body_of(got)["payload"]["note"] == note
    # AND the stream consumer writes its history entry (a record it cannot store would fail the batch)
    records = stream_records(boto3.client("dynamodb", endpoint_url=dynamodb_endpoint), tables["OrdersTable"])
    deliver_batches(records[start : start + 25] for start in range(0, len(records), 25))
    history = body_of(invoke("get_order", history_event_for(order["id"])))
    assert [entry["sys_version"] for entry in history["Items"]] == [1]


@pytest.mark.parametrize("character", ["\u20ac", '"'])
def test_given_an_order_past_the_stored_bound_then_413_twice_and_nothing_written(character: str) -> None:
    body = {**LINE, "payload": {"note": largest_note(character) + character * 1_000}}
    for _ in range(2):
        status, problem, _ = keyed_create(body, key=f"past-{ord(character)}")
        assert status == 413, problem
