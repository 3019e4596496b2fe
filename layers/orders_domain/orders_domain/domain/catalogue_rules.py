"""The catalogue's rules as pure functions (API.md "More of the commerce API"): a product's price for
the options a line picks, how available it is for a quantity, whether a party may buy it, and what a
new order's lines ask of the catalogue (`lines_against`: the checks, and the stock to reserve).

A line names a catalogue product by `product_type` + `product_id`. When the tenant's catalogue holds
it, the line's `unit_price` must be the catalogue's (with the options it picks) and its currency the
order's: the client never sets the price (400 naming the line otherwise); the bill-to party must be
eligible (422 `ineligible`); and a product with limited stock reserves the line's units in the
create's own transaction (409 `sold_out` when fewer are left). A line naming a product the catalogue
does not hold keeps today's behaviour (the client's price, no stock) unless the catalogue is strict
(400 `unknown_product`); a line naming none is as it always was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from orders_domain.domain import vouchers
from orders_domain.domain.errors import FieldError, Ineligible, UnknownProduct, ValidationFailed

if TYPE_CHECKING:
    from orders_domain.models import LineItem, Order, OrderCreateRequest
    from orders_domain.models.catalogue import Product


@dataclass(frozen=True)
class Reservation:
    """Units of one limited-stock product a new order takes: written with the order, or not at all."""

    product_type: str
    product_id: str
    quantity: int
    #: The first line that names the product (what a `sold_out` names).
    field: str
    #: The positions of the request's lines that take these units.
    lines: tuple[int, ...] = ()


class Availability(StrEnum):
    """seeds/003's availability words: enough, little left after this, or not enough."""

    OK = "OK"
    LOW = "LOW"
    SOLD_OUT = "SOLD_OUT"


def availability(product: Product, quantity: int) -> Availability:
    """`SOLD_OUT` when fewer units are available than asked, `LOW` when fewer than the product's
    `low_stock_threshold` would remain, else `OK` (unlimited stock: always `OK`)."""
    left = product.stock_available
    if left is None:
        return Availability.OK
    if left < quantity:
        return Availability.SOLD_OUT
    if left - quantity < product.low_stock_threshold:
        return Availability.LOW
    return Availability.OK


def unit_price(
    product: Product,
    variant_options: Sequence[str] = (),
    modifier_options: Sequence[str] = (),
    *,
    field: str = "products",
) -> Decimal:
    """The product's unit price with the picked options' deltas (by `option_id`); an option the
    product does not offer is a 400 naming it. Never below zero (a discount larger than the price
    makes the unit free, not a credit)."""
    price = product.unit_price
    errors = []
    for kind, picked, offered in (
        ("variant_options", variant_options, product.variant_options),
        ("modifier_options", modifier_options, product.modifier_options),
    ):
        by_id = {option.option_id: option for option in offered}
        for position, option_id in enumerate(picked):
            option = by_id.get(option_id)
            if option is None:
                errors.append(
                    FieldError(f"{field}.{kind}[{position}]", f"the product offers no option '{option_id}'")
                )
            else:
                price += option.price_delta
    if errors:
        raise ValidationFailed("A product option is not one the product offers.", errors=errors)
    return price if price > 0 else Decimal(0).quantize(product.unit_price)


def ineligible_reason(product: Product, party_type: str | None, party_id: str | None) -> str | None:
    """Why the party may not buy the product, or None when it may: eligible when the product has no
    rule, or the party's type is in `customer_types` (when given) and its id in `customer_ids`
    (when given)."""
    rule = product.eligibility
    if rule is None:
        return None
    if rule.customer_types is not None and party_type not in rule.customer_types:
        return f"the product is sold only to customers of type {', '.join(rule.customer_types)}"
    if rule.customer_ids is not None and party_id not in rule.customer_ids:
        return "the product is sold only to the customers it names"
    return None


def named_products(request: OrderCreateRequest) -> list[tuple[str, str]]:
    """The (type, id) of every product the request's lines name, once each, in line order."""
    refs = [
        (li.product_type, li.product_id) for li in request.line_items if li.product_type and li.product_id
    ]
    return list(dict.fromkeys((str(t), str(i)) for t, i in refs))


