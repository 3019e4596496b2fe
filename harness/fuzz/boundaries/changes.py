"""The changes routes' own boundary cases and base bodies: the PATCH (JSON Patch), the PUT of an
order and the batch (the DELETE gets its cases from the document-driven families). `€` x 140,000
in a PATCH and a PUT; a coupon naming a line twice, patched in; a JSON Patch of the longest length
and one past; `add /payload` then 12 x `copy` of it into itself; the largest batches; a keyed batch
whose later operation is bad, sent three times (`keyed_batch`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.fuzz.boundaries.cases import (
    DIGITS_4400,
    DUPLICATE_COUPON,
    EITHER,
    EURO,
    LINES,
    REFUSED,
    Bounds,
    Case,
    Counter,
    Expect,
    Lit,
    Raw,
    Read,
    json_bytes,
    order_body,
    order_path,
    ref,
)
from harness.fuzz.boundaries.routes import (
    BASE_BODIES,
    BATCH,
    ONE_ORDER,
    PATCH,
    PUT,
    body_case,
    default_params,
)
from harness.fuzz.boundaries.schema import Path_, dotted, request_body
from harness.fuzz.boundaries.table import cases_of

BASE_BODIES[BATCH] = {"operations": [{"operation": "create", "object": order_body()}]}
BASE_BODIES[PATCH] = [{"op": "replace", "path": "/memo", "value": "edge"}]


@cases_of("strings", 20)
def multibyte_changes(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """`€` x 140,000 in the memo of an order's PATCH and PUT."""
    del bounds
    big = EURO * 140_000
    cases: list[Case] = []
    for method, route in (PATCH, PUT):
        path: Path_ = ("memo",)
        cases.append(
            body_case(
                "strings",
                f"{dotted(path)} = € x 140,000",
                document,
                method,
                route,
                path,
                big,
                REFUSED,
                counter,
            )
        )
    return cases


@cases_of("duplicate_ids", 20)
def duplicate_coupon_lines(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """A coupon naming a line twice, patched in: refused naming it, the order unchanged."""
    del document, bounds, counter
    coupon = DUPLICATE_COUPON
    return [
        Case(
            "duplicate_ids",
            "coupon order_line_item_ids [L1, L1], patched in",
            *PATCH,
            params=default_params(ONE_ORDER, "open"),
            body=[{"op": "add", "path": "/coupons/-", "value": coupon}],
            expect=Expect(REFUSED, names="L1", unchanged=order_path("open")),
        ),
    ]


@cases_of("sizes", 40)
def patch_length(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """A JSON Patch of the longest length documented (the service's choice) and one past (refused)."""
    del bounds, counter
    cases: list[Case] = []
    limit = patch_operations_limit(document)
    for count, expected in ((limit, EITHER), (limit + 1, REFUSED)):
        cases.append(
            Case(
                "sizes",
                f"JSON Patch of {count} operations",
                *PATCH,
                params=default_params(ONE_ORDER, "open"),
                body=[{"op": "test", "path": "/currency_code", "value": "USD"}] * count,
                expect=Expect(expected, unchanged=order_path("open")),
            )
        )
    return cases


def patch_operations_limit(document: Mapping[str, Any]) -> int:
    """The documented maxItems of the order's JSON Patch (100 if it has none) (pure)."""
    found = request_body(document, *PATCH)
    return int(found[1].get("maxItems", 100)) if found else 100


@cases_of("work", 10)
def self_copies(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """JSON Patch `add /payload` (1,000 items), then 12 x `copy` of it into itself: refused."""
    del document, bounds, counter
    copies = [{"op": "add", "path": "/payload", "value": {"items": list(range(1000))}}]
    copies += [{"op": "copy", "from": "/payload", "path": f"/payload/copy{n}"} for n in range(12)]
    return [
        Case(
            "work",
            "add /payload (1,000 items), then 12 x copy of it into itself",
            *PATCH,
            params=default_params(ONE_ORDER, "open"),
            body=copies,
            expect=Expect(REFUSED, unchanged=order_path("open")),
            quick=True,
        ),
    ]


@cases_of("work", 30)
def largest_batches(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """A batch of 100 creates of 500 lines each at the amount bounds; 100 patches of 100 operations."""
    del document, counter
    edge_line = {"quantity": 1_000_000, "unit_price": Lit("999999999999.99"), "taxes": Lit("999999999999.99")}
    near: list[dict[str, Any]] = [{**edge_line, "order_line_item_id": f"L{n}"} for n in range(500)]
    creates = [{"operation": "create", "object": {"line_items": near}} for _ in range(100)]
    patches = [
        {
            "operation": "patch",
            "id": ref("scratch"),
            "patch_directives": [{"op": "test", "path": "/currency_code", "value": "USD"}] * 100,
        }
        for _ in range(100)
    ]
    batch_body = json_bytes({"operations": creates})
    assert len(batch_body) <= bounds.max_body_bytes, len(batch_body)
    return [
        Case(
            "work",
            f"batch of 100 creates of 500 lines at the amount bounds ({len(batch_body):,} bytes)",
            *BATCH,
            body=Raw(batch_body),
            expect=Expect(EITHER),
        ),
        Case(
            "work",
            "batch of 100 patches of 100 operations",
            *BATCH,
            body={"operations": patches},
            expect=Expect(EITHER, then=(Read(order_path("scratch")),)),
        ),
    ]


# ---------------------------------------------------------------------------- keyed batch
#: Later operations of a keyed batch that are bad at an edge: their names -> the create's object.
BAD_LATER: tuple[tuple[str, dict[str, Any]], ...] = (
    ("exchange_rate 1e30", {"line_items": LINES[:1], "exchange_rate": Lit("1e30")}),
    (
        "weight 9.9e125 x quantity 2",
        {"line_items": [{"quantity": 2, "unit_price": "1.00", "weight": Lit("9.9e125")}]},
    ),
    (
        "date 9999-12-31T23:59:59-12:00",
        {"line_items": LINES[:1], "date": "9999-12-31T23:59:59-12:00", "override_order_date": True},
    ),
    ("unit_price 4,400 digits", {"line_items": [{"quantity": 1, "unit_price": Lit(DIGITS_4400)}]}),
    ("memo € x 140,000", {"line_items": LINES[:1], "memo": EURO * 140_000}),
)


@cases_of("keyed_batch", 10)
def keyed_batch(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """A keyed batch whose later operation is bad, after a patch that adds a recipient, sent three
    times: the recipient is there once (if the batch was accepted; never if refused), the repeats
    replay the first answer."""
    del document, bounds, counter
    cases = []
    for n, (label, bad) in enumerate(BAD_LATER):
        recipient = f"edge-once-{n}@example.com"
        body = {
            "operations": [
                {
                    "operation": "patch",
                    "id": ref("keyed"),
                    "patch_directives": [
                        {
                            "op": "add",
                            "path": "/additional_email_confirmation_recipients/-",
                            "value": recipient,
                        }
                    ],
                },
                {"operation": "create", "object": bad},
            ]
        }
        cases.append(
            Case(
                "keyed_batch",
                f"patch, then a create with {label}, sent three times",
                *BATCH,
                headers={"Idempotency-Key": f"edge-keyed-batch-{n}"},
                body=body,
                expect=Expect(EITHER, sends=3, applied_once=(order_path("keyed"), recipient)),
                quick=n == 0,
            )
        )
    return cases
