"""Every `_links` href the theatre answers print resolves (issue 32): the products, payments and
ticket passes they name are served by get_order, and every other href they print by its function."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import importlib
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from orders_domain.dialects import theatre

from local.gateway import Route, routes_from_template
from local.lambda_runtime import FakeLambdaContext
from local.tables import load_template
from tests.dialect_helpers import dialect_call
from tests.fulfil_helpers import TICKETS, cancel, fulfil
from tests.helpers import TEMPLATE, body_of, header_of, load_event, with_body, with_caller
from tests.patch_helpers import create_order

pytestmark = pytest.mark.usefixtures("tables")

#: The base URL the theatre events' Host and stage give every href (events/theatre_get_order.json).
BASE = "https://abcdef1234.execute-api.us-east-1.amazonaws.com/prod"
STAGE = "/prod"
PASSBOOK = "https://api.amctheatres.com/rels/v1/passbook-ticket"
SMS = "https://api.amctheatres.com/rels/v3/sms-ticket-confirmation"
CHANGED_MIND = "ChangedMindCannotMakeShow"
#: tests/conftest.py's ORDERS_PAGE_TOKEN_SECRET.
SECRET = b"test-page-token-secret-0123456789"

#: API Gateway's resources, most specific first (a literal segment before a `{param}`).
ROUTES = sorted(routes_from_template(load_template(TEMPLATE)), key=lambda r: r.specificity, reverse=True)

#: A seeds/000 ticket with its theatre members and the client's own links (the seed's SMS link
#: among them, and a `passbook-ticket` of its own that the service's must replace), a convenience fee
#: line, and a merchandise line that ships.
SHOW: dict[str, Any] = {
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
                "confirmationCode": "0113826828",
                "_links": {
                    SMS: {
                        "href": "https://api.amctheatres.com/v3/orders/98096/products/1/"
                        "sms-ticket-confirmation/{phone-number}",
                        "templated": True,
                    },
                    PASSBOOK: {"href": "https://elsewhere.example/forged-pass", "templated": False},
                    "self": {"href": "https://elsewhere.example/not-ours", "templated": False},
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
        {
            "order_line_item_id": "M1",
            "sku": "POSTER",
            "description": "Poster",
            "quantity": 1,
            "unit_price": "5.00",
            "shippable": True,
        },
    ],
    "payment_info": {"type": "Visa"},
    "payload": {"email": "guest@example.com"},
}


# ------------------------------------------------------------------ following a link in process
def route_of(method: str, path: str) -> tuple[Route | None, Route | None, dict[str, str]]:
    """(the route of `method` on the resource `path` names, that resource's first route, path
    parameters), as API Gateway picks them: the most specific resource first, then the method."""
    segments = [s for s in path.split("/") if s]
    for route in ROUTES:
        params = route.match(segments)
        if params is None:
            continue
        same = [r for r in ROUTES if r.path == route.path]
        chosen = next((r for r in same if r.method == method), None)
        return chosen, route, params
    return None, None, {}


def request(
    method: str, path: str, body: Any = None, *, tenant_id: str = "tenant-a"
) -> tuple[int, Any, dict[str, Any]]:
    """`method path` (no stage prefix) through the handler of the function template.yaml routes it
    to, as API Gateway would pass it on for `tenant_id`'s key: (status, JSON body, response)."""
    route, _resource, params = route_of(method, path)
    assert route is not None, f"no route serves {method} {path}"
    event = copy.deepcopy(load_event("theatre_get_order.json"))
    event.update(
        resource=route.path,
        path=path,
        httpMethod=method,
        pathParameters=params or None,
        queryStringParameters=None,
        multiValueQueryStringParameters=None,
    )
    context = event["requestContext"]
    context.update(resourcePath=route.path, httpMethod=method, path=f"{STAGE}{path}")
    if body is not None:
        event = with_body(event, body)
    event = with_caller(event, tenant_id)
    module = importlib.import_module(route.module)
    response: dict[str, Any] = getattr(module, route.handler)(
        event, FakeLambdaContext(function_name=route.function_id)
    )
    return response["statusCode"], body_of(response), response


def filled(href: str) -> str:
    """A templated href with every `{variable}` filled (RFC 6570 level 1)."""
    return re.sub(r"\{[^}]*\}", "5551234567", href)


