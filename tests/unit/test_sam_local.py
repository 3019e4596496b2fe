"""local.sam_local (`make sam-local`): its pure parts, with fakes; nothing here needs Docker or SAM.

Which event goes to which function (every events/*.json, every function), what a good answer is
and how a bad one reads, the one-line errors for what the run needs (a Docker daemon, the image,
DynamoDB Local), the local endpoint's routing, and the layer mistake --break-layer makes.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import docker
import pytest

from local.sam_local import ENV_FILE, EVENTS, TEMPLATE, SamLocalError
from local.sam_local.__main__ import break_layer_verdict
from local.sam_local.build import break_layer
from local.sam_local.checks import Outcome, answer_of, check
from local.sam_local.containers import (
    daemon_problem,
    ensure_daemon,
    ensure_image,
    recipe_hash,
    runtime_requirements,
)
from local.sam_local.endpoint import LocalAws, _Forward, _ForwardingServer, dynamodb_local_fix, upstream_for
from local.sam_local.expectations import EXPECTED, Expect, function_for, load_events, primary_events
from local.sam_local.invoke import Result, SamSettings, declared_variables, env_vars, sam_environment
from local.sam_local.start_api import REFUSED, Step, check_step
from local.sam_local.world import HANDLER_ENVIRONMENT, Facts, World, if_match_version
from local.tables import load_template

TEMPLATE_DATA = load_template(TEMPLATE)
EVENT_FILES = load_events(EVENTS)
FUNCTIONS = sorted(
    logical_id
    for logical_id, resource in TEMPLATE_DATA["Resources"].items()
    if resource["Type"] == "AWS::Serverless::Function"
)


def response(status: int, body: Any) -> str:
    """What `sam local invoke` prints for an API answer: the result as the last line of stdout."""
    text = body if isinstance(body, str) else json.dumps(body)
    return json.dumps({"statusCode": status, "headers": {}, "body": text}) + "\n"


# ---------------------------------------------------------------------------- events -> functions
@pytest.mark.parametrize("name", sorted(EVENT_FILES))
def test_every_event_file_goes_to_a_function_and_has_an_expected_answer(name: str) -> None:
    # GIVEN an events/*.json WHEN its function is looked up in template.yaml THEN there is one,
    # and the run knows what a good answer to it is
    assert function_for(EVENT_FILES[name], TEMPLATE_DATA) in FUNCTIONS
    assert name in EXPECTED


def test_every_function_gets_at_least_one_event_and_every_expectation_names_a_file() -> None:
    covered = {function_for(event, TEMPLATE_DATA) for event in EVENT_FILES.values()}
    assert sorted(covered) == FUNCTIONS
    assert sorted(EXPECTED) == sorted(EVENT_FILES)


@pytest.mark.parametrize(
    ("name", "function"),
    [
        ("authorizer.json", "AuthorizerFunction"),
        ("order_stream.json", "OrderStreamFunction"),
        ("coupon_code_action.json", "RefundOrderFunction"),
        ("distribution_place_order.json", "CreateOrderFunction"),
        ("portal_contact_orders.json", "SearchOrdersFunction"),
        ("get_order.json", "GetOrderFunction"),
    ],
)
def test_an_event_goes_to_the_function_of_its_route_its_authorizer_or_its_stream(
    name: str, function: str
) -> None:
    assert function_for(EVENT_FILES[name], TEMPLATE_DATA) == function


def test_an_event_on_a_route_no_function_has_is_an_error_naming_the_route() -> None:
    event = {**EVENT_FILES["get_order.json"], "resource": "/nowhere/{id}"}
    with pytest.raises(ValueError, match=re.escape("GET /nowhere/{id}")):
        function_for(event, TEMPLATE_DATA)


def test_a_quick_run_takes_each_functions_own_event() -> None:
    # GIVEN every event WHEN one per function is chosen THEN it is the one named after its folder
    chosen = primary_events(TEMPLATE_DATA, EVENT_FILES)
    assert len(chosen) == len(FUNCTIONS)
    assert {function_for(EVENT_FILES[name], TEMPLATE_DATA) for name in chosen} == set(FUNCTIONS)
    assert "create_order.json" in chosen
    assert "authorizer.json" in chosen


# ---------------------------------------------------------------------------- what is a good answer
ORDER = Expect(201, ("id", "status"))


def test_a_good_response_passes_with_its_status() -> None:
    outcome = check(ORDER, response(201, {"id": "o1", "status": "paid"}))
    assert (outcome.ok, outcome.status, outcome.detail) == (True, "201", "")


def test_the_answer_is_the_last_json_line_after_whatever_else_was_printed() -> None:
    stdout = "some log line\n" + response(201, {"id": "o1", "status": "paid"}) + "\n"
    assert answer_of(stdout)["statusCode"] == 201
    assert check(ORDER, stdout).ok


def test_a_4xx_where_a_success_is_expected_fails_quoting_what_was_printed() -> None:
    problem = {"type": "/problems/not_found", "status": 404, "detail": "Order o1 was not found."}
    outcome = check(ORDER, response(404, problem))
    assert not outcome.ok
    assert outcome.status == "404"
    assert outcome.detail.startswith("expected 201, got 404:")
    assert "Order o1 was not found." in outcome.detail


def test_a_handler_that_raised_fails_even_though_sam_printed_it_as_the_result() -> None:
    # GIVEN what SAM prints (exit code 0) when the handler could not import the layer
    error = {
        "errorMessage": "Unable to import module 'app': No module named 'orders_domain'",
        "errorType": "Runtime.ImportModuleError",
        "stackTrace": [],
    }
    outcome = check(ORDER, json.dumps(error), "Traceback (most recent call last):\n ...")
    assert (outcome.ok, outcome.status) == (False, "error")
    assert "Runtime.ImportModuleError" in outcome.detail
    assert "No module named 'orders_domain'" in outcome.detail


@pytest.mark.parametrize(
    ("stdout", "stderr", "status"),
    [
        ("", "Function 'CreateOrderFunction' timed out after 10 seconds", "timeout"),
        ("", "Mounting ... inside runtime container", "no answer"),
        ("not json at all", "", "no answer"),
    ],
)
def test_a_timeout_or_no_answer_fails_saying_so(stdout: str, stderr: str, status: str) -> None:
    outcome = check(ORDER, stdout, stderr)
    assert (outcome.ok, outcome.status) == (False, status)
    assert "\n" not in outcome.detail


def test_a_body_without_the_expected_keys_or_with_an_empty_list_fails() -> None:
    assert "has no status" in check(ORDER, response(201, {"id": "o1"})).detail
    listing = Expect(200, ("Items",), nonempty=("Items",))
    outcome = check(listing, response(200, {"Count": 0, "Items": []}))
    assert not outcome.ok
    assert "Items is empty" in outcome.detail
    assert check(listing, response(200, {"Items": [{"id": "o1"}]})).ok


def test_an_xml_answer_is_checked_by_its_root_element() -> None:
    placed = Expect(201, xml_root="order")
    xml = '<?xml version="1.0" encoding="UTF-8"?>\n<order><id>o1</id></order>'
    assert check(placed, response(201, xml)).ok
    assert "got <problem>" in check(placed, response(201, "<problem/>")).detail
    assert "does not parse" in check(placed, response(201, "{}")).detail


def test_the_authorizer_must_allow_and_name_the_tenant() -> None:
    def policy(effect: str, context: dict[str, str]) -> str:
        statement = {"Action": "execute-api:Invoke", "Effect": effect, "Resource": "arn"}
        document = {"Version": "2012-10-17", "Statement": [statement]}
        return json.dumps({"principalId": "key_1", "policyDocument": document, "context": context})

    allowed = EXPECTED["authorizer.json"]
    assert check(allowed, policy("Allow", {"tenant_id": "tenant-a"})).ok
    denied = check(allowed, policy("Deny", {"tenant_id": "tenant-a"}))
    assert (denied.ok, denied.status) == (False, "Deny")
    assert not check(allowed, policy("Allow", {})).ok
    assert not check(allowed, json.dumps({"errorMessage": "Unauthorized", "errorType": "Exception"})).ok


def test_the_stream_consumer_must_leave_no_record_to_deliver_again() -> None:
    projected = EXPECTED["order_stream.json"]
    assert check(projected, json.dumps({"batchItemFailures": []})).ok
    failed = check(projected, json.dumps({"batchItemFailures": [{"itemIdentifier": "100"}]}))
    assert (failed.ok, failed.status) == (False, "1 failed")
    assert '"100"' in failed.detail


# ---------------------------------------------------------------------------- one-line errors
@pytest.mark.parametrize(
    ("error", "dockerd", "root", "says"),
    [
        ("Error while fetching server API version: Permission denied", True, False, "docker group"),
        ("Connection refused", False, False, "apt-get install docker.io"),
        ("Connection refused", True, False, "(connection refused): start it (sudo dockerd &)"),
        ("FileNotFoundError(2, 'No such file or directory')", True, True, "(its socket does not exist)"),
        ("FileNotFoundError(2, 'No such file or directory')", True, True, "without --no-setup"),
    ],
)
def test_a_missing_docker_daemon_is_one_line_saying_what_to_do(
    error: str, dockerd: bool, root: bool, says: str
) -> None:
    message = daemon_problem(error, dockerd=dockerd, root=root)
    assert says in message
    assert "\n" not in message


def _no_daemon() -> Any:
    raise docker.errors.DockerException("Error while fetching server API version: Connection refused")


def test_given_no_daemon_and_no_setup_then_the_run_stops_with_one_line_and_starts_nothing(
    tmp_path: Path,
) -> None:
    # GIVEN no daemon answers WHEN the run may not set one up (not root, or --no-setup)
    with pytest.raises(SamLocalError) as stopped:
        ensure_daemon(tmp_path, setup=False, client_factory=_no_daemon, which=lambda _: "/usr/sbin/dockerd")
    # THEN it says there is no daemon and how to start one, on one line, and starts nothing
    assert str(stopped.value).startswith("no Docker daemon at ")
    assert "\n" not in str(stopped.value)
    assert not (tmp_path / "dockerd.log").exists()


def test_given_a_daemon_that_answers_then_its_client_is_used_as_it_is(tmp_path: Path) -> None:
    class Client:
        def ping(self) -> bool:
            return True

    client = Client()
    assert ensure_daemon(tmp_path, setup=False, client_factory=lambda: client) is client


class _Images:
    def get(self, tag: str) -> Any:
        raise docker.errors.ImageNotFound(f"No such image: {tag}")


class _NoImages:
    images = _Images()


def test_given_no_image_and_no_build_then_one_line_names_it_and_how_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(SamLocalError) as stopped:
        ensure_image(_NoImages(), tmp_path, build=False)
    message = str(stopped.value)
    assert message.startswith("image orders-sam-local:")
    assert "run make sam-local once" in message
    assert "\n" not in message


def test_given_no_dynamodb_local_then_one_line_says_it_is_not_up_and_how_to_fix_it(tmp_path: Path) -> None:
    # GIVEN a checkout without node_modules (no DynamoDBLocal.jar)
    aws = LocalAws(tmp_path, bind_host="127.0.0.1", bus_name="bus", sender="orders@example.com")
    # WHEN the endpoint starts THEN one line says DynamoDB Local is not up, and what to run
    with pytest.raises(SamLocalError) as stopped:
        aws.start()
    message = str(stopped.value)
    assert message.startswith("DynamoDB Local is not up: DynamoDBLocal.jar not found")
    assert "run make install" in message
    assert "\n" not in message


def test_without_java_the_dynamodb_local_error_says_to_install_it() -> None:
    fix = dynamodb_local_fix("java not found on PATH (DynamoDB Local needs Java 17 or later)")
    assert fix.startswith("java not found on PATH")
    assert "apt-get install openjdk-17-jre-headless" in fix


# ---------------------------------------------------------------------------- the image's recipe
def test_the_image_runtime_takes_the_boto3_the_layer_pins() -> None:
    requirements = "# the layer\npydantic==2.9.0\nboto3==1.43.108  # the runtime's\n"
    assert runtime_requirements(requirements)[1] == "boto3==1.43.108"
    assert runtime_requirements(requirements)[0].startswith("awslambdaric==")
    with pytest.raises(SamLocalError, match="pins no boto3"):
        runtime_requirements("pydantic==2.9.0\n")


def test_the_image_tag_changes_with_its_recipe_and_only_with_it() -> None:
    files = {"Dockerfile": b"FROM base\n", "bootstrap": b"#!/bin/sh\n"}
    same = recipe_hash(dict(files), ["bookworm", "3.11"])
    assert same == recipe_hash(files, ["bookworm", "3.11"])
    assert same != recipe_hash({**files, "bootstrap": b"#!/bin/sh\nexec x\n"}, ["bookworm", "3.11"])
    assert same != recipe_hash(files, ["bookworm", "3.12"])


# ---------------------------------------------------------------------------- the local endpoint
@pytest.mark.parametrize(
    ("target", "upstream"),
    [
        ("DynamoDB_20120810.GetItem", "dynamodb"),
        ("DynamoDBStreams_20120810.GetRecords", "dynamodb"),
        ("AWSEvents.PutEvents", "aws"),
        ("", "aws"),
    ],
)
def test_dynamodb_calls_go_to_dynamodb_local_and_every_other_call_to_moto(target: str, upstream: str) -> None:
    headers = {"X-Amz-Target": target} if target else {"Content-Type": "application/json"}
    assert upstream_for(headers) == upstream


class _Named(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        answer = json.dumps({"upstream": self.server.name, "got": body.decode()}).encode()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def forwarder() -> Iterator[int]:
    servers: list[ThreadingHTTPServer] = []
    for name in ("dynamodb", "aws"):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Named)
        server.name = name  # type: ignore[attr-defined]
        servers.append(server)
    front = _ForwardingServer(("127.0.0.1", 0), _Forward)
    front.upstreams = {s.name: ("127.0.0.1", s.server_address[1]) for s in servers}  # type: ignore[attr-defined]
    servers.append(front)
    for server in servers:
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield int(front.server_address[1])
    for server in servers:
        server.shutdown()
        server.server_close()


def test_the_endpoint_forwards_each_call_with_its_body_to_its_upstream(forwarder: int) -> None:
    for target, upstream in (("DynamoDB_20120810.PutItem", "dynamodb"), ("AWSEvents.PutEvents", "aws")):
        connection = http.client.HTTPConnection("127.0.0.1", forwarder, timeout=5)
        connection.request("POST", "/", body=b'{"x": 1}', headers={"X-Amz-Target": target})
        answer = json.loads(connection.getresponse().read())
        connection.close()
        assert answer == {"upstream": upstream, "got": '{"x": 1}'}


# ---------------------------------------------------------------------------- env, commands, world
def test_an_events_env_vars_file_is_the_repositorys_with_its_tables_and_the_runs_endpoint() -> None:
    base = json.loads(ENV_FILE.read_text(encoding="utf-8"))
    tables = {"OrdersTable": "get_order-orders", "IdempotencyTable": "get_order-idempotency"}
    filled = env_vars(base, tables, "http://host.docker.internal:41234")["Parameters"]
    assert filled["ORDERS_TABLE_NAME"] == "get_order-orders"
    assert filled["IDEMPOTENCY_TABLE_NAME"] == "get_order-idempotency"
    assert filled["DYNAMODB_ENDPOINT_URL"] == "http://host.docker.internal:41234"
    assert filled["ORDERS_EMAIL_SENDER"] == base["Parameters"]["ORDERS_EMAIL_SENDER"]
    assert base["Parameters"]["DYNAMODB_ENDPOINT_URL"] != filled["DYNAMODB_ENDPOINT_URL"]


def test_every_env_var_the_file_sets_is_one_the_template_declares() -> None:
    # SAM hands a function only the variables its template declares: one it does not is a typo
    declared = declared_variables(TEMPLATE_DATA)
    assert {"ORDERS_TABLE_NAME", "DYNAMODB_ENDPOINT_URL", "ORDERS_EVENT_BUS_NAME"} <= declared
    assert set(json.loads(ENV_FILE.read_text(encoding="utf-8"))["Parameters"]) <= declared


def test_sam_runs_without_the_callers_aws_profile_or_the_templates_variables() -> None:
    shell = {"PATH": "/bin", "AWS_PROFILE": "prod", "AWS_SECRET_ACCESS_KEY": "real", "ORDERS_TABLE_NAME": "t"}
    env = sam_environment(shell, declared_variables(TEMPLATE_DATA))
    assert env["PATH"] == "/bin"
    assert "AWS_PROFILE" not in env
    assert "ORDERS_TABLE_NAME" not in env
    assert env["AWS_SECRET_ACCESS_KEY"] == "local"
    assert env["SAM_CLI_TELEMETRY"] == "0"


def test_an_invoke_uses_the_local_image_without_pulling_and_reaches_the_host() -> None:
    settings = SamSettings(
        sam="sam", template=Path("t.yaml"), image="orders-sam-local:abc", runtime="python3.11"
    )
    command = settings.invoke_command("GetOrderFunction", Path("events/get_order.json"), Path("env.json"))
    assert command[:4] == ["sam", "local", "invoke", "GetOrderFunction"]
    assert "--skip-pull-image" in command
    assert command[command.index("--invoke-image") + 1] == "orders-sam-local:abc"
    assert command[command.index("--add-host") + 1] == "host.docker.internal:host-gateway"
    assert command[command.index("--parameter-overrides") + 1] == "PythonRuntime=python3.11"


def test_every_order_an_event_names_is_one_the_world_makes() -> None:
    facts = Facts(EVENT_FILES)
    named: set[str] = set()
    for event in EVENT_FILES.values():
        path_id = (event.get("pathParameters") or {}).get("id")
        body = event.get("body") or ""
        body_id = json.loads(body).get("order_id") if body.startswith("{") else None
        named |= {ref for ref in (path_id, body_id) if ref}
    assert named <= facts.order_refs()
    assert facts.api_key == "example-key-not-real"
    assert facts.tenant == "tenant-a"


@pytest.mark.parametrize(
    ("headers", "version"),
    [({"If-Match": '"2"'}, 2), ({"if-match": 'W/"7"'}, 7), ({"If-Match": "*"}, None), ({}, None)],
)
def test_the_version_an_if_match_names(headers: dict[str, str], version: int | None) -> None:
    assert if_match_version({"headers": headers}) == version


# ---------------------------------------------------------------------------- layer, start-api
def test_breaking_the_layer_moves_its_packages_out_of_python(tmp_path: Path) -> None:
    # GIVEN a built layer: its packages under python/, where Lambda puts /opt/python on the path
    package = tmp_path / "python" / "orders_domain"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    # WHEN it is broken on purpose THEN they sit at its root, off the path, and python/ is gone
    break_layer(tmp_path)
    assert (tmp_path / "orders_domain" / "__init__.py").is_file()
    assert not (tmp_path / "python").exists()
    with pytest.raises(SamLocalError, match="no python/ folder"):
        break_layer(tmp_path)


def test_a_refused_request_may_be_sams_502_but_never_a_success() -> None:
    refused = Step("no key", "AuthorizerFunction", "GET", "/orders/t", REFUSED, with_key=False)
    assert check_step(refused, 502, '{"message":"Internal server error"}').ok
    assert check_step(refused, 403, '{"message":"User is not authorized"}').ok
    outcome = check_step(refused, 200, '{"Items": []}')
    assert not outcome.ok
    assert outcome.detail.startswith("expected 401/403/502, got 200")


def test_a_smoke_step_checks_its_status_and_its_bodys_keys() -> None:
    create = Step("create", "CreateOrderFunction", "POST", "/orders/t", 201, keys=("id", "token"))
    assert check_step(create, 201, '{"id": "o1", "token": "x"}').ok
    assert "has no token" in check_step(create, 201, '{"id": "o1"}').detail
    assert "not JSON" in check_step(create, 201, "<html/>").detail


def _result(ok: bool, detail: str = "") -> Result:
    return Result(
        "GetOrderFunction", "get_order.json", Outcome(ok, "error" if not ok else "200", detail), 1.0
    )


IMPORT_FAILURE = "the function failed: Runtime.ImportModuleError: No module named 'orders_domain'"


def test_the_break_layer_self_check_passes_only_when_every_function_failed_to_import() -> None:
    # GIVEN the layer broken on purpose WHEN every function failed to import THEN the check was caught
    assert break_layer_verdict([_result(False, IMPORT_FAILURE)] * 3) == 0
    # WHEN one still answered, or one failed for another reason (a timeout), or none ran THEN it fails
    assert break_layer_verdict([_result(False, IMPORT_FAILURE), _result(True)]) == 1
    assert break_layer_verdict([_result(False, IMPORT_FAILURE), _result(False, "no answer in time")]) == 1
    assert break_layer_verdict([]) == 1


# ---------------------------------------------------------------------------- the world, in process
@pytest.fixture
def world(dynamodb_endpoint: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The world built on moto, as the run builds it on DynamoDB Local (moto standing in for the
    EventBridge bus and SES identity the run's endpoint makes)."""
    import boto3
    from orders_domain.runtime import wiring

    parameters = json.loads(ENV_FILE.read_text(encoding="utf-8"))["Parameters"]
    boto3.client("events").create_event_bus(Name=parameters["ORDERS_EVENT_BUS_NAME"])
    boto3.client("sesv2").create_email_identity(EmailIdentity=parameters["ORDERS_EMAIL_SENDER"])
    environment = {k: v for k, v in parameters.items() if k != "DYNAMODB_ENDPOINT_URL"}
    monkeypatch.delenv("DYNAMODB_ENDPOINT_URL", raising=False)
    # World sets these in the process: monkeypatch puts them back afterwards
    for name in {*environment, *HANDLER_ENVIRONMENT}:
        monkeypatch.setenv(name, os.environ.get(name, ""))
    logger = logging.getLogger("orders")
    level = logger.level
    built = World(boto3.client("dynamodb"), TEMPLATE_DATA, EVENT_FILES, environment)
    built.build()
    yield built
    logger.setLevel(level)
    wiring.reset()


