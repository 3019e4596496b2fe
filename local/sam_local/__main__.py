"""`python -m local.sam_local [--quick] [--invoke-only | --start-api-only] [--break-layer] [--serve]`.

Exit status: 0 when every answer was the expected one, 1 when one was not (the summary names it
and quotes what it printed), 2 when something the run needs is missing (one line says what, and
how to fix it). With --break-layer the run builds the layer with its packages outside `python/`
(the nesting trap) and exits 0 only when every function then fails.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from local.sam_local import ROOT, WORK_DIR_NAME, SamLocalError
from local.sam_local.invoke import Result

#: Invokes at once: twice the cores, at most 4. An invoke waits on Docker (an image build, a container
#: start) as much as it computes: on a 2-core machine 33 events took 227 s two at a time, 145 s four.
DEFAULT_WORKERS = min(4, 2 * (os.cpu_count() or 1))
#: What Lambda (and the emulator) answers when a handler's imports are not on the path.
IMPORT_ERROR = "Runtime.ImportModuleError"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m local.sam_local",
        description="Every function through SAM's own emulator, checked by what it answers (make sam-local).",
    )
    parser.add_argument(
        "--quick", action="store_true", help="one event per function (and the start-api smoke)"
    )
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--invoke-only", action="store_true", help="sam local invoke only")
    only.add_argument("--start-api-only", action="store_true", help="the sam local start-api smoke only")
    only.add_argument("--break-layer", action="store_true", help="self-check: a mis-nested layer must fail")
    only.add_argument(
        "--serve", action="store_true", help="keep DynamoDB Local seeded for local/sam-env.json until Ctrl-C"
    )
    parser.add_argument(
        "--workers", type=int, default=DEFAULT_WORKERS, help=f"invokes at once (default: {DEFAULT_WORKERS})"
    )
    parser.add_argument(
        "--no-setup",
        action="store_true",
        help="never install or start Docker, nor build the image: say what is missing",
    )
    return parser.parse_args(argv)


def work_dir() -> Path:
    """`.sam-local/` (SAM_LOCAL_DIR moves it), with a .gitignore of its own: nothing in it is source."""
    path = Path(os.environ.get("SAM_LOCAL_DIR") or ROOT / WORK_DIR_NAME)
    path.mkdir(parents=True, exist_ok=True)
    (path / ".gitignore").write_text("*\n", encoding="utf-8")
    return path


def print_row(result: Result) -> None:
    mark = "ok  " if result.outcome.ok else "FAIL"
    line = f"{mark} {result.function:24} {result.event:40} {result.outcome.status:>10} {result.seconds:6.1f}s"
    print(line, flush=True)


def summary(results: list[Result], started: float) -> int:
    failed = [r for r in results if not r.outcome.ok]
    seconds = time.monotonic() - started
    print(f"\n{len(results) - len(failed)} of {len(results)} answered as expected in {seconds:.0f} s")
    for result in failed:
        print(f"  {result.function} {result.event}: {result.outcome.detail}")
    return 1 if failed or not results else 0


def break_layer_verdict(results: list[Result]) -> int:
    """--break-layer: 0 when every function failed to import its handler with the layer broken
    (what Lambda would do), else 1 naming those that answered or failed for another reason."""
    caught = [r for r in results if not r.outcome.ok and IMPORT_ERROR in r.outcome.detail]
    if results and len(caught) == len(results):
        print(f"\nthe broken layer was caught: all {len(results)} functions failed, as they must:")
        print(f"  {caught[0].function} {caught[0].event}: {caught[0].outcome.detail}")
        return 0
    others = [r for r in results if r not in caught]
    print(
        "\nthe broken layer went unnoticed (or the run failed otherwise):" if others else "\nno function ran"
    )
    for result in others:
        print(f"  {result.function} {result.event}: {result.outcome.status} {result.outcome.detail}")
    return 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    try:
        from local.sam_local.run import run

        results = run(args, work_dir(), report=print_row)
    except SamLocalError as error:
        print(f"sam-local: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    if args.serve:
        return 0
    if args.break_layer:
        return break_layer_verdict(results)
    return summary(results, started)


if __name__ == "__main__":
    raise SystemExit(main())
