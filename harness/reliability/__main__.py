"""`make reliability`: whether a retry, a race or a fault can lose or double an order.

The command line: `python -m harness.reliability [--quick] [--output FILE]` runs every section
(harness/reliability/results.py), writes reliability-results.json, prints each figure and the notes,
and fails when anything was lost, half written, done twice or answered with a server error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.reliability.core import RESULTS
from harness.reliability.results import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness.reliability", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="one round of each race (CI)")
    parser.add_argument("--output", default=RESULTS)
    args = parser.parse_args(argv)
    results, notes = run(scale=1 if args.quick else 6)
    Path(args.output).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    for name, value in results.items():
        if isinstance(value, dict):  # unexpected_faults: flow -> "ok" or its problems
            print(name, *(f"  {flow:<48}{verdict}" for flow, verdict in value.items()), sep="\n")
        else:
            print(f"{name:<26}{value:>8}")
    for note in notes:
        print(f"  {note}")
    failed = any(results[k] for k in ("lost_updates", "partial_writes", "double_effects", "server_errors"))
    print(f"\n{'FAIL' if failed else 'ok'}: wrote {args.output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
