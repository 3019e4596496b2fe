"""The catalogue routes in the fuzz (issue 31): each tenant's catalogue (`seed_catalogue`), the
values both tenants' catalogues share (`FOREIGN_VALUES`: a product type and id, a shipping product's
id; a credit's customer is the lookups' shared contact, search.py), and the sweep of the catalogue
routes (`catalogue_probes`, in `FAMILY_PROBES`; its paths in `SELF_SWEPT`): tenant B can never read
or change A's catalogue, stock, settings or credits, and A never B's.

Each tenant puts, with its marker in every name: the product both tenants have
(`SHARED_PRODUCT`, each at its own price and stock), two products only it has (`Tenant.product_ids`:
the second for A's own DELETE), the shipping product both have, and grants the shared contact one
credit under an Idempotency-Key both tenants send (`CREDIT_KEY`, B first: A's grant must be A's own
credit, number 1, not B's replayed); it then orders 2 units of its shared product
(`Tenant.stock_order_ids`: the order holds them) and keeps its product list's first page token.
B's catalogue is strict, A's is not (each reads its own settings).

The sweep, beside the generic no key (401) and B's key on A's path (403) of every operation (write
routes with a valid body, `BODIES`, so the 403 is not a 400): A's product, its own and the shared one
(200, A's), B's products on A's path (GET, DELETE: 404), A's disposable product deleted (204), A's
shared product put again (200); the lists of products and shipping products and the settings (200,
A's own: `strict` false); A's settings put (200; B's stays strict); B's list page token on A's list
and A's and B's on the other lists (400); the shared contact's credits (200, A's credit, none of B's)
and A's grant under `CREDIT_KEY` (201, A's credit replayed); an order of A naming B's only product
(201: A's catalogue does not hold it, B's stock untouched) and A's shared product (201, A's stock);
the create's catalogue reads (preview, availability, price, eligibility) of A's shared product billed
to the shared contact (200: A's stock, shipping products and credits, the preview's holding A's
credit) and of B's product (200, as unknown to A's catalogue), `products/describe` of B's product (400:
A's catalogue does not hold it) and of the shared one (200); B's stock-holding order cancelled or voided
with A's key (404). B's products (with their stock), its
lists, settings, credits and stock-holding order are read before and after the sweep, schemathesis
and the boundary cases (`catalogue_view_paths`, in `sweep.tenant_view`): any change is a leak."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlencode

from harness.fuzz import client
from harness.fuzz.core import (
    BODIES,
    FAMILY_PROBES,
    FOREIGN_VALUES,
    SELF_SWEPT,
    TENANT_B,
    Probe,
    Tenant,
    fill,
)
from harness.fuzz.orders import PAGE_TOKEN, SHARED_ID, seed_order

PRODUCTS = "/orders/{tenantId}/catalogue/products"
PRODUCT = "/orders/{tenantId}/catalogue/products/{productType}/{productId}"
SETTINGS = "/orders/{tenantId}/catalogue/settings"
SHIPPING_LIST = "/orders/{tenantId}/catalogue/shipping"
SHIPPING = "/orders/{tenantId}/catalogue/shipping/{shippingId}"
CREDITS = "/orders/{tenantId}/credits"
CUSTOMER_CREDITS = "/orders/{tenantId}/credits/{customerType}/{customerId}"
CREATE = ("POST", "/orders/{tenantId}")
DESCRIBE = ("POST", "/orders/{tenantId}/products/describe")
#: The create's reads of the catalogue (none saves or reserves): each with a create's body.
CHECKOUT_READS = (
    ("POST", "/orders/{tenantId}/preview"),
    ("POST", "/orders/{tenantId}/availability"),
    ("POST", "/orders/{tenantId}/preview/price"),
    ("POST", "/orders/{tenantId}/preview/eligibility"),
)
#: The order routes whose answer on B's stock-holding order, asked with A's key, must be 404.
STOCK_RELEASES = (("POST", "/orders/{tenantId}/{id}/cancel"), ("POST", "/orders/{tenantId}/void/{id}"))
#: The product type of every fuzz product, and the product and shipping product both tenants have.
PRODUCT_TYPE = "fuzz"
SHARED_PRODUCT = "shared-fuzz"
SHARED_SHIPPING = "shared-fuzz-ship"
FOREIGN_VALUES.update(
    {"productType": PRODUCT_TYPE, "productId": SHARED_PRODUCT, "shippingId": SHARED_SHIPPING}
)
SELF_SWEPT.update((PRODUCT, PRODUCTS, SETTINGS, SHIPPING_LIST, SHIPPING, CREDITS, CUSTOMER_CREDITS))
#: Units each tenant's products start with, and the units its stock-holding order takes.
STOCK = 100
STOCK_ORDER_UNITS = 2
#: The Idempotency-Key both tenants grant their first credit under (B first).
CREDIT_KEY = "fuzz-credit-shared"
CREDIT = {"customer_type": "contact", "customer_id": SHARED_ID, "amount": "5.00", "currency_code": "USD"}
# Valid bodies, so B's key on A's path meets the 403, not the body's 400.
BODIES[("PUT", PRODUCT)] = {"name": "Fuzz sweep", "unit_price": "1.00", "currency_code": "USD"}
BODIES[("PUT", SHIPPING)] = {"name": "Fuzz sweep", "cost": "1.00"}
BODIES[("PUT", SETTINGS)] = {"strict": False}
BODIES[("POST", CREDITS)] = CREDIT
BODIES[DESCRIBE] = {"products": [{"type": PRODUCT_TYPE, "id": SHARED_PRODUCT}]}


def price_of(tenant: Tenant) -> str:
    """The tenant's price of its products: B's differs from A's, so an A order priced from B's
    catalogue would be refused (pure)."""
    return "7.00" if tenant.tenant_id == TENANT_B else "10.00"


def product_body(tenant: Tenant, stock: int = STOCK) -> dict[str, Any]:
    """The tenant's product: its marker in the name, its price, `stock` units (pure)."""
    return {
        "name": f"Fuzz {tenant.marker}",
        "unit_price": price_of(tenant),
        "currency_code": "USD",
        "stock": stock,
    }


