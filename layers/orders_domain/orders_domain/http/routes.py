"""Every route of the API and the scope it needs: declared here once, enforced by `auth.authorize`.

Paths are API Gateway resource paths (what `event["resource"]` carries): `token-<token>` lookups
share the `{id}` resource. A route missing from this table is refused (403), never let through.
A route is declared here when it is built, before any key can reach it.
The source APIs' own dialects (`/v1`, `/v3`, `/distribution`) name no tenant: the key's is used.
Scopes per API.md: reads `orders:read` (preview and its catalogue reads, search, describe), writes
`orders:write`; void, close, delete, batch and override `orders:admin`, as is every catalogue write
and a credit grant.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SCOPE_READ = "orders:read"
SCOPE_WRITE = "orders:write"
SCOPE_ADMIN = "orders:admin"
#: A customer portal's key: bound to one contact or organization, it reaches the portal routes only,
#: and only for its own party. A staff key with `orders:read` reaches the portal routes for any party.
SCOPE_PORTAL = "orders:portal"
ALL_SCOPES: tuple[str, ...] = (SCOPE_READ, SCOPE_WRITE, SCOPE_ADMIN)
#: Every scope a key may hold (a portal key holds `orders:portal` alone).
KNOWN_SCOPES: tuple[str, ...] = (*ALL_SCOPES, SCOPE_PORTAL)

_T = "/orders/{tenantId}"

#: (method, resource path) -> scope.
ROUTE_SCOPES: dict[tuple[str, str], str] = {
    # create_order
    ("POST", _T): SCOPE_WRITE,
    ("POST", f"{_T}/preview"): SCOPE_READ,
    ("POST", f"{_T}/availability"): SCOPE_READ,
    ("POST", f"{_T}/preview/price"): SCOPE_READ,
    ("POST", f"{_T}/preview/eligibility"): SCOPE_READ,
    # get_order
    ("GET", f"{_T}/{{id}}"): SCOPE_READ,
    ("GET", f"{_T}/{{id}}/history"): SCOPE_READ,
    ("GET", "/keys/current"): SCOPE_READ,  # the key itself (the operator console asks it first)
    # patch_order
    ("PATCH", f"{_T}/{{id}}"): SCOPE_WRITE,
    ("PUT", f"{_T}/{{id}}"): SCOPE_WRITE,
    ("DELETE", f"{_T}/{{id}}"): SCOPE_ADMIN,
    ("POST", f"{_T}/batch"): SCOPE_ADMIN,
    # search_orders
    ("GET", _T): SCOPE_READ,
    ("POST", f"{_T}/search"): SCOPE_READ,
    ("GET", f"{_T}/customer/{{customerType}}/{{customerId}}"): SCOPE_READ,
    ("GET", f"{_T}/billToContact/{{id}}"): SCOPE_READ,
    ("GET", f"{_T}/billToOrganization/{{id}}"): SCOPE_READ,
    ("GET", f"{_T}/shipToContact/{{id}}"): SCOPE_READ,
    ("GET", f"{_T}/shipToOrganization/{{id}}"): SCOPE_READ,
    ("GET", f"{_T}/coupon/{{couponType}}/{{couponId}}"): SCOPE_READ,
    ("GET", f"{_T}/couponUsages/{{couponType}}/{{couponId}}"): SCOPE_READ,
    ("GET", f"{_T}/couponCodeUsages/{{couponCodeId}}"): SCOPE_READ,
    ("GET", f"{_T}/shippableStatus/{{status}}"): SCOPE_READ,
    ("GET", f"{_T}/shippable/status/{{status}}"): SCOPE_READ,
    ("GET", f"{_T}/installmentSchedule/{{id}}"): SCOPE_READ,
    # fulfill_order
    ("POST", f"{_T}/{{id}}/fulfill"): SCOPE_WRITE,
    ("GET", f"{_T}/fulfillments"): SCOPE_READ,
    ("GET", f"{_T}/fulfillments/{{fulfillmentId}}"): SCOPE_READ,
    ("PATCH", f"{_T}/fulfillments/{{fulfillmentId}}"): SCOPE_WRITE,
    # cancel_order
    ("POST", f"{_T}/{{id}}/cancel"): SCOPE_WRITE,
    ("POST", f"{_T}/void/{{id}}"): SCOPE_ADMIN,
    ("POST", f"{_T}/close/{{id}}"): SCOPE_ADMIN,
    # will_call_check
    ("GET", f"{_T}/{{id}}/will-call-check"): SCOPE_READ,
    # refund_order
    ("GET", f"{_T}/refund-reasons"): SCOPE_READ,
    ("PUT", f"{_T}/refund-reasons/{{name}}"): SCOPE_ADMIN,
    ("POST", f"{_T}/{{id}}/refunds"): SCOPE_WRITE,
    # the theatre API's own dialect (seeds/000, 001): the tenant is the key's
    ("GET", "/v3/orders/{id}"): SCOPE_READ,
    ("POST", "/v3/orders/{id}/fulfill"): SCOPE_WRITE,
    ("GET", "/v1/orders/{id}/will-call-check"): SCOPE_READ,
    ("GET", "/v1/refund-reasons"): SCOPE_READ,
    ("POST", "/v1/orders/{id}/refunds"): SCOPE_WRITE,
    # the distribution API's own dialect (seeds/004): the tenant is the key's
    ("POST", "/distribution/orders"): SCOPE_WRITE,
    ("GET", "/distribution/orders/{id}"): SCOPE_READ,
    ("PUT", "/distribution/orders/{id}"): SCOPE_WRITE,
    # catalogue: the tenant's products, shipping products, settings and customers' open credits
    ("PUT", f"{_T}/catalogue/products/{{productType}}/{{productId}}"): SCOPE_ADMIN,
    ("GET", f"{_T}/catalogue/products/{{productType}}/{{productId}}"): SCOPE_READ,
    ("DELETE", f"{_T}/catalogue/products/{{productType}}/{{productId}}"): SCOPE_ADMIN,
    ("GET", f"{_T}/catalogue/products"): SCOPE_READ,
    ("PUT", f"{_T}/catalogue/shipping/{{shippingId}}"): SCOPE_ADMIN,
    ("GET", f"{_T}/catalogue/shipping"): SCOPE_READ,
    ("PUT", f"{_T}/catalogue/settings"): SCOPE_ADMIN,
    ("GET", f"{_T}/catalogue/settings"): SCOPE_READ,
    ("POST", f"{_T}/credits"): SCOPE_ADMIN,
    ("GET", f"{_T}/credits/{{customerType}}/{{customerId}}"): SCOPE_READ,
    ("POST", f"{_T}/products/describe"): SCOPE_READ,
    # create_order: the commerce API's overrides (admin)
    ("POST", f"{_T}/override"): SCOPE_ADMIN,
    ("POST", f"{_T}/override/preview"): SCOPE_ADMIN,
    # search_orders: the customer portal (a portal key for its own party; a staff key for any party)
    ("GET", f"{_T}/portal/contact/{{contactId}}"): SCOPE_PORTAL,
    ("GET", f"{_T}/portal/contact/{{contactId}}/{{id}}"): SCOPE_PORTAL,
    ("GET", f"{_T}/portal/organization/{{organizationId}}"): SCOPE_PORTAL,
    ("GET", f"{_T}/portal/organization/{{organizationId}}/{{id}}"): SCOPE_PORTAL,
    # refund_order: the commerce API's coupon-code action (admin)
    ("POST", f"{_T}/{{id}}/coupon-codes/{{couponCodeId}}/actions"): SCOPE_ADMIN,
    # notify_order: the order's (or one line's) notification e-mail, rendered and sent
    ("POST", f"{_T}/notifications/preview"): SCOPE_WRITE,
    # get_order: the theatre answers' sub-resources (every `_links` href they print resolves)
    ("GET", "/v3/orders/{id}/products/{lineNumber}"): SCOPE_READ,
    ("GET", "/v3/orders/{id}/products/{lineNumber}/passbook"): SCOPE_READ,
    ("GET", "/v3/orders/{id}/payments/{paymentNumber}"): SCOPE_READ,
}


#: Routes that take an `Idempotency-Key` (API.md: create, fulfil, cancel, refund, void, close, batch).
#: `FunctionApp.idempotent` refuses to run on any other route, and the OpenAPI document lists the
#: header on exactly these.
IDEMPOTENT_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("POST", _T),
        ("POST", f"{_T}/{{id}}/fulfill"),
        ("POST", f"{_T}/{{id}}/cancel"),
        ("POST", f"{_T}/{{id}}/refunds"),
        ("POST", f"{_T}/void/{{id}}"),
        ("POST", f"{_T}/close/{{id}}"),
        ("POST", f"{_T}/batch"),
        ("POST", f"{_T}/credits"),
        ("POST", f"{_T}/override"),
        ("POST", "/v3/orders/{id}/fulfill"),
        ("POST", "/v1/orders/{id}/refunds"),
        ("POST", "/distribution/orders"),
        ("POST", f"{_T}/{{id}}/coupon-codes/{{couponCodeId}}/actions"),
    }
)


#: Idempotent routes whose key is in the body, not the `Idempotency-Key` header (the distribution API's
#: `order_number`); the OpenAPI document does not offer the header on them.
BODY_KEYED_ROUTES: frozenset[tuple[str, str]] = frozenset({("POST", "/distribution/orders")})


def scope_of(method: str, resource: str) -> str | None:
    """The scope a route needs, or None when the route is not declared (callers deny)."""
    return ROUTE_SCOPES.get((method.upper(), resource))


#: Routes that honour `If-Match` (the order's `ETag`, a fulfillment's on its PATCH: 412 when it moved
#: on); the OpenAPI document lists the header on exactly these.
CONDITIONAL_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("PATCH", f"{_T}/{{id}}"),
        ("PUT", f"{_T}/{{id}}"),
        ("DELETE", f"{_T}/{{id}}"),
        ("POST", f"{_T}/{{id}}/fulfill"),
        ("PATCH", f"{_T}/fulfillments/{{fulfillmentId}}"),
        ("POST", f"{_T}/{{id}}/cancel"),
        ("POST", f"{_T}/void/{{id}}"),
        ("POST", f"{_T}/close/{{id}}"),
        ("POST", f"{_T}/{{id}}/refunds"),
        ("POST", "/v3/orders/{id}/fulfill"),
        ("POST", "/v1/orders/{id}/refunds"),
        ("POST", f"{_T}/{{id}}/coupon-codes/{{couponCodeId}}/actions"),
    }
)

#: The distribution dialect's routes: JSON or XML both ways, by `Content-Type` and `Accept`
#: (dialects.xml translates at the edge; every other route speaks JSON only).
XML_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("POST", "/distribution/orders"),
        ("GET", "/distribution/orders/{id}"),
        ("PUT", "/distribution/orders/{id}"),
    }
)


#: A portal route's party path parameter -> the party type it names.
PORTAL_PARTY_PARAMETERS: dict[str, str] = {"contactId": "contact", "organizationId": "organization"}


def portal_party(resource: str, path_parameters: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """The party a portal route's path names (`("contact", id)`), or None on any other route."""
    if ROUTE_SCOPES.get(("GET", resource)) != SCOPE_PORTAL:
        return None
    for name, party_type in PORTAL_PARTY_PARAMETERS.items():
        if f"{{{name}}}" in resource:
            value = (path_parameters or {}).get(name)
            return (party_type, value) if isinstance(value, str) else None
    return None


def tenant_from_key(resource: str) -> bool:
    """Whether a route takes its tenant from the API key (the source dialects' paths name none)."""
    return "{tenantId}" not in resource
