"""`make mark-busy-parties`: put the busy marker of every party whose rows are already spread.

    make mark-busy-parties            scan the orders table, put the missing markers
    make mark-busy-parties DRY_RUN=1  list the parties, change nothing

A party's by-bill-to / by-ship-to rows leave shard 0 only once its marker is there, and a lookup
reads the other shards only when it finds the marker (storage.party_keys). Builds from before the
marker (commits 01431bc to b39060c of issue 33) spread every party's rows without one: a lookup of
such a party misses its rows on shards 1-7 until this has run once. It scans the orders table (its
order items' two party keys only), and puts the marker of each party it finds on a shard other than
0, once per party; running it again changes nothing. Which table: ORDERS_TABLE_NAME, else the
stack's OrdersTableName output (as `make api-key`); DYNAMODB_ENDPOINT_URL for a local DynamoDB.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

#: A party key off shard 0: T#<tenant>#BILL~<s>#<type>#<id> (tenant ids and types hold no `#`).
_SPREAD_KEY = re.compile(r"^T#(?P<tenant>[^#]+)#(?:BILL|SHIP)~[0-9]+#(?P<type>[^#]+)#(?P<id>.+)$", re.S)


def spread_parties(client: DynamoDBClient, table: str) -> Iterator[tuple[str, tuple[str, str]]]:
    """(tenant, party) of every party key off shard 0 in the table, each once."""
    seen: set[tuple[str, tuple[str, str]]] = set()
    scan: dict[str, object] = {
        "TableName": table,
        "ProjectionExpression": "bill_to_pk, ship_to_pk",
        "FilterExpression": "attribute_exists(bill_to_pk) OR attribute_exists(ship_to_pk)",
    }
    while True:
        out = client.scan(**scan)  # type: ignore[arg-type]
        for item in out.get("Items", []):
            for attribute in ("bill_to_pk", "ship_to_pk"):
                match = _SPREAD_KEY.match(item.get(attribute, {}).get("S", ""))
                if match:
                    found = (match["tenant"], (match["type"], match["id"]))
                    if found not in seen:
                        seen.add(found)
                        yield found
        if "LastEvaluatedKey" not in out:
            return
        scan["ExclusiveStartKey"] = out["LastEvaluatedKey"]


def mark(client: DynamoDBClient, table: str, *, dry_run: bool = False) -> list[tuple[str, tuple[str, str]]]:
    """Put the marker of every spread party (module docstring); the parties found."""
    from orders_domain.storage.busy_parties import mark_busy

    found = list(spread_parties(client, table))
    if not dry_run:
        for tenant, party in found:
            mark_busy(client, table, tenant, party)
    return found


def main(argv: list[str] | None = None) -> int:
    import boto3

    from local.api_keys import _table_name, caller_region

    parser = argparse.ArgumentParser(
        prog="python -m local.mark_busy_parties", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--dry-run", action="store_true", help="list the parties; change nothing")
    args = parser.parse_args(argv)
    os.environ["AWS_DEFAULT_REGION"] = caller_region(os.environ)
    client = boto3.client("dynamodb", endpoint_url=os.environ.get("DYNAMODB_ENDPOINT_URL") or None)
    table = _table_name()
    found = mark(client, table, dry_run=args.dry_run)
    for tenant, (party_type, party_id) in found:
        print(f"{'would mark' if args.dry_run else 'marked'} {tenant} {party_type}/{party_id}")
    print(f"{len(found)} spread part{'y' if len(found) == 1 else 'ies'} in {table}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
