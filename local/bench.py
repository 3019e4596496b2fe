"""`make bench`: what a request costs. Writes bench-results.json and prints a table.

Everything runs against DynamoDB Local in its own process (started here; never moto), with the
functions' real handlers and the events in events/:

- `cold_start`: per function, a fresh Python process laid out as Lambda lays it out from `sam build`'s
  output (the function's folder as working directory, the built layer and its bytecode on the path,
  the interpreter's boto3) imports the handler module and answers its first event; interleaved with
  the floor (a fresh process that imports boto3, creates a DynamoDB
  client and returns). Both are timed inside the child from its first statement, so interpreter
  start-up, the same for both, is left out. Median of `--cold-runs` runs. Each function answers its
  native route's event, which must not load the distribution dialect's XML parser (loaded lazily, by
  the distribution routes only: a child reports whether it did, and a native cold start that loaded it
  stops the run); `create_order_xml` is create_order answering an XML place first (the XML path's
  cold start); `scaling.xml_path_import_ms` is what importing the XML path takes in a create_order
  child that has answered its native request (what a warm instance's first XML request adds).
- `operations`: per route, the handler's self-time: the CPU time of the thread running it less its
  CPU time inside DynamoDB client calls (botocore's `before-parameter-build` to `after-call` hooks:
  the SDK's checks, serialisation, signing, parsing, retries; the wait on the network and DynamoDB
  costs no CPU), p50/p99 in microseconds;
  the DynamoDB calls by API name; RRU/WRU from the real items (local/capacity.py applies DynamoDB's
  rounding, index projections and amplification, and transaction rules). The printed table adds
  the SDK's own CPU inside those calls beside self-time, and the Lambda cost below bills the whole
  wall time (self, SDK, network and DynamoDB). The search_orders routes (`list_page`, `search`,
  `customer_lookup`, `coupon_lookup`) read a tenant of `SEARCH_ORDERS` orders (written by key, their
  coupon usage rows by the order_stream handler from the orders' INSERT records); a Query is billed
  by the index entries it read (its `Limit`, the index's projection), a BatchGetItem by each whole
  item it read, rounded up one by one (a projection does not make it cheaper).
  The patch_order routes: `patch` (a JSON Patch that sets a new memo), `put` (a 3-line order
  replaced), `delete` (a new unpaid order each time) and `batch_10_patches` (ten patches of one
  order in one batch). The fulfill_order and cancel_order routes (`FULFIL_OPERATIONS`, no
  Idempotency-Key sent), each change on a new 3-line order made by the create handler before the
  call: `fulfil` (no body: the whole order), `fulfil_partial` (one unit, with tracking), `cancel`,
  `cancel_partial` (one unit), `void`, `close` (of an order fulfilled first); the fulfillment lists
  of a tenant of `FULFILLED_ORDERS` orders fulfilled twice each (`fulfillments_list`: a page of 10,
  every write shard read; `fulfillments_by_order`; `fulfillments_by_tracking`); `get_fulfillment`
  and `patch_fulfillment` (a new tracking number each time). The refund_order routes
  (`REFUND_OPERATIONS`, no Idempotency-Key sent): `refund` (line 1 of a fulfilled 3-line order, a
  built-in reason) and `refund_by_token`, each on a fresh fulfilled order (a line refunds once:
  `FulfilledOrders`, copies of one order the create and fulfil handlers made, written by key in
  batches outside the measured calls), `refund_reasons` (the nine built-in reasons and the tenant's
  `OWN_REASONS`) and `refund_reason_put` (one of them replaced, a new description each time).
  The source dialects' routes (issue 21, `DIALECT_ROUTES`: no tenant in the path, the key's is
  used; no Idempotency-Key sent), each over its native route's service: `theatre_get` (by id) and
  `theatre_get_by_token`, `theatre_fulfil` (no body: every open unit of a new 3-line order, as
  `fulfil`), `theatre_will_call_by_token`, `theatre_refund_reasons`, `theatre_refund_by_token` (line 1
  of a fresh fulfilled order, as `refund_by_token`); `distribution_place` in JSON and
  `distribution_place_xml` (the same order in XML both ways: the parse and the writing show in
  self-time, not in calls), each a new order_number, which is the idempotency key (the keyed create's
  calls); `distribution_get` (an order placed there, nothing shipped: no fulfillment read) in JSON and
  `distribution_get_xml`, `distribution_get_shipped` (one fulfilled since: its fulfillments read),
  `distribution_cancel` (a new placed order each call) and `distribution_cancel_again` (to a
  cancelled order: answered without a write). Their cost per million is printed, not in the JSON.
  `FULFIL_CALLS`, `REFUND_CALLS` and `DIALECT_CALLS` are the DynamoDB calls each makes (check_shape
  holds a run to them). Writes are billed from one more call after the measured ones, whose items
  are read just before each write (`Recorder.read_before`): the larger of the item before and after,
  each index entry it adds, changes, moves (twice) or removes, twice in a transaction.
- `stream`: the order_stream function (DynamoDB stream -> history entries, coupon usage rows,
  EventBridge events) on a batch of 100 Lambda-shaped records of real order writes (orders made
  by the create handler, read back with GetItem; new orders, new versions of existing ones, and
  records of other items, which it skips), each batch new (or its conditional puts would be
  no-ops), and the same batches delivered again (a replay changes nothing: what that costs).
  Self-time as above (less the SDK's CPU inside PutEvents calls too); events go through the real
  EventBridgePublisher to an EventBridge client whose PutEvents is answered in-process ("all
  accepted"), so the calls and their SDK work are real and nothing leaves the machine. A put that
  fails its condition is billed as DynamoDB bills it (the existing item's size, no index write).
- `scaling`: create self-time p50 with 1 / 10 / 100 / 500 lines; with 100 / 1,000 / 10,000 orders in
  a tenant, through the search_orders handler: a list page (`GET /orders/{tenantId}?limit=25`, the
  scatter-gather read over every write shard of the tenant-date index), a customer lookup page (the
  bill-to and ship-to partitions merged; every order of that tenant is the customer's) and a search
  that no order matches (the tenant's list read with a filter: its worst case, stopped at 500
  examined rows) — each one's latency, self-time, queries, RRU, index rows read and rows answered.
- `cost_per_million`: dollars per million requests at the on-demand list prices in `PRICES`.
- `package_bytes`: the built layer and functions (`sam build` output in .aws-sam/build).

Routes join with one entry in `operations()`. `--quick` runs few iterations (CI checks the JSON only;
timings vary from machine to machine and are never asserted).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
EVENTS = ROOT / "events"
RESULTS = "bench-results.json"
TENANT = "tenant-a"
#: The tenant the search_orders routes read in `operations`, and how many orders it holds.
SEARCH_TENANT = "tenant-search"
SEARCH_ORDERS = 200
#: The tenant of the page-cost figures.
PAGES_TENANT = "tenant-pages"
#: Page tokens are signed with it (on AWS the template generates one in Secrets Manager).
PAGE_TOKEN_SECRET = "bench-page-token-secret-not-a-real-one"  # noqa: S105 - a local run's key
#: The key events/authorizer.json (and the others) carry.
EVENT_KEY = "example-key-not-real"

#: On-demand list prices, us-east-1, USD. The one place prices live.
PRICES = {
    "api_gateway_rest_per_million_requests": 3.50,
    "lambda_per_million_requests": 0.20,
    "lambda_per_gb_second": 0.0000166667,
    "dynamodb_per_million_wru": 0.625,
    "dynamodb_per_million_rru": 0.125,
    "eventbridge_per_million_events": 1.00,
}
#: botocore's own CPU inside DynamoDB calls, p50 per operation: printed beside self-time, not in the JSON.
SDK_US_P50: dict[str, int] = {}
#: Dollars per million requests of the source dialects' routes: printed, not in the JSON.
DIALECT_COST_PER_MILLION: dict[str, float] = {}
#: Orders in the tenant for the page-cost figures (the quick run stops at the second).
PAGE_SIZES = (100, 1_000, 10_000)
PAGE_LIMIT = 25
JSON_PATCH = "application/json-patch+json"
#: The search_orders routes the bench calls (resource templates).
LIST = "/orders/{tenantId}"
SEARCH = "/orders/{tenantId}/search"
CUSTOMER = "/orders/{tenantId}/customer/{customerType}/{customerId}"
COUPON = "/orders/{tenantId}/coupon/{couponType}/{couponId}"
#: The customer and coupon of `order_body` (every bench order has them).
CUSTOMER_PARAMS = {"customerType": "contact", "customerId": "contact-42"}
COUPON_PARAMS = {"couponType": "promo", "couponId": "c1"}
#: The search measured: a total range and a type list. In SEARCH_TENANT a quarter of the orders match
#: (`SEARCH_KINDS`); the page-cost tenant's orders have no type, so none does there (the worst case).
SEARCH_FILTERS: dict[str, Any] = {"total": ["20.00", "30.00"], "type": ["ticket"]}
#: SEARCH_TENANT's orders cycle through these (lines, type): a 1-line order totals 26.50.
SEARCH_KINDS = ((1, "ticket"), (1, "gift"), (3, "ticket"), (3, "gift"))
#: Keys of each size of each page-cost section of `scaling`.
PAGE_COST_KEYS = {"wall_us_p50", "self_us_p50", "queries", "rru", "rows_read", "rows"}
PAGE_COSTS = ("page_cost_by_orders", "customer_page_cost_by_orders", "search_page_cost_by_orders")
#: Calls per operation before the measured ones.
WARM_UP_CALLS = 20
#: Functions and the event each answers first on a cold start.
COLD_START_EVENTS = {
    "create_order": "create_order.json",
    "get_order": "get_order.json",
    "authorizer": "authorizer.json",
    "order_stream": "order_stream.json",
    "search_orders": "search_orders.json",
    "patch_order": "patch_order.json",
    "fulfill_order": "fulfill_order.json",
    "cancel_order": "cancel_order.json",
    "will_call_check": "will_call_check.json",
    "refund_order": "refund_order.json",
    # create_order as a distribution client's first request finds it: an XML place (the XML path,
    # defusedxml and orders_domain.dialects.xml, loaded on that request only); every other entry is
    # its function's native route, which must not load it (`cold_start` refuses a run that does).
    "create_order_xml": "distribution_place_order.json",
}
#: Entries of COLD_START_EVENTS that are another route of a function: the function they run.
COLD_START_FUNCTIONS = {"create_order_xml": "create_order"}
#: The cold starts whose first request takes the XML path.
XML_COLD_STARTS = ("create_order_xml",)
#: The module the distribution routes load for XML (orders_domain.http.api.resolve), and its parser.
XML_MODULE = "orders_domain.dialects.xml"
XML_PARSER = "defusedxml"
#: The fulfill_order and cancel_order routes the bench calls (resource templates).
FULFIL = "/orders/{tenantId}/{id}/fulfill"
FULFILLMENTS = "/orders/{tenantId}/fulfillments"
FULFILLMENT = "/orders/{tenantId}/fulfillments/{fulfillmentId}"
WILL_CALL = "/orders/{tenantId}/{id}/will-call-check"
CANCELS = {
    "cancel": "/orders/{tenantId}/{id}/cancel",
    "void": "/orders/{tenantId}/void/{id}",
    "close": "/orders/{tenantId}/close/{id}",
}
#: The refund_order routes the bench calls (resource templates), what a refund asks for (line 1, a
#: built-in reason: no reason read), and the tenant's own reasons the list reads beside the built-in
#: nine (the PUT replaces the first).
REFUND = "/orders/{tenantId}/{id}/refunds"
REFUND_REASONS = "/orders/{tenantId}/refund-reasons"
REFUND_REASON = "/orders/{tenantId}/refund-reasons/{name}"
REFUND_BODY = {"refund_reason_name": "ChangedMindCannotMakeShow", "line_numbers": [1]}
OWN_REASONS = ("BenchBoxOffice", "BenchDuplicateBooking")
#: Fulfilled orders `FulfilledOrders` writes at a time (one BatchWriteItem), and the first number.
REFUND_BATCH = 25
REFUND_FIRST_NUMBER = 5_000_000
#: The source APIs' own dialects (issue 21): route -> (events/ sample, function, method, resource).
#: Their paths name no tenant (the key's is used); the distribution routes speak JSON or XML.
DIALECT_ROUTES: dict[str, tuple[str, str, str, str]] = {
    "theatre_get": ("theatre_get_order.json", "get_order", "GET", "/v3/orders/{id}"),
    "theatre_fulfil": ("theatre_fulfill_order.json", "fulfill_order", "POST", "/v3/orders/{id}/fulfill"),
    "theatre_will_call": (
        "theatre_will_call_check.json",
        "will_call_check",
        "GET",
        "/v1/orders/{id}/will-call-check",
    ),
    "theatre_reasons": ("theatre_refund_reasons.json", "refund_order", "GET", "/v1/refund-reasons"),
    "theatre_refund": ("theatre_refund_order.json", "refund_order", "POST", "/v1/orders/{id}/refunds"),
    "distribution_place": ("distribution_place_order.json", "create_order", "POST", "/distribution/orders"),
    "distribution_get": ("distribution_get_order.json", "get_order", "GET", "/distribution/orders/{id}"),
    "distribution_cancel": (
        "distribution_cancel_order.json",
        "cancel_order",
        "PUT",
        "/distribution/orders/{id}",
    ),
}
JSON = "application/json"
XML = "application/xml"
#: The theatre dialect's refund (its own member names): line 1, a built-in self-service reason.
THEATRE_REFUND_BODY = {"refundReasonName": "ChangedMindCannotMakeShow", "lineNumbers": [1]}
#: The distribution dialect's cancel.
#: The seed's cancel, as events/distribution_cancel_order.json carries it.
DISTRIBUTION_CANCEL_BODY = json.loads(
    json.loads((EVENTS / "distribution_cancel_order.json").read_text())["body"]
)
#: Items of a distribution place (as events/distribution_place_order.json: one offer, 2 units),
#: priced (`price` is the unit price; 0 when left out).
PLACE_ITEMS = 1
#: The tenant whose fulfillment lists `operations` reads: its orders are each fulfilled twice (one
#: unit with a tracking number, then the rest), the tracking numbers `TRACKING_NUMBERS` in turn.
FULFIL_TENANT = "tenant-fulfil"
FULFILLED_ORDERS = 30
TRACKING_NUMBERS = 5
FULFILLMENTS_LIMIT = 10
#: Write shards of the tenant list (orders_domain.storage.keys.WRITE_SHARDS; a test holds them equal).
WRITE_SHARDS = 32
#: A stream batch: new orders without and with a coupon, new versions of orders, other items' records.
STREAM_BATCH = {"insert_plain": 40, "insert_coupon": 20, "modify": 30, "other_items": 10}
#: Batches before the measured ones (each batch is 100 records and about 110 writes).
STREAM_WARM_UP = 3
#: The event bus the stream function is told to publish to (its PutEvents never leave the process).
EVENT_BUS = "bench-orders"

_CHILD = r"""
import sys, time
t0 = time.perf_counter()
import json, os
kind, event_file, time_xml = sys.argv[1], sys.argv[2], sys.argv[3] == "1"

