"""The stream consumer on DynamoDB Local's real stream: history, time travel, coupon rows, events.

Records are read from the table's stream (local.stream.all_records, what `make serve`'s poller
reads) and handed to the function's handler as Lambda's event source mapping would.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
from orders_domain.domain.lifecycle import OrderStatus
from orders_domain.runtime import wiring
from orders_domain.storage import keys

from harness.stream_replay import RecordingPublisher, stream_records
from tests.helpers import (
    COUPON_ORDER_REQUEST,
    body_of,
    create_event,
    deliver_batches,
    get_order_text,
    history_event_for,
    invoke,
    write_next_version,
)

TENANT = "tenant-a"


def deliver_stream(endpoint: str, table: str) -> None:
    """Every record of the table's stream, through the handler in batches of 100; no failures."""
    records = stream_records(boto3.client("dynamodb", endpoint_url=endpoint), table)
    deliver_batches(records[start : start + 100] for start in range(0, len(records), 100))


def test_given_a_create_and_two_changes_on_the_real_stream_then_three_entries_and_the_middle_state_exactly(
    tables: dict[str, str], dynamodb_endpoint: str, publisher: RecordingPublisher
) -> None:
    created = body_of(invoke("create_order", create_event()))
    v1 = wiring.current().orders.get(TENANT, created["id"], consistent=True)
    assert v1 is not None
    bodies = [get_order_text(v1.id)[1]]
    v2 = write_next_version(v1, notes="leave at the box office")
    bodies.append(get_order_text(v1.id, {"consistentRead": "true"})[1])
    v3 = write_next_version(v2, status=OrderStatus.CANCELLED)
    deliver_stream(dynamodb_endpoint, tables["OrdersTable"])

    page = body_of(invoke("get_order", history_event_for(v1.id)))
    assert [(i["sys_version"], i["event"]) for i in page["Items"]] == [
        (1, "OrderCreated"),
        (2, "OrderUpdated"),
        (3, "OrderCancelled"),
    ]
    between = v2.sys_last_modified_at + (v3.sys_last_modified_at - v2.sys_last_modified_at) / 2
    assert get_order_text(v1.id, {"asOf": between.isoformat()}) == (200, bodies[1])
    assert get_order_text(v1.id, {"asOf": v1.sys_created_at.isoformat()}) == (200, bodies[0])
    assert [(e.event_type.value, e.detail["sys_version"]) for e in publisher.accepted] == [
        ("OrderCreated", 1),
        ("OrderUpdated", 2),
        ("OrderCancelled", 3),
    ]


def usage_rows(endpoint: str, table: str, index: str, pk_attribute: str, pk: str) -> list[dict[str, Any]]:
    client = boto3.client("dynamodb", endpoint_url=endpoint)
    found = client.query(
        TableName=table,
        IndexName=index,
        KeyConditionExpression="#pk = :pk",
        ExpressionAttributeNames={"#pk": pk_attribute},
        ExpressionAttributeValues={":pk": {"S": pk}},
    )["Items"]
    return [json.loads(i["summary"]["S"]) for i in found]


def test_coupon_usage_rows_appear_in_the_coupon_indexes_and_follow_a_change_that_removes_a_coupon(
    tables: dict[str, str], dynamodb_endpoint: str, publisher: RecordingPublisher
) -> None:
    created = body_of(invoke("create_order", create_event(COUPON_ORDER_REQUEST)))
    table = tables["OrdersTable"]
    deliver_stream(dynamodb_endpoint, table)
    oid = created["id"]  # the rows are in the order's coupon shard
    by_coupon = keys.coupon_usage_index_attributes(TENANT, oid, 0, "d", "promo", "WINTER", None)["coupon_pk"]
    by_code = keys.coupon_usage_index_attributes(TENANT, oid, 0, "d", "code", "K", "CODE-9")["coupon_code_pk"]
    (row,) = usage_rows(dynamodb_endpoint, table, keys.INDEX_COUPON, "coupon_pk", by_coupon)
    assert (row["order_id"], row["customer_id"], row["contact_id"]) == (created["id"], "c-42", "c-42")
    assert (row["discount"], row["order_total"], row["order_number"]) == (
        3,
        created["total"],
        created["number"],
    )
    assert len(usage_rows(dynamodb_endpoint, table, keys.INDEX_COUPON_CODE, "coupon_code_pk", by_code)) == 1

    order = wiring.current().orders.get(TENANT, created["id"], consistent=True)
    assert order is not None
    write_next_version(order, coupons=(order.coupons or [])[1:])
    deliver_stream(dynamodb_endpoint, table)  # every record again, the new one included
    assert usage_rows(dynamodb_endpoint, table, keys.INDEX_COUPON, "coupon_pk", by_coupon) == []
    (left,) = usage_rows(dynamodb_endpoint, table, keys.INDEX_COUPON_CODE, "coupon_code_pk", by_code)
    assert left["coupon_code_id"] == "CODE-9"


