"""The create route (orders): races, and the create under faults.

- **races**: concurrent creates with one Idempotency-Key (exactly one order, every answer the same
  order or a 409 to retry), with different keys (one order each, numbers unique), and reads of those
  orders while they are written (a 200 is the whole order, else 404; never a 500).
- **lost responses** and **injected faults** (harness/reliability/runner.py): a create is sent again
  with its key and must get the one order (`CreateCase`); its cases run one at a time (their faults
  hit any request).
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, field
from typing import Any

from harness.reliability.cases import Case, Route, first_answer
from harness.reliability.clients import _retry_later, parallel
from harness.reliability.core import RETRYABLE, TENANT, Answer, Api, Tally


def races(api: Api, tally: Tally, scale: int) -> dict[str, str]:
    """Returns idempotency key -> order id of every order these scenarios made."""
    made: dict[str, str] = {}
    # one key, many concurrent creates: one order; every answer that order or "retry later"
    for round_ in range(scale):
        key = f"race-same-{round_}-{uuid.uuid4().hex[:6]}"
        answers = parallel(25, functools.partial(_create_ignoring_index, api, key), tally)
        same = {body["id"] for status, body in answers if status in (200, 201)}
        for status, body in answers:
            if status >= 500:
                tally.problem("server_errors", f"race same key: {status} {body}")
            elif status not in (201, 409):
                tally.problem("server_errors", f"race same key: unexpected {status} {body}")
        if len(same) > 1:
            tally.problem("double_effects", f"one key, {len(same)} orders")
        if same:
            made[key] = same.pop()
    # different keys, concurrently, and reads of the orders made so far in between them
    keys = [f"race-many-{uuid.uuid4().hex}" for _ in range(50 * scale)]
    known = list(made.values())

    def create_or_read(i: int) -> tuple[str, tuple[int, Any]]:
        if i % 2:
            return "read", api.call("GET", f"/orders/{TENANT}/{known[i % len(known)]}")
        return keys[i // 2], api.create(keys[i // 2])

    mixed = parallel(2 * len(keys), create_or_read, tally)
    for what, (status, body) in mixed:
        if what != "read":
            continue
        if status >= 500:
            tally.problem("server_errors", f"read during writes: {status}")
        elif status != 200 or "line_items" not in body:
            tally.problem("partial_writes", f"a read during writes saw {status} {body}")
    for key, (status, body) in (entry for entry in mixed if entry[0] != "read"):
        if status in RETRYABLE:  # told to come back: the client does
            status, body = _retry_later(api, key)
        if status != 201:
            tally.problem("server_errors" if status >= 500 else "lost_updates", f"create {status} {body}")
        else:
            made[key] = body["id"]
    return made


def _create_ignoring_index(api: Api, key: str, _index: int) -> tuple[int, Any]:
    return api.create(key)


@dataclass
class CreateCase(Case):
    api: Api
    key: str
    made: dict[str, str] = field(default_factory=dict)

    def send(self) -> Answer:
        return self.api.create(self.key)

    def settle(self, first: Answer, what: str, tally: Tally, *, strict: bool) -> None:
        status, body = first
        first_answer(tally, what, first, (201,), strict=strict)
        # the client retries the whole request with its key: it must get the one order
        retry_status, retry = _retry_later(self.api, self.key)
        if retry_status != 201:
            tally.problem("lost_updates", f"retry after {what}: {retry_status} {retry}")
            return
        if status == 201 and body["id"] != retry["id"]:
            tally.problem("double_effects", f"{what}: retry made another order")
        self.made[self.key] = retry["id"]


#: The routes of the create under faults, each its DynamoDB calls and a maker of one request
#: (`MUTATIONS`, in harness/reliability/routes.py, assembles every family's table).
ROUTES: dict[str, Route] = {
    "create": Route(
        ("PutItem", "UpdateItem"),
        ("PutItem", "UpdateItem"),
        lambda a, s, label: CreateCase(a, label),
        targeted=False,
    ),
}
