"""Catalogue stock moved by order writes: a create reserves it in the order's own transaction, a
cancel or void gives it back in the change's. The stock is a product item's number attribute
`stock` (storage.catalogue); every move is conditional, so it never goes below zero.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from orders_domain.domain.catalogue_rules import Reservation
from orders_domain.domain.errors import FieldError, SoldOut
from orders_domain.models import Order
from orders_domain.storage import keys
from orders_domain.storage.catalogue import STOCK
from orders_domain.storage.codec import typed_key
from orders_domain.storage.pages import batch_get

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

#: How often a create that reserves stock is sent again after meeting a concurrent transaction.
_RESERVE_ATTEMPTS = 8
#: DynamoDB's answer to a ClientRequestToken sent again with other items within its window.
_PARAMETERS_CHANGED = "IdempotentParameterMismatchException"


class OrderTaken(Exception):
    """The order's own put was refused: its id is taken (`old`: the stored item, when returned)."""

    def __init__(self, old: Any) -> None:
        super().__init__("the order's id is taken")
        self.old = old


def create_reserving(
    client: DynamoDBClient,
    table: str,
    order: Order,
    item: dict[str, Any],
    reservations: Sequence[Reservation],
    fingerprint: str | None,
) -> None:
    """The order and each product's stock decrement in one transaction (never below zero); again
    (a few times, jittered) when it met a concurrent transaction on the same stock. Its
    ClientRequestToken is the order's id and request: a lost answer's retry is applied once.
    `OrderTaken` when the id is taken, `SoldOut` naming the lines whose product has too few left.

    A client's retry of a keyed create is built anew (another number, guest token and time) under
    the same id and request, so within DynamoDB's 10-minute token window it meets the first run's
    token with other items (`IdempotentParameterMismatch`): the first run's order is read instead
    (`OrderTaken`, the caller answers it); when there is none (the first run was refused, say sold
    out), nothing was written, and the transaction is sent under a token of its own."""
    put = {
        "TableName": table,
        "Item": item,
        "ConditionExpression": "attribute_not_exists(PK)",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    items: list[Any] = [{"Put": put}, *(decrement(table, order.tenant_id, r) for r in reservations)]
    token = hashlib.sha256(f"create:{order.tenant_id}:{order.id}:{fingerprint}".encode()).hexdigest()[:36]
    for attempt in range(_RESERVE_ATTEMPTS):
        try:
            client.transact_write_items(TransactItems=items, ClientRequestToken=token)
            return
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == _PARAMETERS_CHANGED:
                key = {"PK": item["PK"], "SK": item["SK"]}
                stored = client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
                if stored is not None:
                    raise OrderTaken(stored) from exc
                token = uuid.uuid4().hex  # nothing was written under the old token: a fresh one
                continue
            reasons = list(exc.response.get("CancellationReasons") or [])  # type: ignore[call-overload]
            codes = [r.get("Code") for r in reasons]
            if codes and codes[0] == "ConditionalCheckFailed":
                raise OrderTaken(reasons[0].get("Item")) from exc
            failed = [
                r
                for r, code in zip(reservations, codes[1:], strict=False)
                if code == "ConditionalCheckFailed"
            ]
            if failed:
                raise SoldOut(
                    "Fewer units are left than the order asks for; nothing was ordered.",
                    errors=[
                        FieldError(r.field, f"{r.product_type}/{r.product_id}: sold out") for r in failed
                    ],
                ) from exc
            if "TransactionConflict" not in codes or attempt == _RESERVE_ATTEMPTS - 1:
                raise
            time.sleep(random.uniform(0, 0.01 * (attempt + 1)))  # noqa: S311 - jitter, not a secret


def decrement(table: str, tenant_id: str, reservation: Reservation) -> dict[str, Any]:
    """A transaction item taking the reserved units off a product's stock, never below zero (a
    product deleted since, or one without stock, fails it too: nothing is sold from it)."""
    key = keys.product_key(tenant_id, reservation.product_type, reservation.product_id)
    return {
        "Update": {
            "TableName": table,
            "Key": typed_key(key),
            "UpdateExpression": "SET #stock = #stock - :units",
            "ConditionExpression": "#stock >= :units",
            "ExpressionAttributeNames": {"#stock": STOCK},
            "ExpressionAttributeValues": {":units": {"N": str(reservation.quantity)}},
        }
    }


def increments(
    client: DynamoDBClient, table: str, tenant_id: str, releases: Sequence[Reservation]
) -> list[dict[str, Any]]:
    """Transaction items giving units back to products' stock: only to products that still exist
    with limited stock (read now, consistently, in one BatchGetItem); one per product, each
    conditional on that, so a product deleted in between cancels the transaction, which the write
    loop reads as a conflict and sends again."""
    units: dict[tuple[str, str], int] = {}
    for release in releases:  # one item per product: a transaction may not touch an item twice
        ref = (release.product_type, release.product_id)
        units[ref] = units.get(ref, 0) + release.quantity
    wanted = [keys.product_key(tenant_id, t, i) for t, i in units]
    found = batch_get(client, table, wanted, "SK, #s", {"#s": STOCK}, consistent=True)
    limited = {keys.product_of_sort_key(item["SK"]["S"]) for item in found if STOCK in item}
    items = []
    for ref, quantity in units.items():
        if ref in limited:
            items.append(
                {
                    "Update": {
                        "TableName": table,
                        "Key": typed_key(keys.product_key(tenant_id, *ref)),
                        "UpdateExpression": "SET #stock = #stock + :units",
                        "ConditionExpression": "attribute_exists(#stock)",
                        "ExpressionAttributeNames": {"#stock": STOCK},
                        "ExpressionAttributeValues": {":units": {"N": str(quantity)}},
                    }
                }
            )
    return items
