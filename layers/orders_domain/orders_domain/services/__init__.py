"""Use cases, one module per operation, on the ports; imports domain and models: no storage, HTTP, boto3.

Their pure rules live in the domain room (`domain.fulfil_rules`, `domain.refund_rules`, ...); a
service reads and writes through `domain.ports` only, never through storage, the wiring, the HTTP
edge, dialects, boto3 or Powertools. Every change of an order is a `write_loop.Mutation` (a value:
what it checks, what it makes, what it writes beside the order) run by `write_loop.WriteLoop`.
"""

from orders_domain.services.create import CreateOrders, CreateResult, create_fingerprint
from orders_domain.services.pricing import PricedOrder, Pricing
from orders_domain.services.read import ReadOrders

__all__ = ["CreateOrders", "CreateResult", "PricedOrder", "Pricing", "ReadOrders", "create_fingerprint"]
