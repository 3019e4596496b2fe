"""An order's answer as JSON text: what every order response is, and what storage keeps (issue 36).

`order_text(order)` is the body of GET /orders/{tenantId}/{id}: the order's fields but the internal
ones (RESPONSE_EXCLUDED_FIELDS), Decimals as JSON numbers digit for digit (`body_text`), and HAL
`_links` (the actions the lifecycle allows now: `actions`, `links_of`). Storage writes the body text
and the allowed actions when the order is written (storage/orders.py), so a plain GET answers them
joined (`with_links`): no validation and no serialisation on the read path, and no link text stored
(it would repeat the order's path six times in every item).

A text stored once must stay the answer a fresh rendering would give. `RENDER_VERSION` names this
module's rendering; it is stored with the text, and a stored text of another version is rendered
again from its order when read. A test pins a fingerprint of everything the text depends on (the
order's schema, this module, the lifecycle, the number encoding): a change to any of them fails
there until RENDER_VERSION is bumped with the new fingerprint.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from orders_domain.domain import jsonio, lifecycle
from orders_domain.domain.lifecycle import Operation
from orders_domain.models import RESPONSE_EXCLUDED_FIELDS, Order


@dataclass(frozen=True)
class OrderAnswer:
    """What a plain GET of an order answers: its text (`order_text`), its version (the ETag), and
    whether the order is deleted (then there is no answer: 404)."""

    text: str
    version: int
    deleted: bool


#: The rendering's version, stored beside each text (module docstring).
RENDER_VERSION = 1

#: Link relation -> the operation it offers; present only while the lifecycle allows it.
_ACTION_LINKS: tuple[tuple[str, Operation, str], ...] = (
    ("fulfill", Operation.FULFIL, "/fulfill"),
    ("cancel", Operation.CANCEL, "/cancel"),
    ("refunds", Operation.REFUND, "/refunds"),
    ("will-call-check", Operation.WILL_CALL_CHECK, "/will-call-check"),
)


def order_path(order: Order) -> str:
    return f"/orders/{order.tenant_id}/{order.id}"


def etag_of(version: int) -> str:
    """The `ETag` of an order response: its `sys_version`, quoted."""
    return f'"{version}"'


def actions(order: Order) -> tuple[str, ...]:
    """The link relations of the actions the order's state allows now (the lifecycle decides)."""
    return tuple(rel for rel, operation, _ in _ACTION_LINKS if lifecycle.allowed(operation, order))


def links_of(tenant_id: str, order_id: str, allowed: Sequence[str]) -> dict[str, dict[str, str]]:
    """`self`, `fulfillments`, plus a link for each of the `allowed` action relations."""
    base = f"/orders/{tenant_id}/{order_id}"
    links = {
        "self": {"href": base},
        "fulfillments": {"href": f"/orders/{tenant_id}/fulfillments?order_id={order_id}"},
    }
    for rel, _, suffix in _ACTION_LINKS:
        if rel in allowed:
            links[rel] = {"href": base + suffix}
    return links


def links_for(order: Order) -> dict[str, dict[str, str]]:
    """The order's `_links` as its state allows them now."""
    return links_of(order.tenant_id, order.id, actions(order))


def body_text(order: Order) -> str:
    """The order's answer without its `_links`: the order's fields but the internal ones, in one
    pydantic pass (Decimals marked, then unmarked into JSON numbers, digit for digit)."""
    text = order.model_dump_json(
        exclude_none=True, exclude=set(RESPONSE_EXCLUDED_FIELDS), context={jsonio.NUMBERS: True}
    )
    return jsonio.unmark(text)


def with_links(body: str, links: dict[str, dict[str, str]]) -> str:
    """An answer's text: `body_text` with `_links` as its last member (what `jsonio.dumps` of the
    order's body with its links gives)."""
    return f'{body[:-1]},"_links":{json.dumps(links, separators=(",", ":"), ensure_ascii=False)}}}'


def order_text(order: Order) -> str:
    """The JSON text of the order's answer (module docstring)."""
    return with_links(body_text(order), links_for(order))
