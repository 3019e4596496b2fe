"""`python -m harness.fuzz [--quick] [--output FILE]` (`make fuzz [QUICK=1]`): the whole fuzz, its
results written to security-results.json and printed; exits 1 on any server error, schema
violation, cross-tenant leak, portal violation, untested operation, boundary failure, or answer of
the fast path that is not the general path's (or no answer of it to compare: fast_path.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness import fuzz
from harness.fuzz.core import RESULTS
from harness.fuzz.results import run

#: The details printed entry by entry when not empty.
LISTED_DETAILS = (
    "schemathesis_failures",
    "schemathesis_errors",
    "sweep_server_errors",
    "sweep_leaks",
    "sweep_unexpected_status",
    "untested_operations",
    "fast_path_differences",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness.fuzz", description=(fuzz.__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="few examples per operation (CI)")
    parser.add_argument("--output", default=RESULTS)
    args = parser.parse_args(argv)
    results, details = run(max_examples=25 if args.quick else 150, quick=args.quick)
    Path(args.output).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    for name, value in results.items():
        if name not in ("boundary_failures", "portal_sweep"):
            print(f"{name:<20}{value:>8}")
    print(f"{'boundary_failures':<20}{len(results['boundary_failures']):>8}")
    print(f"slowest boundary request: {details['slowest_boundary_request']}")
    portal = results["portal_sweep"]
    print(f"portal sweep: {portal['requests']} requests, checks {portal['checks']}")
    for name in LISTED_DETAILS:
        if details[name]:
            print(f"\n{name}:")
            for entry in details[name]:
                print(f"  {entry}")
    if portal["violations"]:
        print("\nportal_violations:")
        for entry in portal["violations"]:
            print(f"  {entry}")
    if results["boundary_failures"]:
        print("\nboundary_failures:")
        for failure in results["boundary_failures"]:
            print(f"  {failure['case']}\n    {failure['status']} {failure['detail']}")
    if not results["fast_path_requests"]:
        print("\nthe fast path answered no request: its differential check compared nothing")
    failed = (
        results["server_errors"]
        or results["schema_violations"]
        or results["cross_tenant_leaks"]
        or results["portal_violations"]
        or results["fast_path_differences"]
        or not results["fast_path_requests"]
    )
    if failed or details["untested_operations"] or results["boundary_failures"]:
        print("\n" + details["schemathesis_summary"])
        print(f"\nFAIL: see above; wrote {args.output}")
        return 1
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
