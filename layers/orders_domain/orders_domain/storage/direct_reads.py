"""GetItem and Query without the SDK's per-call machinery: the reads every GET of an order makes, by
id or by guest token (issue 36).

A warm GetItem through botocore costs about 0.8 ms of CPU here, of which the request on the wire
(one keep-alive HTTP request, a few KB back) is a quarter: the rest is the SDK building the request
(parameter events, endpoint rules, serialising, its headers class), signing it, sending it through
its urllib3 session (a proxy lookup in the environment per call, the pool, a streaming body) and
parsing the answer against the service model. `DirectReads.get_item` and `.query` send the same
request with the same pieces a botocore client uses where they cost little, and none of the rest:

- the request is the operation's JSON as DynamoDB's wire protocol defines it (the parameters are
  already DynamoDB JSON: storage/ builds them), signed by botocore's own SigV4 signer with the client's own
  credentials (refreshed as the client's are), to the client's own endpoint and region;
- it travels on one keep-alive `http.client` connection per thread (TLS verified against the CA
  bundle botocore uses, or AWS_CA_BUNDLE), with the client's timeouts;
- the answer is taken only when it is whole and plain: status 200, its CRC32 as DynamoDB stamped
  it, and items of scalar attributes only (what botocore's parser would return unchanged).

Anything else - an error status, a broken or timed-out connection, a CRC mismatch, a proxy in the
environment - and the call returns None: the caller makes the same call through the client, whose
retries, backoff and error mapping take over (so an error is read once here and once there: a read
has no effect to repeat).

Hooks see the call as they see the SDK's: `before-parameter-build`, `before-call` and `before-send`,
then `after-call` with the parsed answer (or `after-call-error`). A hook that answers the call (moto,
a fault injector, a canned answer) is taken as botocore takes it: its answer is read like one from the
wire, and one that raises or is not a plain 200 sends the call to the SDK. Written here rather than
taken from a library because no maintained client (botocore's, aiobotocore's) offers a cheaper path
per call; the signing and the CA bundle are botocore's own, the timeouts and User-Agent the client's.
"""

from __future__ import annotations

import http.client
import json
import os
import ssl
import threading
import zlib
from typing import Any
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.httpsession import get_cert_path

#: The operations sent directly, and the members of their answers that hold items.
_ITEMS_OF = {"GetItem": ("Item",), "Query": ("Items", "LastEvaluatedKey")}
_CONTENT_TYPE = "application/x-amz-json-1.0"
#: Attribute types whose wire form botocore's parser returns as it is (no base64 to decode).
_PLAIN_TYPES = frozenset({"S", "N", "BOOL", "NULL", "SS", "NS"})
_PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
_PRODUCT = "orders-api"


