"""Issue 36, write once read many: an order item's `doc` is the order's answer, and every way of reading
it agrees with the way orders were read before (`doc` the whole order, Decimals as strings).

For every order of a corpus (hypothesis-made creates with money and payload numbers at their edges,
and the lifecycle machine's orders in every state), the item written now and the item the code
before issue 36 wrote (`legacy_item`) are read through old and new paths: the same order, the same
storage form (what the history keeps), and the plain GET's answer byte for byte what the old path
rendered.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from orders_domain.domain import jsonio, lifecycle, order_text
from orders_domain.domain.order_text import RENDER_VERSION
from orders_domain.models import Order, OrderCreateRequest
from orders_domain.services import CreateOrders
from orders_domain.storage.orders import (
    OrderRecord,
    order_of,
    storage_text,
    stored_answer,
    stored_text,
)

from tests.fakes import InMemoryOrderRepository
from tests.unit.test_order_lifecycle_machine import LifecycleMachine


def legacy_item(order: Order) -> dict[str, Any]:
    """The order's item as the code before issue 36 wrote it: `doc` the whole order (Decimals as
    strings, a payload's numbers as numbers), no `fmt`, no `internal`."""
    return {"doc": {"S": storage_text(order)}, "sys_version": {"N": str(order.sys_version)}}


def assert_forms_agree(order: Order) -> None:
    legacy, item = legacy_item(order), OrderRecord(order=order).to_item()
    as_before = Order.model_validate_json(legacy["doc"]["S"])  # the read path before issue 36
    answer_before = order_text.order_text(as_before)  # ... and the GET's answer it rendered
    # the same order from either item, digit for digit in its storage form
    assert order_of(item) == order_of(legacy) == as_before
    assert storage_text(order_of(item)) == storage_text(as_before) == legacy["doc"]["S"]
    assert stored_text(item) == stored_text(legacy) == legacy["doc"]["S"]
    # the plain GET's answer: stored as the old path rendered it, byte for byte
    new, old = (
        stored_answer(item, order.tenant_id, order.id),
        stored_answer(legacy, order.tenant_id, order.id),
    )
    assert new.text == old.text == answer_before
    assert item["doc"]["S"] == order_text.body_text(as_before)
    assert new.version == old.version == order.sys_version
    assert new.deleted is old.deleted is bool(order.sys_deleted)
    # and written again from what it reads back, the item does not change
    assert OrderRecord(order=order_of(item)).to_item() == item


def created(body: dict[str, Any]) -> Order:
    request = OrderCreateRequest.model_validate_json(json.dumps(body))
    return CreateOrders(InMemoryOrderRepository()).create(request, tenant_id="t1", actor="key_a").order


#: Amounts a line may carry: the smallest unit, trailing zeros, the largest unit price.
AMOUNTS = st.one_of(
    st.sampled_from(["0", "0.01", "12.50", "12.5", "100", "100.00", "999999999999.99", "0.10", "1.000"]),
    st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2).map(str),
)
#: A payload's numbers: integers of 20 digits, floats a client writes (1.5, 1e-7, 12.50), negatives.
PAYLOAD_NUMBERS = st.one_of(
    st.sampled_from([12345678901234567890, -98765432109876543210, 0, 1.5, 12.50, 1e-7, 1e22, -0.25]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15).filter(
        lambda f: f == 0 or abs(f) > 1e-30  # DynamoDB's numbers end at 1e-130 (refused: a 400)
    ),
)
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)


@st.composite
def create_bodies(draw: st.DrawFn) -> dict[str, Any]:
    lines = []
    for n in range(draw(st.integers(1, 3))):
        line: dict[str, Any] = {
            "order_line_item_id": f"L{n}",
            "description": draw(TEXT),
            "quantity": draw(st.sampled_from([1, 2, 3, 1_000_000])),
            "unit_price": draw(AMOUNTS),
            "taxes": draw(AMOUNTS.filter(lambda a: Decimal(a) < 1000)),
        }
        if draw(st.booleans()):
            line["payload"] = {
                "n": draw(PAYLOAD_NUMBERS),
                "text": draw(TEXT),
                "nested": [draw(PAYLOAD_NUMBERS)],
            }
        lines.append(line)
    body: dict[str, Any] = {"line_items": lines, "notes": draw(TEXT), "shipping_charges": draw(AMOUNTS)}
    if draw(st.booleans()):
        body["payment_info"] = {"type": "Visa"}
    return body


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=create_bodies())
def test_given_created_orders_when_stored_then_every_read_path_agrees_with_the_old_one(
    body: dict[str, Any],
) -> None:
    # GIVEN an order as the create service makes it (money and payload numbers at their edges)
    order = created(body)
    # WHEN stored now and as before issue 36, THEN every read path answers the same (assert_forms_agree)
    assert_forms_agree(order)


