"""What the browser tier's tests share: the keys `make serve` is started with, orders made through the
HTTP API (the page's own source of truth), and the page steps every test repeats."""

from __future__ import annotations

import importlib.util
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from tests.integration.test_make_serve import Server

#: Debian's Chromium (`apt-get install chromium`); CONSOLE_CHROMIUM names another build of it.
CHROMIUM = Path(os.environ.get("CONSOLE_CHROMIUM") or "/usr/bin/chromium")

TENANT = "console-tenant"
ADMIN_KEY = "console-admin-0123456789"
READ_KEY = "console-read-0123456789"
WRITE_ONLY_KEY = "console-write-0123456789"
#: tenant:key[:scopes] as `make serve` reads ORDERS_API_KEYS (no scopes: every scope).
KEYS = f"{TENANT}:{ADMIN_KEY},{TENANT}:{READ_KEY}:orders:read,{TENANT}:{WRITE_ONLY_KEY}:orders:write"

XSS_SCRIPT = "<script>window.__xss=1</script>"
XSS_IMG = '<img src=x onerror="window.__xss=1">'

T = TypeVar("T")


def missing() -> str | None:
    """What the browser tier lacks here, or None."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not installed — apt-get install chromium"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed — pip install -r requirements-dev.txt"
    return None


def browser_required() -> bool:
    return os.environ.get("CONSOLE_BROWSER_REQUIRED") == "1"


def skip_without_browser() -> None:
    """At a test module's import: skip the whole module with one plain reason when Chromium or
    Playwright is missing, unless CONSOLE_BROWSER_REQUIRED=1 (CI): then every test of the tier fails
    with that reason (conftest `_browser_tier_required`) and the rest of the suite still runs."""
    lacking = missing()
    if lacking is not None and not browser_required():
        pytest.skip(f"browser tier skipped: {lacking}", allow_module_level=True)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def wait_for(check: Callable[[], T], what: str, timeout: float = 20.0, interval: float = 0.2) -> T:
    """Poll `check` until it returns something truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def three_lines(po: str, **extra: Any) -> dict[str, Any]:
    """An order of three lines, paid by card, with a PO number and a bill-to contact."""
    return {
        "line_items": [
            {"description": "ADULT Ticket", "sku": "ADULT", "quantity": 2, "unit_price": "13.75"},
            {"description": "CHILD Ticket", "sku": "CHILD", "quantity": 1, "unit_price": "9.50"},
            {"description": "Large popcorn", "sku": "POPCORN", "quantity": 1, "unit_price": "6.25"},
        ],
        "payment_info": {"type": "Visa"},
        "purchase_order_number": po,
        "bill_to_type": "contact",
        "bill_to_contact_id": f"contact-{po}",
        **extra,
    }


class Api:
    """The Orders API over HTTP with one key, for arranging and checking what the page did."""

    def __init__(self, server: Server, tenant: str, key: str) -> None:
        self.server = server
        self.tenant = tenant
        self.key = key

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        reply = self.server.request(method, path, body, **{"x-api-key": self.key, **headers})
        assert 200 <= reply.status < 300, (method, path, reply.status, reply.body)
        return reply.body

    def create(self, order: dict[str, Any]) -> dict[str, Any]:
        created: dict[str, Any] = self.call("POST", f"/orders/{self.tenant}", order)
        return created

    def get(self, order_id: str) -> dict[str, Any]:
        order: dict[str, Any] = self.call("GET", f"/orders/{self.tenant}/{order_id}?consistentRead=true")
        return order

    def fulfil(self, order_id: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        order: dict[str, Any] = self.call("POST", f"/orders/{self.tenant}/{order_id}/fulfill", body)
        return order

    def patch(self, order_id: str, operations: list[dict[str, Any]]) -> dict[str, Any]:
        order: dict[str, Any] = self.call("PATCH", f"/orders/{self.tenant}/{order_id}", operations)
        return order

    def history(self, order_id: str) -> list[dict[str, Any]]:
        page = self.call("GET", f"/orders/{self.tenant}/{order_id}/history?limit=100")
        items: list[dict[str, Any]] = page["Items"]
        return items

    def fulfillments(self, order_id: str) -> list[dict[str, Any]]:
        listed = self.call("GET", f"/orders/{self.tenant}/fulfillments?order_id={order_id}&limit=100")
        data: list[dict[str, Any]] = listed["data"]
        return data

    def wait_for_history(self, order_id: str, versions: int) -> list[dict[str, Any]]:
        """The history once it holds `versions` versions (the stream consumer writes it a moment later)."""

        def enough() -> list[dict[str, Any]]:
            items = self.history(order_id)
            return items if len(items) >= versions else []

        return wait_for(enough, f"{versions} history versions of {order_id}")


def sign_in(page: Page, key: str) -> None:
    """Open the console and give it `key`; the list screen is shown."""
    from playwright.sync_api import expect

    page.goto("/console")
    page.get_by_label("API key", exact=True).fill(key)
    page.get_by_role("button", name="Use this key").click()
    expect(page.get_by_role("heading", level=1, name="Orders", exact=True)).to_be_visible()


def open_order(page: Page, order: dict[str, Any]) -> None:
    """Open an order by its id through the page's own form."""
    from playwright.sync_api import expect

    page.get_by_label("Order id or guest token", exact=True).fill(order["id"])
    page.get_by_role("button", name="Open", exact=True).click()
    expect(page.get_by_role("heading", level=1, name=f"Order #{order['number']}", exact=True)).to_be_visible()
    expect(timeline_entries(page).first).to_be_visible()


def line_glance(page: Page, line_number: int) -> Locator:
    """The current order's line `line_number`: its at-a-glance cell."""
    return page.locator(f"#order-screen .order-grid table.lines tr[data-line='{line_number}'] td.glance")


def timeline_entries(page: Page) -> Locator:
    return page.locator("#order-screen ol.timeline > li")


def shot(page: Page, folder: Path, name: str, *, full_page: bool = True) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)
