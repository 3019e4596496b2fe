"""The operator console (issue 35) in a real browser against `make serve`: find, see, act, look, and
stay safe. Every test's tab is also checked on teardown (conftest `page`): no request left the
origin, no Content-Security-Policy violation, no uncaught script error."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.console_helpers import (
    ADMIN_KEY,
    READ_KEY,
    WRITE_ONLY_KEY,
    XSS_IMG,
    XSS_SCRIPT,
    Api,
    line_glance,
    open_order,
    shot,
    sign_in,
    skip_without_browser,
    three_lines,
    timeline_entries,
    unique,
    wait_for,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page, Request

    from tests.browser.conftest import Watch
    from tests.integration.test_make_serve import Server

skip_without_browser()
# One xdist worker for the whole tier under `--dist loadgroup`; harmless otherwise.
pytestmark = pytest.mark.xdist_group("browser")

CONFLICT = "The order changed since you loaded it — reload"


def test_given_the_console_url_when_served_then_it_carries_the_strict_csp(server: Server) -> None:
    # GIVEN make serve WHEN the page is fetched without a key
    with urllib.request.urlopen(server.url + "/console", timeout=10) as reply:  # noqa: S310 - loopback
        csp = reply.headers["Content-Security-Policy"]
        html = reply.read().decode()
    # THEN it is the page, under a CSP that allows nothing inline and nothing from elsewhere
    assert "default-src 'none'" in csp
    assert "script-src 'self'" in csp
    assert "console/console.js" in html
    assert "<script>" not in html.replace('<script type="module" src="console/console.js"></script>', "")
    assert 'style="' not in html


def test_given_no_key_when_the_console_opens_then_it_asks_for_one_and_keeps_it_in_this_tab_only(
    page: Page, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    # GIVEN a fresh tab WHEN the console opens
    page.goto("/console")
    # THEN it asks for a key in a password field
    key_field = page.get_by_label("API key", exact=True)
    expect(key_field).to_have_attribute("type", "password")
    expect(page.get_by_role("button", name="Forget key")).to_be_hidden()
    shot(page, screenshots, "01-key-entry")
    # WHEN a wrong key is given THEN it says so and keeps nothing
    key_field.fill("not-a-key-0123456789")
    page.get_by_role("button", name="Use this key").click()
    expect(page.get_by_text("The key was not accepted")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0
    # WHEN the right key is given THEN the tenant's orders show, and the key is in sessionStorage only
    sign_in(page, ADMIN_KEY)
    expect(page.locator("#who")).to_contain_text("console-tenant")
    assert ADMIN_KEY in page.evaluate("Object.values(sessionStorage)")
    assert page.evaluate("localStorage.length") == 0
    assert ADMIN_KEY not in page.url
    # WHEN the page reloads THEN the tab still holds the key
    page.reload()
    expect(page.get_by_role("heading", level=1, name="Orders", exact=True)).to_be_visible()
    # WHEN the key is forgotten THEN the tab holds nothing and asks again
    page.get_by_role("button", name="Forget key").click()
    expect(page.get_by_label("API key", exact=True)).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0


def test_given_a_key_without_read_scope_when_given_then_a_clear_403_message_shows(page: Page) -> None:
    from playwright.sync_api import expect

    # GIVEN a key with orders:write only WHEN it is given to the console
    page.goto("/console")
    page.get_by_label("API key", exact=True).fill(WRITE_ONLY_KEY)
    page.get_by_role("button", name="Use this key").click()
    # THEN the console says the key may not do that, and keeps nothing
    expect(page.get_by_text("This key may not do that (403 Forbidden)")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0


def test_given_orders_when_the_list_opens_then_the_newest_show_first_with_the_activity_chart(
    page: Page, api: Api, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    # GIVEN two orders made now
    first = api.create(three_lines(unique("PO")))
    second = api.create(three_lines(unique("PO")))
    # WHEN the console opens
    sign_in(page, ADMIN_KEY)
    # THEN the newer order comes before the older one
    links = page.locator("table.results a.order-link")
    expect(links.first).to_be_visible()
    numbers = links.all_inner_texts()
    assert numbers.index(f"#{second['number']}") < numbers.index(f"#{first['number']}")
    # AND the chart counts at least those orders in the last 24 hours, one bar an hour
    chart = page.locator("svg.chart")
    expect(chart).to_be_visible()
    assert chart.locator("rect.chart-bar").count() == 24
    summary = page.locator(".chart-summary").inner_text()
    count = int(re.search(r"(\d+) orders?", summary).group(1))  # type: ignore[union-attr]
    assert count >= 2
    # WHEN the window is 14 days THEN one bar a day
    page.get_by_label("Window", exact=True).select_option("days")
    expect(page.locator("svg.chart rect.chart-bar")).to_have_count(14)
    page.get_by_label("Window", exact=True).select_option("hours")
    expect(page.locator("svg.chart rect.chart-bar")).to_have_count(24)
    shot(page, screenshots, "02-list-and-chart")


def test_given_orders_when_searching_by_po_number_customer_or_status_then_the_order_is_found_and_opens(
    page: Page, api: Api, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    # GIVEN an order with a PO number and a bill-to contact, among others
    po = unique("PO")
    order = api.create(three_lines(po))
    api.create(three_lines(unique("PO")))
    sign_in(page, ADMIN_KEY)
    results = page.locator("table.results a.order-link")
    # WHEN searching by PO number THEN only that order is found
    page.get_by_label("PO number", exact=True).fill(po)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", name=f"Orders with PO number {po}")).to_be_visible()
    expect(results).to_have_count(1)
    expect(results.first).to_have_text(f"#{order['number']}")
    # WHEN searching by its number THEN it is found
    page.get_by_role("button", name="Show all orders").click()
    page.get_by_label("Order number", exact=True).fill(str(order["number"]))
    page.get_by_role("button", name="Search", exact=True).click()
    expect(results).to_have_count(1)
    expect(results.first).to_have_text(f"#{order['number']}")
    # WHEN searching by customer THEN it is found (the customer route)
    page.get_by_role("button", name="Show all orders").click()
    page.get_by_label("Customer id", exact=True).fill(f"contact-{po}")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Orders of contact"))).to_be_visible()
    expect(results).to_have_count(1)
    # WHEN two kinds are mixed THEN the page says one at a time
    page.get_by_label("PO number", exact=True).fill(po)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_text("one at a time")).to_be_visible()
    # WHEN searching by status THEN every order shown has it
    page.get_by_role("button", name="Show all orders").click()
    page.get_by_label("Status", exact=True).select_option("paid")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", name="Orders with status paid")).to_be_visible()
    expect(results.first).to_be_visible()
    statuses = page.locator("table.results tbody tr td:nth-child(3)").all_inner_texts()
    assert statuses
    assert set(statuses) == {"paid"}
    # WHEN the found order is opened THEN its lines show
    page.get_by_role("button", name="Show all orders").click()
    page.get_by_label("PO number", exact=True).fill(po)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(results).to_have_count(1)
    results.first.click()
    expect(page.get_by_role("heading", level=1, name=f"Order #{order['number']}", exact=True)).to_be_visible()
    expect(page.locator(".order-grid table.lines")).to_contain_text("CHILD Ticket")
    expect(line_glance(page, 1)).to_have_text("2 open")
    shot(page, screenshots, "03-order")


def test_given_a_guest_token_when_opened_then_the_order_shows(page: Page, api: Api) -> None:
    from playwright.sync_api import expect

    # GIVEN an order WHEN it is opened by its guest token
    order = api.create(three_lines(unique("PO")))
    sign_in(page, ADMIN_KEY)
    page.get_by_label("Order id or guest token", exact=True).fill(order["token"])
    page.get_by_role("button", name="Open", exact=True).click()
    # THEN the order shows, and the URL names its id, never the token
    expect(page.get_by_role("heading", level=1, name=f"Order #{order['number']}", exact=True)).to_be_visible()
    assert order["token"] not in page.url
    assert order["id"] in page.url
    # WHEN an unknown id is opened THEN a plain not-found shows
    page.goto("/console")
    page.get_by_label("Order id or guest token", exact=True).fill("no-such-order")
    page.get_by_role("button", name="Open", exact=True).click()
    expect(page.get_by_text("Not found", exact=True)).to_be_visible()


def test_given_a_changed_order_when_walking_its_timeline_then_the_earlier_version_and_its_diff_show(
    page: Page, api: Api, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    # GIVEN an order whose memo changed after it was created (two versions in its history)
    order = api.create(three_lines(unique("PO"), memo="Leave at the box office"))
    api.patch(order["id"], [{"op": "replace", "path": "/memo", "value": "Deliver to seat 14F"}])
    api.wait_for_history(order["id"], 2)
    sign_in(page, ADMIN_KEY)
    open_order(page, order)
    expect(timeline_entries(page)).to_have_count(2)
    expect(page.locator(".order-grid")).to_contain_text("Deliver to seat 14F")
    # WHEN the first version is chosen THEN the order shows as it was: the earlier memo
    timeline_entries(page).nth(0).get_by_role("button").click()
    version = page.locator(".version-view")
    expect(version.get_by_role("heading", name=re.compile(r"^Version 1, as it was at"))).to_be_visible()
    expect(version).to_contain_text("Leave at the box office")
    expect(version).not_to_contain_text("Deliver to seat 14F")
    expect(version).to_contain_text("The first version")
    # WHEN the slider moves to the second THEN its diff against the first names the memo, old -> new
    slider = page.get_by_label("Version", exact=True)
    slider.focus()
    page.keyboard.press("ArrowRight")
    expect(version.get_by_role("heading", name=re.compile(r"^Version 2"))).to_be_visible()
    memo = version.locator("table.diff tr", has_text="/memo")
    expect(memo).to_contain_text('"Leave at the box office"')
    expect(memo).to_contain_text('"Deliver to seat 14F"')
    expect(memo).to_contain_text("changed")
    # AND each entry says who changed it (the key's id) and what changed
    expect(timeline_entries(page).nth(1)).to_contain_text("/memo")
    expect(timeline_entries(page).nth(1)).to_contain_text("by key_")
    timeline_entries(page).nth(0).get_by_role("button").click()
    expect(version.get_by_role("heading", name=re.compile(r"^Version 1"))).to_be_visible()
    timeline_entries(page).nth(1).get_by_role("button").click()
    expect(version.locator("table.diff")).to_be_visible()
    shot(page, screenshots, "04-timeline-earlier-version-with-diff")


def test_given_an_open_order_when_one_unit_is_fulfilled_then_its_glance_and_history_grow(
    page: Page, api: Api, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    # GIVEN an order with two units open on line 1
    order = api.create(three_lines(unique("PO")))
    api.wait_for_history(order["id"], 1)
    sign_in(page, ADMIN_KEY)
    open_order(page, order)
    expect(timeline_entries(page)).to_have_count(1)
    # WHEN one unit of line 1 is fulfilled with tracking, nothing else
    page.get_by_role("button", name="Fulfil…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.locator("input[data-line='1']").fill("1")
    dialog.locator("input[data-line='2']").fill("0")
    dialog.locator("input[data-line='3']").fill("0")
    dialog.get_by_label("Tracking company", exact=True).fill("UPS")
    dialog.get_by_label("Tracking number", exact=True).fill("1Z999")
    shot(page, screenshots, "05-fulfil-dialog")
    dialog.get_by_role("button", name="Fulfil", exact=True).click()
    # THEN the line shows one shipped and one open, and the history has grown by one version
    expect(dialog).to_be_hidden()
    expect(line_glance(page, 1)).to_have_text("1 open 1 shipped")
    expect(line_glance(page, 2)).to_have_text("1 open")
    expect(timeline_entries(page)).to_have_count(2)
    expect(page.locator("table.fulfillments")).to_contain_text("1Z999")
    # AND the API agrees: one fulfillment of one unit, with its tracking
    fulfillments = api.fulfillments(order["id"])
    assert len(fulfillments) == 1
    assert fulfillments[0]["tracking_number"] == "1Z999"
    assert [item["quantity"] for item in fulfillments[0]["items"]] == [1]


def test_given_a_fulfilled_line_when_refunded_then_the_refund_shows_and_history_grows(
    page: Page, api: Api, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    # GIVEN an order fulfilled whole
    order = api.create(three_lines(unique("PO")))
    api.fulfil(order["id"])
    api.wait_for_history(order["id"], 2)
    sign_in(page, ADMIN_KEY)
    open_order(page, order)
    expect(timeline_entries(page)).to_have_count(2)
    expect(line_glance(page, 2)).to_have_text("1 shipped")
    # WHEN line 2 is refunded with a reason
    page.get_by_role("button", name="Refund…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Line 2: CHILD Ticket").check()
    dialog.get_by_label("Refund reason", exact=True).select_option(index=1)
    shot(page, screenshots, "09-refund-dialog")
    dialog.get_by_role("button", name="Refund", exact=True).click()
    # THEN line 2 shows refunded, a refund line is listed and the history has one more version
    expect(dialog).to_be_hidden()
    expect(line_glance(page, 2)).to_have_text("1 refunded")
    expect(page.locator("table.refund-lines tbody tr")).to_have_count(1)
    expect(timeline_entries(page)).to_have_count(3)
    expect(page.locator(".order-head")).to_contain_text("partially refunded")


def test_given_a_refund_dialog_when_its_button_is_double_clicked_then_one_refund_is_made(
    page: Page, api: Api
) -> None:
    from playwright.sync_api import expect

    # GIVEN an order fulfilled whole, and the refund dialog for line 1
    order = api.create(three_lines(unique("PO")))
    api.fulfil(order["id"])
    api.wait_for_history(order["id"], 2)
    sign_in(page, ADMIN_KEY)
    open_order(page, order)
    page.get_by_role("button", name="Refund…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Line 1: ADULT Ticket").check()
    dialog.get_by_label("Refund reason", exact=True).select_option(index=1)
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    # WHEN the Refund button is double-clicked
    dialog.get_by_role("button", name="Refund", exact=True).dblclick()
    expect(dialog).to_be_hidden()
    expect(line_glance(page, 1)).to_have_text("2 refunded")
    # THEN every refund request the page sent carried one idempotency key and the version it showed
    sent = [r.headers for r in requests if r.method == "POST" and r.url.endswith("/refunds")]
    assert sent
    assert len({headers["idempotency-key"] for headers in sent}) == 1
    assert re.fullmatch(r"[0-9a-f-]{36}", sent[0]["idempotency-key"])
    assert {headers["if-match"] for headers in sent} == {'"2"'}
    # THEN the API holds exactly one refund: one refund line, one refunded payment, one more version
    refunded = api.get(order["id"])
    assert len([line for line in refunded["line_items"] if line.get("parent_line_item_id")]) == 1
    assert len(refunded["refunded_payments"]) == 1
    assert refunded["sys_version"] == 3


def test_given_a_stale_page_when_acting_then_the_conflict_message_shows_and_nothing_is_overwritten(
    page: Page, api: Api, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    # GIVEN the page shows version 1 of an order
    order = api.create(three_lines(unique("PO")))
    sign_in(page, ADMIN_KEY)
    open_order(page, order)
    # AND the order changes behind the page's back (line 3 fulfilled through the API)
    line3 = order["line_items"][2]["order_line_item_id"]
    api.fulfil(order["id"], {"items": [{"order_line_item_id": line3, "quantity": 1}]})
    # WHEN the page cancels a unit of line 2
    page.get_by_role("button", name="Cancel lines…").click()
    dialog = page.get_by_role("dialog")
    dialog.locator("input[data-line='2']").fill("1")
    dialog.get_by_role("button", name="Cancel these units").click()
    # THEN it says the order changed and offers a reload; nothing was cancelled
    expect(dialog.get_by_text(CONFLICT)).to_be_visible()
    reload_button = dialog.get_by_role("button", name="Reload the order")
    expect(reload_button).to_be_visible()
    shot(page, screenshots, "06-conflict")
    assert api.get(order["id"])["line_items"][1]["quantity_cancelled"] == 0
    # WHEN reloaded THEN the page shows the order as it is now
    reload_button.click()
    expect(dialog).to_be_hidden()
    expect(page.locator("p.meta")).to_contain_text("version 2")
    expect(line_glance(page, 3)).to_have_text("1 shipped")


def test_given_html_in_an_order_when_it_is_shown_then_it_is_text_and_never_runs(
    page: Page, api: Api, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    # GIVEN an order whose description, memo, PO number and ship-to name carry HTML and script
    order = api.create(
        {
            "line_items": [
                {"description": XSS_SCRIPT, "quantity": 1, "unit_price": "5.00"},
                {"description": XSS_IMG, "quantity": 1, "unit_price": "7.00"},
            ],
            "memo": XSS_IMG,
            "purchase_order_number": f"<b>{unique('PO')}</b>",
            "ship_to_name": XSS_SCRIPT,
            "payment_info": {"type": "Visa"},
        }
    )
    api.wait_for_history(order["id"], 1)
    sign_in(page, ADMIN_KEY)
    # WHEN it is listed, opened, and its other views are shown
    expect(page.locator("table.results")).to_contain_text("<b>PO-")
    open_order(page, order)
    for view in ("Theatre view", "Distribution view", "This order as JSON"):
        page.get_by_text(view).click()
    expect(page.locator("pre.json")).to_have_count(3)
    expect(page.locator("pre.json").first).to_contain_text("window.__xss")
    timeline_entries(page).nth(0).get_by_role("button").click()
    expect(page.locator(".version-view table.lines")).to_contain_text(XSS_SCRIPT)
    # THEN the payloads show as text and none ran
    lines = page.locator(".order-grid table.lines")
    expect(lines).to_contain_text(XSS_SCRIPT)
    expect(lines).to_contain_text(XSS_IMG)
    expect(page.locator(".order-grid")).to_contain_text(XSS_IMG)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("#order-screen script").count() == 0
    assert page.locator("#order-screen b").count() == 0
    shot(page, screenshots, "07-xss-order")


def test_given_a_read_only_key_when_an_order_opens_then_no_action_is_offered(page: Page, api: Api) -> None:
    from playwright.sync_api import expect

    # GIVEN a fulfilled order (a pickup would be possible) and an open one
    shipped = api.create(three_lines(unique("PO")))
    api.fulfil(shipped["id"])
    open_one = api.create(three_lines(unique("PO")))
    sign_in(page, READ_KEY)
    expect(page.locator("#who")).to_contain_text("orders:read")
    for order in (shipped, open_one):
        # WHEN the read-only key opens it
        open_order(page, order)
        # THEN no action is offered, and the page says why
        expect(page.get_by_text("This key may read orders only")).to_be_visible()
        for name in ("Fulfil…", "Cancel lines…", "Refund…", "Void…", "Close…", "Record pickup"):
            expect(page.get_by_role("button", name=name)).to_have_count(0)
        page.get_by_role("link", name="← All orders").click()


def test_given_a_will_call_fulfillment_when_its_pickup_is_recorded_then_it_shows_picked_up(
    page: Page, api: Api
) -> None:
    from playwright.sync_api import expect

    # GIVEN an order fulfilled whole (one fulfillment)
    order = api.create(three_lines(unique("PO")))
    api.fulfil(order["id"])
    sign_in(page, ADMIN_KEY)
    open_order(page, order)
    # WHEN its pickup is recorded
    page.get_by_role("button", name="Record pickup").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Record pickup").click()
    # THEN the fulfillment shows picked up, in the page and in the API
    expect(dialog).to_be_hidden()
    expect(page.locator("table.fulfillments")).to_contain_text("picked up")
    assert wait_for(lambda: api.fulfillments(order["id"])[0]["picked_up"], "the pickup")


def test_given_a_dialog_when_escape_is_pressed_then_it_closes_and_focus_returns(page: Page, api: Api) -> None:
    from playwright.sync_api import expect

    # GIVEN an open order's fulfil dialog, opened from the keyboard
    order = api.create(three_lines(unique("PO")))
    sign_in(page, ADMIN_KEY)
    open_order(page, order)
    opener = page.get_by_role("button", name="Fulfil…")
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    # WHEN Escape is pressed THEN it closes, nothing was done, and focus is back on its button
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()
    assert api.fulfillments(order["id"]) == []


def test_given_a_320px_screen_when_the_list_and_an_order_show_then_the_page_never_scrolls_sideways(
    page: Page, api: Api, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    # GIVEN a phone-sized window
    page.set_viewport_size({"width": 320, "height": 720})
    order = api.create(three_lines(unique("PO"), memo="A rather long memo " * 8))
    first_line = order["line_items"][0]["order_line_item_id"]
    api.fulfil(order["id"], {"items": [{"order_line_item_id": first_line, "quantity": 1}]})
    api.wait_for_history(order["id"], 2)
    # WHEN the list, an order and a version of its history show
    sign_in(page, ADMIN_KEY)
    expect(page.locator("svg.chart")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    shot(page, screenshots, "08-narrow-320-list", full_page=False)
    open_order(page, order)
    shot(page, screenshots, "08-narrow-320-order", full_page=False)
    timeline_entries(page).nth(1).get_by_role("button").click()
    expect(page.locator(".version-view table.diff")).to_be_visible()
    # THEN nothing is wider than the screen (tables scroll inside their own box)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    shot(page, screenshots, "08-narrow-320-version", full_page=False)
    page.get_by_role("button", name="Fulfil…").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    shot(page, screenshots, "08-narrow-320-dialog", full_page=False)


def test_given_every_screen_when_used_then_no_request_leaves_the_origin_and_no_policy_is_violated(
    page: Page, api: Api, watch: Watch
) -> None:
    from playwright.sync_api import expect

    # GIVEN an order with a fulfillment (every section of the order screen has something)
    order = api.create(three_lines(unique("PO")))
    api.fulfil(order["id"])
    api.wait_for_history(order["id"], 2)
    # WHEN every screen is used: key, list, chart windows, search, order, views, timeline, a dialog
    sign_in(page, ADMIN_KEY)
    page.get_by_label("Window", exact=True).select_option("days")
    expect(page.locator("svg.chart rect.chart-bar")).to_have_count(14)
    open_order(page, order)
    for view in ("Theatre view", "Distribution view", "This order as JSON"):
        page.get_by_text(view).click()
    expect(page.locator("pre.json")).to_have_count(3)
    timeline_entries(page).nth(1).get_by_role("button").click()
    expect(page.locator(".version-view table.diff")).to_be_visible()
    page.get_by_role("button", name="Refund…").click()
    expect(page.get_by_role("dialog").get_by_label("Refund reason", exact=True)).to_be_visible()
    page.keyboard.press("Escape")
    # THEN the page asked only its own origin, and the browser refused nothing
    assert watch.requests > 10
    assert watch.foreign == []
    assert page.evaluate("window.__cspViolations") == []
    assert [line for line in watch.console if "Content Security Policy" in line] == []
    # AND the key never appeared in a URL the page asked for
    assert not any(ADMIN_KEY in url for url in watch.urls)


def test_given_two_versions_when_diffed_in_the_page_then_each_path_is_added_removed_or_changed(
    page: Page,
) -> None:
    # GIVEN the page's own diff module
    page.goto("/console")
    before = {"memo": "a", "lines": [{"q": 1}], "gone": True, "a/b": 1, "_links": {"self": 1}}
    after = {"memo": "b", "lines": [{"q": 1}, {"q": 2}], "a/b": 2, "_links": {"self": 2}}
    # WHEN two documents are compared
    changes = page.evaluate(
        "([a, b]) => import('./console/diff.js').then((m) => m.diff(a, b))", [before, after]
    )
    # THEN every differing leaf is named by its JSON pointer, old and new (None: absent); no _links
    assert changes == [
        {"path": "/a~1b", "kind": "changed", "before": 1, "after": 2},
        {"path": "/gone", "kind": "removed", "before": True, "after": None},
        {"path": "/lines/1", "kind": "added", "before": None, "after": {"q": 2}},
        {"path": "/memo", "kind": "changed", "before": "a", "after": "b"},
    ]


def test_given_a_capped_count_when_summarised_then_the_chart_says_at_least(page: Page) -> None:
    # GIVEN an activity read that stopped at the page cap, with a second currency
    page.goto("/console")
    summary = page.evaluate(
        """() => import('./console/chart.js').then((m) => m.summaryText({
            kind: 'days', capped: true, pages: m.MAX_PAGES, currency: 'USD', otherCurrencies: ['EUR'],
            buckets: [{count: 600, minor: new Map([['USD', 12345]])}, {count: 400, minor: new Map()}],
        }))"""
    )
    # THEN the totals are lower bounds, and the other currency is named, not summed
    assert summary.startswith("At least 1000 orders and at least USD")
    assert "123.45" in summary
    assert "the last 14 days" in summary
    assert "orders in EUR are counted but not summed" in summary
    assert "stopped after 10 pages" in summary


def test_given_a_coupon_order_when_searching_by_coupon_or_total_range_then_it_is_found(
    page: Page, api: Api
) -> None:
    from playwright.sync_api import expect

    # GIVEN an order that used a coupon, with a total no other order of the tier has
    coupon = unique("SUMMER")
    order = api.create(
        {
            "line_items": [{"description": "Gala seat", "quantity": 1, "unit_price": "987.65"}],
            "coupons": [
                {"coupon_code_id": coupon, "coupon_type": "code", "coupon_id": coupon, "discount": "0"}
            ],
            "payment_info": {"type": "Visa"},
        }
    )
    api.wait_for_history(order["id"], 1)  # the stream consumer has run: its coupon usage row is written
    sign_in(page, ADMIN_KEY)
    results = page.locator("table.results a.order-link")
    # WHEN searching by the coupon THEN the order is found
    page.get_by_label("Coupon type", exact=True).fill("code")
    page.get_by_label("Coupon id", exact=True).fill(coupon)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", name=f"Orders that used coupon code {coupon}")).to_be_visible()
    expect(results).to_have_count(1)
    expect(results.first).to_have_text(f"#{order['number']}")
    # WHEN searching by a total range around it THEN it is found, alone
    page.get_by_role("button", name="Show all orders").click()
    page.get_by_label("Total from", exact=True).fill("987.60")
    page.get_by_label("Total to", exact=True).fill("987.70")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", name="Orders with total 987.60 to 987.70")).to_be_visible()
    expect(results).to_have_count(1)
    expect(results.first).to_have_text(f"#{order['number']}")
