"""The judges of the fulfil and cancel routes: what a change did to an order's lines
(`effect_problems`), an order against its fulfillment records (`fulfillment_problems`, which the
invariant checker applies to every order), a fulfil's own record (`fulfil_record_problems`) and a
fulfil-vs-cancel storm (`storm_problems`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.reliability.core import Problem

#: Line id -> (units shipped, units cancelled): what a change does to an order's lines.
Delta = dict[str, tuple[int, int]]


def line_counts(doc: Mapping[str, Any]) -> dict[str, tuple[int, int, int]]:
    """Line id -> (quantity, quantity_shipped, quantity_cancelled) of an order (its JSON or model dump)."""
    return {
        str(li["order_line_item_id"]): (
            int(li["quantity"]),
            int(li.get("quantity_shipped") or 0),
            int(li.get("quantity_cancelled") or 0),
        )
        for li in doc.get("line_items") or []
    }


def open_units(doc: Mapping[str, Any]) -> Delta:
    """Every unit still open, as a delta: what a whole fulfil ships, as (n, 0); swap for a whole cancel."""
    counts = line_counts(doc)
    return {
        line: (q - shipped - cancelled, 0)
        for line, (q, shipped, cancelled) in counts.items()
        if q > shipped + cancelled
    }


def record_version(record: Mapping[str, Any]) -> int:
    """The order version whose write made a fulfillment record (its id is `<order id>.<n>`)."""
    version = str(record["id"]).rpartition(".")[2]
    return int(version) if version.isdigit() else 0


def fulfillment_problems(order: Mapping[str, Any], records: Sequence[Mapping[str, Any]]) -> list[str]:
    """Half writes between an order and its fulfillment records (a fulfil writes both in one
    transaction): per line the records' `quantity` must sum to `quantity_shipped` and their
    `cancel_quantity` stay within `quantity_cancelled` (a cancel adds to it without a record); each
    record is this order's, names lines it has, and was written at a version the order has reached."""
    problems: list[str] = []
    counts = line_counts(order)
    version = int(order["sys_version"])
    shipped: Counter[str] = Counter()
    cancelled: Counter[str] = Counter()
    for record in records:
        rid = str(record["id"])
        if record.get("order_id") != order["id"] or not rid.startswith(f"{order['id']}."):
            problems.append(f"fulfillment {rid} is filed under order {order['id']}")
        if record_version(record) > version:
            problems.append(
                f"fulfillment {rid} was written at version {record_version(record)}, the order is at "
                f"{version}"
            )
        if not record_version(record) <= int(record.get("sys_version", record_version(record))) <= version:
            problems.append(
                f"fulfillment {rid} is at version {record.get('sys_version')}, its order at {version}"
            )
        for item in record.get("items") or []:
            line = str(item["order_line_item_id"])
            if line not in counts:
                problems.append(f"fulfillment {rid} names line {line}, which the order does not have")
            shipped[line] += int(item.get("quantity") or 0)
            cancelled[line] += int(item.get("cancel_quantity") or 0)
    for line, (_, line_shipped, line_cancelled) in counts.items():
        if shipped[line] != line_shipped:
            problems.append(f"line {line}: {line_shipped} shipped, its fulfillments ship {shipped[line]}")
        if cancelled[line] > line_cancelled:
            problems.append(
                f"line {line}: {line_cancelled} cancelled, its fulfillments cancel {cancelled[line]}"
            )
    return problems


def effect_problems(
    before: Mapping[str, Any], after: Mapping[str, Any], delta: Delta, *, writes: int = 1
) -> list[Problem]:
    """Whether a change did exactly `delta` to the order's lines, in `writes` writes: more units (or
    more writes) is a double effect, fewer a lost update."""
    problems: list[Problem] = []
    was, now = line_counts(before), line_counts(after)
    for line, (_, shipped, cancelled) in now.items():
        _, shipped_before, cancelled_before = was.get(line, (0, 0, 0))
        got = (shipped - shipped_before, cancelled - cancelled_before)
        want = delta.get(line, (0, 0))
        if got != want:
            kind = "double_effects" if got[0] > want[0] or got[1] > want[1] else "lost_updates"
            problems.append(
                (
                    kind,
                    f"line {line}: {got[0]} units shipped and {got[1]} cancelled, expected {want[0]} "
                    f"and {want[1]}",
                )
            )
    gained = int(after["sys_version"]) - int(before["sys_version"])
    if not problems and gained != writes:
        kind = "double_effects" if gained > writes else "lost_updates"
        problems.append((kind, f"{gained} writes of the order, expected {writes}"))
    return problems


