"""storage/direct_reads.py against a loopback server that answers as DynamoDB would, or wrongly.

Each test's server records what it was sent and answers what the test tells it to; the client is a
real botocore client pointed at it (no moto here: mock_aws is not active in these tests, so moto's
botocore hook, if loaded, passes every call on).
"""

from __future__ import annotations

import json
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from orders_domain.runtime.sdk import CLIENT_CONFIG
from orders_domain.runtime.settings import Settings
from orders_domain.storage.direct_reads import DirectReads
from orders_domain.storage.orders import DynamoOrderRepository

PARAMS: dict[str, Any] = {
    "TableName": "orders",
    "Key": {"PK": {"S": "T#t1#O#o1"}, "SK": {"S": "ORDER"}},
    "ConsistentRead": False,
    "ProjectionExpression": "#doc",
    "ExpressionAttributeNames": {"#doc": "doc"},
}
ITEM = {"doc": {"S": '{"id":"o1","total":"12.50"}'}, "sys_version": {"N": "3"}}


@dataclass
class Answer:
    status: int = 200
    body: bytes = json.dumps({"Item": ITEM}).encode()
    crc: str | None = "ok"
    close: bool = False


@dataclass
class FakeDynamo:
    """What the server was sent, and what it answers next (a queue; then the default answer)."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    connections: set[int] = field(default_factory=set)
    url: str = ""

    def next_answer(self) -> Answer:
        return self.answers.pop(0) if self.answers else Answer()


@pytest.fixture
def fake() -> Iterator[FakeDynamo]:
    state = FakeDynamo()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.connections.add(self.client_address[1])
            state.requests.append({"headers": dict(self.headers.items()), "body": json.loads(body)})
            answer = state.next_answer()
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(len(answer.body)))
            self.send_header("x-amzn-RequestId", "req-1")
            if answer.crc is not None:
                crc = zlib.crc32(answer.body) if answer.crc == "ok" else zlib.crc32(answer.body) + 1
                self.send_header("x-amz-crc32", str(crc))
            if answer.close:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def client_for(url: str) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name="eu-west-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        aws_session_token="session-token",
        config=CLIENT_CONFIG,
    )


def reader(fake: FakeDynamo) -> DirectReads:
    direct = DirectReads.for_client(client_for(fake.url))
    assert direct is not None
    return direct


def test_given_an_item_when_read_directly_then_the_answer_is_the_sdks_and_the_request_is_signed(
    fake: FakeDynamo,
) -> None:
    # GIVEN a server that answers the item; WHEN read directly and through the SDK
    direct = reader(fake).get_item(dict(PARAMS))
    sdk = client_for(fake.url).get_item(**PARAMS)
    # THEN both answers carry the same item, exactly as stored
    assert direct is not None
    assert direct["Item"] == sdk["Item"] == ITEM
    # AND the request was GetItem's JSON, signed for DynamoDB in the client's region with its token
    sent, by_sdk = fake.requests
    assert sent["body"] == by_sdk["body"] == PARAMS
    assert sent["headers"]["X-Amz-Target"] == "DynamoDB_20120810.GetItem"
    assert sent["headers"]["Content-Type"] == "application/x-amz-json-1.0"
    authorization = sent["headers"]["Authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/dynamodb/aws4_request" in authorization
    assert sent["headers"]["X-Amz-Security-Token"] == "session-token"


def test_given_no_item_when_read_directly_then_the_answer_has_no_item(fake: FakeDynamo) -> None:
    fake.answers.append(Answer(body=b"{}"))
    answer = reader(fake).get_item(dict(PARAMS))
    assert answer is not None
    assert "Item" not in answer


def test_given_several_reads_when_made_then_they_share_one_connection(fake: FakeDynamo) -> None:
    direct = reader(fake)
    for _ in range(5):
        assert direct.get_item(dict(PARAMS)) is not None
    assert len(fake.requests) == 5
    assert len(fake.connections) == 1


@pytest.mark.parametrize(
    "answer",
    [
        Answer(status=400, body=b'{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException"}'),
        Answer(status=500, body=b'{"__type":"InternalServerError"}'),
        Answer(crc="wrong"),
        Answer(body=json.dumps({"Item": {"doc": {"B": "AAEC"}}}).encode()),
        Answer(body=json.dumps({"Item": {"doc": {"M": {"a": {"B": "AAEC"}}}}}).encode()),
        Answer(body=b"not json"),
    ],
    ids=["throttled", "server-error", "crc-mismatch", "binary-attribute", "nested-map", "not-json"],
)
def test_given_an_answer_that_is_not_whole_and_plain_when_read_directly_then_it_is_left_to_the_sdk(
    fake: FakeDynamo, answer: Answer
) -> None:
    # GIVEN a server whose next answer is an error, damaged, or not what botocore returns as it is
    fake.answers.append(answer)
    # WHEN read directly THEN no answer is taken (the caller makes the call through the SDK)
    assert reader(fake).get_item(dict(PARAMS)) is None


def test_given_a_connection_the_server_closed_when_read_again_then_a_new_one_is_made(
    fake: FakeDynamo,
) -> None:
    direct = reader(fake)
    fake.answers.append(Answer(close=True))
    assert direct.get_item(dict(PARAMS)) is not None  # answered, then the server closes
    assert direct.get_item(dict(PARAMS)) is not None  # a new connection
    assert len(fake.connections) == 2


def test_given_an_unreachable_endpoint_when_read_directly_then_it_is_left_to_the_sdk() -> None:
    # GIVEN an endpoint nothing listens on (port 9 on loopback: discard, closed here)
    direct = DirectReads.for_client(client_for("http://127.0.0.1:9"))
    assert direct is not None
    # WHEN read THEN no answer and no exception: the SDK's retries and errors take over
    assert direct.get_item(dict(PARAMS)) is None


def test_given_hooks_on_the_client_when_read_directly_then_they_see_the_call_once(fake: FakeDynamo) -> None:
    client = client_for(fake.url)
    seen: list[str] = []
    for event in ("before-parameter-build", "before-call", "before-send", "after-call"):
        client.meta.events.register(
            f"{event}.dynamodb.GetItem", lambda event_name, **_: seen.append(event_name)
        )
    direct = DirectReads.for_client(client)
    assert direct is not None
    answer = direct.get_item(dict(PARAMS))
    assert answer is not None
    assert [name.split(".")[0] for name in seen] == [
        "before-parameter-build",
        "before-call",
        "before-send",
        "after-call",
    ]


def hook_answering(client: Any, status: int, body: bytes) -> None:
    """A before-send hook that answers every GetItem itself (as moto or a fault injector does)."""
    from botocore.awsrequest import AWSResponse

    class Raw:
        def stream(self, **_: Any) -> Iterator[bytes]:
            yield body

    from botocore.compat import HTTPHeaders

    headers = HTTPHeaders()
    headers["x-amz-crc32"] = str(zlib.crc32(body))
    client.meta.events.register(
        "before-send.dynamodb.GetItem", lambda request, **_: AWSResponse(request.url, status, headers, Raw())
    )


def test_given_a_hook_that_answers_the_call_when_read_directly_then_its_answer_is_taken_once(
    fake: FakeDynamo,
) -> None:
    # GIVEN a client whose before-send hook answers every GetItem, and a hook counting calls
    client = client_for(fake.url)
    hook_answering(client, 200, json.dumps({"Item": {"doc": {"S": "from the hook"}}}).encode())
    calls: list[str] = []
    client.meta.events.register("before-parameter-build.dynamodb.GetItem", lambda **_: calls.append("call"))
    repository = DynamoOrderRepository(client, "orders", direct_reads=True)
    assert repository._direct is not None
    # WHEN read directly THEN the hook's answer is the answer: one call, nothing on the wire
    answer = repository._direct.get_item(dict(PARAMS))
    assert answer is not None
    assert answer["Item"] == {"doc": {"S": "from the hook"}}
    assert calls == ["call"]
    assert fake.requests == []


def test_given_a_hook_that_answers_an_error_when_read_directly_then_the_sdk_makes_the_call(
    fake: FakeDynamo,
) -> None:
    client = client_for(fake.url)
    hook_answering(client, 400, b'{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"}')
    direct = DirectReads.for_client(client)
    assert direct is not None
    assert direct.get_item(dict(PARAMS)) is None
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_item(**PARAMS)


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "http_proxy"])
def test_given_a_proxy_in_the_environment_when_built_then_reads_go_through_the_sdk(
    fake: FakeDynamo, variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, "http://proxy.example:3128")
    assert DirectReads.for_client(client_for(fake.url)) is None


def test_given_direct_reads_turned_off_when_the_settings_are_read_then_the_repository_has_none(
    fake: FakeDynamo,
) -> None:
    base = {"ORDERS_TABLE_NAME": "o", "IDEMPOTENCY_TABLE_NAME": "i"}
    assert Settings.from_environment(base).direct_reads is True
    assert Settings.from_environment({**base, "ORDERS_DIRECT_READS": " FALSE "}).direct_reads is False
    off = DynamoOrderRepository(client_for(fake.url), "orders", direct_reads=False)
    assert off._direct is None


def test_given_moto_when_an_order_is_read_directly_then_motos_answer_is_taken_and_no_socket_opened() -> None:
    from moto import mock_aws

    with mock_aws():
        # GIVEN moto's DynamoDB (the unit tier's) holding one item
        client = boto3.client("dynamodb", region_name="us-east-1", config=CLIENT_CONFIG)
        client.create_table(
            TableName="orders",
            KeySchema=[
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        client.put_item(TableName="orders", Item={**PARAMS["Key"], **ITEM})
        direct = DirectReads.for_client(client)
        assert direct is not None
        # WHEN read directly THEN moto answered (its before-send hook), and no connection was made
        answer = direct.get_item(dict(PARAMS))
        assert answer is not None
        assert answer["Item"] == {"doc": ITEM["doc"]}  # the projection's attribute
        assert getattr(direct._local, "connection", None) is None


QUERY: dict[str, Any] = {
    "TableName": "orders",
    "IndexName": "by_token",
    "KeyConditionExpression": "token_pk = :pk",
    "ExpressionAttributeValues": {":pk": {"S": "T#t1#TOKEN#abc"}},
    "Limit": 1,
}
PAGE = {"Items": [{"PK": {"S": "T#t1#O#o1"}, "SK": {"S": "ORDER"}}], "Count": 1, "ScannedCount": 1}


def test_given_a_query_when_sent_directly_then_the_page_is_the_sdks_and_the_target_is_query(
    fake: FakeDynamo,
) -> None:
    fake.answers += [Answer(body=json.dumps(PAGE).encode()), Answer(body=json.dumps(PAGE).encode())]
    direct = reader(fake).query(dict(QUERY))
    sdk = client_for(fake.url).query(**QUERY)
    assert direct is not None
    assert (direct["Items"], direct["Count"]) == (sdk["Items"], sdk["Count"]) == (PAGE["Items"], 1)
    sent, by_sdk = fake.requests
    assert sent["headers"]["X-Amz-Target"] == by_sdk["headers"]["X-Amz-Target"] == "DynamoDB_20120810.Query"
    assert sent["body"] == by_sdk["body"] == QUERY


@pytest.mark.parametrize(
    "page",
    [
        {"Items": [{"PK": {"B": "AAEC"}}], "Count": 1},
        {"Items": [], "Count": 0, "LastEvaluatedKey": {"PK": {"B": "AAEC"}}},
        {"Items": [], "Count": 0, "ConsumedCapacity": {"CapacityUnits": 0.5}},
        {"Items": "not a list"},
    ],
    ids=["binary-item", "binary-last-key", "consumed-capacity", "items-not-a-list"],
)
def test_given_a_page_that_is_not_plain_when_queried_directly_then_it_is_left_to_the_sdk(
    fake: FakeDynamo, page: dict[str, Any]
) -> None:
    fake.answers.append(Answer(body=json.dumps(page).encode()))
    assert reader(fake).query(dict(QUERY)) is None


def test_given_a_page_with_a_last_key_when_queried_directly_then_it_is_kept(fake: FakeDynamo) -> None:
    page = {**PAGE, "LastEvaluatedKey": {"PK": {"S": "T#t1#O#o1"}, "SK": {"S": "ORDER"}}}
    fake.answers.append(Answer(body=json.dumps(page).encode()))
    answer = reader(fake).query(dict(QUERY))
    assert answer is not None
    assert answer["LastEvaluatedKey"] == page["LastEvaluatedKey"]
