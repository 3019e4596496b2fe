"""The search routes in the fuzz: the lookups' path parameters, filled with the values both
tenants' orders share (`FOREIGN_VALUES`: A's lookup must answer A's orders and none of B's; a
lookup's `id` is a party's or a schedule's, not an order's), and the sweep's search body (the shared
contact's orders)."""

from __future__ import annotations

from harness.fuzz.core import BODIES, FOREIGN_VALUES
from harness.fuzz.orders import SHARED_COUPON, SHARED_ID

FOREIGN_VALUES.update(
    {
        "id": SHARED_ID,
        "customerType": "contact",
        "customerId": SHARED_ID,
        "couponType": SHARED_COUPON["coupon_type"],
        "couponId": SHARED_COUPON["coupon_id"],
        "couponCodeId": SHARED_COUPON["coupon_code_id"],
        "status": "awaiting_shipment",
    }
)
BODIES[("POST", "/orders/{tenantId}/search")] = {
    "bill_to_type": "contact",
    "bill_to_contact_id": SHARED_ID,
    "total": ["0.00", None],
}
