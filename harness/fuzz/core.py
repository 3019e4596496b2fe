"""The fuzz's shared tables and helpers: the two tenants (`Tenant`: what only each one's data
holds), the sweep's record (`Sweep`, `Probe`), the tables each route family fills when it is
imported (`FOREIGN_VALUES`, `OWNED_IDS`, `ORDER_ID_ROUTES`, `BODIES`), and what the sweep and
schemathesis' config read from a path template (pure)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parents[2]
RESULTS = "security-results.json"
TENANT_A, TENANT_B = "tenant-a", "tenant-b"
#: Path parameters that are not order ids -> the value both tenants' orders share. A route whose
#: ids are not order ids adds its id parameter here (`id` is one outside `ORDER_ID_ROUTES`): the
#: lookups' (search.py), a refund reason's name (refunds.py).
FOREIGN_VALUES: dict[str, str] = {}
#: Path parameters naming a row that belongs to one tenant -> the `Tenant` field holding the tenant's
#: (the sweep asks for B's with A's key: 404; schemathesis draws A's): fulfilment.py's `fulfillmentId`.
OWNED_IDS: dict[str, str] = {}
#: Where `{id}` is an order id (or `token-<token>`): these paths and the paths under them (orders.py's,
#: fulfilment.py's void and close, dialects.py's `DIALECT_ORDER_ID_ROUTES`).
ORDER_ID_ROUTES: list[str] = []
#: The sweep's body where an order is not the request: a search for the shared contact's orders, a
#: JSON Patch of a client field, a fulfil, a cancel and a fulfillment's tracking change (else the
#: answer is the body's 400, not the order's or the fulfillment's 404); each route family adds its
#: routes' (changes.py, search.py, fulfilment.py, refunds.py, dialects.py).
BODIES: dict[tuple[str, str], Any] = {}
#: What a route family asks of an operation beyond the sweep's own probes (the catalogue's: its
#: products, stock, settings and credits, catalogue.py): (METHOD, path template, its query parameters,
#: A, B) -> probes, each sent with its own key; [] for an operation it does not concern.
FAMILY_PROBES: list[Callable[[str, str, set[Any], Tenant, Tenant], list[Probe]]] = []
#: Paths whose family sweeps A's own requests itself (`FAMILY_PROBES`): the sweep still sends them
#: with no key and with B's key, but neither its shared-values nor its own-read probe (an upsert by
#: id, a DELETE, a 201 the generic probes cannot judge).
SELF_SWEPT: set[str] = set()
#: How often schemathesis takes `id`, `after`, `asOf`, `fulfillmentId`, ... from A's own values instead
#: of generating one.
DRAWN = 0.3
#: Operations whose request reaches a real row only when several of its values are A's at once (a
#: theatre product's order id and line number, a portal order's party and order id, the notification's
#: `order_id` in its body): path -> {schemathesis parameter (`path.id`, `body.order_id`): the
#: dictionary drawn from (`schemathesis_run.schemathesis_config`'s)}, each drawn `FOCUSED_DRAWN` of the
#: time (at `DRAWN` each, both A's together would be too rare to reach the row in a QUICK run).
FOCUSED: dict[str, dict[str, str]] = {}
FOCUSED_DRAWN = 0.5


@dataclass
class Tenant:
    tenant_id: str
    key: str
    order_ids: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    marker: str = field(default_factory=lambda: f"marker-{uuid.uuid4().hex}")
    #: `LastEvaluatedKey` of the first history page (one entry) of the first order.
    history_tokens: list[str] = field(default_factory=list)
    #: Moments between the first order's versions (ISO 8601, UTC), for `asOf`.
    moments: list[str] = field(default_factory=list)
    #: `LastEvaluatedKey` of the first page (one row) of the tenant's list.
    page_tokens: list[str] = field(default_factory=list)
    #: Its fulfillments' ids (`<order id>.<n>`) and tracking numbers.
    fulfillment_ids: list[str] = field(default_factory=list)
    tracking_numbers: list[str] = field(default_factory=list)
    #: Its distribution order's id (`DISTRIBUTION_NUMBER`; also in `order_ids`, its token in `tokens`).
    distribution_ids: list[str] = field(default_factory=list)
    #: Its catalogue (catalogue.py): the ids of products only it has (of the fuzz's product type), its
    #: open credits' ids, `LastEvaluatedKey` of its product list's first page (one row), and its order
    #: holding stock of the product both tenants have (also in `order_ids`).
    product_ids: list[str] = field(default_factory=list)
    credit_ids: list[str] = field(default_factory=list)
    catalogue_tokens: list[str] = field(default_factory=list)
    stock_order_ids: list[str] = field(default_factory=list)
    #: Its orders billed or shipped to the shared party (`orders.SEEDED`; also in `order_ids`): the
    #: shared contact's and organization's, what a portal key of that party sees (portal.py).
    party_order_ids: list[str] = field(default_factory=list)
    #: Its paid theatre ticket order (dialects.py `TICKET`, fulfilled; also in `order_ids`): a product
    #: with a pass and a payment, so the theatre sub-resources answer 200 for it.
    ticket_ids: list[str] = field(default_factory=list)

    def secrets(self) -> list[str]:
        """Values that only this tenant's data contains."""
        return [
            *self.order_ids,
            *self.tokens,
            *self.history_tokens,
            *self.page_tokens,
            *self.fulfillment_ids,
            *self.tracking_numbers,
            *self.product_ids,
            *self.credit_ids,
            *self.catalogue_tokens,
            self.marker,
        ]

    def owned(self, parameter: str) -> list[str]:
        """The tenant's ids for an `OWNED_IDS` path parameter."""
        values: list[str] = getattr(self, OWNED_IDS[parameter])
        return values