def test_given_the_sample_order_when_stored_then_every_read_path_agrees_with_the_old_one() -> None:
    sample = json.loads(
        json.loads((Path(__file__).parents[2] / "events" / "create_order.json").read_text())["body"]
    )
    assert_forms_agree(created(sample))


def test_given_money_with_trailing_zeros_and_twenty_digits_when_stored_and_read_then_it_is_exact() -> None:
    # GIVEN a line whose total has 20 significant digits, and amounts with trailing zeros
    order = created(
        {
            "line_items": [
                {"quantity": 1_000_000, "unit_price": "999999999999.99", "taxes": "0.10"},
                {"quantity": 2, "unit_price": "12.50", "taxes": "1.00"},
            ]
        }
    )
    assert order.line_items[0].total == Decimal("999999999999990000.10")
    item = OrderRecord(order=order).to_item()
    # WHEN read back from the stored answer's text
    again = order_of(item)
    # THEN every amount is the same Decimal, digits and exponent alike (never through float)
    for was, now in zip(order.line_items, again.line_items, strict=True):
        for field in ("unit_price", "taxes", "total"):
            assert getattr(now, field).as_tuple() == getattr(was, field).as_tuple(), field
    assert again.total.as_tuple() == order.total.as_tuple()
    assert '"total":999999999999990000.10' in item["doc"]["S"]
    assert '"unit_price":12.50' in item["doc"]["S"]


class StoredFormsMachine(LifecycleMachine):
    """The lifecycle machine's orders, in every state its operations reach (fulfilled, cancelled,
    refunded, voided, closed, deleted), each checked after every step."""

    def teardown(self) -> None:
        for order_id in self.seen:
            stored = self.repo.get(self.seen[order_id].tenant_id, order_id, include_deleted=True)
            assert stored is not None
            assert_forms_agree(stored)


StoredFormsMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=30, deadline=None, suppress_health_check=list(HealthCheck)
)
TestStoredFormsOverTheLifecycle = StoredFormsMachine.TestCase


def test_given_an_item_of_another_render_version_when_answered_then_the_text_is_rendered_again() -> None:
    # GIVEN an item whose stored text came from another rendering (its `fmt` is not RENDER_VERSION)
    order = created({"line_items": [{"quantity": 1, "unit_price": "5.00"}]})
    item = OrderRecord(order=order).to_item()
    stale = {**item, "actions": {"S": "an-old-link"}, "fmt": {"N": "0"}}
    # WHEN answered THEN the answer is rendered from the order, not from the stale attributes
    assert stored_answer(stale, order.tenant_id, order.id).text == order_text.order_text(order)


def test_given_a_deleted_order_when_answered_then_the_answer_says_so() -> None:
    order = created({"line_items": [{"quantity": 1, "unit_price": "5.00"}]})
    gone = order.model_copy(update={"sys_deleted": True})
    assert stored_answer(OrderRecord(order=gone).to_item(), "t1", order.id).deleted is True
    assert stored_answer(legacy_item(gone), "t1", order.id).deleted is True
    assert '"sys_deleted"' not in OrderRecord(order=gone).to_item()["doc"]["S"]


#: What a stored answer's text depends on. A change to any of it may change the answer an order
#: renders: bump order_text.RENDER_VERSION (items of the older version are then rendered again when
#: read, and rewritten by their next write) and pin the new fingerprint here. (The fingerprint reads
#: the modules' source: an edit of a comment there asks for a bump too; a bump costs a rendering per
#: read of the older items until their next write, never a wrong answer.)
PINNED = (1, "e04310f8b3d07d11")


def render_fingerprint() -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps(Order.model_json_schema(mode="serialization"), sort_keys=True).encode())
    for module in (order_text, lifecycle, jsonio):
        digest.update(inspect.getsource(module).encode())
    return digest.hexdigest()[:16]


def test_given_the_rendering_when_its_inputs_change_then_the_render_version_is_bumped() -> None:
    assert (RENDER_VERSION, render_fingerprint()) == PINNED, (
        "What an order's answer is rendered from changed: bump order_text.RENDER_VERSION and pin "
        f"({RENDER_VERSION + 1}, {render_fingerprint()!r}) in PINNED (stored answers of the old version "
        "are then rendered again when read)."
    )


@pytest.mark.parametrize("text", ["{not json", "[]", '{"id": 1}'])
def test_given_an_image_whose_doc_is_not_an_order_when_read_then_it_is_refused(text: str) -> None:
    with pytest.raises(Exception):  # noqa: B017, PT011 - pydantic's or json's error: either refuses
        order_of({"doc": {"S": text}, "internal": {"S": "{}"}, "fmt": {"N": "1"}})
