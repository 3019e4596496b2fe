"""schemathesis against `/openapi.json` (4.32): every operation, authenticated as tenant A on A's
paths, with its checks (`CHECKS`), stateful links, and A's own values drawn part of the time
(`schemathesis_config`); `failure_report` is what a failed run prints of its output, and
`unreached_operations` the operations whose every valid request was answered 404.

schemathesis is given `--url <base>`: the document's first server is a deployment's
(`https://{restApiId}.execute-api.{region}.amazonaws.com/{stage}`), and without `--url` schemathesis
sends every request under its path, `/v1/...`, which the local gateway answers 404 (but for the
theatre routes that live under `/v1/`): the run "tested" every operation and reached almost none."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from harness.fuzz.core import DRAWN, FOCUSED, FOCUSED_DRAWN, FOREIGN_VALUES, Tenant, lookup_id_paths
from harness.fuzz.fulfilment import FULFILLMENT_BINDINGS, fulfillment_dictionaries
from harness.fuzz.orders import PAGE_TOKEN

CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance,negative_data_rejection"
)
#: schemathesis failure codes that are server errors (the rest of its failures are schema violations).
SERVER_ERROR_CODES = {"ST101"}


def schemathesis(
    base: str, a: Tenant, document: dict[str, Any], max_examples: int, workdir: Path, *, quick: bool
) -> dict[str, Any]:
    key = a.key
    config = workdir / "schemathesis.toml"
    paths = list(document["paths"])
    config.write_text(schemathesis_config(a, lookup_id_paths(paths), paths), encoding="utf-8")
    report = workdir / "schemathesis-report.json"
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file", str(config),
        "run", f"{base}/openapi.json",
        # the gateway's own routes, not the document's first server's path (the module's docstring)
        "--url", base,
        "-H", f"Authorization: {key}",
        "--checks", CHECKS,
        "--max-examples", str(max_examples),
        # One worker: CPython 3.11's ast module is not thread-safe under hypothesis' lambda parsing.
        "--workers", "1",
        "--seed", "20261124",
        "--no-color",
        "--report", "json", "--report-json-path", str(report),
        # The coverage phase (boundary and negative values of every keyword) takes minutes: full runs only.
        "--phases", "examples,fuzzing,stateful" if quick else "examples,coverage,fuzzing,stateful",
    ]  # fmt: skip
    out = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=1800, check=False)
    (workdir / "schemathesis.log").write_text(out.stdout + out.stderr, encoding="utf-8")
    if not report.is_file():
        raise SystemExit(f"schemathesis wrote no report:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    loaded: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    loaded["log"] = out.stdout
    return loaded


def schemathesis_config(
    a: Tenant, lookup_paths: list[str] | None = None, paths: list[str] | None = None
) -> str:
    """A's tenant on every path; part of the time (`DRAWN`) A's order ids, history page tokens,
    moments of its history and list page tokens, so requests reach real orders, real history and
    later pages; and the shared values for the lookups' path parameters (`FOREIGN_VALUES`; `id` on
    `lookup_paths`, where it is not an order id), so lookups reach real rows. Where A has
    fulfillments: their ids for `fulfillmentId`, the list's cursors and `ids` (one, or all joined),
    the order fulfilled for `order_id`, their tracking numbers and the shared sku and carrier
    (`SHARED_QUERIES`), so the fulfillment routes reach real fulfillments and pages. The operations of
    `FOCUSED` (those of `paths`, the document's) draw their values together, each
    `FOCUSED_DRAWN` of the time: A's ticket order (`ticket_ids`) with a line or payment number, an
    order of the shared party (`party_order_ids`) with the party or the coupon code, A's orders in a
    body's `order_id` (pure)."""
    dictionaries: dict[str, list[Any]] = {
        "order_ids": [*a.order_ids, *(f"token-{t}" for t in a.tokens)],
        "ticket_ids": refs_of(a, a.ticket_ids),
        "party_order_ids": refs_of(a, a.party_order_ids),
        "history_tokens": a.history_tokens,
        "moments": a.moments,
        "page_tokens": a.page_tokens,
        # (a number as a number: the theatre's line and payment numbers are integer parameters)
        **{
            f"shared_{name}": [int(value) if value.isdigit() else value]
            for name, value in FOREIGN_VALUES.items()
        },
        **fulfillment_dictionaries(a),
    }
    # A schema-violating request may also be refused by the gateway for its size (API.md: 413, and
    # the request line's and headers' limits, 414 and 431), as API Gateway refuses it.
    from schemathesis.config._checks import NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES  # pinned 4.32

    rejections = [*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, "413", "414", "431"]
    lines = ["[checks.negative_data_rejection]", f"expected-statuses = {json.dumps(rejections)}", ""]
    for name, values in dictionaries.items():
        if values:
            lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}", ""]
    lines += ["[parameters]", f'tenantId = "{a.tenant_id}"']
    bindings = [
        ("path.id", "order_ids"),
        ("query.after", "history_tokens"),
        ("query.asOf", "moments"),
        (f"query.{PAGE_TOKEN}", "page_tokens"),
        *((f"path.{name}", f"shared_{name}") for name in FOREIGN_VALUES if name != "id"),
        *FULFILLMENT_BINDINGS,
    ]
    for parameter, name in bindings:
        if dictionaries.get(name):
            lines.append(f'"{parameter}" = {{ dictionary = "{name}", probability = {DRAWN} }}')
    if lookup_paths:
        lines += [
            "",
            "[[operations]]",
            f"include-path = {json.dumps(sorted(lookup_paths))}",
            f'parameters = {{ "path.id" = {{ dictionary = "shared_id", probability = {DRAWN} }} }}',
        ]
    lines += focused_blocks(dictionaries, paths)
    return "\n".join(lines) + "\n"


