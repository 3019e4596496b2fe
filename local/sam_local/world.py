"""What the events name, made before they run: so each answers a real success, not a 404.

The events name fixed things: an API key (authorizer.json's header), a tenant, an order by id
(get_order.json's, the one patch, cancel and fulfil change), an order by guest token (the theatre,
refund, will-call and notify events'), a distribution order (distribution_get_order.json's) and an
order with coupon code CODE-9 (coupon_code_action.json's); the catalogue events a product that
catalogue.json puts. `build` makes all of it through the functions' own handlers, in this process,
against DynamoDB Local: the key as `make api-key` stores it, the product by catalogue.json itself,
each order by a create request (paid; fulfilled where a refund or will-call check needs it), then
moved to the id or token the events name; finally every order write goes through the stream
consumer, so the orders have their history.

`prepare` gives each event a table pair of its own holding a copy of that world (so no event sees
another's writes and they can run at once), with the order it names at the version its If-Match
names. The idempotency table starts empty: a create runs for real, not as a replay.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import warnings
from collections.abc import Mapping
from typing import Any

from local.sam_local import TEMPLATE, SamLocalError

#: Three tickets, one a line, paid by card: refundable and checkable at will-call once fulfilled.
TICKETS: dict[str, Any] = {
    "line_items": [
        {
            "order_line_item_id": f"T{n}",
            "description": f"Ticket {n}",
            "quantity": 1,
            "unit_price": "10.91",
            "taxes": "0.92",
            "sku": "TICKET",
        }
        for n in (1, 2, 3)
    ],
    "payment_info": {"type": "Visa"},
}
#: Three tickets with coupon code CODE-9 on the first two (coupon_code_action.json refunds it).
CODED_TICKETS: dict[str, Any] = {
    **TICKETS,
    "coupons": [
        {
            "coupon_code_id": "CODE-9",
            "coupon_type": "code",
            "coupon_id": "K",
            "discount": "0",
            "order_line_item_ids": ["T1", "T2"],
        }
    ],
}
#: Order by id: line-1 (cancel_order.json and fulfill_order.json take one each) for contact-42.
LINE_ONE_ORDER: dict[str, Any] = {
    "bill_to_type": "contact",
    "bill_to_contact_id": "contact-42",
    "line_items": [
        {"order_line_item_id": "line-1", "description": "Ticket", "quantity": 3, "unit_price": "12.50"}
    ],
    "payment_info": {"type": "Visa"},
}
#: What the guest-token order's id is moved to (the events name it by token only).
GUEST_ORDER_ID = "5a1e0000-0000-4000-8000-000000000001"
#: Environment of the functions run in this process (their template values, and quiet).
HANDLER_ENVIRONMENT = {
    "POWERTOOLS_SERVICE_NAME": "orders",
    "POWERTOOLS_METRICS_NAMESPACE": "OrdersApi",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "PYDANTIC_DISABLE_PLUGINS": "true",
}


class Facts:
    """The key, tenant, ids and token the events name, read from the events themselves."""

    def __init__(self, events: Mapping[str, Mapping[str, Any]]) -> None:
        from orders_domain.http.auth import api_key_from_headers

        authorizer = events["authorizer.json"]
        key = api_key_from_headers(dict(authorizer.get("headers") or {}))
        if not key:
            raise SamLocalError("events/authorizer.json carries no API key header")
        self.api_key: str = key
        self.tenant: str = authorizer["pathParameters"]["tenantId"]
        self.order_id: str = _path_id(events, "get_order.json")
        self.guest_token: str = _path_id(events, "theatre_get_order.json").removeprefix("token-")
        self.distribution_id: str = _path_id(events, "distribution_get_order.json")
        self.coupon_order_id: str = _path_id(events, "coupon_code_action.json")

    def order_refs(self) -> set[str]:
        """Every way an event may name one of the world's orders."""
        return {self.order_id, f"token-{self.guest_token}", self.distribution_id, self.coupon_order_id}


def _path_id(events: Mapping[str, Mapping[str, Any]], name: str) -> str:
    return str(events[name]["pathParameters"]["id"])


