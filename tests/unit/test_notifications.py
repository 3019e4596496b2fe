"""notify_order on moto (issue 32): the order's (or a line's) notification e-mail, rendered from a
client's Mustache templates into the local outbox; hostile templates run nothing and change nothing;
header injection, too many recipients, oversize bodies, unknown orders and lines, other tenants and
failing senders are refused with the API's problems."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import body_of, get_event_for, invoke, load_event, with_body, with_caller
from tests.patch_helpers import create_order

pytestmark = pytest.mark.usefixtures("tables")

HOSTILE_LINE = {"description": "<script>alert(1)</script>", "quantity": 2, "unit_price": "12.50"}
ORDER = {"line_items": [{"description": "Ticket", "quantity": 1, "unit_price": "20.00"}, HOSTILE_LINE]}
TEMPLATE = {
    "from": "box-office@example.com",
    "from_name": "Box Office",
    "subject": "Order {{order.number}}",
    "body": "<p>Order {{order.number}}: {{line.description}} at {{line.unit_price}}</p>",
}


@pytest.fixture
def outbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every send of this test goes to a local outbox file (ORDERS_EMAIL_OUTBOX, as `make serve`)."""
    from orders_domain.runtime import wiring

    path = tmp_path / "outbox.jsonl"
    monkeypatch.setenv("ORDERS_EMAIL_OUTBOX", str(path))
    monkeypatch.setenv("ORDERS_EMAIL_SENDER", "orders@shop.example.com")
    wiring.reset()
    yield path
    wiring.reset()


