"""The proof harness' stream helpers: batches, faults, snapshots (harness/stream_replay.py), the bench's
stream figures and offline EventBridge (harness/bench), the fuzz's history probes (harness/fuzz)."""

from __future__ import annotations

import json
import random
import tomllib
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from orders_domain.models import Order, OrderCreateRequest
from orders_domain.runtime import wiring
from orders_domain.services import CreateOrders
from orders_domain.storage import keys
from orders_domain.storage.orders import OrderRecord

from harness import bench, fuzz, stream_replay
from local.stream_records import lambda_record
from tests.fakes import InMemoryOrderRepository
from tests.helpers import TEMPLATE, item_key

TENANT = "tenant-a"
BODY = {
    "line_items": [{"description": "Ticket", "quantity": 2, "unit_price": "13.75"}],
    "coupons": [{"coupon_id": "WINTER", "coupon_type": "promo", "discount": "1.00"}],
}


def new_order(body: dict[str, Any] | None = None) -> Order:
    request = OrderCreateRequest.model_validate(body or BODY)
    return CreateOrders(InMemoryOrderRepository()).create(request, tenant_id=TENANT, actor="key_t").order


def item(order: Order) -> dict[str, Any]:
    return OrderRecord(order=order).to_item()


def records_of_three_orders() -> tuple[list[Order], list[dict[str, Any]]]:
    """Three orders, the first with versions 2 and 3 (its coupon removed in 3), and a counter write."""
    first, second, third = new_order(), new_order(), new_order({"line_items": BODY["line_items"]})
    v2 = bench.next_version(first)
    v3 = bench.next_version(v2).model_copy(update={"coupons": []})
    counter = {"PK": {"S": f"T#{TENANT}#COUNTER"}, "SK": {"S": "ORDER_NUMBER"}, "last_number": {"N": "3"}}
    writes = [
        (None, item(first)),
        (None, item(second)),
        (None, counter),
        (item(first), item(v2)),
        (None, item(third)),
        (item(v2), item(v3)),
    ]
    records = [lambda_record(old, new, n + 1) for n, (old, new) in enumerate(writes)]
    return [v3, second, third], records


# ---------------------------------------------------------------------------- stream_replay
def test_random_batches_hold_every_record_once_in_stream_order_within_each_batch() -> None:
    records = [{"n": n} for n in range(457)]
    batches = stream_replay.random_batches(records, random.Random(3))
    assert all(1 <= len(batch) <= 100 for batch in batches)
    assert sorted(r["n"] for batch in batches for r in batch) == list(range(457))
    assert all([r["n"] for r in batch] == sorted(r["n"] for r in batch) for batch in batches)
    starts = [batch[0]["n"] for batch in batches]
    assert starts != sorted(starts)  # the batches themselves come in another order


def test_orders_in_names_each_order_written_once_and_nothing_else() -> None:
    orders, records = records_of_three_orders()
    assert stream_replay.orders_in(records) == [(TENANT, o.id) for o in orders]
    assert stream_replay.order_of(records[2]) is None


def test_differences_names_what_appeared_went_and_changed() -> None:
    before = {("p", "a"): 1, ("p", "b"): 2, ("p", "c"): 3}
    after = {("p", "a"): 1, ("p", "b"): 5, ("p", "d"): 4}
    assert stream_replay.differences(before, after) == [
        "changed ('p', 'b')",
        "gone ('p', 'c')",
        "new ('p', 'd')",
    ]
    assert stream_replay.differences(before, dict(before)) == []


def test_the_recording_publisher_refuses_its_share_and_keeps_the_rest() -> None:
    events = [object() for _ in range(50)]
    assert stream_replay.RecordingPublisher().publish(events) == []
    refusing = stream_replay.RecordingPublisher(refuse_share=1.0)
    assert refusing.publish(events) == events
    assert refusing.accepted == []
    half = stream_replay.RecordingPublisher(refuse_share=0.5, seed=1)
    refused = half.publish(events)
    assert 0 < len(refused) < 50
    assert len(refused) + len(half.accepted) == 50


def test_throttled_puts_answer_with_dynamodbs_throttling_error_while_active() -> None:
    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url="http://127.0.0.1:9")
    throttle = stream_replay.ThrottledPuts(client, share=1.0)
    throttle.active = True
    with pytest.raises(ClientError) as raised:
        client.put_item(TableName="t", Item={"PK": {"S": "x"}, "SK": {"S": "y"}})
    assert raised.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
    assert throttle.fired == 1


