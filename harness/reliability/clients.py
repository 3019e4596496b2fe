"""The careful client: requests sent at once (`parallel`), the answers it sends again (`retryable`,
`until_settled`), the patch it finishes with If-Match (`careful_patch`), the orders it makes ready, and
`check_list`, the judge of the values appended to an order's list."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from harness.reliability.core import (
    LIST,
    ORDER,
    RETRY_SECONDS,
    RETRYABLE,
    RETRYABLE_CONFLICTS,
    TENANT,
    Answer,
    Api,
    SetupFailed,
    Tally,
)


def parallel(count: int, work: Callable[[int], Any], tally: Tally, per_task: int = 1) -> list[Any]:
    """`work(0..count-1)` at once; each task sends `per_task` requests."""
    tally.concurrent_requests += count * per_task
    with ThreadPoolExecutor(max_workers=min(count, 32)) as pool:
        return list(pool.map(work, range(count)))


def retryable(status: int, body: Any) -> bool:
    """Whether an answer (or a batch operation's outcome) says "again later"."""
    if status == 409:
        return isinstance(body, dict) and body.get("code") in RETRYABLE_CONFLICTS
    return status in (429, 503)


def until_settled(send: Callable[[], Answer], retried: list[int] | None = None) -> Answer:
    """Send again while the answer says "again later", as a client told so does (for a while)."""
    deadline = time.monotonic() + RETRY_SECONDS
    status, body = send()
    while retryable(status, body) and time.monotonic() < deadline:
        if retried is not None:
            retried.append(status)
        time.sleep(0.2)
        status, body = send()
    return status, body


def _retry_later(api: Api, key: str) -> tuple[int, Any]:
    """Retry as a client told 409/429/503 does, until the first attempt's Lambda time (10 s here) is up."""
    deadline = time.monotonic() + RETRY_SECONDS
    status, body = api.create(key)
    while status in RETRYABLE and time.monotonic() < deadline:
        time.sleep(0.5)
        status, body = api.create(key)
    return status, body


def add(value: str) -> list[dict[str, Any]]:
    """A JSON Patch that appends `value` to the list: not idempotent (twice is two entries)."""
    return [{"op": "add", "path": f"/{LIST}/-", "value": value}]


def listed(doc: Any) -> list[str]:
    return list((doc or {}).get(LIST) or [])


def careful_patch(api: Api, order_id: str, value: str, base: int) -> Answer:
    """Append `value` as a careful client does after an answer that did not say 200: conditionally
    on the version it read before its first try, so a 412 means the order moved on, perhaps by that
    very try; it then reads the order, and finds its value in, or patches again at the new version."""
    deadline = time.monotonic() + RETRY_SECONDS
    if_match = base
    while True:
        status, body = api.patch(order_id, add(value), if_match=if_match)
        if status == 412:
            read, order, _ = api.read(order_id)
            if read != 200 or value in listed(order):
                return read, order
            if_match = int(order["sys_version"])
        elif not retryable(status, body) or time.monotonic() > deadline:
            return status, body
        else:
            time.sleep(0.2)


def new_order(api: Api, key: str, made: dict[str, str], body: dict[str, Any] | None = None) -> str:
    status, answer = api.call("POST", f"/orders/{TENANT}", body or ORDER, idempotency_key=key)
    if status in RETRYABLE:
        status, answer = _retry_later(api, key)
    if status != 201:
        raise SetupFailed(f"create {key}: {status} {answer}")
    made[key] = answer["id"]
    return str(answer["id"])


def order_with_list(
    api: Api, key: str, made: dict[str, str], body: dict[str, Any] | None = None
) -> tuple[str, int]:
    """A new order whose list is empty (version 2): its id and version."""
    order_id = new_order(api, key, made, body)
    status, answer = until_settled(
        lambda: api.patch(order_id, [{"op": "add", "path": f"/{LIST}", "value": []}])
    )
    if status != 200:
        raise SetupFailed(f"empty list on {order_id}: {status} {answer}")
    return order_id, int(answer["sys_version"])


def check_list(
    tally: Tally,
    what: str,
    doc: dict[str, Any],
    acknowledged: Sequence[str],
    refused: Sequence[str] = (),
    version: int | None = None,
) -> None:
    """Each acknowledged value in the order's list exactly once, no refused one, no value twice; then
    (when nothing else was wrong) `sys_version` as expected: one write per applied change."""
    counts = Counter(listed(doc))
    before = tally.lost_updates + tally.partial_writes + tally.double_effects
    for value in acknowledged:
        if not counts[value]:
            tally.problem("lost_updates", f"{what}: acknowledged {value!r} is not in the order")
    for value in refused:
        if counts[value]:
            tally.problem("partial_writes", f"{what}: {value!r} was refused, yet it is in the order")
    for value, count in counts.items():
        if count > 1:
            tally.problem("double_effects", f"{what}: {value!r} is in the order {count} times")
    clean = before == tally.lost_updates + tally.partial_writes + tally.double_effects
    if clean and version is not None and int(doc["sys_version"]) != version:
        kind = "double_effects" if int(doc["sys_version"]) > version else "lost_updates"
        tally.problem(kind, f"{what}: the order is at version {doc['sys_version']}, expected {version}")


def served_deleted(api: Api, order_id: str) -> int | None:
    """The status of a GET of a deleted order when it is not the 404 it must be."""
    status = api.read(order_id)[0]
    return None if status == 404 else status


def _ignoring_index(send: Callable[[], Answer], _index: int) -> Answer:
    return send()
