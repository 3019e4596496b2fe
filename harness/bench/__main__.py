"""`make bench`: what a request costs. Writes bench-results.json and prints a table.

The command: `python -m harness.bench [--quick]` (`make bench [QUICK=1]`); harness/bench/__init__.py
says what it measures and where each part lives.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.bench.core import RESULTS
from harness.bench.results import check_shape, print_table
from harness.bench.runner import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few iterations (CI: the JSON, not the figures)")
    parser.add_argument("--output", default=RESULTS)
    args = parser.parse_args(argv)
    from harness.stream_replay import quiet

    with quiet():
        results = run(args.quick)
    Path(args.output).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print_table(results)
    if args.quick:
        print(
            "\nQUICK run: 20 calls per route and 3 cold starts check that every figure is produced;"
            " the budgets are judged on a full `make bench` (300 calls, 15 cold starts)."
        )
    print(f"\nwrote {args.output}")
    problems = check_shape(results)
    for problem in problems:
        print(f"bench-results.json: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
