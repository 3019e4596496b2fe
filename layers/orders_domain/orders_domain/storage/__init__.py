"""DynamoDB implementations of the domain's ports; the only package that calls DynamoDB.

`storage.orders` (orders), `storage.api_keys` (API keys), `storage.codec` (items, errors). Import the
module you need: the authorizer loads the API key store without the order models.
"""
