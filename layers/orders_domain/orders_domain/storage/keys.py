"""Every DynamoDB key and index attribute is built here, and only here.

Single-table layout (the table itself is defined once, in template.yaml):

| item              | PK                               | SK                |
|-------------------|----------------------------------|-------------------|
| order             | T#<tenant>#O#<order id>          | ORDER             |
| order history     | T#<tenant>#O#<order id>          | HIST#<version, 10 digits> |
| coupon usage row  | T#<tenant>#O#<order id>          | CPN#<coupon's position, 3 digits> |
| fulfillment       | T#<tenant>#O#<order id>          | FUL#<order version it was written at, 10 digits> |
| order number seq. | T#<tenant>#COUNTER               | ORDER_NUMBER      |
| refund reason     | T#<tenant>#REFUND_REASONS        | REASON#<name>     |
| catalogue product | T#<tenant>#CATALOGUE             | PRODUCT#<type>#<id> |
| shipping product  | T#<tenant>#CATALOGUE             | SHIPPING#<id>     |
| catalogue settings| T#<tenant>#CATALOGUE             | SETTINGS          |
| open credit       | T#<tenant>#CREDITS#<type>#<customer id> | CREDIT#<credit id> |
| credit number seq.| T#<tenant>#COUNTER               | CREDIT_NUMBER     |
| busy party marker | T#<tenant>#BUSY#<type>#<id>      | BUSY_PARTY (storage.party_keys) |
| API key           | APIKEY#<sha256 of the key>       | APIKEY            |
| API key id        | APIKEYID#<key id>                | APIKEYID          |

Later items of an order (fulfillments, refunds, history) go in the order's own item
collection (same PK, their own SK), so no list in the order item grows without bound.

Indexes (sparse: an item carries an index's attributes only when it belongs in it):

| index                    | PK attribute / value                        | SK attribute / value |
|--------------------------|---------------------------------------------|----------------------|
| by-tenant-date           | tenant_list_pk  T#<tenant>#<kind>#<shard>   | tenant_list_sk <date>#<id> |
| by-token                 | token_pk        T#<tenant>#TOKEN#<token>    | -                    |
| by-bill-to               | bill_to_pk      T#<tenant>#BILL[~s]#<type>#<id> | bill_to_sk <date>#<id> |
| by-ship-to               | ship_to_pk      T#<tenant>#SHIP[~s]#<type>#<id> | ship_to_sk <date>#<id> |
| by-coupon                | coupon_pk       T#<tenant>#CPN[~s]#<type>#<id>  | coupon_sk <date>#<order>#<n> |
| by-coupon-code           | coupon_code_pk  T#<tenant>#CPNCODE[~s]#<code> | coupon_code_sk <date>#<o>#<n> |
| by-shippable-status      | shippable_pk    T#<tenant>#SHIPST#<status>#<shard> | shippable_sk <date>#<id> |
| by-installment-schedule  | installment_pk  T#<tenant>#INST#<schedule>  | installment_sk <date>#<id> |
| by-tenant-date           | tenant_list_pk  T#<tenant>#FUL#<shard>      | tenant_list_sk <date>#<ful. id> |
| by-tracking-number       | tracking_pk     T#<tenant>#TRK#<number>     | tracking_sk <date>#<ful. id> |

A fulfillment's id is `<order id>.<n>` (domain.fulfillment_ids): the id alone finds the item by key,
so a get, a cursor or `ids` never needs an index. Fulfillments share the by-tenant-date index with
orders under their own partition keys (kind `FUL`), sharded by their order's shard. A product's
stock buckets are `T#<tenant>#STOCK#<type>#<id>#<bb>` / `STOCK`, built in storage/stock_keys.py.

Every index projects its keys and `summary` (by-token: keys only; template.yaml).

The two keys every order of a tenant writes are write-sharded: `<shard>` is `shard_of(order id)`,
two digits, one of `WRITE_SHARDS`, so one tenant's creates spread over that many partitions
(docs/SCALING.md); a list reads every shard and merges (storage.orders). Changing WRITE_SHARDS
means rewriting those keys of every order: it is sized for the largest tenant now. Party and coupon
keys are sharded too (`[~s]`, COUPON_SHARDS, absent for shard 0), as a sale makes them hot; a party's
only once it is busy (storage.party_keys: its `T#<tenant>#BUSY#<type>#<id>` / `BUSY_PARTY` marker).

Tenant ids and order ids are validated (no `#`) before they reach this module.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Container
from datetime import datetime
from typing import TYPE_CHECKING

from orders_domain.domain.fulfillment_ids import fulfillment_id, list_position, parse_fulfillment_id
from orders_domain.domain.page_positions import sortable_utc
from orders_domain.storage.party_keys import BILL_TO as BILL_TO
from orders_domain.storage.party_keys import PARTY_SHARDS as PARTY_SHARDS
from orders_domain.storage.party_keys import SHIP_TO as SHIP_TO
from orders_domain.storage.party_keys import Party, party_index_attributes, spread_kind
from orders_domain.storage.party_keys import party_pk as party_pk

if TYPE_CHECKING:
    from orders_domain.models import Order

__all__ = ["fulfillment_id", "parse_fulfillment_id"]  # the id rule is the domain's; storage keys on it

ORDER_SK = "ORDER"
INDEX_TENANT_DATE = "by-tenant-date"
INDEX_TOKEN = "by-token"  # noqa: S105 - an index name, not a secret
INDEX_BILL_TO = "by-bill-to"
INDEX_SHIP_TO = "by-ship-to"
INDEX_COUPON = "by-coupon"
INDEX_COUPON_CODE = "by-coupon-code"
INDEX_SHIPPABLE_STATUS = "by-shippable-status"
INDEX_INSTALLMENT_SCHEDULE = "by-installment-schedule"
INDEX_TRACKING_NUMBER = "by-tracking-number"

#: Every index the code queries; template.yaml must define each (tests check it).
ALL_INDEXES = (
    INDEX_TENANT_DATE,
    INDEX_TOKEN,
    INDEX_BILL_TO,
    INDEX_SHIP_TO,
    INDEX_COUPON,
    INDEX_COUPON_CODE,
    INDEX_SHIPPABLE_STATUS,
    INDEX_INSTALLMENT_SCHEDULE,
    INDEX_TRACKING_NUMBER,
)

#: Write shards of the keys every order of a tenant writes (tenant_list_pk, shippable_pk).
WRITE_SHARDS = 32

#: Attributes that belong to the storage record, not to the order.
KEY_ATTRIBUTES = frozenset(
    {
        "PK",
        "SK",
        "entity",
        "tenant_list_pk",
        "tenant_list_sk",
        "token_pk",
        "bill_to_pk",
        "bill_to_sk",
        "ship_to_pk",
        "ship_to_sk",
        "coupon_pk",
        "coupon_sk",
        "coupon_code_pk",
        "coupon_code_sk",
        "shippable_pk",
        "shippable_sk",
        "installment_pk",
        "installment_sk",
    }
)


def order_key(tenant_id: str, order_id: str) -> dict[str, str]:
    return {"PK": f"{_order_pk_prefix(tenant_id)}{order_id}", "SK": ORDER_SK}


def _order_pk_prefix(tenant_id: str) -> str:
    return f"T#{tenant_id}#O#"


def order_id_of(pk: str) -> str:
    """The order id an order's item collection key names (its PK, order_key)."""
    return pk.rsplit("#O#", 1)[1]