def test_a_replay_in_random_batches_with_faults_changes_no_projection_and_rebuilds_every_order(
    tables: dict[str, str],
) -> None:
    orders, records = records_of_three_orders()
    admin = boto3.client("dynamodb", region_name="us-east-1")
    for order in orders:
        admin.put_item(TableName=tables["OrdersTable"], Item=item(order))
    publisher = stream_replay.RecordingPublisher()
    stream_replay.install_publisher(publisher)
    consumer = stream_replay.Consumer()
    consumer.deliver(records)
    assert consumer.records_sent == 5  # the counter's record is filtered out, as on AWS
    keyed = stream_replay.orders_in(records)
    snapshot = stream_replay.projections(admin, tables["OrdersTable"], keyed)
    assert {sk for _, sk in snapshot} == {"HIST#0000000001", "HIST#0000000002", "HIST#0000000003", "CPN#000"}
    first = set(publisher.accepted_ids())

    throttle = stream_replay.ThrottledPuts(wiring.current().dynamodb, 0.3, seed=5)
    throttle.active, publisher.refuse_share = True, 0.3
    rng = random.Random(11)
    for _ in range(3):
        for batch in stream_replay.random_batches(records, rng, largest=3):
            consumer.deliver(batch)
    throttle.active, publisher.refuse_share = False, 0.0
    assert throttle.fired + publisher.refused > 0
    assert stream_replay.projections(admin, tables["OrdersTable"], keyed) == snapshot
    assert set(publisher.accepted_ids(len(first))) == first
    assert stream_replay.history_mismatches(admin, tables["OrdersTable"], keyed) == []


# ---------------------------------------------------------------------------- bench
def test_offline_eventbridge_accepts_every_entry_without_the_network() -> None:
    client = bench.offline_events_client()
    entries = [{"Source": "s", "DetailType": "d", "Detail": "{}", "EventBusName": "b"}] * 3
    answer = client.put_events(Entries=entries)
    assert answer["FailedEntryCount"] == 0
    assert len(answer["Entries"]) == 3


def test_calls_per_order_change_split_orders_with_and_without_coupons() -> None:
    _, records = records_of_three_orders()
    changes = bench.order_changes(records)
    first, second, third = (r["dynamodb"]["Keys"]["PK"]["S"] for r in (records[0], records[1], records[4]))
    # The first order (three writes) has no coupon from version 3 on: its last write counts it without
    assert changes == {first: (False, 3), second: (True, 1), third: (False, 1)}

    def put(pk: str) -> bench.Call:
        return bench.Call(api="PutItem", table="t", params={"Item": {"PK": {"S": pk}, "SK": {"S": "HIST#"}}})

    calls = [put(first), put(first), put(first), put(first), put(second), put(second), put(third)]
    assert bench.calls_per_change(calls, records) == {"without_coupons": 1.25, "with_coupons": 2.0}


def test_a_batch_write_counts_a_share_of_a_call_per_item_and_bills_each_item() -> None:
    from harness.bench.stream import batch_puts, batch_write_units

    _, records = records_of_three_orders()
    first, second, third = (r["dynamodb"]["Keys"]["PK"]["S"] for r in (records[0], records[1], records[4]))

    def entry(pk: str, size: int = 10) -> dict[str, Any]:
        return {"PutRequest": {"Item": {"PK": {"S": pk}, "SK": {"S": "HIST#"}, "pad": {"S": "x" * size}}}}

    batch = bench.Call(
        api="BatchWriteItem",
        table="",
        params={"RequestItems": {"t": [entry(first), entry(second), entry(third, 1500)]}},
    )
    row = bench.Call(api="PutItem", table="t", params={"Item": {"PK": {"S": second}, "SK": {"S": "CPN#000"}}})
    assert len(batch_puts(batch)) == 3
    assert batch_puts(row) == []
    # first: a third of a call over its three changes; second: a third and a put for one; third: a third
    assert bench.calls_per_change([batch, row], records) == {
        "without_coupons": round((1 / 3 + 1 / 3) / 4, 2),
        "with_coupons": round(4 / 3, 2),
    }
    measured = bench.Bench("", {}, {"t": {}})
    assert batch_write_units(measured, [batch, row]) == 1 + 1 + 2  # the 1.5 KB item is two units


def test_added_latency_slows_each_call_of_the_named_service_only_while_it_lasts() -> None:
    import time

    from harness.bench.stream import added_latency

    client = bench.offline_events_client()
    entries = [{"Source": "s", "DetailType": "d", "Detail": "{}", "EventBusName": "b"}]

    def timed() -> float:
        started = time.perf_counter()
        client.put_events(Entries=entries)
        return time.perf_counter() - started

    timed()
    with added_latency([client], {"eventbridge": 80.0, "dynamodb": 1000.0}):
        assert timed() >= 0.08
    assert timed() < 0.08


@pytest.mark.parametrize(
    ("per_invocation", "factor"), [(1000, 1), (999, 2), (187, 6), (100, 10), (50, 10), (0, 10)]
)
def test_the_parallelization_factor_carries_the_shard_peak_with_headroom(
    per_invocation: int, factor: int
) -> None:
    from harness.bench.stream import HEADROOM, SHARD_PEAK_CHANGES_PER_S, parallelization_factor

    assert SHARD_PEAK_CHANGES_PER_S * HEADROOM == 1000
    assert parallelization_factor(per_invocation) == factor


