"""authorizer: API Gateway Lambda REQUEST authorizer. API key -> tenant and scopes.

Unknown or missing key: raise "Unauthorized" (API Gateway answers 401). A known key used for
another tenant, without the route's scope, or on a route with no declared scope: a Deny policy
(403) with the reason in the context. The key itself is never logged; only its non-secret key id
is. Verified keys are remembered for a short time (auth.Authenticator), so a warm authorizer does
not read DynamoDB on every request.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from orders_domain.domain.errors import Forbidden, Unauthorized
from orders_domain.http.auth import api_key_from_headers, authorize
from orders_domain.runtime import cold_start, wiring

logger = Logger()


def _policy(principal_id: str, effect: str, method_arn: str, context: dict[str, str]) -> dict[str, Any]:
    return {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": method_arn}],
        },
        "context": context,
    }


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
    }
    try:
        authorize(principal, tenant_id=tenant_id, method=event.get("httpMethod", ""), resource=resource)
    except Forbidden as denied:
        logger.info("denied", extra={"key_id": principal.key_id, "reason": denied.detail})
        return _policy(
            principal.key_id, "Deny", event["methodArn"], {**auth_context, "reason": denied.detail}
        )
    return _policy(principal.key_id, "Allow", event["methodArn"], auth_context)