class DirectReads:
    """GetItem and Query on a botocore DynamoDB client's endpoint, credentials and hooks (module
    docstring)."""

    def __init__(self, client: Any, credentials: Any) -> None:
        self._client = client
        self._credentials = credentials
        self._events = client.meta.events
        self._models = {name: client.meta.service_model.operation_model(name) for name in _ITEMS_OF}
        self._region = client.meta.region_name
        parts = urlsplit(client.meta.endpoint_url)
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname or "", parts.port
        self._path = parts.path or "/"
        # The URL as botocore sends it (the endpoint and its path, `/` when it has none).
        self._url = f"{parts.scheme}://{parts.netloc}{self._path}"
        self._local = threading.local()
        self._tls: ssl.SSLContext | None = None
        self._user_agent = str(client.meta.config.user_agent or _PRODUCT)

    @classmethod
    def for_client(cls, client: Any) -> DirectReads | None:
        """The client's direct reads, or None when this process should leave every read to the SDK:
        an endpoint that is not plain http(s), a proxy (only the SDK honours one), or a client
        without SigV4 credentials."""
        signer = getattr(client, "_request_signer", None)  # the credentials the client signs with
        credentials = getattr(signer, "_credentials", None)
        url = urlsplit(str(client.meta.endpoint_url or ""))
        usable = url.scheme in ("http", "https") and bool(url.hostname) and not url.query
        if credentials is None or not usable or any(os.environ.get(v) for v in _PROXY_VARIABLES):
            return None
        if client.meta.config.proxies:
            return None
        return cls(client, credentials)

    def get_item(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """GetItem's answer as the client would return it, or None: make the call through the client."""
        return self._call("GetItem", params)

    def query(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """Query's answer (one page) as the client would return it, or None: make it through the client."""
        return self._call("Query", params)

    def _call(self, operation: str, params: dict[str, Any]) -> dict[str, Any] | None:
        context: dict[str, Any] = {}
        events, model = self._events, self._models[operation]
        events.emit(
            f"before-parameter-build.dynamodb.{operation}", params=params, model=model, context=context
        )
        try:
            answer = self._send(operation, params, context)
        except Exception as exc:  # noqa: BLE001 - any failure is the SDK's to retry and report
            self._close()
            events.emit(f"after-call-error.dynamodb.{operation}", exception=exc, context=context)
            return None
        if answer is None:
            events.emit(f"after-call-error.dynamodb.{operation}", exception=None, context=context)
            return None
        events.emit(
            f"after-call.dynamodb.{operation}",
            http_response=None,
            parsed=answer,
            model=model,
            context=context,
        )
        return answer

    def _send(self, operation: str, params: dict[str, Any], context: dict[str, Any]) -> dict[str, Any] | None:
        body = json.dumps(params, separators=(",", ":")).encode()
        target = f"DynamoDB_20120810.{operation}"
        headers = {"Content-Type": _CONTENT_TYPE, "X-Amz-Target": target, "User-Agent": self._user_agent}
        request_dict = {
            "url_path": self._path,
            "query_string": "",
            "method": "POST",
            "headers": headers,
            "body": body,
            "url": self._url,
            "context": context,
        }
        events = self._events
        # A `before-call` answer is (http response, parsed answer), as botocore takes it.
        _, answered = events.emit_until_response(
            f"before-call.dynamodb.{operation}",
            model=self._models[operation],
            params=request_dict,
            request_signer=None,
            context=context,
        )
        if answered is not None:
            http_response, parsed = answered
            return parsed if http_response.status_code == 200 and _plain(operation, parsed) else None
        request = AWSRequest("POST", self._url, data=body, headers=headers)
        SigV4Auth(self._credentials.get_frozen_credentials(), "dynamodb", self._region).add_auth(request)
        # A `before-send` answer (a test double's, a fault injector's) is the answer on the wire.
        _, sent = events.emit_until_response(f"before-send.dynamodb.{operation}", request=request.prepare())
        if sent is not None:
            crc = sent.headers.get("x-amz-crc32")
            return _answer(operation, sent.status_code, crc, sent.content, sent.headers)
        connection = self._connection()
        connection.request("POST", self._path, body=body, headers=dict(request.headers.items()))
        response = connection.getresponse()
        data = response.read()
        if response.getheader("Connection", "").lower() == "close":
            self._close()
        return _answer(operation, response.status, response.getheader("x-amz-crc32"), data, response.headers)

    def _connection(self) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is not None:
            return connection
        config = self._client.meta.config
        connect, read = config.connect_timeout, config.read_timeout
        if self._https:
            if self._tls is None:
                self._tls = ssl.create_default_context(
                    cafile=os.environ.get("AWS_CA_BUNDLE") or get_cert_path(True)
                )
            connection = http.client.HTTPSConnection(
                self._host, self._port, timeout=connect, context=self._tls
            )
        else:
            connection = http.client.HTTPConnection(self._host, self._port, timeout=connect)
        connection.connect()
        assert connection.sock is not None
        connection.sock.settimeout(read)
        self._local.connection = connection
        return connection

    def _close(self) -> None:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            connection.close()


def _plain(operation: str, answer: Any) -> bool:
    """Whether an answer is one botocore's parser returns as it is: an object whose items (an item,
    a page of items, a page's last key) have only attributes of scalar types (nothing base64 to
    decode) and whose other members are what JSON gives (no ConsumedCapacity: never asked for)."""
    if not isinstance(answer, dict) or "ConsumedCapacity" in answer:
        return False
    for member in _ITEMS_OF[operation]:
        held = answer.get(member)
        items = held if isinstance(held, list) else [held] if held is not None else []
        if not all(_plain_item(item) for item in items):
            return False
    return True


def _plain_item(item: Any) -> bool:
    return isinstance(item, dict) and all(
        isinstance(v, dict) and len(v) == 1 and next(iter(v)) in _PLAIN_TYPES for v in item.values()
    )


def _answer(operation: str, status: int, crc: str | None, data: bytes, headers: Any) -> dict[str, Any] | None:
    """The parsed answer of a whole, plain 200 (its CRC32 as DynamoDB stamped it), else None."""
    if status != 200 or (crc is not None and int(crc) != zlib.crc32(data)):
        return None
    answer = json.loads(data)
    if not _plain(operation, answer):
        return None
    answer["ResponseMetadata"] = {"HTTPStatusCode": 200, "RequestId": headers.get("x-amzn-RequestId")}
    return dict(answer)
