"""One run, in the order the package's docstring gives: preflight, build, endpoint, world, checks."""

from __future__ import annotations

import argparse
import json
import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from local.sam_local import ENV_FILE, EVENTS, ROOT, TEMPLATE, SamLocalError
from local.sam_local.build import LAYER_ID, break_layer, sam_build, sam_executable
from local.sam_local.containers import (
    RUNTIME,
    ensure_daemon,
    ensure_image,
    host_gateway,
    prune_derived,
    remove_run_containers,
)
from local.sam_local.endpoint import LocalAws
from local.sam_local.expectations import EXPECTED, function_for, load_events, primary_events
from local.sam_local.invoke import Result, SamSettings, declared_variables, env_vars, run_all
from local.sam_local.start_api import run_smoke, smoke_steps
from local.sam_local.world import World

#: The probe a container runs to show the endpoint is reachable from where the functions run.
_PROBE = (
    "import sys, urllib.request, urllib.error\n"
    "try:\n    urllib.request.urlopen(sys.argv[1], timeout=5)\n"
    "except urllib.error.HTTPError:\n    pass\n"
)


@dataclass(frozen=True)
class _Run:
    """What the phases of one run share."""

    args: argparse.Namespace
    work: Path
    events: dict[str, dict[str, Any]]
    template: dict[str, Any]
    env_base: dict[str, Any]
    client: Any
    settings: SamSettings
    say: Callable[[str], None]
    report: Callable[[Result], None]


def run(args: argparse.Namespace, work: Path, report: Callable[[Result], None]) -> list[Result]:
    """Every check the options ask for; their results (SamLocalError: something is missing)."""
    this = _preflight(args, work, report)
    parameters = this.env_base["Parameters"]
    aws = LocalAws(
        ROOT,
        bind_host=host_gateway(this.client, this.settings.image),
        port=_serve_port(parameters) if args.serve else None,
        bus_name=parameters["ORDERS_EVENT_BUS_NAME"],
        sender=parameters["ORDERS_EMAIL_SENDER"],
    )
    with aws:
        _probe(this.client, this.settings.image, aws.container_url)
        world = World(aws.dynamodb.client(), this.template, this.events, _world_environment(parameters, aws))
        if args.serve:
            return _serve(world, parameters, this.settings.image)
        this.say(f"DynamoDB Local and moto behind {aws.container_url}; seeding what the events name")
        world.build()
        results: list[Result] = []
        try:
            if not args.start_api_only:
                results += _invoke_phase(this, world, aws.container_url)
            if not (args.invoke_only or args.break_layer):
                results += _start_api_phase(this, world, aws.container_url)
        finally:
            left = remove_run_containers(this.client, aws.container_url)
            if left:
                this.say(f"removed {left} function containers SAM left running")
    prune_derived(this.client, this.settings.image)
    return results


def _preflight(args: argparse.Namespace, work: Path, report: Callable[[Result], None]) -> _Run:
    """The events and their expectations, the daemon, the image, and `sam build` (broken on purpose
    with --break-layer)."""
    from local.tables import load_template

    started = time.monotonic()

    def say(message: str) -> None:
        print(f"[{time.monotonic() - started:4.0f} s] {message}", flush=True)

    sam = sam_executable()
    events, template = load_events(EVENTS), load_template(TEMPLATE)
    _check_expectations(events, template)
    env_base = json.loads(ENV_FILE.read_text(encoding="utf-8"))
    client = ensure_daemon(work, setup=not args.no_setup, say=say)
    image = ensure_image(client, work, build=not args.no_setup, say=say)
    say(f"image {image}")
    if not args.serve:
        say(f"sam build ({RUNTIME}) into {_shown(work / 'build')}")
        sam_build(sam, work / "build", RUNTIME, work / "sam-build.log")
    if args.break_layer:
        break_layer(work / "build" / LAYER_ID)
        say(f"broke the built layer on purpose: its packages are outside {LAYER_ID}/python/")
    built = work / "build" / "template.yaml"
    settings = SamSettings(sam, built, image, RUNTIME, declared_variables(template))
    return _Run(args, work, events, template, env_base, client, settings, say, report)


def _invoke_phase(this: _Run, world: World, endpoint: str) -> list[Result]:
    events, template = this.events, this.template
    quick = this.args.quick or this.args.break_layer
    names = primary_events(template, events) if quick else sorted(events)
    plans = [(name, function_for(events[name], template), EXPECTED[name]) for name in names]
    this.say(f"sam local invoke: {len(plans)} events, {this.args.workers} at a time")
    return run_all(
        plans,
        settings=this.settings,
        prepare=lambda stem: world.prepare(stem, events[f"{stem}.json"]),
        env_base=this.env_base,
        endpoint=endpoint,
        events_dir=EVENTS,
        env_dir=this.work / "env",
        workers=this.args.workers,
        report=this.report,
    )


