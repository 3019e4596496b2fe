"""A tenant's own refund reasons: one item each, in the tenant's reasons partition (keys.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orders_domain.models.refunds import RefundReason
from orders_domain.storage import keys
from orders_domain.storage.codec import typed_key
from orders_domain.storage.faults import translate_store_errors
from orders_domain.storage.pages import query_prefix

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_DOC = "doc"


class DynamoRefundReasons:
    """`ports.RefundReasonStore` on DynamoDB."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    @translate_store_errors
    def reasons(self, tenant_id: str) -> list[RefundReason]:
        """The tenant's reasons by name: a Query on its partition (a tenant has a handful)."""
        items = query_prefix(
            self._client, self._table, keys.refund_reasons_pk(tenant_id), keys.REFUND_REASON_PREFIX
        )
        return [RefundReason.model_validate_json(item[_DOC]["S"]) for item in items]

    @translate_store_errors
    def put(self, tenant_id: str, reason: RefundReason) -> None:
        """Store (or replace) the reason: a PUT of the same reason twice leaves one."""
        item = {
            **typed_key(keys.refund_reason_key(tenant_id, reason.name)),
            "entity": {"S": "refund_reason"},
            _DOC: {"S": reason.model_dump_json()},
        }
        self._client.put_item(TableName=self._table, Item=item)
