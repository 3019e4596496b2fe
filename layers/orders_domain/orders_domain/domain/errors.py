"""Domain errors. Each carries its HTTP status and problem `code`; api.problem_response maps them once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orders_domain.models import Order


@dataclass(frozen=True)
class FieldError:
    field: str
    error: str


class OrdersError(Exception):
    """Base of every error a client may see. `detail` must never carry internals."""

    status: int = 500
    code: str = "internal_error"
    title: str = "Internal Server Error"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}


class BadRequest(OrdersError):
    status, code, title = 400, "bad_request", "Bad Request"


class ValidationFailed(BadRequest):
    code = "validation_error"


class Unauthorized(OrdersError):
    status, code, title = 401, "unauthorized", "Unauthorized"


class Forbidden(OrdersError):
    status, code, title = 403, "forbidden", "Forbidden"


class NotFound(OrdersError):
    status, code, title = 404, "not_found", "Not Found"


class Conflict(OrdersError):
    status, code, title = 409, "conflict", "Conflict"


class AlreadyRefunded(Conflict):
    """What a refund asked for is refunded already (the coupon-code action after its first refund)."""

    code = "already_refunded"


class VersionConflict(Conflict):
    code = "version_conflict"


class IdempotencyInProgress(Conflict):
    code = "idempotency_in_progress"


class PatchTestFailed(Conflict):
    """A JSON Patch `test` operation did not hold: the order is not in the state the client expected."""

    code = "patch_test_failed"


class OrderNumberTaken(Conflict):
    """The distribution API's `order_number` names another order of the tenant (409)."""

    code = "order_number_taken"


class PreconditionFailed(OrdersError):
    status, code, title = 412, "precondition_failed", "Precondition Failed"


class PayloadTooLarge(OrdersError):
    status, code, title = 413, "payload_too_large", "Payload Too Large"


class UnsupportedMediaType(OrdersError):
    status, code, title = 415, "unsupported_media_type", "Unsupported Media Type"


class NotAcceptable(OrdersError):
    status, code, title = 406, "not_acceptable", "Not Acceptable"


class Unprocessable(OrdersError):
    status, code, title = 422, "unprocessable", "Unprocessable Content"


class IdempotencyKeyReused(Unprocessable):
    code = "idempotency_key_reused"


class SoldOut(Conflict):
    """A line asks for more units of a catalogue product than its stock has left (nothing written)."""

    code = "sold_out"


class UnknownProduct(BadRequest):
    """A line names a product the tenant's strict catalogue does not hold."""

    code = "unknown_product"


class Ineligible(Unprocessable):
    """The order's bill-to party may not buy a product a line names."""

    code = "ineligible"


class InternalFault(OrdersError):
    """An unexpected exception, kept as one operation's outcome (a batch's) instead of failing the
    request; `cause` is for the log only, never for the client."""

    def __init__(self, detail: str, *, cause: BaseException) -> None:
        super().__init__(detail)
        self.cause = cause


class Throttled(OrdersError):
    status, code, title = 429, "throttled", "Too Many Requests"


class Unavailable(OrdersError):
    """The store did not answer in time, or failed on its side: nothing is known to be lost; retry."""

    status, code, title = 503, "service_unavailable", "Service Unavailable"


class OrderAlreadyExists(Conflict):
    """A create met an existing order with the same id; carries what is stored (read in the same call)."""

    def __init__(self, existing: Order | None = None, fingerprint: str | None = None) -> None:
        super().__init__("An order with this id already exists.")
        self.existing = existing
        self.fingerprint = fingerprint
