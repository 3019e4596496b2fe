"""DynamoDB stream records in the shape Lambda's event source mapping hands them to a function,
and the order versions that make them.

Built from table items, for the tests, the harness and `events/order_stream.json`; the local
stream poller (local/stream.py) reads real ones from DynamoDB Local's Streams API instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-11-29T00:00:00.000"
_KEY_ATTRIBUTES = ("PK", "SK")


def lambda_record(
    old_item: Mapping[str, Any] | None,
    new_item: Mapping[str, Any] | None,
    sequence_number: int | str,
    *,
    stream_arn: str = STREAM_ARN,
    created_at: float = 1_795_000_000.0,
) -> dict[str, Any]:
    """The stream record of one write: INSERT (no old item), MODIFY, or REMOVE (no new item)."""
    item = new_item if new_item is not None else old_item
    if item is None:
        raise ValueError("a record needs an old or a new item")
    event_name = "INSERT" if old_item is None else ("REMOVE" if new_item is None else "MODIFY")
    sequence = str(sequence_number).rjust(21, "0") if isinstance(sequence_number, int) else sequence_number
    stream: dict[str, Any] = {
        "ApproximateCreationDateTime": created_at,
        "Keys": {name: dict(item[name]) for name in _KEY_ATTRIBUTES},
        "SequenceNumber": sequence,
        "SizeBytes": sum(len(str(v)) for v in item.values()),
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if new_item is not None:
        stream["NewImage"] = dict(new_item)
    if old_item is not None:
        stream["OldImage"] = dict(old_item)
    return {
        "eventID": hashlib.sha256(f"{stream_arn}|{sequence}".encode()).hexdigest()[:32],
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": stream_arn.split(":")[3],
        "dynamodb": stream,
        "eventSourceARN": stream_arn,
    }


def stream_event(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The event a function receives for a batch of records."""
    return {"Records": [dict(r) for r in records]}


def next_version(order: Any, **changes: Any) -> Any:
    """The order's next version as an update would write it: `changes`, version + 1, modified one
    second later (room between versions for time travel) unless `changes` say otherwise."""
    return order.model_copy(
        update={
            "sys_version": order.sys_version + 1,
            "sys_last_modified_at": order.sys_last_modified_at + timedelta(seconds=1),
            **changes,
        }
    )
