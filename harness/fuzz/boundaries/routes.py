"""The routes the shared machinery knows by name (the create's watched contact, the PATCH as JSON
Patch, the refunds' fixtures, the distribution's and the theatre's ids, ...), the path parameters a
case does not set, the valid body a case puts its one value into (`BASE_BODIES`, filled by the route
modules), and `body_case`, which makes a case of one body field (pure)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from harness.fuzz.boundaries.cases import (
    REFUSED,
    TENANT,
    Case,
    Counter,
    Expect,
    Read,
    distribution_order,
    fulfillment_path,
    order_body,
    order_path,
    ref,
    watched,
)
from harness.fuzz.boundaries.schema import (
    Path_,
    dotted,
    minimal,
    operations,
    place,
    pointer,
    request_body,
    resolve,
)

ORDER_ROUTE = "/orders/{tenantId}"
CREATE = ("POST", ORDER_ROUTE)
PREVIEW = ("POST", "/orders/{tenantId}/preview")
ONE_ORDER = "/orders/{tenantId}/{id}"
PATCH = ("PATCH", ONE_ORDER)
PUT = ("PUT", ONE_ORDER)
BATCH = ("POST", "/orders/{tenantId}/batch")
SEARCH = ("POST", "/orders/{tenantId}/search")
FULFIL = ("POST", "/orders/{tenantId}/{id}/fulfill")
CANCEL = ("POST", "/orders/{tenantId}/{id}/cancel")
REFUND = ("POST", "/orders/{tenantId}/{id}/refunds")
FULFILLMENTS = "/orders/{tenantId}/fulfillments"
FULFILLMENT = "/orders/{tenantId}/fulfillments/{fulfillmentId}"
PICKUP = ("PATCH", FULFILLMENT)
REASON_PUT = ("PUT", "/orders/{tenantId}/refund-reasons/{name}")
PLACE = ("POST", "/distribution/orders")
DIST_ONE = "/distribution/orders/{id}"
THEATRE_REFUND = ("POST", "/v1/orders/{id}/refunds")
#: Routes whose `{id}` is an order id (or `token-<token>`): these and the paths under them.
ORDER_ID_ROUTES = (
    ONE_ORDER,
    "/orders/{tenantId}/void/{id}",
    "/orders/{tenantId}/close/{id}",
    "/v3/orders/{id}",
    # issue 32: the customer portal's gets (the fixture orders are its party's: runner.seed)
    "/orders/{tenantId}/portal/contact/{contactId}/{id}",
    "/orders/{tenantId}/portal/organization/{organizationId}/{id}",
)
#: Theatre routes whose `{id}` is the guest token form.
TOKEN_ROUTES = ("/v1/orders/{id}",)
#: Operations whose body is an order (the document's schema for these says only "an object").
ORDER_SCHEMA = "OrderCreateRequest"
ORDER_BODY_ROUTES = (CREATE, PREVIEW, PUT)
#: A valid body of each operation whose schema's smallest instance is not one (each route module adds
#: its routes'); the create, the preview and the PUT of an order take the fixture order (`base_body`).
BASE_BODIES: dict[tuple[str, str], Any] = {}
#: Path parameters of a route module's own routes -> the value a case that does not set them sends
#: (the catalogue's product type and id, shipping id: its fixtures, catalogue.py).
PATH_VALUES: dict[str, str] = {}
#: What a refused case of a route leaves as it was, where the route is not an order's: route -> the
#: path read before and after (a catalogue product, the credits of the edge tenant's party, ...).
UNCHANGED_READS: dict[str, str] = {}
#: Seeds of a route module's own fixtures on the edge tenant, run after the orders' (`runner.seed`):
#: (base URL, the edge tenant's key) -> None.
SEEDS: list[Callable[[str, str], None]] = []
#: Operations whose body fields the case names name apart (`field_name`): a body of another kind that
#: shares field names with the order's (a catalogue product's `weight`, `unit_price`, `currency_code`),
#: so that no case of its field reads as a case of the order's (each route module adds its own).
BODY_NAMES: dict[tuple[str, str], str] = {}


def is_order_id_route(route: str) -> bool:
    return any(route == r or route.startswith(r + "/") for r in (*ORDER_ID_ROUTES, *TOKEN_ROUTES, DIST_ONE))


def field_name(method: str, route: str, path: Path_) -> str:
    """How a case names a body field: `line_items[0].unit_price`, or under the operation's body name
    (`BODY_NAMES`): `product.weight` (pure)."""
    prefix = BODY_NAMES.get((method, route))
    return f"{prefix}.{dotted(path)}" if prefix else dotted(path)


def default_params(route: str, target: str = "scratch") -> dict[str, str]:
    """The path parameters a case does not set: the edge tenant, the fixture `target` for an order id
    (its token on the theatre's token routes, the distribution order on the distribution's), a
    spare fulfillment, and lookup values (pure)."""
    values = {
        "tenantId": TENANT,
        "fulfillmentId": ref("fulfillment" if target in ("open", "fulfilled_order") else "spare_fulfillment"),
        "name": "EdgeReason",
        "couponType": "promo",
        "couponId": "EDGE",
        "couponCodeId": "EDGE-CODE",
        "customerType": "contact",
        "customerId": "edge-party",
        "status": "awaiting_shipment",
        "id": "edge-party",
        **PATH_VALUES,
    }
    if route.startswith(DIST_ONE):
        values["id"] = ref("dist")
    elif any(route.startswith(r) for r in TOKEN_ROUTES):
        token = {
            "scratch": "spare_token",
            "open": "token",
            "fulfilled_order": "token",
            "spare": "spare_token",
        }
        values["id"] = (
            "token-" + ref(token.get(target, "spare_token")) if target != "missing" else "token-edge"
        )
    elif is_order_id_route(route):
        values["id"] = ref(target)
    return values


def order_schema(document: Mapping[str, Any]) -> dict[str, Any]:
    return resolve(document, {"$ref": f"#/components/schemas/{ORDER_SCHEMA}"})


def field_schema(document: Mapping[str, Any], method: str, route: str) -> dict[str, Any] | None:
    """The schema of the operation's JSON body as its fields are walked: the order's for the PUT of an
    order (documented as any object); None without a JSON body (pure)."""
    if (method, route) == PUT:
        return order_schema(document)
    found = request_body(document, method, route)
    if found is None or "xml" in found[0]:
        return None
    return found[1]


def base_body(method: str, route: str, document: Mapping[str, Any], watch: str | None = None) -> Any:
    """A valid body for the operation, into which a case puts its one boundary value (pure)."""
    key = (method, route)
    if key in (CREATE, PREVIEW, PUT):
        return order_body(watch if key == CREATE else None)
    if key in BASE_BODIES:
        return copy.deepcopy(BASE_BODIES[key])
    schema = field_schema(document, method, route)
    return minimal(document, schema) if schema else None


def target_for(method: str, route: str, expected: frozenset[int]) -> str:
    """Which fixture an order route's case names: when the case must be refused (and is checked
    unchanged) `open` (`fulfilled_order` for a refund), else `scratch` (`spare`) (pure)."""
    if route.startswith(DIST_ONE):
        return "dist"
    refund = (method, route) in (REFUND, THEATRE_REFUND)
    if expected == REFUSED:
        return "fulfilled_order" if refund else "open"
    return "spare" if refund else "scratch"


def unchanged_for(route: str, target: str, watch: str | None) -> str | None:
    """What a refused case must leave as it was: the order it names, the fulfillment, or the orders
    billed to a create's own contact (pure)."""
    if route in UNCHANGED_READS:
        return UNCHANGED_READS[route]
    if route == FULFILLMENT:
        return fulfillment_path(
            "fulfillment" if target in ("open", "fulfilled_order") else "spare_fulfillment"
        )
    if target in ("open", "scratch", "fulfilled_order", "spare", "keyed") and is_order_id_route(route):
        if route.startswith(TOKEN_ROUTES):
            return order_path("fulfilled_order" if target in ("open", "fulfilled_order") else "spare")
        return order_path(target)
    if watch is not None:
        return watched(watch)
    return None


