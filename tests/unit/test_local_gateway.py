"""local.gateway: API Gateway (REST, Lambda proxy) behaviour, on a tiny fake template and fake functions."""

from __future__ import annotations

import base64
import http.client
import json
import select
import socket
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local.gateway import (
    MAX_BODY_BYTES,
    Gateway,
    LocalRequest,
    LocalRouteRefused,
    routes_from_template,
    sane_host,
)
from local.tables import load_template

ROOT = Path(__file__).resolve().parents[2]

FAKE_TEMPLATE = """\
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Auth:
        DefaultAuthorizer: KeyAuthorizer
        Authorizers:
          KeyAuthorizer:
            FunctionPayloadType: REQUEST
            FunctionArn: !GetAtt AuthFunction.Arn
  NotFound:
    Type: AWS::ApiGateway::GatewayResponse
    Properties:
      RestApiId: !Ref Api
      ResponseType: MISSING_AUTHENTICATION_TOKEN
      StatusCode: "404"
      ResponseParameters:
        gatewayresponse.header.Content-Type: "'application/problem+json'"
        gatewayresponse.header.x-request-id: context.requestId
      ResponseTemplates:
        application/json: '{"code": "not_found", "status": 404, "instance": "$context.requestId"}'
  Unauthorized:
    Type: AWS::ApiGateway::GatewayResponse
    Properties:
      RestApiId: !Ref Api
      ResponseType: UNAUTHORIZED
      StatusCode: "401"
      ResponseParameters:
        gatewayresponse.header.Content-Type: "'application/problem+json'"
        gatewayresponse.header.x-request-id: context.requestId
      ResponseTemplates:
        application/json: '{"code": "unauthorized", "status": 401, "instance": "$context.requestId"}'
  Denied:
    Type: AWS::ApiGateway::GatewayResponse
    Properties:
      RestApiId: !Ref Api
      ResponseType: ACCESS_DENIED
      StatusCode: "403"
      ResponseParameters:
        gatewayresponse.header.Content-Type: "'application/problem+json'"
        gatewayresponse.header.x-request-id: context.requestId
      ResponseTemplates:
        application/json: '{"code": "forbidden", "status": 403, "instance": "$context.requestId"}'
  TooLarge:
    Type: AWS::ApiGateway::GatewayResponse
    Properties:
      RestApiId: !Ref Api
      ResponseType: REQUEST_TOO_LARGE
      StatusCode: "413"
      ResponseParameters:
        gatewayresponse.header.Content-Type: "'application/problem+json'"
        gatewayresponse.header.x-request-id: context.requestId
      ResponseTemplates:
        application/json: '{"code": "payload_too_large", "status": 413, "instance": "$context.requestId"}'
  Default5xx:
    Type: AWS::ApiGateway::GatewayResponse
    Properties:
      RestApiId: !Ref Api
      ResponseType: DEFAULT_5XX
      ResponseParameters:
        gatewayresponse.header.Content-Type: "'application/problem+json'"
        gatewayresponse.header.x-request-id: context.requestId
      ResponseTemplates:
        application/json: >-
          {"code": "internal_error", "status": $context.error.statusCode, "instance": "$context.requestId"}
  AuthFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: PACKAGE/authorizer/
      Handler: app.lambda_handler
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: PACKAGE/orders/
      Handler: app.lambda_handler
      Events:
        Get:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: "/orders/{tenantId}/{id}", Method: get}
        Act:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: "/orders/{tenantId}/{id}", Method: post}
  PreviewFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: PACKAGE/preview/
      Handler: app.lambda_handler
      Events:
        Preview:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: "/orders/{tenantId}/preview", Method: post}
"""

# Authorization header: none -> "Unauthorized"; "deny" -> Deny policy; "broken" -> no principalId.
FAKE_AUTHORIZER = """\
import importlib

# Kept on the package: the gateway runs each function as fresh module instances (a pool).
SEEN = importlib.import_module(__name__.split(".")[0]).SEEN


def lambda_handler(event, context):
    SEEN.append(event)
    key = (event.get("headers") or {}).get("Authorization")
    if key is None:
        raise Exception("Unauthorized")
    if key == "broken":
        return {"policyDocument": {"Statement": []}}
    return {
        "principalId": "key-1",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Deny" if key == "deny" else "Allow",
                    "Resource": event["methodArn"],
                }
            ],
        },
        "context": {"tenant_id": "t1", "scopes": "orders:read orders:write", "count": 2, "admin": False},
    }
"""

# Echoes the event it received; the id "boom" raises, the id "binary" answers base64.
FAKE_ORDERS = """\
import base64
import json
import time


class _App:
    def get_openapi_schema(self, **kwargs):
        return {
            "openapi": "3.1.0",
            "info": {"title": kwargs.get("title", "x"), "version": "1"},
            "paths": {"/orders/{tenantId}/{id}": {"get": {"operationId": "get_order"}}},
            "components": {"schemas": {"Order": {"type": "object"}}},
        }


app = _App()


def lambda_handler(event, context):
    order_id = event["pathParameters"]["id"]
    if order_id == "boom":
        raise RuntimeError("secret internal detail")
    if order_id == "slow":  # runs past any timeout a test gives it
        time.sleep(float((event["queryStringParameters"] or {}).get("seconds", "1")))
    if order_id == "binary":
        return {"statusCode": 200, "body": base64.b64encode(b"\\x00\\x01").decode(), "isBase64Encoded": True}
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": json.dumps({"function": "orders", "event": event}),
    }
"""