def test_given_the_world_every_event_answers_what_it_expects_in_process(world: World) -> None:
    # GIVEN the world the run seeds (each event on a copy of its own, as under SAM)
    from orders_domain.runtime import wiring

    from local.sam_local.world import _handler

    failed = []
    for name, event in sorted(EVENT_FILES.items()):
        tables = world.prepare(Path(name).stem, event)
        os.environ["ORDERS_TABLE_NAME"] = tables["OrdersTable"]
        os.environ["IDEMPOTENCY_TABLE_NAME"] = tables["IdempotencyTable"]
        wiring.reset()
        # WHEN its function answers it here, as `sam local invoke` would print the answer
        answer = _handler(TEMPLATE_DATA, function_for(event, TEMPLATE_DATA))(json.loads(json.dumps(event)))
        outcome = check(EXPECTED[name], json.dumps(answer))
        if not outcome.ok:
            failed.append(f"{name}: {outcome.detail}")
    # THEN every one is the answer expected of it: a real success on seeded data, not a 404
    assert failed == []


def test_given_the_console_page_between_order_steps_when_patching_then_the_orders_etag_is_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN the smoke's steps, answered by a fake: the order's answers carry its ETag, the console
    # page its file's
    from local.sam_local import start_api

    events = load_events(EVENTS)
    sent: list[tuple[str, str | None]] = []

    def request(
        url: str, step: Any, key: str, order_id: str, etag: str | None
    ) -> tuple[int, dict[str, str], str]:
        sent.append((step.label, etag))
        if step.label == "create":
            return 201, {"etag": '"1"'}, json.dumps({"id": "o-1", "token": "t"})
        if step.function == "ConsoleFunction":
            return 200, {"etag": '"5f3a"'}, "<!doctype html>"
        return (
            step.status if isinstance(step.status, int) else step.status[0],
            {},
            json.dumps(dict.fromkeys(step.keys, 1)),
        )

    monkeypatch.setattr(start_api, "_request", request)
    # WHEN they run
    results = start_api._run_steps("http://x", start_api.smoke_steps("tenant-a", events), "k", lambda _: None)
    # THEN every step passed, and the PATCH after the console page sent the order's ETag
    assert all(r.outcome.ok for r in results)
    assert dict(sent)["patch"] == '"1"'
