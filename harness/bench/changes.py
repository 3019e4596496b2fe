"""The patch_order routes (`operations`): `patch` (a JSON Patch that sets a new memo), `put` (a
3-line order replaced), `delete` (a new unpaid order each time) and `batch_10_patches` (ten patches
of one order in one batch).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from harness.bench.core import TENANT, Bench, Family, Route, event, refuse_failure
from harness.bench.orders import create_event, order_body

JSON_PATCH = "application/json-patch+json"
#: The patch_order routes `operations` measures.
CHANGE_OPERATIONS = ("patch", "put", "delete", "batch_10_patches")


def change_event(
    method: str, order_ref: str | None, body: Any, content_type: str = "application/json"
) -> dict[str, Any]:
    """A patch_order route's event (`order_ref` None: the batch route), from events/patch_order.json."""
    got = event("patch_order.json")
    resource = "/orders/{tenantId}/batch" if order_ref is None else "/orders/{tenantId}/{id}"
    path = f"/orders/{TENANT}/batch" if order_ref is None else f"/orders/{TENANT}/{order_ref}"
    got["resource"] = got["requestContext"]["resourcePath"] = resource
    got["httpMethod"] = got["requestContext"]["httpMethod"] = method
    got["path"] = path
    got["requestContext"]["path"] = "/v1" + path
    got["pathParameters"] = {"tenantId": TENANT, **({} if order_ref is None else {"id": order_ref})}
    got["headers"] = {k: v for k, v in got["headers"].items() if k.lower() != "if-match"}
    got["headers"]["Content-Type"] = content_type
    got["multiValueHeaders"] = {k: [v] for k, v in got["headers"].items()}
    got["body"] = json.dumps(body)
    return got


def unpaid_order(bench: Bench) -> str:
    """A new 1-line order with nothing paid (one that may be deleted): its id."""
    body = {k: v for k, v in order_body(1).items() if k != "payment_info"}
    made = create_event(1)
    made["body"] = json.dumps(body)
    answer = bench.invoke("create_order", made).answer
    refuse_failure("create (for a change)", answer)
    return str(json.loads(answer["body"])["id"])


def memo_patch() -> list[dict[str, Any]]:
    """A JSON Patch that always changes the order (a new memo)."""
    return [{"op": "add", "path": "/memo", "value": uuid.uuid4().hex}]


def change_routes(bench: Bench) -> list[Route]:
    """The patch_order routes as `operations` measures them, after making what they change: an order
    to patch (alone and in a batch) and one to replace."""
    patched = json.loads(bench.invoke("create_order", create_event(3)).answer["body"])["id"]
    replaced = json.loads(bench.invoke("create_order", create_event(3)).answer["body"])["id"]
    return [
        ("patch", "patch_order", lambda: change_event("PATCH", patched, memo_patch(), JSON_PATCH)),
        (
            "put",
            "patch_order",
            lambda: change_event("PUT", replaced, {**order_body(3), "memo": uuid.uuid4().hex}),
        ),
        ("delete", "patch_order", lambda: change_event("DELETE", unpaid_order(bench), None)),
        (
            "batch_10_patches",
            "patch_order",
            lambda: change_event(
                "POST",
                None,
                {
                    "operations": [
                        {"operation": "patch", "id": patched, "patch_directives": memo_patch()}
                        for _ in range(10)
                    ]
                },
            ),
        ),
    ]


FAMILY = Family(change_routes, CHANGE_OPERATIONS)
