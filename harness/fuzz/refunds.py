"""The refunds routes in the fuzz: a refund reason's name (`FOREIGN_VALUES["name"]`: both tenants
define one by this name, B's describing B's marker; `orders.seed` writes them), and the sweep's
bodies for a refund, a reason's PUT and the coupon-code action (issue 32).

The coupon-code action (`POST /orders/{tenantId}/{id}/coupon-codes/{couponCodeId}/actions`, a
write: a refund) is an order-id route (under `/orders/{tenantId}/{id}`); its `couponCodeId` is the
code of the coupon every seeded order of both tenants carries (`FOREIGN_VALUES["couponCodeId"]`,
search.py), so A's key naming B's order and that code reaches a real coupon if isolation fails: it
must be a 404 that refunds nothing (B's view, read before and after, would show the refund).
schemathesis draws the order (A's orders with that coupon) and the code together (`FOCUSED`)."""

from __future__ import annotations

from harness.fuzz.core import BODIES, FOCUSED, FOREIGN_VALUES

# a refund reason of the tenant's own: both tenants define one by this name (B's says B's marker)
FOREIGN_VALUES["name"] = "FuzzReason"
BODIES[("POST", "/orders/{tenantId}/{id}/refunds")] = {
    "refund_reason_name": "ChangedMindCannotMakeShow",
    "line_numbers": [1],
}
BODIES[("PUT", "/orders/{tenantId}/refund-reasons/{name}")] = {"description": "fuzz"}
COUPON_CODE_ACTION = "/orders/{tenantId}/{id}/coupon-codes/{couponCodeId}/actions"
BODIES[("POST", COUPON_CODE_ACTION)] = {"action": "refund"}
FOCUSED[COUPON_CODE_ACTION] = {"path.id": "party_order_ids", "path.couponCodeId": "shared_couponCodeId"}
