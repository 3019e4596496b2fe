"""The source dialects' own boundary cases and base bodies (issue 21: the theatre's `/v3/...` and
`/v1/...`, the distribution's `/distribution/...`, JSON and XML): `€` x 140,000 in a distribution
customer name; control characters in one, read back (as XML too), and as character references in
XML (refused); an order with control characters, read by the distribution API as XML; the same line
number twice in a theatre refund; a distribution order of exactly the XML reader's limit and one
byte over."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.fuzz.boundaries.cases import (
    CONTROL,
    EITHER,
    EURO,
    LINES,
    REASON,
    REFUSED,
    XML_ACCEPT,
    XML_HEADERS,
    XML_MEDIA,
    Bounds,
    Case,
    Counter,
    Expect,
    Raw,
    Read,
    distribution_order,
    order_body,
    order_path,
    ref,
    watched,
)
from harness.fuzz.boundaries.routes import (
    BASE_BODIES,
    CREATE,
    DIST_ONE,
    ORDER_ROUTE,
    PATH_VALUES,
    PLACE,
    THEATRE_REFUND,
    body_case,
    default_params,
)
from harness.fuzz.boundaries.schema import Path_, dotted
from harness.fuzz.boundaries.table import cases_of

BASE_BODIES[THEATRE_REFUND] = {"refundReasonName": REASON, "lineNumbers": [1]}
# issue 32, the theatre's sub-resources: line 1 and payment 1 (the reads family asks a fulfilled
# fixture's for the payment and the pass: reads.py `READ_TARGETS`)
PATH_VALUES.update({"lineNumber": "1", "paymentNumber": "1"})
BASE_BODIES[PLACE] = distribution_order("EDGE-BASE")
BASE_BODIES[("PUT", DIST_ONE)] = {"order": {"status": "active"}}


@cases_of("strings", 40)
def multibyte_place(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """`€` x 140,000 in a distribution order's customer name."""
    del bounds
    big = EURO * 140_000
    path: Path_ = ("order", "customer_name")
    return [
        body_case("strings", f"{dotted(path)} = € x 140,000", document, *PLACE, path, big, REFUSED, counter)
    ]


@cases_of("strings", 50)
def control_characters(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """Control characters in a distribution customer name, read back (as XML too); as character
    references in an XML order (refused)."""
    del document, bounds
    cases: list[Case] = []
    # control characters, read back by the distribution API (as XML too: `Runner.rereads`)
    dist_then = (Read(f"/distribution/orders/{ref('created')}"),)
    cases.append(
        Case(
            "strings",
            "customer_name with control characters",
            *PLACE,
            body=distribution_order(counter(), CONTROL),
            expect=Expect(EITHER, then=dist_then),
            quick=True,
        )
    )
    cases.append(
        Case(
            "strings",
            "customer_name with control characters, asked as XML",
            *PLACE,
            headers=XML_ACCEPT,
            body=distribution_order(counter(), CONTROL),
            expect=Expect(EITHER, xml=True, then=dist_then),
        )
    )
    for reference in ("&#1;", "&#xFFFE;", "&#0;"):
        xml_text = (
            f"<order><order_number>{counter()}</order_number><customer_name>A{reference}B</customer_name>"
            "<items><item><offer_id>EDGE-OFFER</offer_id><quantity>1</quantity></item></items></order>"
        )
        cases.append(
            Case(
                "strings",
                f"customer_name with {reference} in XML",
                *PLACE,
                headers=XML_HEADERS,
                body=Raw(xml_text.encode(), XML_MEDIA),
                expect=Expect(REFUSED),
            )
        )
    return cases


@cases_of("strings", 60)
def control_characters_as_xml(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """An order with control characters, read by the distribution API as XML (it must parse) and by
    the theatre's."""
    del document, bounds
    cases: list[Case] = []
    watch = counter()
    native = {**order_body(watch), "memo": CONTROL, "ship_to_name": CONTROL, "notes": CONTROL}
    native["line_items"] = [{**LINES[0], "description": CONTROL}]
    cases.append(
        Case(
            "strings",
            "an order with control characters, read by the distribution API as XML",
            *CREATE,
            params=default_params(ORDER_ROUTE),
            body=native,
            expect=Expect(
                EITHER,
                unchanged=watched(watch),
                then=(
                    Read(
                        f"/distribution/orders/{ref('created')}",
                        headers=XML_ACCEPT,
                        statuses=frozenset({200, 404}),
                        xml=True,
                    ),
                    Read(f"/v3/orders/{ref('created')}"),
                ),
            ),
        )
    )
    return cases


@cases_of("duplicate_ids", 50)
def duplicate_line_numbers(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """The same line number twice in a theatre refund: 422 naming it, the order unchanged."""
    del document, bounds, counter
    unprocessable = frozenset({422})
    return [
        Case(
            "duplicate_ids",
            "theatre refund lineNumbers [1, 1]",
            *THEATRE_REFUND,
            params={"id": "token-" + ref("token")},
            body={"refundReasonName": REASON, "lineNumbers": [1, 1]},
            expect=Expect(unprocessable, names="1", unchanged=order_path("fulfilled_order")),
        ),
    ]


@cases_of("sizes", 20)
def xml_limits(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """A distribution order of exactly the XML reader's limit (the service's choice) and one byte
    over (refused)."""
    del document
    cases: list[Case] = []
    for label, size, expected in (
        ("XML limit", bounds.max_xml_bytes, EITHER),
        ("XML limit + 1", bounds.max_xml_bytes + 1, REFUSED),
    ):
        cases.append(
            Case(
                "sizes",
                f"distribution order of {size:,} bytes of XML ({label})",
                *PLACE,
                headers=XML_HEADERS,
                body=Raw(xml_sized(counter(), size), XML_MEDIA),
                expect=Expect(expected, xml=True),
            )
        )
    return cases


def xml_sized(number: str, size: int) -> bytes:
    """A distribution order in XML of exactly `size` bytes (whitespace before its end tag) (pure)."""
    head = (
        f"<order><order_number>{number}</order_number><customer_name>Edge</customer_name>"
        "<items><item><offer_id>EDGE-OFFER</offer_id><quantity>1</quantity></item></items>"
    ).encode()
    tail = b"</order>"
    return head + b" " * (size - len(head) - len(tail)) + tail
