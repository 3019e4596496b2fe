"""The reliability harness' pieces for the source dialects (harness/reliability/dialects.py, issue
21): the judges of a distribution place (one order per order_number, holding what was sent) and of a
place storm, the harness's own XML both ways, the careful client of a place and of a distribution
cancel, the dialect routes it runs under faults (aimed at the records and orders they write), and the
invariant checker's one order per order_number."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import boto3
import pytest
from orders_domain.dialects import distribution, distribution_requests, xml
from orders_domain.domain import fulfil_rules
from orders_domain.models import Order
from orders_domain.services import CreateOrders
from orders_domain.services.common import order_id_for_number
from orders_domain.storage import keys
from orders_domain.storage.codec import typed_key

from harness import reliability
from harness.reliability import (
    IDEMPOTENCY,
    JSON,
    NUMBER_TAKEN,
    PLACE_WRITES,
    XML,
    PlaceCall,
    Tally,
    etag_version,
    place_body,
    place_storm_problems,
    placed_problems,
    xml_text,
    xml_value,
)
from tests.dialect_helpers import dialect_call
from tests.fakes import InMemoryOrderRepository
from tests.helpers import body_of, create_event, invoke

NUMBER = "N-42"
#: The id of tenant-a's order of NUMBER (derived from it).
OUR_ID = order_id_for_number("tenant-a", NUMBER)
DIALECT_ROUTES = {
    "theatre_fulfil",
    "theatre_fulfil_without_key",
    "theatre_refund_token",
    "distribution_place",
    "distribution_place_xml",
    "distribution_cancel",
}


# ------------------------------------------------------------------ orders placed as the service places them
def placed(body: dict[str, Any] | None = None) -> Order:
    """The order the create service stores for a distribution place (its id derived from the number)."""
    body = body or place_body(NUMBER)
    request = distribution_requests.create_request(
        distribution_requests.PlaceOrder.model_validate(body).order
    )
    number = body["order"]["order_number"]
    repo = InMemoryOrderRepository()
    return CreateOrders(repo).create(request, tenant_id="tenant-a", actor="key_t", order_number=number).order


def stored(order: Order) -> dict[str, Any]:
    """The order as the harness's Store reads it (its stored JSON, numbers as Decimal)."""
    doc: dict[str, Any] = json.loads(order.model_dump_json(), parse_float=Decimal)
    return doc


def kinds(problems: list[tuple[str, str]]) -> set[str]:
    return {kind for kind, _ in problems}


# ------------------------------------------------------------------ one place
def test_given_the_order_a_place_made_when_judged_then_clean() -> None:
    # GIVEN the order the create service stores for a place of NUMBER
    order = placed()
    # WHEN judged against the place / THEN clean: one order, the number's id, the customer, each offer
    assert order.id == order_id_for_number("tenant-a", NUMBER) == reliability.number_id(NUMBER)
    assert placed_problems([stored(order)], place_body(NUMBER)) == []


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        pytest.param(lambda o: [], "lost_updates", id="no order"),
        pytest.param(lambda o: [o, {**o, "id": "another"}], "double_effects", id="two orders"),
        pytest.param(lambda o: [{**o, "id": "not-derived"}], "partial_writes", id="not the number's id"),
        pytest.param(
            lambda o: [{**o, "ship_to_name": "Someone Else"}], "partial_writes", id="another customer"
        ),
        pytest.param(
            lambda o: [{**o, "line_items": o["line_items"][:1]}], "partial_writes", id="an offer missing"
        ),
        pytest.param(
            lambda o: [{**o, "line_items": [{**o["line_items"][0], "quantity": 3}, *o["line_items"][1:]]}],
            "partial_writes",
            id="other units",
        ),
    ],
)
def test_given_a_place_stored_wrongly_when_judged_then_it_is_counted_by_kind(
    make: Callable[[dict[str, Any]], list[dict[str, Any]]], kind: str
) -> None:
    problems = placed_problems(make(stored(placed())), place_body(NUMBER))
    assert problems
    assert kinds(problems) == {kind}