class Context:
    function_name = "bench"
    memory_limit_in_mb = 512
    aws_request_id = "cold-start"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:bench"
    def get_remaining_time_in_millis(self):
        return 10_000

if kind == "floor":
    import boto3
    client = boto3.client("dynamodb", endpoint_url=os.environ["DYNAMODB_ENDPOINT_URL"])
    result = {"statusCode": 200}
else:
    import app as module
    with open(event_file) as f:
        event = json.load(f)
    result = module.lambda_handler(event, Context())
elapsed = (time.perf_counter() - t0) * 1000
answer = result.get("statusCode") or result.get("policyDocument", {}).get("Statement", [{}])[0].get("Effect")
if "batchItemFailures" in result:
    answer = "failed: " + json.dumps(result["batchItemFailures"]) if result["batchItemFailures"] else "ok"
measured = {"ms": elapsed, "answer": answer, "xml_loaded": "defusedxml" in sys.modules}
if time_xml:
    # after the cold start is timed: what the XML path adds when a warm instance first needs it
    t1 = time.perf_counter()
    import orders_domain.dialects.xml
    measured["xml_import_ms"] = (time.perf_counter() - t1) * 1000
sys.__stdout__.write("\nBENCH " + json.dumps(measured) + "\n")
"""


# ---------------------------------------------------------------------------- measuring DynamoDB calls
@dataclass
class Call:
    api: str
    table: str
    params: dict[str, Any]
    parsed: dict[str, Any] | None = None
    #: botocore's service id: "dynamodb", or "eventbridge" for the stream function's PutEvents.
    service: str = "dynamodb"
    #: The whole client call (parameter checks, serialisation, signing, the wire, parsing, retries).
    started_ns: int = 0
    ended_ns: int = 0
    #: The calling thread's CPU time at the call's start and end, and which thread it was.
    cpu_started_ns: int = 0
    cpu_ended_ns: int = 0
    thread: int = 0
    #: The items a write call writes, as they were just before it (None: not one; the field None:
    #: not read), in `written_keys` order. Read only in a billing call (`Bench.invoke(before_images=)`).
    before: list[dict[str, Any] | None] | None = None

    @property
    def call_ns(self) -> int:
        return max(0, self.ended_ns - self.started_ns)


@dataclass
class Recorder:
    """Botocore hooks on clients: which calls a handler makes and how long it waits on them.

    Per thread (a list page reads its shards from several threads at once): each hook belongs to
    the call its own thread is making.
    """

    calls: list[Call] = field(default_factory=list)
    _local: threading.local = field(default_factory=threading.local)
    #: When set, (API, params) -> the items a write call is about to write, as they are: read before
    #: each write call starts (its clocks included), for billing it by the item before and after.
    read_before: Callable[[str, dict[str, Any]], list[dict[str, Any] | None]] | None = None

    def attach(self, client: Any) -> None:
        events = client.meta.events
        service = client.meta.service_model.service_id.hyphenize()
        events.register(f"before-parameter-build.{service}", functools.partial(self._before_call, service))
        events.register(f"after-call.{service}", self._after_call)
        events.register(f"after-call-error.{service}", self._after_call_error)

    def _current(self) -> Call | None:
        call: Call | None = getattr(self._local, "call", None)
        return call

    def _before_call(self, service: str, model: Any, params: dict[str, Any], **_: Any) -> None:
        # The API's own parameters (before serialisation): what the handler asked for.
        before = None
        if self.read_before is not None and service == "dynamodb" and model.name in WRITE_APIS:
            before = self.read_before(model.name, params)
        call = Call(
            api=model.name,
            table=str(params.get("TableName", "")),
            params=dict(params),
            service=service,
            before=before,
            started_ns=time.perf_counter_ns(),
            cpu_started_ns=time.thread_time_ns(),
            thread=threading.get_ident(),
        )
        self._local.call = call
        self.calls.append(call)

    def _after_call(self, parsed: dict[str, Any], **_: Any) -> None:
        call = self._current()
        if call is not None:
            call.parsed = parsed
            call.ended_ns, call.cpu_ended_ns = time.perf_counter_ns(), time.thread_time_ns()

    def _after_call_error(self, **_: Any) -> None:
        call = self._current()
        if call is not None:
            call.ended_ns, call.cpu_ended_ns = time.perf_counter_ns(), time.thread_time_ns()

    def take(self) -> list[Call]:
        calls, self.calls = self.calls, []
        return calls


#: The DynamoDB calls that write items (what `written_keys` knows).
WRITE_APIS = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems")


def written_keys(
    api: str, params: dict[str, Any], key_names: dict[str, tuple[str, ...]]
) -> list[tuple[str, dict[str, Any]]]:
    """(table, key) of each item a write call writes (a transaction's condition checks included, in
    its order); `key_names`: table -> its key attributes (a put names its key in its item)."""

    def key_of(table: str, body: dict[str, Any]) -> dict[str, Any]:
        if "Key" in body:
            return dict(body["Key"])
        return {name: body["Item"][name] for name in key_names.get(table, ("PK", "SK"))}

    if api == "TransactWriteItems":
        out = []
        for entry in params["TransactItems"]:
            ((_kind, body),) = entry.items()
            out.append((str(body["TableName"]), key_of(str(body["TableName"]), body)))
        return out
    if api in WRITE_APIS:
        return [(str(params["TableName"]), key_of(str(params["TableName"]), params))]
    return []


def self_cpu_ns(cpu_total_ns: int, calls: list[Call]) -> int:
    """The measuring thread's CPU time less its CPU inside (DynamoDB and PutEvents) client calls."""
    me = threading.get_ident()
    return cpu_total_ns - sum(c.cpu_ended_ns - c.cpu_started_ns for c in calls if c.thread == me)


@dataclass
class Sample:
    #: The handler's own time: the CPU time of the thread running it, less that thread's CPU inside
    #: DynamoDB client calls (CPU, not wall time: on a 2-core machine DynamoDB Local competes for
    #: the cores, and a handler waiting for one is not doing work).
    self_ns: int
    #: botocore's CPU inside those calls: reported beside self-time.
    sdk_ns: int
    wall_ns: int
    calls: list[Call]
    answer: Any


@dataclass
class Bench:
    endpoint: str
    tables: dict[str, str]
    index_keys: dict[str, dict[str, Any]]
    #: Table name -> its key attributes.
    key_names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    recorder: Recorder = field(default_factory=Recorder)
    #: Whole-handler time (self + DynamoDB) p50 per measured operation, for the Lambda cost.
    wall_us_p50: dict[str, int] = field(default_factory=dict)

    def invoke(self, function: str, event: dict[str, Any], *, before_images: bool = False) -> Sample:
        """One handler call, measured; `before_images`: a billing call, each write's items read just
        before it (its timings then include those reads: never one of the measured calls)."""
        from local.lambda_runtime import FakeLambdaContext

        handler = _handler(function)
        context = FakeLambdaContext(function_name=function)
        self.recorder.take()
        self.recorder.read_before = self._items_before if before_images else None
        try:
            started, cpu_started = time.perf_counter_ns(), time.thread_time_ns()
            answer: Any = handler(event, context)
            wall, cpu = time.perf_counter_ns() - started, time.thread_time_ns() - cpu_started
        finally:
            self.recorder.read_before = None
        calls = self.recorder.take()
        own = self_cpu_ns(cpu, calls)
        return Sample(self_ns=own, sdk_ns=cpu - own, wall_ns=wall, calls=calls, answer=answer)

    # ------------------------------------------------------------------ capacity of the recorded calls
    def capacity(self, calls: list[Call]) -> tuple[float, float]:
        from local import capacity

        rru, wru = 0.0, 0.0
        for call in calls:
            if call.service != "dynamodb":
                continue
            error = ((call.parsed or {}).get("Error") or {}).get("Code")
            if error == "ConditionalCheckFailedException" and call.api in (
                "PutItem",
                "UpdateItem",
                "DeleteItem",
            ):
                # A write whose condition fails is billed the existing item's size (at least 1 WRU)
                # and writes no index. The item is as it was, so reading it now reads it then.
                if call.api == "PutItem":
                    names = self.key_names.get(call.table, ("PK", "SK"))
                    key = {name: call.params["Item"][name] for name in names}
                else:
                    key = call.params["Key"]
                wru += capacity.write_units(capacity.item_size(self._item_now(call.table, key)))
            elif call.api == "GetItem":
                item = (call.parsed or {}).get("Item") or {}
                rru += capacity.read_units(
                    capacity.item_size(item), consistent=bool(call.params.get("ConsistentRead"))
                )
            elif call.api == "Query":
                # No FilterExpression or ProjectionExpression here: the items answered are the items
                # read (at most `Limit`), each as the index projects it.
                items = (call.parsed or {}).get("Items") or []
                size = sum(capacity.item_size(i) for i in items)
                rru += capacity.read_units(size, consistent=bool(call.params.get("ConsistentRead")))
            elif call.api == "BatchGetItem":
                rru += self._batch_get_units(call)
            elif call.api in ("PutItem", "UpdateItem", "DeleteItem"):
                before = call.before[0] if call.before else None
                wru += self._write_units(call.api, call.table, call.params, before, call.before is not None)
            elif call.api == "TransactWriteItems":
                entries = call.params["TransactItems"]
                befores = call.before or [None] * len(entries)
                for entry, before in zip(entries, befores, strict=True):
                    ((kind, body),) = entry.items()
                    wru += 2 * self._write_units(
                        kind, body["TableName"], body, before, call.before is not None
                    )
        return rru, wru

    def _write_units(
        self, kind: str, table: str, request: dict[str, Any], before: dict[str, Any] | None, seen: bool
    ) -> int:
        """WRU of one item write (a call's, or a transaction's entry: doubled by the caller).

        `seen`: the item was read just before the write (`before`, None if there was none): billed by
        the larger image and each index entry added, changed, moved or removed. Not seen (a measured
        call's, a stream batch's): a put or update as of a new item, a delete as 1 unit."""
        from local import capacity

        keys = self.index_keys.get(table, {})
        if kind in ("Put", "PutItem"):
            return capacity.write_cost(before, request["Item"], keys)
        if kind in ("Update", "UpdateItem"):
            return capacity.write_cost(before, self._item_now(table, request["Key"]), keys)
        if kind in ("Delete", "DeleteItem"):
            return capacity.write_cost(before, None, keys) if before is not None else 1
        # A condition check writes nothing: the item's size, no index.
        seen_item = before if seen and before is not None else self._item_now(table, request["Key"])
        return capacity.write_units(capacity.item_size(seen_item))

    def _items_before(self, api: str, params: dict[str, Any]) -> list[dict[str, Any] | None]:
        """The items a write call is about to write, as they are now (None: no such item)."""
        out = []
        for table, key in written_keys(api, params, self.key_names):
            read = _admin_client(self.endpoint).get_item(TableName=table, Key=key, ConsistentRead=True)
            out.append(read.get("Item"))
        return out

    def _batch_get_units(self, call: Call) -> float:
        """A BatchGetItem reads each key as a GetItem of its own: the whole item (a projection does
        not make it cheaper; a key that finds nothing still costs the minimum), rounded up per item.
        Keys it answered as unprocessed were not read."""
        from local import capacity

        unprocessed = (call.parsed or {}).get("UnprocessedKeys") or {}
        units = 0.0
        for table, request in call.params["RequestItems"].items():
            skipped = (unprocessed.get(table) or {}).get("Keys") or []
            consistent = bool(request.get("ConsistentRead"))
            for key in request["Keys"]:
                if key not in skipped:
                    item = self._item_now(table, key)  # the key alone if none: the minimum
                    units += capacity.read_units(capacity.item_size(item), consistent=consistent)
        return units

    def _item_now(self, table: str, key: dict[str, Any]) -> dict[str, Any]:
        out = _admin_client(self.endpoint).get_item(TableName=table, Key=key, ConsistentRead=True)
        return dict(out.get("Item") or key)


