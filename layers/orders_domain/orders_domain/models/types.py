"""Scalar types, field markers and the two model bases shared by every boundary.

- Money is `Money` (a finite `Decimal`), never a float; other numbers that get stored (weights, rates,
  coordinates, custom numeric values) are `Number`, since DynamoDB refuses floats. Every number must
  fit DynamoDB's number type (38 significant digits, magnitude 1E-128..1E+126). Floats in free-form JSON
  (`payload`, `table_value`) become `Decimal` on validation.
- JSON types are strict where a coercion would hide a client's mistake: `Int` refuses booleans and
  strings (`"quantity": true` is not 1), `Bool` refuses anything but a boolean (`"yes"` is not true).
  Money and other numbers still accept numeric strings (`"10.50"`), as documented.
- Server-owned fields carry a marker, `SERVER` (the client never writes it; responses carry it) or
  `INTERNAL` (never written by the client, never sent to it). models.orders derives the one list of
  server-owned fields from those markers.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    SerializationInfo,
    Strict,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from orders_domain.domain import jsonio

#: Client-given amounts stay below this, so sums over 500 lines of 1,000,000 units stay exact in the
#: default 28-digit decimal context, and a JSON number parsed through float keeps every digit.
MAX_AMOUNT = Decimal(10**12)

#: Free-form JSON deeper than this is refused (DynamoDB allows 32 levels in the whole item).
MAX_JSON_DEPTH = 16

#: The most bytes an order may take in the largest item it is written into (storage.orders): its JSON
#: text escaped once more as a JSON string in ASCII, as a keyed request's stored answer holds it.
MAX_ORDER_STORED_BYTES = 350_000


def stored_bytes(text: str) -> int:
    """The bytes a JSON text takes escaped once more as a JSON string in ASCII (every `"` two bytes,
    a character beyond ASCII six or twelve): what a keyed request's stored answer holds."""
    return len(json.dumps(text))


def fits_stored(text: str) -> bool:
    """Whether a JSON text fits MAX_ORDER_STORED_BYTES as stored. A character escapes to at most 12
    bytes, so a text that short needs no measuring (an ordinary order: no extra pass on the write path)."""
    return len(text) * 12 + 2 <= MAX_ORDER_STORED_BYTES or stored_bytes(text) <= MAX_ORDER_STORED_BYTES


# ------------------------------------------------------------------ who owns a field
@dataclass(frozen=True)
class Owner:
    """Field marker: who writes the field and whether clients see it."""

    kind: Literal["server", "internal"]


#: Set by the server only; sent in responses.
SERVER = Owner("server")
#: Set by the server only; kept in storage, never sent.
INTERNAL = Owner("internal")


def marked(model: type[BaseModel], *markers: Owner) -> frozenset[str]:
    """Names of the model's fields that carry one of the markers."""
    return frozenset(
        name
        for name, info in model.model_fields.items()
        if any(m in markers for m in info.metadata if isinstance(m, Owner))
    )


# ------------------------------------------------------------------ numbers
def _storable(value: Decimal) -> Decimal:
    """Refuse numbers DynamoDB cannot hold (over 38 significant digits, magnitude outside 1E-128..1E+126).
    A zero has no sign: `-0.0` is stored and answered as `0.0`."""
    if value.is_zero():
        return value.copy_abs()
    if not -128 <= value.adjusted() <= 125:
        raise PydanticCustomError("number_out_of_range", "Number is too large or too small")
    # Runs on every Decimal of every model: a text of 38 characters cannot hold 39 digits, so the
    # digit tuple is only built for the rare long ones.
    if len(str(value)) > 38 and len(value.as_tuple().digits) > 38:
        raise PydanticCustomError("number_too_precise", "Number has more than 38 significant digits")
    return value


