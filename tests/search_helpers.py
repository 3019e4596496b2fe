"""Events and paging for the search_orders routes, shared by both tiers' tests."""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import quote

from tests.helpers import body_of, invoke, load_event, with_caller

#: Every route of search_orders: (method, resource template).
SEARCH_ROUTES: list[tuple[str, str]] = [
    ("GET", "/orders/{tenantId}"),
    ("POST", "/orders/{tenantId}/search"),
    ("GET", "/orders/{tenantId}/customer/{customerType}/{customerId}"),
    ("GET", "/orders/{tenantId}/billToContact/{id}"),
    ("GET", "/orders/{tenantId}/billToOrganization/{id}"),
    ("GET", "/orders/{tenantId}/shipToContact/{id}"),
    ("GET", "/orders/{tenantId}/shipToOrganization/{id}"),
    ("GET", "/orders/{tenantId}/coupon/{couponType}/{couponId}"),
    ("GET", "/orders/{tenantId}/couponUsages/{couponType}/{couponId}"),
    ("GET", "/orders/{tenantId}/couponCodeUsages/{couponCodeId}"),
    ("GET", "/orders/{tenantId}/shippableStatus/{status}"),
    ("GET", "/orders/{tenantId}/shippable/status/{status}"),
    ("GET", "/orders/{tenantId}/installmentSchedule/{id}"),
]


def search_event(
    method: str,
    resource: str,
    params: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: Any | None = None,
    tenant_id: str = "tenant-a",
    caller_tenant: str | None = None,
) -> dict[str, Any]:
    """An API Gateway event for a search_orders route, as the authorizer passes it on."""
    event = copy.deepcopy(load_event("search_orders.json"))
    path_params = {"tenantId": tenant_id, **(params or {})}
    path = resource
    for name, value in path_params.items():
        path = path.replace("{" + name + "}", value)
    event["resource"] = resource
    event["httpMethod"] = method
    event["path"] = path
    event["pathParameters"] = path_params
    event["requestContext"]["resourcePath"] = resource
    event["requestContext"]["httpMethod"] = method
    event["requestContext"]["path"] = "/v1" + quote(path)
    event["queryStringParameters"] = query or None
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    event["body"] = None if body is None else json.dumps(body)
    return with_caller(event, caller_tenant or tenant_id)


def call(method: str, resource: str, **kwargs: Any) -> tuple[int, Any]:
    response = invoke("search_orders", search_event(method, resource, **kwargs))
    return response["statusCode"], body_of(response)


def all_pages(
    method: str, resource: str, limit: int, key: str = "id", **kwargs: Any
) -> tuple[list[Any], list[int]]:
    """Every row of a route read `limit` at a time: (row ids in order, page sizes)."""
    ids: list[Any] = []
    sizes: list[int] = []
    token: str | None = None
    query = dict(kwargs.pop("query", None) or {})
    while True:
        page_query = {**query, "limit": str(limit)}
        if token:
            page_query["exclusiveStartKey"] = token
        status, body = call(method, resource, query=page_query, **kwargs)
        assert status == 200, body
        assert body["Count"] == len(body["Items"]) <= limit
        ids.extend(row[key] for row in body["Items"])
        sizes.append(body["Count"])
        token = body["LastEvaluatedKey"]
        if token is None:
            return ids, sizes
        assert len(sizes) < 500, "paging does not end"
