"""authorizer: API Gateway Lambda REQUEST authorizer. API key -> tenant and scopes.

Unknown or missing key: raise "Unauthorized" (API Gateway answers 401). A known key used for
another tenant, without the route's scope, or on a route with no declared scope: a Deny policy
(403) with the reason in the context. The key itself is never logged; only its non-secret key id
is. Verified keys are remembered for a short time (auth.Authenticator), so a warm authorizer does
not read DynamoDB on every request.

An Allow carries the tenant's API Gateway key as `usageIdentifierKey` (the API's key source is
AUTHORIZER): API Gateway counts the request against that key's usage plan, the tenant's rate, burst
and quota (template.yaml, StandardUsagePlan / LargeUsagePlan). It is stored in the key record, so
it comes with the read (and the cache) the authorizer already has: no further read per request.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from orders_domain.domain.errors import Forbidden, Unauthorized
from orders_domain.http.auth import api_key_from_headers, authorize
from orders_domain.runtime import cold_start, wiring

logger = Logger()


# Built by hand, not with Powertools' APIGatewayAuthorizerResponse (issue 30; Powertools 3.37.0): from the
# methodArn, `from_route_arn(arn)` + `allow_route(method, resource)` reproduces the ARN only for
# resources of [/.a-zA-Z0-9-_*{}+]: for another character valid in a path segment (`~ @ , ! = $ ;`, a
# space, anything not ASCII) `_add_route` raises ValueError (the gateway would answer 500 where it now
# answers the route's own 2xx/4xx), and `parse_api_gateway_arn` splits the ARN on every ":", so an id
# holding one yields a policy for a shorter resource (403 where the key is allowed). `allow_all_routes`
# would grant `<stage>/*/*` instead of this one method ARN. And importing it runs the package __init__ of
# `aws_lambda_powertools.utilities.data_classes`, every event class: 39 modules, ~10 ms more cold start.
# tests/unit/test_authorizer.py pins the ARN as it must stay.
def _policy(
    principal_id: str, effect: str, method_arn: str, context: dict[str, str], usage_key: str | None = None
) -> dict[str, Any]:
    """The IAM policy for exactly the method ARN asked about, with the context the routes read (and
    the usage plan key the request counts against, when the key record has one)."""
    answer: dict[str, Any] = {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": method_arn}],
        },
        "context": context,
    }
    if usage_key:
        answer["usageIdentifierKey"] = usage_key
    return answer


@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        return _authorize(event)
    finally:
        cold_start.resume()


def _authorize(event: dict[str, Any]) -> dict[str, Any]:
    try:
        principal = wiring.current().authenticator.authenticate(api_key_from_headers(event.get("headers")))
    except Unauthorized:
        logger.info("rejected: missing or unknown API key")
        raise Exception("Unauthorized") from None

    tenant_id = (event.get("pathParameters") or {}).get("tenantId")
    resource = event.get("resource") or event.get("path", "")
    auth_context = {
        "tenant_id": principal.tenant_id,
        "scopes": " ".join(principal.scopes),
        "key_id": principal.key_id,
        # A portal key's party: the functions check it again against the path (auth.authorize).
        **({"party_type": principal.party[0], "party_id": principal.party[1]} if principal.party else {}),
    }
    try:
        authorize(
            principal,
            tenant_id=tenant_id,
            method=event.get("httpMethod", ""),
            resource=resource,
            path_parameters=event.get("pathParameters"),
        )
    except Forbidden as denied:
        logger.info("denied", extra={"key_id": principal.key_id, "reason": denied.detail})
        return _policy(
            principal.key_id, "Deny", event["methodArn"], {**auth_context, "reason": denied.detail}
        )
    return _policy(principal.key_id, "Allow", event["methodArn"], auth_context, principal.usage_key)
