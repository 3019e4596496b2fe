"""History and the stream in the fuzz: each tenant's first order gets versions 2 and 3 and the run's
stream records go through the order_stream handler (`with_history`: history entries, coupon rows),
so the history route, `asOf` and the coupon lookups reach real rows; `stream_consumer` runs the
poller `make serve` runs while schemathesis and the boundary cases write; `history_probes` asks
for B's history with A's key."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise
from typing import Any
from urllib.parse import urlencode

from harness.fuzz import client
from harness.fuzz.core import ROOT, Tenant, fill


def with_history(base: str, running: Any, tenants: list[Tenant]) -> None:
    """Versions 2 and 3 of each tenant's first order, the run's stream through the order_stream
    handler (history entries, coupon rows; events to a recording publisher), then each tenant's
    first history page token and moments between its first order's versions."""
    from harness import stream_replay as replay

    for tenant in tenants:
        replay.add_versions(tenant.tenant_id, tenant.order_ids[:1], by=tenant.marker)
    replay.install_publisher(replay.RecordingPublisher())
    with replay.quiet():
        replay.Consumer().deliver(replay.stream_records(running.admin, running.tables["OrdersTable"]))
    for tenant in tenants:
        path = f"/orders/{tenant.tenant_id}/{tenant.order_ids[0]}/history"
        status, text = client.call(base, "GET", path + "?limit=1", tenant.key)
        token = json.loads(text).get("LastEvaluatedKey") if status == 200 else None
        if not token:
            raise SystemExit(f"no history page token for {tenant.tenant_id}: {status} {text[:300]}")
        tenant.history_tokens.append(token)
        status, text = client.call(base, "GET", path, tenant.key)
        tenant.moments = between([entry["at"] for entry in json.loads(text)["Items"]])


@contextmanager
def stream_consumer(running: Any) -> Iterator[None]:
    """The order_stream poller `make serve` runs, on the run's table, while the block runs."""
    from local.stream import order_stream_poller
    from local.tables import load_template

    template = load_template(ROOT / "template.yaml")
    table = running.tables["OrdersTable"]
    poller = order_stream_poller(running.admin.meta.endpoint_url, table, template, None).start()
    try:
        yield
    finally:
        poller.stop()


def between(instants: list[str]) -> list[str]:
    """The moments halfway between consecutive instants (ISO 8601), as UTC ISO 8601 (pure)."""
    from datetime import UTC, datetime

    parsed = [datetime.fromisoformat(i.replace("Z", "+00:00")) for i in instants]
    return [
        (a + (b - a) / 2).astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
        for a, b in pairwise(parsed)
    ]


def history_probes(
    template_path: str, queries: set[Any], a: Tenant, b: Tenant
) -> list[tuple[str, str, set[int]]]:
    """(label, path with its query, the statuses allowed) for A's key: B's orders as they stood at
    a moment of B's history, and page tokens of B's order and of another of A's orders (pure)."""
    probes = []
    own = fill(template_path, {"tenantId": a.tenant_id, "id": a.order_ids[0]})
    if "asOf" in queries:
        for foreign in (b.order_ids[0], f"token-{b.tokens[0]}"):
            path = fill(template_path, {"tenantId": a.tenant_id, "id": foreign})
            for moment in b.moments:
                probes.append(("other tenant's order asOf", f"{path}?{urlencode({'asOf': moment})}", {404}))
    if "after" in queries:
        other_own = fill(template_path, {"tenantId": a.tenant_id, "id": a.order_ids[1]})
        foreign = fill(template_path, {"tenantId": a.tenant_id, "id": b.order_ids[0]})
        for token in b.history_tokens:
            probes.append(("other tenant's page token", f"{own}?{urlencode({'after': token})}", {400}))
            # B's token is bound to B (400) and the order is B's (404): either check may answer first.
            probes.append(
                ("other tenant's order and token", f"{foreign}?{urlencode({'after': token})}", {400, 404})
            )
        for token in a.history_tokens:
            probes.append(("another order's page token", f"{other_own}?{urlencode({'after': token})}", {400}))
    return probes
