"""Vouchers, catalogue prices and stock given back on refund (issue 31), on the in-memory ports: a deal
or gift-card line issues one unguessable voucher per unit in the create's own write; a cancel, void or
refund cancels the vouchers of the units it takes in the same write; a line naming a product may leave
its price out (the catalogue's is taken); a refund gives stock back only when the product said so."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from orders_domain.domain import vouchers
from orders_domain.domain.errors import OrdersError, ValidationFailed
from orders_domain.models import OrderCreateRequest
from orders_domain.models.catalogue import Product, ProductInput
from orders_domain.models.fulfillments import CancelRequest
from orders_domain.models.refunds import RefundRequest
from orders_domain.services import CreateOrders, Pricing
from orders_domain.services.change import ChangeOrders
from orders_domain.services.common import new_voucher_code
from orders_domain.services.fulfillments import FulfilOrders
from orders_domain.services.refunds import RefundOrders
from pydantic import ValidationError

from tests.fakes import (
    InMemoryCatalogue,
    InMemoryFulfillments,
    InMemoryOrderRepository,
    InMemoryRefundReasons,
)

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
T = "tenant-a"
CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$")


class World:
    """A catalogue with one product, and the services that create, cancel, fulfil and refund."""

    def __init__(self, **product: Any) -> None:
        self.catalogue = InMemoryCatalogue()
        body = {"name": "Deal", "unit_price": "20.00", "currency_code": "USD", "stock": 10, **product}
        self.catalogue.put(Product.of(T, "offer", "d1", ProductInput.model_validate(body)))
        self.repo = InMemoryOrderRepository(self.catalogue)
        self.create = CreateOrders(
            self.repo, pricing=Pricing(clock=lambda: NOW), catalogue=lambda: self.catalogue
        )
        self.fulfil = FulfilOrders(self.repo, InMemoryFulfillments(self.repo), sleep=lambda _: None)
        self.refunds = RefundOrders(self.repo, InMemoryRefundReasons(), sleep=lambda _: None)

    def order(self, quantity: int = 3, **line: Any) -> Any:
        body = {"product_type": "offer", "product_id": "d1", "quantity": quantity, **line}
        return self.create.create(
            OrderCreateRequest.model_validate({"line_items": [body]}), tenant_id=T, actor="k"
        ).order

    def stock(self) -> int | None:
        found = self.catalogue.get(T, "offer", "d1")
        assert found is not None
        return found.stock_available

    def line_id(self, order: Any) -> str:
        return str(order.line_items[0].order_line_item_id)


def statuses(order: Any) -> list[str]:
    return [v.status.value for v in order.line_items[0].vouchers or []]


def test_given_a_deal_ordered_without_a_price_then_the_catalogue_prices_it_and_each_unit_is_a_voucher() -> (
    None
):
    world = World(offer_kind="deal")
    order = world.order(3)
    line = order.line_items[0]
    assert str(line.unit_price) == "20.00"
    assert str(order.total) == "60.00"
    assert line.catalogue_priced is True
    assert statuses(order) == ["active"] * 3
    codes = [v.code for v in line.vouchers or []]
    assert all(CODE.match(code) for code in codes)
    assert len(set(codes)) == 3
    assert world.stock() == 7


def test_voucher_codes_come_from_a_csprng_not_a_counter() -> None:
    codes = {new_voucher_code() for _ in range(2_000)}
    assert len(codes) == 2_000
    assert all(CODE.match(code) for code in codes)


def test_given_a_physical_product_then_no_vouchers() -> None:
    order = World(offer_kind="physical").order(2)
    assert order.line_items[0].vouchers is None


def test_given_a_gift_card_order_when_cancelled_whole_then_every_voucher_is_cancelled_and_stock_returns() -> (
    None
):
    world = World(offer_kind="gift_card")
    order = world.order(2)
    cancelled = ChangeOrders(world.repo, sleep=lambda _: None).cancel(T, order.id, actor="k", if_match=None)
    assert statuses(cancelled) == ["cancelled", "cancelled"]
    assert world.stock() == 10
    assert statuses(world.repo.get(T, order.id)) == ["cancelled", "cancelled"]


def test_given_a_partial_cancel_then_the_newest_vouchers_of_the_cancelled_units_are_cancelled() -> None:
    world = World(offer_kind="deal")
    order = world.order(3)
    items = CancelRequest.model_validate(
        {"items": [{"order_line_item_id": world.line_id(order), "quantity": 1}]}
    )
    after = world.fulfil.cancel(T, order.id, items, actor="k", if_match=None)
    assert statuses(after) == ["active", "active", "cancelled"]
    assert [v.code for v in after.line_items[0].vouchers or []] == [
        v.code for v in order.line_items[0].vouchers or []
    ]
    assert world.stock() == 8
    voided = world.fulfil.void(T, order.id, actor="k", if_match=None)
    assert statuses(voided) == ["cancelled"] * 3
    assert world.stock() == 10


@pytest.mark.parametrize(("release", "stock_after"), [(True, 10), (False, 8)])
def test_given_a_fulfilled_line_when_refunded_then_stock_returns_only_if_the_product_says_so(
    release: bool, stock_after: int
) -> None:
    world = World(offer_kind="deal", release_stock_on_refund=release)
    order = world.order(2)
    world.fulfil.fulfil(T, order.id, None, actor="k", if_match=None)
    refund = RefundRequest.model_validate(
        {"refund_reason_name": "ChangedMindCannotMakeShow", "line_numbers": [1]}
    )
    refunded = world.refunds.refund(T, order.id, refund, actor="k", if_match=None)
    assert world.stock() == stock_after
    assert refunded.line_items[0].stock_reserved == (0 if release else 2)
    # the refunded units' vouchers are cancelled either way: a refunded deal is no longer the customer's
    assert statuses(refunded) == ["cancelled", "cancelled"]


def test_the_product_setting_is_taken_when_the_order_is_placed() -> None:
    world = World(release_stock_on_refund=True)
    order = world.order(1)
    assert order.line_items[0].release_stock_on_refund is True
    assert World(release_stock_on_refund=False).order(1).line_items[0].release_stock_on_refund is None


def test_an_order_issues_at_most_max_vouchers() -> None:
    world = World(offer_kind="deal", stock=None)
    assert len(world.order(vouchers.MAX_VOUCHERS).line_items[0].vouchers or []) == vouchers.MAX_VOUCHERS
    with pytest.raises(ValidationFailed) as refused:
        world.order(vouchers.MAX_VOUCHERS + 1)
    assert refused.value.errors[0].field == "line_items[0].quantity"
    assert len(world.repo.orders) == 1


def test_a_client_price_must_still_be_the_catalogues() -> None:
    world = World()
    with pytest.raises(ValidationFailed) as refused:
        world.order(1, unit_price="19.99")
    assert refused.value.errors[0].field == "line_items[0].unit_price"
    assert world.order(1, unit_price="20.00").total == world.order(1).total


def test_a_line_without_a_price_needs_a_product_the_catalogue_holds() -> None:
    world = World()
    # naming no product at all: the request itself is refused
    with pytest.raises(ValidationError):
        OrderCreateRequest.model_validate({"line_items": [{"quantity": 1, "sku": "x"}]})
    # naming a product the catalogue does not hold: 400 naming the price, unless a default is given
    with pytest.raises(ValidationFailed) as refused:
        world.order(1, product_id="nope")
    assert refused.value.errors[0].field == "line_items[0].unit_price"
    request = OrderCreateRequest.model_validate(
        {"line_items": [{"product_type": "offer", "product_id": "nope", "quantity": 2}]}
    )
    free = world.create.create(request, tenant_id=T, actor="k", unknown_price=Decimal(0)).order
    assert str(free.total) in ("0", "0.00")


def test_vouchers_are_server_owned_in_a_request() -> None:
    with pytest.raises(ValidationError):
        OrderCreateRequest.model_validate(
            {
                "line_items": [
                    {"quantity": 1, "unit_price": 1, "vouchers": [{"code": "X", "status": "active"}]}
                ]
            }
        )


def test_a_change_may_not_reprice_a_catalogue_line() -> None:
    world = World(stock=None)
    order = world.order(1)
    with pytest.raises(OrdersError) as refused:
        ChangeOrders(world.repo, sleep=lambda _: None).patch(
            T,
            order.id,
            [{"op": "replace", "path": "/line_items/0/unit_price", "value": 1}],
            actor="k",
            if_match=None,
        )
    assert refused.value.status == 409


def test_settle_never_cancels_a_redeemed_voucher() -> None:
    from orders_domain.domain.lifecycle import VoucherStatus
    from orders_domain.models import Voucher

    held = [Voucher(code="A", status=VoucherStatus.REDEEMED), Voucher(code="B"), Voucher(code="C")]
    settled = vouchers.settle(held, 1)
    assert [v.status.value for v in settled] == ["redeemed", "cancelled", "cancelled"]
    assert vouchers.settle(held, 3) is held