FAKE_PREVIEW = """\
import json


class _App:
    def get_openapi_schema(self, **kwargs):
        return {
            "openapi": "3.1.0",
            "info": {"title": kwargs.get("title", "x"), "version": "1"},
            "paths": {
                "/orders/{tenantId}/preview": {"post": {"operationId": "preview"}},
                "/orders/{tenantId}/{id}": {"post": {"operationId": "act"}},
            },
            "components": {"schemas": {"Preview": {"type": "object"}}},
        }


app = _App()


def lambda_handler(event, context):
    body = json.dumps({"function": "preview"})
    return {"statusCode": 200, "headers": {"x-request-id": "from-function"}, "body": body}
"""

ALLOW = {"Authorization": "allow-me", "Host": "localhost:3000"}


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Gateway, str, dict[str, Any]]]:
    """A Gateway over a fake template whose functions live in a fresh package under tmp_path."""
    package = f"gwfake_{uuid.uuid4().hex[:8]}"  # unique: imported modules stay cached in sys.modules
    for name, source in (("authorizer", FAKE_AUTHORIZER), ("orders", FAKE_ORDERS), ("preview", FAKE_PREVIEW)):
        folder = tmp_path / package / name
        folder.mkdir(parents=True)
        (folder / "__init__.py").write_text("")
        (folder / "app.py").write_text(source)
    (tmp_path / package / "__init__.py").write_text("SEEN = []\n")
    template_path = tmp_path / "template.yaml"
    template_path.write_text(FAKE_TEMPLATE.replace("PACKAGE", package))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield Gateway(template_path), package, load_template(template_path)
    for module in [m for m in sys.modules if m.startswith(package)]:
        del sys.modules[module]


def expected_body(
    template: dict[str, Any], resource: str, request_id: str, status: int | None = None
) -> dict:
    """The template's gateway response body with the request id (and status) filled in, parsed."""
    text = template["Resources"][resource]["Properties"]["ResponseTemplates"]["application/json"]
    text = text.replace("$context.requestId", request_id)
    return json.loads(text.replace("$context.error.statusCode", str(status)))


def echoed_event(body: bytes) -> dict[str, Any]:
    payload = json.loads(body)
    assert payload["function"] == "orders"
    event: dict[str, Any] = payload["event"]
    return event


# ---------------------------------------------------------------------------- routing
def test_literal_segment_wins_over_a_path_parameter(fake) -> None:
    # GIVEN POST /orders/{tenantId}/preview and POST /orders/{tenantId}/{id}
    gateway, _, _ = fake
    # WHEN /orders/t1/preview and /orders/t1/o1 are posted
    status_preview, _, preview = gateway.handle("POST", "/orders/t1/preview", ALLOW, b"{}")
    status_other, _, other = gateway.handle("POST", "/orders/t1/o1", ALLOW, b"{}")
    # THEN the literal route takes "preview" and the parameter route takes the rest
    assert (status_preview, json.loads(preview)["function"]) == (200, "preview")
    assert (status_other, echoed_event(other)["pathParameters"]) == (200, {"tenantId": "t1", "id": "o1"})


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/nope"), ("GET", "/orders/t1"), ("GET", "/orders/t1/o1/extra"), ("DELETE", "/orders/t1/o1")],
)
def test_unknown_path_or_method_is_the_templates_404_problem_without_calling_the_authorizer(
    fake, method: str, path: str
) -> None:
    # GIVEN the fake API
    gateway, package, template = fake
    # WHEN a path or method no route declares is requested
    status, headers, body = gateway.handle(method, path, ALLOW)
    # THEN the answer is the MISSING_AUTHENTICATION_TOKEN gateway response of the template
    assert status == 404
    assert headers["Content-Type"] == "application/problem+json"
    assert json.loads(body) == expected_body(template, "NotFound", headers["x-request-id"])
    # AND the authorizer was never asked
    assert not sys.modules.get(package) or not sys.modules[package].SEEN


def test_routes_of_the_real_template_point_at_the_function_modules_and_skip_the_authorizer() -> None:
    # GIVEN the real template
    template = load_template(ROOT / "template.yaml")
    # WHEN its routes are read
    routes = routes_from_template(template)
    # THEN each Api event is a route to functions.<folder>.app, and the authorizer has no route
    create = [r for r in routes if r.method == "POST" and r.path == "/orders/{tenantId}"]
    assert [(r.module, r.handler, r.function_id) for r in create] == [
        ("functions.create_order.app", "lambda_handler", "CreateOrderFunction")
    ]
    assert all(r.function_id != "AuthorizerFunction" for r in routes)
    assert Gateway(ROOT / "template.yaml").authorizer == (
        "functions.authorizer.app",
        "lambda_handler",
        "AuthorizerFunction",
    )


# ---------------------------------------------------------------------------- size limit
def test_body_over_6_mb_is_the_413_problem_decided_from_content_length(fake) -> None:
    # GIVEN a request that declares a body one byte over Lambda's 6 MB (but sends none)
    gateway, package, template = fake
    headers_in = {**ALLOW, "Content-Length": str(MAX_BODY_BYTES + 1)}
    # WHEN it is handled
    status, headers, body = gateway.handle("POST", "/orders/t1/o1", headers_in, None)
    # THEN it is the REQUEST_TOO_LARGE gateway response, before any authorizer or function runs
    assert status == 413
    assert json.loads(body) == expected_body(template, "TooLarge", headers["x-request-id"])
    assert f"{package}.authorizer.app" not in sys.modules


