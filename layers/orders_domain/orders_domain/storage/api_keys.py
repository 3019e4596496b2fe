"""API key items: the key's SHA-256 hash (never the key), its tenant and scopes, plus an id pointer.

Two items per key, written together: `APIKEY#<hash>` (what the authorizer reads) and
`APIKEYID#<key id>` (so an operator can revoke by the non-secret id that logs show). The first also
holds the key's usage plan and its tenant's API Gateway key in it (`usage_key`), so the authorizer
learns both from the one read it already makes (and caches).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from orders_domain.domain.ports import ApiKeyRecord
from orders_domain.storage import keys
from orders_domain.storage.codec import condition_failed, deserialize, serialize
from orders_domain.storage.faults import translate_store_errors

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoApiKeyStore:
    """`ports.ApiKeyStore` on the orders table."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    @translate_store_errors
    def get(self, key_hash: str) -> ApiKeyRecord | None:
        out = self._client.get_item(TableName=self._table, Key=serialize(keys.api_key_key(key_hash)))
        if "Item" not in out:
            return None
        data = deserialize(out["Item"])
        return ApiKeyRecord(
            key_hash=key_hash,
            tenant_id=data["tenant_id"],
            scopes=tuple(data.get("scopes", [])),
            key_id=data["key_id"],
            active=bool(data.get("active", True)),
            party=(str(data["party_type"]), str(data["party_id"])) if "party_type" in data else None,
            plan=str(data["plan"]) if "plan" in data else None,
            usage_key=str(data["usage_key"]) if "usage_key" in data else None,
        )

    @translate_store_errors
    def put(self, record: ApiKeyRecord) -> None:
        item: dict[str, Any] = {
            **keys.api_key_key(record.key_hash),
            "entity": "api_key",
            "tenant_id": record.tenant_id,
            "scopes": list(record.scopes),
            "key_id": record.key_id,
            "active": record.active,
        }
        if record.party is not None:
            item["party_type"], item["party_id"] = record.party
        if record.plan is not None:
            item["plan"] = record.plan
        if record.usage_key is not None:
            item["usage_key"] = record.usage_key
        pointer = {**keys.api_key_id_key(record.key_id), "entity": "api_key_id", "key_hash": record.key_hash}
        self._client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": self._table, "Item": serialize(item)}},
                {"Put": {"TableName": self._table, "Item": serialize(pointer)}},
            ]
        )

    @translate_store_errors
    def revoke(self, key_id: str) -> bool:
        out = self._client.get_item(
            TableName=self._table, Key=serialize(keys.api_key_id_key(key_id)), ConsistentRead=True
        )
        if "Item" not in out:
            return False
        key_hash = str(deserialize(out["Item"])["key_hash"])
        try:
            self._client.update_item(
                TableName=self._table,
                Key=serialize(keys.api_key_key(key_hash)),
                UpdateExpression="SET active = :no",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeValues=serialize({":no": False}),
            )
        except ClientError as exc:
            if condition_failed(exc):
                return False
            raise
        return True
