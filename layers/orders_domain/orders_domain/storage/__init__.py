"""DynamoDB and EventBridge behind the domain's ports; imports domain and models, never services or HTTP.

`storage.keys` builds every DynamoDB key and index attribute (and imports nothing of the package),
`storage.faults` translates DynamoDB errors, `storage.codec` items; then one module per store:
`orders`, `pages`, `fulfillments`, `refund_reasons`, `api_keys`, `history`, `coupon_usage`, and
`event_bus` (EventBridge). Only runtime builds a store (`runtime.wiring`); nothing here imports
services, runtime, the HTTP edge, dialects or Powertools. Import the module you need: the authorizer
loads the API key store without the order models.
"""
