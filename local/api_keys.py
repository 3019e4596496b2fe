"""`make api-key` / `make revoke-api-key`: manage API keys as an operator does.

    make api-key TENANT=acme SCOPES="orders:read orders:write"   (no SCOPES: orders:read only)
    make api-key TENANT=acme PLAN=large               (the tenant's usage plan; default: standard)
    make api-key TENANT=acme PORTAL_CONTACT=c-42      (a portal key: that contact's own orders only)
    make api-key TENANT=acme PORTAL_ORGANIZATION=o-7  (a portal key: that organization's own orders only)
    make revoke-api-key KEY_ID=key_0123456789ab

A new key is random, printed once, and stored only as its SHA-256 hash with its tenant and
scopes; its key id (`key_...`, not secret, the one logs and `sys_created_by_id` show) is what
revoking takes. Warm authorizers keep honouring a revoked key for at most API_KEY_CACHE_SECONDS
(60 s by default).

Usage plans (per tenant, not per key): against AWS the tenant's API Gateway API key
(`orders-<stack>-<tenant>`, one per tenant, found by name or created) is put in the plan's usage
plan (the stack's StandardUsagePlanId / LargeUsagePlanId outputs) and taken out of the stack's other
plan, and the new key record holds its value: the authorizer answers it as `usageIdentifierKey`, so
every key of the tenant counts against the tenant's one plan. Moving a tenant to another plan is
`make api-key TENANT=... PLAN=...` again (its older keys follow: they name the same gateway key).
Against a local DynamoDB (DYNAMODB_ENDPOINT_URL) the record holds the plan's name only; `make serve`
throttles tenants by ORDERS_TENANT_PLANS instead.

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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_apigateway import APIGatewayClient
    from orders_domain.runtime.wiring import Wiring

ROOT = Path(__file__).resolve().parent.parent
LOCAL_TABLE = "orders-local"
#: The region only when the caller names none (environment or AWS profile).
FALLBACK_REGION = "us-east-1"
#: `PLAN=` -> the stack output naming that usage plan (template.yaml's StandardUsagePlan, LargeUsagePlan).
PLAN_OUTPUTS = {"standard": "StandardUsagePlanId", "large": "LargeUsagePlanId"}
DEFAULT_PLAN = "standard"


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


def _stack_output(name: str, hint: str) -> str:
    """One output of the deployed stack (STACK), or SystemExit saying what to do instead."""
    import boto3
    from botocore.exceptions import ClientError

    stack = _stack_name()
    try:
        described = boto3.client("cloudformation").describe_stacks(StackName=stack)
    except ClientError as error:
        raise SystemExit(f"stack {stack}: {error}; set STACK (or AWS_REGION) to the deployed one") from None
    outputs = described["Stacks"][0].get("Outputs", [])
    for output in outputs:
        if output["OutputKey"] == name:
            return str(output["OutputValue"])
    raise SystemExit(f"stack {stack} has no {name} output; {hint}")


def _is_local() -> bool:
    """A local DynamoDB (`make serve`'s): no API Gateway, no usage plans."""
    return bool(os.environ.get("DYNAMODB_ENDPOINT_URL"))


def _table_name() -> str:
    if os.environ.get("ORDERS_TABLE_NAME"):
        return os.environ["ORDERS_TABLE_NAME"]
    if _is_local():
        return LOCAL_TABLE
    return _stack_output("OrdersTableName", "set ORDERS_TABLE_NAME")


def gateway_key_name(stack: str, tenant: str) -> str:
    """The name of a tenant's API Gateway API key: one per tenant and stack."""
    return f"orders-{stack}-{tenant}"


def attach_to_plan(apigateway: APIGatewayClient, name: str, plan_ids: Mapping[str, str], plan: str) -> str:
    """Put the API Gateway key `name` (found, else created) in the usage plan `plan_ids[plan]` and in
    none of the other `plan_ids`; its value. A disabled key is refused: an operator turned it off."""
    key = _gateway_key(apigateway, name)
    if key is None:
        description = "Orders API: the tenant's usage plan key (make api-key). Not a credential."
        key = dict(apigateway.create_api_key(name=name, description=description, enabled=True))
    elif not key.get("enabled"):
        raise SystemExit(
            f"api-key: the tenant's API Gateway key {name} is disabled (so every key of the tenant is"
            " refused); enable it in API Gateway before making the tenant keys"
        )
    key_id = str(key["id"])
    member_of = {
        str(each["id"])
        for page in apigateway.get_paginator("get_usage_plans").paginate(keyId=key_id)
        for each in page.get("items", [])
    }
    wanted = plan_ids[plan]
    for plan_id in plan_ids.values():
        if plan_id != wanted and plan_id in member_of:
            apigateway.delete_usage_plan_key(usagePlanId=plan_id, keyId=key_id)
    if wanted not in member_of:
        apigateway.create_usage_plan_key(usagePlanId=wanted, keyId=key_id, keyType="API_KEY")
    return str(key["value"])


def _gateway_key(apigateway: APIGatewayClient, name: str) -> dict[str, Any] | None:
    """The API key of exactly this name, with its value (the name query matches prefixes)."""
    pages = apigateway.get_paginator("get_api_keys").paginate(nameQuery=name, includeValues=True)
    return next(
        (dict(key) for page in pages for key in page.get("items", []) if key.get("name") == name), None
    )


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


def create(tenant: str, scopes: str, *, contact: str = "", organization: str = "", plan: str = "") -> int:
    import dataclasses

    from orders_domain.http.auth import api_key_record, new_api_key

    if contact and organization:
        print(
            "api-key: a portal key is bound to one party: PORTAL_CONTACT or PORTAL_ORGANIZATION",
            file=sys.stderr,
        )
        return 2
    plan = plan.strip() or DEFAULT_PLAN
    if plan not in PLAN_OUTPUTS:
        print(f"api-key: PLAN is one of {', '.join(PLAN_OUTPUTS)}, not {plan!r}", file=sys.stderr)
        return 2
    party = ("contact", contact) if contact else ("organization", organization) if organization else None
    ports = _wiring()
    key = new_api_key()
    try:
        wanted = scopes.split() if party else (scopes.strip() or DEFAULT_SCOPES).split()
        # Checked before anything is written, in API Gateway or the table.
        record = api_key_record(tenant, key, wanted, party=party, plan=plan)
    except ValueError as error:
        print(f"api-key: {error}", file=sys.stderr)
        return 2
    if not _is_local():
        record = dataclasses.replace(record, usage_key=_usage_key(tenant, plan))
    ports.api_keys.put(record)
    print(f"tenant:  {record.tenant_id}")
    print(f"scopes:  {' '.join(record.scopes)}")
    print(f"plan:    {plan}" + ("" if record.usage_key else "   (recorded only: no usage plans locally)"))
    if record.party is not None:
        print(f"portal:  {record.party[0]} {record.party[1]}   (this key sees that party's orders only)")
    print(f"key id:  {record.key_id}   (not secret; revoke with: make revoke-api-key KEY_ID={record.key_id})")
    print(f"API key: {key}")
    print("The key is shown once and stored only as a hash: keep it now.", file=sys.stderr)
    return 0


def _usage_key(tenant: str, plan: str) -> str:
    """The tenant's API Gateway key, now in the stack's `plan` usage plan; its value."""
    import boto3

    hint = "deploy the current template (it has the usage plans), or set STACK"
    plan_ids = {name: _stack_output(output, hint) for name, output in PLAN_OUTPUTS.items()}
    name = gateway_key_name(_stack_name(), tenant)
    return attach_to_plan(boto3.client("apigateway"), name, plan_ids, plan)


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
    new.add_argument(
        "--plan",
        # `make api-key ... PLAN=large`: make puts its command line's variables in the environment.
        default=os.environ.get("PLAN", ""),
        help=f"the tenant's usage plan: {' or '.join(PLAN_OUTPUTS)} (default {DEFAULT_PLAN})",
    )
    gone = commands.add_parser("revoke", help="revoke a key by its key id")
    gone.add_argument("--key-id", required=True)
    args = parser.parse_args(argv)
    # boto3 reads AWS_DEFAULT_REGION (not AWS_REGION): every client below uses the caller's region.
    os.environ["AWS_DEFAULT_REGION"] = caller_region(os.environ)
    if args.command == "create":
        return create(
            args.tenant,
            args.scopes,
            contact=args.portal_contact,
            organization=args.portal_organization,
            plan=args.plan,
        )
    return revoke(args.key_id)


if __name__ == "__main__":
    sys.exit(main())
