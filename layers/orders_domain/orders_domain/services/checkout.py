"""Read-only answers about an unplaced order or a product, from the tenant's catalogue (API.md "More of
the commerce API"): the preview with its full manifest, availability, price, eligibility and describe.
None of them writes or reserves anything (domain.checkout holds the rules).

What each reads, so a preview of an order that names nothing of the catalogue costs what it did:
the products its lines name and the settings (one BatchGetItem) only when a line names one; the
shipping products (one Query) only for a shippable order; the bill-to party's open credits (one
Query) only when it names one and does not say `do_not_apply_open_credits`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from orders_domain.domain import catalogue_rules, checkout, money, overrides
from orders_domain.domain.catalogue_rules import Availability
from orders_domain.domain.errors import FieldError, UnknownProduct
from orders_domain.domain.ports import CatalogueStore, CreditStore
from orders_domain.models import OrderCreateRequest
from orders_domain.models.catalogue import CatalogueSettings, Product
from orders_domain.models.checkout import DescribedProduct, DescribeRequest, LineAvailability
from orders_domain.services.pricing import PricedOrder, Pricing

if TYPE_CHECKING:
    from orders_domain.models import ManifestError, Order, PreviewManifest
    from orders_domain.models.catalogue import OpenCredit
    from orders_domain.models.overrides import OverrideManifest

Products = Mapping[tuple[str, str], Product]


@dataclass(frozen=True)
class Preview:
    """A preview's answer: the priced order and its manifest, the products it names, and where each
    request line went (`line_item_mappings`)."""

    priced: PricedOrder
    products: list[DescribedProduct]
    line_item_mappings: dict[str, str]


@dataclass
class CheckOrders:
    catalogue: Callable[[], CatalogueStore]
    credits: Callable[[], CreditStore]
    pricing: Pricing

    def _lookup(
        self, request: OrderCreateRequest, tenant_id: str, *, levels: bool = True
    ) -> tuple[Products, CatalogueSettings]:
        refs = catalogue_rules.named_products(request)
        if not refs:
            return {}, CatalogueSettings()
        return self.catalogue().lookup(tenant_id, refs, levels=levels)

    def _priced(
        self,
        request: OrderCreateRequest,
        products: Products,
        actor: str,
        tenant_id: str,
        override: OverrideManifest | None = None,
    ) -> PricedOrder:
        """The order priced as a create would price it (with the admin's override, if any); what a
        create would refuse for the order's state (sold out, ineligible, unknown under a strict
        catalogue) is left to the manifest."""
        lines, record = overrides.checked_lines(
            request,
            products,
            strict=False,
            manifest=override,
            actor=actor,
            unknown_price=Decimal(0),
            judge_eligibility=False,
        )
        priced = self.pricing.preview(lines.request, tenant_id=tenant_id, actor=actor)
        if record is None:
            return priced
        return PricedOrder(
            order=priced.order.model_copy(update={"override": record}), manifest=priced.manifest
        )

    def preview(
        self,
        request: OrderCreateRequest,
        *,
        tenant_id: str,
        actor: str,
        override: OverrideManifest | None = None,
    ) -> Preview:
        products, settings = self._lookup(request, tenant_id)
        priced = self._priced(request, products, actor, tenant_id, override)
        request = overrides.requested(request, override)
        order = priced.order
        levels = checkout.line_availability(request, products)
        found = checkout.issues(request, products, levels, strict=settings.strict)
        shipping = self.catalogue().shipping(tenant_id) if order.shippable else []
        shipping_issue = checkout.shipping_issue(order.shippable, shipping)
        credits, balance = self._open_credits(request, tenant_id)
        manifest = _with_credit(priced.manifest, balance).model_copy(
            update={
                "errors": [
                    *priced.manifest.errors,
                    *_errors(order, [*found, *filter(None, [shipping_issue])]),
                ],
                "open_credits": credits,
                "open_credit_balance": balance,
                "shipping_options": shipping,
                "product_availability": _rows(levels, [li.order_line_item_id for li in order.line_items]),
            }
        )
        return Preview(
            priced=PricedOrder(order=order, manifest=manifest),
            products=_described(request, products),
            line_item_mappings={str(i): li.order_line_item_id for i, li in enumerate(order.line_items)},
        )

    def _open_credits(self, request: OrderCreateRequest, tenant_id: str) -> tuple[list[OpenCredit], Decimal]:
        party_type, party_id = catalogue_rules.bill_to(request)
        if party_type is None or party_id is None or request.do_not_apply_open_credits:
            return [], money.ZERO
        held = self.credits().of_customer(tenant_id, party_type, party_id)
        return checkout.open_credits(held, request.currency_code)

    def availability(self, request: OrderCreateRequest, *, tenant_id: str) -> list[LineAvailability]:
        products, _ = self._lookup(request, tenant_id)
        levels = checkout.line_availability(request, products)
        return _rows(levels, [li.order_line_item_id for li in request.line_items])

    def price(self, request: OrderCreateRequest, *, tenant_id: str, actor: str) -> Decimal:
        products, _ = self._lookup(request, tenant_id, levels=False)  # a price needs no stock
        return self._priced(request, products, actor, tenant_id).order.total

    def eligibility(self, request: OrderCreateRequest, *, tenant_id: str) -> str | None:
        products, _ = self._lookup(request, tenant_id, levels=False)  # nor does eligibility
        return checkout.eligibility(request, products)

    def describe(self, request: DescribeRequest, *, tenant_id: str) -> list[DescribedProduct]:
        """Each product asked for, priced with its options for the customer; one the catalogue does
        not hold is a 400 `unknown_product` naming it."""
        refs = [(p.type, p.id) for p in request.products]
        products = self.catalogue().get_many(tenant_id, refs)
        missing = [
            FieldError(f"products[{i}]", f"no product {t}/{p}")
            for i, (t, p) in enumerate(refs)
            if (t, p) not in products
        ]
        if missing:
            raise UnknownProduct("The catalogue holds no such product.", errors=missing)
        answers = []
        for i, asked in enumerate(request.products):
            product = products[(asked.type, asked.id)]
            price = catalogue_rules.unit_price(
                product,
                [o.option_id for o in asked.variant_options],
                [o.option_id for o in asked.modifier_options],
                field=f"products[{i}]",
            )
            answers.append(_describe(product, price, request.customer_type, request.customer_id, 1))
        return answers


def _describe(
    product: Product, price: Decimal, party_type: str | None, party_id: str | None, units: int
) -> DescribedProduct:
    return DescribedProduct(
        type=product.product_type,
        id=product.product_id,
        price=price,
        ineligible=catalogue_rules.ineligible_reason(product, party_type, party_id) is not None,
        availability=catalogue_rules.availability(product, units).value,
    )


def _described(request: OrderCreateRequest, products: Products) -> list[DescribedProduct]:
    """The catalogue products the order names, once each, as describe answers them (for the units the
    order asks of each)."""
    party_type, party_id = catalogue_rules.bill_to(request)
    units: dict[tuple[str, str], int] = {}
    for line in request.line_items:
        ref = (str(line.product_type), str(line.product_id))
        if ref in products:
            units[ref] = units.get(ref, 0) + line.quantity
    return [
        _describe(products[ref], products[ref].unit_price, party_type, party_id, count)
        for ref, count in units.items()
    ]


def _errors(order: Order, issues: list[checkout.Issue]) -> list[ManifestError]:
    from orders_domain.models import ManifestError

    return [
        ManifestError(
            code=issue.code,
            order_line_item_id=None
            if issue.line is None
            else order.line_items[issue.line].order_line_item_id,
            message=issue.message,
        )
        for issue in issues
    ]


def _rows(
    levels: Sequence[tuple[int, Availability]], line_ids: Sequence[str | None]
) -> list[LineAvailability]:
    """`product_availability` rows: each line's availability, named by the id it has (as sent, or as
    the previewed order gives it)."""
    return [
        LineAvailability(order_line_item_id=line_ids[i], line_number=i + 1, status=level.value)
        for i, level in levels
    ]


def _with_credit(manifest: PreviewManifest, balance: Decimal) -> PreviewManifest:
    """What is due at checkout, less what the open credits cover (never below zero); the payments due
    fall in their order by what the credits cover."""
    due = manifest.total_amount_due_at_checkout
    applied = min(balance, due)
    if applied <= 0:
        return manifest
    left, payments = applied, []
    for payment in manifest.payments_due:
        covered = min(left, payment.amount_due)
        left -= covered
        if payment.amount_due > covered:
            payments.append(payment.model_copy(update={"amount_due": payment.amount_due - covered}))
    return manifest.model_copy(
        update={
            "total_amount_due_at_checkout": due - applied,
            "primary_amount_due_at_checkout": max(
                money.ZERO, manifest.primary_amount_due_at_checkout - applied
            ),
            "payments_due": payments,
        }
    )
