"""fulfill_order and cancel_order on DynamoDB Local: concurrent fulfils and cancels on one order leave
it consistent, every accepted fulfil has its record (one transaction: both or neither), and the
fulfillment lists page both ways on the real engine."""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from orders_domain.domain.money_rules import money_problems
from orders_domain.models import Order

from local.lambda_runtime import InstancePool
from tests.fulfil_helpers import (
    cancel_event,
    fulfil_event,
    list_fulfillments,
    stale_transaction_writes_nothing,
)
from tests.helpers import body_of, get_event_for, header_of, invoke
from tests.patch_helpers import create_order

pytestmark = pytest.mark.usefixtures("tables")

LINES: dict[str, Any] = {
    "line_items": [
        {"order_line_item_id": "A", "quantity": 5, "unit_price": "10.01", "sku": "SKU-A", "shippable": True},
        {"order_line_item_id": "B", "quantity": 5, "unit_price": "3.33", "sku": "SKU-B", "taxes": "1.00"},
    ],
    "shipping_charges": "4.99",
    "payment_info": {"type": "Visa"},
}


def _read(order_id: str) -> dict[str, Any]:
    got: dict[str, Any] = body_of(
        invoke("get_order", get_event_for(order_id, query={"consistentRead": "true"}))
    )
    return got


def test_given_10_concurrent_fulfils_and_cancels_on_one_order_then_it_stays_consistent() -> None:
    # GIVEN a paid order of two 5-unit lines, and both functions running as concurrent Lambda instances
    order = create_order(LINES)
    fulfils, cancels = InstancePool("functions.fulfill_order.app"), InstancePool("functions.cancel_order.app")
    start = threading.Barrier(10)
    answers: list[tuple[str, str, int, dict[str, Any]]] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        line = "AB"[n % 2]
        body: dict[str, Any] | None
        start.wait()
        if n % 3 == 2:  # cancels: 1 unit (or the whole rest, for one of them)
            body = None if n == 8 else {"items": [{"order_line_item_id": line, "quantity": 1}]}
            response = cancels.invoke(cancel_event("cancel", order["id"], body))
            kind = "cancel"
        else:  # fulfils of 1 or 2 units, tracked
            body = {
                "items": [{"order_line_item_id": line, "quantity": 1 + n % 2}],
                "tracking_number": f"T-{n}",
            }
            response = fulfils.invoke(fulfil_event(order["id"], body))
            kind = "fulfil"
        with lock:
            answers.append((kind, line, response["statusCode"], response))

    # WHEN ten of them race
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # THEN every answer is a success or a clean refusal (a whole cancel may leave nothing to fulfil)
    assert {status for _, _, status, _ in answers} <= {200, 409, 422}, answers
    final = _read(order["id"])
    accepted = [a for a in answers if a[2] == 200]
    # every accepted call is one version; every accepted fulfil has its record, and only those do
    assert final["sys_version"] == 1 + len(accepted)
    records = list_fulfillments({"order_id": order["id"], "limit": "100"})[1]["data"]
    fulfil_ids = sorted(
        str(header_of(a[3], "Location")).rsplit("/", 1)[1] for a in accepted if a[0] == "fulfil"
    )
    assert sorted(r["id"] for r in records) == fulfil_ids
    # no unit both shipped and cancelled; the records add up to the counters
    shipped = Counter[str]()
    for record in records:
        for item in record["items"]:
            shipped[item["order_line_item_id"]] += item["quantity"]
    for line in final["line_items"]:
        assert line["quantity_shipped"] + line["quantity_cancelled"] <= line["quantity"]
        assert shipped[line["order_line_item_id"]] == line["quantity_shipped"]
    # and the money rules hold
    assert (
        money_problems(
            Order.model_validate(
                {k: v for k, v in final.items() if k != "_links"} | {"tenant_id": "tenant-a"}
            )
        )
        == []
    )
    assert Decimal(str(final["amount_paid"])) + Decimal(str(final["amount_pending_capture"])) == Decimal(
        str(final["total"])
    ) - Decimal(str(final["balance_due"]))


def test_fulfillments_page_one_at_a_time_both_ways_on_the_real_engine() -> None:
    order = create_order(LINES)
    ids = []
    for n in range(3):
        body = {"items": [{"order_line_item_id": "A", "quantity": 1}], "tracking_number": f"P-{n}"}
        response = invoke("fulfill_order", fulfil_event(order["id"], body))
        assert response["statusCode"] == 200, response["body"]
        ids.append(str(header_of(response, "Location")).rsplit("/", 1)[1])
    newest_first = list(reversed(ids))
    for base in ({"order_id": order["id"]}, {}, {"sku": "SKU-A"}):
        seen, cursor = [], None
        while True:
            query = base | {"limit": "1"} | ({"starting_after": cursor} if cursor else {})
            status, page = list_fulfillments(query)
            assert status == 200, page
            seen += [f["id"] for f in page["data"]]
            if not page["has_more"]:
                break
            cursor = page["data"][-1]["id"]
        assert seen == newest_first, base
        back, cursor = [], ids[0]
        while True:
            status, page = list_fulfillments(base | {"limit": "1", "ending_before": cursor})
            back += [f["id"] for f in page["data"]]
            if not page["has_more"]:
                break
            cursor = page["data"][0]["id"]
        assert back == ids[1:], base
    for n, fid in enumerate(ids):
        assert [f["id"] for f in list_fulfillments({"tracking_number": f"P-{n}"})[1]["data"]] == [fid]


def test_a_transaction_on_a_stale_version_is_a_version_conflict_and_writes_neither_item() -> None:
    order = create_order(LINES)
    assert invoke("fulfill_order", fulfil_event(order["id"]))["statusCode"] == 200
    stale_transaction_writes_nothing(order["id"])