# ------------------------------------------------------------------ a place storm
def one_body_storm(statuses: list[tuple[int, bool]], body: str = "A") -> list[PlaceCall]:
    """Places of one body: (status, replayed); a 201 names the number's order, a 409 is in progress."""
    return [
        PlaceCall(
            body,
            JSON,
            status,
            OUR_ID if status == 201 else None,
            replayed,
            None if status == 201 else "idempotency_in_progress",
        )
        for status, replayed in statuses
    ]


def two_bodies() -> dict[str, dict[str, Any]]:
    return {"A": place_body(NUMBER, "Alice", 2), "B": place_body(NUMBER, "Bob", 3)}


def test_given_a_storm_of_one_body_with_one_order_made_when_judged_then_clean() -> None:
    # GIVEN 8 places of one body: one made the order, seven answered it replayed; one order stored
    calls = one_body_storm([(201, False)] + [(201, True)] * 7)
    # WHEN judged / THEN clean
    assert place_storm_problems(NUMBER, calls, [stored(placed())], {"A": place_body(NUMBER)}) == []


def test_given_a_storm_of_two_bodies_with_one_accepted_when_judged_then_clean() -> None:
    # GIVEN Alice's body accepted (made once, replayed thrice), Bob's refused 409 order_number_taken
    bodies = two_bodies()
    calls = [PlaceCall("A", XML, 201, OUR_ID, n > 0) for n in range(4)]
    calls += [PlaceCall("B", JSON, 409, None, False, NUMBER_TAKEN) for _ in range(4)]
    # WHEN judged against the one order stored, Alice's / THEN clean
    assert place_storm_problems(NUMBER, calls, [stored(placed(bodies["A"]))], bodies) == []
    # AND if the stored order held Bob's body, the accepted body's order would be another: partial write
    assert kinds(place_storm_problems(NUMBER, calls, [stored(placed(bodies["B"]))], bodies)) == {
        "partial_writes"
    }


@pytest.mark.parametrize(
    ("calls", "kind"),
    [
        pytest.param(
            [PlaceCall("A", JSON, 201, OUR_ID, False), PlaceCall("B", JSON, 201, OUR_ID, True)],
            "double_effects",
            id="both bodies accepted",
        ),
        pytest.param(
            [
                PlaceCall("A", JSON, 409, None, False, NUMBER_TAKEN),
                PlaceCall("B", JSON, 409, None, False, NUMBER_TAKEN),
            ],
            "lost_updates",
            id="none accepted",
        ),
        pytest.param(
            [PlaceCall("A", JSON, 201, OUR_ID, False), PlaceCall("A", XML, 409, None, False, NUMBER_TAKEN)],
            "lost_updates",
            id="the accepted body refused once (a 409 for the same order)",
        ),
        pytest.param(
            [PlaceCall("A", JSON, 201, OUR_ID, False), PlaceCall("A", JSON, 201, OUR_ID, False)],
            "double_effects",
            id="two answers made the order",
        ),
        pytest.param(
            [
                PlaceCall("A", JSON, 201, OUR_ID, False),
                PlaceCall("B", JSON, 409, None, False, "idempotency_in_progress"),
            ],
            "lost_updates",
            id="another body left told to retry",
        ),
        pytest.param(
            [
                PlaceCall("A", JSON, 201, OUR_ID, False),
                PlaceCall("B", XML, 500, None, False, "internal_error"),
            ],
            "server_errors",
            id="a 500",
        ),
    ],
)
def test_given_a_broken_storm_when_judged_then_the_break_is_counted_by_kind(
    calls: list[PlaceCall], kind: str
) -> None:
    # GIVEN Alice's and Bob's bodies under one number, Alice's order stored, and the calls' answers
    bodies = two_bodies()
    # WHEN judged
    problems = place_storm_problems(NUMBER, calls, [stored(placed(bodies["A"]))], bodies)
    # THEN the break is counted under its kind
    assert problems
    assert kind in kinds(problems)


