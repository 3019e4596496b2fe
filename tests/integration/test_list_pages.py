"""Scatter-gather pages over the write-sharded index, on DynamoDB Local: every row once, newest first."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import boto3
import pytest
from orders_domain.models import OrderCreateRequest
from orders_domain.services import CreateOrders
from orders_domain.storage import keys
from orders_domain.storage.orders import DynamoOrderRepository, Page, PagePosition

SHIPPABLE = {"line_items": [{"quantity": 1, "unit_price": "3.10", "shippable": True}]}
DIGITAL = {"line_items": [{"quantity": 2, "unit_price": "0.05"}]}


def repository(tables: dict[str, str], endpoint: str) -> DynamoOrderRepository:
    return DynamoOrderRepository(boto3.client("dynamodb", endpoint_url=endpoint), tables["OrdersTable"])


def make_orders(repo: DynamoOrderRepository, tenant: str, count: int, body: dict[str, Any]) -> list[str]:
    """Orders created one after another: their list order (newest first) is the reverse."""
    service = CreateOrders(repo)
    request = OrderCreateRequest.model_validate(body)
    return [service.create(request, tenant_id=tenant, actor="test").order.id for _ in range(count)]


def all_pages(read: Any, limit: int) -> list[Page]:
    pages = [read(limit=limit, after=None)]
    while pages[-1].next is not None:
        assert len(pages) < 200, "paging does not end"
        pages.append(read(limit=limit, after=pages[-1].next))
    return pages


@pytest.mark.parametrize("limit", [1, 7, 25, 100])
def test_given_orders_over_every_shard_when_paged_then_each_comes_once_newest_first(
    tables: dict[str, str], dynamodb_endpoint: str, limit: int
) -> None:
    # GIVEN 70 orders of one tenant (spread over the write shards) and one of another tenant
    repo = repository(tables, dynamodb_endpoint)
    made = make_orders(repo, "tenant-a", 70, DIGITAL)
    make_orders(repo, "tenant-b", 1, DIGITAL)
    assert len({keys.shard_of(order_id) for order_id in made}) > 20
    # WHEN the tenant's list is read page by page

    def read(**kwargs: Any) -> Page:
        return repo.list_page("tenant-a", **kwargs)

    pages = all_pages(read, limit)
    # THEN every order comes exactly once, newest first, in full pages but the last
    ids = [row["id"] for page in pages for row in page.rows]
    assert ids == list(reversed(made))
    assert all(len(page.rows) == limit for page in pages[:-1])
    assert 0 < len(pages[-1].rows) <= limit or (len(made) % limit == 0 and not pages[-1].rows)


def test_given_list_rows_when_read_then_they_are_summary_rows_with_exact_money(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    # GIVEN one order
    repo = repository(tables, dynamodb_endpoint)
    (order_id,) = make_orders(repo, "tenant-a", 1, DIGITAL)
    # WHEN the list is read
    page = repo.list_page("tenant-a", limit=25)
    # THEN the row is the order's summary: exact Decimals, no lines, and there is no next page
    (row,) = page.rows
    assert row["id"] == order_id
    assert row["total"] == Decimal("0.10")
    assert isinstance(row["total"], Decimal)
    assert "line_items" not in row
    assert page.next is None


def test_given_no_orders_when_listed_then_the_page_is_empty_and_last(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    page = repository(tables, dynamodb_endpoint).list_page("tenant-empty", limit=10)
    assert page.rows == []
    assert page.next is None


def test_given_shippable_and_digital_orders_when_listing_awaiting_shipment_then_only_shippable(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    # GIVEN shippable and digital orders of one tenant
    repo = repository(tables, dynamodb_endpoint)
    shippable = make_orders(repo, "tenant-a", 12, SHIPPABLE)
    make_orders(repo, "tenant-a", 5, DIGITAL)

    # WHEN the shippable-status index is paged for "awaiting shipment"
    def read(**kwargs: Any) -> Page:
        return repo.list_page(
            "tenant-a", index=keys.INDEX_SHIPPABLE_STATUS, status="awaiting shipment", **kwargs
        )

    pages = all_pages(read, 5)
    # THEN exactly the shippable orders, newest first
    assert [row["id"] for page in pages for row in page.rows] == list(reversed(shippable))


def test_given_a_page_position_when_new_orders_arrive_then_the_next_page_neither_skips_nor_repeats(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    # GIVEN a first page of 10 out of 30 orders
    repo = repository(tables, dynamodb_endpoint)
    made = make_orders(repo, "tenant-a", 30, DIGITAL)
    first = repo.list_page("tenant-a", limit=10)
    # WHEN more orders are created before the next page is read
    make_orders(repo, "tenant-a", 5, DIGITAL)
    rest = []
    after = first.next
    while after is not None:
        page = repo.list_page("tenant-a", limit=10, after=after)
        rest += [row["id"] for row in page.rows]
        after = page.next
    # THEN the later pages hold exactly the older orders not yet seen (newer ones are on a new first page)
    assert [row["id"] for row in first.rows] + rest == list(reversed(made))


def test_positions_survive_a_json_round_trip(tables: dict[str, str], dynamodb_endpoint: str) -> None:
    # GIVEN a page position sent to a client (as JSON, shard numbers become strings) and back
    repo = repository(tables, dynamodb_endpoint)
    made = make_orders(repo, "tenant-a", 12, DIGITAL)
    first = repo.list_page("tenant-a", limit=5)
    assert first.next is not None
    sent = PagePosition.from_dict(json.loads(json.dumps(first.next.to_dict())))
    # WHEN the next page is read from it
    second = repo.list_page("tenant-a", limit=5, after=sent)
    # THEN it continues where the first page stopped
    assert [row["id"] for row in first.rows + second.rows] == list(reversed(made))[:10]
