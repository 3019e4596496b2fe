"""Order history entries rebuild every version exactly, stay small, and name the right event."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from orders_domain.domain import history_entries
from orders_domain.domain.events import OrderEvent
from orders_domain.domain.lifecycle import OrderStatus
from orders_domain.models import OrderCreateRequest
from orders_domain.services import CreateOrders

from tests.fakes import InMemoryOrderRepository

S = OrderStatus


def stored_document(lines: int = 2) -> dict[str, Any]:
    """An order's document as storage holds it (Decimals as strings)."""
    request = OrderCreateRequest.model_validate(
        {
            "coupons": [{"coupon_id": "c1", "coupon_type": "promo", "discount": 1}],
            "line_items": [{"quantity": 2, "unit_price": "12.50", "sku": f"S{n}"} for n in range(lines)],
        }
    )
    order = CreateOrders(InMemoryOrderRepository()).create(request, tenant_id="t1", actor="key_a").order
    loaded: dict[str, Any] = json.loads(order.model_dump_json(exclude_none=True))
    return loaded


def changed(document: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {**document, **fields, "sys_version": document["sys_version"] + 1}


def test_given_a_create_and_two_changes_when_rebuilt_then_every_version_is_exact() -> None:
    # GIVEN an order, then a memo added, then the order cancelled
    v1 = stored_document()
    v2 = changed(v1, memo="call first", sys_last_modified_by_id="key_b")
    v3 = changed(v2, status=S.CANCELLED.value)
    entries = [
        history_entries.entry_for(None, v1),
        history_entries.entry_for(v1, v2),
        history_entries.entry_for(v2, v3),
    ]
    # THEN the entries say what happened, in order
    assert [e.version for e in entries] == [1, 2, 3]
    assert [e.event for e in entries] == [OrderEvent.CREATED, OrderEvent.UPDATED, OrderEvent.CANCELLED]
    assert entries[0].changed == ("",)
    assert entries[1].changed == ("/memo",)  # not the bookkeeping every version changes
    assert entries[1].actor == "key_b"
    assert entries[1].patch is not None  # a small change is a small patch, not a snapshot
    # AND each version rebuilds exactly, text included
    for version, document in ((1, v1), (2, v2), (3, v3)):
        rebuilt = history_entries.rebuild(entries, version)
        assert rebuilt == document
        assert json.dumps(rebuilt) == json.dumps(document)


def test_a_version_the_entries_do_not_reach_is_none() -> None:
    v1 = stored_document()
    entries = [history_entries.entry_for(None, v1)]
    assert history_entries.rebuild(entries, 2) is None
    assert history_entries.rebuild(entries, 0) is None
    # a patch without the snapshot it starts from cannot be rebuilt either
    v2 = changed(v1, memo="m")
    assert history_entries.rebuild([history_entries.entry_for(v1, v2)], 2) is None


def test_a_500_line_order_stays_far_below_the_item_limit() -> None:
    big = stored_document(lines=500)
    assert len(json.dumps(big)) > 250_000  # the raw document alone would be most of the limit
    created = history_entries.entry_for(None, big)
    assert created.snapshot is not None
    assert len(created.snapshot) < 60_000
    # and changing one line is a patch of a few hundred bytes
    lines = [dict(line) for line in big["line_items"]]
    lines[250]["sku"] = "CHANGED"
    edit = history_entries.entry_for(big, changed(big, line_items=lines))
    assert edit.changed == ("/line_items/250/sku",)
    assert edit.patch is not None
    assert len(json.dumps(edit.patch)) < 500


def test_snapshots_come_at_least_every_snapshot_every_versions() -> None:
    documents = [stored_document()]
    for n in range(2, 3 * history_entries.SNAPSHOT_EVERY):
        documents.append(changed(documents[-1], memo=f"note {n}"))
    entries = [history_entries.entry_for(None, documents[0])]
    entries += [history_entries.entry_for(a, b) for a, b in itertools.pairwise(documents)]
    snapshots = [e.version for e in entries if e.snapshot is not None]
    assert snapshots == [1, history_entries.SNAPSHOT_EVERY + 1, 2 * history_entries.SNAPSHOT_EVERY + 1]
    assert history_entries.rebuild(entries, len(documents)) == documents[-1]


@pytest.mark.parametrize(
    ("old", "new", "event"),
    [
        (None, S.AWAITING_PAYMENT, OrderEvent.CREATED),
        (None, S.PAID, OrderEvent.CREATED),
        (S.AWAITING_PAYMENT, S.PAID, OrderEvent.UPDATED),
        (S.PAID, S.PAID, OrderEvent.UPDATED),
        (S.PAID, S.PARTIALLY_FULFILLED, OrderEvent.FULFILLED),
        (S.PARTIALLY_FULFILLED, S.FULFILLED, OrderEvent.FULFILLED),
        (S.PARTIALLY_FULFILLED, S.PARTIALLY_FULFILLED, OrderEvent.UPDATED),
        (S.FULFILLED, S.PARTIALLY_REFUNDED, OrderEvent.REFUNDED),
        (S.PARTIALLY_REFUNDED, S.REFUNDED, OrderEvent.REFUNDED),
        (S.PAID, S.CANCELLED, OrderEvent.CANCELLED),
        (S.PAID, S.VOIDED, OrderEvent.VOIDED),
        (S.FULFILLED, S.CLOSED, OrderEvent.CLOSED),
    ],
)
def test_the_event_of_a_change_is_the_status_it_moves_into(
    old: OrderStatus | None, new: OrderStatus, event: OrderEvent
) -> None:
    from orders_domain.domain.events import event_for

    assert event_for(old.value if old else None, new.value) is event


# Any sequence of changes (values, nested lists, removed and added keys) rebuilds at every version.
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=12,
)
FIELDS = st.dictionaries(st.sampled_from(["memo", "lines", "payload", "x", "y"]), VALUES, max_size=5)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(FIELDS, st.sampled_from([s.value for s in OrderStatus])), min_size=1, max_size=45))
def test_any_sequence_of_changes_rebuilds_exactly_at_every_version(
    steps: list[tuple[dict[str, Any], str]],
) -> None:
    documents = [
        {**fields, "status": status, "sys_version": n} for n, (fields, status) in enumerate(steps, 1)
    ]
    entries = [history_entries.entry_for(None, documents[0])]
    entries += [history_entries.entry_for(a, b) for a, b in itertools.pairwise(documents)]
    for version, document in enumerate(documents, 1):
        assert history_entries.rebuild(entries, version) == document