@dataclass(frozen=True)
class CatalogueLines:
    """What a new order's lines take from the catalogue: the request with the catalogue's prices
    filled in, the stock to reserve, and the product each line names (by the line's position)."""

    request: OrderCreateRequest
    reservations: list[Reservation] = field(default_factory=list)
    products: dict[int, Product] = field(default_factory=dict)
    #: The catalogue's unit price of each line naming a product it holds (with the line's options).
    prices: dict[int, Decimal] = field(default_factory=dict)


def lines_against(
    request: OrderCreateRequest,
    products: Mapping[tuple[str, str], Product],
    *,
    strict: bool,
    unknown_price: Decimal | None = None,
    judge_eligibility: bool = True,
    unchecked: frozenset[int] = frozenset(),
) -> CatalogueLines:
    """Check the request's lines against the catalogue (module docstring): a line that sends no
    `unit_price` takes the catalogue's (`unknown_price` when the catalogue does not hold its product;
    None: a 400). The stock to reserve is one reservation per limited-stock product (its lines'
    units summed; a 400 past MAX_RESERVED_PRODUCTS of them). `judge_eligibility` False: an ineligible
    party is not refused (a preview reports it). `unchecked`: positions of lines whose price an admin
    override sets (the client's is not judged)."""
    wanted: dict[tuple[str, str], tuple[int, str, tuple[int, ...]]] = {}
    found: dict[int, Product] = {}
    prices: dict[int, Decimal] = {}
    errors: list[FieldError] = []
    for index, line in enumerate(request.line_items):
        field_name = f"line_items[{index}]"
        ref = (line.product_type, line.product_id) if line.product_type and line.product_id else None
        product = products.get((str(ref[0]), str(ref[1]))) if ref else None
        if product is None:
            if ref is not None and strict:
                raise UnknownProduct(
                    "A line names a product the catalogue does not hold.",
                    errors=[FieldError(f"{field_name}.product_id", f"no product {ref[0]}/{ref[1]}")],
                )
            if line.unit_price is None:
                if unknown_price is None and index not in unchecked:
                    errors.append(FieldError(f"{field_name}.unit_price", _PRICE_NEEDED))
                prices[index] = unknown_price or Decimal(0)
            continue
        found[index] = product
        price, problems = _line_price(request, index, product)
        errors += [p for p in problems if not (index in unchecked and p.field.endswith(".unit_price"))]
        prices[index] = price
        if product.stock_available is not None:
            units, first, lines = wanted.get(_ref(product), (0, field_name, ()))
            wanted[_ref(product)] = (units + line.quantity, first, (*lines, index))
    if errors:
        raise ValidationFailed("A line's price is not the catalogue's.", errors=errors)
    if judge_eligibility:
        _check_eligible(request, list({_ref(p): p for p in found.values()}.values()))
    vouchers.check_count(request, found)
    reservations = [Reservation(t, i, u, f, lines) for (t, i), (u, f, lines) in wanted.items()]
    if len(reservations) > MAX_RESERVED_PRODUCTS:
        raise ValidationFailed(
            f"An order may take stock of at most {MAX_RESERVED_PRODUCTS} products of limited stock.",
            errors=[
                FieldError(reservations[MAX_RESERVED_PRODUCTS].field, f"past the {MAX_RESERVED_PRODUCTS}th")
            ],
        )
    catalogue_prices = {i: prices[i] for i in found}
    return CatalogueLines(_with_prices(request, prices), reservations, found, catalogue_prices)


_PRICE_NEEDED = "required: the line names no product the catalogue holds"
#: Limited-stock products one order may name: its create, or a later change giving their units back
#: (the order, a fulfillment or refund record, and one stock item per product), is one transaction
#: of at most 100 items.
MAX_RESERVED_PRODUCTS = 98


def _ref(product: Product) -> tuple[str, str]:
    return (product.product_type, product.product_id)


