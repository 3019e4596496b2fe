"""Which function answers each `events/*.json`, and what a good answer to it is.

The function comes from the event itself and template.yaml, never from a list kept here: an API
Gateway proxy event is the function whose `Type: Api` event has its `resource` and `httpMethod`; a
REQUEST authorizer event (`type` REQUEST, a `methodArn`) the API's DefaultAuthorizer; a DynamoDB
stream event (`Records` from aws:dynamodb) the stream consumer. What a good answer is cannot come
from anywhere but here: EXPECTED names, for every event file, its status and the body's shape, and
`tests/unit/test_sam_local.py` fails when an event file has no entry (or an entry names no file).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from local.gateway import authorizer_function_id, routes_from_template
from local.stream import stream_function

Kind = Literal["api", "authorizer", "stream"]


@dataclass(frozen=True)
class Expect:
    """A good answer: for an API event its status and the body's shape (top-level keys of a JSON
    body, the lists among them that must hold something, or the root element of an XML body)."""

    status: int | None = None
    keys: tuple[str, ...] = ()
    nonempty: tuple[str, ...] = ()
    xml_root: str | None = None
    #: An HTML page (the console): the body is a document that loads this script.
    html_script: str | None = None
    kind: Kind = "api"


#: The authorizer allows the events' key (stored by the run for tenant-a) on the route it is asked about.
ALLOWED = Expect(kind="authorizer")
#: The stream consumer projects every record: no record to deliver again.
PROJECTED = Expect(kind="stream")
_ORDER = ("id", "number", "status", "line_items")

EXPECTED: dict[str, Expect] = {
    "authorizer.json": ALLOWED,
    "cancel_order.json": Expect(200, _ORDER),
    "catalogue.json": Expect(200, ("product_type", "product_id", "stock_available")),
    "catalogue_describe_products.json": Expect(200, ("products",), nonempty=("products",)),
    "catalogue_grant_credit.json": Expect(201, ("id", "amount_available", "customer_id")),
    "catalogue_list_products.json": Expect(200, ("Count", "Items"), nonempty=("Items",)),
    "console.json": Expect(200, html_script="console/console.js"),
    "coupon_code_action.json": Expect(200, (*_ORDER, "coupons")),
    "create_order.json": Expect(201, (*_ORDER, "token")),
    "create_order_availability.json": Expect(
        200, ("product_availability",), nonempty=("product_availability",)
    ),
    "create_order_override.json": Expect(201, _ORDER),
    "create_order_preview.json": Expect(200, ("manifest", "order")),
    "distribution_cancel_order.json": Expect(200, ("order",)),
    "distribution_get_order.json": Expect(200, xml_root="order"),
    "distribution_place_order.json": Expect(201, xml_root="order"),
    "fulfill_order.json": Expect(200, _ORDER),
    "get_order.json": Expect(200, _ORDER),
    "get_order_history.json": Expect(200, ("Count", "Items"), nonempty=("Items",)),
    "get_theatre_passbook.json": Expect(200, ("pass", "signature")),
    "get_theatre_payment.json": Expect(200, ("type", "amount", "status")),
    "get_theatre_product.json": Expect(200, ("sku", "lineItemNumber", "status")),
    "keys_current.json": Expect(200, ("tenant_id", "key_id", "scopes"), nonempty=("scopes",)),
    "notify_order.json": Expect(200, ("message_id", "to", "subject")),
    "notify_order_line.json": Expect(200, ("message_id", "to", "subject")),
    "order_stream.json": PROJECTED,
    "patch_order.json": Expect(200, (*_ORDER, "notes")),
    "portal_contact_orders.json": Expect(200, ("Count", "Items"), nonempty=("Items",)),
    "refund_order.json": Expect(200, (*_ORDER, "amount_refunded")),
    "search_orders.json": Expect(200, ("Items",), nonempty=("Items",)),
    "theatre_fulfill_order.json": Expect(200, ("id", "number", "status")),
    "theatre_get_order.json": Expect(200, ("id", "number", "status", "token")),
    "theatre_refund_order.json": Expect(200, ("id", "number", "status")),
    "theatre_refund_reasons.json": Expect(200, ("refundReasons",), nonempty=("refundReasons",)),
    "theatre_will_call_check.json": Expect(200, ("lineItems",), nonempty=("lineItems",)),
    "will_call_check.json": Expect(200, ("line_items",), nonempty=("line_items",)),
}


def kind_of(event: Mapping[str, Any]) -> Kind:
    """What an event is: a DynamoDB stream batch, a REQUEST authorizer's question, or a proxy request."""
    records = event.get("Records")
    if isinstance(records, list) and records and records[0].get("eventSource") == "aws:dynamodb":
        return "stream"
    if event.get("type") == "REQUEST" and "methodArn" in event:
        return "authorizer"
    return "api"


def function_for(event: Mapping[str, Any], template: Mapping[str, Any]) -> str:
    """The logical id of the function that answers `event` (ValueError when none does)."""
    kind = kind_of(event)
    if kind == "stream":
        return stream_function(template)[0]
    if kind == "authorizer":
        authorizer = authorizer_function_id(template)
        if authorizer is None:
            raise ValueError("an authorizer event, but the template's API has no DefaultAuthorizer")
        return authorizer
    method, resource = str(event.get("httpMethod", "")).upper(), event.get("resource")
    for route in routes_from_template(template):
        if (route.method, route.path) == (method, resource):
            return route.function_id
    raise ValueError(f"no function of the template has the route {method} {resource}")


def primary_events(template: Mapping[str, Any], event_files: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """One event per function for a quick run: the file named after its CodeUri folder (every
    function has one: tests/unit/test_template.py), else the first of its events by name."""
    chosen: dict[str, str] = {}
    for name in sorted(event_files):
        function = function_for(event_files[name], template)
        folder = _code_folder(template, function)
        if function not in chosen or name == f"{folder}.json":
            chosen[function] = name
    return sorted(chosen.values())


def _code_folder(template: Mapping[str, Any], function: str) -> str:
    properties = (template.get("Resources") or {}).get(function, {}).get("Properties") or {}
    return str(properties.get("CodeUri") or "").strip("/").split("/")[-1]


def load_events(events_dir: Path) -> dict[str, dict[str, Any]]:
    """Every `events/*.json` by file name."""
    return {
        path.name: json.loads(path.read_text(encoding="utf-8")) for path in sorted(events_dir.glob("*.json"))
    }