def test_given_two_orders_stored_for_one_number_when_judged_then_a_double_effect_whatever_the_answers() -> (
    None
):
    order = stored(placed())
    calls = one_body_storm([(201, False), (201, True)])
    problems = place_storm_problems(
        NUMBER, calls, [order, {**order, "id": "second"}], {"A": place_body(NUMBER)}
    )
    assert kinds(problems) == {"double_effects"}


# ------------------------------------------------------------------ XML both ways
def test_given_a_place_when_the_harness_writes_it_in_xml_then_the_service_reads_the_same_order() -> None:
    # GIVEN a place body / WHEN written as XML by the harness and read by the service's edge
    text = xml_text(place_body(NUMBER))
    read = distribution_requests.PlaceOrder.model_validate(xml.loads(text))
    # THEN it is the order the JSON body is
    assert read == distribution_requests.PlaceOrder.model_validate(place_body(NUMBER))
    assert text.startswith("<?xml")


def test_given_the_services_xml_answers_when_the_harness_reads_them_then_as_their_json() -> None:
    # GIVEN the distribution view of an order, and a problem, as the service writes them in XML
    view = json.loads(json.dumps(distribution.order_view(placed()), default=str))
    answer = xml.dumps("order", view["order"])
    problem = xml.problem_xml(
        {"type": "/problems/x", "status": 409, "code": NUMBER_TAKEN, "errors": [{"field": "a"}]}
    )
    # WHEN the harness reads them
    read = xml_value(answer.encode())
    refused = xml_value(problem.encode())
    # THEN the order is {"order": ...}: its lists lists, a nil null, numbers as text
    assert read["order"]["id"] == view["order"]["id"]
    assert read["order"]["items"] == [
        {"offer_id": "deal-1", "quantity": "2"},
        {"offer_id": "deal-2", "quantity": "1"},
    ]
    assert read["order"]["shipping_address"] is None
    assert read["order"]["shipments"] == []
    # AND a problem is its members (as a JSON problem), so the client reads its code
    assert refused["code"] == NUMBER_TAKEN
    assert refused["status"] == "409"
    assert refused["errors"] == [{"field": "a"}]
    assert reliability.retryable(
        409, xml_value(xml.problem_xml({"code": "idempotency_in_progress"}).encode())
    )


@pytest.mark.parametrize(("etag", "version"), [('"3"', 3), ('W/"12"', 12), (None, None), ('"x"', None)])
def test_an_etag_names_the_version_it_quotes(etag: str | None, version: int | None) -> None:
    assert etag_version(etag) == version


# ------------------------------------------------------------------ the careful client of a place
class ScriptedApi:
    """An Api whose place answers are scripted: (status, body, headers) in turn."""

    def __init__(self, answers: list[tuple[int, Any, dict[str, str]]]) -> None:
        self.answers = answers
        self.sent: list[tuple[Any, str]] = []

    def place(self, body: Any, media: str = JSON) -> tuple[int, Any, dict[str, str]]:
        self.sent.append((body, media))
        return self.answers.pop(0)


class ScriptedStore:
    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs = docs

    def with_number(self, order_number: str) -> list[dict[str, Any]]:
        return [doc for doc in self.docs if doc.get("purchase_order_number") == order_number]


def place_case(api: ScriptedApi, store: ScriptedStore, media: str = XML) -> reliability.PlaceCase:
    case = reliability.PlaceCase(api, store, NUMBER, media=media)  # type: ignore[arg-type]
    assert case.order_id == reliability.number_id(NUMBER)
    return case


