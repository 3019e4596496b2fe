"""The stream: the run's records delivered to the order_stream handler, once, then again with
faults.

- **stream replay**: a few orders get versions 2 and 3 through the repository's `replace`
  (harness/stream_replay.py), besides the versions the sections above write through PATCH, DELETE and
  batch (the invariant checker sees them all), then every record of the run's stream
  (DynamoDB Local's Streams API, local/stream.py) is delivered once to the order_stream handler in
  batches of 100 (this builds the projections: the harness runs no stream poller); the projections
  (each order's history entries and coupon usage rows: a Query of its item collection) and the
  event ids published are kept. Then every record is delivered again in random batches (1-100
  records, batches in random order), with ~10% of PutItem calls throttled and ~10% of events
  refused, failed records retried as Lambda retries them (from the first failed one of a batch)
  until they succeed: no projection may change, no event may be published that the first delivery
  did not publish, every version of every order must have had its event, and every order's history
  must rebuild the stored order (harness/stream_replay.py).
"""

from __future__ import annotations

import random
from typing import Any

from harness.reliability.core import TENANT, Tally

#: Injected while the stream is delivered again: the share of PutItem calls throttled and of events
#: refused (each fails its record, which is retried).
STREAM_FAULT_SHARE = 0.1
#: At least this many records are delivered again (the whole stream as often as it takes).
MIN_REPLAYED_RECORDS = 100


def stream_replay_versions(order_ids: list[str]) -> int:
    """Versions 2 and 3 of these orders (harness/stream_replay.py's `add_versions`): MODIFY records in
    the stream, coupon rows to remove, histories of more than one entry to rebuild."""
    from harness.stream_replay import add_versions

    return add_versions(TENANT, order_ids, by="reliability")


def stream_replay(running: Any, tally: Tally, rng: random.Random) -> None:
    """Deliver the run's stream once, then again in random batches with faults: nothing may change."""
    from orders_domain.runtime import wiring

    from harness import stream_replay as replay

    table = running.tables["OrdersTable"]
    records = replay.stream_records(running.admin, table)
    orders = replay.orders_in(records)
    publisher = replay.RecordingPublisher(seed=rng.randrange(2**32))
    replay.install_publisher(publisher)
    throttle = replay.ThrottledPuts(wiring.current().dynamodb, STREAM_FAULT_SHARE, seed=rng.randrange(2**32))
    consumer = replay.Consumer()

    # (a) once, in stream order: the projections of the run
    with replay.quiet():
        first = consumer.deliver(records)
    first_ids = set(publisher.accepted_ids())
    snapshot = replay.projections(running.admin, table, orders)
    announced: dict[str, set[int]] = {}
    for event in publisher.accepted:
        announced.setdefault(event.detail["order_id"], set()).add(int(event.detail["sys_version"]))
    if first.retries:
        tally.notes.append(f"stream: the first delivery retried {first.retries} batch(es) with no fault")

    # (b) again, in random splits, with throttled puts and refused events, until every record succeeds
    mark, sent = len(publisher.accepted), consumer.records_sent
    delivered_once = max(1, consumer.records_sent)
    publisher.refuse_share, throttle.active = STREAM_FAULT_SHARE, True
    invocations = consumer.invocations
    with replay.quiet():
        for _ in range(-(-MIN_REPLAYED_RECORDS // delivered_once)):
            for batch in replay.random_batches(records, rng):
                consumer.deliver(batch)
    publisher.refuse_share, throttle.active = 0.0, False
    tally.replayed_stream_records += consumer.records_sent - sent
    tally.injected_faults += throttle.fired + publisher.refused

    # (c) nothing changed, nothing new announced, every version announced, every history rebuilds
    for what in replay.differences(snapshot, replay.projections(running.admin, table, orders)):
        kind = "lost_updates" if what.startswith("gone") else "double_effects"
        tally.problem(kind, f"stream replay: projection {what}")
    again = set(publisher.accepted_ids(mark))
    for event_id in sorted(again - first_ids):
        tally.problem("double_effects", f"stream replay: event {event_id} the first delivery did not publish")
    for event_id in sorted(first_ids - again):
        tally.problem("lost_updates", f"stream replay: event {event_id} was not published again")
    for tenant_id, order_id in orders:
        order = wiring.current().orders.get(tenant_id, order_id, consistent=True)
        missing = set(range(1, order.sys_version + 1)) - announced.get(order_id, set()) if order else set()
        if missing:
            tally.problem("lost_updates", f"stream: order {order_id}: no event of versions {sorted(missing)}")
    for problem in replay.history_mismatches(running.admin, table, orders):
        tally.problem("lost_updates", f"stream: {problem}")
    tally.notes.append(
        f"stream: {len(records)} records ({first.records_filtered} filtered out as on AWS) of {len(orders)} "
        f"orders, {len(snapshot)} projection items, {len(first_ids)} events; replayed "
        f"{tally.replayed_stream_records} records in {consumer.invocations - invocations} invocations "
        f"({throttle.fired} PutItems throttled, {publisher.refused} events refused)"
    )
