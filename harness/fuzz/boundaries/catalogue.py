"""The catalogue routes' own boundary cases, base bodies and fixtures (issue 31): a product's PUT, a
shipping product's PUT, the settings' PUT and a credit's grant (the reads get their cases from the
document-driven families and the reads family, on the fixtures `seed_catalogue` puts).

- **stock** (numbers): 0 (accepted; an order of it is then `sold_out`, 409), 10^9 (accepted; an order
  of it is then made), 10^9+1, -1, 1.5, `"5"`, `true` (each a 400 that leaves the product as it was);
- **prices** (numbers): `unit_price` -0.01, three decimals in USD, decimals in JPY, 10^9 + 0.01 (400,
  the product unchanged), whole yen and 10^9 exactly (accepted);
- **credits** (numbers): `amount` 0, 0.001, 10^9 + 0.01 (400, the party's credits unchanged), 0.01
  and 10^9 (201);
- **ids** (strings): a product type, product id, shipping id and option id of 64 characters
  (accepted, the product then read back) and of 65 (refused); a credit's `customer_id` of 200 and 201;
- **duplicate_ids**: an option id twice in `variant_options`, a customer id twice in an eligibility
  rule: 422 naming it, the product unchanged.

Every refused case of a catalogue route (these and the document-driven ones) must leave what it names
as it was (`UNCHANGED_READS`: the product, the shipping list, the settings, the party's credits). Body
fields are named under their body (`BODY_NAMES`: `product.weight`, not the order's `weight`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.fuzz.boundaries.cases import (
    ANSWERED,
    JSON_MEDIA,
    REFUSED,
    TENANT,
    Bounds,
    Case,
    Counter,
    Expect,
    Lit,
    Read,
    json_bytes,
)
from harness.fuzz.boundaries.routes import (
    BASE_BODIES,
    BODY_NAMES,
    PATH_VALUES,
    SEEDS,
    UNCHANGED_READS,
    default_params,
)
from harness.fuzz.boundaries.table import cases_of

PRODUCT = "/orders/{tenantId}/catalogue/products/{productType}/{productId}"
SHIPPING = "/orders/{tenantId}/catalogue/shipping/{shippingId}"
SETTINGS = "/orders/{tenantId}/catalogue/settings"
CREDITS = "/orders/{tenantId}/credits"
CUSTOMER_CREDITS = "/orders/{tenantId}/credits/{customerType}/{customerId}"
PRODUCT_PUT = ("PUT", PRODUCT)
SHIPPING_PUT = ("PUT", SHIPPING)
SETTINGS_PUT = ("PUT", SETTINGS)
GRANT = ("POST", CREDITS)
DESCRIBE = ("POST", "/orders/{tenantId}/products/describe")
#: The edge tenant's catalogue fixtures: the product every case that sets no id names, the product
#: the stock cases put, the shipping product, and the party whose credits the grants add to.
PRODUCT_TYPE = "edge"
PRODUCT_ID = "edge-product"
STOCK_ID = "edge-stock"
SHIPPING_ID = "edge-ship"
PARTY = "edge-party"
PATH_VALUES.update({"productType": PRODUCT_TYPE, "productId": PRODUCT_ID, "shippingId": SHIPPING_ID})
PRODUCT_BODY: dict[str, Any] = {"name": "Edge", "unit_price": "10.00", "currency_code": "USD", "stock": 5}
CREDIT_BODY: dict[str, Any] = {
    "customer_type": "contact",
    "customer_id": PARTY,
    "amount": "1.00",
    "currency_code": "USD",
}
BASE_BODIES[PRODUCT_PUT] = PRODUCT_BODY
BASE_BODIES[SHIPPING_PUT] = {"name": "Edge", "cost": "1.00"}
BASE_BODIES[SETTINGS_PUT] = {"strict": False}
BASE_BODIES[GRANT] = CREDIT_BODY
BASE_BODIES[DESCRIBE] = {"products": [{"type": PRODUCT_TYPE, "id": PRODUCT_ID}]}
BODY_NAMES.update(
    {PRODUCT_PUT: "product", SHIPPING_PUT: "shipping", SETTINGS_PUT: "settings", GRANT: "credit"}
)


def product_path(product_id: str = PRODUCT_ID, product_type: str = PRODUCT_TYPE) -> str:
    return f"/orders/{TENANT}/catalogue/products/{product_type}/{product_id}"


#: The party's credits: a refused grant adds none.
PARTY_CREDITS = f"/orders/{TENANT}/credits/contact/{PARTY}"
UNCHANGED_READS.update(
    {
        PRODUCT: product_path(),
        SHIPPING: f"/orders/{TENANT}/catalogue/shipping",
        SETTINGS: f"/orders/{TENANT}/catalogue/settings",
        CREDITS: PARTY_CREDITS,
    }
)
#: The documented answer to a stock, price or amount the contract refuses (API.md, catalogue).
BAD_REQUEST = frozenset({400})
UNPROCESSABLE = frozenset({422})


def order_of(product_id: str, quantity: int = 1, unit_price: str = "10.00") -> dict[str, Any]:
    """A create's body: one line of the edge product `product_id` at its price (pure)."""
    line = {
        "description": "Edge",
        "quantity": quantity,
        "unit_price": unit_price,
        "product_type": PRODUCT_TYPE,
        "product_id": product_id,
    }
    return {"line_items": [line]}