def _start_api_phase(this: _Run, world: World, endpoint: str) -> list[Result]:
    from local.dynamodb_local import free_port

    tables = world.prepare("start-api")
    env_file = this.work / "env" / "start-api.json"
    env_file.parent.mkdir(parents=True, exist_ok=True)
    env_file.write_text(
        json.dumps(env_vars(this.env_base, tables, endpoint), indent=2) + "\n", encoding="utf-8"
    )
    port = free_port()
    this.say(f"sam local start-api on 127.0.0.1:{port}")
    steps = smoke_steps(world.facts.tenant, this.events)
    log = this.work / "start-api.log"
    return run_smoke(this.settings, env_file, port, steps, world.facts.api_key, log, this.report)


def _check_expectations(events: Mapping[str, Any], template: Mapping[str, Any]) -> None:
    missing = sorted(set(events) - set(EXPECTED))
    if missing:
        raise SamLocalError(
            f"no expected answer for events/{', events/'.join(missing)}: "
            "add one to EXPECTED in local/sam_local/expectations.py"
        )
    for name, event in events.items():
        try:
            function_for(event, template)
        except ValueError as error:
            raise SamLocalError(f"events/{name}: {error}") from None


def _world_environment(parameters: Mapping[str, str], aws: LocalAws) -> dict[str, str]:
    """What the handlers run in this process get: the env-vars file's values, DynamoDB Local on the
    host's loopback, every other AWS call to moto through the endpoint, dummy credentials."""
    return {
        **{k: str(v) for k, v in parameters.items()},
        "DYNAMODB_ENDPOINT_URL": aws.dynamodb_url,
        "AWS_ENDPOINT_URL": aws.url,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }


def _probe(client: Any, image: str, url: str) -> None:
    """A container of the image reaches the endpoint, as the functions will (one line when not)."""
    import docker

    try:
        client.containers.run(
            image,
            ["python3", "-S", "-c", _PROBE, url],
            extra_hosts={"host.docker.internal": "host-gateway"},
            remove=True,
        )
    except docker.errors.ContainerError as error:
        lines = str(error.stderr or b"", "utf-8", "replace").strip().splitlines()
        reason = lines[-1].strip() if lines else f"exit {error.exit_status}"
        raise SamLocalError(
            f"DynamoDB Local is not reachable from a container at {url} ({reason}): "
            "a firewall on Docker's bridge (docker0)? allow the host's ports from it"
        ) from None


def _serve_port(parameters: Mapping[str, str]) -> int:
    port = urlsplit(str(parameters.get("DYNAMODB_ENDPOINT_URL", ""))).port
    if port is None:
        raise SamLocalError(f"{_shown(ENV_FILE)}: DYNAMODB_ENDPOINT_URL names no port")
    return port


def _serve(world: World, parameters: Mapping[str, str], image: str) -> list[Result]:
    """--serve: the world in the env-vars file's tables, until Ctrl-C or SIGTERM."""
    names = {
        "OrdersTable": parameters["ORDERS_TABLE_NAME"],
        "IdempotencyTable": parameters["IDEMPOTENCY_TABLE_NAME"],
    }
    world.build()
    world.copy_into(names)
    repository = image.split(":", 1)[0]
    flags = f"--env-vars {_shown(ENV_FILE)} --add-host host.docker.internal:host-gateway"
    flags += (
        f" --invoke-image {repository}:latest --skip-pull-image --parameter-overrides PythonRuntime={RUNTIME}"
    )
    print(f"DynamoDB Local and moto for {_shown(ENV_FILE)} on {parameters['DYNAMODB_ENDPOINT_URL']}:")
    print(f"tables {names['OrdersTable']} and {names['IdempotencyTable']} hold what the events name.")
    print(f"After make build ({RUNTIME}, the image's runtime), in another terminal:")
    print(f"  sam local invoke -e events/get_order.json GetOrderFunction {flags}")
    print(f"  sam local start-api {flags}")
    print(f"  curl -H 'x-api-key: {world.facts.api_key}' http://127.0.0.1:3000/orders/{world.facts.tenant}")
    print("Ctrl-C stops it.", flush=True)

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return []


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
