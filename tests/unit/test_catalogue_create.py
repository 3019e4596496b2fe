"""Creates against the tenant's catalogue (issue 31): the client never sets a catalogue product's
price, stock is reserved with the order or nothing is written, an empty catalogue changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from orders_domain.domain.errors import Ineligible, OrdersError, SoldOut, UnknownProduct, ValidationFailed
from orders_domain.models import OrderCreateRequest
from orders_domain.models.catalogue import CatalogueSettings, Product, ProductInput
from orders_domain.services import CreateOrders, Pricing

from tests.fakes import InMemoryCatalogue, InMemoryOrderRepository

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
T = "tenant-a"


def setup(
    stock: int | None = 5, **product: Any
) -> tuple[InMemoryCatalogue, InMemoryOrderRepository, CreateOrders]:
    catalogue = InMemoryCatalogue()
    body = {"name": "Seat", "unit_price": "12.50", "currency_code": "USD", "stock": stock, **product}
    catalogue.put(Product.of(T, "ticket", "p1", ProductInput.model_validate(body)))
    repo = InMemoryOrderRepository(catalogue)
    return (
        catalogue,
        repo,
        CreateOrders(repo, pricing=Pricing(clock=lambda: NOW), catalogue=lambda: catalogue),
    )


def request(*lines: dict[str, Any], **order: Any) -> OrderCreateRequest:
    return OrderCreateRequest.model_validate({"line_items": list(lines), **order})


def line(quantity: int = 1, unit_price: str = "12.50", **changes: Any) -> dict[str, Any]:
    return {
        "product_type": "ticket",
        "product_id": "p1",
        "quantity": quantity,
        "unit_price": unit_price,
        **changes,
    }


def stock(catalogue: InMemoryCatalogue) -> int | None:
    found = catalogue.get(T, "ticket", "p1")
    assert found is not None
    return found.stock_available


def test_given_two_lines_of_one_product_when_created_then_their_units_are_reserved_together() -> None:
    catalogue, _, create = setup()
    order = create.create(request(line(2), line(1)), tenant_id=T, actor="k").order
    assert order.total == 3 * order.line_items[0].unit_price
    assert stock(catalogue) == 2


@pytest.mark.parametrize(
    ("lines", "error", "field"),
    [
        ([line(6)], SoldOut, "line_items[0]"),
        ([line(3), line(3)], SoldOut, "line_items[0]"),
        ([line(1, unit_price="10.00")], ValidationFailed, "line_items[0].unit_price"),
        (
            [line(1, variant_options=[{"option_id": "gold"}])],
            ValidationFailed,
            "line_items[0].variant_options[0]",
        ),
    ],
)
def test_given_a_line_the_catalogue_refuses_when_created_then_a_problem_names_it_and_nothing_is_written(
    lines: list[dict[str, Any]], error: type[OrdersError], field: str
) -> None:
    catalogue, repo, create = setup()
    with pytest.raises(error) as refused:
        create.create(request(*lines), tenant_id=T, actor="k")
    assert refused.value.errors[0].field == field
    assert (repo.orders, stock(catalogue)) == ({}, 5)


def test_given_a_sale_of_exactly_the_stock_when_created_then_it_is_sold_and_one_more_unit_is_sold_out() -> (
    None
):
    catalogue, _, create = setup()
    create.create(request(line(5)), tenant_id=T, actor="k")
    assert stock(catalogue) == 0
    with pytest.raises(SoldOut):
        create.create(request(line(1)), tenant_id=T, actor="k")


def test_given_options_when_the_client_sends_the_catalogue_price_with_them_then_it_is_accepted() -> None:
    _, _, create = setup(variant_options=[{"option_id": "vip", "value": "VIP", "price_delta": "7.50"}])
    order = create.create(
        request(line(1, "20.00", variant_options=[{"option_id": "vip"}])), tenant_id=T, actor="k"
    ).order
    assert str(order.total) == "20.00"


def test_given_a_product_in_another_currency_when_ordered_then_400() -> None:
    _, repo, create = setup(currency_code="EUR")
    with pytest.raises(ValidationFailed):
        create.create(request(line(1)), tenant_id=T, actor="k")
    assert repo.orders == {}


def test_given_an_eligibility_rule_when_another_customer_orders_then_422_ineligible() -> None:
    _, repo, create = setup(eligibility={"customer_ids": ["c-vip"]})
    with pytest.raises(Ineligible):
        create.create(
            request(line(1), bill_to_type="contact", bill_to_contact_id="c-1"), tenant_id=T, actor="k"
        )
    created = create.create(
        request(line(1), bill_to_type="contact", bill_to_contact_id="c-vip"), tenant_id=T, actor="k"
    )
    assert created.order.bill_to_contact_id == "c-vip"
    assert len(repo.orders) == 1


def test_given_an_unknown_product_when_not_strict_then_the_clients_price_and_when_strict_then_400() -> None:
    catalogue, repo, create = setup()
    unknown = line(1, "3.00", product_id="not-there")
    assert str(create.create(request(unknown), tenant_id=T, actor="k").order.total) == "3.00"
    catalogue.put_settings(T, CatalogueSettings(strict=True))
    with pytest.raises(UnknownProduct) as refused:
        create.create(request(unknown), tenant_id=T, actor="k")
    assert refused.value.errors[0].field == "line_items[0].product_id"
    assert len(repo.orders) == 1


def test_given_unlimited_stock_or_a_line_naming_no_product_when_created_then_nothing_is_reserved() -> None:
    catalogue, repo, create = setup(stock=None)
    create.create(request(line(10**6)), tenant_id=T, actor="k")
    create.create(request({"quantity": 1, "unit_price": "1.00"}), tenant_id=T, actor="k")
    assert (stock(catalogue), len(repo.orders)) == (None, 2)


def test_given_a_keyed_create_sent_twice_when_it_reserves_then_the_stock_is_taken_once() -> None:
    catalogue, _, create = setup()
    first = create.create(request(line(2)), tenant_id=T, actor="k", idempotency_key="key-1")
    again = create.create(request(line(2)), tenant_id=T, actor="k", idempotency_key="key-1")
    assert (again.replayed, again.order.id, stock(catalogue)) == (True, first.order.id, 3)


def test_given_no_catalogue_when_a_line_names_a_product_then_it_is_created_as_the_client_sends_it() -> None:
    repo = InMemoryOrderRepository()
    order = CreateOrders(repo).create(request(line(1, "99.00")), tenant_id=T, actor="k").order
    assert str(order.total) == "99.00"


def test_given_an_order_that_reserved_when_cancelled_whole_then_its_units_go_back_once() -> None:
    from orders_domain.services.change import ChangeOrders

    catalogue, repo, create = setup()
    order = create.create(request(line(2)), tenant_id=T, actor="k").order
    assert (order.line_items[0].stock_reserved, stock(catalogue)) == (2, 3)
    change = ChangeOrders(repo, sleep=lambda _: None)
    cancelled = change.cancel(T, order.id, actor="k", if_match=None)
    assert (cancelled.line_items[0].stock_reserved, stock(catalogue)) == (0, 5)
    with pytest.raises(OrdersError):  # again: refused (409), nothing more given back
        change.cancel(T, order.id, actor="k", if_match=None)
    assert stock(catalogue) == 5


def test_given_a_partial_cancel_and_a_void_when_applied_then_each_gives_back_only_what_it_cancelled() -> None:
    from orders_domain.models.fulfillments import CancelRequest
    from orders_domain.services.fulfillments import FulfilOrders

    catalogue, repo, create = setup()
    order = create.create(request(line(3)), tenant_id=T, actor="k").order
    fulfil = FulfilOrders(repo, fulfillments_of(repo), sleep=lambda _: None)
    line_id = order.line_items[0].order_line_item_id
    items = CancelRequest.model_validate({"items": [{"order_line_item_id": line_id, "quantity": 1}]})
    after = fulfil.cancel(T, order.id, items, actor="k", if_match=None)
    assert (after.line_items[0].stock_reserved, stock(catalogue)) == (2, 3)
    fulfil.void(T, order.id, actor="k", if_match=None)
    assert stock(catalogue) == 5


def fulfillments_of(repo: InMemoryOrderRepository) -> Any:
    from tests.fakes import InMemoryFulfillments

    return InMemoryFulfillments(repo)


def test_given_a_line_holding_stock_when_patched_then_its_amounts_are_fixed_and_its_reservation_kept() -> (
    None
):
    from orders_domain.services.change import ChangeOrders

    catalogue, repo, create = setup()
    order = create.create(request(line(2)), tenant_id=T, actor="k").order
    change = ChangeOrders(repo, sleep=lambda _: None)
    # WHEN a client patches the reserving line's quantity THEN 409: only cancel and void move stock
    with pytest.raises(OrdersError) as refused:
        change.patch(
            T,
            order.id,
            [{"op": "replace", "path": "/line_items/0/quantity", "value": 5}],
            actor="k",
            if_match=None,
        )
    assert refused.value.status == 409
    # AND a change of a client field keeps the reservation as it was
    patched = change.patch(
        T, order.id, [{"op": "add", "path": "/memo", "value": "gift"}], actor="k", if_match=None
    )
    assert (patched.memo, patched.line_items[0].stock_reserved, stock(catalogue)) == ("gift", 2, 3)


class _TokenWindowClient:
    """A DynamoDB client whose first transaction meets a token used before with other items."""

    def __init__(self, stored: dict[str, Any] | None) -> None:
        self.stored = stored
        self.tokens: list[str] = []

    def transact_write_items(self, TransactItems: Any, ClientRequestToken: str) -> None:
        from botocore.exceptions import ClientError

        self.tokens.append(ClientRequestToken)
        if len(self.tokens) == 1:
            error = {"Error": {"Code": "IdempotentParameterMismatchException", "Message": "other items"}}
            raise ClientError(error, "TransactWriteItems")  # type: ignore[arg-type]

    def get_item(self, **_: Any) -> dict[str, Any]:
        return {"Item": self.stored} if self.stored is not None else {}


@pytest.mark.parametrize("stored", [{"PK": {"S": "x"}}, None])
def test_given_a_token_met_with_other_items_then_the_stored_order_answers_or_a_fresh_token_writes(
    stored: dict[str, Any] | None,
) -> None:
    from orders_domain.domain.catalogue_rules import Reservation
    from orders_domain.storage import stock

    _, _, create = setup()
    order = create.create(request(line(1)), tenant_id=T, actor="k").order
    client = _TokenWindowClient(stored)
    item = {"PK": {"S": "p"}, "SK": {"S": "ORDER"}}
    reserving = [Reservation("ticket", "p1", 1, "line_items[0]", (0,))]
    if stored is not None:
        # the first run's order is read and answered (the create replays it)
        with pytest.raises(stock.OrderTaken) as taken:
            stock.create_reserving(client, "t", order, item, reserving, "f")  # type: ignore[arg-type]
        assert taken.value.old == stored
        assert len(client.tokens) == 1
    else:
        # nothing was written under the old token: sent again under a token of its own
        stock.create_reserving(client, "t", order, item, reserving, "f")  # type: ignore[arg-type]
        assert len(client.tokens) == 2
        assert client.tokens[0] != client.tokens[1]