def _handler(function: str) -> Callable[..., Any]:
    import importlib

    handler: Callable[..., Any] = importlib.import_module(f"functions.{function}.app").lambda_handler
    return handler


_ADMIN: dict[str, Any] = {}


def _admin_client(endpoint: str) -> Any:
    """A second client, not recorded, for reading items back (never inside a measured call)."""
    if endpoint not in _ADMIN:
        import boto3

        _ADMIN[endpoint] = boto3.client("dynamodb", endpoint_url=endpoint)
    return _ADMIN[endpoint]


# ---------------------------------------------------------------------------- events
def event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    loaded["requestContext"]["requestId"] = str(uuid.uuid4())
    return loaded


def order_body(lines: int) -> dict[str, Any]:
    return {
        "currency_code": "USD",
        "bill_to_type": "contact",
        "bill_to_contact_id": "contact-42",
        "ship_to_type": "contact",
        "ship_to_contact_id": "contact-42",
        "payment_info": {"type": "credit card"},
        "coupons": [{"coupon_id": "c1", "coupon_type": "promo", "discount": 1}],
        "line_items": [
            {
                "description": f"Ticket {n}",
                "sku": f"SKU-{n}",
                "quantity": 2,
                "unit_price": "13.75",
                "shippable": True,
            }
            for n in range(lines)
        ],
    }


def create_event(lines: int) -> dict[str, Any]:
    created = event("create_order.json")
    created["body"] = json.dumps(order_body(lines))
    created["headers"]["Idempotency-Key"] = f'"{uuid.uuid4()}"'
    created["multiValueHeaders"] = {k: [v] for k, v in created["headers"].items()}
    return created


def preview_event(lines: int) -> dict[str, Any]:
    preview = event("create_order_preview.json")
    preview["body"] = json.dumps(order_body(lines))
    return preview


