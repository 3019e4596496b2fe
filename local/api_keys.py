"""`make api-key` / `make revoke-api-key`: manage API keys as an operator does.

    make api-key TENANT=acme SCOPES="orders:read orders:write"   (no SCOPES: orders:read only)
    make api-key TENANT=acme PORTAL_CONTACT=c-42      (a portal key: that contact's own orders only)
    make api-key TENANT=acme PORTAL_ORGANIZATION=o-7  (a portal key: that organization's own orders only)
    make revoke-api-key KEY_ID=key_0123456789ab

A new key is random, printed once, and stored only as its SHA-256 hash with its tenant and
scopes; its key id (`key_...`, not secret, the one logs and `sys_created_by_id` show) is what
revoking takes. Warm authorizers keep honouring a revoked key for at most API_KEY_CACHE_SECONDS
(60 s by default).

Which table: ORDERS_TABLE_NAME when set (with DYNAMODB_ENDPOINT_URL for a local DynamoDB, e.g.
the one `make serve` prints, where the table is `orders-local`); otherwise the OrdersTableName
output of the deployed stack (STACK, default: samconfig.toml's stack_name). Which region: the
caller's (AWS_REGION, AWS_DEFAULT_REGION, else the AWS profile's), us-east-1 only when none is set.
"""

from __future__ import annotations

import argparse
import os
import sys
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orders_domain.runtime.wiring import Wiring

ROOT = Path(__file__).resolve().parent.parent
LOCAL_TABLE = "orders-local"
#: The region only when the caller names none (environment or AWS profile).
FALLBACK_REGION = "us-east-1"


def _profile_region() -> str | None:
    """The region of the selected AWS profile (~/.aws/config), if it names one."""
    import botocore.session

    region = botocore.session.Session().get_config_variable("region")
    return str(region) if region else None


def caller_region(
    environ: Mapping[str, str], profile_region: Callable[[], str | None] = _profile_region
) -> str:
    """AWS_REGION, else AWS_DEFAULT_REGION, else the AWS profile's region, else us-east-1."""
    return (
        environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or profile_region() or FALLBACK_REGION
    )


def _stack_name() -> str:
    if os.environ.get("STACK"):
        return os.environ["STACK"]
    config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    return str(config["default"]["global"]["parameters"]["stack_name"])


def _table_name() -> str:
    if os.environ.get("ORDERS_TABLE_NAME"):
        return os.environ["ORDERS_TABLE_NAME"]
    if os.environ.get("DYNAMODB_ENDPOINT_URL"):
        return LOCAL_TABLE
    import boto3

    stack = _stack_name()
    outputs = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    for output in outputs:
        if output["OutputKey"] == "OrdersTableName":
            return str(output["OutputValue"])
    raise SystemExit(f"stack {stack} has no OrdersTableName output; set ORDERS_TABLE_NAME")


def _wiring() -> Wiring:
    from orders_domain.runtime.settings import Settings
    from orders_domain.runtime.wiring import Wiring

    settings = Settings(
        orders_table_name=_table_name(),
        idempotency_table_name=os.environ.get("IDEMPOTENCY_TABLE_NAME", ""),
        dynamodb_endpoint_url=os.environ.get("DYNAMODB_ENDPOINT_URL") or None,
    )
    return Wiring(settings=settings)


#: What a key gets when the operator names no scopes: reading only. Writing and admin are asked for.
DEFAULT_SCOPES = "orders:read"


def create(tenant: str, scopes: str, *, contact: str = "", organization: str = "") -> int:
    from orders_domain.http.auth import new_api_key, store_api_key

    if contact and organization:
        print(
            "api-key: a portal key is bound to one party: PORTAL_CONTACT or PORTAL_ORGANIZATION",
            file=sys.stderr,
        )
        return 2
    party = ("contact", contact) if contact else ("organization", organization) if organization else None
    ports = _wiring()
    key = new_api_key()
    try:
        wanted = scopes.split() if party else (scopes.strip() or DEFAULT_SCOPES).split()
        record = store_api_key(ports.api_keys, tenant, key, wanted, party=party)
    except ValueError as error:
        print(f"api-key: {error}", file=sys.stderr)
        return 2
    print(f"tenant:  {record.tenant_id}")
    print(f"scopes:  {' '.join(record.scopes)}")
    if record.party is not None:
        print(f"portal:  {record.party[0]} {record.party[1]}   (this key sees that party's orders only)")
    print(f"key id:  {record.key_id}   (not secret; revoke with: make revoke-api-key KEY_ID={record.key_id})")
    print(f"API key: {key}")
    print("The key is shown once and stored only as a hash: keep it now.", file=sys.stderr)
    return 0


def revoke(key_id: str) -> int:
    ports = _wiring()
    if not ports.api_keys.revoke(key_id):
        print(f"revoke-api-key: no key with id {key_id}", file=sys.stderr)
        return 1
    print(
        f"revoked {key_id}; authorizers stop accepting it within {ports.settings.api_key_cache_seconds:g} s"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.api_keys", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser("create", help="create a key, print it once, store its hash")
    new.add_argument("--tenant", required=True)
    new.add_argument("--scopes", default="", help=f"space-separated scopes; default: {DEFAULT_SCOPES}")
    new.add_argument("--portal-contact", default="", help="a portal key bound to this contact id")
    new.add_argument("--portal-organization", default="", help="a portal key bound to this organization id")
    gone = commands.add_parser("revoke", help="revoke a key by its key id")
    gone.add_argument("--key-id", required=True)
    args = parser.parse_args(argv)
    # boto3 reads AWS_DEFAULT_REGION (not AWS_REGION): every client below uses the caller's region.
    os.environ["AWS_DEFAULT_REGION"] = caller_region(os.environ)
    if args.command == "create":
        return create(
            args.tenant, args.scopes, contact=args.portal_contact, organization=args.portal_organization
        )
    return revoke(args.key_id)


if __name__ == "__main__":
    sys.exit(main())
