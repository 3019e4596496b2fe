"""Which parties are busy: decided by each instance from the orders it writes, kept as a marker.

A party whose orders this instance writes often (`orders` distinct orders within `window` seconds:
a walk-up box-office contact during a sale, an integration placing many orders for one account)
is busy. Before its first spread row, the instance puts the party's marker
(storage.party_keys.busy_party_key; an unconditional write, the same item whoever writes it); from then
on it spreads that party's rows over the shards. Lookups read the marker beside shard 0
(`busy_of`) and read every shard of a busy party only.

At 5,000 creates a second with a quarter of them for one walk-up party over 1,000 instances, each
instance writes ~1.25 of its orders a second: it spreads the party within ~2 s, after at most
`orders` - 1 rows on shard 0 (docs/SCALING.md; `make capacity` models the steady state). An
ordinary customer's few orders never reach it, so their lookups stay two Queries.

Memory is bounded: the sightings of at most `parties` parties (least recently seen forgotten);
the busy set itself is small (the busy parties of one instance's tenants) and kept for the
instance's life (a marker is never removed).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from orders_domain.storage.codec import typed_key
from orders_domain.storage.party_keys import Party, busy_party_key, order_parties

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from orders_domain.models import Order

#: A party is busy once an instance writes this many of its orders within WINDOW_SECONDS.
BUSY_ORDERS = 3
WINDOW_SECONDS = 10.0
#: Parties whose recent orders an instance remembers.
REMEMBERED_PARTIES = 4096


class BusyParties:
    """One instance's view (module docstring): `busy_for(order)` before an order's write."""

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        *,
        orders: int = BUSY_ORDERS,
        window: float = WINDOW_SECONDS,
        parties: int = REMEMBERED_PARTIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client, self._table = client, table
        self._orders, self._window, self._parties, self._clock = orders, window, parties, clock
        self._seen: OrderedDict[tuple[str, Party], deque[tuple[float, str]]] = OrderedDict()
        self.busy: set[tuple[str, Party]] = set()
        # `make serve` and the harness serve requests on threads sharing one repository (Lambda: one
        # at a time): the sightings are read and written under a lock.
        self._lock = threading.Lock()

    def busy_for(self, order: Order) -> frozenset[Party]:
        """The order's parties whose rows spread: those already busy, and any this order makes
        busy (its marker put first, so no spread row precedes its marker)."""
        tenant = order.tenant_id
        out = set()
        for party in set(order_parties(order).values()):
            key = (tenant, party)
            if key not in self.busy and self._sighted(key, order.id):
                self.mark(tenant, party)
            if key in self.busy:
                out.add(party)
        return frozenset(out)

    def _sighted(self, key: tuple[str, Party], order_id: str) -> bool:
        """Record that this instance writes `order_id` for the party; whether that makes it busy."""
        with self._lock:
            return self._sighted_locked(key, order_id)

    def _sighted_locked(self, key: tuple[str, Party], order_id: str) -> bool:
        now = self._clock()
        seen = self._seen.pop(key, None) or deque()
        while seen and now - seen[0][0] > self._window:
            seen.popleft()
        if all(oid != order_id for _, oid in seen):
            seen.append((now, order_id))
        if len(seen) > self._orders:
            seen.popleft()
        self._seen[key] = seen
        while len(self._seen) > self._parties:
            self._seen.popitem(last=False)
        return len(seen) >= self._orders

    def mark(self, tenant_id: str, party: Party) -> None:
        """Put the party's marker, then spread its rows from this instance (as its sightings do)."""
        mark_busy(self._client, self._table, tenant_id, party)
        self.busy.add((tenant_id, party))


def mark_busy(client: DynamoDBClient, table: str, tenant_id: str, party: Party) -> None:
    """Put a party's marker: idempotent (whoever writes it, whenever; `since` keeps the first time).
    An UpdateItem, which every function that writes orders may call (no PutItem grant needed)."""
    client.update_item(
        TableName=table,
        Key=typed_key(busy_party_key(tenant_id, party)),
        UpdateExpression="SET #entity = :entity, #since = if_not_exists(#since, :now)",
        ExpressionAttributeNames={"#entity": "entity", "#since": "since"},
        ExpressionAttributeValues={
            ":entity": {"S": "busy_party"},
            ":now": {"S": datetime.now(UTC).isoformat(timespec="seconds")},
        },
    )


def busy_of(client: DynamoDBClient, table: str, tenant_id: str, parties: Iterable[Party]) -> set[Party]:
    """Which of a tenant's parties have a marker (are spread): one BatchGetItem, read eventually
    consistent (a marker put a moment ago may be missed: so may the rows written after it)."""
    from orders_domain.storage.pages import batch_get  # pages imports this module (lazily: a cycle)

    wanted = list(dict.fromkeys(parties))
    if not wanted:
        return set()
    item_keys = [busy_party_key(tenant_id, party) for party in wanted]
    found = {item["PK"]["S"] for item in batch_get(client, table, item_keys, "#pk", {"#pk": "PK"})}
    return {party for party, key in zip(wanted, item_keys, strict=True) if key["PK"] in found}