def sent(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def notify(
    order_ref: str,
    template: dict[str, Any] | None = None,
    *,
    line: int | None = None,
    to: str = "guest@example.com",
    tenant: str = "tenant-a",
    caller: str | None = None,
    **extra: Any,
) -> tuple[int, Any]:
    """events/notify_order.json for this order, template, line and destination, as `caller`."""
    body: dict[str, Any] = {
        "order_id": order_ref,
        "email_template": TEMPLATE if template is None else template,
        "destination_email_address": to,
        **extra,
    }
    if line is not None:
        body["order_item_line_number"] = line
    event = copy.deepcopy(load_event("notify_order.json"))
    event["path"] = f"/orders/{tenant}/notifications/preview"
    event["pathParameters"] = {"tenantId": tenant}
    event["requestContext"]["path"] = f"/v1/orders/{tenant}/notifications/preview"
    event = with_caller(with_body(event, body), caller or tenant, scopes="orders:read orders:write")
    response = invoke("notify_order", event)
    return response["statusCode"], body_of(response)


def version_of(order_id: str) -> int:
    response = invoke("get_order", get_event_for(order_id, query={"consistentRead": "true"}))
    assert response["statusCode"] == 200
    return int(body_of(response)["sys_version"])


def errors_of(answer: dict[str, Any]) -> dict[str, str]:
    return {e["field"]: e["error"] for e in answer.get("errors", [])}


def test_given_a_line_template_when_sent_then_the_outbox_holds_the_orders_values_html_escaped(
    outbox: Path,
) -> None:
    # GIVEN an order whose second line's description is a script
    order = create_order(ORDER)
    # WHEN its notification for line 2 is sent
    status, answer = notify(order["id"], line=2)
    # THEN the outbox holds one message with the order's number and the line's values, escaped
    assert status == 200, answer
    (message,) = sent(outbox)
    expected = f"<p>Order {order['number']}: &lt;script&gt;alert(1)&lt;/script&gt; at 12.50</p>"
    assert message["body"] == expected
    assert message["subject"] == f"Order {order['number']}"
    assert message["to"] == "guest@example.com"
    assert message["from"] == "orders@shop.example.com"
    assert message["from_name"] == "Box Office"
    assert message["reply_to"] == "box-office@example.com"  # the template's `from`, not the identity
    assert (message["tenant_id"], message["order_id"]) == ("tenant-a", order["id"])
    assert message["id"] == answer["message_id"]
    assert answer["body"] == expected
    assert answer["unknown_placeholders"] == []
    assert "<script>" not in outbox.read_text(encoding="utf-8")


def test_the_sample_events_render_by_guest_token_and_by_line(outbox: Path) -> None:
    # GIVEN the sample events aimed at a real order's guest token
    order = create_order(ORDER)
    for name in ("notify_order.json", "notify_order_line.json"):
        event = with_caller(load_event(name), scopes="orders:read orders:write")
        body = json.loads(event["body"])
        body["order_id"] = f"token-{order['token']}"
        # WHEN each is invoked unchanged but for the order
        response = invoke("notify_order", with_body(event, body))
        # THEN each sends the order's e-mail
        assert response["statusCode"] == 200, response["body"]
    first, second = sent(outbox)
    assert f"order {order['number']}" in first["body"]
    assert "20.00" in first["body"]
    assert second["subject"] == "Your ticket for Ticket"


@pytest.mark.parametrize(
    "body",
    [
        "{{order.__class__}}{{order.total.__class__}}{{order.status.upper}}{{line.__init__.__globals__}}",
        "{{#order}}{{#order}}{{#order}}{{#order}}{{#order}}x{{/order}}{{/order}}{{/order}}{{/order}}{{/order}}",
        "{{#order.line_items}}{{#order.line_items}}{{#order.line_items}}{{#order.line_items}}.{{/order.line_items}}"
        "{{/order.line_items}}{{/order.line_items}}{{/order.line_items}}",
        "{{> /etc/passwd}}",
        "{{=<% %>=}}<%> secrets%>",
        "{{=<% %>=}}<%{order.__class__.__mro__}%>",
        "{{{line.description}}}{{& line.description}}",
        "{{ " * 2000,
        "{{#order}}",
        "x" + " " * 129 + "y",
    ],
    ids=[
        "dunder",
        "nesting",
        "lines-nested",
        "partial",
        "delimiter-partial",
        "delimiter-dunder",
        "triple",
        "unclosed",
        "open-section",
        "blanks",
    ],
)
def test_given_a_hostile_template_when_sent_then_nothing_runs_and_the_order_is_unchanged(
    outbox: Path, body: str
) -> None:
    # GIVEN an order with a line holding a script
    order = create_order({"line_items": [HOSTILE_LINE] * 30})
    before = version_of(order["id"])
    # WHEN a hostile template is sent for it
    status, answer = notify(order["id"], {**TEMPLATE, "body": body}, line=1)
    # THEN either it is refused (400/413) and nothing is sent, or it renders only escaped data
    assert status in (200, 400, 413), answer
    if status == 200:
        (message,) = sent(outbox)
        assert "<script>" not in message["body"]
        assert "class" not in message["body"]
        assert "function" not in message["body"]
    else:
        assert sent(outbox) == []
        assert answer["code"] in ("validation_error", "payload_too_large")
    assert version_of(order["id"]) == before


def test_dunder_names_are_unknown_placeholders_and_render_empty(outbox: Path) -> None:
    order = create_order(ORDER)
    template = {**TEMPLATE, "body": "[{{order.__class__}}][{{line.description.upper}}][{{nope}}][{{nope}}]"}
    status, answer = notify(order["id"], template, line=1)
    assert status == 200, answer
    assert answer["body"] == "[][][][]"
    assert answer["unknown_placeholders"] == ["line.description.upper", "nope", "order.__class__"]


def test_triple_mustache_and_ampersand_are_escaped_too(outbox: Path) -> None:
    order = create_order(ORDER)
    template = {**TEMPLATE, "body": "{{{line.description}}}|{{& line.description}}|{{line.description}}"}
    status, answer = notify(order["id"], template, line=2)
    assert status == 200, answer
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert sent(outbox)[0]["body"] == f"{escaped}|{escaped}|{escaped}"


def test_partials_are_a_400_naming_the_field_and_nothing_is_loaded(outbox: Path) -> None:
    order = create_order(ORDER)
    status, answer = notify(order["id"], {**TEMPLATE, "body": "a {{> header}} b"})
    assert status == 400, answer
    assert "partials" in errors_of(answer)["email_template.body"]
    assert sent(outbox) == []


def test_sections_over_the_lines_render_each_line_and_money_as_printed(outbox: Path) -> None:
    order = create_order(ORDER)
    template = {
        **TEMPLATE,
        "body": "{{#order.line_items}}<li>{{line_number}}:{{unit_price}}</li>{{/order.line_items}}"
        "{{^order.coupons}}no coupons{{/order.coupons}}",
    }
    status, answer = notify(order["id"], template)
    assert status == 200, answer
    assert answer["body"] == "<li>1:20.00</li><li>2:12.50</li>no coupons"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", "Hello\r\nBcc: victim@example.com"),
        ("subject", "Hello\nX"),
        ("from_name", "Box\rOffice"),
        ("from", "a@example.com\nBcc: b@example.com"),
        ("reply_to", "a@example.com\r\n"),
        ("cc", "a@example.com,\nb@example.com"),
    ],
)
def test_cr_or_lf_in_a_header_template_is_a_400_naming_the_field(
    outbox: Path, field: str, value: str
) -> None:
    order = create_order(ORDER)
    status, answer = notify(order["id"], {**TEMPLATE, field: value})
    assert status == 400, answer
    assert f"email_template.{field}" in errors_of(answer)
    assert sent(outbox) == []


