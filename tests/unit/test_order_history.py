"""GET .../history and GET ...?asOf=: paged entries, the order as it stood, and every bad input."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from orders_domain.models import Order
from orders_domain.runtime import wiring
from orders_domain.storage.orders import OrderRecord

from local.stream_records import lambda_record, stream_event
from tests.helpers import (
    body_of,
    create_event,
    get_event_for,
    get_order_text,
    history_event_for,
    invoke,
    write_next_version,
)

pytestmark = pytest.mark.usefixtures("publisher")


def project(*versions: Order) -> None:
    """Run the stream consumer over the writes that made these versions (the first one a create)."""
    items = [OrderRecord(order=v).to_item() for v in versions]
    records = [lambda_record(None, items[0], 1)]
    records += [lambda_record(old, new, n) for n, (old, new) in enumerate(itertools.pairwise(items), 2)]
    assert invoke("order_stream", stream_event(records))["batchItemFailures"] == []


@pytest.fixture
def three_versions() -> tuple[list[Order], list[str]]:
    """An order created over HTTP and changed twice through the domain layer, with the GET body of
    each version as it was answered then; its history projected."""
    created = body_of(invoke("create_order", create_event()))
    repo = wiring.current().orders
    v1 = repo.get("tenant-a", created["id"])
    assert v1 is not None
    bodies = [get_order_text(v1.id)[1]]
    versions = [v1]
    for change in ({"notes": "gift wrap"}, {"purchase_order_number": "PO-7"}):
        versions.append(write_next_version(versions[-1], **change))
        bodies.append(get_order_text(v1.id)[1])
    project(*versions)
    return versions, bodies


def test_given_a_create_and_two_changes_then_the_history_has_three_entries_oldest_first(
    three_versions: tuple[list[Order], list[str]],
) -> None:
    (v1, _, _), _ = three_versions
    response = invoke("get_order", history_event_for(v1.id))
    assert response["statusCode"] == 200
    page = body_of(response)
    assert page["Count"] == 3
    assert page["LastEvaluatedKey"] is None
    assert [(i["sys_version"], i["event"]) for i in page["Items"]] == [
        (1, "OrderCreated"),
        (2, "OrderUpdated"),
        (3, "OrderUpdated"),
    ]
    assert [i["changed_fields"] for i in page["Items"]] == [[""], ["/notes"], ["/purchase_order_number"]]
    assert page["Items"][0]["by"] == "key_test"


def test_as_of_a_moment_between_versions_is_the_middle_state_byte_for_byte(
    three_versions: tuple[list[Order], list[str]],
) -> None:
    (v1, v2, v3), bodies = three_versions
    between = v2.sys_last_modified_at + (v3.sys_last_modified_at - v2.sys_last_modified_at) / 2
    assert get_order_text(v1.id, {"asOf": between.isoformat()}) == (200, bodies[1])
    assert get_order_text(v1.id, {"asOf": v1.sys_last_modified_at.isoformat()}) == (200, bodies[0])
    # from the last change on, the order as it stands (no history needed)
    later = v3.sys_last_modified_at + timedelta(days=1)
    assert get_order_text(v1.id, {"asOf": later.isoformat()}) == (200, bodies[2])


def test_as_of_before_the_order_existed_is_404_and_a_malformed_moment_is_400(
    three_versions: tuple[list[Order], list[str]],
) -> None:
    (v1, _, _), _ = three_versions
    status, body = get_order_text(v1.id, {"asOf": (v1.sys_created_at - timedelta(seconds=1)).isoformat()})
    assert status == 404
    for bad in ("yesterday", "2026-13-45T00:00:00Z", ""):
        status, body = get_order_text(v1.id, {"asOf": bad})
        assert status == 400, (bad, body)


def test_history_pages_of_one_visit_every_entry_once_and_tokens_are_bound_to_their_order(
    three_versions: tuple[list[Order], list[str]],
) -> None:
    (v1, _, _), _ = three_versions
    seen, token = [], None
    while True:
        query = {"limit": "1", **({"after": token} if token else {})}
        page = body_of(invoke("get_order", history_event_for(v1.id, query=query)))
        seen += [i["sys_version"] for i in page["Items"]]
        token = page.get("LastEvaluatedKey")
        if token is None:
            break
    assert seen == [1, 2, 3]
    first = body_of(invoke("get_order", history_event_for(v1.id, query={"limit": "1"})))["LastEvaluatedKey"]
    other = body_of(invoke("create_order", create_event()))["id"]
    for bad in (first, "not-a-token", first[:-2], "e30"):
        target = other if bad == first else v1.id
        response = invoke("get_order", history_event_for(target, query={"after": bad}))
        assert response["statusCode"] == 400, bad
    for bad_limit in ("0", "101", "x"):
        response = invoke("get_order", history_event_for(v1.id, query={"limit": bad_limit}))
        assert response["statusCode"] == 400


def test_another_tenants_order_has_no_history_and_no_past(
    three_versions: tuple[list[Order], list[str]],
) -> None:
    (v1, _, _), _ = three_versions
    assert invoke("get_order", history_event_for(v1.id, tenant_id="tenant-b"))["statusCode"] == 404
    past = get_event_for(v1.id, tenant_id="tenant-b", query={"asOf": "2030-01-01T00:00:00Z"})
    response = invoke("get_order", past)
    assert response["statusCode"] == 404
    assert invoke("get_order", history_event_for("no-such-order"))["statusCode"] == 404


def test_a_moment_whose_history_is_not_written_yet_is_a_503_to_retry_not_a_wrong_order() -> None:
    created = body_of(invoke("create_order", create_event()))
    repo = wiring.current().orders
    v1 = repo.get("tenant-a", created["id"])
    assert v1 is not None
    write_next_version(v1, notes="x")
    # the stream consumer has not run: no entries
    response = invoke("get_order", get_event_for(v1.id, query={"asOf": v1.sys_last_modified_at.isoformat()}))
    assert response["statusCode"] == 503
    assert response["multiValueHeaders"].get("Retry-After") or response["headers"].get("Retry-After")
