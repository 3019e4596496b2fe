"""The whole `make fuzz` run and its results: the API as `make serve` runs it with two tenants (and
the boundary cases' own), the seed, the tenant sweep, the portal sweep, schemathesis and the boundary
cases, B's data read before and after each; `run` returns the results (security-results.json) and the
details a failed run prints."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path
from typing import Any

from harness.fuzz import boundaries as fuzz_boundaries
from harness.fuzz.catalogue import seed_catalogue
from harness.fuzz.core import TENANT_A, TENANT_B, Tenant
from harness.fuzz.dialects import seed_distribution, seed_ticket
from harness.fuzz.fast_path import differential
from harness.fuzz.fulfilment import seed_fulfillments
from harness.fuzz.notifications import with_notification_body
from harness.fuzz.orders import seed, with_page_tokens
from harness.fuzz.portal import make_portal_key, portal_sweep
from harness.fuzz.schemathesis_run import (
    SERVER_ERROR_CODES,
    failure_report,
    schemathesis,
    unreached_operations,
)
from harness.fuzz.stream import stream_consumer, with_history
from harness.fuzz.sweep import changed, tenant_sweep, tenant_view


def run(max_examples: int, *, quick: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    from harness.common import running_api

    a = Tenant(TENANT_A, f"fuzz-a-{uuid.uuid4().hex}")
    b = Tenant(TENANT_B, f"fuzz-b-{uuid.uuid4().hex}")
    edge_key = f"fuzz-edge-{uuid.uuid4().hex}"  # issue 29: the boundary cases' own tenant
    keys = {a.key: a.tenant_id, b.key: b.tenant_id, edge_key: fuzz_boundaries.TENANT}
    # issue 36: every answer of the fast path checked against the general path's (fast_path.py)
    with (
        differential() as fast_path,
        running_api("fuzz", keys) as api,
        tempfile.TemporaryDirectory(prefix="fuzz-") as tmp,
    ):
        # notify_order's e-mails (issue 32): to an outbox file of this run's (read on its first send),
        # not `make serve`'s
        os.environ["ORDERS_EMAIL_OUTBOX"] = str(Path(tmp) / "outbox.jsonl")
        seed(api.base_url, a)
        seed(api.base_url, b)
        # Before the history: the fulfils' stream records go through the order_stream handler too.
        seed_fulfillments(api.base_url, a)
        seed_fulfillments(api.base_url, b)
        # issue 32: each tenant's paid ticket order (the theatre's products, passes and payments)
        seed_ticket(api.base_url, a)
        seed_ticket(api.base_url, b)
        # B's distribution order, then A's under the same number: A's own new order, or a leak.
        placed = seed_distribution(api.base_url, a, b)
        # Each tenant's catalogue (B's strict: after its distribution order, whose offers it lacks).
        placed += seed_catalogue(api.base_url, a, b)
        with_history(api.base_url, api, [a, b])
        with_page_tokens(api.base_url, [a, b])
        document = api.gateway.openapi()
        with_notification_body(a)
        b_before = tenant_view(api.base_url, b)
        # The sweep first: it sees the seeded orders as they are (schemathesis may patch or delete A's).
        sweep = tenant_sweep(api.base_url, document, a, b)
        sweep.requests += 1  # A's placement under B's order number
        sweep.leaks += placed
        sweep.leaks += changed(b_before, tenant_view(api.base_url, b), "after the sweep")
        # issue 32: the portal sweep, with a portal key of A's shared contact (portal.py)
        portal = portal_sweep(api.base_url, document, a, b, make_portal_key(a))
        sweep.leaks += changed(b_before, tenant_view(api.base_url, b), "after the portal sweep")
        # As under `make serve`, the stream consumer follows every write schemathesis makes: history
        # trails a change by a fraction of a second, as on AWS, and `?asOf=` of a moment whose history
        # is written is answered (a 503 is only right in that short window, not for the whole run).
        with stream_consumer(api):
            fuzzed = schemathesis(api.base_url, a, document, max_examples, Path(tmp), quick=quick)
        sweep.leaks += changed(b_before, tenant_view(api.base_url, b), "after schemathesis")
        # --- issue 29: the boundary cases of every route (harness/fuzz/boundaries/), on their own tenant.
        with stream_consumer(api):
            edges = fuzz_boundaries.run(api.base_url, edge_key, document, quick=quick)
        sweep.leaks += changed(b_before, tenant_view(api.base_url, b), "after the boundary cases")
        # --- end of issue 29's boundary cases
    operations = sum(len(methods) for methods in document["paths"].values())

    failures = fuzzed.get("failures") or []
    st_server_errors = sum(f["count"] for f in failures if f.get("code") in SERVER_ERROR_CODES)
    st_violations = sum(f["count"] for f in failures if f.get("code") not in SERVER_ERROR_CODES)
    results: dict[str, Any] = {
        "requests": int(fuzzed["test_cases"]["generated"])
        + sweep.requests
        + portal.requests
        + edges.requests,
        "routes_fuzzed": int(fuzzed["operations"]["tested"]),
        "server_errors": st_server_errors + len(sweep.server_errors) + edges.server_errors,
        "schema_violations": st_violations,
        "cross_tenant_leaks": len(sweep.leaks),
        # issue 29: the boundary cases (harness/fuzz/boundaries/)
        "boundary_cases": edges.cases,
        "boundary_failures": edges.failures,
        "max_request_seconds": round(edges.max_seconds, 3),
        # issue 32: the portal sweep (harness/fuzz/portal.py); any violation fails the run
        "portal_sweep": portal.results(),
        "portal_violations": len(portal.violations),
        # issue 36: the fast path's answers compared with the general path's; any difference fails
        **fast_path.results(),
    }
    details = {
        "schemathesis_failures": failures,
        "schemathesis_errors": fuzzed.get("errors") or [],
        "sweep_server_errors": sweep.server_errors,
        "sweep_leaks": sweep.leaks,
        "sweep_unexpected_status": sweep.unexpected,
        "untested_operations": (
            [f"schemathesis tested {results['routes_fuzzed']} of the document's {operations} operations"]
            if results["routes_fuzzed"] < operations
            else []
        )
        + [
            f"schemathesis never reached {op}: its every valid request answered 404"
            for op in unreached_operations(fuzzed)
        ],
        "schemathesis_summary": failure_report(fuzzed["log"]),
        "slowest_boundary_request": edges.slowest,
        "fast_path_differences": fast_path.differences,
    }
    return results, details
