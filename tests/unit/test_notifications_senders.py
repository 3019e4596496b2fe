"""notify_order's senders: SES v2 called with the right arguments (botocore Stubber), SES failures as
502s that change nothing, the local outbox and `GET /_local/outbox` (the key's tenant's messages)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from tests.helpers import seed_key
from tests.patch_helpers import create_order
from tests.unit.test_notifications import ORDER, TEMPLATE, notify, version_of

pytestmark = pytest.mark.usefixtures("tables")

IDENTITY = "orders@shop.example.com"


@pytest.fixture
def ses(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    """The handlers send through SesEmailSender on a stubbed SES v2 client."""
    from orders_domain.runtime import wiring
    from orders_domain.storage.email import SesEmailSender

    monkeypatch.delenv("ORDERS_EMAIL_OUTBOX", raising=False)
    client = boto3.client("sesv2", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.activate()
    wiring.reset(wiring.Wiring(email_sender=SesEmailSender(lambda: client, IDENTITY)))
    yield stubber
    stubber.deactivate()
    wiring.reset()


def test_given_ses_when_sent_then_send_email_gets_the_identity_reply_to_and_an_html_body(
    ses: Stubber,
) -> None:
    # GIVEN an order, and SES expecting exactly this call
    order = create_order(ORDER)
    ses.add_response(
        "send_email",
        {"MessageId": "0100-ses-id"},
        {
            "FromEmailAddress": f"Box Office <{IDENTITY}>",
            "Destination": {"ToAddresses": ["guest@example.com"], "CcAddresses": ["cc@example.com"]},
            "ReplyToAddresses": ["box-office@example.com"],
            "Content": {
                "Simple": {
                    "Subject": {"Data": f"Order {order['number']}", "Charset": "UTF-8"},
                    "Body": {
                        "Html": {
                            "Data": f"<p>Order {order['number']}: Ticket at 20.00</p>",
                            "Charset": "UTF-8",
                        }
                    },
                }
            },
        },
    )
    # WHEN the notification of line 1 is sent with a cc
    status, answer = notify(order["id"], {**TEMPLATE, "cc": "cc@example.com"}, line=1)
    # THEN SES was called so, and its message id is the answer's
    assert status == 200, answer
    assert answer["message_id"] == "0100-ses-id"
    ses.assert_no_pending_responses()


def test_a_from_name_beyond_ascii_is_encoded_and_an_explicit_reply_to_wins(ses: Stubber) -> None:
    order = create_order(ORDER)
    ses.add_response(
        "send_email",
        {"MessageId": "m-2"},
        {
            "FromEmailAddress": f"=?utf-8?b?Q2Fmw6k=?= <{IDENTITY}>",
            "Destination": {"ToAddresses": ["guest@example.com"]},
            "ReplyToAddresses": ["help@example.com"],
            "Content": {
                "Simple": {
                    "Subject": {"Data": "Hi", "Charset": "UTF-8"},
                    "Body": {"Html": {"Data": "x", "Charset": "UTF-8"}},
                }
            },
        },
    )
    template = {**TEMPLATE, "from_name": "Café", "reply_to": "help@example.com", "subject": "Hi", "body": "x"}
    status, answer = notify(order["id"], template)
    assert status == 200, answer
    ses.assert_no_pending_responses()


@pytest.mark.parametrize("code", ["MessageRejected", "TooManyRequestsException", "AccountSuspendedException"])
def test_an_ses_failure_is_a_502_and_the_order_is_unchanged(ses: Stubber, code: str) -> None:
    order = create_order(ORDER)
    before = version_of(order["id"])
    ses.add_client_error("send_email", service_error_code=code, http_status_code=400)
    status, answer = notify(order["id"])
    assert status == 502, answer
    assert answer["code"] == "email_send_failed"
    assert "not sent" in answer["detail"]
    assert version_of(order["id"]) == before


def test_nothing_reaches_ses_when_the_template_is_refused(ses: Stubber) -> None:
    order = create_order(ORDER)
    status, _ = notify(order["id"], {**TEMPLATE, "subject": "a\r\nb"})
    assert status == 400
    ses.assert_no_pending_responses()  # no call was expected, and none was made


def test_without_an_outbox_or_a_sender_identity_the_wiring_refuses_to_build_ses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from orders_domain.runtime import wiring

    monkeypatch.delenv("ORDERS_EMAIL_OUTBOX", raising=False)
    monkeypatch.delenv("ORDERS_EMAIL_SENDER", raising=False)
    with pytest.raises(RuntimeError, match="ORDERS_EMAIL_SENDER"):
        _ = wiring.Wiring().email_sender
    monkeypatch.setenv("ORDERS_EMAIL_SENDER", IDENTITY)
    from orders_domain.storage.email import SesEmailSender

    sender = wiring.Wiring().email_sender
    assert isinstance(sender, SesEmailSender)
    assert sender.identity == IDENTITY


# ------------------------------------------------------------------ GET /_local/outbox
def test_the_local_outbox_route_answers_the_keys_tenants_messages_newest_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orders_domain.runtime import wiring
    from orders_domain.storage.email import LocalOutbox

    from local.gateway import LocalRequest, LocalRouteRefused
    from local.serve import outbox_route

    # GIVEN an outbox holding messages of two tenants
    outbox = LocalOutbox(tmp_path / "outbox.jsonl", IDENTITY)
    wiring.reset(wiring.Wiring(email_sender=outbox))
    a1 = create_order(ORDER)
    b1 = create_order(ORDER, tenant="tenant-b")
    assert notify(a1["id"], {**TEMPLATE, "subject": "first"})[0] == 200
    assert notify(b1["id"], tenant="tenant-b")[0] == 200
    assert notify(a1["id"], {**TEMPLATE, "subject": "second"})[0] == 200
    seed_key("tenant-a", "key-a-read", ["orders:read"])
    seed_key("tenant-a", "key-a-write", ["orders:write"])
    route = outbox_route(outbox)
    # WHEN tenant-a's read key asks
    status, answer = route(LocalRequest({}, {"x-api-key": "key-a-read"}))
    # THEN tenant-a's two messages, oldest first, each with every documented field
    assert status == 200
    messages = answer["messages"]
    assert [m["subject"] for m in messages] == ["first", "second"]
    assert {m["tenant_id"] for m in messages} == {"tenant-a"}
    assert set(messages[0]) == {
        "id", "tenant_id", "order_id", "to", "from", "from_name", "reply_to", "cc", "bcc", "subject", "body",
        "sent_at",
    }  # fmt: skip
    # AND a key without read scope, or no key, is refused as the gateway refuses
    with pytest.raises(LocalRouteRefused) as refused:
        route(LocalRequest({}, {"x-api-key": "key-a-write"}))
    assert refused.value.response_type == "ACCESS_DENIED"
    with pytest.raises(LocalRouteRefused) as refused:
        route(LocalRequest({}, {}))
    assert refused.value.response_type == "UNAUTHORIZED"
    wiring.reset()


def test_a_line_cut_short_in_the_outbox_file_is_skipped(tmp_path: Path) -> None:
    from orders_domain.domain.notifications import EmailMessage
    from orders_domain.storage.email import LocalOutbox

    outbox = LocalOutbox(tmp_path / "outbox.jsonl", IDENTITY)
    message_id = outbox.send(EmailMessage("t", "o", "a@example.com", "s", "b"))
    with (tmp_path / "outbox.jsonl").open("a", encoding="utf-8") as file:
        file.write('{"tenant_id": "t", "subj')
    found: list[dict[str, Any]] = outbox.messages("t")
    assert [m["id"] for m in found] == [message_id]
    assert json.loads((tmp_path / "outbox.jsonl").read_text().splitlines()[0])["from"] == IDENTITY
