"""Settings: which environment variables, their defaults, and how bad values fail."""

from __future__ import annotations

import pytest
from orders_domain.runtime.settings import DEFAULT_API_KEY_CACHE_SECONDS, Settings

TABLES = {"ORDERS_TABLE_NAME": "orders", "IDEMPOTENCY_TABLE_NAME": "idempotency"}


def test_given_only_the_table_names_when_read_then_every_other_setting_is_its_default() -> None:
    settings = Settings.from_environment(TABLES)
    assert settings == Settings(
        orders_table_name="orders",
        idempotency_table_name="idempotency",
        dynamodb_endpoint_url=None,
        idempotency_ttl_seconds=24 * 60 * 60,
        api_key_cache_seconds=DEFAULT_API_KEY_CACHE_SECONDS,
        event_bus_name=None,
        page_token_secret=None,
    )
    assert DEFAULT_API_KEY_CACHE_SECONDS == 60.0


def test_given_every_variable_when_read_then_each_lands_in_its_field() -> None:
    environ = {
        **TABLES,
        "DYNAMODB_ENDPOINT_URL": "http://127.0.0.1:8000",
        "API_KEY_CACHE_SECONDS": "2.5",
        "ORDERS_EVENT_BUS_NAME": "bus",
        "ORDERS_PAGE_TOKEN_SECRET": "secret",
    }
    settings = Settings.from_environment(environ)
    assert settings.dynamodb_endpoint_url == "http://127.0.0.1:8000"
    assert settings.api_key_cache_seconds == 2.5
    assert settings.event_bus_name == "bus"
    assert settings.page_token_secret == "secret"


def test_given_empty_optional_variables_when_read_then_they_count_as_unset() -> None:
    empty = dict.fromkeys(
        (
            "DYNAMODB_ENDPOINT_URL",
            "API_KEY_CACHE_SECONDS",
            "ORDERS_EVENT_BUS_NAME",
            "ORDERS_PAGE_TOKEN_SECRET",
        ),
        "",
    )
    assert Settings.from_environment({**TABLES, **empty}) == Settings.from_environment(TABLES)


@pytest.mark.parametrize("missing", sorted(TABLES))
def test_given_a_table_name_missing_when_read_then_a_key_error_names_it(missing: str) -> None:
    environ = {name: value for name, value in TABLES.items() if name != missing}
    with pytest.raises(KeyError, match=missing):
        Settings.from_environment(environ)


def test_given_a_cache_time_that_is_not_a_number_when_read_then_a_value_error() -> None:
    with pytest.raises(ValueError, match="could not convert string to float: 'soon'"):
        Settings.from_environment({**TABLES, "API_KEY_CACHE_SECONDS": "soon"})


def test_settings_are_frozen() -> None:
    settings = Settings.from_environment(TABLES)
    with pytest.raises(AttributeError):
        settings.orders_table_name = "other"  # type: ignore[misc]
