"""Response models are attached to routes only where the OpenAPI document is generated."""

from __future__ import annotations

import pytest
from orders_domain.http.api import DOCUMENT_RESPONSES_ENV, json_content
from orders_domain.models import OrderResponse


def test_given_a_deployed_function_when_a_route_declares_its_response_then_no_model_is_attached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN the environment of a deployed function (the template never sets the variable)
    monkeypatch.delenv(DOCUMENT_RESPONSES_ENV, raising=False)
    # THEN Powertools gets no model to build a schema for on the route's first request
    assert json_content(lambda: OrderResponse) == {"application/json": {"schema": {}}}


def test_given_openapi_generation_when_a_route_declares_its_response_then_the_model_documents_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(DOCUMENT_RESPONSES_ENV, "1")
    assert json_content(lambda: OrderResponse) == {"application/json": {"model": OrderResponse}}


def test_the_template_never_documents_responses_on_lambda() -> None:
    from tests.helpers import TEMPLATE

    assert DOCUMENT_RESPONSES_ENV not in TEMPLATE.read_text(encoding="utf-8")
