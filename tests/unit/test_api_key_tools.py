"""`make api-key` grants reading unless told otherwise; `make serve` never revives a revoked key."""

from __future__ import annotations

import pytest
from orders_domain import wiring
from orders_domain.auth import hash_key, key_id_of

pytestmark = pytest.mark.usefixtures("tables")


def test_given_no_scopes_when_an_operator_creates_a_key_then_it_can_only_read(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from local import api_keys

    # WHEN `make api-key TENANT=acme` runs (SCOPES empty)
    assert api_keys.main(["create", "--tenant", "acme", "--scopes", ""]) == 0
    # THEN the key stored has orders:read only, and the operator is told so
    printed = capsys.readouterr().out
    assert "scopes:  orders:read\n" in printed
    key = next(line.split(": ", 1)[1] for line in printed.splitlines() if line.startswith("API key:"))
    record = wiring.current().api_keys.get(hash_key(key))
    assert record is not None
    assert record.scopes == ("orders:read",)
    assert record.tenant_id == "acme"


def test_given_scopes_when_an_operator_creates_a_key_then_it_has_exactly_those(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from local import api_keys

    assert api_keys.main(["create", "--tenant", "acme", "--scopes", "orders:read orders:write"]) == 0
    assert "scopes:  orders:read orders:write\n" in capsys.readouterr().out


def test_given_a_revoked_dev_key_when_make_serve_starts_again_then_it_stays_revoked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    from local import serve

    monkeypatch.setenv("ORDERS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ORDERS_API_KEYS", raising=False)
    # GIVEN make serve seeded its dev key, and the key was then revoked
    ((tenant, key, _),) = serve._seed_api_keys()
    store = wiring.current().api_keys
    assert store.revoke(key_id_of(key))
    # WHEN make serve starts again with the same data
    serve._seed_api_keys()
    # THEN the key is still revoked
    record = store.get(hash_key(key))
    assert record is not None
    assert record.active is False
    assert tenant == serve.DEV_TENANT
