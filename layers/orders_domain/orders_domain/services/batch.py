"""A batch of up to 100 independent create / patch / delete operations (the commerce API's batch).

Each operation runs on its own, through the same service a single request uses, and its outcome is
recorded whatever the others did: one failing operation never stops or undoes another. With an
idempotency key, each create takes the key `<key>#<position>`, so a batch retried after a crash
(its stored answer lost with it) finds the orders it already made instead of making them again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from orders_domain.domain.errors import FieldError, InternalFault, OrdersError, ValidationFailed
from orders_domain.models.field_errors import validation_problem
from orders_domain.services.change import ChangeOrders
from orders_domain.services.create import CreateOrders

if TYPE_CHECKING:
    from orders_domain.models import BatchOperation, Order

SUCCESS, ERROR = "success", "error"
UNEXPECTED_FAULT = (
    "This operation failed on our side; the batch's other operations stand. Quote the request id."
)


@dataclass(frozen=True)
class BatchResult:
    """The outcome of one operation: the order it made or changed, or the error that refused it."""

    operation: str
    id: str | None
    order: Order | None = None
    error: OrdersError | None = None
    #: A keyed batch's create: the key it ran under. Sent alone with it (`POST /orders/{tenantId}`),
    #: the create finds the order it made (the same key derives the same order id), or makes it.
    idempotency_key: str | None = None

    @property
    def outcome(self) -> str:
        return ERROR if self.error is not None else SUCCESS


def _as_error(failure: Exception) -> OrdersError:
    """One operation's failure as its error result: the service's own errors as they are, anything
    else an InternalFault (500, logged by the handler). The batch's earlier operations may have written,
    so its answer must still be stored under the key: a retry replays it instead of running them again."""
    return failure if isinstance(failure, OrdersError) else InternalFault(UNEXPECTED_FAULT, cause=failure)


def _required(value: Any, name: str) -> Any:
    if value is None:
        raise ValidationFailed(f"This operation needs `{name}`.", errors=[FieldError(name, "is required")])
    return value


@dataclass
class RunBatch:
    creates: CreateOrders
    changes: ChangeOrders

    def run(
        self, tenant_id: str, operations: list[BatchOperation], *, actor: str, idempotency_key: str | None
    ) -> list[BatchResult]:
        return [
            self._one(tenant_id, position, op, actor=actor, idempotency_key=idempotency_key)
            for position, op in enumerate(operations)
        ]

    def _one(
        self, tenant_id: str, position: int, op: BatchOperation, *, actor: str, idempotency_key: str | None
    ) -> BatchResult:
        try:
            if op.operation == "create":
                from orders_domain.models import OrderCreateRequest

                try:
                    request = OrderCreateRequest.model_validate(_required(op.object, "object"))
                except ValidationError as exc:
                    raise validation_problem(
                        "The order to create is not valid.",
                        list(exc.errors()),
                        rename=lambda f: f"object.{f}",
                    ) from None
                key = f"{idempotency_key}#{position}" if idempotency_key else request.duplicate_prevention_key
                try:
                    created = self.creates.create(
                        request, tenant_id=tenant_id, actor=actor, idempotency_key=key
                    )
                except Exception as failure:  # noqa: BLE001 - as below; the create's key is part of its outcome
                    return BatchResult(op.operation, op.id, error=_as_error(failure), idempotency_key=key)
                return BatchResult(op.operation, created.order.id, order=created.order, idempotency_key=key)
            order_ref = str(_required(op.id, "id"))
            if op.operation == "patch":
                directives = _required(op.patch_directives, "patch_directives")
                order = self.changes.patch(tenant_id, order_ref, directives, actor=actor, if_match=None)
            else:
                order = self.changes.delete(tenant_id, order_ref, actor=actor, if_match=None)
            return BatchResult(op.operation, order.id, order=order)
        except Exception as failure:  # noqa: BLE001 - one operation's failure is that operation's outcome
            return BatchResult(op.operation, op.id, error=_as_error(failure))