HISTORY_PREFIX = "HIST#"


def history_key(tenant_id: str, order_id: str, version: int) -> dict[str, str]:
    """An order's history entry, in the order's own item collection: they sort by version."""
    return {"PK": order_key(tenant_id, order_id)["PK"], "SK": f"{HISTORY_PREFIX}{version:010d}"}


#: A sort key above every history entry's and below every other kind's after it (`$` sorts after `#`).
HISTORY_END = "HIST$"


COUPON_USAGE_PREFIX = "CPN#"


def coupon_usage_key(tenant_id: str, order_id: str, position: int) -> dict[str, str]:
    """The usage row of the order's coupon at `position` (0-based), in the order's item collection."""
    return {"PK": order_key(tenant_id, order_id)["PK"], "SK": f"{COUPON_USAGE_PREFIX}{position:03d}"}


def coupon_usage_index_attributes(
    tenant_id: str,
    order_id: str,
    position: int,
    date: str,
    coupon_type: str | None,
    coupon_id: str | None,
    coupon_code_id: str | None,
) -> dict[str, str]:
    """A usage row's by-coupon and by-coupon-code keys (sparse: only what the coupon names)."""
    sort = f"{coupon_usage_order_prefix(date, order_id)}{position:03d}"
    shard = shard_of(order_id) % COUPON_SHARDS
    attrs = {}
    if coupon_id:
        attrs["coupon_pk"] = coupon_pk(tenant_id, coupon_type, coupon_id, shard)
        attrs["coupon_sk"] = sort
    if coupon_code_id:
        attrs["coupon_code_pk"] = coupon_code_pk(tenant_id, coupon_code_id, shard)
        attrs["coupon_code_sk"] = sort
    return attrs


def coupon_usage_order_prefix(date: str, order_id: str) -> str:
    """What every usage row of one order shares at the start of its index sort key."""
    return f"{date}#{order_id}#"