def test_given_a_fulfil_a_partial_cancel_and_a_close_on_the_real_stream_then_their_events_and_history(
    tables: dict[str, str], dynamodb_endpoint: str, publisher: RecordingPublisher
) -> None:
    # GIVEN a 3-unit order fulfilled 2 (a transaction: order and fulfillment), 1 cancelled, then closed
    from tests.fulfil_helpers import cancel, fulfil

    body = {"line_items": [{"order_line_item_id": "L1", "quantity": 3, "unit_price": "2.00"}]}
    created = body_of(invoke("create_order", create_event(body)))
    assert fulfil(created["id"], {"items": [{"order_line_item_id": "L1", "quantity": 2}]})[0] == 200
    assert cancel("cancel", created["id"], {"items": [{"order_line_item_id": "L1", "quantity": 1}]})[0] == 200
    assert cancel("close", created["id"])[0] == 200
    # WHEN the stream is delivered (the fulfillment item's record is filtered out, as the template's
    # filter does on AWS)
    deliver_stream(dynamodb_endpoint, tables["OrdersTable"])
    # THEN each change of the order is one history entry and one event, in order
    page = body_of(invoke("get_order", history_event_for(created["id"])))
    assert [(i["sys_version"], i["event"]) for i in page["Items"]] == [
        (1, "OrderCreated"),
        (2, "OrderFulfilled"),
        (3, "OrderFulfilled"),  # cancelling the last open unit leaves it fulfilled: the status moves
        (4, "OrderClosed"),
    ]
    assert [e.event_type.value for e in publisher.accepted] == [
        "OrderCreated",
        "OrderFulfilled",
        "OrderFulfilled",
        "OrderClosed",
    ]


def test_given_refunds_on_the_real_stream_then_order_refunded_events_and_history(
    tables: dict[str, str], dynamodb_endpoint: str, publisher: RecordingPublisher
) -> None:
    # GIVEN two fulfilled tickets, refunded one at a time (the second by guest token)
    from tests.fulfil_helpers import fulfil, refund

    body = {
        "line_items": [{"order_line_item_id": f"T{n}", "quantity": 1, "unit_price": "10.91"} for n in (1, 2)],
        "payment_info": {"type": "Visa"},
    }
    created = body_of(invoke("create_order", create_event(body)))
    assert fulfil(created["id"])[0] == 200
    reason = "ChangedMindCannotMakeShow"
    assert refund(created["id"], {"refund_reason_name": reason, "line_numbers": [1]})[0] == 200
    assert refund(f"token-{created['token']}", {"refund_reason_name": reason, "line_numbers": [2]})[0] == 200
    # WHEN the stream is delivered
    deliver_stream(dynamodb_endpoint, tables["OrdersTable"])
    # THEN partly and then wholly refunded are each an OrderRefunded event and a history entry
    page = body_of(invoke("get_order", history_event_for(created["id"])))
    assert [(i["sys_version"], i["event"]) for i in page["Items"]] == [
        (1, "OrderCreated"),
        (2, "OrderFulfilled"),
        (3, "OrderRefunded"),
        (4, "OrderRefunded"),
    ]
    assert [e.event_type.value for e in publisher.accepted][-2:] == ["OrderRefunded", "OrderRefunded"]
