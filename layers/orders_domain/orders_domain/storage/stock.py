"""Catalogue stock moved by order writes: a create reserves it in the order's own transaction, a
cancel or void gives it back in the change's; every move is conditional, so no unit is sold twice.

A limited product's units sit in buckets (storage.stock_keys, issue 33), each its own partition, so
one product's on-sale burst is not one hot item. A create draws from the bucket its order's id
hashes to and, when that one holds too few, from others in the same transaction: the product is
sold out only when all its buckets together hold fewer units than the order asks.

How a create plans its draws, cheapest first (`create_reserving`):
1. from levels this process read of the product less than a second ago (storage.catalogue's
   `recalled`), when it has them;
2. else the whole quantity from the order's own bucket, without reading anything (the common
   case while a sale is on: one conditional decrement, no read);
3. when a decrement's condition fails, the product's buckets are read (one BatchGetItem,
   eventually consistent: a plan, the conditions keep it exact; consistently once a plan from a
   read failed), the draws planned across buckets, and the transaction sent again (bounded).
A refusal (`SoldOut`) rests on a read less than a second old: units given back or restocked
through another instance within that second may not be seen yet (this instance's own are).

An item written before buckets (its units in the product item's `stock`) is moved into buckets
by the first reservation that meets it (`_move_legacy`, atomically, on the condition that its
stock is still what was read), or by the next PUT of the product (storage.catalogue).
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from orders_domain.domain.catalogue_rules import Reservation
from orders_domain.domain.errors import FieldError, SoldOut
from orders_domain.models import Order
from orders_domain.storage import faults, keys
from orders_domain.storage import stock_keys as sk
from orders_domain.storage.catalogue import cancellation_codes
from orders_domain.storage.codec import typed_key
from orders_domain.storage.pages import batch_get
from orders_domain.storage.stock_levels import (
    Levels,
    bucket_put,
    counts_seen,
    forget,
    read_levels,
    recalled,
    remember,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Ref = tuple[str, str]

#: How often a create that reserves stock is sent again (after a conflict or a stale plan).
_RESERVE_ATTEMPTS = 8
#: DynamoDB's answer to a ClientRequestToken sent again with other items within its window.
_PARAMETERS_CHANGED = "IdempotentParameterMismatchException"
#: The most actions one TransactWriteItems takes.
TRANSACTION_ITEMS = 100


class OrderTaken(Exception):
    """The order's own put was refused: its id is taken (`old`: the stored item, when returned)."""

    def __init__(self, old: Any) -> None:
        super().__init__("the order's id is taken")
        self.old = old


