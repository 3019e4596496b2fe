"""The response boundary: an order as clients see it (HAL links, field projection, ETag, Location)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from orders_domain.domain import jsonio, order_text, portal
from orders_domain.domain.errors import BadRequest, FieldError
from orders_domain.domain.order_text import etag_of
from orders_domain.models import RESPONSE_EXCLUDED_FIELDS, Order

if TYPE_CHECKING:
    from orders_domain.domain.history_entries import HistoryEntry


def etag(order: Order) -> str:
    """The `ETag` of an order response: its `sys_version`, quoted."""
    return etag_of(order.sys_version)


def order_headers(order: Order, *, location_base: str | None = None) -> dict[str, str]:
    """`ETag`, and `Location` (the order's URL under `location_base`, the request's own path)."""
    headers = {"ETag": etag(order)}
    if location_base is not None:
        headers["Location"] = f"{location_base.rstrip('/')}/{order.id}"
    return headers


def page_json(items: Sequence[Any], next_token: str | None) -> str:
    """The envelope of every paged list: `Count`, `Items`, `LastEvaluatedKey` (null on the last page)."""
    return jsonio.dumps({"Count": len(items), "Items": list(items), "LastEvaluatedKey": next_token})


def texts_page_json(texts: Sequence[str], next_token: str | None) -> str:
    """`page_json` of items already written as JSON text (whole orders from `order_json`)."""
    return f'{{"Count":{len(texts)},"Items":[{",".join(texts)}],"LastEvaluatedKey":{json.dumps(next_token)}}}'


def portal_order_body(
    order: Order, party_type: str, party_id: str, fields: str | None = None
) -> dict[str, Any]:
    """An order as a customer portal shows it to the party (domain.portal decides what it leaves
    out), with its portal `self` link, optionally projected."""
    hidden = portal.hidden_fields(order, party_type, party_id)
    body = order.model_dump(mode="python", exclude_none=True, exclude=set(RESPONSE_EXCLUDED_FIELDS) | hidden)
    body = portal.portal_view(body, hidden)
    path = f"/orders/{order.tenant_id}/portal/{party_type}/{quote(party_id, safe='')}/{order.id}"
    body["_links"] = {"self": {"href": path}}
    return project(body, fields) if fields else body


def project_rows(
    rows: Sequence[dict[str, Any]], fields: str | None, known: Iterable[str], keep: str
) -> list[dict[str, Any]]:
    """`fields=a,b` on list rows: those (and `keep`, the row's id) of each; a name rows do not carry is
    a 400; `fields` naming nothing keeps whole rows."""
    wanted = {name.strip() for name in (fields or "").split(",") if name.strip()}
    if not wanted:
        return list(rows)
    unknown = sorted(wanted - set(known))
    if unknown:
        raise BadRequest(
            "fields names fields the rows of this list do not carry.",
            errors=[FieldError("fields", f"unknown field {name!r}") for name in unknown],
        )
    wanted.add(keep)
    return [{name: row[name] for name in row if name in wanted} for row in rows]


def rows_as_orders(rows: Sequence[dict[str, Any]], fields: str | None) -> list[dict[str, Any]] | None:
    """Whole orders projected to `fields`, from their list rows, when the rows carry every field named
    (top-level names of both the row and the order response, no `a.b`): what `order_body(order,
    fields)` gives for each row's order as the row saw it, without reading the orders. None when the
    rows cannot answer (no `fields`, a name they lack, or one `project` refuses: its 400 is `project`'s)."""
    if not rows_answer(fields):
        return None
    heads = list(dict.fromkeys(name.strip() for name in (fields or "").split(",") if name.strip()))
    return [{"id": row.get("id"), **{name: row[name] for name in heads if name in row}} for row in rows]


def rows_answer(fields: str | None) -> bool:
    """Whether list rows can answer whole orders projected to `fields` (`rows_as_orders`): it names
    something, and only fields a list row carries."""
    wanted = {name.strip() for name in (fields or "").split(",") if name.strip()}
    return bool(wanted) and wanted <= _row_answerable()


def history_page_json(entries: Sequence[HistoryEntry], next_token: str | None) -> str:
    """A page of history entries in the API's envelope (`HistoryPage`)."""
    return page_json(
        [
            {
                "sys_version": entry.version,
                "event": entry.event.value,
                "at": entry.at,
                "changed_fields": list(entry.changed),
                **({"by": entry.actor} if entry.actor else {}),
                **({"override": entry.override} if entry.override is not None else {}),
            }
            for entry in entries
        ],
        next_token,
    )


def order_json(order: Order, fields: str | None = None) -> str:
    """The JSON text of an order response: the order's answer (domain.order_text, what storage keeps
    and a plain GET serves), or with `fields` its projection."""
    if fields:
        return jsonio.dumps(order_body(order, fields))
    return order_text.order_text(order)


def order_body(order: Order, fields: str | None = None) -> dict[str, Any]:
    """The JSON-ready body of an order (Decimals kept exact), optionally projected.

    Its shape is `OrderResponse` (the OpenAPI document's schema): the order's own fields
    without the internal ones, plus `_links`.
    """
    body = order.model_dump(mode="python", exclude_none=True, exclude=set(RESPONSE_EXCLUDED_FIELDS))
    body["_links"] = order_text.links_for(order)
    return project(body, fields) if fields else body


def project(body: dict[str, Any], fields: str) -> dict[str, Any]:
    """`fields=a,b,line_items.sku`: keep those (and `id`); unknown names are a 400; none named, all."""
    wanted: dict[str, set[str]] = {}
    for raw in fields.split(","):
        name = raw.strip()
        if not name:
            continue
        head, _, rest = name.partition(".")
        wanted.setdefault(head, set())
        if rest:
            wanted[head].add(rest)
    if not wanted:
        return body
    unknown = sorted(set(wanted) - _response_fields())
    if unknown:
        raise BadRequest(
            "fields names unknown order fields.",
            errors=[FieldError("fields", f"unknown field {name!r}") for name in unknown],
        )
    out: dict[str, Any] = {"id": body.get("id")}
    for head, subfields in wanted.items():
        if head not in body:
            continue
        value = body[head]
        if subfields and isinstance(value, list):
            value = [_pick(v, subfields) for v in value]
        elif subfields and isinstance(value, dict):
            value = _pick(value, subfields)
        out[head] = value
    return out


@functools.cache
def _response_fields() -> frozenset[str]:
    """The top-level names of an order response (`OrderResponse`'s: the order's fields but the
    internal ones, and `_links`), from the order's field table: no response model is built for it
    (a list page's or a get's first `fields=` would otherwise pay for a second model of the order)."""
    names = {
        info.alias or name
        for name, info in Order.model_fields.items()
        if name not in RESPONSE_EXCLUDED_FIELDS
    }
    return frozenset({*names, "_links"})


@functools.cache
def _row_answerable() -> frozenset[str]:
    """The order response's fields a list row carries (SUMMARY_FIELDS), with the same values."""
    from orders_domain.models.orders import SUMMARY_FIELDS

    return SUMMARY_FIELDS & _response_fields()


def _pick(value: Any, names: set[str]) -> Any:
    return {k: v for k, v in value.items() if k in names} if isinstance(value, dict) else value
