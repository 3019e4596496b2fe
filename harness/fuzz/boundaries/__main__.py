"""`python -m harness.fuzz.boundaries [--quick] [--family NAME] [--output FILE] [--verbose]`: the
boundary cases alone, on the API as `make serve` runs it (DynamoDB Local), with the stream consumer
running; exits 1 on any failure."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path

from harness.fuzz import boundaries
from harness.fuzz.boundaries.cases import FAMILIES, TENANT
from harness.fuzz.boundaries.runner import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness.fuzz.boundaries", description=(boundaries.__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="the QUICK subset (one or more of each family)")
    parser.add_argument(
        "--family", action="append", choices=FAMILIES, help="only these families (repeatable)"
    )
    parser.add_argument("--output", help="write the failures as JSON here")
    parser.add_argument("--verbose", action="store_true", help="print every request: status, seconds, case")
    args = parser.parse_args(argv)
    from harness import stream_replay
    from harness.common import running_api
    from harness.fuzz.stream import stream_consumer

    key = f"fuzz-edge-{uuid.uuid4().hex}"
    with running_api("edge", {key: TENANT}) as api:
        # As in `make fuzz`: the stream consumer publishes its events to a recorder, not to EventBridge.
        stream_replay.install_publisher(stream_replay.RecordingPublisher())
        with stream_consumer(api):
            report = run(api.base_url, key, api.gateway.openapi(), quick=args.quick, families=args.family)
    if args.verbose:
        print("\n".join(report.log) + "\n")
    for failure in report.failures:
        print(f"{failure['case']}\n    {failure['status']} {failure['detail']}")
    print(
        f"\n{report.cases} boundary cases, {report.requests} requests, {len(report.failures)} failures "
        f"({report.server_errors} server errors); slowest {report.max_seconds:.2f} s: {report.slowest}"
    )
    if args.output:
        Path(args.output).write_text(json.dumps(report.failures, indent=2) + "\n", encoding="utf-8")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