def test_a_put_that_fails_its_condition_is_billed_the_existing_items_size_and_no_index(
    tables: dict[str, str],
) -> None:
    from local.tables import load_template

    template = load_template(TEMPLATE)
    endpoint: Any = None  # moto
    measured = bench.Bench(
        endpoint, tables, bench._index_keys(template, tables), bench._key_names(template, tables)
    )
    client = boto3.client("dynamodb", region_name="us-east-1")
    measured.recorder.attach(client)
    row = {
        **item_key(keys.coupon_usage_key("t", "1", 0)),
        "coupon_pk": {"S": "T#t#CPN#promo#c1"},
        "coupon_sk": {"S": "2026#1#000"},
        "summary": {"S": "s"},
        "padding": {"S": "x" * 2500},
    }
    client.put_item(TableName=tables["OrdersTable"], Item=row)
    with pytest.raises(ClientError):
        client.put_item(
            TableName=tables["OrdersTable"],
            Item={**row, "padding": {"S": "y"}},
            ConditionExpression="attribute_not_exists(SK)",
        )
    written, refused = measured.recorder.take()
    assert measured.capacity([written]) == (0.0, 3 + 1)  # 2.6 KB, and the by-coupon index entry
    assert measured.capacity([refused]) == (0.0, 3)  # the existing 2.6 KB item; no index written


def test_history_event_routes_to_the_history_of_the_order() -> None:
    got = bench.history_event("order-1")
    assert got["path"] == f"/orders/{bench.TENANT}/order-1/history"
    assert got["pathParameters"] == {"tenantId": bench.TENANT, "id": "order-1"}


# ---------------------------------------------------------------------------- fuzz
def test_between_gives_the_moments_halfway_between_versions() -> None:
    at = ["2026-11-29T10:00:00.000000Z", "2026-11-29T10:00:02.000000Z", "2026-11-29T10:00:03.000000Z"]
    assert fuzz.between(at) == ["2026-11-29T10:00:01.000000Z", "2026-11-29T10:00:02.500000Z"]
    assert fuzz.between(at[:1]) == []


def test_history_probes_ask_for_foreign_orders_and_tokens_and_expect_404_or_400() -> None:
    a = fuzz.Tenant("tenant-a", "ka", order_ids=["a1", "a2"], tokens=["ta"], history_tokens=["HA"])
    b = fuzz.Tenant("tenant-b", "kb", order_ids=["b1"], tokens=["tb"], history_tokens=["HB"])
    b.moments = ["2026-11-29T10:00:01.000000Z"]
    get = fuzz.history_probes("/orders/{tenantId}/{id}", {"fields", "asOf"}, a, b)
    assert [(p, s) for _, p, s in get] == [
        ("/orders/tenant-a/b1?asOf=2026-11-29T10%3A00%3A01.000000Z", {404}),
        ("/orders/tenant-a/token-tb?asOf=2026-11-29T10%3A00%3A01.000000Z", {404}),
    ]
    pages = fuzz.history_probes("/orders/{tenantId}/{id}/history", {"limit", "after"}, a, b)
    assert [(p, s) for _, p, s in pages] == [
        ("/orders/tenant-a/a1/history?after=HB", {400}),
        ("/orders/tenant-a/b1/history?after=HB", {400, 404}),
        ("/orders/tenant-a/a2/history?after=HA", {400}),
    ]
    assert fuzz.history_probes("/orders/{tenantId}", set(), a, b) == []


def test_schemathesis_config_draws_ids_tokens_and_moments_from_tenant_a() -> None:
    a = fuzz.Tenant("tenant-a", "ka", order_ids=["a1"], tokens=["ta"], history_tokens=["HA"])
    a.moments = ["2026-11-29T10:00:01.000000Z"]
    config = tomllib.loads(fuzz.schemathesis_config(a))
    assert config["parameters"]["tenantId"] == "tenant-a"
    assert config["parameters"]["path.id"] == {"dictionary": "order_ids", "probability": fuzz.DRAWN}
    assert config["dictionaries"]["order_ids"]["values"] == ["a1", "token-ta"]
    assert config["dictionaries"]["history_tokens"]["values"] == ["HA"]
    assert config["dictionaries"]["moments"]["values"] == a.moments
    bare = tomllib.loads(fuzz.schemathesis_config(fuzz.Tenant("tenant-a", "ka", order_ids=["a1"])))
    shared = {f"path.{name}" for name in fuzz.FOREIGN_VALUES if name != "id"}
    assert set(bare["parameters"]) == {"tenantId", "path.id", *shared}
    assert "operations" not in bare


def test_next_version_moves_the_version_and_the_time_on() -> None:
    order = new_order()
    following = bench.next_version(order)
    assert following.sys_version == order.sys_version + 1
    assert following.sys_last_modified_at == order.sys_last_modified_at + timedelta(seconds=1)
    assert json.loads(item(following)["doc"]["S"])["notes"] == following.notes
    assert keys.order_key(TENANT, order.id)["PK"] == item(following)["PK"]["S"]