def get_event(order_ref: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    got = event("get_order.json")
    got["path"] = f"/orders/{TENANT}/{order_ref}"
    got["pathParameters"] = {"tenantId": TENANT, "id": order_ref}
    got["queryStringParameters"] = query
    got["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    return got


def history_event(order_ref: str) -> dict[str, Any]:
    """GET /orders/{tenantId}/{id}/history: its first page (the default limit)."""
    got = get_event(order_ref)
    got["path"] += "/history"
    got["resource"] = got["requestContext"]["resourcePath"] = "/orders/{tenantId}/{id}/history"
    return got


def search_event(
    method: str,
    resource: str,
    params: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: Any | None = None,
    tenant: str = SEARCH_TENANT,
) -> dict[str, Any]:
    """A search_orders route's event as the authorizer passes it on, for `tenant`'s own key."""
    return route_event("search_orders.json", method, resource, params, query, body, tenant)


def change_event(
    method: str, order_ref: str | None, body: Any, content_type: str = "application/json"
) -> dict[str, Any]:
    """A patch_order route's event (`order_ref` None: the batch route), from events/patch_order.json."""
    got = event("patch_order.json")
    resource = "/orders/{tenantId}/batch" if order_ref is None else "/orders/{tenantId}/{id}"
    path = f"/orders/{TENANT}/batch" if order_ref is None else f"/orders/{TENANT}/{order_ref}"
    got["resource"] = got["requestContext"]["resourcePath"] = resource
    got["httpMethod"] = got["requestContext"]["httpMethod"] = method
    got["path"] = path
    got["requestContext"]["path"] = "/v1" + path
    got["pathParameters"] = {"tenantId": TENANT, **({} if order_ref is None else {"id": order_ref})}
    got["headers"] = {k: v for k, v in got["headers"].items() if k.lower() != "if-match"}
    got["headers"]["Content-Type"] = content_type
    got["multiValueHeaders"] = {k: [v] for k, v in got["headers"].items()}
    got["body"] = json.dumps(body)
    return got


def unpaid_order(bench: Bench) -> str:
    """A new 1-line order with nothing paid (one that may be deleted): its id."""
    body = {k: v for k, v in order_body(1).items() if k != "payment_info"}
    made = create_event(1)
    made["body"] = json.dumps(body)
    answer = bench.invoke("create_order", made).answer
    refuse_failure("create (for a change)", answer)
    return str(json.loads(answer["body"])["id"])


def memo_patch() -> list[dict[str, Any]]:
    """A JSON Patch that always changes the order (a new memo)."""
    return [{"op": "add", "path": "/memo", "value": uuid.uuid4().hex}]


def page_query() -> dict[str, str]:
    return {"limit": str(PAGE_LIMIT)}


def route_event(
    sample: str,
    method: str,
    resource: str,
    params: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: Any | None = None,
    tenant: str = TENANT,
) -> dict[str, Any]:
    """An event of `sample` (in events/) for another route, as the authorizer passes it on for
    `tenant`'s own key: no Idempotency-Key or If-Match (the change routes are measured without)."""
    got = event(sample)
    path_params = {"tenantId": tenant, **(params or {})}
    path = resource
    for name, value in path_params.items():
        path = path.replace("{" + name + "}", value)
    got["resource"] = got["requestContext"]["resourcePath"] = resource
    got["httpMethod"] = got["requestContext"]["httpMethod"] = method
    got["path"] = path
    got["requestContext"]["path"] = "/v1" + path
    got["pathParameters"] = path_params
    got["queryStringParameters"] = query
    got["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    got["headers"] = {
        k: v for k, v in got["headers"].items() if k.lower() not in ("idempotency-key", "if-match")
    }
    got["multiValueHeaders"] = {k: [v] for k, v in got["headers"].items()}
    got["body"] = None if body is None else json.dumps(body)
    got["requestContext"]["authorizer"]["tenant_id"] = tenant
    return got


def fulfil_event(order_id: str, body: Any | None = None, tenant: str = TENANT) -> dict[str, Any]:
    """POST /orders/{tenantId}/{id}/fulfill (no body: every open unit)."""
    return route_event("fulfill_order.json", "POST", FULFIL, {"id": order_id}, body=body, tenant=tenant)


def fulfillments_event(query: dict[str, str], tenant: str = FULFIL_TENANT) -> dict[str, Any]:
    """GET /orders/{tenantId}/fulfillments with these query parameters."""
    return route_event("fulfill_order.json", "GET", FULFILLMENTS, query=query, tenant=tenant)


def fulfillment_event(
    fulfillment_id: str, method: str = "GET", body: Any | None = None, tenant: str = TENANT
) -> dict[str, Any]:
    """GET or PATCH /orders/{tenantId}/fulfillments/{fulfillmentId}."""
    params = {"fulfillmentId": fulfillment_id}
    return route_event("fulfill_order.json", method, FULFILLMENT, params, body=body, tenant=tenant)


def will_call_event(order_ref: str, tenant: str = TENANT) -> dict[str, Any]:
    """GET /orders/{tenantId}/{id}/will-call-check (`order_ref` an id or `token-<token>`)."""
    return route_event("will_call_check.json", "GET", WILL_CALL, {"id": order_ref}, tenant=tenant)


def cancel_event(kind: str, order_id: str, body: Any | None = None, tenant: str = TENANT) -> dict[str, Any]:
    """A cancel_order route: `kind` cancel (`body` optional), void or close."""
    return route_event("cancel_order.json", "POST", CANCELS[kind], {"id": order_id}, body=body, tenant=tenant)


def refund_event(order_ref: str, body: Any | None = None, tenant: str = TENANT) -> dict[str, Any]:
    """POST /orders/{tenantId}/{id}/refunds (`order_ref` an id or `token-<token>`; `REFUND_BODY`)."""
    body = REFUND_BODY if body is None else body
    return route_event("refund_order.json", "POST", REFUND, {"id": order_ref}, body=body, tenant=tenant)


def reasons_event(name: str | None = None, body: Any | None = None, tenant: str = TENANT) -> dict[str, Any]:
    """GET /orders/{tenantId}/refund-reasons, or (`name`) PUT one of the tenant's own."""
    if name is None:
        return route_event("refund_order.json", "GET", REFUND_REASONS, tenant=tenant)
    return route_event("refund_order.json", "PUT", REFUND_REASON, {"name": name}, body=body, tenant=tenant)


def reason_body() -> dict[str, Any]:
    """A tenant's own reason (admin only) whose description is new each time: each PUT changes it."""
    return {"description": f"Box office {uuid.uuid4().hex[:12]}", "type_description": "Bench"}


def dialect_event(
    route: str,
    order_ref: str | None = None,
    body: Any | None = None,
    *,
    media: str = JSON,
    tenant: str = TENANT,
) -> dict[str, Any]:
    """A source dialect's route (`DIALECT_ROUTES`) for this order (`order_ref`: an id or
    `token-<token>`), from its sample in events/, as the authorizer passes it on for `tenant`'s own key
    (the path names no tenant). `body`: JSON (a dict) or text (XML), sent as `media`, and the answer
    asked for in `media`. No Idempotency-Key or If-Match: the change routes are measured without."""
    sample, _function, method, resource = DIALECT_ROUTES[route]
    got = event(sample)
    path = resource if order_ref is None else resource.replace("{id}", order_ref)
    got["resource"] = got["requestContext"]["resourcePath"] = resource
    got["httpMethod"] = got["requestContext"]["httpMethod"] = method
    got["path"] = path
    got["requestContext"]["path"] = f"/{got['requestContext']['stage']}{path}"
    got["pathParameters"] = None if order_ref is None else {"id": order_ref}
    got["queryStringParameters"] = got["multiValueQueryStringParameters"] = None
    dropped = ("idempotency-key", "if-match", "content-type", "accept")
    headers = {k: v for k, v in got["headers"].items() if k.lower() not in dropped}
    headers["Accept"] = media
    if body is not None:
        headers["Content-Type"] = media
    got["headers"] = headers
    got["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    got["body"] = None if body is None else body if isinstance(body, str) else json.dumps(body)
    got["requestContext"]["authorizer"]["tenant_id"] = tenant
    return got


def order_number() -> str:
    """A new distribution `order_number` (unique per tenant: it names the order)."""
    return f"BENCH-{uuid.uuid4().hex[:20]}"


def place_body(number: str, items: int = PLACE_ITEMS) -> dict[str, Any]:
    """`POST /distribution/orders` in JSON: `items` offers of 2 units each, priced."""
    return {
        "order": {
            "order_number": number,
            "customer_name": "John Smith",
            "items": [{"offer_id": f"deal-{n}", "quantity": 2, "price": "13.75"} for n in range(items)],
        }
    }


def place_xml(number: str, items: int = PLACE_ITEMS) -> str:
    """The order of `place_body` in the distribution API's XML, by the service's own writer."""
    from orders_domain.dialects import xml

    return xml.dumps("order", place_body(number, items)["order"])


def first_line(order: dict[str, Any]) -> str:
    return str(order["line_items"][0]["order_line_item_id"])


def partial_fulfil_body(order: dict[str, Any], tracking_number: str) -> dict[str, Any]:
    """One unit of the order's first line, shipped with this tracking number."""
    return {
        "items": [{"order_line_item_id": first_line(order), "quantity": 1}],
        "tracking_company": "Fedex",
        "tracking_number": tracking_number,
        "tracking_url": f"https://tracking.example/{tracking_number}",
        "shipment_id": f"shipment-{tracking_number}",
    }


def partial_cancel_body(order: dict[str, Any]) -> dict[str, Any]:
    """One unit of the order's first line cancelled."""
    return {"items": [{"order_line_item_id": first_line(order), "quantity": 1}], "reason": "bench"}


def tracking_patch() -> dict[str, Any]:
    """A fulfillment PATCH that always changes it (a new tracking number)."""
    number = uuid.uuid4().hex[:16]
    return {
        "tracking_company": "UPS",
        "tracking_number": number,
        "tracking_url": f"https://ups.example/{number}",
    }


def new_order(bench: Bench, tenant: str = TENANT, lines: int = 3) -> dict[str, Any]:
    """A new order made by the create handler (`order_body`: 2 units a line, paid by card): as answered."""
    made = create_event(lines)
    made["pathParameters"] = {"tenantId": tenant}
    made["path"] = f"/orders/{tenant}"
    made["requestContext"]["path"] = f"/v1/orders/{tenant}"
    made["requestContext"]["authorizer"]["tenant_id"] = tenant
    answer = bench.invoke("create_order", made).answer
    refuse_failure("create (for a fulfil or cancel)", answer)
    order: dict[str, Any] = json.loads(answer["body"])
    return order


def fulfilled(bench: Bench, order: dict[str, Any], body: Any | None = None, tenant: str = TENANT) -> str:
    """Fulfil the order (all of it, or as `body` says): the new fulfillment's id."""
    answer = bench.invoke("fulfill_order", fulfil_event(order["id"], body, tenant)).answer
    refuse_failure("fulfil (for a fulfillment)", answer)
    headers = {k.lower(): v for k, v in (answer.get("headers") or {}).items()}
    headers.update({k.lower(): v[0] for k, v in (answer.get("multiValueHeaders") or {}).items() if v})
    return str(headers["location"]).rsplit("/", 1)[-1]


def fulfil_tenant(bench: Bench) -> dict[str, str]:
    """FULFIL_TENANT's fulfillments, made by the fulfil handler: FULFILLED_ORDERS orders, each fulfilled
    twice. What the lists read: an order id (two fulfillments), a tracking number (one in
    TRACKING_NUMBERS of them)."""
    order_id = ""
    for n in range(FULFILLED_ORDERS):
        order = new_order(bench, FULFIL_TENANT)
        fulfilled(bench, order, partial_fulfil_body(order, f"TRK-{n % TRACKING_NUMBERS}"), FULFIL_TENANT)
        fulfilled(bench, order, None, FULFIL_TENANT)
        order_id = order_id or order["id"]
    return {"order_id": order_id, "tracking_number": "TRK-0"}


@dataclass
class FulfilledOrders:
    """Fresh fulfilled orders for the refund routes (a line refunds once): copies, under new ids,
    numbers and tokens, of one 3-line order the create handler made and the fulfil handler fulfilled,
    as stored; written by key `REFUND_BATCH` at a time when the pool is empty (between measured
    calls, never in one). A refund reads and writes the order item alone (its fulfillment item is
    not copied), so each copy is refunded as the original would be."""

    bench: Bench
    template: Any
    pool: list[Any] = field(default_factory=list)
    number: int = REFUND_FIRST_NUMBER

    @classmethod
    def made(cls, bench: Bench) -> FulfilledOrders:
        from orders_domain.storage.orders import OrderRecord

        order = new_order(bench)
        fulfilled(bench, order)
        return cls(bench, OrderRecord.from_item(_order_item(bench, order["id"])))

    def take(self) -> Any:
        """A fulfilled order no call has refunded (the Order)."""
        if not self.pool:
            self.pool = [self.copy() for _ in range(REFUND_BATCH)]
            items = [self.item(order) for order in self.pool]
            admin, table = _admin_client(self.bench.endpoint), self.bench.tables["OrdersTable"]
            pending: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in items]}
            while pending:
                pending = admin.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        return self.pool.pop()

    def copy(self) -> Any:
        self.number += 1
        return self.template.order.model_copy(
            update={"id": str(uuid.uuid4()), "number": self.number, "token": uuid.uuid4().hex}
        )

    def item(self, order: Any) -> dict[str, Any]:
        from orders_domain.storage.orders import OrderRecord

        return OrderRecord(order=order, request_fingerprint=self.template.request_fingerprint).to_item()


# ---------------------------------------------------------------------------- the measurements
def percentile(values: list[int], share: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def measure(
    bench: Bench, name: str, function: str, make_event: Callable[[], dict[str, Any]], runs: int
) -> dict[str, Any]:
    # Warm: the first call builds clients and schemas, and the next few still run slower (caches,
    # branch predictors, allocator pools) — enough of them that a short run's median is a warm one.
    for _ in range(WARM_UP_CALLS):
        refuse_failure(name, bench.invoke(function, make_event()).answer)
    samples = [bench.invoke(function, make_event()) for _ in range(runs)]
    refuse_failure(name, samples[-1].answer)
    # One more call, not timed, bills the route: its calls, and each write's items read before it.
    billed = bench.invoke(function, make_event(), before_images=True)
    refuse_failure(name, billed.answer)
    rru, wru = bench.capacity(billed.calls)
    bench.wall_us_p50[name] = percentile([s.wall_ns for s in samples], 0.5) // 1000
    SDK_US_P50[name] = percentile([s.sdk_ns for s in samples], 0.5) // 1000
    return {
        "self_us_p50": percentile([s.self_ns for s in samples], 0.5) // 1000,
        "self_us_p99": percentile([s.self_ns for s in samples], 0.99) // 1000,
        "ddb_calls": dict(Counter(c.api for c in billed.calls if c.service == "dynamodb")),
        "rru": rru,
        "wru": wru,
    }


def refuse_failure(name: str, answer: Any) -> None:
    """Stop the run when a route answers an error: its figures would be an error's."""
    status = answer.get("statusCode") if isinstance(answer, dict) else None
    if isinstance(status, int) and status >= 400:
        raise SystemExit(f"{name} answered {status}: {str(answer.get('body'))[:500]}")


def fulfil_routes(bench: Bench) -> list[tuple[str, str, Callable[[], dict[str, Any]]]]:
    """The fulfill_order and cancel_order routes as `operations` measures them (FULFIL_CALLS), after
    making what they read: FULFIL_TENANT's fulfillments and one fulfillment each to get and patch."""
    listed = fulfil_tenant(bench)
    ordered = new_order(bench)
    shown = fulfilled(bench, ordered, partial_fulfil_body(ordered, "TRK-GET"))
    checked = ordered
    ordered = new_order(bench)
    tracked = fulfilled(bench, ordered, partial_fulfil_body(ordered, "TRK-PATCH"))

    # The fulfil and cancel routes change a new order each call (one fulfilled can't be again).
    def fulfil_part() -> dict[str, Any]:
        order = new_order(bench)
        return fulfil_event(order["id"], partial_fulfil_body(order, uuid.uuid4().hex[:16]))

    def cancel_part() -> dict[str, Any]:
        order = new_order(bench)
        return cancel_event("cancel", order["id"], partial_cancel_body(order))

    def close_fulfilled() -> dict[str, Any]:
        order = new_order(bench)
        fulfilled(bench, order)
        return cancel_event("close", order["id"])

    return [
        ("fulfil", "fulfill_order", lambda: fulfil_event(new_order(bench)["id"])),
        ("fulfil_partial", "fulfill_order", fulfil_part),
        ("cancel", "cancel_order", lambda: cancel_event("cancel", new_order(bench)["id"])),
        ("cancel_partial", "cancel_order", cancel_part),
        ("void", "cancel_order", lambda: cancel_event("void", new_order(bench)["id"])),
        ("close", "cancel_order", close_fulfilled),
        (
            "fulfillments_list",
            "fulfill_order",
            lambda: fulfillments_event({"limit": str(FULFILLMENTS_LIMIT)}),
        ),
        (
            "fulfillments_by_order",
            "fulfill_order",
            lambda: fulfillments_event({"order_id": listed["order_id"]}),
        ),
        (
            "fulfillments_by_tracking",
            "fulfill_order",
            lambda: fulfillments_event({"tracking_number": listed["tracking_number"]}),
        ),
        ("get_fulfillment", "fulfill_order", lambda: fulfillment_event(shown)),
        ("patch_fulfillment", "fulfill_order", lambda: fulfillment_event(tracked, "PATCH", tracking_patch())),
        ("will_call_check", "will_call_check", lambda: will_call_event(checked["id"])),
        ("will_call_check_by_token", "will_call_check", lambda: will_call_event(f"token-{checked['token']}")),
    ]


def refund_routes(bench: Bench) -> list[tuple[str, str, Callable[[], dict[str, Any]]]]:
    """The refund_order routes as `operations` measures them (REFUND_CALLS), after making what they
    read: a fulfilled order to copy for each refund, and the tenant's own reasons (PUT by the handler)."""
    orders = FulfilledOrders.made(bench)
    for name in OWN_REASONS:
        refuse_failure(
            "refund reason (for the list)",
            bench.invoke("refund_order", reasons_event(name, reason_body())).answer,
        )
    return [
        ("refund", "refund_order", lambda: refund_event(orders.take().id)),
        ("refund_by_token", "refund_order", lambda: refund_event(f"token-{orders.take().token}")),
        ("refund_reasons", "refund_order", lambda: reasons_event()),
        ("refund_reason_put", "refund_order", lambda: reasons_event(OWN_REASONS[0], reason_body())),
    ]


def placed_order(bench: Bench) -> dict[str, Any]:
    """A new order placed through the distribution dialect (`place_body`, JSON): as answered."""
    placed = dialect_event("distribution_place", body=place_body(order_number()))
    answer = bench.invoke("create_order", placed).answer
    refuse_failure("distribution place (for a get or cancel)", answer)
    order: dict[str, Any] = json.loads(answer["body"])["order"]
    return order


def dialect_routes(bench: Bench) -> list[tuple[str, str, Callable[[], dict[str, Any]]]]:
    """The source dialects' routes as `operations` measures them (DIALECT_CALLS), after making what they
    read. Theatre: an order of the create handler read by id and by token, a new one fulfilled each
    call (as `fulfil`), the will-call check by token of an order with one unit fulfilled, the reasons
    (the built-in nine and the tenant's own) and a refund of line 1 by token (as `refund_by_token`, on
    a fresh fulfilled order). Distribution: a place in JSON and the same in XML (a new order_number
    each call: each a new order), a get of an order placed there (nothing shipped: JSON, XML) and of
    one fulfilled since (its fulfillments read), a cancel of a new placed order, and the same cancel
    sent again to a cancelled order (answered without a write)."""
    shown = new_order(bench)
    checked = new_order(bench)
    fulfilled(bench, checked, partial_fulfil_body(checked, "TRK-DIALECT"))
    refunds = FulfilledOrders.made(bench)
    placed = placed_order(bench)
    shipped = placed_order(bench)
    fulfilled(bench, shipped)
    cancelled = placed_order(bench)
    again = dialect_event("distribution_cancel", cancelled["id"], DISTRIBUTION_CANCEL_BODY)
    refuse_failure("distribution cancel (to send again)", bench.invoke("cancel_order", again).answer)

    def cancel_placed() -> dict[str, Any]:
        return dialect_event("distribution_cancel", placed_order(bench)["id"], DISTRIBUTION_CANCEL_BODY)

    return [
        ("theatre_get", "get_order", lambda: dialect_event("theatre_get", shown["id"])),
        (
            "theatre_get_by_token",
            "get_order",
            lambda: dialect_event("theatre_get", f"token-{shown['token']}"),
        ),
        ("theatre_fulfil", "fulfill_order", lambda: dialect_event("theatre_fulfil", new_order(bench)["id"])),
        (
            "theatre_will_call_by_token",
            "will_call_check",
            lambda: dialect_event("theatre_will_call", f"token-{checked['token']}"),
        ),
        ("theatre_refund_reasons", "refund_order", lambda: dialect_event("theatre_reasons")),
        (
            "theatre_refund_by_token",
            "refund_order",
            lambda: dialect_event("theatre_refund", f"token-{refunds.take().token}", THEATRE_REFUND_BODY),
        ),
        (
            "distribution_place",
            "create_order",
            lambda: dialect_event("distribution_place", body=place_body(order_number())),
        ),
        (
            "distribution_place_xml",
            "create_order",
            lambda: dialect_event("distribution_place", body=place_xml(order_number()), media=XML),
        ),
        ("distribution_get", "get_order", lambda: dialect_event("distribution_get", placed["id"])),
        (
            "distribution_get_xml",
            "get_order",
            lambda: dialect_event("distribution_get", placed["id"], media=XML),
        ),
        ("distribution_get_shipped", "get_order", lambda: dialect_event("distribution_get", shipped["id"])),
        ("distribution_cancel", "cancel_order", cancel_placed),
        (
            "distribution_cancel_again",
            "cancel_order",
            lambda: dialect_event("distribution_cancel", cancelled["id"], DISTRIBUTION_CANCEL_BODY),
        ),
    ]


def operations(bench: Bench, runs: int) -> dict[str, dict[str, Any]]:
    """Every route, as one line each: (name, function, event maker)."""
    created = json.loads(bench.invoke("create_order", create_event(3)).answer["body"])
    order_id, token = created["id"], created["token"]
    versioned, moment = history_order(bench)
    search_tenant(bench)
    patched = json.loads(bench.invoke("create_order", create_event(3)).answer["body"])["id"]
    replaced = json.loads(bench.invoke("create_order", create_event(3)).answer["body"])["id"]
    routes: list[tuple[str, str, Callable[[], dict[str, Any]]]] = [
        ("create_1_line", "create_order", lambda: create_event(1)),
        ("create_10_lines", "create_order", lambda: create_event(10)),
        ("create_100_lines", "create_order", lambda: create_event(100)),
        ("preview_10_lines", "create_order", lambda: preview_event(10)),
        ("get", "get_order", lambda: get_event(order_id)),
        ("get_by_token", "get_order", lambda: get_event(f"token-{token}")),
        (
            "get_with_fields",
            "get_order",
            lambda: get_event(order_id, {"fields": "total,status,line_items.sku"}),
        ),
        ("history_page", "get_order", lambda: history_event(versioned)),
        ("get_as_of", "get_order", lambda: get_event(versioned, {"asOf": moment})),
        ("list_page", "search_orders", lambda: search_event("GET", LIST, query=page_query())),
        (
            "search",
            "search_orders",
            lambda: search_event("POST", SEARCH, query=page_query(), body=SEARCH_FILTERS),
        ),
        (
            "customer_lookup",
            "search_orders",
            lambda: search_event("GET", CUSTOMER, CUSTOMER_PARAMS, page_query()),
        ),
        ("coupon_lookup", "search_orders", lambda: search_event("GET", COUPON, COUPON_PARAMS, page_query())),
        ("patch", "patch_order", lambda: change_event("PATCH", patched, memo_patch(), JSON_PATCH)),
        (
            "put",
            "patch_order",
            lambda: change_event("PUT", replaced, {**order_body(3), "memo": uuid.uuid4().hex}),
        ),
        ("delete", "patch_order", lambda: change_event("DELETE", unpaid_order(bench), None)),
        (
            "batch_10_patches",
            "patch_order",
            lambda: change_event(
                "POST",
                None,
                {
                    "operations": [
                        {"operation": "patch", "id": patched, "patch_directives": memo_patch()}
                        for _ in range(10)
                    ]
                },
            ),
        ),
    ]
    measured = {name: measure(bench, name, function, make, runs) for name, function, make in routes}
    # The fulfil, cancel, refund and dialect routes' orders and fulfillments are made after the routes
    # above are measured (their figures as before these routes joined).
    later = [
        *fulfil_routes(bench),
        *refund_routes(bench),
        *dialect_routes(bench),
        ("authorizer_warm", "authorizer", lambda: event("authorizer.json")),
    ]
    measured.update({name: measure(bench, name, function, make, runs) for name, function, make in later})
    return measured


def scaling(bench: Bench, runs: int) -> dict[str, Any]:
    creates = {}
    for lines in (1, 10, 100, 500):
        make: Callable[[], dict[str, Any]] = functools.partial(create_event, lines)
        result = measure(bench, f"create_{lines}", "create_order", make, max(3, runs // (1 + lines // 50)))
        creates[str(lines)] = result["self_us_p50"]
    per_line = {k: round(v / int(k), 1) for k, v in creates.items()}
    pages = page_cost(bench, PAGE_SIZES[:2] if runs < 50 else PAGE_SIZES, runs)
    return {
        "create_self_us_p50_by_lines": creates,
        "create_self_us_per_line": per_line,
        **pages,
    }


def template_orders(tenant: str) -> dict[tuple[int, str | None], Any]:
    """Orders as the create service prices them (`order_body`: customer contact-42, coupon c1), by
    (lines, type), to copy under new ids, numbers and tokens (write_orders sets them)."""
    from orders_domain.models import OrderCreateRequest
    from orders_domain.services import Pricing

    pricing = Pricing()
    made = {}
    for lines, kind in [(1, None), *SEARCH_KINDS]:
        body = {**order_body(lines), **({"type": kind} if kind else {})}
        request = OrderCreateRequest.model_validate(body)
        made[(lines, kind)] = pricing.price(request, tenant_id=tenant, actor="bench")
    return made


def write_orders(bench: Bench, templates: list[Any], first: int, count: int) -> list[dict[str, Any]]:
    """Orders `first` to `count - 1` of a tenant (copies of `templates` in turn, a second apart, the
    last a second before the templates' creation), written by key; their items."""
    from orders_domain.storage.orders import OrderRecord

    admin = _admin_client(bench.endpoint)
    table = bench.tables["OrdersTable"]
    items = []
    for i in range(first, count):
        template = templates[i % len(templates)]
        created = template.sys_created_at.replace(microsecond=0) - timedelta(seconds=count - i)
        order = template.model_copy(
            update={
                "id": str(uuid.uuid4()),
                "number": i + 1,
                "token": uuid.uuid4().hex,
                "sys_created_at": created,
                "date": created.isoformat().replace("+00:00", "Z"),
            }
        )
        items.append(OrderRecord(order=order).to_item())
    for start in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        pending: dict[str, Any] = {table: batch}
        while pending:
            pending = admin.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    return items


def search_tenant(bench: Bench) -> None:
    """SEARCH_TENANT's orders (SEARCH_KINDS in turn), and their coupon usage rows, written by the
    order_stream handler from the orders' INSERT records as the stream would deliver them."""
    from local.stream_records import lambda_record, stream_event

    templates = template_orders(SEARCH_TENANT)
    items = write_orders(bench, [templates[kind] for kind in SEARCH_KINDS], 0, SEARCH_ORDERS)
    records = [lambda_record(None, item, 800_000 + n) for n, item in enumerate(items)]
    for start in range(0, len(records), 100):
        answer = bench.invoke("order_stream", stream_event(records[start : start + 100])).answer
        assert answer == {"batchItemFailures": []}, answer


def page_cost(bench: Bench, sizes: tuple[int, ...], runs: int) -> dict[str, dict[str, dict[str, Any]]]:
    """First pages through the search_orders handler with `n` orders in the tenant: the list (flat
    in n, its cost the shard fan-out), the customer lookup (two partitions) and a search no order
    matches (bounded by the rows a page examines)."""
    pages: dict[str, Callable[[], dict[str, Any]]] = {
        "page_cost_by_orders": lambda: search_event("GET", LIST, query=page_query(), tenant=PAGES_TENANT),
        "customer_page_cost_by_orders": lambda: search_event(
            "GET", CUSTOMER, CUSTOMER_PARAMS, page_query(), tenant=PAGES_TENANT
        ),
        "search_page_cost_by_orders": lambda: search_event(
            "POST", SEARCH, query=page_query(), body=SEARCH_FILTERS, tenant=PAGES_TENANT
        ),
    }
    template = template_orders(PAGES_TENANT)[(1, None)]
    written = 0
    out: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in pages}
    for n in sizes:
        write_orders(bench, [template], written, n)
        written = n
        for name, make in pages.items():
            out[name][str(n)] = figures = page_figures(bench, name, make, max(5, runs // 10))
            if name != "search_page_cost_by_orders" and figures["rows"] != PAGE_LIMIT:
                raise SystemExit(f"{name} at {n} orders answered {figures['rows']} rows, not {PAGE_LIMIT}")
    return out


def page_figures(
    bench: Bench, name: str, make_event: Callable[[], dict[str, Any]], runs: int
) -> dict[str, Any]:
    """One page route's cost: wall and self-time p50, Query calls, RRU, index rows read, rows answered."""
    samples = []
    for _ in range(runs):
        sample = bench.invoke("search_orders", make_event())
        refuse_failure(name, sample.answer)
        samples.append(sample)
    last = samples[-1]
    queries = [c for c in last.calls if c.api == "Query"]
    return {
        "wall_us_p50": percentile([s.wall_ns for s in samples], 0.5) // 1000,
        "self_us_p50": percentile([s.self_ns for s in samples], 0.5) // 1000,
        "queries": len(queries),
        "rru": bench.capacity(last.calls)[0],
        "rows_read": sum(len((c.parsed or {}).get("Items") or []) for c in queries),
        "rows": json.loads(last.answer["body"])["Count"],
    }


# ---------------------------------------------------------------------------- the stream function
def _order_item(bench: Bench, order_id: str) -> dict[str, Any]:
    from orders_domain.storage import keys
    from orders_domain.storage.codec import typed_key

    out = _admin_client(bench.endpoint).get_item(
        TableName=bench.tables["OrdersTable"],
        Key=typed_key(keys.order_key(TENANT, order_id)),
        ConsistentRead=True,
    )
    return dict(out["Item"])


def next_version(order: Any) -> Any:
    """The order's next version as an update route would write it: a changed note, version + 1."""
    from local.stream_records import next_version

    return next_version(
        order, notes=f"edited to version {order.sys_version + 1}", sys_last_modified_by_id="bench"
    )


def history_order(bench: Bench) -> tuple[str, str]:
    """An order with five versions and their history entries (written by the stream function from
    the versions' records): its id, and a moment between versions 3 and 4 for `?asOf=`."""
    from orders_domain.storage import keys
    from orders_domain.storage.orders import OrderRecord

    from local.stream_records import lambda_record, stream_event

    created = json.loads(bench.invoke("create_order", create_event(3)).answer["body"])
    first = _order_item(bench, created["id"])
    record = OrderRecord.from_item(first)
    versions = [record.order]
    for _ in range(4):
        versions.append(next_version(versions[-1]))
    items = [first] + [
        OrderRecord(order=v, request_fingerprint=record.request_fingerprint).to_item() for v in versions[1:]
    ]
    _admin_client(bench.endpoint).put_item(TableName=bench.tables["OrdersTable"], Item=items[-1])
    writes = zip([None, *items], items, strict=False)
    records = [lambda_record(old, new, 900_000 + n) for n, (old, new) in enumerate(writes)]
    answer = bench.invoke("order_stream", stream_event(records)).answer
    assert answer == {"batchItemFailures": []}, answer
    moment = versions[2].sys_last_modified_at + timedelta(milliseconds=500)
    return created["id"], keys.utc_timestamp(moment)


@dataclass
class StreamBatches:
    """Batches of stream records of order writes (STREAM_BATCH), each projecting something new: INSERTs
    of new orders (copies under new ids of the two orders the create handler made: one without a
    coupon, one with one), MODIFYs taking a pool of orders one version further, and records of
    other items (history entries, the order-number counter), which the function skips on their key
    (on AWS the event source's filter drops them first)."""

    plain: Any
    coupon: Any
    fingerprint: str | None
    pool: list[Any]
    rng: random.Random
    sequence: int = 0
    number: int = 1_000_000
    #: Every batch handed out, in order (the replay delivers them again).
    handed_out: list[list[dict[str, Any]]] = field(default_factory=list)

    def item(self, order: Any) -> dict[str, Any]:
        from orders_domain.storage.orders import OrderRecord

        return OrderRecord(order=order, request_fingerprint=self.fingerprint).to_item()

    def copy(self, template: Any) -> Any:
        self.number += 1
        return template.model_copy(
            update={"id": str(uuid.uuid4()), "number": self.number, "token": uuid.uuid4().hex}
        )

    def records(
        self, writes: list[tuple[dict[str, Any] | None, dict[str, Any] | None]]
    ) -> list[dict[str, Any]]:
        from local.stream_records import lambda_record

        out = []
        for old, new in writes:
            self.sequence += 1
            out.append(lambda_record(old, new, self.sequence))
        return out

    def next(self) -> dict[str, Any]:
        from orders_domain.domain import history_entries
        from orders_domain.storage import keys
        from orders_domain.storage.codec import typed_key
        from orders_domain.storage.history import to_item as history_item

        from local.stream_records import stream_event

        writes: list[tuple[dict[str, Any] | None, dict[str, Any] | None]] = []
        writes += [(None, self.item(self.copy(self.plain))) for _ in range(STREAM_BATCH["insert_plain"])]
        writes += [(None, self.item(self.copy(self.coupon))) for _ in range(STREAM_BATCH["insert_coupon"])]
        for n, order in enumerate(self.pool[: STREAM_BATCH["modify"]]):
            self.pool[n] = following = next_version(order)
            writes.append((self.item(order), self.item(following)))
        for n in range(STREAM_BATCH["other_items"]):
            order = self.pool[n % len(self.pool)]
            if n % 3 == 2:
                old = {**typed_key(keys.order_number_counter_key(TENANT)), "last_number": {"N": "7"}}
                writes.append((old, {**old, "last_number": {"N": "57"}}))
            else:
                entry = history_entries.entry_for(None, json.loads(self.item(order)["doc"]["S"]))
                writes.append((None, history_item(TENANT, order.id, entry)))
        self.rng.shuffle(writes)
        batch = self.records(writes)
        self.handed_out.append(batch)
        return stream_event(batch)


def stream_batches(bench: Bench) -> StreamBatches:
    """Two orders made by the create handler (read back as stored), and a pool of orders for the
    MODIFYs whose creation the function has already projected."""
    from orders_domain.storage.orders import OrderRecord

    from local.stream_records import stream_event

    made = {}
    for kind, coupons in (("plain", []), ("coupon", None)):
        request = create_event(3)
        if coupons is not None:
            request["body"] = json.dumps({**json.loads(request["body"]), "coupons": coupons})
        made[kind] = OrderRecord.from_item(
            _order_item(bench, json.loads(bench.invoke("create_order", request).answer["body"])["id"])
        )
    batches = StreamBatches(
        plain=made["plain"].order,
        coupon=made["coupon"].order,
        fingerprint=made["plain"].request_fingerprint,
        pool=[],
        rng=random.Random(20261129),  # noqa: S311 - the order of a batch's records, not security
    )
    half = STREAM_BATCH["modify"] // 2
    batches.pool = [batches.copy(batches.plain) for _ in range(STREAM_BATCH["modify"] - half)]
    batches.pool += [batches.copy(batches.coupon) for _ in range(half)]
    created = batches.records([(None, batches.item(order)) for order in batches.pool])
    assert bench.invoke("order_stream", stream_event(created)).answer == {"batchItemFailures": []}
    return batches


def order_changes(records: list[dict[str, Any]]) -> dict[str, tuple[bool, int]]:
    """PK -> (whether the order has coupons after its last write here, how many of its writes the
    records hold), for each order item the records write (a removal is no change to project)."""
    from orders_domain.domain.order_changes import order_change
    from orders_domain.storage import keys

    out: dict[str, tuple[bool, int]] = {}
    for change in filter(None, map(order_change, records)):
        if change.new is not None:
            pk = keys.order_key(change.tenant_id, change.order_id)["PK"]
            out[pk] = (bool(change.new.get("coupons")), out.get(pk, (False, 0))[1] + 1)
    return out


def calls_per_change(calls: list[Call], records: list[dict[str, Any]]) -> dict[str, float | None]:
    """DynamoDB calls per order change, for orders without and with coupons (None: no such change)."""
    changes = order_changes(records)
    counted = {True: 0, False: 0}
    for call in calls:
        pk = (call.params.get("Item") or call.params.get("Key") or {}).get("PK", {}).get("S")
        if call.service == "dynamodb" and pk in changes:
            counted[changes[pk][0]] += 1
    out: dict[str, float | None] = {}
    for label, coupons in (("without_coupons", False), ("with_coupons", True)):
        n = sum(count for has, count in changes.values() if has is coupons)
        out[label] = round(counted[coupons] / n, 2) if n else None
    return out


def measure_stream(
    bench: Bench, name: str, make_event: Callable[[], dict[str, Any]], runs: int
) -> dict[str, Any]:
    events = [make_event() for _ in range(STREAM_WARM_UP + runs)]
    samples = []
    for n, batch in enumerate(events):
        sample = bench.invoke("order_stream", batch)
        assert sample.answer == {"batchItemFailures": []}, sample.answer
        if n >= STREAM_WARM_UP:
            samples.append(sample)
    last, records = samples[-1], events[-1]["Records"]
    rru, wru = bench.capacity(last.calls)
    writes = [c for c in last.calls if c.service == "dynamodb"]
    put_events = [c for c in last.calls if c.api == "PutEvents"]
    bench.wall_us_p50[name] = percentile([s.wall_ns for s in samples], 0.5) // 1000
    SDK_US_P50[name] = percentile([s.sdk_ns for s in samples], 0.5) // 1000
    self_p50 = percentile([s.self_ns for s in samples], 0.5) // 1000
    return {
        "records": len(records),
        "order_changes": sum(count for _, count in order_changes(records).values()),
        "self_us_p50": self_p50,
        "self_us_p99": percentile([s.self_ns for s in samples], 0.99) // 1000,
        "self_us_per_record_p50": round(self_p50 / len(records), 1),
        # The whole invocation (self, SDK, DynamoDB Local's answers): the batch's Lambda duration here.
        "wall_ms_p50": round(percentile([s.wall_ns for s in samples], 0.5) / 1e6, 1),
        "ddb_calls": dict(Counter(c.api for c in writes)),
        "ddb_calls_per_order_change": calls_per_change(writes, records),
        "puts_taking_effect": sum(1 for c in writes if not (c.parsed or {}).get("Error")),
        "rru": rru,
        "wru": wru,
        "put_events_calls": len(put_events),
        "events": sum(len(c.params["Entries"]) for c in put_events),
    }


def stream_cost(bench: Bench, runs: int) -> dict[str, dict[str, Any]]:
    """A batch of 100 new records, and the same batches delivered again (a replay)."""
    batches = stream_batches(bench)
    count = max(5, runs // 20)
    fresh = measure_stream(bench, "stream_batch_100", batches.next, count)
    from local.stream_records import stream_event

    again = iter(list(batches.handed_out))
    replayed = measure_stream(bench, "stream_replayed_batch_100", lambda: stream_event(next(again)), count)
    return {"batch_100": fresh, "replayed_batch_100": replayed}


# ---------------------------------------------------------------------------- EventBridge, offline
def accepted_answer(body: bytes | str | None) -> bytes:
    """PutEvents' answer accepting every entry of a request body."""
    entries = json.loads(body or "{}").get("Entries") or []
    answer = {"FailedEntryCount": 0, "Entries": [{"EventId": str(uuid.uuid4())} for _ in entries]}
    return json.dumps(answer).encode()


def offline_events_client() -> Any:
    """An EventBridge client whose PutEvents is answered in the process, every entry accepted: the
    SDK does all its work (validation, serialisation, signing, parsing), no request leaves."""
    import boto3
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders

    from local.harness import CannedBody

    client = boto3.client("events", region_name="us-east-1")  # the bench's own (fake) credentials

    def answer(request: Any, **_: Any) -> Any:
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/x-amz-json-1.1"
        return AWSResponse(request.url, 200, headers, CannedBody(accepted_answer(request.body)))

    client.meta.events.register("before-send.eventbridge.PutEvents", answer)
    return client


@contextlib.contextmanager
def loopback_event_bus() -> Iterator[str]:
    """A loopback endpoint answering PutEvents (every entry accepted), for the cold-start children:
    they publish as on AWS, through the EventBridge client the wiring builds."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            answer = accepted_answer(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def deployed_layout(function: str) -> tuple[Path, str]:
    """Where Lambda runs a function from, as `sam build` made it: its folder as the task root
    (/var/task, the working directory) and the built layer (/opt/python) on the path, bytecode
    included; boto3 is the interpreter's own, as the runtime's is."""
    build = ROOT / ".aws-sam" / "build"
    from local.tables import load_template

    for logical, resource in load_template(TEMPLATE)["Resources"].items():
        code = str((resource.get("Properties") or {}).get("CodeUri", "")).rstrip("/")
        if resource.get("Type") == "AWS::Serverless::Function" and code == f"functions/{function}":
            task = build / logical
            if not (task / "app.py").is_file():
                raise SystemExit(f"no {task}: run `make build` first (make bench does)")
            return task, f"{task}{os.pathsep}{build / 'DomainLayer' / 'python'}"
    raise SystemExit(f"template.yaml has no function with CodeUri functions/{function}/")


def cold_start(env: dict[str, str], runs: int) -> tuple[dict[str, dict[str, float]], float]:
    """Each COLD_START_EVENTS entry's cold start (median ms, beside the floor's), and the median time a
    function that has answered its native request takes to import the XML path (`XML_MODULE` and
    `XML_PARSER`: what a warm instance's first distribution XML request adds), timed in create_order's
    children after their cold start. A native route's cold start that loaded the XML parser, or an XML
    one that did not, stops the run: the figure would not be the route it names."""
    # As deployed: the built function and layer, and routes without their documentation-only
    # response models (the template never sets that variable).
    env = {k: v for k, v in env.items() if k not in ("ORDERS_DOCUMENT_RESPONSES", "PYTHONPATH")}
    functions = {name: COLD_START_FUNCTIONS.get(name, name) for name in COLD_START_EVENTS}
    layouts = {name: deployed_layout(function) for name, function in functions.items()}
    timings: dict[str, list[float]] = {name: [] for name in [*COLD_START_EVENTS, "floor"]}
    xml_imports: list[float] = []
    for _ in range(runs):
        for name in timings:  # interleaved: each function beside the floor of the same moment
            event_file = EVENTS / COLD_START_EVENTS.get(name, "get_order.json")
            task, path = layouts.get(name, (ROOT, ""))
            time_xml = name == "create_order"
            out = subprocess.run(
                [sys.executable, "-c", _CHILD, name, str(event_file), "1" if time_xml else "0"],
                cwd=task,
                # Lambda's runtime sets the function's name (orders_domain.runtime.cold_start reads it).
                env={**env, "PYTHONPATH": path, "AWS_LAMBDA_FUNCTION_NAME": functions[name]} if path else env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH ")), None)
            if line is None:
                raise SystemExit(f"cold start of {name} failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
            measured = json.loads(line[6:])
            if str(measured["answer"]).startswith("failed"):
                raise SystemExit(f"cold start of {name} answered {measured['answer']}:\n{out.stderr[-2000:]}")
            if problem := xml_path_problem(name, bool(measured.get("xml_loaded"))):
                raise SystemExit(problem)
            timings[name].append(measured["ms"])
            if time_xml:
                xml_imports.append(measured["xml_import_ms"])
    floor = statistics.median(timings.pop("floor"))
    cold = {
        name: {"median_ms": round(statistics.median(values), 1), "floor_median_ms": round(floor, 1)}
        for name, values in timings.items()
    }
    return cold, round(statistics.median(xml_imports), 1) if xml_imports else 0.0


def xml_path_problem(name: str, xml_loaded: bool) -> str | None:
    """Why a cold start does not measure the route its entry names: a native route that loaded the
    XML parser, or an XML one (`XML_COLD_STARTS`) that did not. None when it does."""
    if name == "floor":
        return None
    if name in XML_COLD_STARTS and not xml_loaded:
        return f"cold start of {name}: its first request never loaded {XML_PARSER} (not the XML path)"
    if name not in XML_COLD_STARTS and xml_loaded:
        return (
            f"cold start of {name} loaded {XML_PARSER} on its native route: {XML_MODULE} is to be"
            " imported by the distribution routes only"
        )
    return None


def package_bytes() -> dict[str, int]:
    build = ROOT / ".aws-sam" / "build"
    if not build.is_dir():
        raise SystemExit("no .aws-sam/build: run `make build` first (make bench does)")
    sizes: dict[str, int] = {}
    layer = build / "DomainLayer"
    sizes["layer_unzipped"] = _tree_bytes(layer)
    sizes["layer_zipped"] = _zipped_bytes(layer)
    for function in sorted(p for p in build.iterdir() if p.is_dir() and p.name.endswith("Function")):
        sizes[f"{function.name}_unzipped"] = _tree_bytes(function)
    return sizes


def _tree_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def _zipped_bytes(root: Path) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(root))
    return buffer.tell()


def lambda_cost(wall_us: float, memory_mb: int) -> float:
    """Dollars per million invocations of `wall_us` each (Lambda bills whole milliseconds)."""
    billed_ms = max(1, -(-int(wall_us) // 1000))
    return (
        PRICES["lambda_per_million_requests"]
        + billed_ms / 1000 * (memory_mb / 1024) * PRICES["lambda_per_gb_second"] * 1e6
    )


def route_cost(bench: Bench, op: dict[str, Any], name: str, memory_mb: int) -> float:
    """Dollars per million requests of one measured route: API Gateway, the authorizer's and the
    route's Lambda time, its capacity."""
    # ReauthorizeEvery is 0: the authorizer runs on every request.
    per_request = PRICES["api_gateway_rest_per_million_requests"] + lambda_cost(
        bench.wall_us_p50["authorizer_warm"], memory_mb
    )
    ddb = op["rru"] * PRICES["dynamodb_per_million_rru"] + op["wru"] * PRICES["dynamodb_per_million_wru"]
    return round(per_request + lambda_cost(bench.wall_us_p50[name], memory_mb) + ddb, 2)


def cost_per_million(
    bench: Bench, ops: dict[str, dict[str, Any]], results_stream: dict[str, dict[str, Any]], memory_mb: int
) -> dict[str, float | None]:
    """Dollars per million requests: API Gateway + the authorizer's and the route's Lambda + DynamoDB;
    and per million order changes through the stream function (Lambda, DynamoDB, EventBridge)."""

    def route(name: str) -> float:
        return route_cost(bench, ops[name], name, memory_mb)

    def stream_order_change() -> float:
        # One invocation per batch of records (the event source mapping's reads of the stream are
        # free), its writes, and one EventBridge event per order change.
        batch = results_stream["batch_100"]
        ddb = batch["wru"] * PRICES["dynamodb_per_million_wru"]
        events = batch["events"] * PRICES["eventbridge_per_million_events"]
        per_batch = lambda_cost(bench.wall_us_p50["stream_batch_100"], memory_mb) + ddb + events
        return round(per_batch / batch["order_changes"], 2)

    return {
        "create": route("create_10_lines"),
        "get": route("get"),
        "list_page": route("list_page"),
        "patch": route("patch"),
        "fulfil": route("fulfil"),
        "refund": route("refund"),
        "stream_order_change": stream_order_change(),
    }


def dialect_costs(bench: Bench, ops: dict[str, dict[str, Any]], memory_mb: int) -> dict[str, float]:
    """Dollars per million requests of each source dialect route measured (as `cost_per_million`
    prices a route): printed beside the table, not in the JSON (cost_per_million's keys are fixed)."""
    return {name: route_cost(bench, ops[name], name, memory_mb) for name in DIALECT_OPERATIONS if name in ops}


# ---------------------------------------------------------------------------- the run
def _environment(endpoint: str, tables: dict[str, str]) -> dict[str, str]:
    return {
        "ORDERS_TABLE_NAME": tables["OrdersTable"],
        "IDEMPOTENCY_TABLE_NAME": tables["IdempotencyTable"],
        "DYNAMODB_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "POWERTOOLS_SERVICE_NAME": "orders",
        "POWERTOOLS_METRICS_NAMESPACE": "OrdersApi",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        # No X-Ray daemon here; the template turns tracing on for AWS.
        "POWERTOOLS_TRACE_DISABLED": "true",
        # As template.yaml's Globals set it.
        "PYDANTIC_DISABLE_PLUGINS": "true",
        "ORDERS_PAGE_TOKEN_SECRET": PAGE_TOKEN_SECRET,
    }


def _index_keys(template: dict[str, Any], tables: dict[str, str]) -> dict[str, dict[str, Any]]:
    from local.capacity import Index
    from local.tables import table_definitions

    out: dict[str, dict[str, Any]] = {}
    for logical, definition in table_definitions(template).items():
        table_keys = [k["AttributeName"] for k in definition["KeySchema"]]
        out[tables[logical]] = {
            index["IndexName"]: Index.from_definition(index, table_keys)
            for index in definition.get("GlobalSecondaryIndexes", [])
        }
    return out


def _key_names(template: dict[str, Any], tables: dict[str, str]) -> dict[str, tuple[str, ...]]:
    from local.tables import table_definitions

    return {
        tables[logical]: tuple(k["AttributeName"] for k in definition["KeySchema"])
        for logical, definition in table_definitions(template).items()
    }


def run(quick: bool) -> dict[str, Any]:
    import boto3

    from local.dynamodb_local import DynamoDBLocal
    from local.tables import create_tables, load_template

    runs, cold_runs = (20, 3) if quick else (300, 15)
    template = load_template(TEMPLATE)
    memory_mb = int(template["Globals"]["Function"]["MemorySize"])
    suffix = uuid.uuid4().hex[:8]
    tables = {"OrdersTable": f"bench-orders-{suffix}", "IdempotencyTable": f"bench-idempotency-{suffix}"}
    with DynamoDBLocal(ROOT) as ddb:
        assert ddb.endpoint_url is not None
        env = _environment(ddb.endpoint_url, tables)
        os.environ.update(env)
        create_tables(boto3.client("dynamodb", endpoint_url=ddb.endpoint_url), tables, TEMPLATE)

        from orders_domain.http.auth import store_api_key
        from orders_domain.runtime import wiring
        from orders_domain.storage.event_bus import EventBridgePublisher

        events_client = offline_events_client()
        wiring.reset(wiring.Wiring(event_publisher=EventBridgePublisher(events_client, EVENT_BUS)))
        store_api_key(wiring.current().api_keys, TENANT, EVENT_KEY, [])
        bench = Bench(ddb.endpoint_url, tables, _index_keys(template, tables), _key_names(template, tables))
        bench.recorder.attach(wiring.current().dynamodb)
        bench.recorder.attach(events_client)

        results: dict[str, Any] = {}
        with loopback_event_bus() as bus:
            children = {**os.environ, "ORDERS_EVENT_BUS_NAME": EVENT_BUS, "AWS_ENDPOINT_URL_EVENTBRIDGE": bus}
            results["cold_start"], xml_import_ms = cold_start(children, cold_runs)
        results["operations"] = operations(bench, runs)
        results["stream"] = stream_cost(bench, runs)
        results["scaling"] = scaling(bench, runs)
        results["scaling"]["xml_path_import_ms"] = xml_import_ms
        results["cost_per_million"] = cost_per_million(
            bench, results["operations"], results["stream"], memory_mb
        )
        DIALECT_COST_PER_MILLION.update(dialect_costs(bench, results["operations"], memory_mb))
        results["package_bytes"] = package_bytes()
    return results


#: The search_orders routes `operations` measures.
SEARCH_OPERATIONS = ("list_page", "search", "customer_lookup", "coupon_lookup")
CHANGE_OPERATIONS = ("patch", "put", "delete", "batch_10_patches")
#: The fulfill_order and cancel_order routes `operations` measures (none sends an Idempotency-Key),
#: and the DynamoDB calls each makes: API -> (fewest, most) calls, no other API. A change reads the
#: order (consistently) and writes it once: a fulfil with its fulfillment in one transaction. The
#: tenant list reads every write shard once, and again some whose rows the merge runs through.
_ONE_WRITE = {"GetItem": (1, 1), "UpdateItem": (1, 1)}
FULFIL_CALLS: dict[str, dict[str, tuple[int, int]]] = {
    "fulfil": {"GetItem": (1, 1), "TransactWriteItems": (1, 1)},
    "fulfil_partial": {"GetItem": (1, 1), "TransactWriteItems": (1, 1)},
    "cancel": _ONE_WRITE,
    "cancel_partial": _ONE_WRITE,
    "void": _ONE_WRITE,
    "close": _ONE_WRITE,
    "fulfillments_list": {"Query": (WRITE_SHARDS, 2 * WRITE_SHARDS)},
    "fulfillments_by_order": {"Query": (1, 1)},
    "fulfillments_by_tracking": {"Query": (1, 1)},
    "get_fulfillment": {"GetItem": (1, 1)},
    # The order and the fulfillment (its id names the order; both read consistently, in the order
    # write loop), then one transaction: the order's version and the fulfillment.
    "patch_fulfillment": {"GetItem": (2, 2), "TransactWriteItems": (1, 1)},
    # A read: the order by key (by token: its key from by-token first).
    "will_call_check": {"GetItem": (1, 1)},
    "will_call_check_by_token": {"Query": (1, 1), "GetItem": (1, 1)},
}
FULFIL_OPERATIONS = tuple(FULFIL_CALLS)
#: The refund_order routes `operations` measures (no Idempotency-Key sent) and their calls, as above.
#: A refund reads the order consistently and writes it in one transaction with a ClientRequestToken
#: (applied once); a built-in reason is not read. By token, the write loop (services.change) takes
#: the order's id from by-token's Query (the index's PK names it) and reads the order once. The
#: reasons are one partition: one Query lists them, one PutItem adds or replaces one.
REFUND_CALLS: dict[str, dict[str, tuple[int, int]]] = {
    "refund": {"GetItem": (1, 1), "TransactWriteItems": (1, 1)},
    "refund_by_token": {"Query": (1, 1), "GetItem": (1, 1), "TransactWriteItems": (1, 1)},
    "refund_reasons": {"Query": (1, 1)},
    "refund_reason_put": {"PutItem": (1, 1)},
}
REFUND_OPERATIONS = tuple(REFUND_CALLS)
#: A create's calls under a key: the idempotency record's PutItem (in progress) and UpdateItem (its
#: answer), the order's conditional PutItem, and now and then the order-number counter's UpdateItem
#: (numbers are taken in blocks).
KEYED_CREATE_CALLS: dict[str, tuple[int, int]] = {"PutItem": (2, 2), "UpdateItem": (1, 2)}
#: The source dialects' routes `operations` measures (no Idempotency-Key sent) and their calls, as
#: above: each the calls of the native route it runs over. A place is the keyed create (its
#: order_number is the key, in XML too: the parse costs CPU, not calls); a distribution get reads the
#: order's fulfillments (one Query) only when it shipped something; a cancel sent again to a cancelled
#: order reads it and answers without a write.
DIALECT_CALLS: dict[str, dict[str, tuple[int, int]]] = {
    "theatre_get": {"GetItem": (1, 1)},
    "theatre_get_by_token": {"Query": (1, 1), "GetItem": (1, 1)},
    "theatre_fulfil": FULFIL_CALLS["fulfil"],
    "theatre_will_call_by_token": FULFIL_CALLS["will_call_check_by_token"],
    "theatre_refund_reasons": REFUND_CALLS["refund_reasons"],
    "theatre_refund_by_token": REFUND_CALLS["refund_by_token"],
    "distribution_place": KEYED_CREATE_CALLS,
    "distribution_place_xml": KEYED_CREATE_CALLS,
    "distribution_get": {"GetItem": (1, 1)},
    "distribution_get_xml": {"GetItem": (1, 1)},
    "distribution_get_shipped": {"GetItem": (1, 1), "Query": (1, 1)},
    "distribution_cancel": _ONE_WRITE,
    "distribution_cancel_again": {"GetItem": (1, 1)},
}
DIALECT_OPERATIONS = tuple(DIALECT_CALLS)
#: What cost_per_million prices (dollars per million requests; the stream per million order changes).
COSTS = {"create", "get", "list_page", "patch", "fulfil", "refund", "stream_order_change"}
#: The JSON's shape: top-level keys, and the keys of each entry of the per-name sections.
SHAPE = {
    "cold_start": {"median_ms", "floor_median_ms"},
    "operations": {"self_us_p50", "self_us_p99", "ddb_calls", "rru", "wru"},
    "stream": {
        "records",
        "order_changes",
        "self_us_p50",
        "self_us_p99",
        "self_us_per_record_p50",
        "wall_ms_p50",
        "ddb_calls",
        "ddb_calls_per_order_change",
        "puts_taking_effect",
        "rru",
        "wru",
        "put_events_calls",
        "events",
    },
    "scaling": None,
    "cost_per_million": None,
    "package_bytes": None,
}


def call_shape_problem(name: str, calls: dict[str, int], expected: dict[str, tuple[int, int]]) -> str | None:
    """What is wrong with an operation's DynamoDB calls (API -> count) against `expected` (API ->
    (fewest, most); no other API may appear); None when they fit."""
    fits = set(calls) <= set(expected) and all(
        low <= calls.get(api, 0) <= high for api, (low, high) in expected.items()
    )
    if fits:
        return None
    made = ", ".join(f"{api} x{n}" for api, n in sorted(calls.items())) or "no call"
    wanted = ", ".join(
        f"{api} x{low}" if low == high else f"{api} x{low}-{high}" for api, (low, high) in expected.items()
    )
    return f"operations.{name} made {made}, not {wanted}"


def check_shape(results: dict[str, Any]) -> list[str]:
    """What is missing or extra in the results (empty when the JSON has exactly the keys above)."""
    problems = []
    if set(results) != set(SHAPE):
        problems.append(f"top-level keys {sorted(results)} != {sorted(SHAPE)}")
    for section, keys in SHAPE.items():
        if keys is None:
            continue
        for name, entry in (results.get(section) or {}).items():
            if set(entry) != keys:
                problems.append(f"{section}.{name} has {sorted(entry)}, not {sorted(keys)}")
    if set(results.get("cold_start", {})) != set(COLD_START_EVENTS):
        problems.append("cold_start does not cover every function")
    if set(results.get("cost_per_million", {})) != COSTS:
        problems.append(f"cost_per_million needs exactly {sorted(COSTS)}")
    if {"batch_100", "replayed_batch_100"} != set(results.get("stream", {})):
        problems.append("stream needs batch_100 and replayed_batch_100")
    ops = results.get("operations") or {}
    for name in (
        "history_page",
        "get_as_of",
        *SEARCH_OPERATIONS,
        *CHANGE_OPERATIONS,
        *FULFIL_OPERATIONS,
        *REFUND_OPERATIONS,
        *DIALECT_OPERATIONS,
    ):
        if name not in ops:
            problems.append(f"operations has no {name}")
    for name, expected in {**FULFIL_CALLS, **REFUND_CALLS, **DIALECT_CALLS}.items():
        problem = call_shape_problem(name, (ops.get(name) or {}).get("ddb_calls") or {}, expected)
        if name in ops and problem:
            problems.append(problem)
    scaled = results.get("scaling") or {}
    for section in PAGE_COSTS:
        sizes = scaled.get(section) or {}
        if not {str(n) for n in PAGE_SIZES[:2]} <= set(sizes):
            problems.append(f"scaling.{section} needs {PAGE_SIZES[0]} and {PAGE_SIZES[1]} orders at least")
        for size, entry in sizes.items():
            if set(entry) != PAGE_COST_KEYS:
                problems.append(f"scaling.{section}.{size} has {sorted(entry)}, not {sorted(PAGE_COST_KEYS)}")
    for name, entry in (results.get("stream") or {}).items():
        if set(entry.get("ddb_calls_per_order_change") or {}) != {"without_coupons", "with_coupons"}:
            problems.append(
                f"stream.{name}.ddb_calls_per_order_change needs without_coupons and with_coupons"
            )
    if "layer_unzipped" not in results.get("package_bytes", {}):
        problems.append("package_bytes has no layer_unzipped")
    return problems


def budgets(results: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """The budget lines of the proof-harness issue: (what, holds, the figure)."""
    lines = []
    for name, cold in results["cold_start"].items():
        ratio = cold["median_ms"] / cold["floor_median_ms"]
        lines.append((f"cold start {name} <= 1.5x floor", ratio <= 1.5, f"{ratio:.2f}x"))
    ops = results["operations"]
    lines.append(
        ("get self-time p50 <= 0.5 ms", ops["get"]["self_us_p50"] <= 500, f"{ops['get']['self_us_p50']} us")
    )
    create10 = ops["create_10_lines"]["self_us_p50"]
    lines.append(("create with 10 lines <= 2 ms", create10 <= 2000, f"{create10} us"))
    lines.append(("get = 1 GetItem", ops["get"]["ddb_calls"] == {"GetItem": 1}, str(ops["get"]["ddb_calls"])))
    warm = ops["authorizer_warm"]["ddb_calls"]
    lines.append(("warm authorizer makes no DynamoDB call", not warm, str(warm)))
    layer = results["package_bytes"]["layer_unzipped"]
    lines.append(("layer <= 25 MB unzipped", layer <= 25 * 2**20, f"{layer / 2**20:.1f} MB"))
    # The stream function and the history routes (issue 17).
    two_reads = {"GetItem": 1, "Query": 1}
    for name in ("history_page", "get_as_of"):
        calls = ops[name]["ddb_calls"]
        lines.append((f"{name} = GetItem + one Query", calls == two_reads, str(calls)))
    # The search_orders routes (issue 18): never a Scan, and a list page as dear in a big tenant.
    scans = {name: ops[name]["ddb_calls"] for name in SEARCH_OPERATIONS if "Scan" in ops[name]["ddb_calls"]}
    lines.append(("list, search and lookups make no Scan", not scans, str(scans or "none")))
    pages = results["scaling"]["page_cost_by_orders"]
    largest = max(pages, key=int)
    small, big = pages[str(PAGE_SIZES[0])]["rru"], pages[largest]["rru"]
    lines.append(
        (
            f"list page RRU at {int(largest):,} orders <= 1.25x at {PAGE_SIZES[0]}",
            big <= 1.25 * small,
            f"{big:g} vs {small:g} RRU",
        )
    )
    batch, replay = results["stream"]["batch_100"], results["stream"]["replayed_batch_100"]
    plain = batch["ddb_calls_per_order_change"]["without_coupons"]
    lines.append(
        ("stream: DynamoDB calls per change, no coupons <= 2", plain is not None and plain <= 2, str(plain))
    )
    needed = -(-batch["events"] // 10)
    lines.append(
        (
            "stream: one PutEvents call per 10 events",
            batch["put_events_calls"] == needed,
            str(batch["put_events_calls"]),
        )
    )
    lines.append(
        (
            "stream: a replayed batch writes nothing",
            replay["puts_taking_effect"] == 0,
            str(replay["puts_taking_effect"]),
        )
    )
    return lines


def print_table(results: dict[str, Any]) -> None:
    print(
        f"{'operation':<25}{'self p50 us':>12}{'self p99 us':>12}{'SDK p50 us':>11}{'RRU':>7}{'WRU':>7}"
        "  DynamoDB calls"
    )
    for name, op in results["operations"].items():
        calls = ", ".join(f"{api} x{n}" for api, n in op["ddb_calls"].items()) or "-"
        sdk = SDK_US_P50.get(name, "")
        print(
            f"{name:<25}{op['self_us_p50']:>12}{op['self_us_p99']:>12}{sdk:>11}"
            f"{op['rru']:>7g}{op['wru']:>7g}  {calls}"
        )
    print()
    print(
        f"{'stream function':<20}{'records':>8}{'self p50 us':>12}{'self p99 us':>12}{'us/record':>10}"
        f"{'SDK p50 us':>11}{'wall ms':>8}{'WRU':>7}{'PutEvents':>10}  DynamoDB calls (per order change)"
    )
    for name, op in results["stream"].items():
        calls = ", ".join(f"{api} x{n}" for api, n in op["ddb_calls"].items()) or "-"
        per = op["ddb_calls_per_order_change"]
        print(
            f"{name:<20}{op['records']:>8}{op['self_us_p50']:>12}{op['self_us_p99']:>12}"
            f"{op['self_us_per_record_p50']:>10}{SDK_US_P50.get('stream_' + name, ''):>11}"
            f"{op['wall_ms_p50']:>8}{op['wru']:>7g}"
            f"{op['put_events_calls']:>10}  {calls} ({per['without_coupons']} without coupons, "
            f"{per['with_coupons']} with one; {op['puts_taking_effect']} took effect)"
        )
    print()
    print(f"{'cold start':<20}{'median ms':>12}{'floor ms':>12}{'ratio':>8}")
    for name, cold in results["cold_start"].items():
        ratio = cold["median_ms"] / cold["floor_median_ms"]
        print(f"{name:<20}{cold['median_ms']:>12}{cold['floor_median_ms']:>12}{ratio:>8.2f}")
    print()
    print("create self-time p50 by lines:", results["scaling"]["create_self_us_p50_by_lines"])
    print()
    print(
        f"{'page of ' + str(PAGE_LIMIT) + ' by orders':<30}{'orders':>8}{'queries':>8}{'RRU':>7}"
        f"{'rows read':>10}{'rows':>6}{'self p50 us':>12}{'wall p50 us':>12}"
    )
    for section, label in zip(PAGE_COSTS, ("list", "customer lookup", "search (no match)"), strict=True):
        for size, page in results["scaling"][section].items():
            print(
                f"{label:<30}{size:>8}{page['queries']:>8}{page['rru']:>7g}{page['rows_read']:>10}"
                f"{page['rows']:>6}{page['self_us_p50']:>12}{page['wall_us_p50']:>12}"
            )
    print()
    print("cost per million requests (USD):", results["cost_per_million"])
    if DIALECT_COST_PER_MILLION:
        print("cost per million requests, source dialects (USD):", DIALECT_COST_PER_MILLION)
    if "xml_path_import_ms" in results["scaling"]:
        print(
            f"XML path ({XML_MODULE} + {XML_PARSER}) imported after a native cold start:"
            f" {results['scaling']['xml_path_import_ms']} ms"
        )
    print("package bytes:", results["package_bytes"])
    print()
    for what, holds, figure in budgets(results):
        print(f"{'ok  ' if holds else 'OVER'} {what:<42} {figure}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few iterations (CI: the JSON, not the figures)")
    parser.add_argument("--output", default=RESULTS)
    args = parser.parse_args(argv)
    from local.stream_replay import quiet

    with quiet():
        results = run(args.quick)
    Path(args.output).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print_table(results)
    if args.quick:
        print(
            "\nQUICK run: 20 calls per route and 3 cold starts check that every figure is produced;"
            " the budgets are judged on a full `make bench` (300 calls, 15 cold starts)."
        )
    print(f"\nwrote {args.output}")
    problems = check_shape(results)
    for problem in problems:
        print(f"bench-results.json: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
