"""The search routes' own boundary cases and base body: the search's date ranges at both ends of
the calendar, after the stored dates (the lookups get their cases from the document-driven families
and the reads)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.fuzz.boundaries.cases import DATE_EXTREMES, EITHER, Bounds, Case, Counter, Expect
from harness.fuzz.boundaries.dates import is_date
from harness.fuzz.boundaries.routes import BASE_BODIES, PATH_VALUES, SEARCH, default_params, field_schema
from harness.fuzz.boundaries.schema import walk
from harness.fuzz.boundaries.table import cases_of

# issue 32, the customer portal: the edge tenant's fixture orders are billed to this contact and
# shipped to the organization of the same id (runner.seed)
PATH_VALUES.update({"contactId": "edge-party", "organizationId": "edge-party"})

BASE_BODIES[SEARCH] = {"bill_to_type": "contact"}


@cases_of("dates", 30)
def search_date_ranges(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """The search's date ranges with both ends of the calendar: open below, open above, one instant."""
    del bounds, counter
    cases: list[Case] = []
    search = field_schema(document, *SEARCH)
    if search is not None:
        for path, leaf in walk(document, search):
            if len(path) != 1 or leaf.get("type") != "array" or not is_date(str(path[0]), {}):
                continue
            for label, value in DATE_EXTREMES:
                for low, high in ((None, value), (value, None), (value, value)):
                    cases.append(
                        Case(
                            "dates",
                            f"search {path[0]} [{low and label}, {high and label}]",
                            *SEARCH,
                            params=default_params(SEARCH[1]),
                            body={str(path[0]): [low, high]},
                            expect=Expect(EITHER),
                            quick=(low, value) == (None, "9999-12-31"),
                        )
                    )
    return cases