def stock_order(tenant: Tenant, product_id: str, units: int) -> dict[str, Any]:
    """An order of `units` of the tenant's product at the tenant's price (pure)."""
    line = {
        "description": "Seat",
        "quantity": units,
        "unit_price": price_of(tenant),
        "product_type": PRODUCT_TYPE,
        "product_id": product_id,
    }
    return {"line_items": [line]}


def path_of(template: str, tenant: Tenant, **values: str) -> str:
    return fill(template, {**FOREIGN_VALUES, **values, "tenantId": tenant.tenant_id})


def _put(base: str, tenant: Tenant, path: str, body: Any) -> dict[str, Any]:
    status, text = client.call(base, "PUT", path, tenant.key, body)
    if status != 200:
        raise SystemExit(f"cannot seed the catalogue of {tenant.tenant_id}: PUT {path} {status} {text[:300]}")
    answer: dict[str, Any] = json.loads(text)
    return answer


def seed_catalogue(base: str, a: Tenant, b: Tenant) -> list[str]:
    """Each tenant's catalogue (the module's docstring), B's first; B's made strict last (after its
    distribution order: its offers are not in its catalogue). The leaks found: A's grant under
    `CREDIT_KEY` answered with B's credit or B's number."""
    leaks: list[str] = []
    for tenant in (b, a):
        _put(base, tenant, path_of(PRODUCT, tenant), product_body(tenant))
        for role in ("only", "disposable"):
            product_id = f"{tenant.tenant_id}-{role}-{uuid.uuid4().hex[:8]}"
            _put(base, tenant, path_of(PRODUCT, tenant, productId=product_id), product_body(tenant))
            tenant.product_ids.append(product_id)
        shipping = {"name": f"Ship {tenant.marker}", "cost": "5.00"}
        _put(base, tenant, path_of(SHIPPING, tenant), shipping)
        status, text = client.call(
            base,
            "POST",
            path_of(CREDITS, tenant),
            tenant.key,
            CREDIT,
            headers={"Idempotency-Key": CREDIT_KEY},
        )
        credit = json.loads(text) if status == 201 else {}
        if tenant is a and (credit.get("id") in b.credit_ids or credit.get("number") != 1):
            leaks.append(f"A's grant under B's Idempotency-Key -> {status} {text[:200]}")
        elif status != 201:
            raise SystemExit(f"cannot grant a credit to {tenant.tenant_id}: {status} {text[:300]}")
        else:
            tenant.credit_ids.append(str(credit["id"]))
        created = seed_order(base, tenant, stock_order(tenant, SHARED_PRODUCT, STOCK_ORDER_UNITS))
        if created["line_items"][0].get("stock_reserved") != STOCK_ORDER_UNITS:
            raise SystemExit(f"the stock order of {tenant.tenant_id} holds no stock: {created['line_items']}")
        tenant.stock_order_ids.append(str(created["id"]))
        status, text = client.call(base, "GET", path_of(PRODUCTS, tenant) + "?limit=1", tenant.key)
        token = json.loads(text).get("LastEvaluatedKey") if status == 200 else None
        if not token:
            raise SystemExit(f"no catalogue page token for {tenant.tenant_id}: {status} {text[:300]}")
        tenant.catalogue_tokens.append(token)
    _put(base, b, path_of(SETTINGS, b), {"strict": True})
    return leaks


def catalogue_view_paths(tenant: Tenant) -> list[str]:
    """What `tenant_view` reads of the tenant's catalogue: its products (their stock), its lists, its
    settings and the shared contact's credits (its stock-holding order is among its orders) (pure)."""
    if not tenant.product_ids:
        return []
    products = [SHARED_PRODUCT, *tenant.product_ids]
    return [
        *(path_of(PRODUCT, tenant, productId=p) for p in products),
        path_of(PRODUCTS, tenant) + "?limit=100",
        path_of(SHIPPING_LIST, tenant),
        path_of(SETTINGS, tenant),
        path_of(CUSTOMER_CREDITS, tenant),
    ]