def test_body_of_exactly_6_mb_is_accepted(fake) -> None:
    # GIVEN a body exactly at the limit
    gateway, _, _ = fake
    body_in = b"x" * MAX_BODY_BYTES
    # WHEN it is posted
    status, _, body = gateway.handle(
        "POST", "/orders/t1/o1", {**ALLOW, "Content-Length": str(len(body_in))}, body_in
    )
    # THEN the function gets it
    assert status == 200
    assert len(echoed_event(body)["body"]) == MAX_BODY_BYTES


# ---------------------------------------------------------------------------- authorizer
def test_authorizer_raising_unauthorized_is_the_templates_401_problem(fake) -> None:
    # GIVEN no Authorization header (the fake authorizer raises "Unauthorized")
    gateway, _, template = fake
    # WHEN a route is called
    status, headers, body = gateway.handle("GET", "/orders/t1/o1", {"Host": "localhost"})
    # THEN the UNAUTHORIZED gateway response answers
    assert status == 401
    assert headers["Content-Type"] == "application/problem+json"
    assert json.loads(body) == expected_body(template, "Unauthorized", headers["x-request-id"])


def test_deny_policy_is_the_templates_403_problem(fake) -> None:
    # GIVEN a key the fake authorizer denies
    gateway, _, template = fake
    # WHEN a route is called
    status, headers, body = gateway.handle("GET", "/orders/t1/o1", {"Authorization": "deny"})
    # THEN the ACCESS_DENIED gateway response answers
    assert status == 403
    assert json.loads(body) == expected_body(template, "Denied", headers["x-request-id"])


def test_authorizer_answer_without_principal_is_a_500_problem(fake) -> None:
    # GIVEN an authorizer answer API Gateway would reject (no principalId)
    gateway, _, template = fake
    # WHEN a route is called
    status, headers, body = gateway.handle("GET", "/orders/t1/o1", {"Authorization": "broken"})
    # THEN the default 5xx gateway response answers with status 500
    assert status == 500
    assert json.loads(body) == expected_body(template, "Default5xx", headers["x-request-id"], 500)


def test_authorizer_receives_a_request_event_with_the_method_arn(fake) -> None:
    # GIVEN the fake API
    gateway, package, _ = fake
    # WHEN GET /orders/t1/o1?x=1 is called
    gateway.handle("GET", "/orders/t1/o1?x=1", ALLOW)
    # THEN the authorizer got a REQUEST event for that method and path
    event = sys.modules[package].SEEN[-1]
    assert event["type"] == "REQUEST"
    assert event["methodArn"] == "arn:aws:execute-api:us-east-1:000000000000:local/local/GET/orders/t1/o1"
    assert event["resource"] == "/orders/{tenantId}/{id}"
    assert event["pathParameters"] == {"tenantId": "t1", "id": "o1"}
    assert event["queryStringParameters"] == {"x": "1"}
    assert event["headers"]["Authorization"] == "allow-me"


