"""The orders routes' own boundary cases: the create and the preview of an order (the list, the get
and the token read get theirs from the document-driven families and the reads). Weight x quantity
past DynamoDB's range; `€` x 140,000 and `"` x 150,000 in a create with and without an
Idempotency-Key, `€` x 140,000 in a preview, a lone surrogate; a coupon naming a line twice; create
bodies of exactly each byte limit and one byte over, JSON nested at, past and far past its limit;
500 lines x 12,000 zero coupons."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from harness.fuzz.boundaries.cases import (
    DUPLICATE_COUPON,
    EITHER,
    EURO,
    LONE_SURROGATE_JSON,
    REFUSED,
    Bounds,
    Case,
    Counter,
    Expect,
    Lit,
    Raw,
    json_bytes,
    order_body,
    watched,
)
from harness.fuzz.boundaries.routes import CREATE, ORDER_ROUTE, PREVIEW, body_case, default_params
from harness.fuzz.boundaries.schema import Path_, dotted, place
from harness.fuzz.boundaries.sizes import sized
from harness.fuzz.boundaries.table import cases_of


@cases_of("numbers", 20)
def weight_times_quantity(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """Weight x quantity past DynamoDB's range, in a create and a preview."""
    del document, bounds
    cases: list[Case] = []
    # weight x quantity: each storable, their product (total_weight) past DynamoDB's range
    for weight, quantity in (("9.9e125", 2), ("1e100", 1_000_000), ("9.9e125", 1_000_000)):
        line = {"quantity": quantity, "unit_price": "1.00", "weight": Lit(weight)}
        for method, route in (CREATE, PREVIEW):
            watch = counter() if (method, route) == CREATE else None
            body = {**order_body(watch), "line_items": [line]}
            cases.append(
                Case(
                    "numbers",
                    f"weight {weight} x quantity {quantity}",
                    method,
                    route,
                    params=default_params(route),
                    body=body,
                    expect=Expect(EITHER, unchanged=watched(watch) if watch else None),
                    quick=(weight, quantity, method) == ("9.9e125", 2, "POST") and route == ORDER_ROUTE,
                )
            )
    return cases


