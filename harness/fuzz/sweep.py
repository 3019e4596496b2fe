"""The tenant sweep, generated from the OpenAPI document: every operation with no key (401), with
B's key on A's path (403), with A's key and B's ids, tokens and values (404, or A's rows only), and
no answer may carry a byte of the other tenant's data (`tenant_sweep`); the route families add their
probes (`dialects.dialect_probes`, `stream.history_probes`, `orders.page_token_probes`,
`fulfilment.fulfillment_list_probes`, and every maker of `core.FAMILY_PROBES`: the catalogue's, whose
paths, `core.SELF_SWEPT`, get no generic probe of A's own). `tenant_view` reads B's data (its
catalogue too), so a change to it after the sweep, schemathesis or the boundary cases is counted as a
leak (`changed`)."""

from __future__ import annotations

import json
from typing import Any

from harness.fuzz import client
from harness.fuzz.catalogue import catalogue_view_paths
from harness.fuzz.core import (
    BODIES,
    FAMILY_PROBES,
    FOREIGN_VALUES,
    OWNED_IDS,
    SELF_SWEPT,
    Sweep,
    Tenant,
    answered_rows,
    fill,
    is_order_id_route,
    is_tenant_from_key,
    own_ids,
    path_parameters,
    shared_path,
)
from harness.fuzz.dialects import DISTRIBUTION_KEY_HEADER, DISTRIBUTION_PLACE, THEATRE_REASONS, dialect_probes
from harness.fuzz.fulfilment import fulfillment_list_probes
from harness.fuzz.orders import ORDER, page_token_probes
from harness.fuzz.stream import history_probes


def tenant_view(base: str, tenant: Tenant) -> dict[str, str]:
    """The tenant's orders, fulfillments, distribution orders (as the distribution API shows them)
    and refund reasons (as the theatre API lists them) as its own key reads them: request -> status
    and body."""
    paths = view_paths(tenant)
    view = {}
    for path in paths:
        status, text = client.call(base, "GET", path, tenant.key)
        view[path] = f"{status} {text}"
    return view


def view_paths(tenant: Tenant) -> list[str]:
    """What `tenant_view` reads (pure)."""
    paths = [f"/orders/{tenant.tenant_id}/{order_id}?consistentRead=true" for order_id in tenant.order_ids]
    paths += [f"/orders/{tenant.tenant_id}/fulfillments/{f}" for f in tenant.fulfillment_ids]
    paths.append(f"/orders/{tenant.tenant_id}/fulfillments?limit=100")
    paths += [f"{DISTRIBUTION_PLACE}/{d}" for d in tenant.distribution_ids]
    paths += catalogue_view_paths(tenant)
    paths.append(THEATRE_REASONS)
    return paths


def changed(before: dict[str, str], after: dict[str, str], when: str) -> list[str]:
    """What reads differently now (pure)."""
    return [f"{when}: GET {path} changed" for path in before if after.get(path) != before[path]]