# ---------------------------------------------------------------------------- proxy event
def test_function_receives_the_proxy_event_api_gateway_sends(fake) -> None:
    # GIVEN an allowed caller
    gateway, _, _ = fake
    # WHEN GET /orders/t1/o1 is called without a query string or body
    status, headers, body = gateway.handle("GET", "/orders/t1/o1", ALLOW, source_ip="10.0.0.7")
    # THEN the function got the v1 proxy event
    assert status == 200
    event = echoed_event(body)
    assert event["resource"] == "/orders/{tenantId}/{id}"
    assert event["path"] == "/orders/t1/o1"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"tenantId": "t1", "id": "o1"}
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["stageVariables"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    assert event["headers"]["Authorization"] == "allow-me"
    assert event["multiValueHeaders"]["Authorization"] == ["allow-me"]
    context = event["requestContext"]
    assert context["resourcePath"] == "/orders/{tenantId}/{id}"
    assert context["httpMethod"] == "GET"
    assert context["stage"] == "local"
    assert context["requestId"] == headers["x-request-id"]
    assert isinstance(context["requestTimeEpoch"], int)
    assert context["identity"]["sourceIp"] == "10.0.0.7"
    # AND the authorizer's context arrives stringified, with the principal, as on AWS
    assert context["authorizer"] == {
        "tenant_id": "t1",
        "scopes": "orders:read orders:write",
        "count": "2",
        "admin": "false",
        "principalId": "key-1",
        "integrationLatency": 0,
    }


def test_query_parameters_keep_the_last_value_and_all_values(fake) -> None:
    # GIVEN a repeated and a blank query parameter
    gateway, _, _ = fake
    # WHEN the request is handled
    _, _, body = gateway.handle("POST", "/orders/t1/o1?a=1&a=2&b=&c=x%20y", ALLOW, b'{"k": 1}')
    # THEN single-valued parameters keep the last value, multi-valued keep all, values decoded
    event = echoed_event(body)
    assert event["queryStringParameters"] == {"a": "2", "b": "", "c": "x y"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": [""], "c": ["x y"]}
    assert event["body"] == '{"k": 1}'


def test_function_response_headers_merge_and_base64_bodies_are_decoded(fake) -> None:
    # GIVEN functions answering with headers, multiValueHeaders and a base64 body
    gateway, _, _ = fake
    # WHEN they are called
    _, headers, _ = gateway.handle("GET", "/orders/t1/o1", ALLOW)
    status, _, binary = gateway.handle("GET", "/orders/t1/binary", ALLOW)
    # THEN both header maps are returned (cookies one per line) and the body is the decoded bytes
    assert headers["Content-Type"] == "application/json"
    assert headers["Set-Cookie"].split("\n") == ["a=1", "b=2"]
    assert (status, binary) == (200, b"\x00\x01")


def test_function_error_is_a_502_problem_without_internals(fake) -> None:
    # GIVEN a function that raises
    gateway, _, template = fake
    # WHEN it is called
    status, headers, body = gateway.handle("GET", "/orders/t1/boom", ALLOW)
    # THEN the default 5xx gateway response answers 502, and nothing of the exception leaks
    assert status == 502
    assert json.loads(body) == expected_body(template, "Default5xx", headers["x-request-id"], 502)
    assert b"secret" not in body


@pytest.mark.parametrize(
    ("method", "path", "headers_in"),
    [
        ("GET", "/nope", {}),
        ("GET", "/orders/t1/o1", {}),
        ("GET", "/orders/t1/o1", {"Authorization": "deny"}),
        ("GET", "/orders/t1/o1", ALLOW),
        ("GET", "/orders/t1/boom", ALLOW),
        ("POST", "/orders/t1/o1", {"Content-Length": str(MAX_BODY_BYTES + 1)}),
        ("GET", "/openapi.json", {}),
        ("GET", "/swagger", {}),
    ],
)
def test_every_response_carries_x_request_id(
    fake, method: str, path: str, headers_in: dict[str, str]
) -> None:
    # GIVEN any kind of request
    gateway, _, _ = fake
    # WHEN it is handled
    _, headers, _ = gateway.handle(method, path, headers_in)
    # THEN the response names its request
    assert headers["x-request-id"]


def test_function_set_request_id_is_kept(fake) -> None:
    # GIVEN a function that sets x-request-id itself
    gateway, _, _ = fake
    # WHEN it is called
    _, headers, _ = gateway.handle("POST", "/orders/t1/preview", ALLOW, b"{}")
    # THEN its value is not replaced
    assert headers["x-request-id"] == "from-function"


# ---------------------------------------------------------------------------- documentation
def test_openapi_json_merges_every_modules_paths_and_schemas(fake) -> None:
    # GIVEN two function modules exposing `app` with their own OpenAPI documents
    gateway, _, _ = fake
    # WHEN /openapi.json is fetched without any key
    status, headers, body = gateway.handle("GET", "/openapi.json", {})
    # THEN it is one document with both modules' paths (operations of a shared path merged) and schemas
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    document = json.loads(body)
    assert document["info"]["title"] == "Orders API"
    assert set(document["paths"]["/orders/{tenantId}/{id}"]) == {"get", "post"}
    assert "/orders/{tenantId}/preview" in document["paths"]
    assert set(document["components"]["schemas"]) == {
        "Order",
        "Preview",
        "Problem",
    }  # + the shared problem schema
    assert document["components"]["securitySchemes"]["ApiKeyHeader"]["name"] == "x-api-key"


def test_given_two_functions_documenting_one_operation_when_the_document_is_merged_then_it_is_refused(
    fake, tmp_path: Path
) -> None:
    import re

    from local.gateway import OpenAPIConflict

    # GIVEN the preview function also documenting GET /orders/{tenantId}/{id}, exactly as the orders
    # function (which serves it) documents it
    gateway, package, _ = fake
    act = '"/orders/{tenantId}/{id}": {"post": {"operationId": "act"}'
    get = '"get": {"operationId": "get_order"}'
    (tmp_path / package / "preview" / "app.py").write_text(FAKE_PREVIEW.replace(act, f"{act}, {get}"))
    # WHEN the gateway merges the functions' documents
    # THEN it refuses, naming the operation and a function, instead of keeping one of them silently
    expected = re.escape("GET /orders/{tenantId}/{id} from ") + rf"{package}\.(orders|preview)\.app"
    with pytest.raises(OpenAPIConflict, match=expected):
        gateway.openapi()


def test_swagger_page_loads_swagger_ui_pointed_at_openapi_json(fake) -> None:
    # GIVEN the fake API
    gateway, _, _ = fake
    # WHEN /swagger is fetched
    status, headers, body = gateway.handle("GET", "/swagger", {})
    # THEN it is an HTML page that loads Swagger UI for /openapi.json
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert b"swagger-ui-bundle.js" in body
    assert b'"/openapi.json"' in body


# ---------------------------------------------------------------------------- the real template
def test_real_template_answers_unknown_routes_and_big_bodies_with_its_own_problem_bodies() -> None:
    # GIVEN the gateway built from the real template
    gateway = Gateway(ROOT / "template.yaml")
    template = load_template(ROOT / "template.yaml")
    # WHEN an unknown route and an oversized body are sent
    status_404, headers_404, body_404 = gateway.handle("GET", "/no/such/route", {})
    status_413, headers_413, body_413 = gateway.handle(
        "POST", "/orders/t1", {"Content-Length": str(MAX_BODY_BYTES + 1)}
    )
    # THEN the bodies are exactly the template's gateway responses, as AWS would send them
    assert (status_404, status_413) == (404, 413)
    assert json.loads(body_404) == expected_body(
        template, "MissingRouteResponse", headers_404["x-request-id"]
    )
    assert json.loads(body_413) == expected_body(template, "TooLargeResponse", headers_413["x-request-id"])
    assert headers_404["Content-Type"] == headers_413["Content-Type"] == "application/problem+json"


# ---------------------------------------------------------------------------- over HTTP
@pytest.fixture
def server(fake) -> Iterator[int]:
    gateway, _, _ = fake
    httpd = gateway.make_server("127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def test_http_server_answers_413_without_waiting_for_the_body(server: int) -> None:
    # GIVEN a client that announces 7 MB but sends only the headers
    with socket.create_connection(("127.0.0.1", server), timeout=5) as sock:
        sock.sendall(
            b"POST /orders/t1/o1 HTTP/1.1\r\nHost: x\r\nAuthorization: allow-me\r\n"
            + f"Content-Length: {7 * 1024 * 1024}\r\n\r\n".encode()
        )
        # WHEN the gateway answers
        response = http.client.HTTPResponse(sock)
        response.begin()
        # THEN it is the 413 problem at once (the 5 s socket timeout would fail the test otherwise)
        assert response.status == 413
        assert response.getheader("x-request-id")
        assert json.loads(response.read())["status"] == 413


def test_http_server_serves_function_responses_with_one_line_per_cookie(server: int) -> None:
    # GIVEN the fake API over HTTP
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=5)
    # WHEN a route is called
    connection.request("GET", "/orders/t1/o1?q=1", headers={"Authorization": "allow-me"})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    # THEN the function's answer comes back with its headers
    assert response.status == 200
    assert response.msg.get_all("Set-Cookie") == ["a=1", "b=2"]
    assert echoed_event(body)["queryStringParameters"] == {"q": "1"}
    assert response.getheader("x-request-id") == echoed_event(body)["requestContext"]["requestId"]


def test_binary_body_from_base64_survives_http(server: int) -> None:
    # GIVEN a function answering a base64 body
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=5)
    # WHEN it is fetched over HTTP
    connection.request("GET", "/orders/t1/binary", headers={"Authorization": "allow-me"})
    response = connection.getresponse()
    # THEN the bytes arrive decoded
    assert response.read() == base64.b64decode("AAE=")
    connection.close()


def test_chunked_request_body_reaches_the_function(server: int) -> None:
    # GIVEN a client that streams its body in chunks (no Content-Length)
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=5)
    # WHEN it posts
    connection.request(
        "POST", "/orders/t1/o1", body=iter([b'{"a": ', b"1}"]), headers={"Authorization": "allow-me"}
    )
    response = connection.getresponse()
    # THEN the function gets the whole body
    assert echoed_event(response.read())["body"] == '{"a": 1}'
    connection.close()