@cases_of("strings", 10)
def multibyte_creates(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """`€` x 140,000 and `"` x 150,000 in a create, with and without an Idempotency-Key."""
    del bounds
    cases: list[Case] = []
    big = EURO * 140_000
    quotes = '"' * 150_000
    for with_key in (False, True):
        suffix = ", with an Idempotency-Key" if with_key else ""
        for where, value, expected in (
            (("memo",), big, REFUSED),
            (("payload", "text"), big, REFUSED),
            (("memo",), quotes, EITHER),
            (("payload", "text"), quotes, EITHER),
        ):
            label = "€ x 140,000" if value is big else '" x 150,000'
            cases.append(
                body_case(
                    "strings",
                    f"{dotted(where)} = {label}{suffix}",
                    document,
                    *CREATE,
                    where,
                    value,
                    expected,
                    counter,
                    quick=with_key and where == ("memo",),
                    headers={"Idempotency-Key": counter()} if with_key else None,
                )
            )
    return cases


@cases_of("strings", 30)
def multibyte_preview(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """`€` x 140,000 in a preview's memo."""
    del bounds
    big = EURO * 140_000
    path: Path_ = ("memo",)
    return [
        body_case("strings", f"{dotted(path)} = € x 140,000", document, *PREVIEW, path, big, REFUSED, counter)
    ]


@cases_of("strings", 70)
def lone_surrogate(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """A create whose memo is a lone surrogate (valid JSON, no UTF-8 for it)."""
    del document, bounds
    cases: list[Case] = []
    watch = counter()
    surrogate = json.dumps(order_body(watch))[:-1] + f', "memo": {LONE_SURROGATE_JSON}}}'
    cases.append(
        Case(
            "strings",
            "memo with a lone surrogate",
            *CREATE,
            body=Raw(surrogate.encode()),
            expect=Expect(EITHER, unchanged=watched(watch)),
        )
    )
    return cases


@cases_of("duplicate_ids", 10)
def duplicate_coupon_lines(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """A coupon naming a line twice in a create and a preview: 422 naming it, nothing made."""
    del document, bounds
    coupon = DUPLICATE_COUPON
    watch = counter()
    unprocessable = frozenset({422})
    return [
        Case(
            "duplicate_ids",
            "coupon order_line_item_ids [L1, L1]",
            *CREATE,
            body={**order_body(watch), "coupons": [coupon]},
            expect=Expect(unprocessable, names="L1", unchanged=watched(watch)),
            quick=True,
        ),
        Case(
            "duplicate_ids",
            "coupon order_line_item_ids [L1, L1]",
            *PREVIEW,
            body={**order_body(), "coupons": [coupon]},
            expect=Expect(unprocessable, names="L1"),
        ),
    ]


@cases_of("sizes", 10)
def byte_limits(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """Create bodies of exactly each byte limit and one byte over (the gateway's, a stored order's,
    an order item's; in ASCII and in `€`)."""
    del document
    cases: list[Case] = []
    padding: Path_ = ("payload", "text")
    stored, item = bounds.max_order_stored_bytes, bounds.max_order_item_bytes
    # (label, unit, the body's size in bytes, or None and so many `€`, expected): a `€` is 3 bytes of
    # the body, 6 of the stored order's escaped text
    for label, unit, size, euros, expected in (
        ("gateway limit", "x", bounds.max_body_bytes, 0, REFUSED),
        ("gateway limit + 1", "x", bounds.max_body_bytes + 1, 0, frozenset({413})),
        ("stored order limit - 20 KB", "x", stored - 20_000, 0, EITHER),
        ("stored order limit - 20 KB in €, escaped", EURO, None, (stored - 20_000) // 6, EITHER),
        ("stored order limit + 1", "x", stored + 1, 0, REFUSED),
        ("stored order limit + 1 in €, escaped", EURO, None, stored // 6 + 1, REFUSED),
        ("order item limit + 1", "x", item + 1, 0, REFUSED),
        ("order item limit + 1 in €", EURO, item + 1, 0, REFUSED),
    ):
        watch = counter()
        body = order_body(watch)
        if size is None:
            size = len(json_bytes(place({}, {}, body, padding, ""))) + euros * len(EURO.encode())
        cases.append(
            Case(
                "sizes",
                f"create body of {size:,} bytes ({label})",
                *CREATE,
                body=Raw(sized(body, padding, size, unit)),
                expect=Expect(expected, unchanged=watched(watch)),
                quick=label in ("gateway limit + 1", "order item limit + 1 in €"),
            )
        )
    return cases


@cases_of("sizes", 30)
def nesting(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """A create's JSON nested at, past and far past its limit; a body of 100,000 `[`."""
    del document
    cases: list[Case] = []
    for depth, expected in (
        (bounds.max_json_depth, EITHER),
        (bounds.max_json_depth + 1, REFUSED),
        (100_000, REFUSED),
    ):
        watch = counter()
        nested = (
            json_bytes(order_body(watch))[:-1]
            + b',"payload":'
            + b'{"a":' * depth
            + b"1"
            + b"}" * depth
            + b"}"
        )
        cases.append(
            Case(
                "sizes",
                f"payload nested {depth:,} deep",
                *CREATE,
                body=Raw(nested),
                expect=Expect(expected, unchanged=watched(watch)),
                quick=depth == 100_000,
            )
        )
    cases.append(
        Case("sizes", "body of 100,000 [", *CREATE, body=Raw(b"[" * 100_000), expect=Expect(REFUSED))
    )
    return cases


@cases_of("work", 20)
def many_coupons(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """A preview and a create of 500 lines x 12,000 zero coupons."""
    del document, bounds
    many_lines = [{"order_line_item_id": f"L{n}", "quantity": 1, "unit_price": "1.00"} for n in range(500)]
    watch = counter()
    return [
        Case(
            "work",
            "preview of 500 lines x 12,000 zero coupons",
            *PREVIEW,
            body={"line_items": many_lines, "coupons": [{"discount": 0}] * 12_000},
            expect=Expect(EITHER),
            quick=True,
        ),
        Case(
            "work",
            "create of 500 lines x 12,000 zero coupons",
            *CREATE,
            body={**order_body(watch), "line_items": many_lines, "coupons": [{"discount": 0}] * 12_000},
            expect=Expect(EITHER, unchanged=watched(watch)),
        ),
    ]
