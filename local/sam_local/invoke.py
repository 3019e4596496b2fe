"""Every event through `sam local invoke`, each against a copy of the world of its own.

Several workers at once (default: twice the cores, at most 4): each prepares its event's tables
(world.World.prepare), writes its env-vars file (the repository's local/sam-env.json with the
event's tables and the run's endpoint), runs `sam local invoke` and checks what it printed
(checks.check). SAM itself is the slow part (about 5 s an invoke alone: it rebuilds the image with
the layer in it, then starts a container), and much of that is waiting on Docker, so more invokes
than cores still go faster.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.sam_local import ROOT
from local.sam_local.checks import Outcome, check, quote
from local.sam_local.expectations import Expect

#: What one `sam local invoke` may take (image rebuild, container start, the function's own 10 s
#: or the stream consumer's 60 s) before it is stopped and reported as timed out.
INVOKE_TIMEOUT_SECONDS = 150.0
#: The host as the containers know it (`--add-host host.docker.internal:host-gateway`).
ADD_HOST = "host.docker.internal:host-gateway"


@dataclass(frozen=True)
class Result:
    """One row of the summary."""

    function: str
    event: str
    outcome: Outcome
    seconds: float


@dataclass(frozen=True)
class SamSettings:
    """What every `sam local` command of a run shares."""

    sam: str
    template: Path
    image: str
    runtime: str
    #: The template's environment variables (declared_variables): kept out of `sam`'s environment.
    declared: frozenset[str] = frozenset()

    def environment(self) -> dict[str, str]:
        return sam_environment(os.environ, self.declared)

    def common(self, env_file: Path) -> list[str]:
        return [
            "--template",
            str(self.template),
            "--env-vars",
            str(env_file),
            "--invoke-image",
            self.image,
            # Mandatory: no registry here, and the image exists only in this daemon.
            "--skip-pull-image",
            "--add-host",
            ADD_HOST,
            "--parameter-overrides",
            f"PythonRuntime={self.runtime}",
        ]

    def invoke_command(self, function: str, event_file: Path, env_file: Path) -> list[str]:
        return [self.sam, "local", "invoke", function, "--event", str(event_file), *self.common(env_file)]


def declared_variables(template: Mapping[str, Any]) -> frozenset[str]:
    """Every environment variable the template declares (Globals and each function's): the only
    ones SAM hands a function, from the env-vars file, else from the `sam` process's environment."""
    names = set(
        ((template.get("Globals") or {}).get("Function") or {}).get("Environment", {}).get("Variables") or {}
    )
    for resource in (template.get("Resources") or {}).values():
        properties = resource.get("Properties") or {} if isinstance(resource, dict) else {}
        names |= set((properties.get("Environment") or {}).get("Variables") or {})
    return frozenset(names)


def sam_environment(base: Mapping[str, str], declared: Collection[str] = ()) -> dict[str, str]:
    """The `sam` process's environment: the machine's (PATH, Docker, certificates), never an AWS
    profile or credentials (the containers get these dummy ones), nor a variable the template
    declares (SAM would hand the shell's value to the functions; the env-vars file decides them)."""
    return {
        **{k: v for k, v in base.items() if not k.startswith("AWS_") and k not in declared},
        "SAM_CLI_TELEMETRY": "0",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


def env_vars(base: Mapping[str, Any], tables: Mapping[str, str], endpoint: str) -> dict[str, Any]:
    """local/sam-env.json with a run's tables and endpoint (every other value as the file has it)."""
    parameters = dict(base.get("Parameters") or {})
    parameters.update(
        ORDERS_TABLE_NAME=tables["OrdersTable"],
        IDEMPOTENCY_TABLE_NAME=tables["IdempotencyTable"],
        DYNAMODB_ENDPOINT_URL=endpoint,
    )
    return {**base, "Parameters": parameters}


def run_one(
    settings: SamSettings,
    function: str,
    event_file: Path,
    env_file: Path,
    expect: Expect,
    *,
    timeout: float = INVOKE_TIMEOUT_SECONDS,
) -> Outcome:
    """`sam local invoke` one event; the check of what it printed."""
    command = settings.invoke_command(function, event_file, env_file)
    try:
        done = subprocess.run(
            command,
            cwd=ROOT,
            env=settings.environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        stderr = expired.stderr.decode() if isinstance(expired.stderr, bytes) else expired.stderr or ""
        return Outcome(False, "timeout", f"sam local invoke ran past {timeout:.0f} s: {quote(stderr[-600:])}")
    outcome = check(expect, done.stdout, done.stderr)
    if done.returncode and outcome.ok:
        return Outcome(
            False, f"exit {done.returncode}", f"sam exited {done.returncode}: {quote(done.stderr[-600:])}"
        )
    return outcome


def run_all(
    plans: Sequence[tuple[str, str, Expect]],
    *,
    settings: SamSettings,
    prepare: Callable[[str], Mapping[str, str]],
    env_base: Mapping[str, Any],
    endpoint: str,
    events_dir: Path,
    env_dir: Path,
    workers: int,
    report: Callable[[Result], None],
) -> list[Result]:
    """Each (event file, function, expectation) through SAM, `workers` at a time, in plan order."""
    env_dir.mkdir(parents=True, exist_ok=True)

    def one(plan: tuple[str, str, Expect]) -> Result:
        name, function, expect = plan
        started = time.monotonic()
        stem = Path(name).stem
        try:
            tables = prepare(stem)
        except Exception as error:  # noqa: BLE001 - reported on the event's row, the run goes on
            outcome = Outcome(False, "not prepared", f"its tables could not be made: {quote(str(error))}")
        else:
            env_file = env_dir / f"{stem}.json"
            env_file.write_text(
                json.dumps(env_vars(env_base, tables, endpoint), indent=2) + "\n", encoding="utf-8"
            )
            outcome = run_one(settings, function, events_dir / name, env_file, expect)
        result = Result(function, name, outcome, time.monotonic() - started)
        report(result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="sam-invoke") as pool:
        return list(pool.map(one, plans))
