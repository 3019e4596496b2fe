"""The bench's customer-side family (harness/bench/customer.py): the portal's list and get, the
summary views and the coupon-code refund, each through its handler with the calls it is held to."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from harness import bench
from harness.bench.customer import CUSTOMER_CALLS, CUSTOMER_OPERATIONS, customer_routes
from harness.stream_replay import RecordingPublisher
from tests.unit.test_harness_search import measuring


def test_given_the_search_tenant_when_the_customer_routes_run_then_each_answers_within_its_calls(
    tables: dict[str, str], publisher: RecordingPublisher, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # GIVEN the bench's search tenant of 8 orders, all contact-42's, and an outbox as the bench sets one
    monkeypatch.setattr(bench.search, "SEARCH_ORDERS", 8)
    outbox = tmp_path / "outbox.jsonl"
    monkeypatch.setenv("ORDERS_EMAIL_OUTBOX", str(outbox))
    measured = measuring(tables)
    bench.search_tenant(measured)
    # WHEN the family's routes are made and each is called twice
    routes = customer_routes(measured)
    assert tuple(name for name, _, _ in routes) == CUSTOMER_OPERATIONS
    for name, function, make in routes:
        for _ in range(2):
            sample = measured.invoke(function, make())
            # THEN each answers 200 with the calls it is held to
            assert sample.answer["statusCode"] == 200, (name, sample.answer)
            calls = Counter(c.api for c in sample.calls)
            assert set(calls) == set(CUSTOMER_CALLS[name]), (name, calls)
            for api, (low, high) in CUSTOMER_CALLS[name].items():
                assert low <= calls[api] <= high, (name, api, calls[api])
            answer = json.loads(sample.answer["body"])
            if name == "portal_list":
                assert answer["Count"] == 8
                assert "line_items" in answer["Items"][0]
                assert not [k for k in answer["Items"][0] if k.startswith("sys_") and k != "sys_version"]
            if name.endswith("_summary"):
                assert "line_items" not in answer["Items"][0]
            if name == "notification_preview":
                assert answer["subject"].startswith("Your order ")
            if name == "coupon_code_refund":
                refunded = [li for li in answer["line_items"] if li["status"] == "refunded"]
                assert {li["refund_reason_name"] for li in refunded} == {"coupon_code_action"}

    # AND both previews reached the outbox
    assert len(outbox.read_text(encoding="utf-8").splitlines()) == 2


def test_the_summary_page_costs_no_order_read_and_the_whole_page_one_batch_get(
    tables: dict[str, str],
) -> None:
    measured = measuring(tables)
    template = bench.template_orders(bench.PAGES_TENANT)[(1, None)]
    bench.write_orders(measured, [template], 0, 30)

    def make(query: dict[str, str]):  # type: ignore[no-untyped-def]
        return lambda: bench.search_event(
            "GET", bench.CUSTOMER, bench.CUSTOMER_PARAMS, query, tenant=bench.PAGES_TENANT
        )

    whole = measured.invoke("search_orders", make(bench.page_query())())
    rows = measured.invoke("search_orders", make(bench.search.summary_query())())
    # (the first BatchGetItem of each: the party's busy marker, storage.party_keys)
    assert [c.api for c in whole.calls if c.api != "Query"] == ["BatchGetItem", "BatchGetItem"]
    assert [c.api for c in rows.calls if c.api != "Query"] == ["BatchGetItem"]
    assert measured.capacity(whole.calls)[0] > measured.capacity(rows.calls)[0]