def test_http_layer_errors_are_the_templates_default_problem() -> None:
    # GIVEN the gateway of the real template over HTTP
    httpd = Gateway(ROOT / "template.yaml").make_server("127.0.0.1", 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with socket.create_connection(("127.0.0.1", httpd.server_address[1]), timeout=5) as sock:
            # WHEN a header line is longer than any HTTP server accepts
            sock.sendall(b"GET /orders/t1/o1 HTTP/1.1\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n")
            response = http.client.HTTPResponse(sock)
            response.begin()
            # THEN the answer is the template's DEFAULT_4XX problem, with its request id
            assert response.status == 431
            assert response.getheader("Content-Type") == "application/problem+json"
            problem = json.loads(response.read())
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert problem["status"] == 431
    assert problem["code"] == "bad_request"
    assert problem["instance"] == response.getheader("x-request-id")


@pytest.mark.parametrize("method", ["QUERY", "PROPFIND"])
def test_a_method_http_server_does_not_know_is_the_gateways_404_not_a_501(method: str) -> None:
    # GIVEN the gateway of the real template over HTTP
    httpd = Gateway(ROOT / "template.yaml").make_server("127.0.0.1", 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", httpd.server_address[1], timeout=5)
        # WHEN a client uses a method no route has (schemathesis sends QUERY)
        connection.request(method, "/orders/t1/o1", headers={"Authorization": "any"})
        response = connection.getresponse()
        problem = json.loads(response.read())
        connection.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    # THEN it is API Gateway's answer for an unknown route, in the problem shape
    assert response.status == 404
    assert problem["code"] == "not_found"


def test_concurrent_requests_each_see_their_own_event_in_powertools() -> None:
    # Powertools keeps the current event on a class shared by every resolver of the process; the
    # local runtime makes it per thread (on Lambda a process runs one request at a time).
    from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

    from local.lambda_runtime import isolate_concurrent_requests

    isolate_concurrent_requests()
    seen: dict[str, object] = {}
    both_set = threading.Barrier(2)

    def request(name: str) -> None:
        BaseRouter.current_event = name  # type: ignore[assignment]
        both_set.wait(timeout=5)  # the other thread has set its own by now
        seen[name] = BaseRouter.current_event

    threads = [threading.Thread(target=request, args=(n,)) for n in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"first": "first", "second": "second"}


# ---------------------------------------------------------------------------- HTTP limits, deadlines
QUICK = 0.5  # the deadlines these tests set (the defaults are 10 and 20 s)


def quicken(gateway: Gateway) -> Gateway:
    gateway.request_seconds = QUICK
    gateway.keep_alive_seconds = QUICK
    gateway.linger_seconds = 0.2
    return gateway


@pytest.fixture
def real_server() -> Iterator[int]:
    """The gateway of the real template over HTTP, with half-second deadlines."""
    httpd = quicken(Gateway(ROOT / "template.yaml")).make_server("127.0.0.1", 0)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


@dataclass
class RawReply:
    status_line: bytes
    headers: dict[str, str]
    body: bytes
    seconds: float


def raw_exchange(port: int, *parts: bytes, pause: float = 0.0) -> RawReply:
    """Send `parts` (`pause` seconds apart, stopping as soon as an answer comes), then read until the
    server closes the connection."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        for part in parts:
            if select.select([sock], [], [], 0)[0]:
                break  # answered already
            sock.sendall(part)
            time.sleep(pause)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    seconds = time.monotonic() - started
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.split(b"\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return RawReply(status_line, headers, body[: int(headers.get("content-length", len(body)))], seconds)


def assert_problem(reply: RawReply, status: int) -> dict[str, Any]:
    """The reply is `status` with an HTTP/1.1 status line and the template's default problem body."""
    assert reply.status_line.startswith(f"HTTP/1.1 {status} ".encode()), reply.status_line
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.headers["connection"] == "close"
    problem: dict[str, Any] = json.loads(reply.body)
    assert problem["status"] == status
    assert problem["code"] == ("internal_error" if status >= 500 else "bad_request")
    assert problem["instance"] == reply.headers["x-request-id"]
    return problem


def test_given_a_client_dribbling_its_headers_when_the_request_deadline_passes_then_it_gets_the_408_problem(
    real_server: int,
) -> None:
    # GIVEN a slowloris client: a header line every 0.1 s, never the empty line that ends them
    dribble = [b"GET /orders/t1/o1 HTTP/1.1\r\n", *[b"X-Slow: 1\r\n"] * 100]
    # WHEN it keeps that up
    reply = raw_exchange(real_server, *dribble, pause=0.1)
    # THEN the 0.5 s deadline ends it: the 408 problem, and the connection is closed
    problem = assert_problem(reply, 408)
    assert "0.5 seconds" in problem["detail"]
    assert QUICK <= reply.seconds < 3


def test_given_a_body_shorter_than_its_content_length_when_the_deadline_passes_then_it_gets_the_408_problem(
    real_server: int,
) -> None:
    # GIVEN a request announcing 100 bytes of body and sending 8
    request = b"POST /orders/t1 HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + b'{"a": 1}'
    # WHEN the rest never comes
    reply = raw_exchange(real_server, request)
    # THEN the 408 problem answers once the deadline passes (never a wait for ever)
    assert_problem(reply, 408)
    assert QUICK <= reply.seconds < 3


def test_given_a_keep_alive_connection_when_it_stays_idle_past_the_keep_alive_time_then_the_gateway_closes_it(
    real_server: int,
) -> None:
    with socket.create_connection(("127.0.0.1", real_server), timeout=5) as sock:
        # GIVEN a connection that served two requests and is kept alive
        sock.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
        replies = sock.makefile("rb")
        for _ in range(2):
            status_line = replies.readline()
            headers = dict(http.client.parse_headers(replies))
            replies.read(int(headers["Content-Length"]))
            assert status_line.startswith(b"HTTP/1.1 404 ")
            assert "Connection" not in headers
        # WHEN nothing more is sent
        idle_since = time.monotonic()
        # THEN the gateway closes it after the keep-alive time, without a word
        assert replies.read(1) == b""
        assert QUICK - 0.1 <= time.monotonic() - idle_since < 3


def test_given_a_request_line_over_10240_bytes_then_it_is_the_414_problem_not_an_internal_server_error(
    real_server: int,
) -> None:
    # GIVEN a request line of 11,000 bytes (API Gateway's URL limit is 10,240)
    request = b"GET /orders/" + b"a" * 11_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    # WHEN it is sent
    reply = raw_exchange(real_server, request)
    # THEN it is the 414 problem, saying why
    problem = assert_problem(reply, 414)
    assert problem["detail"] == "The request line is longer than 10240 bytes."


@pytest.mark.parametrize(
    "request_line",
    [b"GET / HTTP/2.0", b"PRI * HTTP/2.0", b"GET / HTTP/1.2", b"GET / HTTP/0.9", b"GET / HTTP/3.0"],
)
def test_given_an_http_version_other_than_1_0_and_1_1_then_it_is_the_505_problem_with_a_status_line(
    real_server: int, request_line: bytes
) -> None:
    # GIVEN a request in another version of HTTP (HTTP/2's connection preface among them)
    # WHEN it is sent
    reply = raw_exchange(real_server, request_line + b"\r\nHost: x\r\n\r\n")
    # THEN the answer is an HTTP/1.1 505 with the template's 5xx problem (never a bare body)
    assert_problem(reply, 505)


@pytest.mark.parametrize(
    "raw",
    [
        b"GET /\r\n\r\n",  # no version (HTTP/0.9's simple request)
        b"hello\r\n\r\n",
        b"GET  / HTTP/1.1\r\n\r\n",
        b"GET / FOO/1.1\r\n\r\n",
        b"GET / HTTP/1.1 more\r\n\r\n",
        b"G\x00T / HTTP/1.1\r\n\r\n",
        b"GET /a\x01b HTTP/1.1\r\n\r\n",
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",  # a TLS ClientHello: no line end ever comes
    ],
)
def test_given_a_garbage_request_line_then_it_is_the_400_problem_at_once(
    real_server: int, raw: bytes
) -> None:
    # GIVEN a request line that is not METHOD SP target SP HTTP/x.y
    # WHEN it is sent
    reply = raw_exchange(real_server, raw)
    # THEN it is the 400 problem with an HTTP/1.1 status line, without waiting for a deadline
    assert_problem(reply, 400)
    assert reply.seconds < QUICK


@pytest.mark.parametrize(
    "chunks",
    [
        b"zz\r\n{}\r\n0\r\n\r\n",  # not hexadecimal
        b"-2\r\n{}\r\n0\r\n\r\n",
        b"0x2\r\n{}\r\n0\r\n\r\n",
        b"\r\n{}\r\n0\r\n\r\n",  # no size at all
        b"2\r\n{}}\r\n0\r\n\r\n",  # data longer than its size
        b"1" * 20 + b"\r\n",  # a size no body could have
    ],
)
def test_given_a_malformed_chunked_body_then_it_is_the_400_problem_and_nothing_raises(
    real_server: int, chunks: bytes, capfd: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a chunked request whose framing is broken
    head = b"POST /orders/t1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    # WHEN it is sent
    reply = raw_exchange(real_server, head + chunks)
    # THEN it is the 400 problem, and no traceback escaped the server
    problem = assert_problem(reply, 400)
    assert problem["detail"].startswith("The chunked body is malformed")
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize(
    "fields",
    [
        b"".join(b"X-H%d: %s\r\n" % (n, b"v" * 100) for n in range(100)),  # 11 KB in 100 fields
        b"X-A: " + b"a" * 9000 + b"\r\nX-B: " + b"b" * 2000 + b"\r\n",  # 11 KB in two fields
        b"".join(b"X-H%d: v\r\n" % n for n in range(101)),  # 101 small fields
    ],
)
def test_given_a_header_section_over_the_limits_then_it_is_the_431_problem(
    real_server: int, fields: bytes
) -> None:
    # GIVEN headers over 10,240 bytes, or over 100 fields
    # WHEN they are sent
    reply = raw_exchange(real_server, b"GET /orders/t1/o1 HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n")
    # THEN it is the 431 problem
    assert_problem(reply, 431)


@pytest.mark.parametrize(
    "fields",
    [
        b"Host: x\r\n folded: on\r\n",  # obsolete line folding
        b"Host : x\r\n",  # white space before the colon
        b"No colon here\r\n",
        b"X-Nul: a\x00b\r\n",
        b"X-Cr: a\rb\r\n",
        b"Content-Length: abc\r\n",
        b"Content-Length: 2\r\nContent-Length: 3\r\n",
        b"Content-Length: \xb2\r\n",  # a digit to str.isdigit, not to HTTP
        b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n",
        b"Transfer-Encoding: chunked, gzip\r\n",
    ],
)
def test_given_a_malformed_header_field_or_body_framing_then_it_is_the_400_problem(
    real_server: int, fields: bytes
) -> None:
    # GIVEN a request whose header fields or framing cannot be trusted (request smuggling shapes among them)
    # WHEN it is sent
    reply = raw_exchange(real_server, b"POST /orders/t1 HTTP/1.1\r\n" + fields + b"\r\n{}")
    # THEN it is the 400 problem
    assert_problem(reply, 400)


def test_given_a_transfer_coding_other_than_chunked_then_it_is_the_501_problem(real_server: int) -> None:
    # GIVEN a body gzip-coded before chunking
    # WHEN it is sent
    reply = raw_exchange(
        real_server,
        b"POST /orders/t1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    )
    # THEN it is the 501 problem (no coding but chunked is served)
    assert_problem(reply, 501)


# ---------------------------------------------------------------------------- Host and X-Forwarded-Proto
FALLBACK = "127.0.0.1:3999"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("api.example.com", "api.example.com"),
        ("api.example.com:8443", "api.example.com:8443"),
        ("10.0.0.7:3000", "10.0.0.7:3000"),
        ("[::1]:3000", "[::1]:3000"),
        ("evil.example/<script>", FALLBACK),
        ("user@evil.example", FALLBACK),
        ("evil.example#x", FALLBACK),
        ("a.example:99999", FALLBACK),
        ("a.example:", FALLBACK),
        ("[not:an:address]", FALLBACK),
        ("évil.example", FALLBACK),
        ("x" * 256, FALLBACK),
        ("", FALLBACK),
    ],
)
def test_given_a_host_header_then_only_a_sane_one_becomes_the_events_domain_name(
    fake, host: str, expected: str
) -> None:
    # GIVEN a request with this Host
    gateway, _, _ = fake
    # WHEN it reaches a function
    _, _, body = gateway.handle(
        "GET", "/orders/t1/o1", {"Authorization": "allow-me", "Host": host}, host_fallback=FALLBACK
    )
    # THEN a sane host is passed on, and any other is replaced by the address the client reached
    event = echoed_event(body)
    assert event["requestContext"]["domainName"] == expected
    assert event["headers"]["Host"] == expected
    assert event["multiValueHeaders"]["Host"] == [expected]


def test_given_no_host_header_then_the_domain_name_is_the_address_the_client_reached(fake) -> None:
    gateway, _, _ = fake
    _, _, body = gateway.handle("GET", "/orders/t1/o1", {"Authorization": "allow-me"}, host_fallback=FALLBACK)
    assert echoed_event(body)["requestContext"]["domainName"] == FALLBACK


def test_given_two_host_headers_then_neither_is_trusted(fake) -> None:
    gateway, _, _ = fake
    headers = [("Authorization", "allow-me"), ("Host", "a.example"), ("Host", "b.example")]
    _, _, body = gateway.handle("GET", "/orders/t1/o1", headers, host_fallback=FALLBACK)
    event = echoed_event(body)
    assert event["requestContext"]["domainName"] == FALLBACK
    assert event["multiValueHeaders"]["Host"] == [FALLBACK]


def test_given_an_insane_host_over_http_then_the_domain_name_is_the_servers_own_address_and_port(
    server: int,
) -> None:
    # GIVEN a client sending a Host no URL should be built on
    request = (
        b"GET /orders/t1/o1 HTTP/1.1\r\nHost: evil.example/x?\r\n"
        b"Authorization: allow-me\r\nConnection: close\r\n\r\n"
    )
    # WHEN it reaches a function through the HTTP server
    reply = raw_exchange(server, request)
    # THEN the event's domain name is 127.0.0.1:<the server's port>
    assert echoed_event(reply.body)["requestContext"]["domainName"] == f"127.0.0.1:{server}"


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        (None, "http"),
        ("https", "https"),
        ("HTTPS ", "https"),
        ("http", "http"),
        ("javascript", "http"),
        ("https, http", "http"),
        ("https://evil.example", "http"),
    ],
)
def test_given_an_x_forwarded_proto_then_only_http_or_https_reaches_the_function(
    fake, sent: str | None, expected: str
) -> None:
    # GIVEN a request with (or without) this X-Forwarded-Proto
    gateway, _, _ = fake
    headers = {**ALLOW, **({"X-Forwarded-Proto": sent} if sent is not None else {})}
    # WHEN it reaches a function
    _, _, body = gateway.handle("GET", "/orders/t1/o1", headers)
    # THEN the function sees http or https, never the client's other value
    event = echoed_event(body)
    assert event["headers"]["X-Forwarded-Proto"] == expected
    assert event["multiValueHeaders"]["X-Forwarded-Proto"] == [expected]