def test_given_a_place_whose_answer_was_lost_when_the_client_sends_it_again_then_it_gets_its_order() -> None:
    # GIVEN a place answered 503 (lost), its retry told to wait, then its order, then its order replayed
    order = placed()
    view = {"order": {"id": order.id}}
    api = ScriptedApi(
        [
            (409, {"code": "idempotency_in_progress"}, {}),
            (201, view, {"idempotent-replayed": "true"}),
            (201, view, {"idempotent-replayed": "true"}),
        ]
    )
    case = place_case(api, ScriptedStore([stored(order)]))
    tally = Tally()
    # WHEN settled after the first answer (a 503)
    case.settle((503, {"code": "unavailable"}), "lost place", tally, strict=True)
    # THEN nothing is wrong, the same order was sent each time in its media, and the order is the case's
    assert (tally.lost_updates, tally.partial_writes, tally.double_effects, tally.server_errors) == (
        0,
        0,
        0,
        0,
    )
    assert api.sent == [(place_body(NUMBER), XML)] * 3
    assert case.made == {f"distribution:{NUMBER}": order.id}


#: A 201 naming the order the case's number names (filled in by the test).
OURS = "ours"


@pytest.mark.parametrize(
    ("first", "after", "docs", "kind"),
    [
        pytest.param(
            (503, None, {}), [(409, {"code": NUMBER_TAKEN}, {})], 1, "lost_updates", id="own number refused"
        ),
        pytest.param(
            (503, None, {}), [(500, {"code": "internal_error"}, {})], 1, "server_errors", id="a 500"
        ),
        pytest.param(
            (503, None, {}),
            [
                (201, {"order": {"id": "other"}}, {}),
                (201, {"order": {"id": "other"}}, {"idempotent-replayed": "true"}),
            ],
            1,
            "partial_writes",
            id="another order answered",
        ),
        pytest.param(
            (201, OURS, {}), [(201, OURS, {})], 1, "double_effects", id="sent once more: not replayed"
        ),
        pytest.param(
            (201, OURS, {}),
            [(201, OURS, {"idempotent-replayed": "true"})],
            2,
            "double_effects",
            id="two orders stored",
        ),
        pytest.param(
            (201, OURS, {}),
            [(201, OURS, {"idempotent-replayed": "true"})],
            0,
            "lost_updates",
            id="no order stored",
        ),
    ],
)
def test_given_a_place_settled_wrongly_when_checked_then_it_is_counted_by_kind(
    first: tuple[int, Any, dict[str, str]], after: list[tuple[int, Any, dict[str, str]]], docs: int, kind: str
) -> None:
    # GIVEN the order its number names, stored `docs` times, and the answers the client gets in turn
    order = placed()

    def real(answer: tuple[int, Any, dict[str, str]]) -> tuple[int, Any, dict[str, str]]:
        status, body, headers = answer
        return status, {"order": {"id": order.id}} if body == OURS else body, headers

    store = ScriptedStore([stored(order), {**stored(order), "id": "second"}][:docs])
    case = place_case(ScriptedApi([real(a) for a in after]), store)
    tally = Tally()
    # WHEN the first answer is settled as the client settles it
    status, body, _ = real(first)
    case.settle((status, body), "place", tally, strict=True)
    # THEN the break is counted under its kind
    assert getattr(tally, kind) >= 1, tally.notes


# ------------------------------------------------------------------ the careful client of a cancel
class CancelApi:
    def __init__(self, answers: list[tuple[int, Any]]) -> None:
        self.answers = answers

    def dialect(self, method: str, path: str, body: Any = None, **_: Any) -> tuple[int, Any, dict[str, str]]:
        assert (method, body) == ("PUT", reliability.DISTRIBUTION_CANCEL)
        status, answer = self.answers.pop(0)
        return status, answer, {}


class CancelStore:
    def __init__(self, order: Order) -> None:
        self.current = order

    def doc(self, order_id: str) -> dict[str, Any]:
        return stored(self.current)

    def order(self, order_id: str) -> Order:
        return self.current


def cancel_case(api: CancelApi, before: Order, after: Order) -> reliability.DistributionCancelCase:
    case = object.__new__(reliability.DistributionCancelCase)
    case.api, case.store, case.label, case.made = api, CancelStore(after), "c", {}  # type: ignore[assignment]
    case.order_id, case.before, case.path = before.id, stored(before), f"/distribution/orders/{before.id}"
    return case


