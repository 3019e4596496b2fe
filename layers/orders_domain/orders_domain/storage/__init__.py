"""DynamoDB implementations of the domain's ports; the only package that calls DynamoDB."""

from orders_domain.storage.api_keys import DynamoApiKeyStore
from orders_domain.storage.codec import is_throttling, throttled
from orders_domain.storage.orders import DynamoOrderRepository, OrderRecord

__all__ = ["DynamoApiKeyStore", "DynamoOrderRepository", "OrderRecord", "is_throttling", "throttled"]
