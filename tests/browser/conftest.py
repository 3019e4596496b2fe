"""Browser tier: the operator console (issue 35) in Debian's Chromium, driven by Playwright, against
the real `make serve` runner.

Without /usr/bin/chromium or the playwright package the whole tier is skipped with one plain reason,
unless CONSOLE_BROWSER_REQUIRED=1 (CI sets it): then every test of the tier fails with that reason
(and the rest of the suite still runs).
Everything expensive is session-scoped (one `make serve` and one Chromium per pytest process), so
under `pytest -n auto` a worker that receives browser tests starts its own and no state is shared
between workers. `--dist loadgroup` keeps the tier in one worker (`xdist_group("browser")`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.console_helpers import ADMIN_KEY, CHROMIUM, KEYS, TENANT, Api, browser_required, missing
from tests.helpers import ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright

    from tests.integration.test_make_serve import Server

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Records every `securitypolicyviolation` of the page before any of its own scripts run.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def pytest_configure(config: pytest.Config) -> None:
    # Registered here too, so that `--strict-markers` accepts it when xdist is not loaded (-p no:xdist).
    config.addinivalue_line("markers", "xdist_group(name): run in one xdist worker (--dist loadgroup)")


@pytest.fixture(scope="session", autouse=True)
def _browser_tier_required() -> None:
    """Under CONSOLE_BROWSER_REQUIRED=1 a missing Chromium or Playwright fails every test of the tier."""
    lacking = missing()
    if lacking is not None and browser_required():
        pytest.fail(f"browser tier required (CONSOLE_BROWSER_REQUIRED=1) but {lacking}", pytrace=False)


@pytest.fixture(scope="session")
def screenshots() -> Path:
    folder = Path(os.environ.get("CONSOLE_SCREENSHOTS") or ROOT / ".ci-logs" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from tests.integration.test_make_serve import Server

    running = Server(tmp_path_factory.mktemp("console") / "local-data", keys=KEYS)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def api(server: Server) -> Api:
    return Api(server, TENANT, ADMIN_KEY)


@pytest.fixture(scope="session")
def driver() -> Iterator[Playwright]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(driver: Playwright) -> Iterator[Browser]:
    launched = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield launched
    launched.close()


class Watch:
    """What a page did that it must not: requests to another origin, CSP violations, page errors."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.urls: list[str] = []
        self.foreign: list[str] = []
        self.console: list[str] = []
        self.errors: list[str] = []

    @property
    def requests(self) -> int:
        return len(self.urls)

    def request(self, url: str) -> None:
        self.urls.append(url)
        if not (url.startswith(self.origin + "/") or url.startswith(("data:", "blob:", "about:"))):
            self.foreign.append(url)


@pytest.fixture
def context(browser: Browser, server: Server) -> Iterator[BrowserContext]:
    made = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server.url)
    made.set_default_timeout(20_000)
    made.add_init_script(CSP_LISTENER)
    yield made
    made.close()


@pytest.fixture
def watch(server: Server) -> Watch:
    return Watch(server.url)


@pytest.fixture
def page(context: BrowserContext, watch: Watch) -> Iterator[Page]:
    """A fresh tab; on teardown, no foreign request, no CSP violation and no uncaught error happened."""
    opened = context.new_page()
    opened.on("request", lambda request: watch.request(request.url))
    opened.on("console", lambda message: watch.console.append(f"{message.type}: {message.text}"))
    opened.on("pageerror", lambda error: watch.errors.append(str(error)))
    yield opened
    violations: Any = []
    if not opened.is_closed():
        violations = opened.evaluate("window.__cspViolations || []")
    refused = [line for line in watch.console if "Content Security Policy" in line or "Refused to" in line]
    assert watch.foreign == [], f"requests to another origin: {watch.foreign}"
    assert violations == [], f"CSP violations: {json.dumps(violations)}"
    assert refused == [], f"CSP refusals in the console: {refused}"
    assert watch.errors == [], f"uncaught page errors: {watch.errors}"