# ---------------------------------------------------------------------------- the create
def create_reserving(
    client: DynamoDBClient,
    table: str,
    order: Order,
    item: dict[str, Any],
    reservations: Sequence[Reservation],
    fingerprint: str | None,
) -> None:
    """The order and each product's stock decrements in one transaction (never below zero),
    planned as the module docstring says and sent again (a bounded number of times, jittered
    after a conflict) until it is written or refused. `OrderTaken` when the id is taken, `SoldOut`
    naming the lines whose product has too few units left in all its buckets; 503 when every
    attempt met a concurrent sale.

    Its first ClientRequestToken is the order's id and request: a lost answer's retry is applied
    once. A client's retry of a keyed create is built anew (another number, guest token and time)
    under the same id and request, so within DynamoDB's 10-minute token window it meets the first
    run's token with other items (`IdempotentParameterMismatch`): the first run's order is read
    instead (`OrderTaken`, the caller answers it); when there is none, nothing was written. Every
    later attempt follows a cancelled one (nothing written) and goes under a token of its own."""
    token = hashlib.sha256(f"create:{order.tenant_id}:{order.id}:{fingerprint}".encode()).hexdigest()[:36]
    reserving = _Reserving(client, table, order.tenant_id, reservations, sk.home_seed(order.id))
    put: dict[str, Any] = {
        "TableName": table,
        "Item": item,
        "ConditionExpression": "attribute_not_exists(PK)",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    for _ in range(_RESERVE_ATTEMPTS):
        draws = reserving.plan()
        if draws is None:
            continue  # units were moved between buckets (or out of an old item): planned anew
        try:
            items: list[Any] = [{"Put": put}, *reserving.items(draws)]
            client.transact_write_items(TransactItems=items, ClientRequestToken=token)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != _PARAMETERS_CHANGED:
                reserving.refused(exc, draws)
            else:
                key = {"PK": item["PK"], "SK": item["SK"]}
                stored = client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
                if stored is not None:
                    raise OrderTaken(stored) from exc
            token = uuid.uuid4().hex  # the attempt was cancelled: nothing was written under the old one
            continue
        reserving.taken(draws)
        return
    raise faults.unavailable()


class _Reserving:
    """One create's reservations: what it knows of their products' levels, and its plans."""

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        tenant_id: str,
        reservations: Sequence[Reservation],
        seed: int,
    ) -> None:
        self.client, self.table, self.tenant = client, table, tenant_id
        self.reservations = reservations
        self.refs = [(r.product_type, r.product_id) for r in reservations]
        self.known = recalled(table, tenant_id, self.refs)
        #: each product's bucket count as last seen (the create's catalogue read of a moment ago)
        self.counts = counts_seen(table, tenant_id, self.refs)
        #: the order's place among each product's buckets (`seed % count`), moved on by a conflict
        self.seed = seed
        self.consistent = False

    def plan(self) -> list[list[sk.Draw]] | None:
        """Each reservation's draws (`SoldOut` when a product has too few units in all); None when
        units had to be moved first (an old item's into buckets, or scattered ones together)."""
        if _move_legacy(self.client, self.table, self.tenant, self.known):
            self._read(self.refs, consistent=True)
            return None
        draws = _draws(self.reservations, self.known, self._homes())
        if sum(map(len, draws)) + 1 > TRANSACTION_ITEMS:
            _gather_all(self.client, self.table, self.tenant, self.reservations, self.known, draws)
            self._read(self.refs, consistent=True)
            return None
        short = [r for r, drawn in zip(self.reservations, draws, strict=True) if not drawn]
        if short:
            raise _sold_out(short)
        return draws

    def items(self, draws: Sequence[Sequence[sk.Draw]]) -> list[dict[str, Any]]:
        return [
            decrement(self.table, self.tenant, ref, bucket, units)
            for ref, drawn in zip(self.refs, draws, strict=True)
            for bucket, units in drawn
        ]

    def refused(self, exc: ClientError, draws: Sequence[Sequence[sk.Draw]]) -> None:
        """Learn from a cancelled attempt: `OrderTaken` when the order's id is taken; the products
        whose bucket had too few units read again; after a conflict, another bucket first."""
        codes = cancellation_codes(exc)
        if codes and codes[0] == "ConditionalCheckFailed":
            raise OrderTaken(exc.response["CancellationReasons"][0].get("Item")) from exc  # type: ignore[typeddict-item]
        if "ThrottlingError" in codes:
            raise faults.throttled() from exc
        owners = [ref for ref, drawn in zip(self.refs, draws, strict=True) for _ in drawn]
        stale = {owners[i - 1] for i, code in enumerate(codes) if i and code == "ConditionalCheckFailed"}
        if not stale and "TransactionConflict" not in codes:
            raise exc
        if stale:
            self._read(stale, consistent=self.consistent)
            self.consistent = True  # a plan from an eventually consistent read failed: read exactly
        if "TransactionConflict" in codes:
            self.seed += 1  # another bucket: the one met is busy
            time.sleep(random.uniform(0, 0.01))  # noqa: S311 - jitter, not a secret

    def taken(self, draws: Sequence[Sequence[sk.Draw]]) -> None:
        """Remember the levels known less what this order took (a plan for this process's next)."""
        left = {
            ref: self.known[ref].less(d) for ref, d in zip(self.refs, draws, strict=True) if ref in self.known
        }
        remember(self.table, self.tenant, left)

    def _homes(self) -> list[int]:
        """Each reservation's own bucket: the seed within its product's count (the levels' when
        read, else as last seen, else STOCK_BUCKETS: a missing bucket fails its draw, then read)."""
        homes = []
        for ref in self.refs:
            levels = self.known.get(ref)
            count = (
                len(levels.buckets) if levels and levels.buckets else self.counts.get(ref, sk.STOCK_BUCKETS)
            )
            homes.append(self.seed % count)
        return homes

    def _read(self, refs: Iterable[Ref], *, consistent: bool) -> None:
        read = read_levels(
            self.client, self.table, self.tenant, refs, consistent=consistent, counts=self.counts
        )
        self.known.update(read)
        self.counts.update({ref: len(levels.buckets) for ref, levels in read.items() if levels.buckets})