class _StorableNumber:
    """A Decimal as the service holds it, in one annotation (each field builds faster with one):

    - validated: a plain decimal when sent as a string (`_plain_decimal`, before pydantic's own
      checks), finite and storable in DynamoDB (`_storable`, after them);
    - serialised: in JSON a string, exact (storage), or a marked string that becomes a JSON number
      (responses, `_decimal_to_json`);
    - documented: a JSON number (pydantic says string). The HTTP layer writes Decimals as JSON
      numbers digit for digit, so the documented type is `number` (local/openapi.py turns any
      bounds left in pydantic's short form into JSON Schema's).
    """

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_before_validator_function(
            _plain_decimal,
            core_schema.no_info_after_validator_function(_storable, handler(source)),
            serialization=core_schema.plain_serializer_function_ser_schema(
                _decimal_to_json, info_arg=True, when_used="json"
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # The same schema in both directions (bounds included): the API reads and writes the same
        # JSON number, and a model used by requests and responses stays one OpenAPI component
        # instead of `-Input` / `-Output` variants that functions would document differently.
        # (pydantic keeps the mode on its generator; pydantic is pinned, and the OpenAPI tests fail
        # if this stops working.)
        generator = getattr(handler, "generate_json_schema", None)
        mode = getattr(generator, "_mode", None)
        if generator is not None and mode is not None:
            generator._mode = "validation"
        try:
            schema = handler(core_schema)
        finally:
            if generator is not None and mode is not None:
                generator._mode = mode
        branches = schema.get("anyOf", [schema])
        number = next((b for b in branches if b.get("type") == "number"), None)
        if number is None:
            number = {k: v for k, v in schema.items() if k not in ("pattern", "type", "anyOf")}
        return {**number, "type": "number"}


#: A number sent as a string is a plain decimal (ASCII digits, one optional sign, point and exponent):
#: Python's Decimal would also read " 10 ", "1_000" and Arabic-Indic digits, which a client cannot
#: have meant as an amount.
_PLAIN_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?", re.ASCII)


def _plain_decimal(value: Any) -> Any:
    if type(value) is str and not _PLAIN_DECIMAL.fullmatch(value):
        raise PydanticCustomError("decimal_parsing", "Input should be a plain decimal number, e.g. 10.50")
    return value


def _whole_number(value: Any) -> Any:
    """An integer field takes JSON integers only: not booleans, not strings."""
    if isinstance(value, bool | str):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


def _decimal_to_json(value: Decimal, info: SerializationInfo) -> str:
    """In JSON a Decimal is a string (exact; storage reads it back), or with the `jsonio.NUMBERS`
    context a marked string that `jsonio.unmark` turns into a JSON number (responses)."""
    if info.context and info.context.get(jsonio.NUMBERS):
        return jsonio.number_token(value)
    return str(value)


#: Money: a finite Decimal (never a float).
#: The annotation every stored Decimal ends with. A bounded number puts its bounds in the Field
#: before it (`Annotated[Decimal, Field(allow_inf_nan=False, ge=0), StoredNumber]`): bounds added
#: after it (`Annotated[Money, Field(ge=0)]`) are enforced but missing from the OpenAPI document.
StoredNumber = _StorableNumber
Money = Annotated[Decimal, Field(allow_inf_nan=False), _StorableNumber]
#: Any other stored number that is not money (weight, exchange rate, coordinates, ...).
Number = Annotated[Decimal, Field(allow_inf_nan=False), _StorableNumber]

# Every number a client sends is bounded where its field is declared, so no later arithmetic can
# leave the 28-digit decimal context or DynamoDB's number type: amounts below MAX_AMOUNT, quantities
# up to 1,000,000, 500 lines; and these two, which multiply amounts and quantities:
#: The most a unit of weight may be: a line's weight times 1,000,000 units, times 500 lines, stays exact.
MAX_WEIGHT = Decimal(10**9)
#: Exchange rates are above zero and at most this (an order total times a rate stays in range).
MAX_EXCHANGE_RATE = Decimal(10**6)
#: A unit's weight (>= 0, at most MAX_WEIGHT).
Weight = Annotated[Decimal, Field(allow_inf_nan=False, ge=0, le=MAX_WEIGHT), StoredNumber]
#: An exchange rate (> 0, at most MAX_EXCHANGE_RATE).
Rate = Annotated[Decimal, Field(allow_inf_nan=False, gt=0, le=MAX_EXCHANGE_RATE), StoredNumber]
#: An integer: a JSON integer, never a boolean or a string.
Int = Annotated[int, BeforeValidator(_whole_number)]
#: A boolean: `true` or `false`, never "yes", 1 or "true".
Bool = Annotated[bool, Strict()]
#: Enum-like strings the API does not close (payment types, methods, ...).
ShortStr = Annotated[str, Field(max_length=100)]
#: Who a party reference points at.
PartyType = Literal["organization", "contact"]


def _json_to_storable(value: Any, depth: int = 0) -> Any:
    """Floats -> Decimal in free-form JSON, so it can be stored; refuse NaN, Infinity, deep nesting."""
    if depth > MAX_JSON_DEPTH:
        raise PydanticCustomError("json_too_deep", "JSON value is nested too deeply")
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise PydanticCustomError("finite_number", "Input should be a finite number")
        return _storable(Decimal(repr(value)))
    if isinstance(value, int):
        return int(_storable(Decimal(value)))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise PydanticCustomError("finite_number", "Input should be a finite number")
        return _storable(value)
    if isinstance(value, dict):
        return {k: _json_to_storable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_to_storable(v, depth + 1) for v in value]
    return value


def _marked_numbers(value: Any) -> Any:
    if isinstance(value, Decimal):
        return jsonio.number_token(value)
    if isinstance(value, dict):
        return {k: _marked_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_marked_numbers(v) for v in value]
    return value


def _free_json(value: dict[str, Any], info: SerializationInfo) -> Any:
    """A client's numbers stay numbers: with the `jsonio.NUMBERS` or `jsonio.FREE_NUMBERS` context,
    marked strings that `jsonio.unmark` turns back into JSON numbers (else pydantic's strings)."""
    if info.context and (info.context.get(jsonio.NUMBERS) or info.context.get(jsonio.FREE_NUMBERS)):
        return _marked_numbers(value)
    return value


#: A free-form JSON object (`payload`, table rows).
JsonObject = Annotated[
    dict[str, Any],
    AfterValidator(_json_to_storable),
    PlainSerializer(_free_json, return_type=dict[str, Any], when_used="json"),
]


# ------------------------------------------------------------------ moments
#: Every date a request carries (an order's dates, search ranges, fulfillment filters, `asOf`) falls
#: in these years, so every conversion the service makes -- to UTC from any offset (at most a day),
#: a bare date's next day, an inclusive end's next microsecond -- stays inside the calendar (years
#: 1..9999): a date outside is a 400, never a fault, and no stored date can make a read fail.
EARLIEST = dt.datetime(2, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(9998, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)
MOMENT_RANGE = "must be an ISO-8601 date or date-time from 0002-01-01 to 9998-12-31"


def in_calendar(moment: dt.datetime) -> dt.datetime | None:
    """The moment in UTC (no zone: UTC), or None when it falls outside EARLIEST..LATEST."""
    try:
        utc = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        return None
    return utc if EARLIEST <= utc <= LATEST else None


def parse_moment(value: str, *, end_of_day: bool = False) -> dt.datetime | None:
    """An ISO 8601 date or date-time as an aware UTC time in the calendar (no zone: UTC); a bare date
    is its first moment, or with `end_of_day` the first moment of the next day (an exclusive end).
    None if it is not ISO 8601 or falls outside EARLIEST..LATEST."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            start = in_calendar(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC))
            return start + dt.timedelta(days=1) if start is not None and end_of_day else start
        return in_calendar(dt.datetime.fromisoformat(text))
    except ValueError:
        return None


def utc_text(moment: dt.datetime) -> str:
    """How a moment is stored and answered: ISO 8601 in UTC with `Z`."""
    return moment.isoformat().replace("+00:00", "Z")


def _calendar_moment(value: dt.datetime) -> dt.datetime:
    moment = in_calendar(value)
    if moment is None:
        raise PydanticCustomError("date_range", MOMENT_RANGE)
    return moment


#: A date-time a client sends: ISO 8601, normalised to UTC, within EARLIEST..LATEST (else 400).
Moment = Annotated[dt.datetime, AfterValidator(_calendar_moment)]


# ------------------------------------------------------------------ lists of ids
#: The pydantic error type of an id named twice in one list; field_errors.validation_problem makes
#: it a 422 (the request is well-formed, but would count one line, unit or fulfillment twice).
DUPLICATE_ID = "duplicate_id"


def repeat_at(ids: Any) -> tuple[int, Any] | None:
    """Where an id is first named a second time in `ids` (its position and the id), or None; None
    entries (ids a request leaves to the server) never repeat."""
    seen: set[Any] = set()
    for position, value in enumerate(ids):
        if value is None:
            continue
        if value in seen:
            return position, value
        seen.add(value)
    return None


def refuse_repeats(ids: Any) -> None:
    """One rule for every list of ids a request carries: each id at most once."""
    twice = repeat_at(ids)
    if twice is not None:
        raise PydanticCustomError(DUPLICATE_ID, "names {id} more than once", {"id": twice[1]})


def _unique(values: list[Any]) -> list[Any]:
    refuse_repeats(values)
    return values


#: A list of ids (lines, line numbers, fulfillments) in which no id repeats.
UniqueIds = AfterValidator(_unique)


def unique_by(attribute: str) -> AfterValidator:
    """A list of objects in which no two name the same `attribute` (e.g. a line's id)."""

    def check(items: list[Any] | None) -> list[Any] | None:
        if items:
            refuse_repeats(getattr(item, attribute) for item in items)
        return items

    return AfterValidator(check)


# ------------------------------------------------------------------ bases
# `defer_build`: a model's validator is built when it is first used, not at import, so a cold
# start pays only for the models its route touches (get never builds the create request's).


class InputModel(BaseModel):
    """Base of request models: unknown fields are errors, strings are capped."""

    model_config = ConfigDict(extra="forbid", str_max_length=10_000, defer_build=True)

    def __repr__(self) -> str:
        # Powertools logs every route's arguments at debug level through an f-string, evaluated
        # even with debug off: the default repr of a 10-line order costs a quarter of a millisecond
        # on every create, and would put customers' names and addresses in debug logs.
        return f"{type(self).__name__}(<{len(self.model_fields_set)} fields set>)"


class DomainModel(BaseModel):
    """Base of domain models."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
