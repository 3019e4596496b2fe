"""The fulfilment routes' own boundary cases and base bodies: the fulfil, the cancel and a
fulfillment's PATCH (a pickup), the fulfillment list (void, close, the fulfillment reads and the
will-call check get their cases from the document-driven families and the reads). A fulfil's
metadata with control characters, then the list; the same line twice in a fulfil's, a cancel's and
a pickup's items, the same id twice in the list's `ids`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.fuzz.boundaries.cases import (
    CONTROL,
    EITHER,
    TENANT,
    Bounds,
    Case,
    Counter,
    Expect,
    Read,
    fulfillment_path,
    order_path,
    ref,
)
from harness.fuzz.boundaries.routes import (
    BASE_BODIES,
    CANCEL,
    FULFIL,
    FULFILLMENTS,
    PICKUP,
    default_params,
)
from harness.fuzz.boundaries.table import cases_of

BASE_BODIES[FULFIL] = {"items": [{"order_line_item_id": "L1", "quantity": 1}], "tracking_number": "EDGE-1"}
BASE_BODIES[CANCEL] = {"items": [{"order_line_item_id": "L2", "quantity": 1}], "reason": "edge"}
BASE_BODIES[PICKUP] = {"tracking_url": "https://track.example/edge"}


@cases_of("strings", 80)
def control_metadata(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """A fulfil whose metadata holds control characters, then the fulfillment list."""
    del document, bounds, counter
    cases: list[Case] = []
    cases.append(
        Case(
            "strings",
            "fulfil metadata with control characters",
            *FULFIL,
            params=default_params(FULFIL[1], "scratch"),
            body={"items": [{"order_line_item_id": "L1", "quantity": 1}], "metadata": {"edge": CONTROL}},
            expect=Expect(EITHER, then=(Read(f"/orders/{TENANT}/fulfillments?limit=100"),)),
        )
    )
    return cases


@cases_of("duplicate_ids", 30)
def duplicate_items(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """The same line twice in a fulfil's and a cancel's items: 422 naming it, the order unchanged."""
    del document, bounds, counter
    twice = [{"order_line_item_id": "L1", "quantity": 1}] * 2
    unprocessable = frozenset({422})
    return [
        Case(
            "duplicate_ids",
            "fulfil items [L1, L1]",
            *FULFIL,
            params=default_params(FULFIL[1], "open"),
            body={"items": twice},
            expect=Expect(unprocessable, names="L1", unchanged=order_path("open")),
        ),
        Case(
            "duplicate_ids",
            "cancel items [L1, L1]",
            *CANCEL,
            params=default_params(CANCEL[1], "open"),
            body={"items": twice},
            expect=Expect(unprocessable, names="L1", unchanged=order_path("open")),
        ),
    ]


@cases_of("duplicate_ids", 60)
def duplicate_fulfillment_ids(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """The same line twice in a pickup's items, the same fulfillment twice in the list's `ids`: 422
    naming it, the fulfillment unchanged."""
    del document, bounds, counter
    unprocessable = frozenset({422})
    return [
        Case(
            "duplicate_ids",
            "pickup items [L1, L1]",
            *PICKUP,
            params={"tenantId": TENANT, "fulfillmentId": ref("fulfillment")},
            body={"items": [{"order_line_item_id": "L1", "picked_up": True}] * 2},
            expect=Expect(unprocessable, names="L1", unchanged=fulfillment_path("fulfillment")),
        ),
        Case(
            "duplicate_ids",
            "fulfillment list ids=F,F",
            "GET",
            FULFILLMENTS,
            params={"tenantId": TENANT},
            query=(("ids", f"{ref('fulfillment')},{ref('fulfillment')}"),),
            expect=Expect(unprocessable, names=ref("fulfillment")),
        ),
    ]