def body_case(
    family: str,
    name: str,
    document: Mapping[str, Any],
    method: str,
    route: str,
    path: Path_,
    value: Any,
    expected: frozenset[int],
    counter: Counter,
    *,
    quick: bool = False,
    then: tuple[Read, ...] = (),
    headers: Mapping[str, str] | None = None,
) -> Case:
    """The operation's base body with `value` at `path` (the order's PATCH: a JSON Patch `add` of it
    at that pointer), on the fixture `target_for` picks, checked unchanged on refusal (pure)."""
    watch = counter() if (method, route) == CREATE else None
    target = target_for(method, route, expected)
    if (method, route) == PATCH:
        body: Any = [{"op": "add", "path": pointer(path), "value": value}]
    else:
        base = base_body(method, route, document, watch)
        if (method, route) == PLACE:
            base = distribution_order(counter())
        schema = (
            order_schema(document)
            if (method, route) in ORDER_BODY_ROUTES
            else field_schema(document, method, route)
        )
        body = place(document, schema, base, path, value)
    return Case(
        family,
        name,
        method,
        route,
        params=default_params(route, target),
        headers=dict(headers or {}),
        body=body,
        expect=Expect(expected, unchanged=unchanged_for(route, target, watch), then=then),
        quick=quick,
    )


def body_operations(document: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(METHOD, route, the schema its fields are walked in) of every operation with a JSON body; the
    order's PATCH walks the order's fields (as JSON Patch pointers) (pure)."""
    found = []
    for method, route in operations(document):
        if (method, route) == PATCH:
            found.append((method, route, order_schema(document)))
            continue
        schema = field_schema(document, method, route)
        if schema:
            found.append((method, route, schema))
    return found
