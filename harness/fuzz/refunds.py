"""The refunds routes in the fuzz: a refund reason's name (`FOREIGN_VALUES["name"]`: both tenants
define one by this name, B's describing B's marker; `orders.seed` writes them), and the sweep's
bodies for a refund and a reason's PUT."""

from __future__ import annotations

from harness.fuzz.core import BODIES, FOREIGN_VALUES

# a refund reason of the tenant's own: both tenants define one by this name (B's says B's marker)
FOREIGN_VALUES["name"] = "FuzzReason"
BODIES[("POST", "/orders/{tenantId}/{id}/refunds")] = {
    "refund_reason_name": "ChangedMindCannotMakeShow",
    "line_numbers": [1],
}
BODIES[("PUT", "/orders/{tenantId}/refund-reasons/{name}")] = {"description": "fuzz"}
