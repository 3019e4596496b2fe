"""The refunds routes' own boundary cases and base bodies: a refund and a refund reason's PUT (the
reasons' list gets its cases from the document-driven families and the reads). A reason's
description in `€` x 200 and with control characters, then listed (both APIs); the same line number
twice in a refund."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.fuzz.boundaries.cases import (
    CONTROL,
    EITHER,
    EURO,
    REASON,
    TENANT,
    Bounds,
    Case,
    Counter,
    Expect,
    Read,
    order_path,
)
from harness.fuzz.boundaries.routes import BASE_BODIES, REASON_PUT, REFUND, default_params
from harness.fuzz.boundaries.table import cases_of

BASE_BODIES[REFUND] = {"refund_reason_name": REASON, "line_numbers": [1]}
BASE_BODIES[REASON_PUT] = {"description": "edge"}


@cases_of("strings", 90)
def reason_descriptions(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """A refund reason described in `€` x 200 and with control characters, then the reasons listed."""
    del document, bounds, counter
    cases: list[Case] = []
    reasons = (Read("/v1/refund-reasons"), Read(f"/orders/{TENANT}/refund-reasons"))
    for label, description in (("€ x 200", EURO * 200), ("control characters", CONTROL)):
        cases.append(
            Case(
                "strings",
                f"refund reason description {label}, then listed",
                *REASON_PUT,
                params={**default_params(REASON_PUT[1]), "name": f"Edge{label[:3].strip()}".replace(" ", "")},
                body={"description": description},
                expect=Expect(EITHER, then=reasons),
                quick=label == "control characters",
            )
        )
    return cases


@cases_of("duplicate_ids", 40)
def duplicate_line_numbers(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """The same line number twice in a refund: 422 naming it, the order unchanged."""
    del document, bounds, counter
    unprocessable = frozenset({422})
    return [
        Case(
            "duplicate_ids",
            "refund line_numbers [1, 1]",
            *REFUND,
            params=default_params(REFUND[1], "fulfilled_order"),
            body={"refund_reason_name": REASON, "line_numbers": [1, 1]},
            expect=Expect(unprocessable, names="1", unchanged=order_path("fulfilled_order")),
        ),
    ]
