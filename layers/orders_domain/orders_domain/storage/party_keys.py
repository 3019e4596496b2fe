"""Keys of one party's orders (the by-bill-to and by-ship-to index rows) and of its busy marker.

A party's rows live in one partition per role, `T#<tenant>#BILL#<type>#<id>` (shard 0), until the
party is busy: a walk-up box-office contact on every order of a sale would make that one partition
hot (about 1,000 writes a second). A busy party's rows spread over PARTY_SHARDS partitions
(`BILL~<s>`, s = the order's write shard % PARTY_SHARDS). Who decides and who reads it:

- a writer spreads a party's rows only after it has put the party's marker (`busy_party_key`):
  storage.busy_parties decides, per instance, from the orders it writes;
- a reader reads shard 0 only, unless the marker is there: then every shard. So a row is never on a
  shard a lookup skips, and an ordinary customer's lookup is two Queries, not 2 x PARTY_SHARDS.

A marker is never removed (a party once busy stays spread). Rows a writer without the marker wrote
are on shard 0, which every lookup reads.
"""

from __future__ import annotations

from collections.abc import Container
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orders_domain.models import Order

#: Write shards of a busy party (PARTY_SHARDS, like storage.keys.COUPON_SHARDS, divides WRITE_SHARDS).
PARTY_SHARDS = 8
BILL_TO, SHIP_TO = "BILL", "SHIP"
BUSY_PARTY_SK = "BUSY_PARTY"

#: One party of a tenant: (party type, party id), as an order names its bill-to or ship-to.
Party = tuple[str, str]


def spread_kind(kind: str, shard: int) -> str:
    """A sharded key's kind: shard 0 is the key as it was before sharding (so rows written then are
    still read), shard n is `<kind>~<n>`, which no unsharded key's kind equals."""
    return f"{kind}~{shard}" if shard else kind


def party_pk(tenant_id: str, role: str, party_type: str, party_id: str, shard: int = 0) -> str:
    """by-bill-to (`role` BILL) and by-ship-to (SHIP) partition of one contact or organization."""
    return f"T#{tenant_id}#{spread_kind(role, shard)}#{party_type}#{party_id}"


def busy_party_key(tenant_id: str, party: Party) -> dict[str, str]:
    """The marker saying a party's rows may be on every shard (module docstring)."""
    party_type, party_id = party
    return {"PK": f"T#{tenant_id}#BUSY#{party_type}#{party_id}", "SK": BUSY_PARTY_SK}


def order_parties(order: Order) -> dict[str, Party]:
    """The parties an order is billed and shipped to, by role (BILL_TO, SHIP_TO); absent when unset."""
    parties: dict[str, Party] = {}
    bill_to = order.bill_to_contact_id if order.bill_to_type == "contact" else order.bill_to_organization_id
    if order.bill_to_type and bill_to:
        parties[BILL_TO] = (order.bill_to_type, bill_to)
    ship_to = order.ship_to_contact_id if order.ship_to_type == "contact" else order.ship_to_organization_id
    if order.ship_to_type and ship_to:
        parties[SHIP_TO] = (order.ship_to_type, ship_to)
    return parties


def party_index_attributes(order: Order, sort: str, shard: int, busy: Container[Party]) -> dict[str, str]:
    """The order's by-bill-to and by-ship-to keys: on shard `shard` % PARTY_SHARDS for a party in
    `busy` (its marker is written), else on shard 0."""
    attrs: dict[str, str] = {}
    for role, party in order_parties(order).items():
        prefix = "bill_to" if role == BILL_TO else "ship_to"
        party_shard = shard % PARTY_SHARDS if party in busy else 0
        attrs[f"{prefix}_pk"] = party_pk(order.tenant_id, role, *party, party_shard)
        attrs[f"{prefix}_sk"] = sort
    return attrs
