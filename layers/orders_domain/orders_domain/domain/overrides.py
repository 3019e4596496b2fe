"""Admin overrides (API.md "More of the commerce API"; seeds/003's override create and preview): an
admin places (or prices) an order whose lines' unit price, quantity or total are set by an
`override_manifest` instead of the catalogue or the client.

An override line names the order's line by its `order_line_item_id`. Its quantity replaces the line's
before the catalogue is asked, so the stock reserved (and the vouchers issued) follow the overridden
quantity; its unit price replaces the catalogue's (or the client's) after the line has been checked
against the catalogue, which gives the original figure recorded. `override_total` is the line's units
in all, before coupons and taxes: the unit price is the total over the quantity, and must come out in
whole minor units of the order's currency (else a 400 naming it); sent with `override_unit_price`, the
two must agree. The order keeps `override: {by_key_id, lines: [{order_line_item_id,
original_unit_price, original_quantity, override_...}]}`; pricing then keeps every money rule (a total
that would fall below zero is refused as for any order).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from orders_domain.domain import catalogue_rules, money
from orders_domain.domain.catalogue_rules import CatalogueLines
from orders_domain.domain.errors import FieldError, ValidationFailed

if TYPE_CHECKING:
    from orders_domain.models import OrderCreateRequest
    from orders_domain.models.catalogue import Product
    from orders_domain.models.orders import OrderOverride
    from orders_domain.models.overrides import OverrideLine, OverrideManifest


def _positions(request: OrderCreateRequest, manifest: OverrideManifest) -> dict[int, OverrideLine]:
    """Each override line by the position of the order line it names; a 400 naming every one that
    names no line of the order."""
    by_id = {
        line.order_line_item_id: i for i, line in enumerate(request.line_items) if line.order_line_item_id
    }
    errors = [
        FieldError(f"override_manifest.line_items[{j}].order_line_item_id", "names no line of the order")
        for j, entry in enumerate(manifest.line_items)
        if entry.order_line_item_id not in by_id
    ]
    if errors:
        raise ValidationFailed("An override line names no line of the order.", errors=errors)
    return {by_id[entry.order_line_item_id]: entry for entry in manifest.line_items}


def _with_quantities(request: OrderCreateRequest, chosen: Mapping[int, OverrideLine]) -> OrderCreateRequest:
    lines = [
        line.model_copy(update={"quantity": chosen[i].override_quantity})
        if i in chosen and chosen[i].override_quantity is not None
        else line
        for i, line in enumerate(request.line_items)
    ]
    return request.model_copy(update={"line_items": lines})


def requested(request: OrderCreateRequest, manifest: OverrideManifest | None) -> OrderCreateRequest:
    """The order as the override asks for it, before prices: its overridden quantities (what a
    preview's availability and manifest judge)."""
    return request if manifest is None else _with_quantities(request, _positions(request, manifest))


def _unit_price(entry: OverrideLine, quantity: int, currency: str, at: str) -> Decimal | None:
    """The unit price an override line sets (None: it keeps the line's)."""
    price = entry.override_unit_price
    if entry.override_total is None:
        return price
    unit = (entry.override_total / quantity).quantize(money.quantum(currency))
    if unit * quantity != entry.override_total:
        raise ValidationFailed(
            "An override total must be a whole number of minor units per unit.",
            errors=[FieldError(f"{at}.override_total", f"is not {quantity} units of a price in {currency}")],
        )
    if price is not None and price != unit:
        raise ValidationFailed(
            "An override's unit price and total disagree.",
            errors=[FieldError(f"{at}.override_total", f"is not {quantity} x {price}")],
        )
    return unit


def checked_lines(
    request: OrderCreateRequest,
    products: Mapping[tuple[str, str], Product],
    *,
    strict: bool,
    manifest: OverrideManifest | None,
    actor: str,
    unknown_price: Decimal | None = None,
    judge_eligibility: bool = True,
) -> tuple[CatalogueLines, OrderOverride | None]:
    """`catalogue_rules.lines_against` for a create or a preview, with the admin's override applied
    (module docstring) when there is one: the lines, and what the order records of the override."""
    if manifest is None:
        found = catalogue_rules.lines_against(
            request, products, strict=strict, unknown_price=unknown_price, judge_eligibility=judge_eligibility
        )
        return found, None
    from orders_domain.models.orders import OrderOverride, OverriddenLine

    chosen = _positions(request, manifest)
    priced = frozenset(
        i for i, e in chosen.items() if e.override_unit_price is not None or e.override_total is not None
    )
    found = catalogue_rules.lines_against(
        _with_quantities(request, chosen),
        products,
        strict=strict,
        unknown_price=unknown_price,
        judge_eligibility=judge_eligibility,
        unchecked=priced,
    )
    lines, recorded = list(found.request.line_items), []
    for position, entry in sorted(chosen.items()):
        line = lines[position]
        at = f"override_manifest.line_items[{manifest.line_items.index(entry)}]"
        unit = _unit_price(entry, line.quantity, request.currency_code, at)
        original = found.prices.get(position, request.line_items[position].unit_price or Decimal(0))
        recorded.append(
            OverriddenLine(
                order_line_item_id=entry.order_line_item_id,
                original_unit_price=original,
                original_quantity=request.line_items[position].quantity,
                override_unit_price=entry.override_unit_price,
                override_quantity=entry.override_quantity,
                override_total=entry.override_total,
            )
        )
        if unit is not None:
            lines[position] = line.model_copy(update={"unit_price": unit})
    overridden = found.request.model_copy(update={"line_items": lines})
    return (
        CatalogueLines(overridden, found.reservations, found.products, found.prices),
        OrderOverride(by_key_id=actor, lines=recorded),
    )
