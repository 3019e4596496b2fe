"""The customer side on DynamoDB Local (issue 32): ten coupon-code refund actions at once, as ten
Lambda instances, refund once (real transactions); `make api-key PORTAL_CONTACT=...` makes a portal key
that sees exactly its contact's orders, whole, through the local gateway and its authorizer."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from local.gateway import Gateway
from local.lambda_runtime import InstancePool
from tests.fulfil_helpers import CODED_TICKETS, _event, fulfil
from tests.helpers import TEMPLATE, body_of, get_event_for, invoke, seed_key
from tests.integration.test_scopes_and_keys import call, make
from tests.patch_helpers import create_order

#: Three tickets billed to contact c-1; coupon code CODE-9 applied to T1 and T2.
ORDER: dict[str, Any] = {**CODED_TICKETS, "bill_to_type": "contact", "bill_to_contact_id": "c-1"}


def action_event(order_id: str, key: str | None) -> dict[str, Any]:
    return _event(
        "refund_order.json",
        "POST",
        "/orders/{tenantId}/{id}/coupon-codes/{couponCodeId}/actions",
        f"/orders/tenant-a/{order_id}/coupon-codes/CODE-9/actions",
        {"tenantId": "tenant-a", "id": order_id, "couponCodeId": "CODE-9"},
        {"action": "refund"},
        tenant_id="tenant-a",
        idempotency_key=key,
    )


def test_given_ten_coupon_code_refunds_at_once_when_all_done_then_the_lines_are_refunded_once(
    tables: dict[str, str],
) -> None:
    # GIVEN a fulfilled order whose coupon code CODE-9 applied to lines T1 and T2
    order = create_order(ORDER)
    assert fulfil(order["id"])[0] == 200
    pool = InstancePool("functions.refund_order.app")
    # WHEN ten Lambda instances run the refund action at once (half with their own Idempotency-Key)
    keys = [None if n % 2 else f"key-{n}" for n in range(10)]
    with ThreadPoolExecutor(max_workers=10) as executor:
        answers = list(executor.map(lambda key: pool.invoke(action_event(order["id"], key)), keys))
    # THEN one refunds; every other is a 409 already_refunded (none a 5xx)
    statuses = sorted(a["statusCode"] for a in answers)
    assert statuses == [200] + [409] * 9, [a["body"] for a in answers]
    assert {body_of(a)["code"] for a in answers if a["statusCode"] == 409} == {"already_refunded"}
    # AND the order shows T1 and T2 refunded once each, 20.00 paid back
    final = body_of(invoke("get_order", get_event_for(order["id"], query={"consistentRead": "true"})))
    refunds = [li for li in final["line_items"] if li["status"] == "refunded"]
    assert sorted(li["parent_line_item_id"] for li in refunds) == ["T1", "T2"]
    assert Decimal(str(final["amount_refunded"])) == Decimal("20.00")


def test_make_api_key_portal_contact_makes_a_key_that_sees_exactly_its_contacts_orders(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    gateway = Gateway(TEMPLATE)
    seed_key("tenant-a", "writer", ["orders:read", "orders:write"])
    mine = call(gateway, "POST", "/orders/tenant-a", "writer", ORDER)[1]["id"]
    theirs = call(gateway, "POST", "/orders/tenant-a", "writer", {**ORDER, "bill_to_contact_id": "c-2"})[1][
        "id"
    ]
    # WHEN an operator makes a portal key for contact c-1
    made = make("api-key", tables, dynamodb_endpoint, TENANT="tenant-a", PORTAL_CONTACT="c-1")
    assert made.returncode == 0, made.stderr
    assert "scopes:  orders:portal" in made.stdout
    found = re.search(r"^API key: (\S+)$", made.stdout, re.MULTILINE)
    assert found, made.stdout
    key = found[1]
    # THEN it lists c-1's order, whole, and reads it; the other contact's is a 404, staff routes 403
    status, page = call(gateway, "GET", "/orders/tenant-a/portal/contact/c-1", key)
    assert status == 200, page
    assert [item["id"] for item in page["Items"]] == [mine]
    assert page["Items"][0]["line_items"][0]["sku"] == "TICKET"
    assert call(gateway, "GET", f"/orders/tenant-a/portal/contact/c-1/{mine}", key)[0] == 200
    assert call(gateway, "GET", f"/orders/tenant-a/portal/contact/c-1/{theirs}", key)[0] == 404
    assert call(gateway, "GET", "/orders/tenant-a/portal/contact/c-2", key)[0] == 403
    assert call(gateway, "GET", f"/orders/tenant-a/{mine}", key)[0] == 403
    assert call(gateway, "GET", "/orders/tenant-a", key)[0] == 403
    # AND a portal key cannot be made with another scope, or for two parties
    both = make(
        "api-key", tables, dynamodb_endpoint, TENANT="tenant-a", PORTAL_CONTACT="c-1", PORTAL_ORGANIZATION="o"
    )
    assert both.returncode != 0
    assert "one party" in both.stderr
    scoped = make(
        "api-key", tables, dynamodb_endpoint, TENANT="tenant-a", PORTAL_CONTACT="c-1", SCOPES="orders:read"
    )
    assert scoped.returncode != 0
    assert json.dumps("alone")[1:-1] in scoped.stderr
