"""Stock that never oversells (issue 31), on DynamoDB Local's real transactions: concurrent creates
as concurrent Lambda instances through the create route; the order and its stock decrement are one
TransactWriteItems, so exactly the stock is sold and every other create is a 409 `sold_out`."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from orders_domain.models.catalogue import Product, ProductInput
from orders_domain.storage.catalogue import DynamoCatalogue

from local.lambda_runtime import InstancePool
from tests.helpers import body_of, create_event

T = "tenant-a"
ORDER: dict[str, Any] = {
    "currency_code": "USD",
    "line_items": [{"product_type": "ticket", "product_id": "gala", "quantity": 1, "unit_price": "40.00"}],
}


def catalogue(tables: dict[str, str], endpoint: str) -> DynamoCatalogue:
    return DynamoCatalogue(boto3.client("dynamodb", endpoint_url=endpoint), tables["OrdersTable"])


def stocked(tables: dict[str, str], endpoint: str, units: int) -> DynamoCatalogue:
    """The catalogue, holding the gala product with `units` left."""
    store = catalogue(tables, endpoint)
    body = ProductInput.model_validate(
        {"name": "Gala", "unit_price": "40.00", "currency_code": "USD", "stock": units}
    )
    store.put(Product.of(T, "ticket", "gala", body))
    return store


def stock_of(store: DynamoCatalogue) -> int | None:
    found = store.get(T, "ticket", "gala", consistent=True)
    assert found is not None
    return found.stock_available


def test_given_stock_5_when_20_instances_create_at_once_then_exactly_5_orders_and_15_sold_out(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    # GIVEN a product with 5 units left
    store = stocked(tables, dynamodb_endpoint, 5)
    pool = InstancePool("functions.create_order.app")
    # WHEN 20 Lambda instances each create an order for one unit, all at once
    with ThreadPoolExecutor(max_workers=20) as executor:
        answers = list(executor.map(lambda _: pool.invoke(create_event(ORDER)), range(20)))
    # THEN exactly 5 are created and 15 are refused as sold out, naming the line; none is a 5xx
    statuses = sorted(a["statusCode"] for a in answers)
    assert statuses == [201] * 5 + [409] * 15, [a["body"] for a in answers if a["statusCode"] >= 500]
    refusals = [body_of(a) for a in answers if a["statusCode"] == 409]
    assert {(r["code"], r["errors"][0]["field"]) for r in refusals} == {("sold_out", "line_items[0]")}
    # AND the stock reads 0: nothing oversold, nothing lost
    assert stock_of(store) == 0


def test_given_a_keyed_create_that_reserved_when_sent_again_then_the_stock_is_taken_once(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    store = stocked(tables, dynamodb_endpoint, 3)
    pool = InstancePool("functions.create_order.app")
    first = pool.invoke(create_event(ORDER, key="gala-1"))
    again = pool.invoke(create_event(ORDER, key="gala-1"))
    assert (first["statusCode"], again["statusCode"]) == (201, 201)
    assert body_of(first)["id"] == body_of(again)["id"]
    assert stock_of(store) == 2


def test_given_a_price_that_is_not_the_catalogues_when_created_then_400_naming_the_line_and_no_stock_taken(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    store = stocked(tables, dynamodb_endpoint, 3)
    cheap = {**ORDER, "line_items": [{**ORDER["line_items"][0], "unit_price": "0.01"}]}
    answer = InstancePool("functions.create_order.app").invoke(create_event(cheap))
    assert answer["statusCode"] == 400
    assert body_of(answer)["errors"][0]["field"] == "line_items[0].unit_price"
    assert stock_of(store) == 3


def test_given_a_sold_out_product_when_one_order_is_cancelled_then_exactly_one_more_sale_is_possible(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    from tests.fulfil_helpers import cancel

    # GIVEN a product whose 2 units are sold, 1 per order
    store = stocked(tables, dynamodb_endpoint, 2)
    pool = InstancePool("functions.create_order.app")
    sold = [body_of(pool.invoke(create_event(ORDER))) for _ in range(2)]
    assert pool.invoke(create_event(ORDER))["statusCode"] == 409
    # WHEN one order is cancelled (the cancel route, with no If-Match)
    status, cancelled, _ = cancel("cancel", sold[0]["id"], if_match=None)
    assert status == 200, cancelled
    assert cancelled["line_items"][0]["stock_reserved"] == 0
    # THEN its unit is back: one more create succeeds, the next is sold out
    assert stock_of(store) == 1
    statuses = [pool.invoke(create_event(ORDER))["statusCode"] for _ in range(2)]
    assert statuses == [201, 409]
    assert stock_of(store) == 0


def test_given_a_product_that_releases_on_refund_when_a_fulfilled_line_is_refunded_then_its_units_return(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    from tests.fulfil_helpers import fulfil, refund

    # GIVEN a deal that gives stock back on refund, 2 units sold in one order, fulfilled
    store = catalogue(tables, dynamodb_endpoint)
    body = {
        "name": "Spa",
        "unit_price": "40.00",
        "currency_code": "USD",
        "stock": 3,
        "offer_kind": "deal",
        "release_stock_on_refund": True,
    }
    store.put(Product.of(T, "ticket", "gala", ProductInput.model_validate(body)))
    two = {**ORDER, "line_items": [{**ORDER["line_items"][0], "quantity": 2}]}
    created = body_of(InstancePool("functions.create_order.app").invoke(create_event(two)))
    assert [v["status"] for v in created["line_items"][0]["vouchers"]] == ["active", "active"]
    assert stock_of(store) == 1
    assert fulfil(created["id"], if_match=None)[0] == 200
    # WHEN the line is refunded (one transaction: the order and the stock)
    status, refunded, _ = refund(
        created["id"], {"refund_reason_name": "ChangedMindCannotMakeShow", "line_numbers": [1]}, if_match=None
    )
    # THEN the units are back and the vouchers cancelled, in the same write
    assert status == 200, refunded
    assert stock_of(store) == 3
    assert refunded["line_items"][0]["stock_reserved"] == 0
    assert [v["status"] for v in refunded["line_items"][0]["vouchers"]] == ["cancelled", "cancelled"]


def _keyed_create(key: str) -> Any:
    from orders_domain.models import OrderCreateRequest
    from orders_domain.runtime import wiring

    request = OrderCreateRequest.model_validate(ORDER)
    return wiring.current().create_orders.create(request, tenant_id=T, actor="k", idempotency_key=key)


def test_given_a_keyed_reserving_create_whose_record_was_lost_when_run_again_then_the_first_order_answers(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    # GIVEN a keyed create that reserved a unit (its idempotency record lost: the service runs again)
    store = stocked(tables, dynamodb_endpoint, 3)
    first = _keyed_create("lost-1")
    # WHEN the same request runs again within DynamoDB's token window (a new number and guest token,
    # so the same ClientRequestToken now carries other items)
    again = _keyed_create("lost-1")
    # THEN it answers the first order, replayed, and the stock was taken once
    assert (again.replayed, again.order.id, again.order.number) == (True, first.order.id, first.order.number)
    assert stock_of(store) == 2


def test_given_a_keyed_create_refused_as_sold_out_when_sent_again_after_a_restock_then_it_is_made(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    from orders_domain.domain.errors import SoldOut

    store = stocked(tables, dynamodb_endpoint, 0)
    with pytest.raises(SoldOut):
        _keyed_create("restock-1")
    stocked(tables, dynamodb_endpoint, 1)
    made = _keyed_create("restock-1")
    assert made.replayed is False
    assert stock_of(store) == 0
