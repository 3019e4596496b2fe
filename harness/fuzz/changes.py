"""The changes routes in the fuzz: the sweep's body for an order's PATCH, a JSON Patch of a client
field (else the answer is the body's 400, not the other tenant's order's 404). The PUT and the
batch are swept with an order (`orders.ORDER`), the DELETE with no body."""

from __future__ import annotations

from harness.fuzz.core import BODIES

BODIES[("PATCH", "/orders/{tenantId}/{id}")] = [{"op": "replace", "path": "/notes", "value": "fuzz"}]