@dataclass
class Sweep:
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)


class Probe(NamedTuple):
    """One request of the sweep on a dialect route: the statuses allowed, and what the answer must
    hold (`rows`, as in the sweep; `holds`: a value of the asking tenant's own)."""

    label: str
    path: str
    key: str | None
    expected: set[int]
    body: Any = None
    headers: dict[str, str] | None = None
    rows: bool | None = None
    holds: str | None = None


def fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: values.get(m.group(1), "x"), path)


def path_parameters(path: str) -> list[str]:
    return re.findall(r"\{([^}]+)\}", path)


def is_order_id_route(path: str) -> bool:
    """Whether the path's `{id}` is an order id: a path of `ORDER_ID_ROUTES` or under one (pure)."""
    return any(path == route or path.startswith(route + "/") for route in ORDER_ID_ROUTES)


def is_tenant_from_key(path: str) -> bool:
    """Whether the path names no tenant: a source dialect's, acting for the key's own tenant (pure)."""
    return "tenantId" not in path_parameters(path)


def lookup_id_paths(paths: list[str]) -> list[str]:
    """The paths whose `{id}` is not an order id (a party's, a schedule's) (pure)."""
    return [p for p in paths if "id" in path_parameters(p) and not is_order_id_route(p)]


def shared_path(template_path: str, tenant: Tenant, ids: dict[str, str] | None = None) -> str:
    """The tenant's path with `ids` for their parameters and every other parameter the value both
    tenants share (pure)."""
    return fill(template_path, {**FOREIGN_VALUES, **(ids or {}), "tenantId": tenant.tenant_id})


def own_ids(template_path: str, tenant: Tenant) -> dict[str, str]:
    """The tenant's first id for each `OWNED_IDS` parameter of the path it has one of (pure)."""
    return {
        p: tenant.owned(p)[0] for p in path_parameters(template_path) if p in OWNED_IDS and tenant.owned(p)
    }


def answered_rows(text: str) -> bool:
    """Whether an answer holds rows: a page envelope's `Count` above 0 or a list's `data` not empty
    (any other answer counts)."""
    try:
        answer = json.loads(text)
    except ValueError:
        return True
    return not (isinstance(answer, dict) and (answer.get("Count") == 0 or answer.get("data") == []))