def follow(href: str) -> tuple[str, int, Any]:
    """GET an href under BASE; a resource that takes POST only (the refunds a link names) gets a
    refund of a line no order has, which changes nothing: (method, status, body)."""
    assert href.startswith(f"{BASE}/"), href
    path = href[len(BASE) :]
    get, resource, _ = route_of("GET", path)
    assert resource is not None, f"{href}: no resource of the API"
    if get is not None:
        status, body, _ = request("GET", path)
        return "GET", status, body
    status, body, _ = request("POST", path, {"refundReasonName": CHANGED_MIND, "lineNumbers": [99999]})
    return "POST", status, body


def links_in(answer: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (rel, link) of every `_links` anywhere in an answer."""
    if isinstance(answer, dict):
        for name, value in answer.items():
            if name == "_links" and isinstance(value, dict):
                for rel, link in value.items():
                    if isinstance(link, dict) and isinstance(link.get("href"), str):
                        yield rel, link
            else:
                yield from links_in(value)
    elif isinstance(answer, list):
        for item in answer:
            yield from links_in(item)


def follow_all(answers: list[Any]) -> dict[str, tuple[str, int]]:
    """Follow every href under BASE of `answers` and of every answer they lead to (once each):
    href -> (method, status)."""
    seen: dict[str, tuple[str, int]] = {}
    todo = list(answers)
    while todo:
        answer = todo.pop()
        for _rel, link in links_in(answer):
            href = filled(link["href"]) if link.get("templated") else link["href"]
            if not href.startswith(f"{BASE}/") or href in seen:
                continue
            method, status, body = follow(href)
            seen[href] = (method, status)
            if method == "GET" and status == 200:
                todo.append(body)
    return seen


def theatre_get(order_ref: str, *, tenant_id: str = "tenant-a") -> dict[str, Any]:
    status, body, _ = dialect_call("theatre_get", order_ref, tenant_id=tenant_id)
    assert status == 200, body
    answer: dict[str, Any] = body
    return answer


def passbook_key(tenant_id: str) -> bytes:
    """HMAC(HMAC(secret, "passbook/v1"), tenant): computed here, not by the service's helper."""
    purpose = hmac.new(SECRET, b"passbook/v1", hashlib.sha256).digest()
    return hmac.new(purpose, tenant_id.encode(), hashlib.sha256).digest()


def signature_of(document: dict[str, Any], key: bytes) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


# ------------------------------------------------------------------ every href resolves
def test_given_orders_in_every_state_when_every_theatre_link_is_followed_then_none_is_a_404() -> None:
    # GIVEN a fulfilled show with a fee and merchandise, a partly refunded ticket order, an unpaid
    # order and a cancelled one
    show = create_order(SHOW)
    fulfil_status, fulfilled, _ = dialect_call("theatre_fulfil", show["id"])
    assert fulfil_status == 200, fulfilled
    tickets = create_order(TICKETS)
    assert fulfil(tickets["id"])[0] == 200
    token = f"token-{tickets['token']}"
    refund_status, refunded, _ = dialect_call(
        "theatre_refund", token, {"refundReasonName": CHANGED_MIND, "lineNumbers": [1, 2]}
    )
    assert refund_status == 200, refunded
    unpaid = create_order({"line_items": TICKETS["line_items"]})
    cancelled = create_order(TICKETS)
    assert cancel("cancel", cancelled["id"])[0] == 200
    # WHEN every theatre answer is read: the order by id and by token, its will-call check (by
    # token and by id), the refund reasons, and what the fulfil and the refund answered
    answers: list[Any] = [fulfilled, refunded]
    for order in (show, tickets, unpaid, cancelled):
        answers += [theatre_get(order["id"]), theatre_get(f"token-{order['token']}")]
        for ref in (f"token-{order['token']}", order["id"]):
            status, check, _ = dialect_call("theatre_will_call", ref)
            assert status == 200, check
            answers.append(check)
    status, reasons, _ = dialect_call("theatre_reasons")
    assert status == 200
    answers.append(reasons)
    # THEN every href under the answers' own base URL (and under the answers those lead to)
    # resolves: none is a 404, every GET is a 200
    followed = follow_all(answers)
    assert not [href for href, (_, status) in followed.items() if status == 404], followed
    assert all(status == 200 for method, status in followed.values() if method == "GET"), followed
    # and the refunds link is a live route that looked the order up (a 422 for the unknown line)
    posted = {status for method, status in followed.values() if method == "POST"}
    assert posted == {422}, followed
    # and every kind of sub-resource was reached: products, passes and payments of each order
    paths = [href[len(BASE) :] for href in followed]
    for order, ticket in ((show, 1), (tickets, 3)):  # the tickets' lines 1 and 2 are refunded
        assert f"/v3/orders/{order['id']}/products/1" in paths
        assert f"/v3/orders/{order['id']}/products/{ticket}/passbook" in paths
        assert f"/v3/orders/{order['id']}/payments/1" in paths
    assert f"/v3/orders/{tickets['id']}/products/4" in paths  # a refund line is a product
    assert f"/v3/orders/{tickets['id']}/payments/2" in paths  # the refund's payment entry


def test_given_each_product_then_the_passbook_link_is_printed_exactly_where_the_pass_answers_200() -> None:
    # GIVEN a fulfilled show (a ticket, a fee, merchandise), a ticket order with line 1 refunded and
    # line 2 cancelled, an unpaid order and a cancelled one
    show = create_order(SHOW)
    assert dialect_call("theatre_fulfil", show["id"])[0] == 200
    tickets = create_order(TICKETS)
    assert cancel("cancel", tickets["id"], {"items": [{"order_line_item_id": "T2", "quantity": 1}]})[0] == 200
    assert fulfil(tickets["id"])[0] == 200
    refund = {"refundReasonName": CHANGED_MIND, "lineNumbers": [1]}
    assert dialect_call("theatre_refund", tickets["id"], refund)[0] == 200
    unpaid = create_order({"line_items": TICKETS["line_items"]})
    cancelled = create_order(TICKETS)
    assert cancel("cancel", cancelled["id"])[0] == 200
    # WHEN each product's pass is asked for
    outcomes = {}
    for order in (show, tickets, unpaid, cancelled):
        for product in theatre_get(order["id"])["_embedded"]["products"]:
            number = product["lineItemNumber"]
            status, _, _ = request("GET", f"/v3/orders/{order['id']}/products/{number}/passbook")
            outcomes[(order["id"], number)] = (PASSBOOK in product["_links"], status)
            # THEN the link is there exactly where the pass answers 200
            assert (PASSBOOK in product["_links"]) == (status == 200), (order["status"], product, status)
    # the paid tickets have passes; merchandise is no ticket (404); a refunded or cancelled ticket,
    # a refund line, an unpaid ticket or a cancelled order's ticket admits no one (409)
    assert outcomes[(show["id"], 1)] == (True, 200)
    assert outcomes[(show["id"], 3)] == (False, 404)
    assert [outcomes[(tickets["id"], n)] for n in (1, 2, 3, 4)] == [
        (False, 409),
        (False, 409),
        (True, 200),
        (False, 409),
    ]
    assert {outcomes[(unpaid["id"], n)] for n in (1, 2, 3)} == {(False, 409)}
    assert {outcomes[(cancelled["id"], n)] for n in (1, 2, 3)} == {(False, 409)}
    # and the fee line is no product: no product, no pass
    assert request("GET", f"/v3/orders/{show['id']}/products/2")[0] == 404
    assert request("GET", f"/v3/orders/{show['id']}/products/2/passbook")[0] == 404


def test_given_a_client_payload_with_links_then_its_own_stay_and_the_services_rels_are_the_services() -> None:
    # GIVEN the show, whose ticket's payload carries an SMS link, a passbook link and a self link
    show = create_order(SHOW)
    ticket, merchandise = theatre_get(show["id"])["_embedded"]["products"]
    # THEN the client's SMS link is shown as sent (its own data); the service prints none itself
    assert ticket["_links"][SMS] == SHOW["line_items"][0]["payload"]["_links"][SMS]
    assert SMS not in merchandise["_links"]
    # and `self` and `passbook-ticket` are the service's, never the payload's
    path = f"{BASE}/v3/orders/{show['id']}/products/1"
    assert ticket["_links"]["self"] == {"href": path, "templated": False}
    assert ticket["_links"][PASSBOOK] == {"href": f"{path}/passbook", "templated": False}
    assert "elsewhere.example" not in json.dumps(ticket["_links"])


# ------------------------------------------------------------------ the sub-resources
def test_given_an_order_when_each_product_and_payment_is_read_alone_then_it_is_the_embedded_one() -> None:
    # GIVEN the tickets, fulfilled and line 1 refunded (a refund line, a refund payment entry)
    order = create_order(TICKETS)
    assert fulfil(order["id"])[0] == 200
    refund = {"refundReasonName": CHANGED_MIND, "lineNumbers": [1]}
    assert dialect_call("theatre_refund", order["id"], refund)[0] == 200
    for ref in (order["id"], f"token-{order['token']}"):
        view = theatre_get(ref)
        embedded = view["_embedded"]
        assert len(embedded["products"]) == 4
        assert len(embedded["payments"]) == 2
        # WHEN each is read at its own URL, by id or by token
        for product in embedded["products"]:
            status, alone, response = request("GET", f"/v3/orders/{ref}/products/{product['lineItemNumber']}")
            # THEN it is the embedded one, member for member, with the order's ETag
            assert status == 200, alone
            assert alone == product
            assert header_of(response, "ETag") == header_of(request("GET", f"/v3/orders/{ref}")[2], "ETag")
        for number, payment in enumerate(embedded["payments"], start=1):
            status, alone, _ = request("GET", f"/v3/orders/{ref}/payments/{number}")
            assert status == 200, alone
            assert alone == payment
            assert alone["_links"]["self"]["href"] == f"{BASE}/v3/orders/{order['id']}/payments/{number}"


def test_given_an_order_when_a_number_is_out_of_range_then_404() -> None:
    order = create_order(TICKETS)
    for path in (
        f"/v3/orders/{order['id']}/products/4",
        f"/v3/orders/{order['id']}/products/100000",
        f"/v3/orders/{order['id']}/products/4/passbook",
        f"/v3/orders/{order['id']}/payments/2",
        f"/v3/orders/{order['id']}/payments/100000",
    ):
        status, problem, response = request("GET", path)
        assert status == 404, (path, problem)
        assert header_of(response, "Content-Type") == "application/problem+json"
        assert problem["code"] == "not_found"
    # an order without payments has no payment 1
    unpaid = create_order({"line_items": TICKETS["line_items"]})
    assert request("GET", f"/v3/orders/{unpaid['id']}/payments/1")[0] == 404


@pytest.mark.parametrize("junk", ["0", "-1", "abc", "1.5", "1e3", "100001", "99999999999999999999999", "%20"])
@pytest.mark.parametrize("route", ["products/{n}", "products/{n}/passbook", "payments/{n}"])
def test_given_a_number_that_is_no_positive_bounded_integer_then_400_in_the_problem_shape(
    route: str, junk: str
) -> None:
    order = create_order(TICKETS)
    path = f"/v3/orders/{order['id']}/{route.replace('{n}', junk)}"
    status, problem, response = request("GET", path)
    assert status == 400, (path, problem)
    assert header_of(response, "Content-Type") == "application/problem+json"
    assert problem["code"] == "validation_error"
    assert set(problem) >= {"type", "title", "status", "detail", "code", "instance", "errors"}
    assert problem["errors"]


def test_given_another_tenants_order_then_every_sub_resource_is_a_404_that_tells_nothing() -> None:
    # GIVEN tenant A's fulfilled tickets
    order = create_order(TICKETS)
    assert fulfil(order["id"])[0] == 200
    # WHEN tenant B's key asks for their products, pass and payment, by id and by token
    for ref in (order["id"], f"token-{order['token']}"):
        for suffix in ("products/1", "products/1/passbook", "payments/1"):
            status, problem, _ = request("GET", f"/v3/orders/{ref}/{suffix}", tenant_id="tenant-b")
            # THEN 404, nothing of A's (a token is only ever echoed to whoever sent it)
            assert status == 404, (suffix, problem)
            assert problem["code"] == "not_found"
            if ref == order["id"]:
                assert order["token"] not in json.dumps(problem)
            assert "signature" not in problem


# ------------------------------------------------------------------ the signed pass
def test_given_a_paid_ticket_then_its_pass_verifies_with_the_derived_key_and_fails_when_a_byte_changes() -> (
    None
):
    # GIVEN the show, fulfilled
    show = create_order(SHOW)
    assert dialect_call("theatre_fulfil", show["id"])[0] == 200
    # WHEN its ticket's pass is read by token
    status, answer, response = request("GET", f"/v3/orders/token-{show['token']}/products/1/passbook")
    assert status == 200, answer
    assert header_of(response, "Cache-Control") == "no-store"
    # THEN the pass says what the ticket admits
    document = answer["pass"]
    assert set(document) == {
        "orderId",
        "orderNumber",
        "orderVersion",
        "lineItemNumber",
        "sku",
        "name",
        "quantity",
        "status",
        "issuedDateUtc",
        "theatre",
        "movie",
        "showDateTime",
        "confirmationCode",
    }
    assert (document["orderId"], document["orderNumber"], document["lineItemNumber"]) == (
        show["id"],
        show["number"],
        1,
    )
    assert (document["sku"], document["name"], document["quantity"], document["status"]) == (
        "TICKET-GA-26250946-ADULT",
        "ADULT Ticket",
        2,
        "Fulfilled",
    )
    assert document["confirmationCode"] == "0113826828"
    assert document["issuedDateUtc"].endswith("Z")
    assert "token" not in json.dumps(document).lower()
    assert (answer["algorithm"], answer["canonicalization"]) == ("HS256", "RFC8785")
    assert answer["_links"]["self"]["href"] == f"{BASE}/v3/orders/{show['id']}/products/1/passbook"
    # and its signature is HMAC-SHA256 of the canonical pass under the tenant's derived key
    key = passbook_key("tenant-a")
    assert answer["signature"] == signature_of(document, key)
    assert theatre.verify_pass(answer, key)
    # but not under the page-token secret itself, nor under another tenant's key
    assert answer["signature"] != signature_of(document, SECRET)
    assert not theatre.verify_pass(answer, SECRET)
    assert not theatre.verify_pass(answer, passbook_key("tenant-b"))
    # and one byte changed anywhere in the pass fails it
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    for index in range(len(text)):
        changed_text = text[:index] + chr(ord(text[index]) ^ 1) + text[index + 1 :]
        try:
            changed = json.loads(changed_text)
        except json.JSONDecodeError:
            continue
        if changed == document:
            continue
        assert not theatre.verify_pass({**answer, "pass": changed}, key), changed_text
    # as does a changed signature or algorithm
    flipped = ("B" if answer["signature"][0] == "A" else "A") + answer["signature"][1:]
    assert not theatre.verify_pass({**answer, "signature": flipped}, key)
    assert not theatre.verify_pass({**answer, "algorithm": "none"}, key)


def test_a_page_token_is_never_a_pass_signature() -> None:
    # GIVEN the deployment's page tokens and a tenant's pass key
    from orders_domain.http.page_tokens import PageTokens

    tokens = PageTokens(SECRET.decode())
    key = tokens.passbook_key("tenant-a")
    # THEN the pass key is neither the secret nor any other tenant's
    assert key == passbook_key("tenant-a")
    assert key not in (SECRET, tokens.passbook_key("tenant-b"))
    # and a page token's signature does not verify its own body as a pass
    token = tokens.encode("history", {"t": "tenant-a", "after": 1})
    body, _, signature = token.partition(".")
    document = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert not theatre.verify_pass({"pass": document, "signature": signature, "algorithm": "HS256"}, key)


# ------------------------------------------------------------------ the sample events
@pytest.mark.parametrize(
    "name", ["get_theatre_product.json", "get_theatre_payment.json", "get_theatre_passbook.json"]
)
def test_the_sample_events_answer_for_a_real_order(name: str) -> None:
    # GIVEN a fulfilled show and the sample event pointed at it by its token (the file's own form)
    show = create_order(SHOW)
    assert dialect_call("theatre_fulfil", show["id"])[0] == 200
    event = load_event(name)
    sample_ref = event["pathParameters"]["id"]
    assert sample_ref.startswith("token-")
    assert event["resource"] == event["requestContext"]["resourcePath"]
    ref = f"token-{show['token']}"
    event["path"] = event["path"].replace(sample_ref, ref)
    event["requestContext"]["path"] = event["requestContext"]["path"].replace(sample_ref, ref)
    event["pathParameters"]["id"] = ref
    # WHEN get_order runs it as `sam local invoke -e events/<name>` would
    response = importlib.import_module("functions.get_order.app").lambda_handler(
        with_caller(event), FakeLambdaContext(function_name="get_order")
    )
    # THEN the route it names answers 200
    assert response["statusCode"] == 200, response["body"]
    route, _, _ = route_of("GET", event["path"])
    assert route is not None
    assert route.path == event["resource"]
    assert route.module == "functions.get_order.app"
