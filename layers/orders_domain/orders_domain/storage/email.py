"""The EmailSender port: Amazon SES (API v2) on AWS, a JSON-lines outbox under `make serve` and in
tests. Either failing is EmailSendFailed (502): the message was not sent, and nothing else changed.

Both send the same envelope (`domain.notifications.envelope`): From is the deployment's sender
identity (`ORDERS_EMAIL_SENDER`, the template's `NotificationSenderIdentity`) with the template's
display name; Reply-To the template's `reply_to`, else its `from` when that is another address.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orders_domain.domain.notifications import EmailMessage, EmailSendFailed, envelope

_NOT_SENT = "The e-mail was not sent: the e-mail service failed; nothing else changed. Retry later."


class SesEmailSender:
    """SES v2 `SendEmail`, simple content, HTML body in UTF-8. The client is made on the first send
    (`client`: a factory), so no other function's cold start pays for it."""

    def __init__(self, client: Callable[[], Any], identity: str) -> None:
        self._make_client = client
        self._client: Any = None
        self._lock = threading.Lock()
        self.identity = identity

    def _ses(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._make_client()
            return self._client

    def request(self, message: EmailMessage) -> dict[str, Any]:
        """The SendEmail arguments for `message`."""
        sender, reply_to = envelope(message, self.identity)
        destination: dict[str, list[str]] = {"ToAddresses": [message.to]}
        if message.cc:
            destination["CcAddresses"] = list(message.cc)
        if message.bcc:
            destination["BccAddresses"] = list(message.bcc)
        arguments: dict[str, Any] = {
            "FromEmailAddress": sender,
            "Destination": destination,
            "Content": {
                "Simple": {
                    "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                    "Body": {"Html": {"Data": message.body, "Charset": "UTF-8"}},
                }
            },
        }
        if reply_to:
            arguments["ReplyToAddresses"] = [reply_to]
        return arguments

    def send(self, message: EmailMessage) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self._ses().send_email(**self.request(message))
        except (ClientError, BotoCoreError) as error:  # refused, throttled, unreachable, timed out
            raise EmailSendFailed(_NOT_SENT) from error
        return str(answer["MessageId"])


class LocalOutbox:
    """Appends each message as one JSON line to `path` (under `.local-data/`): what `make serve`
    and the tests send to, and what `GET /_local/outbox` reads back, per tenant, oldest first."""

    def __init__(self, path: Path, identity: str) -> None:
        self.path = path
        self.identity = identity
        self._lock = threading.Lock()

    def send(self, message: EmailMessage) -> str:
        _, reply_to = envelope(message, self.identity)
        record = {
            "id": f"local-{uuid.uuid4().hex}",
            "tenant_id": message.tenant_id,
            "order_id": message.order_id,
            "to": message.to,
            "from": self.identity,
            "from_name": message.from_name,
            "reply_to": reply_to,
            "cc": list(message.cc),
            "bcc": list(message.bcc),
            "subject": message.subject,
            "body": message.body,
            "sent_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        try:
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as file:
                    file.write(line)
        except OSError as error:
            raise EmailSendFailed(_NOT_SENT) from error
        return str(record["id"])

    def messages(self, tenant_id: str) -> list[dict[str, Any]]:
        """The tenant's messages, oldest first (a line cut short by a crash is skipped)."""
        if not self.path.is_file():
            return []
        found = []
        with self._lock, self.path.open(encoding="utf-8", errors="replace") as file:
            for line in file:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict) and record.get("tenant_id") == tenant_id:
                    found.append(record)
        return found