def table_names(stem: str) -> dict[str, str]:
    """The table pair of one event (or of the world: stem "world")."""
    return {"OrdersTable": f"{stem}-orders", "IdempotencyTable": f"{stem}-idempotency"}


class World:
    """`build()` once, then `prepare(event_name, event)` per event (thread-safe: boto3 clients are)."""

    def __init__(
        self,
        client: Any,
        template: Mapping[str, Any],
        events: Mapping[str, Mapping[str, Any]],
        environment: Mapping[str, str],
    ) -> None:
        self.client, self.template, self.events = client, template, events
        self.facts = Facts(events)
        self.environment = dict(environment)
        self.items: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ building it
    def build(self) -> list[dict[str, Any]]:
        """Make the world in its own tables through the handlers; its order table's items."""
        from local.tables import create_tables

        names = table_names("world")
        create_tables(self.client, names, TEMPLATE)
        self._use(names)
        self._store_key()
        self._call("catalogue.json", expect=200)
        contact_order = json.loads(self.events["create_order.json"]["body"])
        self._create(contact_order, "seed-contact-42")
        self._move(self._create(LINE_ONE_ORDER, "seed-by-id"), self.facts.order_id)
        self._move(self._create(TICKETS, "seed-by-token"), GUEST_ORDER_ID, self.facts.guest_token)
        self._fulfil(GUEST_ORDER_ID)
        self._move(self._create(CODED_TICKETS, "seed-coupon-code"), self.facts.coupon_order_id)
        self._fulfil(self.facts.coupon_order_id)
        placed = self._call("distribution_place_order.json", expect=201)
        self._move({"id": _xml_id(placed["body"])}, self.facts.distribution_id)
        self._project(names["OrdersTable"])
        self.items = _scan(self.client, names["OrdersTable"])
        return self.items

    def _use(self, names: Mapping[str, str]) -> None:
        from orders_domain.runtime import wiring

        os.environ.update(self.environment)
        os.environ.update(HANDLER_ENVIRONMENT)
        os.environ["ORDERS_TABLE_NAME"] = names["OrdersTable"]
        os.environ["IDEMPOTENCY_TABLE_NAME"] = names["IdempotencyTable"]
        wiring.reset()
        # The handlers' log lines (Powertools' logger "orders", made when orders_domain was first
        # imported) and metrics warnings would bury the run's own output.
        logging.getLogger(os.environ["POWERTOOLS_SERVICE_NAME"]).setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", message="No application metrics to publish")

    def _store_key(self) -> None:
        from orders_domain.http.auth import store_api_key
        from orders_domain.http.routes import ALL_SCOPES
        from orders_domain.runtime import wiring

        store_api_key(wiring.current().api_keys, self.facts.tenant, self.facts.api_key, list(ALL_SCOPES))

    def _event(self, name: str) -> dict[str, Any]:
        """A copy of events/<name>, to change."""
        return dict(json.loads(json.dumps(self.events[name])))

    def _call(self, name: str, *, expect: int, event: dict[str, Any] | None = None) -> dict[str, Any]:
        """events/<name> (or `event`, a changed copy of it) through its function, here."""
        from local.sam_local.expectations import function_for

        event = event if event is not None else self._event(name)
        answer = _handler(self.template, function_for(event, self.template))(event)
        if isinstance(answer, dict) and answer.get("statusCode") != expect:
            raise SamLocalError(
                f"seeding the events' data: {name} answered {answer.get('statusCode')} in this process "
                f"(expected {expect}): {str(answer.get('body'))[:200]}"
            )
        return dict(answer)

    def _create(self, body: Mapping[str, Any], idempotency_key: str) -> dict[str, Any]:
        event = self._event("create_order.json")
        event["headers"]["Idempotency-Key"] = idempotency_key
        event.update(multiValueHeaders=None, body=json.dumps(body))
        return dict(json.loads(self._call("create_order.json", expect=201, event=event)["body"]))

    def _move(self, created: Mapping[str, Any], order_id: str, token: str | None = None) -> None:
        """Put the order under the id (and token) the events name; remove it from where it was."""
        from orders_domain.runtime import wiring
        from orders_domain.storage import keys
        from orders_domain.storage.orders import OrderRecord

        table = os.environ["ORDERS_TABLE_NAME"]
        order = wiring.current().orders.get(self.facts.tenant, str(created["id"]), consistent=True)
        if order is None:
            raise SamLocalError(f"seeding the events' data: order {created['id']} was not stored")
        moved = order.model_copy(update={"id": order_id, "token": token or order.token})
        self.client.put_item(TableName=table, Item=OrderRecord(order=moved).to_item())
        old_key = keys.order_key(self.facts.tenant, str(created["id"]))
        self.client.delete_item(TableName=table, Key={k: {"S": v} for k, v in old_key.items()})

    def _fulfil(self, order_id: str) -> None:
        """Everything of the order fulfilled (fulfill_order.json's route, without its body)."""
        event = self._event("fulfill_order.json")
        event["path"] = event["path"].replace(self.facts.order_id, order_id)
        event["pathParameters"]["id"] = order_id
        event["headers"]["Idempotency-Key"] = f"seed-fulfil-{order_id}"
        event.update(multiValueHeaders=None, body=None)
        self._call("fulfill_order.json", expect=200, event=event)

    def _project(self, table: str) -> None:
        """Every order through the stream consumer, as its creation: each gets its history."""
        from orders_domain.storage.keys import ORDER_SK

        from local.sam_local.expectations import function_for
        from local.stream_records import lambda_record, stream_event

        orders = [item for item in _scan(self.client, table) if item["SK"]["S"] == ORDER_SK]
        event = stream_event([lambda_record(None, item, n) for n, item in enumerate(orders, start=1)])
        answer = _handler(self.template, function_for(event, self.template))(event)
        if answer.get("batchItemFailures"):
            raise SamLocalError(f"seeding the events' data: the stream consumer failed {answer}")

    # ------------------------------------------------------------------ one event's copy
    def prepare(self, stem: str, event: Mapping[str, Any] | None = None) -> dict[str, str]:
        """A table pair for one event holding the world, its order at the If-Match version."""
        names = table_names(stem)
        self.copy_into(names, event)
        return names

    def copy_into(self, names: Mapping[str, str], event: Mapping[str, Any] | None = None) -> None:
        """The world into these tables (made when missing); the order `event` names at its If-Match."""
        from local.tables import create_tables

        create_tables(self.client, dict(names), TEMPLATE)
        items = [self._at_if_match(item, event or {}) for item in self.items]
        for start in range(0, len(items), 25):
            requests: dict[str, Any] = {
                names["OrdersTable"]: [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
            }
            while requests:
                requests = self.client.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}

    def _at_if_match(self, item: dict[str, Any], event: Mapping[str, Any]) -> dict[str, Any]:
        from orders_domain.storage import keys
        from orders_domain.storage.orders import OrderRecord

        version = if_match_version(event)
        order_id = (event.get("pathParameters") or {}).get("id")
        if version is None or not order_id:
            return item
        key = keys.order_key(self.facts.tenant, str(order_id))
        if (item["PK"]["S"], item["SK"]["S"]) != (key["PK"], key["SK"]):
            return item
        order = OrderRecord.from_item(item).order
        return OrderRecord(order=order.model_copy(update={"sys_version": version})).to_item()


def if_match_version(event: Mapping[str, Any]) -> int | None:
    """The version an event's If-Match header names ("2" -> 2), None without one."""
    for name, value in (event.get("headers") or {}).items():
        if name.lower() == "if-match" and isinstance(value, str):
            digits = value.strip().removeprefix("W/").strip('"')
            return int(digits) if digits.isdigit() else None
    return None


def _handler(template: Mapping[str, Any], function: str) -> Any:
    from local.gateway import function_handlers
    from local.lambda_runtime import FakeLambdaContext

    module, attribute = function_handlers(template)[function]
    handler = getattr(importlib.import_module(module), attribute)
    return lambda event: handler(event, FakeLambdaContext(function_name=function))


def _xml_id(body: str) -> str:
    from defusedxml import ElementTree

    found = ElementTree.fromstring(body.encode("utf-8")).findtext("id")
    if not found:
        raise SamLocalError("seeding the events' data: the distribution place answered no <id>")
    return str(found)


def _scan(client: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        items.extend(page["Items"])
    return items