def catalogue_probes(method: str, template_path: str, queries: set[Any], a: Tenant, b: Tenant) -> list[Probe]:
    """The catalogue's probes of one operation (the module's docstring); none when the tenants have no
    catalogue (pure)."""
    if not (a.product_ids and b.product_ids):
        return []
    key = (method, template_path)
    probes: list[Probe] = []
    if key == ("GET", PRODUCT):
        for product_id in (SHARED_PRODUCT, a.product_ids[0]):
            path = path_of(PRODUCT, a, productId=product_id)
            probes.append(Probe("own product", path, a.key, {200}, holds=a.marker))
    if method in ("GET", "DELETE") and template_path == PRODUCT:
        for product_id in b.product_ids:
            probes.append(
                Probe("other tenant's productId", path_of(PRODUCT, a, productId=product_id), a.key, {404})
            )
    if key == ("DELETE", PRODUCT):
        path = path_of(PRODUCT, a, productId=a.product_ids[-1])
        probes.append(Probe("own disposable product", path, a.key, {204}))
    if key == ("PUT", PRODUCT):
        probes.append(
            Probe("own shared product", path_of(PRODUCT, a), a.key, {200}, product_body(a), holds=a.marker)
        )
    if key in (("GET", PRODUCTS), ("GET", SHIPPING_LIST)):
        probes.append(Probe("own list", path_of(template_path, a), a.key, {200}, rows=True, holds=a.marker))
    if key == ("GET", SETTINGS):
        probes.append(Probe("own settings", path_of(SETTINGS, a), a.key, {200}, holds='"strict":false'))
    if key == ("PUT", SETTINGS):
        probes.append(Probe("own settings", path_of(SETTINGS, a), a.key, {200}, {"strict": False}))
    if key == ("PUT", SHIPPING):
        shipping = {"name": f"Ship {a.marker}", "cost": "5.00"}
        probes.append(
            Probe("own shared shipping", path_of(SHIPPING, a), a.key, {200}, shipping, holds=a.marker)
        )
    if key == ("GET", CUSTOMER_CREDITS):
        probes.append(
            Probe("shared customer", path_of(CUSTOMER_CREDITS, a), a.key, {200}, holds=a.credit_ids[0])
        )
    if key == ("POST", CREDITS) and a.credit_ids:
        headers = {"Idempotency-Key": CREDIT_KEY}
        label = "own grant under the shared Idempotency-Key"
        probes.append(Probe(label, path_of(CREDITS, a), a.key, {201}, CREDIT, headers, holds=a.credit_ids[0]))
    probes += token_probes(key, queries, a, b)
    if key == CREATE:
        for label, product_id in (
            ("other tenant's product", b.product_ids[0]),
            ("shared product", SHARED_PRODUCT),
        ):
            body = stock_order(a, product_id, 1)
            probes.append(Probe(f"order naming the {label}", path_of(CREATE[1], a), a.key, {201}, body))
    if key in CHECKOUT_READS:
        # A's order of the shared product, billed to the shared contact and shipped: A's stock, A's
        # shipping products, A's credits (the preview lists them); nothing of B's
        body = {
            **stock_order(a, SHARED_PRODUCT, 1),
            "bill_to_type": "contact",
            "bill_to_contact_id": SHARED_ID,
        }
        body["line_items"][0]["shippable"] = True
        holds = a.credit_ids[0] if key == CHECKOUT_READS[0] else None
        probes.append(
            Probe("shared product and customer", path_of(template_path, a), a.key, {200}, body, holds=holds)
        )
        other = stock_order(a, b.product_ids[0], 1)
        probes.append(Probe("other tenant's product", path_of(template_path, a), a.key, {200}, other))
    if key == DESCRIBE:
        for product_id, expected in ((b.product_ids[0], {400}), (SHARED_PRODUCT, {200})):
            body = {"products": [{"type": PRODUCT_TYPE, "id": product_id}]}
            probes.append(Probe(f"describe {product_id}", path_of(template_path, a), a.key, expected, body))
    if key in STOCK_RELEASES:
        for order_id in b.stock_order_ids:
            path = path_of(template_path, a, id=order_id)
            probes.append(Probe("other tenant's stock order", path, a.key, {404}, BODIES.get(key)))
    return probes


def token_probes(key: tuple[str, str], queries: set[Any], a: Tenant, b: Tenant) -> list[Probe]:
    """Catalogue page tokens where they do not belong: B's on A's product list, A's and B's on every
    other route with `exclusiveStartKey` (the orders' list, the lookups): 400 (pure)."""
    if PAGE_TOKEN not in queries:
        return []
    own = path_of(key[1], a)
    if key == ("GET", PRODUCTS):
        label, tokens = "other tenant's catalogue token", b.catalogue_tokens
    else:
        label, tokens = "a catalogue page token", [*a.catalogue_tokens, *b.catalogue_tokens]
    return [Probe(label, f"{own}?{urlencode({PAGE_TOKEN: token})}", a.key, {400}) for token in tokens]


FAMILY_PROBES.append(catalogue_probes)