def order_of_coupon_sort_key(sort_key: str) -> str:
    """The order prefix of a usage row's index sort key: `<date>#<order id>#` (order ids hold no `#`)."""
    return sort_key[: sort_key.rindex("#") + 1]


#: Write shards of a coupon a sale makes hot (a public coupon): a row's shard is its order's
#: (`shard_of` % COUPON_SHARDS, which divides WRITE_SHARDS). Parties: storage.party_keys.
COUPON_SHARDS = 8


def coupon_pk(tenant_id: str, coupon_type: str | None, coupon_id: str, shard: int = 0) -> str:
    return f"T#{tenant_id}#{spread_kind('CPN', shard)}#{coupon_type or ''}#{coupon_id}"


def coupon_code_pk(tenant_id: str, coupon_code_id: str, shard: int = 0) -> str:
    return f"T#{tenant_id}#{spread_kind('CPNCODE', shard)}#{coupon_code_id}"


def installment_pk(tenant_id: str, schedule_id: str) -> str:
    return f"T#{tenant_id}#INST#{schedule_id}"


def order_number_counter_key(tenant_id: str) -> dict[str, str]:
    return {"PK": f"T#{tenant_id}#COUNTER", "SK": "ORDER_NUMBER"}


def api_key_key(key_hash: str) -> dict[str, str]:
    return {"PK": f"APIKEY#{key_hash}", "SK": "APIKEY"}


def api_key_id_key(key_id: str) -> dict[str, str]:
    """Pointer from a key's non-secret id to its hash (operators revoke by id)."""
    return {"PK": f"APIKEYID#{key_id}", "SK": "APIKEYID"}


def token_pk(tenant_id: str, token: str) -> str:
    return f"T#{tenant_id}#TOKEN#{token}"


def shard_of(order_id: str) -> int:
    """The write shard of an order: stable across processes and Python versions (not `hash()`)."""
    return int.from_bytes(hashlib.sha256(order_id.encode()).digest()[:4], "big") % WRITE_SHARDS


ORDER_KIND, FULFILLMENT_KIND = "ORDER", "FUL"


def tenant_list_pk(tenant_id: str, shard: int, kind: str = ORDER_KIND) -> str:
    return f"T#{tenant_id}#{kind}#{shard:02d}"


def shippable_pk(tenant_id: str, status: str, shard: int) -> str:
    return f"T#{tenant_id}#SHIPST#{status}#{shard:02d}"


def sharded_pks(
    tenant_id: str, index: str, status: str | None = None, *, kind: str = ORDER_KIND
) -> list[str]:
    """Every partition key a sharded index holds for the tenant (and shipping status, or of `kind`
    FULFILLMENT_KIND: fulfillments): a list reads all."""
    if index == INDEX_TENANT_DATE:
        return every_shard(lambda s: tenant_list_pk(tenant_id, s, kind), WRITE_SHARDS)
    if index == INDEX_SHIPPABLE_STATUS and status is not None:
        return every_shard(lambda s: shippable_pk(tenant_id, status, s), WRITE_SHARDS)
    raise ValueError(f"{index} is not a sharded index (or needs a status)")


def every_shard(pk: Callable[[int], str], shards: int) -> list[str]:
    """The partition keys of one party's or coupon's rows (`pk(shard)`), shard 0 first: a lookup reads all."""
    return [pk(shard) for shard in range(shards)]


#: Partition and sort key attribute of each index (template.yaml defines the same; tests check it).
INDEX_KEY_ATTRIBUTES = {
    INDEX_TENANT_DATE: ("tenant_list_pk", "tenant_list_sk"),
    INDEX_BILL_TO: ("bill_to_pk", "bill_to_sk"),
    INDEX_SHIP_TO: ("ship_to_pk", "ship_to_sk"),
    INDEX_COUPON: ("coupon_pk", "coupon_sk"),
    INDEX_COUPON_CODE: ("coupon_code_pk", "coupon_code_sk"),
    INDEX_SHIPPABLE_STATUS: ("shippable_pk", "shippable_sk"),
    INDEX_INSTALLMENT_SCHEDULE: ("installment_pk", "installment_sk"),
    INDEX_TRACKING_NUMBER: ("tracking_pk", "tracking_sk"),
}