def cancelled(order: Order, writes: int = 1) -> Order:
    return fulfil_rules.cancel_whole(order).model_copy(update={"sys_version": order.sys_version + writes})


CANCELLED = {"order": {"status": "cancelled"}}


def test_given_a_cancel_whose_answer_was_lost_when_sent_again_then_the_cancelled_order_is_answered() -> None:
    before = placed()
    tally = Tally()
    case = cancel_case(CancelApi([(200, CANCELLED), (200, CANCELLED)]), before, cancelled(before))
    case.settle((503, {"code": "unavailable"}), "lost cancel", tally, strict=True)
    assert (tally.lost_updates, tally.partial_writes, tally.double_effects, tally.server_errors) == (
        0,
        0,
        0,
        0,
    ), tally.notes


@pytest.mark.parametrize(
    ("answers", "writes", "kind"),
    [
        pytest.param(
            [(409, {"code": "order_state_conflict"}), (200, CANCELLED)],
            1,
            "partial_writes",
            id="409 though cancelled",
        ),
        pytest.param([(200, CANCELLED), (200, CANCELLED)], 2, "double_effects", id="cancelled in two writes"),
        pytest.param(
            [(200, CANCELLED), (409, {"code": "order_state_conflict"})],
            1,
            "partial_writes",
            id="sent again: 409",
        ),
        pytest.param([(500, {"code": "internal_error"}), (200, CANCELLED)], 1, "server_errors", id="a 500"),
    ],
)
def test_given_a_cancel_settled_wrongly_when_checked_then_it_is_counted_by_kind(
    answers: list[tuple[int, Any]], writes: int, kind: str
) -> None:
    before = placed()
    tally = Tally()
    case = cancel_case(CancelApi(answers), before, cancelled(before, writes))
    case.settle((503, None), "cancel", tally, strict=True)
    assert getattr(tally, kind) >= 1, tally.notes


def test_given_a_cancel_that_never_landed_when_checked_then_a_lost_update() -> None:
    before = placed()
    tally = Tally()
    case = cancel_case(CancelApi([(200, CANCELLED), (200, CANCELLED)]), before, before)
    case.settle((503, None), "cancel", tally, strict=True)
    assert tally.lost_updates >= 1


# ------------------------------------------------------------------ the routes under faults
def test_given_the_dialect_routes_when_faults_are_planned_then_they_cover_each_write() -> None:
    assert set(reliability.MUTATIONS) >= DIALECT_ROUTES
    for route in DIALECT_ROUTES:
        mutation = reliability.MUTATIONS[route]
        assert mutation.targeted, route
        assert set(mutation.writes) <= set(mutation.calls), route
    keyed = {"theatre_fulfil", "theatre_refund_token", "distribution_place", "distribution_place_xml"}
    for route in DIALECT_ROUTES:
        idempotency = {call for call in reliability.MUTATIONS[route].writes if call.endswith(IDEMPOTENCY)}
        assert idempotency == (
            {f"PutItem{IDEMPOTENCY}", f"UpdateItem{IDEMPOTENCY}"} if route in keyed else set()
        ), route
    assert reliability.MUTATIONS["distribution_place"].writes == PLACE_WRITES
    assert "PutItem" in PLACE_WRITES  # the order itself
    assert reliability.MUTATIONS["theatre_fulfil"].calls == reliability.FULFIL_CALLS
    assert "Query" in reliability.MUTATIONS["theatre_refund_token"].calls  # the by-token lookup
    assert reliability.MUTATIONS["distribution_cancel"].writes == ("UpdateItem",)