def _draws(
    reservations: Sequence[Reservation], known: dict[Ref, Levels], homes: Sequence[int]
) -> list[list[sk.Draw]]:
    """Each reservation's draws: planned from its product's levels when known (empty: too few
    units in all), else all from its own bucket (`homes`), unread. From the fewest buckets when the
    order's draws would not fit one transaction."""
    draws = [
        _draw(known.get((r.product_type, r.product_id)), r.quantity, home)
        for r, home in zip(reservations, homes, strict=True)
    ]
    if sum(map(len, draws)) + 1 > TRANSACTION_ITEMS:
        draws = [_draw(known.get((r.product_type, r.product_id)), r.quantity, None) for r in reservations]
    return draws


def _draw(levels: Levels | None, quantity: int, home: int | None) -> list[sk.Draw]:
    if levels is None:
        return [(home or 0, quantity)]
    if levels.buckets is None:
        return []  # gone, or its stock unlimited now
    found = (
        sk.plan(levels.buckets, quantity, home) if home is not None else sk.fewest(levels.buckets, quantity)
    )
    return found or []


def _sold_out(short: Sequence[Reservation]) -> SoldOut:
    return SoldOut(
        "Fewer units are left than the order asks for; nothing was ordered.",
        errors=[FieldError(r.field, f"{r.product_type}/{r.product_id}: sold out") for r in short],
    )


def decrement(table: str, tenant_id: str, ref: Ref, bucket: int, units: int) -> dict[str, Any]:
    """A transaction item taking units off one bucket, never below zero (a bucket that is not
    there, its product deleted or its stock unlimited, fails it: nothing is sold from it)."""
    return {
        "Update": {
            "TableName": table,
            "Key": typed_key(sk.bucket_key(tenant_id, *ref, bucket)),
            "UpdateExpression": "SET #u = #u - :units",
            "ConditionExpression": "#u >= :units",
            "ExpressionAttributeNames": {"#u": sk.UNITS},
            "ExpressionAttributeValues": {":units": {"N": str(units)}},
        }
    }


def _move_legacy(client: DynamoDBClient, table: str, tenant_id: str, known: dict[Ref, Levels]) -> bool:
    """Move the units of each product written before buckets (as read) into its buckets: one
    transaction per product, on the condition that its `stock` is still what was read and no bucket
    is there yet (so a concurrent mover or an old instance's decrement cancels it). True when any
    was tried (the levels must be read again, whoever moved them)."""
    moved = False
    for ref, levels in known.items():
        if levels.buckets is not None or levels.legacy is None:
            continue
        moved = True
        forget(table, tenant_id, ref)
        count = sk.bucket_count(levels.legacy)
        product = {
            "Update": {
                "TableName": table,
                "Key": typed_key(keys.product_key(tenant_id, *ref)),
                "UpdateExpression": "REMOVE #s SET #n = :count",
                "ConditionExpression": "#s = :seen AND attribute_not_exists(#n)",
                "ExpressionAttributeNames": {"#s": sk.LEGACY_STOCK, "#n": sk.BUCKETS},
                "ExpressionAttributeValues": {
                    ":seen": {"N": str(levels.legacy)},
                    ":count": {"N": str(count)},
                },
            }
        }
        shares = enumerate(sk.split(levels.legacy, count))
        buckets = [bucket_put(table, tenant_id, ref, b, u) for b, u in shares]
        for put in buckets:
            put["Put"]["ConditionExpression"] = "attribute_not_exists(PK)"
        _try_once(client, [product, *buckets])
    return moved


