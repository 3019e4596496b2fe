"""The fuzz's HTTP client: one request to the running API, its status, body and headers. Every
module sends through `client.call` and `client.exchange`, so a test replaces them here."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


def call(
    base: str,
    method: str,
    path: str,
    key: str | None,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
) -> tuple[int, str]:
    status, text, _ = exchange(base, method, path, key, body, headers=headers)
    return status, text


def exchange(
    base: str,
    method: str,
    path: str,
    key: str | None,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
) -> tuple[int, str, dict[str, str]]:
    """The status, body and headers of one request: a body as JSON, or a string as it is (its
    `Content-Type` in `headers`); `headers` added to (or replacing) the defaults."""
    data = (body if isinstance(body, str) else json.dumps(body)).encode() if body is not None else None
    sent = {"Content-Type": "application/json"} if data is not None else {}
    if key is not None:
        sent["Authorization"] = key
    sent.update(headers or {})
    request = urllib.request.Request(base + path, data=data, method=method, headers=sent)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
            return response.status, response.read().decode("utf-8", "replace"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace"), dict(error.headers)