def test_sane_host_refuses_sub_delims_percent_encoding_and_overlong_names() -> None:
    assert sane_host("orders.example.com:3000") == "orders.example.com:3000"
    assert sane_host("x" * 255) == "x" * 255
    for value in ("x" * 256, "a%2Eexample", "a'b.example", "a,b", "a b", None):
        assert sane_host(value) is None


# ---------------------------------------------------------------------------- local routes
def test_given_a_local_route_that_refuses_a_request_then_the_templates_gateway_response_answers(fake) -> None:
    # GIVEN a local route that wants an Authorization header (as GET /_local/events wants a key)
    gateway, _, template = fake
    seen: list[LocalRequest] = []

    def route(request: LocalRequest) -> tuple[int, Any]:
        seen.append(request)
        if "Authorization" not in request.headers:
            raise LocalRouteRefused("UNAUTHORIZED")
        return 200, {"ok": True}

    wired = Gateway(gateway.template_path, local_routes={"/_local/x": route})
    # WHEN it is called without and with the header
    refused, refused_headers, refused_body = wired.handle("GET", "/_local/x?after=2", {})
    status, _, body = wired.handle("GET", "/_local/x?after=2", {"Authorization": "k"})
    # THEN the refusal is the template's 401 problem, and the route got the query and the headers
    assert refused == 401
    assert json.loads(refused_body) == expected_body(
        template, "Unauthorized", refused_headers["x-request-id"]
    )
    assert (status, json.loads(body)) == (200, {"ok": True})
    assert seen[-1].query == {"after": "2"}
    assert seen[-1].headers["Authorization"] == "k"


