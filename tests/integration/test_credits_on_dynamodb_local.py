"""Open credits on DynamoDB Local (issue 31): a keyed grant whose idempotency record is lost is still
granted once (the credit's id is the request's keyed write id), numbers never repeat under
concurrent grants, and one customer's credits are never another's."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

import boto3
from orders_domain.models.catalogue import CreditInput
from orders_domain.services.catalogue import KeepCatalogue
from orders_domain.storage.catalogue import DynamoCatalogue
from orders_domain.storage.credits import DynamoCredits

T = "tenant-a"
NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def keep(tables: dict[str, str], endpoint: str) -> KeepCatalogue:
    client = boto3.client("dynamodb", endpoint_url=endpoint)
    table = tables["OrdersTable"]
    return KeepCatalogue(DynamoCatalogue(client, table), DynamoCredits(client, table))


def grant(customer_id: str = "c-1", amount: str = "10.00") -> CreditInput:
    body = {"customer_type": "contact", "customer_id": customer_id, "amount": amount, "currency_code": "USD"}
    return CreditInput.model_validate(body)


def test_given_a_keyed_grant_run_twice_then_one_credit_with_one_number(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    service = keep(tables, dynamodb_endpoint)
    first = service.grant_credit(T, grant(), write_key="k" * 32, now=NOW)
    # a rerun after the idempotency record was lost: the same keyed write id
    again = service.grant_credit(T, grant(), write_key="k" * 32, now=NOW)
    assert again == first
    assert [c.number for c in service.credits_of(T, "contact", "c-1")] == [1]
    assert service.grant_credit(T, grant(), write_key=None, now=NOW).number == 2


def test_given_20_concurrent_grants_then_20_credits_with_20_different_numbers(
    tables: dict[str, str], dynamodb_endpoint: str
) -> None:
    service = keep(tables, dynamodb_endpoint)
    with ThreadPoolExecutor(max_workers=10) as pool:
        granted = list(
            pool.map(
                lambda n: service.grant_credit(T, grant(f"c-{n % 2}"), write_key=None, now=NOW), range(20)
            )
        )
    assert sorted(c.number for c in granted) == list(range(1, 21))
    listed = service.credits_of(T, "contact", "c-0") + service.credits_of(T, "contact", "c-1")
    assert len(listed) == 20
    assert {c.amount_available for c in listed} == {Decimal("10.00")}
    assert service.credits_of("tenant-b", "contact", "c-0") == []
