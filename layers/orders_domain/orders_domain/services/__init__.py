"""Domain services, one module per operation; each depends on ports only (no HTTP, no boto3)."""

from orders_domain.services.create import CreateOrders, CreateResult, create_fingerprint
from orders_domain.services.pricing import PricedOrder, Pricing
from orders_domain.services.read import ReadOrders

__all__ = ["CreateOrders", "CreateResult", "PricedOrder", "Pricing", "ReadOrders", "create_fingerprint"]
