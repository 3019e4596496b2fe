"""Events and paging for the search_orders routes, shared by both tiers' tests."""

from __future__ import annotations

from typing import Any

from tests.helpers import body_of, invoke, with_caller

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
    """An API Gateway event for a search_orders route (the bench's), as the authorizer passes it on
    for a caller of `caller_tenant` (default: the path's tenant)."""
    from harness.bench import search_event as bench_event

    event = bench_event(method, resource, params, query, body, tenant=tenant_id)
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