def ordered(product_id: str, statuses: frozenset[int]) -> Read:
    """An order of one unit of the product, answered one of `statuses`."""
    return Read(f"/orders/{TENANT}", "POST", order_of(product_id), statuses=statuses)


def product_case(
    family: str,
    name: str,
    body: Mapping[str, Any],
    expected: frozenset[int],
    *,
    then: tuple[Read, ...] | None = None,
    names: str | None = None,
    quick: bool = False,
) -> Case:
    """A PUT of `body` as the stock product (accepted: read back); refused, the product reads as it
    was (pure)."""
    if then is None:
        then = (Read(product_path(STOCK_ID)),) if expected == ANSWERED else ()
    return Case(
        family,
        name,
        *PRODUCT_PUT,
        params={**default_params(PRODUCT), "productId": STOCK_ID},
        body=dict(body),
        expect=Expect(expected, names=names, unchanged=product_path(STOCK_ID), then=then),
        quick=quick,
    )


@cases_of("numbers", 40)
def stock_and_prices(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """A product's stock and prices at and past their bounds (the module's docstring)."""
    del document, bounds, counter
    most = 1_000_000_000
    cases = [
        product_case(
            "numbers",
            "product.stock = 0, then ordered",
            {**PRODUCT_BODY, "stock": 0},
            ANSWERED,
            then=(Read(product_path(STOCK_ID)), ordered(STOCK_ID, frozenset({409}))),
            quick=True,
        ),
        product_case(
            "numbers",
            "product.stock = 10^9, then ordered",
            {**PRODUCT_BODY, "stock": most},
            ANSWERED,
            then=(Read(product_path(STOCK_ID)), ordered(STOCK_ID, frozenset({201}))),
        ),
    ]
    for label, value in (
        ("10^9 + 1", Lit(str(most + 1))),
        ("-1", Lit("-1")),
        ("1.5", Lit("1.5")),
        ('"5"', "5"),
        ("true", True),
    ):
        body = {**PRODUCT_BODY, "stock": value}
        quick = label in ('"5"', "true")
        cases.append(
            product_case(
                "numbers", f"product.stock = {label} (stock product)", body, BAD_REQUEST, quick=quick
            )
        )
    for label, price, currency, expected in (
        ("-0.01", "-0.01", "USD", BAD_REQUEST),
        ("three decimals in USD", "10.005", "USD", BAD_REQUEST),
        ("decimals in JPY", "10.50", "JPY", BAD_REQUEST),
        ("10^9 + 0.01", "1000000000.01", "USD", BAD_REQUEST),
        ("whole yen", "1050", "JPY", ANSWERED),
        ("10^9", "1000000000", "USD", ANSWERED),
    ):
        body = {**PRODUCT_BODY, "unit_price": Lit(price), "currency_code": currency}
        quick = label in ("three decimals in USD", "decimals in JPY")
        cases.append(
            product_case(
                "numbers", f"product.unit_price = {label} (stock product)", body, expected, quick=quick
            )
        )
    for label, amount, expected in (
        ("0", "0", BAD_REQUEST),
        ("0.001", "0.001", BAD_REQUEST),
        ("10^9 + 0.01", "1000000000.01", BAD_REQUEST),
        ("0.01", "0.01", frozenset({201})),
        ("10^9", "1000000000", frozenset({201})),
    ):
        then = (Read(PARTY_CREDITS),) if expected != BAD_REQUEST else ()
        cases.append(
            Case(
                "numbers",
                f"credit.amount = {label}",
                *GRANT,
                params=default_params(CREDITS),
                body={**CREDIT_BODY, "amount": Lit(amount)},
                expect=Expect(expected, unchanged=PARTY_CREDITS, then=then),
                quick=label == "0.001",
            )
        )
    return cases


@cases_of("strings", 110)
def catalogue_ids(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """Ids of 64 characters (accepted, read back) and of 65 (refused): a product's type and id, a
    shipping product's id, an option's id; a credit's `customer_id` of 200 and 201."""
    del document, bounds, counter
    cases: list[Case] = []
    for n, expected in ((64, ANSWERED), (65, REFUSED)):
        long_id = "e" * n
        for parameter, read in (
            ("productType", product_path(PRODUCT_ID, long_id)),
            ("productId", product_path(long_id)),
        ):
            cases.append(
                Case(
                    "strings",
                    f"path {parameter} of {n} characters",
                    *PRODUCT_PUT,
                    params={**default_params(PRODUCT), parameter: long_id},
                    body=dict(PRODUCT_BODY),
                    expect=Expect(expected, then=(Read(read),) if expected == ANSWERED else ()),
                    quick=(parameter, n) == ("productId", 65),
                )
            )
        cases.append(
            Case(
                "strings",
                f"path shippingId of {n} characters",
                *SHIPPING_PUT,
                params={**default_params(SHIPPING), "shippingId": long_id},
                body=dict(BASE_BODIES[SHIPPING_PUT]),
                expect=Expect(expected, unchanged=UNCHANGED_READS[SHIPPING]),
            )
        )
        option = {"option_id": long_id, "value": "Edge", "price_delta": "1.00"}
        cases.append(
            product_case(
                "strings",
                f"product.variant_options[0].option_id of {n} characters",
                {**PRODUCT_BODY, "variant_options": [option]},
                expected,
            )
        )
    for n, expected in ((200, frozenset({201})), (201, BAD_REQUEST)):
        cases.append(
            Case(
                "strings",
                f"credit.customer_id of {n} characters",
                *GRANT,
                params=default_params(CREDITS),
                body={**CREDIT_BODY, "customer_id": "e" * n},
                expect=Expect(expected, unchanged=PARTY_CREDITS),
            )
        )
    return cases


@cases_of("duplicate_ids", 70)
def duplicate_options(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """The same option id twice in a product's `variant_options`, the same customer id twice in its
    eligibility rule: 422 naming it, the product unchanged."""
    del document, bounds, counter
    option = {"option_id": "edge-opt", "value": "Edge", "price_delta": "0.00"}
    return [
        product_case(
            "duplicate_ids",
            "variant_options option_id [edge-opt, edge-opt]",
            {**PRODUCT_BODY, "variant_options": [option, option]},
            UNPROCESSABLE,
            names="edge-opt",
            quick=True,
        ),
        product_case(
            "duplicate_ids",
            "eligibility customer_ids [edge-c, edge-c]",
            {**PRODUCT_BODY, "eligibility": {"customer_ids": ["edge-c", "edge-c"]}},
            UNPROCESSABLE,
            names="edge-c",
        ),
    ]


def seed_catalogue(base: str, key: str) -> None:
    """The edge tenant's catalogue fixtures: the product cases name by default, the shipping product,
    a credit of the party."""
    from harness.fuzz.boundaries.runner import send

    for method, path, body, status in (
        ("PUT", product_path(), PRODUCT_BODY, 200),
        ("PUT", f"/orders/{TENANT}/catalogue/shipping/{SHIPPING_ID}", BASE_BODIES[SHIPPING_PUT], 200),
        ("POST", f"/orders/{TENANT}/credits", CREDIT_BODY, 201),
    ):
        answer = send(base, key, method, path, json_bytes(body), {"Content-Type": JSON_MEDIA})
        if answer.status != status:
            raise SystemExit(
                f"cannot seed the boundary cases: {method} {path} -> {answer.status} {answer.text[:300]}"
            )


SEEDS.append(seed_catalogue)