def refs_of(tenant: Tenant, order_ids: list[str]) -> list[str]:
    """These orders of the tenant by id and by `token-<token>` (pure)."""
    tokens = [tenant.tokens[tenant.order_ids.index(o)] for o in order_ids if o in tenant.order_ids]
    return [*order_ids, *(f"token-{t}" for t in tokens if t)]


def focused_blocks(dictionaries: dict[str, list[Any]], paths: list[str] | None) -> list[str]:
    """`[[operations]]` blocks of the `FOCUSED` operations of `paths` (the document's; none without
    it), one per set of bindings, each binding only to a dictionary with values (pure)."""
    grouped: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for path, bindings in FOCUSED.items():
        usable = tuple(sorted((p, d) for p, d in bindings.items() if dictionaries.get(d)))
        if usable and paths is not None and path in paths:
            grouped.setdefault(usable, []).append(path)
    lines: list[str] = []
    for pairs, included in grouped.items():
        drawn = ", ".join(
            f'"{p}" = {{ dictionary = "{d}", probability = {FOCUSED_DRAWN} }}' for p, d in pairs
        )
        lines += [
            "",
            "[[operations]]",
            f"include-path = {json.dumps(sorted(included))}",
            f"parameters = {{ {drawn} }}",
        ]
    return lines


def unreached_operations(report: dict[str, Any]) -> list[str]:
    """The operations schemathesis never reached (pure): each of its valid requests answered 404
    (`valid_rates`: none accepted, in conflict or refused on its data). A run sent under a path the
    gateway does not serve (the document's `/v1`, before `--url`) reaches next to none; an operation
    that sent no valid request is not counted."""
    unreached = []
    for operation, phases in sorted((report.get("valid_rates") or {}).items()):
        counts = [rate for rate in phases.values() if isinstance(rate, dict)]
        reached = sum(rate.get(k, 0) for rate in counts for k in ("accepted", "conflicts", "rejected"))
        if not reached and sum(rate.get("unreachable", 0) for rate in counts):
            unreached.append(operation)
    return unreached


#: schemathesis' own list for `negative_data_rejection` (4.32); harness.fuzz adds the size refusals.
NEGATIVE_DATA_REJECTION_STATUSES = (
    "400",
    "401",
    "403",
    "404",
    "405",
    "406",
    "409",
    "415",
    "422",
    "428",
    "429",
    "5xx",
)


#: How much of schemathesis' FAILURES section a failed run prints.
FAILURE_REPORT_CHARS = 20_000


def failure_report(log: str) -> str:
    """What a failed run prints of schemathesis' output: its FAILURES section (each failing request
    and answer, as curl), at most `FAILURE_REPORT_CHARS` of it, then its summary; the log's last
    2,500 characters when it has no such section (pure)."""
    start = log.find("= FAILURES =")
    if start < 0:
        return log[-2500:]
    start = log.rfind("\n", 0, start) + 1
    end = min(
        (i for i in (log.find("= WARNINGS =", start), log.find("= SUMMARY =", start)) if i >= 0), default=-1
    )
    end = len(log) if end < 0 else log.rfind("\n", 0, end) + 1
    failures = log[start:end]
    if len(failures) > FAILURE_REPORT_CHARS:
        failures = failures[:FAILURE_REPORT_CHARS] + "\n[... the FAILURES section goes on ...]\n"
    summary = log.find("= SUMMARY =", end)
    return failures + (log[log.rfind("\n", 0, summary) + 1 :] if summary >= 0 else "")
