"""`MUTATIONS`: every mutating route the harness runs under faults, assembled from the route
families' `ROUTES` tables (orders, changes, fulfilment, refunds, dialects, catalogue, checkout,
coupon_codes). A new operation's module registers here with one line."""

from __future__ import annotations

from harness.reliability import (
    catalogue,
    changes,
    checkout,
    coupon_codes,
    dialects,
    fulfilment,
    orders,
    refunds,
)
from harness.reliability.cases import Route

#: Mutating route -> its DynamoDB calls and a maker of one request (with an Idempotency-Key where the
#: route takes one).
MUTATIONS: dict[str, Route] = {
    **orders.ROUTES,
    **changes.ROUTES,
    **fulfilment.ROUTES,
    **refunds.ROUTES,
    **dialects.ROUTES,
    **catalogue.ROUTES,
    **checkout.ROUTES,
    **coupon_codes.ROUTES,
}