def _gather_all(
    client: DynamoDBClient,
    table: str,
    tenant_id: str,
    reservations: Sequence[Reservation],
    known: dict[Ref, Levels],
    draws: Sequence[Sequence[sk.Draw]],
) -> None:
    """When an order's draws do not fit one transaction (the last units of several products, each
    scattered over many buckets): move each such product's units (as read) into its fullest bucket
    first, one transaction per product that keeps its sum, so the next plan takes one bucket."""
    for reservation, drawn in zip(reservations, draws, strict=True):
        ref = (reservation.product_type, reservation.product_id)
        levels = known.get(ref)
        if len(drawn) < 2 or levels is None or levels.buckets is None:
            continue
        into = max(range(len(levels.buckets)), key=lambda b: levels.buckets[b])  # type: ignore[index]
        moving = [(b, u) for b, u in enumerate(levels.buckets) if u > 0 and b != into]
        items = [_move(table, tenant_id, ref, b, -u) for b, u in moving]
        items.append(_move(table, tenant_id, ref, into, sum(u for _, u in moving)))
        _try_once(client, items)
        forget(table, tenant_id, ref)


def _move(table: str, tenant_id: str, ref: Ref, bucket: int, units: int) -> dict[str, Any]:
    """A transaction item adding `units` to a bucket (taking them off when negative, never below 0)."""
    taking = units < 0
    return {
        "Update": {
            "TableName": table,
            "Key": typed_key(sk.bucket_key(tenant_id, *ref, bucket)),
            "UpdateExpression": "SET #u = #u + :units",
            "ConditionExpression": "#u >= :least" if taking else "attribute_exists(#u)",
            "ExpressionAttributeNames": {"#u": sk.UNITS},
            "ExpressionAttributeValues": {
                ":units": {"N": str(units)},
                **({":least": {"N": str(-units)}} if taking else {}),
            },
        }
    }


def _try_once(client: DynamoDBClient, items: list[Any]) -> None:
    """One transaction that may lose to a concurrent one (a cancelled one changed nothing: the
    caller reads again and plans anew)."""
    try:
        client.transact_write_items(TransactItems=items)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise


# ---------------------------------------------------------------------------- releases
def increments(
    client: DynamoDBClient,
    table: str,
    tenant_id: str,
    releases: Sequence[Reservation],
    *,
    order_id: str | None = None,
) -> list[dict[str, Any]]:
    """Transaction items giving units back: to the order's own bucket (`order_id`'s; without it,
    one the product picks) among those of each product that still exists with limited stock, or to
    the `stock` of an item written before buckets (the product items read now, consistently, in one
    BatchGetItem). One per product, each conditional on its bucket or `stock` being there, so a
    product deleted or moved in between cancels the transaction, which the write loop reads as a
    conflict and sends again."""
    units: dict[Ref, int] = {}
    for release in releases:  # one item per product: a transaction may not touch an item twice
        ref = (release.product_type, release.product_id)
        units[ref] = units.get(ref, 0) + release.quantity
    wanted = [keys.product_key(tenant_id, *ref) for ref in units]
    names = {"#s": sk.LEGACY_STOCK, "#n": sk.BUCKETS}
    found = batch_get(client, table, wanted, "PK, SK, #s, #n", names, consistent=True)
    products = {keys.product_of_sort_key(item["SK"]["S"]): item for item in found}
    items = []
    for ref, quantity in units.items():
        forget(table, tenant_id, ref)
        product = products.get(ref, {})
        count = sk.count_of(product)
        if count is not None:
            items.append(
                _move(table, tenant_id, ref, sk.home_bucket(order_id or "#".join(ref), count), quantity)
            )
        elif sk.LEGACY_STOCK in product:
            items.append(_legacy_increment(table, tenant_id, ref, quantity))
    return items


def _legacy_increment(table: str, tenant_id: str, ref: Ref, quantity: int) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": table,
            "Key": typed_key(keys.product_key(tenant_id, *ref)),
            "UpdateExpression": "SET #s = #s + :units",
            "ConditionExpression": "attribute_exists(#s)",
            "ExpressionAttributeNames": {"#s": sk.LEGACY_STOCK},
            "ExpressionAttributeValues": {":units": {"N": str(quantity)}},
        }
    }
