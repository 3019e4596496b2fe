"""The case table: each family of `FAMILIES` is the cases its makers register with `cases_of(family,
rank)`, made in rank order with one `Counter` of the family's own (its unique contacts, order
numbers and Idempotency-Keys). The document-driven makers (numbers.py, dates.py, strings.py,
sizes.py, reads.py) reach every operation of the document; each route module (orders.py,
changes.py, search.py, fulfilment.py, refunds.py, dialects.py) adds its routes' own cases. The ranks
keep the order the cases had in one file (the order matters where cases share a fixture or a
counter); a new maker takes a free rank where its cases belong."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from harness.fuzz.boundaries.cases import FAMILIES, Bounds, Case, Counter
from harness.fuzz.boundaries.schema import operations

#: What makes cases of a family: (the document, the service's bounds, the family's counter).
Maker = Callable[[Mapping[str, Any], Bounds, Counter], list[Case]]
#: family -> its makers, as (rank, maker).
CASES: dict[str, list[tuple[int, Maker]]] = {name: [] for name in FAMILIES}
#: The prefix of each family's `Counter`.
COUNTERS = {
    "dates": "edge-date",
    "numbers": "edge-num",
    "money_strings": "edge-money",
    "strings": "edge-str",
    "duplicate_ids": "edge-dup",
    "sizes": "edge-size",
    "work": "edge-work",
    "keyed_batch": "edge-keyed",
    "reads": "edge-read",
}


def cases_of(family: str, rank: int) -> Callable[[Maker], Maker]:
    """Registers a maker of `family`'s cases at `rank` (unique in the family): a decorator."""

    def register(maker: Maker) -> Maker:
        assert family in CASES, family
        assert rank not in {taken for taken, _ in CASES[family]}, (family, rank)
        CASES[family].append((rank, maker))
        return maker

    return register


def family_cases(name: str, document: Mapping[str, Any], bounds: Bounds) -> list[Case]:
    """The family's cases: its makers' in rank order, sharing one counter (pure)."""
    counter = Counter(COUNTERS[name])
    found: list[Case] = []
    for _, maker in sorted(CASES[name], key=lambda entry: entry[0]):
        found += maker(document, bounds, counter)
    return found


GENERATORS: dict[str, Callable[[Mapping[str, Any], Bounds], list[Case]]] = {
    name: functools.partial(family_cases, name) for name in FAMILIES
}


def generate(
    document: Mapping[str, Any],
    bounds: Bounds | None = None,
    *,
    quick: bool = False,
    families: Sequence[str] | None = None,
) -> list[Case]:
    """Every family's cases in `FAMILIES` order (`reads` last), or the QUICK subset (pure)."""
    bounds = bounds or Bounds()
    found: list[Case] = []
    for name in families or FAMILIES:
        made = GENERATORS[name](document, bounds)
        found += [c for c in made if c.quick] if quick else made
    return found


def uncovered(document: Mapping[str, Any], cases: Sequence[Case]) -> list[tuple[str, str]]:
    """The document's operations no case sends to (pure)."""
    covered = {(c.method, c.route) for c in cases}
    return [op for op in operations(document) if op not in covered]
