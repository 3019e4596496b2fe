"""The search boundary: the filters of `POST /orders/{tenantId}/search` (API.md) and the list pages.

Ranges are `[low, high]`, both ends inclusive, either end `null` for open; lists match any of their
values; the party fields match exactly. Every filter names a field of the list row
(`SUMMARY_FIELDS`), so a search is answered from index rows, never from whole orders.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from orders_domain.domain.lifecycle import OrderStatus
from orders_domain.models.types import MOMENT_RANGE, InputModel, Int, Money, Number, PartyType, parse_moment

StrList = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=200)]], Field(min_length=1, max_length=100)
]

#: Range filter -> the type of its ends.
_RANGE_TYPES: dict[str, Any] = {
    "date": str,
    "number": int,
    "total": Decimal,
    "amount_paid": Decimal,
    "discounts": Decimal,
    "total_weight": Decimal,
    "balance_due": Decimal,
}


class SearchRequest(InputModel):
    """`POST /orders/{tenantId}/search`: every filter optional; all given filters must hold."""

    date: Annotated[list[str | None] | None, Field(min_length=2, max_length=2)] = None
    number: Annotated[list[Int | None] | None, Field(min_length=2, max_length=2)] = None
    total: Annotated[list[Money | None] | None, Field(min_length=2, max_length=2)] = None
    amount_paid: Annotated[list[Money | None] | None, Field(min_length=2, max_length=2)] = None
    discounts: Annotated[list[Money | None] | None, Field(min_length=2, max_length=2)] = None
    total_weight: Annotated[list[Number | None] | None, Field(min_length=2, max_length=2)] = None
    balance_due: Annotated[list[Money | None] | None, Field(min_length=2, max_length=2)] = None
    id: StrList | None = None
    type: StrList | None = None
    status: Annotated[list[OrderStatus], Field(min_length=1, max_length=20)] | None = None
    purchase_order_number: StrList | None = None
    shipping_method_name: StrList | None = None
    bill_to_type: PartyType | None = None
    ship_to_type: PartyType | None = None
    bill_to_contact_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    bill_to_organization_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    ship_to_contact_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    ship_to_organization_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None

    @model_validator(mode="after")
    def _ranges_are_ordered(self) -> Self:
        for name in _RANGE_TYPES:
            bounds = getattr(self, name)
            if bounds is None:
                continue
            low, high = bounds
            if name == "date":
                moments = [None if b is None else parse_moment(b) for b in bounds]
                for side, (raw, moment) in enumerate(zip(bounds, moments, strict=True)):
                    if raw is not None and moment is None:
                        raise PydanticCustomError(
                            "iso_date", "{field} " + MOMENT_RANGE, {"field": f"date[{side}]"}
                        )
                low, high = moments
            if low is not None and high is not None and low > high:
                raise PydanticCustomError(
                    "range_order", "{field} must be [low, high] with low <= high", {"field": name}
                )
        return self

    def filters(self) -> dict[str, Any]:
        """The filters given (name -> value), for matching and for binding page tokens to the query."""
        return self.model_dump(mode="json", exclude_none=True)


class _Rows(BaseModel):
    model_config = ConfigDict(extra="allow", defer_build=True)


class OrderRowPage(BaseModel):
    """A page of list rows (`SUMMARY_FIELDS` of each order), newest first."""

    model_config = ConfigDict(defer_build=True)

    Count: int = Field(description="Rows on this page (a filtered page may hold fewer than `limit`).")
    Items: list[_Rows] = Field(description="List rows, newest first.")
    LastEvaluatedKey: str | None = Field(
        default=None, description="Pass as `exclusiveStartKey` for the next page; absent on the last page."
    )


Row = dict[str, Any]


def matches(request: SearchRequest, row: Row) -> bool:
    """Whether a list row passes every filter of the request."""
    for name, kind in _RANGE_TYPES.items():
        bounds = getattr(request, name)
        if bounds is not None and not _within(bounds, row.get(name), moments=kind is str):
            return False
    for name in ("id", "type", "status", "purchase_order_number", "shipping_method_name"):
        wanted = getattr(request, name)
        if wanted is not None and row.get(name) not in {str(w) for w in wanted}:
            return False
    for name in (
        "bill_to_type",
        "ship_to_type",
        "bill_to_contact_id",
        "bill_to_organization_id",
        "ship_to_contact_id",
        "ship_to_organization_id",
    ):
        wanted = getattr(request, name)
        if wanted is not None and row.get(name) != wanted:
            return False
    return True


def _within(bounds: tuple[Any, Any], value: Any, *, moments: bool) -> bool:
    """Whether a row's value lies in a range filter's bounds: moments (the upper bound exclusive, to
    the end of its precision) or numbers (both bounds inclusive). A row without the value is outside."""
    if value is None:
        return False
    low, high = bounds
    if moments:
        moment = parse_moment(str(value))
        if moment is None:
            return False
        return not (low is not None and moment < _moment(low)) and not (
            high is not None and moment >= _moment(high, end=True)
        )
    number = Decimal(str(value))
    return not ((low is not None and number < low) or (high is not None and number > high))


def _moment(value: str, *, end: bool = False) -> dt.datetime:
    """A bound of the date range: a date-time as given; a bare high date ends after its whole day."""
    moment = parse_moment(value, end_of_day=end)
    assert moment is not None  # validated by SearchRequest
    if end and len(value) != 10:
        moment += dt.timedelta(microseconds=1)  # inclusive high date-time, compared with `<`
    return moment
