"""The real thing, small: concurrent creates on DynamoDB Local across many simulated Lambda
instances, and the stream consumer's throughput when no `make bench` figure is at hand.

`concurrent_creates`: `instances` function instances, each with its own `DynamoOrderRepository`
(so its own `NumberBlocks`, taking blocks of the tenant's one real counter item with UpdateItem
ADD) behind its own create service, are handed out to `workers` threads as Lambda hands requests
to idle instances (a queue: an instance serves one request at a time). Each create is a keyed
1-line order (`order_body`). Then it checks what the issue asks: every order number unique in the
tenant, every created order readable by key (strongly consistent) and listed exactly once by the
tenant's list (every page, every write shard), the counter at or above the highest number handed
out; and counts the counter's writes (UpdateItem calls on its key).

`stream_throughput`: the order_stream function's changes per second per invocation, as deployed
(history entries batched, the calls at once) with MODELED_LATENCY_MS added to every call, through
harness/bench/stream.py's own batches and measurement (`throughput_of`), a few batches only.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

#: The tenant the concurrent creates are made for (its own counter and list).
TENANT = "tenant-capacity"
#: Batches of the stream measurement (after one to warm up).
STREAM_BATCHES = 3


def concurrent_creates(
    client: Any, table: str, *, creates: int, instances: int = 50, workers: int = 8
) -> dict[str, Any]:
    """`creates` keyed creates across `instances` instances on `workers` threads (module docstring):
    what was made, and whether numbers are unique and nothing was lost."""
    from orders_domain.models import OrderCreateRequest
    from orders_domain.services import CreateOrders
    from orders_domain.storage import keys
    from orders_domain.storage.orders import DynamoOrderRepository

    from harness.bench.orders import order_body

    counter_key = keys.order_number_counter_key(TENANT)
    counter_writes = Counter[str]()
    lock = threading.Lock()

    def count(params: dict[str, Any], **_: Any) -> None:
        if params.get("Key", {}).get("PK", {}).get("S") == counter_key["PK"]:
            with lock:
                counter_writes["writes"] += 1

    client.meta.events.register("provide-client-params.dynamodb.UpdateItem", count)
    idle: queue.Queue[Any] = queue.Queue()
    for _ in range(instances):
        idle.put(CreateOrders(DynamoOrderRepository(client, table)))
    request = OrderCreateRequest.model_validate(order_body(1))

    def create(n: int) -> tuple[str, int]:
        service = idle.get()  # an idle instance serves the request, then is idle again
        try:
            made = service.create(request, tenant_id=TENANT, actor="capacity", idempotency_key=f"burst-{n}")
        finally:
            idle.put(service)
        return made.order.id, made.order.number

    started = time.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="instance") as pool:
            made = list(pool.map(create, range(creates)))
    finally:
        client.meta.events.unregister("provide-client-params.dynamodb.UpdateItem", count)
    seconds = time.monotonic() - started
    return _checked(client, table, made, seconds, counter_writes["writes"], instances, workers)


def _checked(
    client: Any,
    table: str,
    made: list[tuple[str, int]],
    seconds: float,
    counter_writes: int,
    instances: int,
    workers: int,
) -> dict[str, Any]:
    from orders_domain.services.search import SearchOrders
    from orders_domain.storage import keys
    from orders_domain.storage.orders import DynamoOrderRepository
    from orders_domain.storage.pages import DynamoOrderLists

    repo = DynamoOrderRepository(client, table)
    ids = [order_id for order_id, _ in made]
    numbers = [number for _, number in made]
    unreadable = [oid for oid in ids if repo.get(TENANT, oid, consistent=True) is None]
    listed: Counter[str] = Counter()
    search, after = SearchOrders(DynamoOrderLists(client, table)), None
    while True:
        page = search.recent(TENANT, limit=100, after=after)
        listed.update(str(row["id"]) for row in page.rows)
        if page.next is None:
            break
        after = page.next
    key = {name: {"S": value} for name, value in keys.order_number_counter_key(TENANT).items()}
    counter = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    last = int(counter["last_number"]["N"])
    duplicates = sorted(n for n, seen in Counter(numbers).items() if seen > 1)
    return {
        "creates": len(made),
        "instances": instances,
        "workers": workers,
        "seconds": round(seconds, 2),
        "numbers": [min(numbers, default=0), max(numbers, default=0)],
        "duplicate_numbers": duplicates,
        "counter_last_number": last,
        "counter_writes": counter_writes,
        "unreadable": unreadable,
        "listed": sum(listed.values()),
        "listed_twice": sorted(oid for oid, seen in listed.items() if seen > 1),
        "not_listed": sorted(set(ids) - set(listed)),
        "listed_unknown": sorted(set(listed) - set(ids)),
        "ok": not duplicates
        and not unreadable
        and sorted(listed) == sorted(ids)
        and all(seen == 1 for seen in listed.values())
        and last >= max(numbers, default=0)
        and len(set(ids)) == len(ids),
    }


def stream_throughput(endpoint: str, names: dict[str, str], template: dict[str, Any]) -> dict[str, Any]:
    """The consumer's changes per second per invocation as deployed, with modeled AWS latency, on
    the tables `names` at `endpoint` (the caller's environment points the wiring there)."""
    from orders_domain.runtime import wiring
    from orders_domain.storage.event_bus import EventBridgePublisher

    from harness.bench.core import Bench
    from harness.bench.runner import _index_keys, _key_names
    from harness.bench.stream import (
        EVENT_BUS,
        MODELED_LATENCY_MS,
        added_latency,
        offline_events_client,
        stream_batches,
        throughput_of,
    )
    from harness.stream_replay import quiet
    from local.stream import stream_function

    memory_mb = int(stream_function(template)[1].get("MemorySize") or 128)
    events = offline_events_client()
    wiring.reset(wiring.Wiring(event_publisher=EventBridgePublisher(events, EVENT_BUS)))
    bench = Bench(endpoint, names, _index_keys(template, names), _key_names(template, names))
    try:
        with quiet():
            batches = stream_batches(bench)
            with added_latency([wiring.current().dynamodb, events], MODELED_LATENCY_MS):
                figures = throughput_of(bench, batches, STREAM_BATCHES, memory_mb)
    finally:
        wiring.reset()
    return {"memory_mb": memory_mb, "modeled_latency_ms": dict(MODELED_LATENCY_MS), **figures}
