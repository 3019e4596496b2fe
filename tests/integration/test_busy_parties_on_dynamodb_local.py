"""A busy party on DynamoDB Local (storage.party_keys): its rows spread over the shards once its
marker is there, every lookup page finds each of its orders once, newest first, also when it became
busy between two pages; an ordinary customer's lookup reads its marker and two partitions only."""

from __future__ import annotations

from collections import Counter
from typing import Any

import boto3
from orders_domain.runtime import wiring
from orders_domain.storage import keys
from orders_domain.storage.busy_parties import BUSY_ORDERS
from orders_domain.storage.party_keys import busy_party_key

from tests.helpers import body_of, create_event, invoke
from tests.search_helpers import all_pages, call

CUSTOMER = "/orders/{tenantId}/customer/{customerType}/{customerId}"
BILLED = "/orders/{tenantId}/billToContact/{id}"


def _create(party: str) -> dict[str, Any]:
    body = {
        "line_items": [{"quantity": 1, "unit_price": "12.50"}],
        "bill_to_type": "contact",
        "bill_to_contact_id": party,
        "ship_to_type": "contact",
        "ship_to_contact_id": party,
    }
    response = invoke("create_order", create_event(body))
    assert response["statusCode"] == 201, response["body"]
    created: dict[str, Any] = body_of(response)
    return created


def _bill_to_rows(client: Any, table: str, party: str) -> dict[str, str]:
    """Order id -> the by-bill-to partition its row is in."""
    rows = {}
    for item in client.scan(TableName=table)["Items"]:
        if item.get("bill_to_pk", {}).get("S", "").endswith(f"#contact#{party}"):
            rows[item["PK"]["S"].rsplit("#", 1)[1]] = item["bill_to_pk"]["S"]
    return rows


def _calls() -> Counter[str]:
    """The DynamoDB operations the functions' client makes from now on, counted."""
    seen: Counter[str] = Counter()
    wiring.current().dynamodb.meta.events.register(
        "before-call.dynamodb.*", lambda model, **_: seen.update([model.name])
    )
    return seen


def test_given_a_walk_up_party_on_many_orders_then_its_rows_spread_and_every_page_finds_each_once(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    # GIVEN twenty orders billed and shipped to one walk-up contact, written by one instance
    made = [_create("walk-up")["id"] for _ in range(20)]
    client = boto3.client("dynamodb", endpoint_url=dynamodb_endpoint)
    table = tables["OrdersTable"]
    # THEN its marker is there, its first orders are on shard 0 and the rest spread over the shards
    marker = busy_party_key("tenant-a", ("contact", "walk-up"))
    assert "Item" in client.get_item(TableName=table, Key={k: {"S": v} for k, v in marker.items()})
    rows = _bill_to_rows(client, table, "walk-up")
    shard_0 = keys.party_pk("tenant-a", keys.BILL_TO, "contact", "walk-up")
    assert all(rows[oid] == shard_0 for oid in made[: BUSY_ORDERS - 1])
    assert len(set(rows.values())) > 3
    # WHEN the customer lookup and the bill-to lookup page through them three at a time
    params = {"customerType": "contact", "customerId": "walk-up"}
    looked_up, _ = all_pages("GET", CUSTOMER, 3, params=params)
    billed, _ = all_pages("GET", BILLED, 3, params={"id": "walk-up"})
    seen = _calls()
    assert call("GET", CUSTOMER, params=params, query={"limit": "3"})[0] == 200
    # THEN each finds every order once, newest first; a first page reads every shard of both roles
    # (after shard 0 of each, read beside the marker)
    assert looked_up == billed == list(reversed(made))
    assert seen["Query"] == 2 + 2 * keys.PARTY_SHARDS


def test_given_an_ordinary_customer_when_looked_up_then_its_marker_and_two_partitions_are_read(
    tables: dict[str, str],
) -> None:
    # GIVEN a customer with two orders (not busy: fewer than BUSY_ORDERS)
    made = [_create("c-1")["id"] for _ in range(BUSY_ORDERS - 1)]
    # WHEN its orders are looked up
    seen = _calls()
    status, body = call("GET", CUSTOMER, params={"customerType": "contact", "customerId": "c-1"})
    # THEN one BatchGetItem (its marker, then the page's orders) beside the two partitions' Queries
    assert status == 200
    assert [row["id"] for row in body["Items"]] == list(reversed(made))
    assert seen["Query"] == 2
    assert seen["BatchGetItem"] == 2  # the marker; the page's whole orders


def test_given_a_party_that_becomes_busy_between_two_pages_then_the_next_pages_find_each_older_order_once(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    # GIVEN two orders of a customer and the first page of its lookup, one order long
    older = [_create("c-2")["id"] for _ in range(BUSY_ORDERS - 1)]
    params = {"customerType": "contact", "customerId": "c-2"}
    status, first = call("GET", CUSTOMER, params=params, query={"limit": "1"})
    assert status == 200
    assert [row["id"] for row in first["Items"]] == [older[-1]]
    # WHEN more orders make it busy (newer rows spread) and the lookup goes on from the page's token
    newer = [_create("c-2")["id"] for _ in range(6)]
    assert (
        len(
            set(
                _bill_to_rows(
                    boto3.client("dynamodb", endpoint_url=dynamodb_endpoint), tables["OrdersTable"], "c-2"
                ).values()
            )
        )
        > 1
    )
    status, rest = call(
        "GET", CUSTOMER, params=params, query={"limit": "5", "exclusiveStartKey": first["LastEvaluatedKey"]}
    )
    # THEN the next page holds the older orders not yet shown, once (the newer sort above its bound)
    assert status == 200
    assert [row["id"] for row in rest["Items"]] == list(reversed(older[:-1]))
    assert rest["LastEvaluatedKey"] is None
    # AND a lookup from the start finds all of them, newest first
    everything, _ = all_pages("GET", CUSTOMER, 2, params=params)
    assert everything == list(reversed(older + newer))
