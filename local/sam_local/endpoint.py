"""The local AWS endpoint the containers call: DynamoDB Local, and moto for the rest of AWS.

A function in a container reaches the host at host.docker.internal (`--add-host
host.docker.internal:host-gateway`: the host's address on Docker's default bridge); SAM's
`--docker-network host` leaves the container on the bridge, so 127.0.0.1 would be the container
itself. The env-vars file points DYNAMODB_ENDPOINT_URL there, and the image's bootstrap sends every
other AWS call to the same address (AWS_ENDPOINT_URL). One small forwarding server listens on it:
DynamoDB's calls (their X-Amz-Target names DynamoDB) go to DynamoDB Local, everything else (the
stream consumer's PutEvents, notify_order's SendEmail) to an in-process moto server, which checks
them as AWS would (the bus must exist, the sender must be a verified identity) and answers.
"""

from __future__ import annotations

import http.client
import logging
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from local.dynamodb_local import DUMMY_CREDENTIAL, REGION, DynamoDBLocal, DynamoDBLocalError, free_port
from local.sam_local import SamLocalError

#: X-Amz-Target prefixes of DynamoDB's and DynamoDB Streams' calls.
DYNAMODB_TARGETS = ("DynamoDB_", "DynamoDBStreams_")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "content-length"}
#: How long the forwarder waits for DynamoDB Local or moto (a function's own timeout is 10 s).
UPSTREAM_TIMEOUT_SECONDS = 30.0


def upstream_for(headers: Mapping[str, str]) -> str:
    """ "dynamodb" for a call to DynamoDB or its Streams API, "aws" (moto) for any other."""
    target = next((value for name, value in headers.items() if name.lower() == "x-amz-target"), "")
    return "dynamodb" if target.startswith(DYNAMODB_TARGETS) else "aws"


def dynamodb_local_fix(error: str) -> str:
    """DynamoDB Local's start-up error on one line, with what to do about it."""
    first = error.splitlines()[0] if error else "it did not start"
    if "java not found" in first:
        return f"{first}: install one (Debian: apt-get install openjdk-17-jre-headless)"
    if "not found" in first:
        return f"{first.split(' (')[0]}: run make install (npm ci puts it under node_modules)"
    return f"{first} (see its log above; is another process holding its port?)"


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _ForwardingServer

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        host, port = self.server.upstreams[upstream_for(dict(self.headers.items()))]
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        try:
            connection = http.client.HTTPConnection(host, port, timeout=UPSTREAM_TIMEOUT_SECONDS)
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            status, reason, answer = response.status, response.reason, response.read()
            answer_headers = response.getheaders()
            connection.close()
        except OSError as error:
            status, reason, answer, answer_headers = 502, "Bad Gateway", str(error).encode(), []
        self.send_response(status, reason)
        for name, value in answer_headers:
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _forward

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a run makes hundreds of calls."""


class _ForwardingServer(ThreadingHTTPServer):
    daemon_threads = True
    upstreams: dict[str, tuple[str, int]]


class LocalAws:
    """`with LocalAws(ROOT, bind_host=gateway) as aws:` DynamoDB Local, moto and the forwarder.

    `container_url` is what the env-vars file gives the functions; `dynamodb_url` (DynamoDB Local
    itself, on the host's loopback) and `url` (the forwarder) are for this process.
    """

    def __init__(
        self, root: Path, *, bind_host: str, port: int | None = None, bus_name: str, sender: str
    ) -> None:
        self.root, self.bind_host, self.port = root, bind_host, port
        self.bus_name, self.sender = bus_name, sender
        self.dynamodb = DynamoDBLocal(root)
        self._moto: Any = None
        self._moto_port = 0
        self._server: _ForwardingServer | None = None

    @property
    def url(self) -> str:
        return f"http://{self.bind_host}:{self.port}"

    @property
    def container_url(self) -> str:
        return f"http://host.docker.internal:{self.port}"

    @property
    def dynamodb_url(self) -> str:
        assert self.dynamodb.endpoint_url is not None
        return self.dynamodb.endpoint_url

    def start(self) -> LocalAws:
        try:
            self.dynamodb.start()
        except DynamoDBLocalError as error:
            raise SamLocalError(f"DynamoDB Local is not up: {dynamodb_local_fix(str(error))}") from None
        moto_port = self._start_moto()
        try:
            server = _ForwardingServer((self.bind_host, self.port or 0), _Forward)
        except OSError as error:
            raise SamLocalError(
                f"cannot listen on {self.bind_host}:{self.port or 0} for the containers ({error.strerror}): "
                "free that port, or change DYNAMODB_ENDPOINT_URL's in the env-vars file"
            ) from None
        server.upstreams = {
            "dynamodb": ("127.0.0.1", int(self.dynamodb.port or 0)),
            "aws": ("127.0.0.1", moto_port),
        }
        self._server = server
        self.port = int(server.server_address[1])
        threading.Thread(target=server.serve_forever, name="sam-local-endpoint", daemon=True).start()
        return self

    def _start_moto(self) -> int:
        from moto.server import ThreadedMotoServer

        # moto serves through werkzeug, whose line per request would drown the run's own output.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._moto_port = free_port()
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self._moto_port, verbose=False)
        self._moto.start()
        self.moto_client("events").create_event_bus(Name=self.bus_name)
        self.moto_client("sesv2").create_email_identity(EmailIdentity=self.sender)
        return self._moto_port

    def moto_client(self, service: str) -> Any:
        """A boto3 client of moto (what the functions' non-DynamoDB calls reach)."""
        import boto3

        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=f"http://127.0.0.1:{self._moto_port}",
            region_name=REGION,
            aws_access_key_id=DUMMY_CREDENTIAL,
            aws_secret_access_key=DUMMY_CREDENTIAL,
        )

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        self.dynamodb.stop()

    def __enter__(self) -> LocalAws:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