def _with_prices(request: OrderCreateRequest, prices: Mapping[int, Decimal]) -> OrderCreateRequest:
    """The request with the unit price of each line that sent none filled in."""
    missing = {i: p for i, p in prices.items() if request.line_items[i].unit_price is None}
    if not missing:
        return request
    lines = [
        line.model_copy(update={"unit_price": missing[i]}) if i in missing else line
        for i, line in enumerate(request.line_items)
    ]
    return request.model_copy(update={"line_items": lines})


def _line_price(
    request: OrderCreateRequest, index: int, product: Product
) -> tuple[Decimal, list[FieldError]]:
    """The catalogue's unit price of the line, and what is wrong with the line (its currency, or a
    client price that is not the catalogue's)."""
    line, field_name = request.line_items[index], f"line_items[{index}]"
    if product.currency_code != request.currency_code:
        reason = f"the product is sold in {product.currency_code}, not {request.currency_code}"
        return product.unit_price, [FieldError(field_name, reason)]
    picked = [
        [o.option_id or "" for o in options or []]
        for options in (line.variant_options, line.modifier_options)
    ]
    price = unit_price(product, picked[0], picked[1], field=field_name)
    if line.unit_price is not None and line.unit_price != price:
        return price, [FieldError(f"{field_name}.unit_price", f"the catalogue's price is {price}")]
    return price, []


def bill_to(request: OrderCreateRequest) -> tuple[str | None, str | None]:
    """The order's bill-to party as eligibility judges it: (type, id); (None, None) without a type."""
    if request.bill_to_type == "contact":
        return request.bill_to_type, request.bill_to_contact_id
    if request.bill_to_type == "organization":
        return request.bill_to_type, request.bill_to_organization_id
    return None, None


def first_ineligible(request: OrderCreateRequest, products: Iterable[Product]) -> str | None:
    """Why the order's bill-to party may not buy the first of `products` it may not (`<type>/<id>:
    <reason>`), or None: it may buy them all."""
    party_type, party_id = bill_to(request)
    for product in products:
        reason = ineligible_reason(product, party_type, party_id)
        if reason is not None:
            return f"{product.product_type}/{product.product_id}: {reason}"
    return None


def _check_eligible(request: OrderCreateRequest, products: Sequence[Product]) -> None:
    reason = first_ineligible(request, products)
    if reason is not None:
        raise Ineligible(
            "The order's customer may not buy a product it names.", errors=[FieldError("bill_to", reason)]
        )


def live_units(line: LineItem, *, refunds: bool) -> int:
    """Units of a line that still stand: not cancelled and, when `refunds`, not refunded either."""
    gone = line.quantity_cancelled + (line.quantity_returned if refunds else 0)
    return max(0, line.quantity - gone)


def releases(current: Order, changed: Order) -> tuple[Order, list[Reservation]]:
    """What a line holds follows the units that still stand: when a change cancels units of a line
    that reserved stock (cancel, void) or refunds them (when the line's product said
    `release_stock_on_refund` as the order was placed), its `stock_reserved` falls to what is left
    and the difference goes back to the product's stock in the same write; a deal or gift-card
    line's vouchers for units cancelled or refunded are cancelled in the same write. The changed
    order, and the stock to give back."""
    if not any(li.stock_reserved or li.vouchers for li in current.line_items):
        return changed, []  # the common case: nothing of the order holds stock or vouchers
    before = {li.order_line_item_id: li.stock_reserved or 0 for li in current.line_items}
    lines, back, moved = [], [], False
    for position, line in enumerate(changed.line_items):
        update: dict[str, object] = {}
        was = before.get(line.order_line_item_id, 0)
        held = min(was, live_units(line, refunds=bool(line.release_stock_on_refund)))
        if held < was and line.product_type and line.product_id:
            back.append(
                Reservation(line.product_type, line.product_id, was - held, f"line_items[{position}]")
            )
            update["stock_reserved"] = held
        if line.vouchers:
            settled = vouchers.settle(line.vouchers, live_units(line, refunds=True))
            if settled != line.vouchers:
                update["vouchers"] = settled
        lines.append(line.model_copy(update=update) if update else line)
        moved = moved or bool(update)
    if not moved:
        return changed, []
    return changed.model_copy(update={"line_items": lines}), back