def test_given_dialect_cases_when_asked_where_a_call_aims_then_at_text_only_their_requests_carry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        reliability.dialects, "idempotency_text", lambda path, key: f"record of POST {path} {key}"
    )
    # a place: its order at the id its number names, its idempotency record keyed by the number
    place = reliability.PlaceCase(None, None, "lost-place-x")  # type: ignore[arg-type]
    assert place.only("PutItem") == reliability.key_text(order_id_for_number("tenant-a", "lost-place-x"))
    assert place.only(f"PutItem{IDEMPOTENCY}") == "record of POST /distribution/orders lost-place-x"
    # a theatre fulfil: its order, and the record of its own route and key
    fulfil = object.__new__(reliability.TheatreFulfilCase)
    fulfil.label, fulfil.order_id = "lost-fulfil-x", "o-1"
    assert fulfil.only("GetItem") == fulfil.only("TransactWriteItems") == reliability.key_text("o-1")
    assert fulfil.only(f"UpdateItem{IDEMPOTENCY}") == "record of POST /v3/orders/{id}/fulfill lost-fulfil-x"
    # a theatre refund: the by-token Query at its token, the record of the theatre route
    refund = object.__new__(reliability.TheatreRefundCase)
    refund.label, refund.order_id, refund.before = "lost-refund-x", "o-2", {"token": "tok2"}
    assert refund.only("Query") == keys.token_pk("tenant-a", "tok2")
    assert refund.only("TransactWriteItems") == reliability.key_text("o-2")
    assert refund.only(f"PutItem{IDEMPOTENCY}") == "record of POST /v1/orders/{id}/refunds lost-refund-x"


def test_given_a_place_and_a_theatre_fulfil_when_run_then_their_records_are_the_ones_the_faults_aim_at(
    tables: dict[str, str],
) -> None:
    # GIVEN a distribution place of a number, and a theatre fulfil under a key (moto)
    status, answer, _ = dialect_call(
        "distribution_place", body=place_body("aim-1"), headers={"Content-Type": JSON, "Accept": JSON}
    )
    assert status == 201, answer
    made = body_of(invoke("create_order", create_event({**reliability.FULFIL_ORDER})))
    fulfilled, _, _ = dialect_call("theatre_fulfil", made["id"], headers={"Idempotency-Key": '"aim-key"'})
    assert fulfilled == 200
    # WHEN the idempotency records and the order are read back
    client = boto3.client("dynamodb", region_name="us-east-1")
    records = {item["id"]["S"] for item in client.scan(TableName=tables["IdempotencyTable"])["Items"]}
    key = typed_key(reliability.order_key(answer["order"]["id"]))
    order = client.get_item(TableName=tables["OrdersTable"], Key=key)
    # THEN each record is the one `idempotency_text` names for its route and key, and the order's key
    # is the text a place's PutItem fault aims at
    assert reliability.idempotency_text(reliability.DISTRIBUTION_PATH, "aim-1") in records
    assert reliability.idempotency_text(reliability.THEATRE_FULFIL_PATH, "aim-key") in records
    assert answer["order"]["id"] == reliability.number_id("aim-1")
    assert "Item" in order


# ------------------------------------------------------------------ the invariant checker
def test_given_an_order_number_naming_two_orders_when_the_invariants_are_checked_then_a_double_effect(
    tables: dict[str, str],
) -> None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    # GIVEN an order placed under a number (in XML): the invariants hold
    status, _, _ = dialect_call(
        "distribution_place",
        body=xml_text(place_body("dup-1")),
        headers={"Content-Type": XML, "Accept": XML},
    )
    assert status == 201
    clean = Tally()
    reliability.check_invariants(client, tables, {}, clean)
    assert (clean.double_effects, clean.partial_writes) == (0, 0), clean.notes
    # WHEN another order (a native create) carries the same number as its purchase_order_number
    event = create_event({**reliability.ORDER, "purchase_order_number": "dup-1"})
    assert invoke("create_order", event)["statusCode"] == 201
    tally = Tally()
    reliability.check_invariants(client, tables, {}, tally)
    # THEN the number names two orders (a double effect), and the second is not the order it names
    assert tally.double_effects == 1
    assert tally.partial_writes == 1
    assert any("order_number dup-1 names 2 orders" in note for note in tally.notes)