# ---------------------------------------------------------------------------- the store's batch of puts
class BatchClient:
    """A DynamoDB client's batch_write_item and put_item: answers `unprocessed` (keys) as left over,
    raises `error` for the batch, and refuses put_item of the keys in `bad`."""

    def __init__(
        self, unprocessed: frozenset[str] = frozenset(), error: str = "", bad: frozenset[str] = frozenset()
    ) -> None:
        self.unprocessed, self.error, self.bad = unprocessed, error, bad
        self.batches: list[list[str]] = []
        self.puts: list[str] = []

    def batch_write_item(self, RequestItems: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        ((table, requests),) = RequestItems.items()
        self.batches.append([r["PutRequest"]["Item"]["PK"]["S"] for r in requests])
        if self.error:
            raise ClientError({"Error": {"Code": self.error, "Message": "x"}}, "BatchWriteItem")
        left = [r for r in requests if r["PutRequest"]["Item"]["PK"]["S"] in self.unprocessed]
        return {"UnprocessedItems": {table: left} if left else {}}

    def put_item(self, **request: Any) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        pk = request["Item"]["PK"]["S"]
        self.puts.append(pk)
        if pk in self.bad:
            raise ClientError({"Error": {"Code": "ValidationException", "Message": "too large"}}, "PutItem")
        return {}


def three_entries() -> list[tuple[str, str, history_entries.HistoryEntry]]:
    return [("t1", f"o{n}", history_entries.entry_for(None, stored_document(1))) for n in range(3)]


def test_put_entries_answers_throttled_for_exactly_the_entries_left_unprocessed() -> None:
    from orders_domain.domain.errors import Throttled
    from orders_domain.storage import keys
    from orders_domain.storage.history import DynamoHistoryStore

    left = keys.order_key("t1", "o1")["PK"]
    client = BatchClient(unprocessed=frozenset({left}))
    answers = DynamoHistoryStore(client, "orders").put_entries(three_entries())  # type: ignore[arg-type]
    assert [type(a) for a in answers] == [type(None), Throttled, type(None)]
    assert len(client.batches) == 1


def test_a_batch_refused_as_a_whole_is_put_one_entry_at_a_time_so_only_the_bad_entry_fails() -> None:
    from botocore.exceptions import ClientError
    from orders_domain.storage import keys
    from orders_domain.storage.history import DynamoHistoryStore

    bad = keys.order_key("t1", "o2")["PK"]
    client = BatchClient(error="ValidationException", bad=frozenset({bad}))
    answers = DynamoHistoryStore(client, "orders").put_entries(three_entries())  # type: ignore[arg-type]
    assert answers[:2] == [None, None]
    assert isinstance(answers[2], ClientError)
    assert len(client.puts) == 3


def test_a_throttled_batch_fails_every_entry_as_throttled_without_single_puts() -> None:
    from orders_domain.domain.errors import Throttled
    from orders_domain.storage.history import DynamoHistoryStore

    client = BatchClient(error="ProvisionedThroughputExceededException")
    answers = DynamoHistoryStore(client, "orders").put_entries(three_entries())  # type: ignore[arg-type]
    assert all(isinstance(a, Throttled) for a in answers)
    assert client.puts == []


def test_put_entries_stores_entries_that_read_back_and_a_second_put_leaves_the_same_items(
    tables: dict[str, str],
) -> None:
    import boto3
    from orders_domain.runtime import wiring

    store = wiring.current().history
    v1 = stored_document()
    v2 = changed(v1, memo="m")
    entries = [
        ("t1", "o1", history_entries.entry_for(None, v1)),
        ("t1", "o1", history_entries.entry_for(v1, v2)),
    ]
    assert store.put_entries(entries) == [None, None]
    client = boto3.client("dynamodb", region_name="us-east-1")
    scan = client.scan(TableName=tables["OrdersTable"])["Items"]
    assert store.put_entries(entries[::-1]) == [None, None]  # a redelivery, in another order
    assert client.scan(TableName=tables["OrdersTable"])["Items"] == scan
    assert store.entries("t1", "o1") == [e for _, _, e in entries]
    assert history_entries.rebuild(store.entries("t1", "o1"), 2) == v2