# ---------------------------------------------------------------------------- function timeouts
def test_given_a_function_running_past_its_timeout_then_the_502_problem_answers_and_its_instance_is_discarded(
    fake,
) -> None:
    # GIVEN the orders function with a 0.3 s timeout, and a request that makes it run 1.5 s
    gateway, package, template = fake
    gateway.timeouts["OrdersFunction"] = 0.3
    started = time.monotonic()
    # WHEN it is called
    status, headers, body = gateway.handle("GET", "/orders/t1/slow?seconds=1.5", ALLOW)
    # THEN API Gateway's answer to a Lambda timeout comes at the timeout: the default 5xx problem, 502
    assert status == 502
    assert time.monotonic() - started < 1.2
    assert json.loads(body) == expected_body(template, "Default5xx", headers["x-request-id"], 502)
    # AND the next request runs on a fresh instance, never the one still running the abandoned handler
    pool = gateway._pools[(f"{package}.orders.app", "lambda_handler")]
    assert pool.discarded == 1
    assert gateway.handle("GET", "/orders/t1/o1", ALLOW)[0] == 200
    assert pool.created == 2


def test_given_a_function_whose_timeout_outlasts_the_integration_timeout_then_the_504_problem_answers(
    fake,
) -> None:
    # GIVEN a 60 s function timeout and an integration timeout (API Gateway's 29 s) made 0.3 s
    gateway, _, template = fake
    gateway.timeouts["OrdersFunction"] = 60
    gateway.integration_timeout_seconds = 0.3
    # WHEN the function runs 1 s
    status, headers, body = gateway.handle("GET", "/orders/t1/slow?seconds=1", ALLOW)
    # THEN API Gateway's INTEGRATION_TIMEOUT answers: 504, in the template's default 5xx shape
    assert status == 504
    assert json.loads(body) == expected_body(template, "Default5xx", headers["x-request-id"], 504)


