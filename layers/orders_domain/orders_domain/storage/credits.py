"""Customers' open credits in the orders table: the only code that reads or writes them.

A customer's credits share one partition (keys.credits_pk), one item each under its id; the tenant's
credit numbers come from a counter of their own (keys.credit_number_counter_key). A grant whose id
is its request's keyed write id is written once: a rerun finds the first write and answers it,
without taking another number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from orders_domain.models.catalogue import OpenCredit
from orders_domain.storage import keys
from orders_domain.storage.codec import condition_failed, typed_key
from orders_domain.storage.faults import translate_store_errors
from orders_domain.storage.pages import query_prefix

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_DOC = "doc"


class DynamoCredits:
    """`ports.CreditStore` on DynamoDB."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _key(self, credit: OpenCredit) -> dict[str, str]:
        return keys.credit_key(credit.tenant_id, credit.customer_type, credit.customer_id, credit.id)

    @translate_store_errors
    def find(self, credit: OpenCredit) -> OpenCredit | None:
        """The stored credit of `credit`'s customer and id (a consistent read), or None."""
        out = self._client.get_item(
            TableName=self._table, Key=typed_key(self._key(credit)), ConsistentRead=True
        )
        item = out.get("Item")
        return OpenCredit.model_validate_json(item[_DOC]["S"]) if item else None

    @translate_store_errors
    def next_number(self, tenant_id: str) -> int:
        """The tenant's next credit number: an atomic counter, never given twice (a failed grant: a gap)."""
        out = self._client.update_item(
            TableName=self._table,
            Key=typed_key(keys.credit_number_counter_key(tenant_id)),
            UpdateExpression="ADD #n :one SET entity = :entity",
            ExpressionAttributeNames={"#n": "last_number"},
            ExpressionAttributeValues={":one": {"N": "1"}, ":entity": {"S": "counter"}},
            ReturnValues="UPDATED_NEW",
        )
        return int(out["Attributes"]["last_number"]["N"])

    @translate_store_errors
    def add(self, credit: OpenCredit) -> OpenCredit:
        """Write the credit unless its id is taken; the credit stored under that id either way."""
        item = {
            **typed_key(self._key(credit)),
            "entity": {"S": "open_credit"},
            _DOC: {"S": credit.model_dump_json()},
        }
        try:
            self._client.put_item(
                TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(PK)"
            )
        except ClientError as exc:
            if not condition_failed(exc):
                raise
            return self.find(credit) or credit
        return credit

    @translate_store_errors
    def of_customer(self, tenant_id: str, customer_type: str, customer_id: str) -> list[OpenCredit]:
        """The customer's credits, by number."""
        pk = keys.credits_pk(tenant_id, customer_type, customer_id)
        items = query_prefix(self._client, self._table, pk, keys.CREDIT_PREFIX)
        credits = [OpenCredit.model_validate_json(item[_DOC]["S"]) for item in items]
        return sorted(credits, key=lambda c: c.number)
