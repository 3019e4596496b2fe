"""The one write loop every change of an order goes through: read, apply, conditional write, again.

A change is a `Mutation`: a value that says what it checks (`checks`: a lifecycle operation, or the
rule module's own checks inside `apply`), what it makes (`apply`: the new order from the current one
and the moment, a pure function) and what else it writes in the same transaction (`Changed.fulfillment`).
`WriteLoop.run` reads the order (consistently), checks `If-Match` against `sys_version`, applies the
mutation, bumps `sys_version` and writes on the condition that the stored order is still at the version
read. When another request wrote in between: with `If-Match` that is a 412 (the client's copy is
stale); without, the order is read and the mutation applied again (up to `max_attempts`, after a small
random backoff), so concurrent changes never lose an update; after the last attempt, 409
`version_conflict`. A mutation whose result equals the current order writes nothing and keeps the
version: the current order is the answer.

A write whose answer was lost is recognised as done: every write records its id in the order
(`sys_recent_write_ids`, the last `RECENT_WRITES`), and a retry that meets its own id stops there,
never applying the change twice. `write_key` (derived from the request's Idempotency-Key:
`services.common.keyed_write_id`) is that id for a keyed request, so a retry whose idempotency record
was lost is answered as done too; the record of a fulfil is then the one written at the version it
made (`Changed.version`). A mutation with `once` (refunds), or one that writes a fulfillment, is a
transaction with a ClientRequestToken, so DynamoDB itself applies it once whatever botocore retries.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from orders_domain.domain import catalogue_rules, lifecycle
from orders_domain.domain.catalogue_rules import Reservation
from orders_domain.domain.errors import NotFound, PreconditionFailed, VersionConflict
from orders_domain.domain.lifecycle import Operation
from orders_domain.domain.ports import OrderRepository
from orders_domain.models import Order
from orders_domain.models.fulfillments import Fulfillment
from orders_domain.services.common import utcnow
from orders_domain.services.read import ReadOrders

#: How many of its latest writes an order remembers (`sys_recent_write_ids`): a write whose answer was
#: lost is recognised as done as long as fewer than this many others landed before it is read again.
RECENT_WRITES = 8


@dataclass(frozen=True)
class Changed:
    """What a change writes: the new order and, in the same transaction, a fulfillment record."""

    order: Order
    fulfillment: Fulfillment | None = None
    #: The order version this request's write made (None when it wrote nothing).
    version: int | None = None


class Mutation:
    """One change of one order, as a value (subclasses are frozen dataclasses of its inputs)."""

    #: The lifecycle operation checked on the order read, before `apply` (None: `apply`'s rule checks).
    checks: ClassVar[Operation | None] = None
    #: Written as a transaction with a ClientRequestToken even without a fulfillment (refunds).
    once: ClassVar[bool] = False

    def apply(self, order: Order, now: datetime) -> Order | Changed:
        """The order after the change (or it with the fulfillment to write beside it)."""
        raise NotImplementedError


@dataclass(frozen=True)
class _Attempt:
    """One write sent: the order as read, as written, and the record beside it."""

    current: Order
    new: Order
    record: Fulfillment | None
    write_id: str
    #: Units the change gives back to catalogue products' stock (lines' cancelled reservations).
    releases: tuple[Reservation, ...] = ()


@dataclass
class WriteLoop:
    """Runs mutations on orders (module docstring)."""

    repo: OrderRepository
    clock: Callable[[], datetime] = utcnow
    max_attempts: int = 20
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def run(
        self,
        mutation: Mutation,
        tenant_id: str,
        order_ref: str,
        *,
        actor: str,
        if_match: int | None,
        write_key: str | None = None,
    ) -> Changed:
        """The order as written (and the record written with it); see the module docstring."""
        # A token names the order through the by-token index (which may trail); the order is then
        # read by id, consistently, on every attempt.
        order_id = ReadOrders(self.repo).id_of(tenant_id, order_ref)
        sent: dict[str, Fulfillment | None] = {}
        ours = {write_key} if write_key else set()
        conflict: VersionConflict | None = None
        for attempt in range(1, self.max_attempts + 1):
            current = self._read(tenant_id, order_id, set(sent) | ours)
            done = _landed(current, sent, ours)
            if done is not None:
                return done
            _check_if_match(if_match, current)
            attempt_ = self._prepare(mutation, current, actor, write_key)
            if attempt_ is None:
                return Changed(current)
            try:
                self._send(mutation, attempt_)
            except VersionConflict as exc:
                sent[attempt_.write_id] = attempt_.record
                conflict = exc
                if if_match is not None:
                    landed = self._stale_or_own(tenant_id, order_id, sent, attempt_, if_match, exc)
                    if landed is not None:
                        return landed
                self._back_off(attempt)
                continue
            return Changed(attempt_.new, attempt_.record, attempt_.new.sys_version)
        assert conflict is not None  # the loop runs at least once, and only a conflict gets here
        raise conflict

    # ------------------------------------------------------------------ the steps of one attempt
    def _prepare(
        self, mutation: Mutation, current: Order, actor: str, write_key: str | None
    ) -> _Attempt | None:
        """The write the mutation makes of `current`; None when it changes nothing."""
        if mutation.checks is not None:
            lifecycle.check(mutation.checks, current)
        now = self.clock()
        outcome = mutation.apply(current, now)
        changed, record = (
            (outcome.order, outcome.fulfillment) if isinstance(outcome, Changed) else (outcome, None)
        )
        if changed == current and record is None:  # field by field: nothing to write
            return None
        changed, releases = catalogue_rules.releases(current, changed)
        write_id = write_key or uuid.uuid4().hex
        new = changed.model_copy(
            update={
                "sys_version": current.sys_version + 1,
                "sys_last_modified_at": now,
                "sys_last_modified_by_id": actor,
                "sys_recent_write_ids": [write_id, *current.sys_recent_write_ids][:RECENT_WRITES],
            }
        )
        if record is not None:
            record = record.model_copy(update={"sys_version": new.sys_version, "sys_last_modified_at": now})
        return _Attempt(current, new, record, write_id, tuple(releases))

    def _send(self, mutation: Mutation, attempt: _Attempt) -> None:
        """The conditional write; a transaction, applied once per attempt whatever the SDK retries
        (ClientRequestToken: this write's id and the version it is written on), when it writes a
        record or the mutation asks for it."""
        expected = attempt.current.sys_version
        if attempt.record is None and not mutation.once and not attempt.releases:
            self.repo.replace(attempt.new, expected_version=expected)
            return
        token = hashlib.sha256(f"{attempt.write_id}:{expected}".encode()).hexdigest()[:36]
        self.repo.replace(
            attempt.new,
            expected_version=expected,
            fulfillment=attempt.record,
            request_token=token,
            releases=attempt.releases,
        )

    def _stale_or_own(
        self,
        tenant_id: str,
        order_id: str,
        sent: dict[str, Fulfillment | None],
        attempt: _Attempt,
        if_match: int,
        exc: VersionConflict,
    ) -> Changed | None:
        """After a conflict under `If-Match`: this write itself (answer lost, retried by the SDK) is
        done; nothing moved (a transaction cancelled by another on its items) means try again (None);
        anything else is a stale copy (412)."""
        again = self._read(tenant_id, order_id, set(sent))
        if attempt.write_id in again.sys_recent_write_ids:
            return Changed(again, attempt.record, attempt.new.sys_version)
        if again.sys_version == attempt.current.sys_version:
            return None
        raise PreconditionFailed(
            f"The order was changed by another request after version {if_match}; "
            "read it again and repeat the change."
        ) from exc

    def _back_off(self, attempt: int) -> None:
        if attempt < self.max_attempts:
            self.sleep(random.uniform(0, 0.005 * attempt))  # noqa: S311 - jitter, not a secret

    def _read(self, tenant_id: str, order_id: str, sent: set[str]) -> Order:
        """The order as it is now (consistent); 404 when there is none or it is deleted, unless this
        request's own write (`sent`) deleted it: a delete whose answer was lost is then done."""
        found = self.repo.get(tenant_id, order_id, consistent=True, include_deleted=bool(sent))
        if found is None or found.tenant_id != tenant_id:
            raise NotFound(f"Order {order_id} was not found.")
        if found.sys_deleted and not sent & set(found.sys_recent_write_ids):
            raise NotFound(f"Order {order_id} was not found.")
        return found


def _landed(current: Order, sent: dict[str, Fulfillment | None], ours: set[str]) -> Changed | None:
    """A write of ours that "conflicted" had landed: its answer was lost and the SDK's retry met the
    version it had written itself (or an earlier run of this keyed request wrote it). Done; applying it
    again would double it. Every write records one id, newest first, so the position says at which
    version it landed."""
    landed = [i for i, w in enumerate(current.sys_recent_write_ids) if w in sent or w in ours]
    if not landed:
        return None
    at = landed[0]
    return Changed(current, sent.get(current.sys_recent_write_ids[at]), current.sys_version - at)


def _check_if_match(if_match: int | None, current: Order) -> None:
    if if_match is not None and if_match != current.sys_version:
        raise PreconditionFailed(
            f"If-Match names version {if_match}; the order is at version {current.sys_version}."
        )