def order_index_attributes(order: Order, busy: Container[Party] = ()) -> dict[str, str]:
    """The index attributes of an order item; absent ones keep it out of sparse indexes. A deleted
    order has none: it leaves every index (list, lookups, token), and its key alone still holds it.
    Its party rows spread over shards only for the parties in `busy` (storage.party_keys)."""
    if order.sys_deleted:
        return {}
    t = order.tenant_id
    shard = shard_of(order.id)
    sort = f"{sortable_utc(order.sys_created_at)}#{order.id}"
    attrs = {
        "tenant_list_pk": tenant_list_pk(t, shard),
        "tenant_list_sk": sort,
        "token_pk": token_pk(t, order.token),
        **party_index_attributes(order, sort, shard, busy),
    }
    if order.shippable and order.sys_shippable_status:
        attrs["shippable_pk"] = shippable_pk(t, order.sys_shippable_status, shard)
        attrs["shippable_sk"] = sort
    if order.installment_schedule_id:
        attrs["installment_pk"] = installment_pk(t, order.installment_schedule_id)
        attrs["installment_sk"] = sort
    return attrs


# ------------------------------------------------------------------ fulfillments
FULFILLMENT_PREFIX = "FUL#"


def fulfillment_key(tenant_id: str, order_id: str, version: int) -> dict[str, str]:
    """A fulfillment, in its order's item collection: they sort by the version that wrote them."""
    return {"PK": order_key(tenant_id, order_id)["PK"], "SK": f"{FULFILLMENT_PREFIX}{version:010d}"}


def tracking_pk(tenant_id: str, tracking_number: str) -> str:
    return f"T#{tenant_id}#TRK#{tracking_number}"


def fulfillment_sort_key(created: datetime, fulfillment_id: str) -> str:
    """A fulfillment's sort key in every fulfillment list: its list position."""
    return list_position(created, fulfillment_id)


def fulfillment_index_attributes(
    tenant_id: str, order_id: str, fulfillment_id: str, created: datetime, tracking_number: str | None
) -> dict[str, str]:
    """A fulfillment item's list keys: the tenant's fulfillments, and its tracking number's."""
    sort = fulfillment_sort_key(created, fulfillment_id)
    attrs = {
        "tenant_list_pk": tenant_list_pk(tenant_id, shard_of(order_id), FULFILLMENT_KIND),
        "tenant_list_sk": sort,
    }
    if tracking_number:
        attrs["tracking_pk"] = tracking_pk(tenant_id, tracking_number)
        attrs["tracking_sk"] = sort
    return attrs


# ------------------------------------------------------------------ a tenant's own refund reasons
REFUND_REASON_PREFIX = "REASON#"


def refund_reasons_pk(tenant_id: str) -> str:
    """The partition of a tenant's own refund reasons: one Query lists them."""
    return f"T#{tenant_id}#REFUND_REASONS"


def refund_reason_key(tenant_id: str, name: str) -> dict[str, str]:
    return {"PK": refund_reasons_pk(tenant_id), "SK": f"{REFUND_REASON_PREFIX}{name}"}


# ------------------------------------------------------------------ the catalogue
PRODUCT_PREFIX = "PRODUCT#"
SHIPPING_PREFIX = "SHIPPING#"


def catalogue_pk(tenant_id: str) -> str:
    """The tenant's catalogue: its products, shipping products and settings (types and ids hold no `#`)."""
    return f"T#{tenant_id}#CATALOGUE"


def product_key(tenant_id: str, product_type: str, product_id: str) -> dict[str, str]:
    return {"PK": catalogue_pk(tenant_id), "SK": f"{PRODUCT_PREFIX}{product_type}#{product_id}"}


def product_of_sort_key(sort_key: str) -> tuple[str, str]:
    """(type, id) of a product's sort key."""
    product_type, _, product_id = sort_key[len(PRODUCT_PREFIX) :].partition("#")
    return product_type, product_id


def shipping_key(tenant_id: str, shipping_id: str) -> dict[str, str]:
    return {"PK": catalogue_pk(tenant_id), "SK": f"{SHIPPING_PREFIX}{shipping_id}"}


def catalogue_settings_key(tenant_id: str) -> dict[str, str]:
    return {"PK": catalogue_pk(tenant_id), "SK": "SETTINGS"}


# ------------------------------------------------------------------ open credits
CREDIT_PREFIX = "CREDIT#"


def credits_pk(tenant_id: str, customer_type: str, customer_id: str) -> str:
    """One customer's open credits (the type is `contact` or `organization`, so any id is unambiguous)."""
    return f"T#{tenant_id}#CREDITS#{customer_type}#{customer_id}"


def credit_key(tenant_id: str, customer_type: str, customer_id: str, credit_id: str) -> dict[str, str]:
    return {"PK": credits_pk(tenant_id, customer_type, customer_id), "SK": f"{CREDIT_PREFIX}{credit_id}"}


def credit_number_counter_key(tenant_id: str) -> dict[str, str]:
    return {"PK": f"T#{tenant_id}#COUNTER", "SK": "CREDIT_NUMBER"}