def tenant_sweep(base: str, document: dict[str, Any], a: Tenant, b: Tenant) -> Sweep:
    sweep = Sweep()
    #: key -> the other tenant's values a 2xx write of that key carried (so they are its own data now)
    written: dict[str, set[str]] = {}

    def probe(
        label: str,
        method: str,
        path: str,
        key: str | None,
        expected: set[int],
        body: Any,
        *,
        rows: bool | None = None,
        headers: dict[str, str] | None = None,
        holds: str | None = None,
    ) -> None:
        if headers is None:
            status, text = client.call(base, method, path, key, body)
        else:
            status, text = client.call(base, method, path, key, body, headers=headers)
        sweep.requests += 1
        where = f"{label}: {method} {path} -> {status}"
        if headers is not None:
            where += f" ({', '.join(f'{k}: {v}' for k, v in headers.items())})"
        if status >= 500:
            sweep.server_errors.append(where)
        # What the request itself carried may be echoed ("Order <id> was not found."): not a leak.
        sent = path + (body if isinstance(body, str) else json.dumps(body))
        # Nothing of another tenant than the key's (without a key: of either) may be answered.
        asking = key or (headers or {}).get(DISTRIBUTION_KEY_HEADER)
        others = [tenant for tenant in (a, b) if tenant.key != asking]
        secrets = [secret for other in others for secret in other.secrets()]
        # ... but what the asker's own accepted writes put in its own data (an order of A naming B's
        # product id, which A's whole orders now show in every list): A's data, not B's.
        if body is not None and asking is not None and 200 <= status < 300:
            carried = body if isinstance(body, str) else json.dumps(body)  # its body: what it wrote
            written.setdefault(asking, set()).update(secret for secret in secrets if secret in carried)
        mine = written.get(asking or "", set())
        if any(secret in text for secret in secrets if secret not in sent and secret not in mine):
            sweep.leaks.append(where)
        elif status not in expected:
            (sweep.leaks if 200 <= status < 300 else sweep.unexpected).append(where)
        elif rows and not answered_rows(text):
            # Nothing found proves nothing: the shared values must find A's own orders.
            sweep.unexpected.append(f"{where} with no rows")
        elif rows is False and answered_rows(text):
            # B's values must find nothing: A's rows would be a filter that ignores them.
            sweep.unexpected.append(f"{where} with rows")
        elif holds is not None and holds not in text:
            # The asker's own data must be there: an answer without it proves nothing.
            sweep.unexpected.append(f"{where} without its own data")

    for template_path, operations in document["paths"].items():
        order_route = is_order_id_route(template_path)
        owned = [p for p in path_parameters(template_path) if p in OWNED_IDS]
        others = [p for p in path_parameters(template_path) if p not in ("tenantId", "id", *owned)]
        if order_route:
            own = shared_path(template_path, a, {**own_ids(template_path, a), "id": a.order_ids[0]})
        else:
            own = shared_path(template_path, a, own_ids(template_path, a))
            others.extend(p for p in path_parameters(template_path) if p == "id")
        missing = [p for p in others if p not in FOREIGN_VALUES]
        if missing:
            sweep.unexpected.append(f"{template_path}: no FOREIGN_VALUES for {', '.join(missing)}")
        if is_tenant_from_key(template_path):
            for method in operations:
                for one in dialect_probes(method.upper(), template_path, a, b):
                    probe(
                        one.label,
                        method.upper(),
                        one.path,
                        one.key,
                        one.expected,
                        one.body,
                        rows=one.rows,
                        headers=one.headers,
                        holds=one.holds,
                    )
            continue
        for method in operations:
            verb = method.upper()
            body = BODIES.get((verb, template_path), ORDER if verb in ("POST", "PUT", "PATCH") else None)
            queries = {
                p.get("name") for p in operations[method].get("parameters", []) if p.get("in") == "query"
            }
            probe("no key", verb, own, None, {401}, body)
            probe("other tenant's key", verb, own, b.key, {403}, body)
            if template_path in SELF_SWEPT:
                pass  # its family's probes (`FAMILY_PROBES`, below) ask A's own requests
            elif order_route:
                for foreign in (b.order_ids[0], f"token-{b.tokens[0]}"):
                    path = fill(template_path, {**FOREIGN_VALUES, "tenantId": a.tenant_id, "id": foreign})
                    probe("other tenant's id", verb, path, a.key, {404}, body)
                for label, path, expected in history_probes(template_path, queries, a, b):
                    probe(label, verb, path, a.key, expected, body)
            elif owned:
                # A's own row is there; B's, asked for on A's path, is not.
                for label, path, expected in owned_id_probes(verb, template_path, a, b):
                    probe(label, verb, path, a.key, expected, body)
            elif others:
                # B's orders share these values: A's answer lists A's orders, none of B's.
                probe("shared values", verb, own, a.key, {200}, body, rows=True)
            elif verb == "GET" or (verb, template_path) in BODIES:
                probe("own read", verb, own, a.key, {200}, body, rows=True)
            else:
                # No id to swap: the answer to A's own request must still hold nothing of B's.
                probe("own route", verb, own, a.key, set(range(200, 500)), body)
            for label, path, expected in page_token_probes(verb, template_path, own, queries, a, b):
                probe(label, verb, path, a.key, expected, body)
            for label, path, expected, has_rows in fulfillment_list_probes(own, queries, a, b):
                probe(label, verb, path, a.key, expected, body, rows=has_rows)
            for make in FAMILY_PROBES:
                for one in make(verb, template_path, queries, a, b):
                    probe(
                        one.label,
                        verb,
                        one.path,
                        one.key,
                        one.expected,
                        one.body,
                        rows=one.rows,
                        headers=one.headers,
                        holds=one.holds,
                    )
    return sweep


def owned_id_probes(method: str, template_path: str, a: Tenant, b: Tenant) -> list[tuple[str, str, set[int]]]:
    """(label, path, the statuses allowed) for A's key on a path with `OWNED_IDS` parameters: each of
    B's ids on A's path (404), and on a GET A's own first (200) (pure)."""
    owned = [p for p in path_parameters(template_path) if p in OWNED_IDS]
    mine = {**own_ids(template_path, a), "id": a.order_ids[0] if a.order_ids else "x"}
    probes = []
    if method == "GET" and set(owned) <= set(mine):
        probes.append(("own row", shared_path(template_path, a, mine), {200}))
    for parameter in owned:
        for foreign in b.owned(parameter):
            path = shared_path(template_path, a, {**mine, parameter: foreign})
            probes.append((f"other tenant's {parameter}", path, {404}))
    return probes
