"""The catalogue function on moto (issue 31): the admin routes for products, shipping products and
settings, paged lists with signed tokens, open credits granted once, scopes, and bad input that
changes nothing."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from tests.helpers import body_of, header_of, invoke, load_event, with_body, with_caller, with_headers

pytestmark = pytest.mark.usefixtures("tables")

PRODUCT = "/orders/{tenantId}/catalogue/products/{productType}/{productId}"
PRODUCTS = "/orders/{tenantId}/catalogue/products"
BODY: dict[str, Any] = {"name": "Seat", "unit_price": 12.5, "currency_code": "EUR", "stock": 5}


def route(
    method: str,
    resource: str,
    params: dict[str, str] | None = None,
    *,
    body: Any | None = None,
    query: dict[str, str] | None = None,
    tenant: str = "tenant-a",
    scopes: str = "orders:read orders:write orders:admin",
    key: str | None = None,
) -> dict[str, Any]:
    """events/catalogue_list_products.json aimed at another catalogue route, tenant, body and caller."""
    event = copy.deepcopy(load_event("catalogue_list_products.json"))
    values = {"tenantId": tenant, **(params or {})}
    path = resource
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    event.update(resource=resource, path=path, httpMethod=method, pathParameters=values)
    event["requestContext"].update(resourcePath=resource, httpMethod=method, path="/v1" + path)
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    if body is not None:
        event = with_headers(with_body(event, body), **{"Content-Type": "application/json"})
    if key is not None:
        event = with_headers(event, **{"Idempotency-Key": key})
    return with_caller(event, tenant, scopes=scopes)


def call(event: dict[str, Any]) -> tuple[int, Any, dict[str, Any]]:
    response = invoke("catalogue", event)
    return response["statusCode"], body_of(response), response


def put_product(
    product_id: str, body: Any = None, *, product_type: str = "ticket", **kw: Any
) -> tuple[int, Any]:
    params = {"productType": product_type, "productId": product_id}
    status, answer, _ = call(route("PUT", PRODUCT, params, body=BODY if body is None else body, **kw))
    return status, answer


def get_product(product_id: str, *, product_type: str = "ticket", **kw: Any) -> tuple[int, Any]:
    status, answer, _ = call(
        route("GET", PRODUCT, {"productType": product_type, "productId": product_id}, **kw)
    )
    return status, answer


def test_the_sample_events_put_a_product_list_it_and_grant_a_credit() -> None:
    # GIVEN the events/ files as sam local invoke would pass them
    status, product, _ = call(load_event("catalogue.json"))
    assert status == 200, product
    assert product["stock_available"] == 250
    assert Decimal(str(product["unit_price"])) == Decimal("85.00")
    status, page, _ = call(load_event("catalogue_list_products.json"))
    assert status == 200
    assert page["Count"] == 1
    assert page["Items"][0]["product_id"] == "gala-2027"
    status, credit, _ = call(load_event("catalogue_grant_credit.json"))
    assert status == 201
    assert credit["number"] == 1
    assert credit["customer_id"] == "contact-1001"


def test_given_a_product_when_put_read_and_deleted_then_a_second_delete_and_read_are_404() -> None:
    # GIVEN a product put by an admin
    status, put = put_product("p1")
    assert status == 200
    assert put["stock_available"] == 5
    assert put["offer_kind"] == "physical"
    # WHEN it is read, THEN the same answer
    assert get_product("p1") == (200, put)
    # WHEN deleted, THEN 204 and the product is gone
    status, _, response = call(route("DELETE", PRODUCT, {"productType": "ticket", "productId": "p1"}))
    assert status == 204
    assert not response.get("body")
    assert get_product("p1")[0] == 404
    status, problem, _ = call(route("DELETE", PRODUCT, {"productType": "ticket", "productId": "p1"}))
    assert status == 404
    assert problem["code"] == "not_found"


def test_given_a_put_twice_then_the_second_replaces_the_first_whole() -> None:
    put_product("p1", {**BODY, "stock": 9, "tax_rate": 0.2})
    status, second = put_product("p1", {"name": "Seat B", "unit_price": 10, "currency_code": "EUR"})
    assert status == 200
    assert second["stock_available"] is None
    assert Decimal(str(second["tax_rate"])) == 0
    assert get_product("p1")[1]["name"] == "Seat B"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"stock": -1}, "stock"),
        ({"stock": 1.5}, "stock"),
        ({"stock": "5"}, "stock"),
        ({"stock": True}, "stock"),
        ({"stock": 1_000_000_001}, "stock"),
        ({"unit_price": -0.01}, "unit_price"),
        ({"unit_price": 12.505}, None),
        ({"vouchers": [{"code": "ABC"}]}, "vouchers"),
    ],
)
def test_given_bad_product_input_then_400_naming_it_and_nothing_is_stored(
    changes: dict[str, Any], field: str | None
) -> None:
    status, problem = put_product("p1", {**BODY, **changes})
    assert status == 400, problem
    if field:
        assert any(field in e["field"] for e in problem["errors"]), problem
    assert get_product("p1")[0] == 404


def test_the_first_and_last_valid_stock_and_ids_are_taken() -> None:
    assert put_product("a" * 64, {**BODY, "stock": 1_000_000_000})[0] == 200
    assert put_product("b", {**BODY, "stock": 0})[0] == 200
    assert put_product("a" * 65)[0] == 400
    assert put_product("p 1")[0] == 400


def test_given_three_products_when_listed_one_at_a_time_then_each_once_in_type_then_id_order() -> None:
    for product_type, product_id in [("ticket", "b"), ("offer", "z"), ("ticket", "a")]:
        assert put_product(product_id, product_type=product_type)[0] == 200
    seen: list[tuple[str, str]] = []
    token = None
    for _ in range(5):
        query = {"limit": "1", **({"exclusiveStartKey": token} if token else {})}
        status, page, _ = call(route("GET", PRODUCTS, query=query))
        assert status == 200, page
        seen += [(p["product_type"], p["product_id"]) for p in page["Items"]]
        token = page["LastEvaluatedKey"]
        if token is None:
            break
    assert seen == [("offer", "z"), ("ticket", "a"), ("ticket", "b")]


def test_a_page_token_of_another_tenant_or_forged_is_a_400() -> None:
    put_product("a")
    put_product("b")
    _, page, _ = call(route("GET", PRODUCTS, query={"limit": "1"}))
    token = page["LastEvaluatedKey"]
    assert token
    status, problem, _ = call(route("GET", PRODUCTS, query={"exclusiveStartKey": token}, tenant="tenant-b"))
    assert status == 400
    assert problem["errors"][0]["field"] == "exclusiveStartKey"
    status, _, _ = call(route("GET", PRODUCTS, query={"exclusiveStartKey": token[:-2] + "xx"}))
    assert status == 400


def test_writes_need_the_admin_scope_and_reads_the_read_scope() -> None:
    status, problem = put_product("p1", scopes="orders:read orders:write")
    assert status == 403, problem
    assert put_product("p1")[0] == 200
    assert get_product("p1", scopes="orders:write")[0] == 403
    assert get_product("p1", scopes="orders:read")[0] == 200


def test_another_tenant_never_sees_the_product() -> None:
    put_product("p1")
    assert get_product("p1", tenant="tenant-b")[0] == 404
    _, page, _ = call(route("GET", PRODUCTS, tenant="tenant-b"))
    assert page["Items"] == []


def test_shipping_products_list_by_display_order_then_id() -> None:
    shipping = "/orders/{tenantId}/catalogue/shipping/{shippingId}"
    for shipping_id, order in [("post", 2), ("courier", 1), ("pickup", 2)]:
        body = {
            "name": shipping_id.title(),
            "cost": 4.5,
            "display_order": order,
            "default": shipping_id == "post",
        }
        status, answer, _ = call(route("PUT", shipping, {"shippingId": shipping_id}, body=body))
        assert status == 200, answer
    status, listed, _ = call(route("GET", "/orders/{tenantId}/catalogue/shipping"))
    assert status == 200
    assert [s["id"] for s in listed["shipping_options"]] == ["courier", "pickup", "post"]
    status, _, _ = call(route("PUT", shipping, {"shippingId": "bad"}, body={"name": "X", "cost": -1}))
    assert status == 400


def test_settings_start_not_strict_and_an_admin_sets_them() -> None:
    settings = "/orders/{tenantId}/catalogue/settings"
    assert call(route("GET", settings))[:2] == (200, {"strict": False})
    assert call(route("PUT", settings, body={"strict": True}))[:2] == (200, {"strict": True})
    assert call(route("GET", settings))[:2] == (200, {"strict": True})
    assert call(route("PUT", settings, body={"strict": "yes"}))[0] == 400
    assert call(route("GET", settings, tenant="tenant-b"))[1] == {"strict": False}


CREDITS = "/orders/{tenantId}/credits"
CREDIT = {"customer_type": "contact", "customer_id": "c-1", "amount": 25, "currency_code": "USD"}


def customer_credits(customer_id: str = "c-1", tenant: str = "tenant-a") -> list[dict[str, Any]]:
    params = {"customerType": "contact", "customerId": customer_id}
    status, listed, _ = call(route("GET", CREDITS + "/{customerType}/{customerId}", params, tenant=tenant))
    assert status == 200, listed
    credits: list[dict[str, Any]] = listed["open_credits"]
    return credits


def test_given_a_keyed_grant_sent_twice_then_one_credit_and_the_second_answer_is_replayed() -> None:
    status, first, _ = call(route("POST", CREDITS, body=CREDIT, key="grant-1"))
    assert status == 201, first
    status, again, response = call(route("POST", CREDITS, body=CREDIT, key="grant-1"))
    assert (status, again) == (201, first)
    assert header_of(response, "Idempotent-Replayed") == "true"
    assert [c["id"] for c in customer_credits()] == [first["id"]]
    # the same key with another body is another request: 422, nothing granted
    status, _, _ = call(route("POST", CREDITS, body={**CREDIT, "amount": 30}, key="grant-1"))
    assert status == 422
    assert len(customer_credits()) == 1


def test_given_grants_without_a_key_then_each_is_a_credit_numbered_in_turn() -> None:
    numbers = [call(route("POST", CREDITS, body=CREDIT))[1]["number"] for _ in range(3)]
    assert numbers == [1, 2, 3]
    assert [c["number"] for c in customer_credits()] == [1, 2, 3]
    assert Decimal(str(customer_credits()[0]["amount_available"])) == Decimal("25")
    assert customer_credits(tenant="tenant-b") == []
    assert customer_credits("c-2") == []


def test_the_longest_customer_id_is_its_own_customer_and_not_a_prefix_of_another() -> None:
    longest = "c" * 200
    assert call(route("POST", CREDITS, body={**CREDIT, "customer_id": longest}))[0] == 201
    assert customer_credits("c" * 199) == []
    assert len(customer_credits(longest)) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": 0},
        {"amount": -5},
        {"amount": 0.001},
        {"amount": 1_000_000_000.01},
        {"currency_code": "usd"},
        {"customer_type": "person"},
        {"customer_id": ""},
        {"customer_id": "x" * 201},
        {"number": 7},
    ],
)
def test_given_a_bad_grant_then_400_and_no_credit(changes: dict[str, Any]) -> None:
    status, problem, _ = call(route("POST", CREDITS, body={**CREDIT, **changes}))
    assert status == 400, problem
    assert customer_credits() == []


def test_a_grant_needs_the_admin_scope() -> None:
    status, _, _ = call(route("POST", CREDITS, body=CREDIT, scopes="orders:read orders:write"))
    assert status == 403
    assert customer_credits() == []
