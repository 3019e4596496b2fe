"""`python -m local.serve` (`make serve`): the whole API on http://127.0.0.1:$ORDERS_PORT, no AWS, no Docker.

DynamoDB: $DYNAMODB_ENDPOINT_URL when set, else DynamoDB Local persisted under .local-data/dynamodb
(needs Java and `npm install`), else an in-memory moto server.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from typing import Any

    from orders_domain.storage.email import LocalOutbox

    from local.event_sink import LocalEventSink
    from local.gateway import LocalRequest
    from local.stream import StreamPoller

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PORT = 3000
HOST = "127.0.0.1"
DEV_TENANT = "dev-tenant"
TABLES = {"OrdersTable": "ORDERS_TABLE_NAME", "IdempotencyTable": "IDEMPOTENCY_TABLE_NAME"}
#: The gateway's own route to the events the stream consumer published (local/event_sink.py): an API
#: key's tenant's events only.
EVENTS_PATH = "/_local/events"
#: The gateway's own route to the e-mails notify_order sent (no SES here): an API key's tenant's only.
OUTBOX_PATH = "/_local/outbox"


def _configure_environment() -> None:
    """What Lambda and the template give the functions on AWS; must run before any function import."""
    os.environ.setdefault("ORDERS_TABLE_NAME", "orders-local")
    os.environ.setdefault("IDEMPOTENCY_TABLE_NAME", "orders-idempotency-local")
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    os.environ["AWS_REGION"] = "us-east-1"
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"  # no X-Ray daemon here
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "OrdersApi")
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "orders")
    # Page tokens are signed with it (on AWS the template generates one): a new one per run, so a
    # token of an earlier run is a 400 after a restart.
    os.environ.setdefault("ORDERS_PAGE_TOKEN_SECRET", secrets.token_urlsafe(32))
    # No SES here: notify_order's e-mails are appended to a file (GET /_local/outbox reads them back).
    os.environ.setdefault("ORDERS_EMAIL_OUTBOX", str(_data_dir() / "outbox.jsonl"))
    # The layer is on sys.path in Lambda (/opt/python); here it is a folder of the repository.
    for path in (str(ROOT / "layers" / "orders_domain"), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)


@contextlib.contextmanager
def _dynamodb() -> Iterator[str]:
    """Yield the endpoint URL of the DynamoDB to use, and stop whatever was started for it afterwards."""
    from local.dynamodb_local import DynamoDBLocal, DynamoDBLocalError, free_port, jar_path, java_available

    endpoint = os.environ.get("DYNAMODB_ENDPOINT_URL")
    if endpoint:
        print(f"DynamoDB: {endpoint} (DYNAMODB_ENDPOINT_URL)")
        yield endpoint
        return
    if java_available() and jar_path(ROOT):
        data = _data_dir() / "dynamodb"
        ddb = DynamoDBLocal(ROOT, db_path=data)
        try:
            ddb.start()
        except DynamoDBLocalError as error:
            raise SystemExit(str(error)) from None
        assert ddb.endpoint_url is not None
        print(f"DynamoDB: DynamoDB Local on {ddb.endpoint_url}, data kept in {data}/")
        try:
            yield ddb.endpoint_url
        finally:
            ddb.stop()
        return
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as error:
        raise SystemExit(
            f"no DynamoDB to run against: Java with DynamoDBLocal.jar (npm install) is missing and "
            f"moto[server] does not import ({error}); run `make install`"
        ) from None

    # moto serves through werkzeug, whose per-request log lines would drown the gateway's own.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = free_port()
    server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    server.start()
    reason = "no java on PATH" if not java_available() else "DynamoDBLocal.jar missing (run `npm install`)"
    print(f"DynamoDB: in-memory moto server on http://{HOST}:{port} ({reason}; data is lost on exit)")
    try:
        yield f"http://{HOST}:{port}"
    finally:
        server.stop()


def _parse_api_keys(spec: str, all_scopes: tuple[str, ...]) -> list[tuple[str, str, list[str]]]:
    """`tenantA:keyA:scope1 scope2,tenantB:keyB` -> [(tenant, key, scopes)]; no scopes means all."""
    keys = []
    for entry in filter(None, (part.strip() for part in spec.split(","))):
        tenant, _, rest = entry.partition(":")
        key, _, scopes = rest.partition(":")
        if not tenant or not key:
            raise SystemExit(f"ORDERS_API_KEYS: {entry.split(':')[0]!r}... is not tenant:key[:scopes]")
        keys.append((tenant, key, scopes.split() or list(all_scopes)))
    return keys


def _dev_api_key() -> str:
    # Random, but kept under .local-data so the key printed yesterday still works today.
    path = _data_dir() / "dev-api-key"
    if path.is_file() and path.read_text(encoding="utf-8").strip():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = f"dev-{secrets.token_urlsafe(24)}"
    path.write_text(key + "\n", encoding="utf-8")
    path.chmod(0o600)
    return key


def _data_dir() -> Path:
    """Where local data lives (ORDERS_DATA_DIR, default .local-data): kept across restarts."""
    return Path(os.environ.get("ORDERS_DATA_DIR") or ROOT / ".local-data")


class SeededKey(NamedTuple):
    tenant: str
    key: str
    scopes: list[str]
    #: False when the key was revoked: a restart never brings it back.
    active: bool = True


def _seed_api_keys() -> list[SeededKey]:
    """Store the keys `make serve` prints: ORDERS_API_KEYS, or else the dev key. A key already in the
    table is left as it is (a revoked one stays revoked), except that an active key seeded from
    ORDERS_API_KEYS takes the tenant and scopes the variable now gives it."""
    from orders_domain.http.auth import hash_key, store_api_key
    from orders_domain.http.routes import ALL_SCOPES
    from orders_domain.runtime import wiring

    spec = os.environ.get("ORDERS_API_KEYS", "").strip()
    keys = _parse_api_keys(spec, ALL_SCOPES) if spec else []
    if not keys:
        keys = [(DEV_TENANT, _dev_api_key(), list(ALL_SCOPES))]
    store = wiring.current().api_keys
    seeded = []
    for tenant, key, scopes in keys:
        existing = store.get(hash_key(key))
        if existing is not None and not existing.active:
            seeded.append(SeededKey(tenant, key, scopes, active=False))
            continue
        if existing is None or (existing.tenant_id, existing.scopes) != (tenant, tuple(scopes)):
            try:
                store_api_key(store, tenant, key, scopes)
            except ValueError as error:
                raise SystemExit(f"cannot seed the API key of tenant {tenant!r}: {error}") from None
        seeded.append(SeededKey(tenant, key, scopes))
    return seeded


def _raise_keyboard_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    """Serve until Ctrl-C (or SIGTERM), then stop DynamoDB Local."""
    _configure_environment()
    port = int(os.environ.get("ORDERS_PORT") or DEFAULT_PORT)
    # SIGTERM (e.g. from a process manager) must unwind like Ctrl-C, or DynamoDB Local outlives us.
    previous = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        with _dynamodb() as endpoint:
            return _serve(endpoint, port)
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def _serve(endpoint: str, port: int) -> int:
    import boto3

    from local.gateway import Gateway, tenant_plans_from_env
    from local.tables import create_tables

    try:
        plans = tenant_plans_from_env()
    except ValueError as bad:
        raise SystemExit(str(bad)) from None

    os.environ["DYNAMODB_ENDPOINT_URL"] = endpoint
    # botocore's own per-service endpoint variable: any client made without endpoint_url (e.g. one
    # created by a library) reaches the same local DynamoDB instead of AWS.
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
    template = ROOT / "template.yaml"
    client = boto3.client("dynamodb", endpoint_url=endpoint)
    create_tables(client, {logical: os.environ[variable] for logical, variable in TABLES.items()}, template)
    sink, outbox = _install_event_sink()
    keys = _seed_api_keys()

    gateway = Gateway(
        template,
        local_routes={EVENTS_PATH: sink.answer, OUTBOX_PATH: outbox_route(outbox)},
        tenant_plans=plans,
    )
    for module, error in gateway.warm().items():
        print(f"warning: {module} does not import ({error}); its routes answer 502", file=sys.stderr)
    try:
        server = gateway.make_server(HOST, port)
    except OSError as error:
        raise SystemExit(
            f"cannot listen on {HOST}:{port} ({error}); set ORDERS_PORT to another port"
        ) from None

    poller = _start_stream_consumer(endpoint, template)
    url = f"http://{HOST}:{port}"
    tenant, key, _, _ = next((k for k in keys if k.active), keys[0])
    print(f"Orders API on {url}  (OpenAPI: {url}/openapi.json, Swagger UI: {url}/swagger)")
    print(f"Operator console: {url}/console  (paste one of the keys below into it)")
    for each in keys:
        if each.active:
            print(f"API key for tenant {each.tenant} ({' '.join(each.scopes)}): {each.key}")
        else:
            print(
                f"API key for tenant {each.tenant}: {each.key} is revoked and stays revoked", file=sys.stderr
            )
    if not any(each.active for each in keys):
        hint = (
            "name another key in ORDERS_API_KEYS"
            if os.environ.get("ORDERS_API_KEYS", "").strip()
            else f"delete {_data_dir() / 'dev-api-key'} and restart for a new dev key"
        )
        print(f"no active API key: {hint}", file=sys.stderr)
    print(
        f"try:  curl -s -X POST {url}/orders/{tenant} -H 'Authorization: {key}'"
        " -H 'Content-Type: application/json'"
        """ -d '{"line_items": [{"description": "Ticket", "quantity": 2, "unit_price": 13.75}]}'"""
    )
    if poller is not None:
        print(
            f"Stream consumer: {os.environ['ORDERS_TABLE_NAME']}'s stream -> OrderStreamFunction (history, "
            f"coupon usage, events); events: GET {url}{EVENTS_PATH} (a key's tenant's) and {sink.path}"
        )
    print(f"E-mail: notify_order's messages go to {outbox.path}; GET {url}{OUTBOX_PATH} (a key's tenant's)")
    if plans:
        named = ", ".join(f"{tenant} {plan.rate:g}/s burst {plan.burst}" for tenant, plan in plans.items())
        print(f"Tenant plans (ORDERS_TENANT_PLANS): {named}; over its plan a tenant gets 429 rate_limited")
    print("Ctrl-C to stop.", flush=True)
    with server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("stopping", flush=True)
        finally:
            if poller is not None:
                poller.stop()  # before DynamoDB stops, or its last poll fails noisily
    return 0


def _install_event_sink() -> tuple[LocalEventSink, LocalOutbox]:
    """Every handler of this process publishes its domain events to one local sink (no EventBridge
    here) and sends e-mail to one local outbox (no SES): the wiring all of them share gets both
    instead of building an EventBridge publisher and an SES client."""
    from orders_domain.runtime import wiring
    from orders_domain.storage.email import LocalOutbox

    from local.event_sink import LocalEventSink

    sink = LocalEventSink(_data_dir() / "events.jsonl")
    identity = os.environ.get("ORDERS_EMAIL_SENDER", "").strip() or wiring.LOCAL_EMAIL_SENDER
    outbox = LocalOutbox(Path(os.environ["ORDERS_EMAIL_OUTBOX"]), identity)
    wiring.reset(wiring.Wiring(event_publisher=sink, email_sender=outbox))
    return sink, outbox


def outbox_route(outbox: LocalOutbox) -> Callable[[LocalRequest], tuple[int, dict[str, Any]]]:
    """`GET /_local/outbox` with an API key (read scope), checked as the authorizer checks it:
    `{"messages": [...]}`, the key's tenant's, oldest first (local.event_sink.key_tenant refuses
    a missing or unknown key, 401, and a key without `orders:read`, 403)."""
    from local.event_sink import key_tenant

    def answer(request: LocalRequest) -> tuple[int, dict[str, Any]]:
        return 200, {"messages": outbox.messages(key_tenant(request.headers))}

    return answer


def _start_stream_consumer(endpoint: str, template: Path) -> StreamPoller | None:
    """Poll the orders table's stream and hand its records to OrderStreamFunction as Lambda's event
    source mapping would; None (and a warning) when the endpoint has no Streams API to read."""
    from local.stream import order_stream_poller
    from local.tables import load_template

    try:
        poller = order_stream_poller(
            endpoint,
            os.environ["ORDERS_TABLE_NAME"],
            load_template(template),
            _data_dir() / "stream-checkpoints.json",
        )
        return poller.start()
    except Exception as error:  # noqa: BLE001 - the API still serves; only the projections stop
        print(
            f"warning: no stream consumer ({type(error).__name__}: {error}); order history, coupon "
            "usage rows and events are not made",
            file=sys.stderr,
        )
        return None


if __name__ == "__main__":
    sys.exit(main())
