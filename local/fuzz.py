"""`make fuzz`: whether an attacker's tools can break the API. Writes security-results.json.

Starts the whole API as `make serve` runs it (the local gateway from template.yaml, the authorizer,
every function, DynamoDB Local in its own process) with two tenants, creates orders for both, then:

- **schemathesis** against `/openapi.json`: every operation, authenticated as tenant A on A's paths,
  checks `not_a_server_error`, `status_code_conformance`, `content_type_conformance`,
  `response_schema_conformance` and `negative_data_rejection`, stateful links where the document
  infers them; bounded by `--max-examples` per operation.
- a **tenant sweep** generated from the same document: every operation with no key (401), with B's
  key on A's path (403), and with A's key on A's path but B's order ids and tokens (404) — and no
  answer may carry a byte of B's data (B's order ids, tokens and a marker in B's orders).

`{"requests", "routes_fuzzed", "server_errors", "schema_violations", "cross_tenant_leaks"}`; any of the
last three above zero fails the command. New routes join by being in the OpenAPI document; a route
whose ids are not order ids adds its id parameter to `FOREIGN_VALUES`.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = "security-results.json"
TENANT_A, TENANT_B = "tenant-a", "tenant-b"
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance,negative_data_rejection"
)
#: schemathesis failure codes that are server errors (the rest of its failures are schema violations).
SERVER_ERROR_CODES = {"ST101"}
ORDER = {"line_items": [{"description": "Ticket", "quantity": 1, "unit_price": "10.00"}]}


@dataclass
class Tenant:
    tenant_id: str
    key: str
    order_ids: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    marker: str = field(default_factory=lambda: f"marker-{uuid.uuid4().hex}")

    def secrets(self) -> list[str]:
        """Values that only this tenant's data contains."""
        return [*self.order_ids, *self.tokens, self.marker]


@dataclass
class Sweep:
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)


def call(base: str, method: str, path: str, key: str | None, body: Any = None) -> tuple[int, str]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else {}
    if key is not None:
        headers["Authorization"] = key
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def seed(base: str, tenant: Tenant, orders: int = 2) -> None:
    for _ in range(orders):
        status, text = call(
            base, "POST", f"/orders/{tenant.tenant_id}", tenant.key, {**ORDER, "memo": tenant.marker}
        )
        if status != 201:
            raise SystemExit(f"cannot seed an order of {tenant.tenant_id}: {status} {text[:300]}")
        created = json.loads(text)
        tenant.order_ids.append(created["id"])
        tenant.tokens.append(created["token"])


def fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: values.get(m.group(1), "x"), path)


def tenant_sweep(base: str, document: dict[str, Any], a: Tenant, b: Tenant) -> Sweep:
    sweep = Sweep()

    def probe(label: str, method: str, path: str, key: str | None, expected: set[int], body: Any) -> None:
        status, text = call(base, method, path, key, body)
        sweep.requests += 1
        where = f"{label}: {method} {path} -> {status}"
        if status >= 500:
            sweep.server_errors.append(where)
        # What the request itself carried may be echoed ("Order <id> was not found."): not a leak.
        sent = path + json.dumps(body)
        if any(secret in text for secret in b.secrets() if secret not in sent):
            sweep.leaks.append(where)
        elif status not in expected:
            (sweep.leaks if 200 <= status < 300 else sweep.unexpected).append(where)

    for template_path, operations in document["paths"].items():
        for method in operations:
            verb = method.upper()
            body = ORDER if verb in ("POST", "PUT", "PATCH") else None
            own = fill(template_path, {"tenantId": a.tenant_id, "id": a.order_ids[0]})
            probe("no key", verb, own, None, {401}, body)
            probe("other tenant's key", verb, own, b.key, {403}, body)
            if "{id}" in template_path:
                for foreign in (b.order_ids[0], f"token-{b.tokens[0]}"):
                    path = fill(template_path, {"tenantId": a.tenant_id, "id": foreign})
                    probe("other tenant's id", verb, path, a.key, {404}, body)
            else:
                # No id to swap: the answer to A's own request must still hold nothing of B's.
                probe("own route", verb, own, a.key, set(range(200, 500)), body)
    return sweep


def schemathesis(base: str, key: str, max_examples: int, workdir: Path, *, quick: bool) -> dict[str, Any]:
    config = workdir / "schemathesis.toml"
    config.write_text(f'[parameters]\ntenantId = "{TENANT_A}"\n', encoding="utf-8")
    report = workdir / "schemathesis-report.json"
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file", str(config),
        "run", f"{base}/openapi.json",
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


def run(max_examples: int, *, quick: bool = False) -> tuple[dict[str, int], dict[str, Any]]:
    from local.harness import running_api

    a = Tenant(TENANT_A, f"fuzz-a-{uuid.uuid4().hex}")
    b = Tenant(TENANT_B, f"fuzz-b-{uuid.uuid4().hex}")
    keys = {a.key: a.tenant_id, b.key: b.tenant_id}
    with running_api("fuzz", keys) as api, tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        seed(api.base_url, a)
        seed(api.base_url, b)
        fuzzed = schemathesis(api.base_url, a.key, max_examples, Path(tmp), quick=quick)
        sweep = tenant_sweep(api.base_url, api.gateway.openapi(), a, b)

    failures = fuzzed.get("failures") or []
    st_server_errors = sum(f["count"] for f in failures if f.get("code") in SERVER_ERROR_CODES)
    st_violations = sum(f["count"] for f in failures if f.get("code") not in SERVER_ERROR_CODES)
    results = {
        "requests": int(fuzzed["test_cases"]["generated"]) + sweep.requests,
        "routes_fuzzed": int(fuzzed["operations"]["tested"]),
        "server_errors": st_server_errors + len(sweep.server_errors),
        "schema_violations": st_violations,
        "cross_tenant_leaks": len(sweep.leaks),
    }
    details = {
        "schemathesis_failures": failures,
        "schemathesis_errors": fuzzed.get("errors") or [],
        "sweep_server_errors": sweep.server_errors,
        "sweep_leaks": sweep.leaks,
        "sweep_unexpected_status": sweep.unexpected,
        "schemathesis_summary": fuzzed["log"][-2500:],
    }
    return results, details


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few examples per operation (CI)")
    parser.add_argument("--output", default=RESULTS)
    args = parser.parse_args(argv)
    results, details = run(max_examples=25 if args.quick else 150, quick=args.quick)
    Path(args.output).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    for name, value in results.items():
        print(f"{name:<20}{value:>8}")
    for name in (
        "schemathesis_failures",
        "schemathesis_errors",
        "sweep_server_errors",
        "sweep_leaks",
        "sweep_unexpected_status",
    ):
        if details[name]:
            print(f"\n{name}:")
            for entry in details[name]:
                print(f"  {entry}")
    if results["server_errors"] or results["schema_violations"] or results["cross_tenant_leaks"]:
        print("\n" + details["schemathesis_summary"])
        print(f"\nFAIL: see above; wrote {args.output}")
        return 1
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
