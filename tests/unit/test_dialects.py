"""The source dialects on moto: theatre and distribution routes over the same orders, JSON and XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

import pytest
from orders_domain.domain import lifecycle, status_words
from orders_domain.domain.errors import Forbidden, Unauthorized
from orders_domain.http.auth import Principal, api_key_from_headers, authorize
from orders_domain.http.routes import ROUTE_SCOPES, SCOPE_READ, SCOPE_WRITE, XML_ROUTES, tenant_from_key

from tests.dialect_helpers import JSON_BOTH_WAYS, XML_BOTH_WAYS, dialect_call, dialect_event
from tests.fulfil_helpers import TICKETS, fulfil, reasons_event
from tests.helpers import body_of, get_event_for, header_of, invoke
from tests.patch_helpers import create_order
from tests.search_helpers import all_pages

pytestmark = pytest.mark.usefixtures("tables")

CHANGED_MIND = "ChangedMindCannotMakeShow"
BASE = "https://abcdef1234.execute-api.us-east-1.amazonaws.com/prod"

#: The seeds/000 order in our model: the product's extra members in the line's payload, the
#: convenience fee a `fee` line, the order's extra members in its payload.
SEED_000: dict[str, Any] = {
    "line_items": [
        {
            "order_line_item_id": "P1",
            "sku": "TICKET-GA-26250946-ADULT",
            "description": "ADULT Ticket",
            "quantity": 2,
            "unit_price": "13.75",
            "payload": {
                "theatre": "AMC Town Center 20",
                "movie": "One Direction Concert Movie",
                "showDateTime": "2014-05-30 18:15",
                "performanceNumber": 97040,
                "_links": {
                    "https://api.amctheatres.com/rels/v2/theatre": {"href": "https://x/v2/theatres/38"}
                },
            },
        },
        {
            "order_line_item_id": "F1",
            "type": "fee",
            "description": "convenience",
            "quantity": 2,
            "unit_price": "1.50",
        },
    ],
    "payment_info": {"type": "Visa"},
    "payload": {"email": "guest@example.com", "paymentOptions": ["creditCard", "giftCard"]},
}


def money(value: Any) -> Decimal:
    return Decimal(str(value))


def xml_of(text: str) -> ET.Element:
    return ET.fromstring(text)  # noqa: S314 - our own answer


def place_xml(number: str, quantity: int = 2) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n<order>\n'
        f"  <order_number>{number}</order_number>\n  <customer_name>John Smith</customer_name>\n"
        f"  <items>\n    <item>\n      <offer_id>deal-1</offer_id>\n      <quantity>{quantity}</quantity>\n"
        "    </item>\n  </items>\n</order>\n"
    )


def order_count(tenant_id: str = "tenant-a") -> int:
    ids, _sizes = all_pages("GET", "/orders/{tenantId}", 100, tenant_id=tenant_id)
    return len(ids)


# ------------------------------------------------------------------ theatre
def test_given_the_seed_000_order_when_fulfilled_in_the_theatre_dialect_then_get_answers_its_shape() -> None:
    order = create_order(SEED_000)
    # WHEN the theatre client fulfils it as seeds/000 does
    status, fulfilled, _ = dialect_call("theatre_fulfil", order["id"])
    assert status == 200, fulfilled
    # THEN the theatre order: Fulfilled and Settled, amounts as the seed's (fees apart from products)
    status, got, response = dialect_call("theatre_get", order["id"])
    assert status == 200
    assert got == fulfilled
    assert header_of(response, "ETag") == '"2"'
    assert got["status"] == "Fulfilled"
    assert (money(got["total"]), money(got["subtotal"]), money(got["paid"])) == (
        Decimal("30.50"),
        Decimal("27.50"),
        Decimal("30.50"),
    )
    assert got["fees"] == [{"waived": False, "amount": Decimal("1.50"), "quantity": 2}]
    assert got["email"] == "guest@example.com"
    assert got["paymentOptions"] == ["creditCard", "giftCard"]
    assert got["token"] == order["token"]
    assert got["createdDateUtc"].endswith("Z")
    (product,) = got["_embedded"]["products"]
    assert product["status"] == "Fulfilled"
    assert product["quantity"] == 2
    assert (product["sku"], product["name"], money(product["cost"])) == (
        "TICKET-GA-26250946-ADULT",
        "ADULT Ticket",
        Decimal("13.75"),
    )
    assert (product["theatre"], product["performanceNumber"], product["lineItemNumber"]) == (
        "AMC Town Center 20",
        97040,
        1,
    )
    assert product["_links"]["self"] == {
        "href": f"{BASE}/v3/orders/{order['id']}/products/1",
        "templated": False,
    }
    assert "https://api.amctheatres.com/rels/v2/theatre" in product["_links"]
    (payment,) = got["_embedded"]["payments"]
    assert (payment["status"], money(payment["amount"]), money(payment["balance"])) == (
        "Settled",
        Decimal("30.50"),
        0,
    )
    links = got["_links"]
    token_path = f"{BASE}/v1/orders/token-{order['token']}"
    assert links["self"] == {"href": f"{BASE}/v3/orders/{order['id']}", "templated": False}
    assert (
        links["https://api.amctheatres.com/rels/v1/order-will-call-check"]["href"]
        == f"{token_path}/will-call-check"
    )
    assert (
        links["https://api.amctheatres.com/rels/v1/order-self-service-refund"]["href"]
        == f"{token_path}/refunds"
    )


def test_a_payload_member_cannot_override_what_the_service_computes() -> None:
    # GIVEN an order whose payload claims another status and total
    order = create_order({**TICKETS, "payload": {"status": "Refunded", "total": 0, "email": "a@b.c"}})
    # WHEN read in the theatre dialect THEN the computed values win, the rest of the payload stays
    _, got, _ = dialect_call("theatre_get", f"token-{order['token']}")
    assert got["status"] == status_words.THEATRE_ORDER_STATUS[lifecycle.OrderStatus(order["status"])]
    assert money(got["total"]) == money(order["total"])
    assert got["email"] == "a@b.c"


def test_the_seeds_001_flow_in_the_theatre_dialect_will_call_reasons_refund_by_token() -> None:
    order = create_order(TICKETS)
    assert fulfil(order["id"])[0] == 200
    token = f"token-{order['token']}"
    # the will-call check: three refundable lines, the seed's member names, absolute links
    status, check, _ = dialect_call("theatre_will_call", token)
    assert status == 200
    assert check["lineItems"] == [
        {"lineNumber": n, "pickedUp": False, "refundable": True, "selfServiceRefundable": True}
        for n in (1, 2, 3)
    ]
    assert check["_links"]["refund"] == {"href": f"{BASE}/v1/orders/{token}/refunds", "templated": False}
    # the reasons, as the seed lists them
    status, reasons, _ = dialect_call("theatre_reasons")
    assert status == 200
    assert reasons["refundReasons"][0] == {
        "description": "Changed Mind/Can't Make Show",
        "name": CHANGED_MIND,
        "typeDescription": "Guest Self Service",
    }
    assert len(reasons["refundReasons"]) == 9
    # WHEN lines 1 and 2 are refunded by token with the seed's body
    status, refunded, _ = dialect_call(
        "theatre_refund", token, {"refundReasonName": CHANGED_MIND, "lineNumbers": [1, 2]}
    )
    assert status == 200, refunded
    assert refunded["status"] == "PartiallyRefunded"
    # THEN the will-call check says so in the seed's words
    _, check, _ = dialect_call("theatre_will_call", token)
    assert [line.get("nonRefundableReason") for line in check["lineItems"]] == [
        "The product has already been refunded.",
        "The product has already been refunded.",
        None,
    ]
    # and the third line makes it Refunded: total and paid 0, refund products and voided payments
    status, final, _ = dialect_call(
        "theatre_refund", token, {"refundReasonName": CHANGED_MIND, "lineNumbers": [3]}
    )
    assert status == 200
    assert final["status"] == "Refunded"
    assert money(final["total"]) == 0
    assert money(final["paid"]) == 0
    statuses = [p["status"] for p in final["_embedded"]["products"]]
    assert statuses == ["Fulfilled"] * 3 + ["Refunded"] * 3
    refund_products = final["_embedded"]["products"][3:]
    assert all(p["name"] == "Refund for TICKET" and p["refundDateUtc"].endswith("Z") for p in refund_products)
    assert [money(p["cost"]) for p in refund_products] == [Decimal("10.91")] * 3
    assert [money(p["tax"]) for p in refund_products] == [Decimal("0.92")] * 3
    voided = [p for p in final["_embedded"]["payments"] if p["status"] == "Voided"]
    assert voided
    assert all(money(p["amount"]) < 0 and "refundDateUtc" in p for p in voided)
    assert sum(money(r["amount"]) for r in final["refundedPayments"]) == Decimal("35.49")


def test_the_guest_refund_route_refuses_a_reason_that_is_not_self_service_and_changes_nothing() -> None:
    order = create_order(TICKETS)
    assert fulfil(order["id"])[0] == 200
    put = reasons_event("PUT", "BoxOffice", {"description": "Box office only"})
    assert invoke("refund_order", put)["statusCode"] == 200
    status, problem, _ = dialect_call(
        "theatre_refund", f"token-{order['token']}", {"refundReasonName": "BoxOffice", "lineNumbers": [1]}
    )
    assert status == 422, problem
    _, after, _ = dialect_call("theatre_get", order["id"])
    assert after["status"] == "Fulfilled"
    # the tenant's own reason is listed after the built-ins
    _, reasons, _ = dialect_call("theatre_reasons")
    assert reasons["refundReasons"][-1] == {
        "description": "Box office only",
        "name": "BoxOffice",
        "typeDescription": "Tenant",
    }


@pytest.mark.parametrize(
    "body",
    [
        {"refund_reason_name": CHANGED_MIND, "line_numbers": [1]},  # the native names
        {"refundReasonName": CHANGED_MIND, "lineNumbers": []},
        {"refundReasonName": CHANGED_MIND},
        {"refundReasonName": CHANGED_MIND, "lineNumbers": ["1"]},
    ],
)
def test_a_theatre_refund_body_not_in_the_seed_shape_is_a_400(body: dict[str, Any]) -> None:
    order = create_order(TICKETS)
    assert fulfil(order["id"])[0] == 200
    status, problem, _ = dialect_call("theatre_refund", f"token-{order['token']}", body)
    assert status == 400, problem
    assert problem["code"] == "validation_error"


def test_the_dialects_act_for_the_keys_tenant_only() -> None:
    # GIVEN tenant A's order
    order = create_order(TICKETS)
    # WHEN tenant B's key asks for it on every dialect order route THEN 404, nothing of A's
    for route in ("theatre_get", "theatre_will_call", "distribution_get"):
        status, problem, _ = dialect_call(route, order["id"], tenant_id="tenant-b", headers={"Accept": None})
        assert status == 404, (route, problem)
        assert order["token"] not in str(problem)
    status, _, _ = dialect_call("theatre_fulfil", order["id"], tenant_id="tenant-b")
    assert status == 404
    status, _, _ = dialect_call("distribution_cancel", order["id"], tenant_id="tenant-b")
    assert status == 404
    _, still, _ = dialect_call("theatre_get", order["id"])
    assert still["status"] == status_words.THEATRE_ORDER_STATUS[lifecycle.OrderStatus(order["status"])]


def test_every_dialect_route_takes_its_tenant_from_the_key_and_keeps_its_scope() -> None:
    # the dialects' 11 routes and `GET /keys/current` (the key itself) name no tenant
    dialect = [(m, p) for (m, p) in ROUTE_SCOPES if tenant_from_key(p)]
    assert len(dialect) == 12
    assert ("GET", "/keys/current") in dialect
    reader = Principal("tenant-a", (SCOPE_READ,), "key_r")
    for method, path in dialect:
        if ROUTE_SCOPES[(method, path)] == SCOPE_READ:
            authorize(reader, tenant_id=None, method=method, resource=path)
        else:
            assert ROUTE_SCOPES[(method, path)] == SCOPE_WRITE
            with pytest.raises(Forbidden):
                authorize(reader, tenant_id=None, method=method, resource=path)
    # a tenant route still needs the path's tenant to be the key's
    with pytest.raises(Forbidden):
        authorize(reader, tenant_id=None, method="GET", resource="/orders/{tenantId}/{id}")


def test_the_distribution_key_header_is_read() -> None:
    assert api_key_from_headers({"X-ADILITY-API-KEY": " k-1 "}) == "k-1"
    assert api_key_from_headers({"x-adility-api-key": "k-2"}) == "k-2"
    # the same key in two headers is one key; two different keys are never a choice (401)
    assert api_key_from_headers({"x-api-key": "k-3", "X-ADILITY-API-KEY": "k-3"}) == "k-3"
    with pytest.raises(Unauthorized):
        api_key_from_headers({"x-api-key": "k-3", "X-ADILITY-API-KEY": "k-4"})


def test_every_domain_status_has_a_word_in_each_dialect() -> None:
    assert set(status_words.THEATRE_ORDER_STATUS) == set(lifecycle.OrderStatus)
    assert set(status_words.THEATRE_LINE_STATUS) == set(lifecycle.LineStatus)
    assert set(status_words.THEATRE_PAYMENT_STATUS) == set(lifecycle.PaymentStatus)
    words = {status_words.distribution_status(s) for s in lifecycle.OrderStatus}
    assert words == {status_words.DISTRIBUTION_ACTIVE, status_words.DISTRIBUTION_CANCELLED}
    assert (
        status_words.distribution_status(lifecycle.OrderStatus.VOIDED) == status_words.DISTRIBUTION_CANCELLED
    )


# ------------------------------------------------------------------ distribution
def test_given_a_json_place_then_get_and_cancel_answer_the_distribution_shape() -> None:
    body = {
        "order": {
            "order_number": "dist-1",
            "customer_name": "John Smith",
            "items": [{"offer_id": "deal-1", "quantity": 2, "price": "12.50"}],
            "shipping_address": {"address_line_1": "1 Main St", "city": "Springfield", "state_code": "IL"},
            "application_id": "plugin-7",
        }
    }
    status, placed, response = dialect_call("distribution_place", body=_json(body), headers=JSON_BOTH_WAYS)
    assert status == 201, placed
    got = placed["order"]
    assert set(got) >= {
        "id",
        "order_number",
        "status",
        "items",
        "account_id",
        "customer_name",
        "purchased_at",
        "shipping_address",
        "shipments",
    }
    assert (got["order_number"], got["status"], got["account_id"], got["customer_name"]) == (
        "dist-1",
        "active",
        "tenant-a",
        "John Smith",
    )
    assert got["items"] == [{"offer_id": "deal-1", "quantity": 2}]
    assert got["shipping_address"]["address_line_1"] == "1 Main St"
    assert got["application_id"] == "plugin-7"
    assert header_of(response, "Location") == f"/prod/distribution/orders/{got['id']}"
    # the same order in the native API: priced from the item's price
    native = body_of(invoke("get_order", get_event_for(got["id"])))
    assert money(native["total"]) == Decimal("25.00")
    assert native["purchase_order_number"] == "dist-1"
    # GET answers the same order; PUT cancels it, and again answers it cancelled
    status, again, _ = dialect_call("distribution_get", got["id"], headers={"Accept": "application/json"})
    assert (status, again) == (200, placed)
    for _ in range(2):
        status, cancelled, _ = dialect_call("distribution_cancel", got["id"])
        assert status == 200, cancelled
        assert cancelled["order"]["status"] == "cancelled"
    # a cancelled order cannot be made active again
    status, problem, _ = dialect_call(
        "distribution_cancel", got["id"], _json({"order": {"status": "active"}})
    )
    assert status == 409
    assert problem["code"] == "order_state_conflict"


def test_given_an_xml_place_then_the_answers_are_xml_and_the_seeds_xml_cancel_labelled_json_works() -> None:
    status, text, response = dialect_call(
        "distribution_place", body=place_xml("xml-1"), headers=XML_BOTH_WAYS
    )
    assert status == 201, text
    assert header_of(response, "Content-Type") == "application/xml"
    root = xml_of(text)
    assert root.tag == "order"
    assert root.findtext("status") == "active"
    assert [(i.findtext("offer_id"), i.findtext("quantity")) for i in root.iter("item")] == [("deal-1", "2")]
    order_id = root.findtext("id")
    assert order_id
    status, text, _ = dialect_call("distribution_get", order_id)  # the event asks for XML
    assert status == 200
    assert xml_of(text).findtext("order_number") == "xml-1"
    # the seed's XML cancel: an XML body sent as application/json, answered as JSON
    seed_cancel = '<?xml version="1.0" encoding="UTF-8" ?>\n<order>\n<status>cancelled</status>\n</order>'
    status, cancelled, _ = dialect_call("distribution_cancel", order_id, seed_cancel, headers=JSON_BOTH_WAYS)
    assert status == 200, cancelled
    assert cancelled["order"]["status"] == "cancelled"


def test_an_order_number_is_unique_per_tenant_replayed_with_the_same_order_refused_with_another() -> None:
    before = order_count()
    first = dialect_call("distribution_place", body=place_xml("num-1"), headers=XML_BOTH_WAYS)
    assert first[0] == 201
    # the same number and order, even in JSON: the same order, replayed
    same = {
        "order": {
            "order_number": "num-1",
            "customer_name": "John Smith",
            "items": [{"offer_id": "deal-1", "quantity": 2}],
        }
    }
    status, replay, response = dialect_call("distribution_place", body=_json(same), headers=JSON_BOTH_WAYS)
    assert status == 201
    assert replay["order"]["id"] == xml_of(first[1]).findtext("id")
    # another order under that number: 409, in XML when XML was asked for
    status, text, response = dialect_call(
        "distribution_place", body=place_xml("num-1", 3), headers=XML_BOTH_WAYS
    )
    assert status == 409
    assert header_of(response, "Content-Type") == "application/problem+xml"
    assert xml_of(text).findtext("{urn:ietf:rfc:7807}code") == "order_number_taken"
    assert order_count() == before + 1
    # another tenant's order under the same number is its own
    status, other, _ = dialect_call(
        "distribution_place", body=_json(same), headers=JSON_BOTH_WAYS, tenant_id="tenant-b"
    )
    assert status == 201
    assert other["order"]["id"] != replay["order"]["id"]
    assert other["order"]["account_id"] == "tenant-b"


def test_a_fulfilled_order_cannot_be_cancelled_whole_and_shows_its_shipments() -> None:
    status, placed, _ = dialect_call(
        "distribution_place", body=place_xml("ship-1"), headers={"Accept": "application/json"}
    )
    assert status == 201
    order_id = placed["order"]["id"]
    assert fulfil(order_id, {"tracking_number": "1Z999", "tracking_company": "UPS"})[0] == 200
    status, problem, _ = dialect_call("distribution_cancel", order_id)
    assert status == 409
    assert problem["code"] == "order_state_conflict"
    status, got, _ = dialect_call("distribution_get", order_id, headers={"Accept": "application/json"})
    assert got["order"]["status"] == "active"
    (shipment,) = got["order"]["shipments"]
    assert (shipment["tracking_number"], shipment["carrier"], shipment["items"]) == (
        "1Z999",
        "UPS",
        [{"offer_id": "deal-1", "quantity": 2}],
    )


ATTACKS = {
    "bomb": '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><order><order_number>&lol3;</order_number></order>',
    "external entity": '<?xml version="1.0"?><!DOCTYPE order [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    "<order><order_number>&xxe;</order_number><customer_name>x</customer_name></order>",
    "50 levels deep": "<order>" + "<a>" * 49 + "x" + "</a>" * 49 + "</order>",
    "not well-formed": "<order><order_number>x</order>",
    "repeated member": "<order><order_number>a</order_number><order_number>b</order_number></order>",
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_an_unsafe_or_unreadable_xml_body_is_a_400_in_xml_and_changes_nothing(attack: str) -> None:
    before = order_count()
    status, text, response = dialect_call("distribution_place", body=ATTACKS[attack], headers=XML_BOTH_WAYS)
    assert status == 400, text
    assert header_of(response, "Content-Type") == "application/problem+xml"
    assert "root:" not in text  # nothing of /etc/passwd
    assert order_count() == before


def test_media_types_we_do_not_speak_are_415_and_406() -> None:
    status, problem, _ = dialect_call(
        "distribution_place",
        body="order_number=1",
        headers={"Content-Type": "text/plain", "Accept": "application/json"},
    )
    assert status == 415
    assert problem["code"] == "unsupported_media_type"
    status, problem, _ = dialect_call("distribution_get", "x", headers={"Accept": "text/html"})
    assert status == 406
    assert problem["code"] == "not_acceptable"
    # a weighted Accept picks the type we speak that it prefers
    status, _text, response = dialect_call(
        "distribution_place", body=place_xml("q-1"), headers={"Accept": "application/json;q=0.5, text/xml"}
    )
    assert status == 201
    assert header_of(response, "Content-Type") == "application/xml"


def test_an_invalid_xml_order_is_a_400_naming_the_field_in_xml() -> None:
    body = (
        "<order><order_number>v-1</order_number>"
        "<items><item><offer_id>a</offer_id><quantity>two</quantity></item></items></order>"
    )
    status, text, _ = dialect_call("distribution_place", body=body, headers=XML_BOTH_WAYS)
    assert status == 400
    fields = {e.findtext("{urn:ietf:rfc:7807}field") for e in xml_of(text).iter("{urn:ietf:rfc:7807}i")}
    assert {"order.customer_name", "order.items[0].quantity"} <= fields


def test_the_xml_routes_are_the_distribution_routes() -> None:
    assert {path for _, path in XML_ROUTES} == {"/distribution/orders", "/distribution/orders/{id}"}
    event = dialect_event("theatre_get", "x", headers={"Accept": "application/xml"})
    assert event["resource"] not in {p for _, p in XML_ROUTES}


def _json(body: Any) -> str:
    from orders_domain.domain.jsonio import dumps

    return dumps(body)


def test_a_payloads_numbers_come_back_as_numbers_natively_and_in_the_theatre_dialect() -> None:
    # GIVEN a line payload with fractional and whole numbers (seeds/001's product fees)
    sent = [{"cost": 1.92, "quantity": 1, "tax": 0.17, "waived": False}]
    fees = [{"cost": Decimal("1.92"), "quantity": 1, "tax": Decimal("0.17"), "waived": False}]
    body = {
        **TICKETS,
        "line_items": [{**TICKETS["line_items"][0], "payload": {"fees": sent, "auditorium": 16}}],
    }
    created = create_order(body)
    # THEN the create's answer, a stored read and the theatre view keep them numbers, exactly
    assert created["line_items"][0]["payload"]["fees"] == fees
    stored = body_of(invoke("get_order", get_event_for(created["id"], query={"consistentRead": "true"})))
    assert stored["line_items"][0]["payload"] == {"fees": fees, "auditorium": 16}
    _, theatre_order, _ = dialect_call("theatre_get", created["id"])
    assert theatre_order["_embedded"]["products"][0]["fees"] == fees


def test_a_refund_product_carries_the_refunded_tickets_members() -> None:
    line = {**TICKETS["line_items"][0], "payload": {"movie": "Halloween", "auditorium": 16}}
    order = create_order({**TICKETS, "line_items": [line]})
    assert fulfil(order["id"])[0] == 200
    status, refunded, _ = dialect_call(
        "theatre_refund", f"token-{order['token']}", {"refundReasonName": CHANGED_MIND, "lineNumbers": [1]}
    )
    assert status == 200
    ticket, refund = refunded["_embedded"]["products"]
    assert (refund["status"], refund["movie"], refund["auditorium"]) == ("Refunded", "Halloween", 16)
    assert ticket["movie"] == refund["movie"]


@pytest.mark.parametrize("price", ["0.999", 0.999, "520749483791.8623"])
def test_a_price_the_domain_refuses_is_a_400_naming_the_dialects_field(price: Any) -> None:
    # found by make fuzz: the domain's currency rule raised past the route (a 500)
    before = order_count()
    body = {
        "order": {
            "order_number": "p-1",
            "customer_name": "c",
            "items": [{"offer_id": "o", "quantity": 1, "price": price}],
        }
    }
    status, problem, _ = dialect_call("distribution_place", body=_json(body), headers=JSON_BOTH_WAYS)
    assert status == 400, problem
    assert [e["field"] for e in problem["errors"]] == ["order.items[0].price"]
    assert order_count() == before


def test_every_dialect_answer_fits_the_schema_the_openapi_document_gives_it() -> None:
    import jsonschema
    from orders_domain.dialects import distribution, theatre_schemas

    def fits(schema: dict[str, Any], answer: Any) -> None:
        # JSON numbers arrive as Decimal here: jsonschema counts them as numbers
        jsonschema.validate(answer, schema, cls=jsonschema.Draft202012Validator)

    order = create_order(SEED_000)
    fits(theatre_schemas.ORDER_SCHEMA, dialect_call("theatre_fulfil", order["id"])[1])
    fits(theatre_schemas.ORDER_SCHEMA, dialect_call("theatre_get", f"token-{order['token']}")[1])
    fits(theatre_schemas.WILL_CALL_SCHEMA, dialect_call("theatre_will_call", f"token-{order['token']}")[1])
    fits(theatre_schemas.REASONS_SCHEMA, dialect_call("theatre_reasons")[1])
    refund = {"refundReasonName": CHANGED_MIND, "lineNumbers": [1]}
    fits(theatre_schemas.ORDER_SCHEMA, dialect_call("theatre_refund", f"token-{order['token']}", refund)[1])
    accept_json = {"Accept": "application/json"}
    placed = dialect_call("distribution_place", body=place_xml("schema-1"), headers=accept_json)[1]
    fits(distribution.ORDER_SCHEMA, placed)
    # a native order with no sku and no ship-to name is a distribution order too
    fits(distribution.ORDER_SCHEMA, dialect_call("distribution_get", order["id"], headers=accept_json)[1])
    fits(distribution.ORDER_SCHEMA, dialect_call("distribution_cancel", placed["order"]["id"])[1])
