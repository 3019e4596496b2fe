"""`sam local start-api`: the gateway's routes through SAM's emulator, with the authorizer.

One order's life through HTTP, each step on a route of another function: create, get, the key
itself, the operator console's page (which asks no key), list, patch, cancel a line, fulfil the
rest, the will-call check, refund a line, send its notification, and a catalogue product; every
request through the authorizer with the events' key (stored in the smoke's own tables). Before
them, two that must be refused: no key, and the key on another tenant.

SAM's emulator is not API Gateway in two ways a reader of these answers should know: an authorizer
that raises "Unauthorized" (no key, an unknown key) is a 502 "Internal server error" there (API
Gateway answers 401), and the template's gateway responses (its problem+json bodies) are not
applied. A Deny policy is a 403, as on API Gateway.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.sam_local import ROOT, SamLocalError
from local.sam_local.checks import Outcome, quote
from local.sam_local.invoke import Result, SamSettings

READY_TIMEOUT_SECONDS = 90.0
#: A request through the emulator: the first to a function builds its image and starts its container.
REQUEST_TIMEOUT_SECONDS = 120.0
#: How long SAM may take to stop its warm containers (about 3 s each) and exit; then it is killed
#: (and run.py removes what it left).
STOP_TIMEOUT_SECONDS = 60.0
#: What a refused request may answer through SAM's emulator (see the module's docstring).
REFUSED = (401, 403, 502)


@dataclass(frozen=True)
class Step:
    """One request and the answer it must get. `{id}` in the path is the created order's id."""

    label: str
    function: str
    method: str
    path: str
    status: int | tuple[int, ...]
    body: Any = None
    keys: tuple[str, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    with_key: bool = True


def smoke_steps(tenant: str, events: Mapping[str, Mapping[str, Any]]) -> list[Step]:
    """The smoke's requests, in order (bodies taken from the events where one fits)."""
    base = f"/orders/{tenant}"
    order = f"{base}/{{id}}"
    notify = json.loads(events["notify_order.json"]["body"])
    product = json.loads(events["catalogue.json"]["body"])
    tickets = {
        "line_items": [
            {
                "order_line_item_id": f"T{n}",
                "description": f"Ticket {n}",
                "quantity": 1,
                "unit_price": "10.00",
            }
            for n in (1, 2, 3)
        ],
        "payment_info": {"type": "Visa"},
    }
    patch = [{"op": "add", "path": "/notes", "value": "Through sam local start-api"}]
    return [
        Step("no key: refused", "AuthorizerFunction", "GET", base, REFUSED, with_key=False),
        Step("another tenant: denied", "AuthorizerFunction", "GET", "/orders/not-this-tenant", (401, 403)),
        Step(
            "create",
            "CreateOrderFunction",
            "POST",
            base,
            201,
            tickets,
            ("id", "token"),
            {"Idempotency-Key": "smoke-1"},
        ),
        Step("get", "GetOrderFunction", "GET", order, 200, keys=("id", "line_items")),
        Step("the key", "GetOrderFunction", "GET", "/keys/current", 200, keys=("tenant_id", "scopes")),
        Step("console page, no key", "ConsoleFunction", "GET", "/console", 200, with_key=False),
        Step("list", "SearchOrdersFunction", "GET", base, 200, keys=("Items",)),
        Step(
            "patch",
            "PatchOrderFunction",
            "PATCH",
            order,
            200,
            patch,
            ("notes",),
            {"Content-Type": "application/json-patch+json"},
        ),
        Step(
            "cancel a line",
            "CancelOrderFunction",
            "POST",
            f"{order}/cancel",
            200,
            {"items": [{"order_line_item_id": "T3", "quantity": 1}]},
            ("status",),
        ),
        Step(
            "fulfil",
            "FulfillOrderFunction",
            "POST",
            f"{order}/fulfill",
            200,
            {},
            ("status",),
            {"Idempotency-Key": "smoke-fulfil"},
        ),
        Step(
            "will-call check",
            "WillCallCheckFunction",
            "GET",
            f"{order}/will-call-check",
            200,
            keys=("line_items",),
        ),
        Step(
            "refund a line",
            "RefundOrderFunction",
            "POST",
            f"{order}/refunds",
            200,
            {"refund_reason_name": "ChangedMindCannotMakeShow", "line_numbers": [1]},
            ("amount_refunded",),
        ),
        Step(
            "notify",
            "NotifyOrderFunction",
            "POST",
            f"{base}/notifications/preview",
            200,
            {**notify, "order_id": "{id}"},
            ("message_id",),
        ),
        Step(
            "catalogue product",
            "CatalogueFunction",
            "PUT",
            f"{base}/catalogue/products/ticket/smoke-1",
            200,
            product,
            ("product_id",),
        ),
    ]


def start_api_command(settings: SamSettings, env_file: Path, port: int) -> list[str]:
    return [
        settings.sam,
        "local",
        "start-api",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        # A function's container starts on its first request and answers the next ones warm.
        "--warm-containers",
        "LAZY",
        *settings.common(env_file),
    ]


def run_smoke(
    settings: SamSettings,
    env_file: Path,
    port: int,
    steps: list[Step],
    api_key: str,
    log: Path,
    report: Callable[[Result], None],
) -> list[Result]:
    """Start the emulator, make the steps' requests, stop it (its containers go with it)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        process = subprocess.Popen(
            start_api_command(settings, env_file, port),
            cwd=ROOT,
            env=settings.environment(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_listening(process, port, log)
            return _run_steps(f"http://127.0.0.1:{port}", steps, api_key, report)
        finally:
            _stop(process)


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SamLocalError(
                f"sam local start-api exited with code {process.returncode}: {_tail(log)} (see {log})"
            )
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.25)
    raise SamLocalError(
        f"sam local start-api did not listen on {port} within {READY_TIMEOUT_SECONDS:.0f} s (see {log})"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    # SIGTERM: SAM stops and removes the warm containers it started, then exits.
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _run_steps(url: str, steps: list[Step], api_key: str, report: Callable[[Result], None]) -> list[Result]:
    results: list[Result] = []
    order_id = ""
    etag: str | None = None
    for step in steps:
        started = time.monotonic()
        if "{id}" in step.path and not order_id:
            outcome = Outcome(False, "skipped", "no order was created")
        else:
            status, headers, body = _request(url, step, api_key, order_id, etag)
            outcome = check_step(step, status, body)
            if "{id}" in step.path or step.label == "create":  # the order's ETag (not a file's)
                etag = headers.get("etag", etag)
            if step.label == "create" and outcome.ok:
                order_id = str(json.loads(body)["id"])
        result = Result(step.function, f"start-api: {step.label}", outcome, time.monotonic() - started)
        report(result)
        results.append(result)
    return results


def _request(
    url: str, step: Step, api_key: str, order_id: str, etag: str | None
) -> tuple[int, dict[str, str], str]:
    body = None
    if step.body is not None:
        text = step.body if isinstance(step.body, str) else json.dumps(step.body)
        body = text.replace("{id}", order_id).encode()
    headers = {"Content-Type": "application/json", **step.headers}
    if step.with_key:
        headers["x-api-key"] = api_key
    if step.method in ("PATCH", "PUT") and etag and "{id}" in step.path:
        headers["If-Match"] = etag
    request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1, our own
        url + step.path.replace("{id}", order_id), body, headers, method=step.method
    )
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:  # noqa: S310 - as above
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                response.read().decode(),
            )
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read().decode()
    except (OSError, TimeoutError) as error:
        return 0, {}, f"no answer: {error}"


def check_step(step: Step, status: int, body: str) -> Outcome:
    """Whether one smoke request got the answer it must."""
    allowed = step.status if isinstance(step.status, tuple) else (step.status,)
    if status not in allowed:
        wanted = "/".join(map(str, allowed))
        return Outcome(False, str(status), f"expected {wanted}, got {status}: {quote(body)}")
    if not step.keys:
        return Outcome(True, str(status))
    try:
        parsed = json.loads(body)
    except ValueError:
        return Outcome(False, str(status), f"the body is not JSON: {quote(body)}")
    missing = [key for key in step.keys if not isinstance(parsed, dict) or key not in parsed]
    if missing:
        return Outcome(False, str(status), f"the body has no {', '.join(missing)}: {quote(body)}")
    return Outcome(True, str(status))


def _tail(log: Path) -> str:
    try:
        lines = [
            line for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()
        ]
    except OSError:
        return "(no log)"
    return quote(" | ".join(lines[-3:]))