def fulfil_record_problems(
    records: Sequence[Mapping[str, Any]], label: str | None, delta: Delta, answered_id: str | None
) -> list[Problem]:
    """The fulfil marked `label` (its `tracking_number`; None: a fulfil that sends none, such as the
    theatre dialect's, on an order that had no other record) made exactly one record, which holds what
    it did (`delta`: line -> (quantity, cancel_quantity)); `answered_id`: the record a 200 named."""
    mine = [r for r in records if r.get("tracking_number") == label]
    named = label if label is not None else "the fulfil without a tracking number"
    if not mine:
        return [("lost_updates", f"no fulfillment record of {named}")]
    if len(mine) > 1:
        return [("double_effects", f"{len(mine)} fulfillment records of {named}: {[r['id'] for r in mine]}")]
    problems: list[Problem] = []
    held = {
        str(i["order_line_item_id"]): (int(i.get("quantity") or 0), int(i.get("cancel_quantity") or 0))
        for i in mine[0].get("items") or []
    }
    if held != delta:
        problems.append(
            ("partial_writes", f"fulfillment {mine[0]['id']} holds {held}, the fulfil did {delta}")
        )
    if answered_id is not None and answered_id != mine[0]["id"]:
        problems.append(
            ("partial_writes", f"answered fulfillment {answered_id}, the record is {mine[0]['id']}")
        )
    return problems


@dataclass(frozen=True)
class Outcome:
    """One call of a fulfil-vs-cancel storm, as its client saw it in the end."""

    #: "fulfil" or "cancel", of one unit of `line`.
    kind: str
    line: str
    status: int
    #: A fulfil's `tracking_number` (it marks the call's record).
    label: str = ""
    #: The fulfillment a 200 fulfil named (`Location`).
    fulfillment_id: str | None = None


#: The answers that refuse one unit of a storm: nothing open (422), the order's state (409).
STORM_REFUSALS = (409, 422)


def storm_problems(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    outcomes: Sequence[Outcome],
    records: Sequence[Mapping[str, Any]],
) -> list[Problem]:
    """A fulfil-vs-cancel storm on one order: each line's units shipped (cancelled) are its 200
    fulfils (cancels), no unit both shipped and cancelled, no unit refused while one was left open,
    one write per 200, one record per 200 fulfil (the one it named) and none of any other call, and
    the records agree with the counters (`fulfillment_problems`)."""
    problems: list[Problem] = []
    accepted = Counter((o.kind, o.line) for o in outcomes if o.status == 200)
    was = line_counts(before)
    for line, (quantity, shipped, cancelled) in line_counts(after).items():
        _, shipped_before, cancelled_before = was.get(line, (0, 0, 0))
        for kind, gained in (("fulfil", shipped - shipped_before), ("cancel", cancelled - cancelled_before)):
            told = accepted[(kind, line)]
            if gained != told:
                what = "double_effects" if gained > told else "lost_updates"
                problems.append((what, f"line {line}: {gained} units after {told} acknowledged {kind}s"))
        if shipped + cancelled > quantity:
            problems.append(
                ("double_effects", f"line {line}: {shipped} shipped + {cancelled} cancelled > {quantity}")
            )
        refused = [o.status for o in outcomes if o.line == line and o.status in STORM_REFUSALS]
        if refused and quantity > shipped + cancelled:
            problems.append(
                (
                    "lost_updates",
                    f"line {line}: {len(refused)} calls refused ({sorted(set(refused))}) yet "
                    f"{quantity - shipped - cancelled} units are open",
                )
            )
    writes = sum(accepted.values())
    gained = int(after["sys_version"]) - int(before["sys_version"])
    if gained != writes:
        what = "double_effects" if gained > writes else "lost_updates"
        problems.append((what, f"{gained} writes of the order after {writes} acknowledged calls"))
    made = [r for r in records if record_version(r) > int(before["sys_version"])]
    labels = Counter(str(r.get("tracking_number")) for r in made)
    by_id = {str(r["id"]): r for r in made}
    fulfils = [o for o in outcomes if o.kind == "fulfil"]
    for o in fulfils:
        if labels[o.label] > 1:
            problems.append(("double_effects", f"fulfil {o.label}: {labels[o.label]} records"))
        if o.status == 200 and not labels[o.label]:
            problems.append(("partial_writes", f"fulfil {o.label}: answered 200, no fulfillment record"))
        elif o.status == 200 and by_id.get(str(o.fulfillment_id), {}).get("tracking_number") != o.label:
            problems.append(
                (
                    "partial_writes",
                    f"fulfil {o.label}: answered 200 naming {o.fulfillment_id}, not its record",
                )
            )
        elif o.status != 200 and labels[o.label]:
            problems.append(
                ("partial_writes", f"fulfil {o.label}: answered {o.status}, yet its record was written")
            )
    for label in sorted(set(labels) - {o.label for o in fulfils}):
        problems.append(("partial_writes", f"a fulfillment record no call made: {label}"))
    problems += [("partial_writes", f"half write: {what}") for what in fulfillment_problems(after, records)]
    return problems