def test_cr_lf_rendered_into_the_subject_from_the_data_is_a_400(outbox: Path) -> None:
    # GIVEN a line whose description carries a header
    order = create_order(
        {"line_items": [{"description": "A\r\nBcc: x@example.com", "quantity": 1, "unit_price": 1}]}
    )
    # WHEN the subject interpolates it
    status, answer = notify(order["id"], {**TEMPLATE, "subject": "{{line.description}}"}, line=1)
    # THEN the rendered subject is refused
    assert status == 400, answer
    assert "CR" in errors_of(answer)["email_template.subject"]
    assert sent(outbox) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("destination_email_address", "not-an-address"),
        ("destination_email_address", "a@b.com\r\nBcc: c@d.com"),
    ],
)
def test_a_bad_destination_is_a_400(outbox: Path, field: str, value: str) -> None:
    order = create_order(ORDER)
    status, answer = notify(order["id"], to=value)
    assert status == 400, answer
    assert field in errors_of(answer)


def test_a_bad_cc_address_is_a_400_naming_cc(outbox: Path) -> None:
    order = create_order(ORDER)
    status, answer = notify(order["id"], {**TEMPLATE, "cc": "a@example.com, nope"})
    assert status == 400, answer
    assert "email_template.cc" in errors_of(answer)


def test_ten_recipients_are_sent_and_eleven_are_a_400(outbox: Path) -> None:
    order = create_order(ORDER)
    cc = ",".join(f"cc{n}@example.com" for n in range(5))
    bcc = ",".join(f"bcc{n}@example.com" for n in range(4))
    status, answer = notify(order["id"], {**TEMPLATE, "cc": cc, "bcc": bcc})
    assert status == 200, answer
    assert len(answer["cc"]) + len(answer["bcc"]) == 9
    status, answer = notify(order["id"], {**TEMPLATE, "cc": cc, "bcc": bcc + ",bcc9@example.com"})
    assert status == 400, answer
    assert "10 recipients" in errors_of(answer)["email_template.bcc"]
    assert len(sent(outbox)) == 1


def test_a_body_over_100_kb_is_a_413_even_in_few_characters(outbox: Path) -> None:
    order = create_order(ORDER)
    status, answer = notify(order["id"], {**TEMPLATE, "body": "é" * 51_201})  # 102,402 bytes
    assert status == 413, answer
    assert answer["code"] == "payload_too_large"
    status, answer = notify(order["id"], {**TEMPLATE, "body": "x" * 102_401})
    assert status == 413, answer
    assert sent(outbox) == []


def test_a_rendered_body_over_256_kb_is_a_413_before_sending(outbox: Path) -> None:
    # GIVEN 200 lines of 500 characters, each printed three times: 300,000 bytes
    order = create_order({"line_items": [{"description": "d" * 500, "quantity": 1, "unit_price": 1}] * 200})
    three = "{{description}}" * 3
    template = {**TEMPLATE, "body": "{{#order.line_items}}" + three + "{{/order.line_items}}"}
    status, answer = notify(order["id"], template)
    assert status == 413, answer
    assert sent(outbox) == []


def test_an_unknown_order_is_a_404(outbox: Path) -> None:
    status, answer = notify("01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert status == 404, answer
    assert answer["code"] == "not_found"


def test_an_unknown_line_number_is_a_404_naming_it(outbox: Path) -> None:
    order = create_order(ORDER)
    status, answer = notify(order["id"], line=7)
    assert status == 404, answer
    assert "line_number 7" in answer["detail"]
    assert sent(outbox) == []


def test_a_key_of_another_tenant_is_a_403(outbox: Path) -> None:
    order = create_order(ORDER)
    status, answer = notify(order["id"], tenant="tenant-a", caller="tenant-b")
    assert status == 403, answer
    assert sent(outbox) == []


def test_a_key_of_another_tenant_on_its_own_path_finds_no_order(outbox: Path) -> None:
    order = create_order(ORDER)
    status, _ = notify(order["id"], tenant="tenant-b")
    assert status == 404
    assert sent(outbox) == []


def test_a_failing_outbox_is_a_502_and_the_order_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orders_domain.runtime import wiring

    # GIVEN an outbox path that cannot be written (a directory stands where its folder should be)
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("ORDERS_EMAIL_OUTBOX", str(tmp_path / "file" / "outbox.jsonl"))
    wiring.reset()
    order = create_order(ORDER)
    before = version_of(order["id"])
    status, answer = notify(order["id"])
    assert status == 502, answer
    assert answer["code"] == "email_send_failed"
    assert "not sent" in answer["detail"]
    assert version_of(order["id"]) == before
    wiring.reset()
