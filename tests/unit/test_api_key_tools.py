"""`make api-key` grants reading unless told otherwise; `make serve` never revives a revoked key."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from orders_domain.http.auth import hash_key, key_id_of
from orders_domain.runtime import wiring

from tests.helpers import ROOT

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
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from local import serve

    monkeypatch.setenv("ORDERS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ORDERS_API_KEYS", raising=False)
    # GIVEN make serve seeded its dev key, and the key was then revoked
    ((tenant, key, _, active),) = serve._seed_api_keys()
    assert (tenant, active) == (serve.DEV_TENANT, True)
    store = wiring.current().api_keys
    assert store.revoke(key_id_of(key))
    # WHEN make serve starts again with the same data
    (again,) = serve._seed_api_keys()
    # THEN the key is still revoked, and make serve knows it (it does not print it as working)
    record = store.get(hash_key(key))
    assert record is not None
    assert record.active is False
    assert again.key == key
    assert again.active is False


def test_given_an_existing_dev_key_when_make_serve_starts_again_then_it_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from orders_domain.http import auth

    from local import serve

    monkeypatch.setenv("ORDERS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ORDERS_API_KEYS", raising=False)
    # GIVEN make serve seeded its dev key once
    serve._seed_api_keys()
    stored: list[str] = []
    real = auth.store_api_key

    def spy(*args: Any) -> Any:
        stored.append(args[1])
        return real(*args)

    monkeypatch.setattr(auth, "store_api_key", spy)
    # WHEN it starts again
    (again,) = serve._seed_api_keys()
    # THEN the key is only created when it does not exist: nothing is written over it
    assert stored == []
    assert again.active is True


def test_given_orders_api_keys_with_new_scopes_when_make_serve_starts_again_then_the_active_key_takes_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from local import serve

    # GIVEN a key seeded from ORDERS_API_KEYS with every scope
    monkeypatch.setenv("ORDERS_API_KEYS", "tenant-x:seeded-key-1")
    serve._seed_api_keys()
    # WHEN the operator narrows it to reading and restarts
    monkeypatch.setenv("ORDERS_API_KEYS", "tenant-x:seeded-key-1:orders:read")
    serve._seed_api_keys()
    # THEN the stored key has the scopes the variable now gives
    record = wiring.current().api_keys.get(hash_key("seeded-key-1"))
    assert record is not None
    assert record.scopes == ("orders:read",)


# ------------------------------------------------------------------ the caller's region
@pytest.mark.parametrize(
    ("environ", "profile", "region"),
    [
        ({"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-west-2"}, "ap-south-1", "eu-west-1"),
        ({"AWS_DEFAULT_REGION": "us-west-2"}, "ap-south-1", "us-west-2"),
        ({"AWS_REGION": "", "AWS_DEFAULT_REGION": ""}, "ap-south-1", "ap-south-1"),
        ({}, None, "us-east-1"),
    ],
)
def test_given_the_callers_settings_when_make_api_key_picks_a_region_then_us_east_1_is_only_the_fallback(
    environ: dict[str, str], profile: str | None, region: str
) -> None:
    from local.api_keys import caller_region

    # GIVEN the caller's environment and AWS profile WHEN the tool picks its region
    # THEN it is theirs, in AWS's order, and us-east-1 only when they name none
    assert caller_region(environ, lambda: profile) == region


@pytest.mark.parametrize("target", ["api-key", "revoke-api-key"])
@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"AWS_REGION": "eu-west-1"}, "AWS_DEFAULT_REGION=eu-west-1 "),
        ({"AWS_DEFAULT_REGION": "ap-south-1"}, "AWS_DEFAULT_REGION=ap-south-1 "),
        ({}, "env -u AWS_DEFAULT_REGION "),
    ],
)
def test_given_the_callers_region_when_make_runs_the_key_tool_then_it_is_passed_on_not_forced(
    target: str, environ: dict[str, str], expected: str
) -> None:
    # GIVEN a caller's environment with (or without) a region
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION", "MAKEFLAGS")}
    env.update(environ)
    # WHEN make shows the command it would run (-n: nothing runs)
    out = subprocess.run(  # noqa: S603 - make, with fixed arguments
        ["make", "-n", "--no-print-directory", target, "TENANT=acme", "KEY_ID=key_0123456789ab"],  # noqa: S607
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    # THEN the tool runs in the caller's region, or with none forced (it falls back itself)
    (command,) = [line for line in out.stdout.splitlines() if "local.api_keys" in line]
    assert command.startswith(expected), command
    assert "us-east-1" not in command
