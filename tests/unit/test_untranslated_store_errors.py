"""The resolver's last handler: a DynamoDB error that reached it untranslated (storage translates its
own; this is the safety net) is still the problem a client can act on — throttling a 429, a store that
did not answer a 503, each with Retry-After — and anything else a 500, as before."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from orders_domain.runtime import wiring

from tests.helpers import body_of, get_event_for, header_of, invoke

pytestmark = pytest.mark.usefixtures("tables")


def _client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "GetItem")


class Wrapped(Exception):
    """An error of ours raised from a store error (its cause)."""


@pytest.mark.parametrize(
    ("raised", "status", "code"),
    [
        (_client_error("ThrottlingException"), 429, "throttled"),
        (_client_error("ProvisionedThroughputExceededException"), 429, "throttled"),
        (_client_error("InternalServerError"), 503, "service_unavailable"),
        (EndpointConnectionError(endpoint_url="http://x"), 503, "service_unavailable"),
        (Wrapped("cause"), 503, "service_unavailable"),
        (_client_error("ValidationException"), 500, "internal_error"),
        (RuntimeError("boom"), 500, "internal_error"),
    ],
)
def test_given_a_store_error_no_storage_method_translated_when_a_get_meets_it_then_the_answer_is_its_problem(
    monkeypatch: pytest.MonkeyPatch, raised: Exception, status: int, code: str
) -> None:
    # GIVEN the order store raising the error as it is (not through storage.faults)
    def get(*_args: Any, **_kwargs: Any) -> None:
        if isinstance(raised, Wrapped):
            raise raised from _client_error("ServiceUnavailable")
        raise raised

    for read in ("get", "get_answer"):  # the plain GET reads the stored answer (issue 36)
        monkeypatch.setattr(wiring.current().orders, read, get)
    # WHEN a GET meets it
    response = invoke("get_order", get_event_for("11111111-1111-4111-8111-111111111111"))
    # THEN it answers the problem a client can act on (a 429/503 says when to retry)
    assert response["statusCode"] == status, response["body"]
    assert body_of(response)["code"] == code
    if status in (429, 503):
        assert header_of(response, "Retry-After") == "1"