def test_given_the_real_template_then_each_functions_timeout_is_its_own_or_the_globals() -> None:
    gateway = Gateway(ROOT / "template.yaml")
    template = load_template(ROOT / "template.yaml")
    assert gateway.timeout_of("CreateOrderFunction") == template["Globals"]["Function"]["Timeout"]
    assert gateway.timeout_of("OrderStreamFunction") == 60
    assert gateway.timeout_of("NoSuchFunction") == 3  # Lambda's default


# ---------------------------------------------------------------------------- the console (issue 35)
@pytest.mark.usefixtures("tables")
def test_real_template_serves_the_console_without_a_key_and_nothing_else_without_one() -> None:
    # GIVEN the gateway built from the real template
    gateway = Gateway(ROOT / "template.yaml")
    # WHEN the console's page and its script are asked for with no key
    status, headers, body = gateway.handle("GET", "/console", {})
    script_status, script_headers, _ = gateway.handle("GET", "/console/console.js", {})
    # THEN they are served, with the console's policy; and an API route without a key is still a 401
    assert (status, script_status) == (200, 200)
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert script_headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert b'src="console/console.js"' in body
    assert gateway.handle("GET", "/keys/current", {})[0] == 401
    assert gateway.handle("GET", "/console/no-such.js", {})[0] == 404
