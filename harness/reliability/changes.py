"""The change routes (PATCH with and without If-Match, DELETE, PUT {"status": "cancelled"}, the
keyed batch): patch storms, batch vs single races, and their cases under faults.

- **patch storms**: 8 threads append distinct values to one order's
  `additional_email_confirmation_recipients` (JSON Patch `add /…/-`, 3 each with --quick, else 10;
  the order first gets an empty list), all at once. Without If-Match: every patch ends 200 (a 409
  `version_conflict`, after the service's own re-reads, or a 429/503 is sent again by the client:
  nothing was written), the list holds every value exactly once (one missing is a lost update, one
  twice a double effect) and `sys_version` is 2 + one per patch. With If-Match (each thread reads
  the ETag, then patches): every answer is 200 or 412, the versions gained are the 200s, each 200's
  value is in the list once and no 412's value is (else a partial write).
- **batch vs single races**: a keyed batch (patch order X, delete order Y) at once with single
  PATCHes of X and PATCHes and DELETEs of Y: every acknowledged value in X exactly once (a refused
  one nowhere), Y deleted by exactly one of the requests (the others 404) and no longer served,
  never a 500. Then one keyed batch of creates sent 5 times at once: each of its orders is made
  once (counted by a marker in `memo`), every answer is the one 200 body or a 409 to retry.
"""

from __future__ import annotations

import functools
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.reliability.cases import Case, Route, first_answer
from harness.reliability.clients import (
    _ignoring_index,
    add,
    careful_patch,
    check_list,
    listed,
    new_order,
    order_with_list,
    parallel,
    retryable,
    served_deleted,
    until_settled,
)
from harness.reliability.core import (
    DELETABLE,
    ORDER,
    STORM_THREADS,
    TENANT,
    Answer,
    Api,
    Store,
    Tally,
    key_text,
)


def _settle_job(jobs: Sequence[tuple[str, str, Callable[[], Answer]]], index: int) -> Answer:
    return until_settled(jobs[index][2])


def patch_storms(api: Api, store: Store, tally: Tally, scale: int) -> dict[str, str]:
    """STORM_THREADS threads append to one order at once, without If-Match, then with it."""
    made: dict[str, str] = {}
    per_thread = min(10, 3 * scale)
    tag = uuid.uuid4().hex[:6]

    # without If-Match: every patch lands, once (the service re-reads and re-applies on a conflict)
    order_id, base = order_with_list(api, f"storm-{tag}", made)
    retried: list[int] = []

    def blind(thread: int) -> list[tuple[str, Answer]]:
        out = []
        for n in range(per_thread):
            value = f"storm-{thread}-{n}"
            out.append((value, until_settled(functools.partial(api.patch, order_id, add(value)), retried)))
        return out

    answers = [a for chunk in parallel(STORM_THREADS, blind, tally, per_thread) for a in chunk]
    for value, (status, body) in answers:
        if status != 200:
            kind = "server_errors" if status >= 500 else "lost_updates"
            tally.problem(kind, f"patch storm: {value} ended {status} {body}")
    applied = [value for value, (status, _) in answers if status == 200]
    refused = [value for value, (status, _) in answers if status != 200]
    check_list(tally, "patch storm", store.doc(order_id), applied, refused, base + len(applied))

    # with If-Match: each thread reads the ETag, then patches on it; 200 or 412, nothing else
    order_id, base = order_with_list(api, f"storm-if-match-{tag}", made)

    def conditional(thread: int) -> list[tuple[str, Answer]]:
        out = []
        for n in range(per_thread):
            value = f"if-match-{thread}-{n}"
            status, body, headers = api.read(order_id)
            if status != 200 or "etag" not in headers:
                out.append((value, (status, body)))
                continue
            out.append((value, api.patch(order_id, add(value), if_match=headers["etag"])))
        return out

    answers = [a for chunk in parallel(STORM_THREADS, conditional, tally, 2 * per_thread) for a in chunk]
    for value, (status, body) in answers:
        if status not in (200, 412):
            kind = "server_errors" if status >= 500 else "lost_updates"
            tally.problem(kind, f"patch storm with If-Match: {value} answered {status} {body}")
    won = [value for value, (status, _) in answers if status == 200]
    lost = [value for value, (status, _) in answers if status == 412]
    check_list(tally, "patch storm with If-Match", store.doc(order_id), won, lost, base + len(won))
    tally.notes.append(
        f"patch storms: {STORM_THREADS} threads x {per_thread}; without If-Match {len(applied)} applied "
        f"({len(retried)} answers retried: {dict(Counter(retried))}); with If-Match {len(won)} applied, "
        f"{len(lost)} answered 412"
    )
    return made


def batch_races(api: Api, store: Store, tally: Tally, scale: int) -> dict[str, str]:
    """A keyed batch (patch X, delete Y) racing single requests on X and Y; then one keyed batch of
    creates sent several times at once."""
    made: dict[str, str] = {}
    for round_ in range(scale):
        tag = f"race-batch-{round_}-{uuid.uuid4().hex[:6]}"
        x, base_x = order_with_list(api, f"{tag}-x", made)
        y, base_y = order_with_list(api, f"{tag}-y", made, DELETABLE)
        batch_value = f"{tag}-batch"
        operations: list[dict[str, Any]] = [
            {"operation": "patch", "id": x, "patch_directives": add(batch_value)},
            {"operation": "delete", "id": y},
        ]
        jobs: list[tuple[str, str, Callable[[], Answer]]] = [
            ("batch", batch_value, functools.partial(api.batch, operations, tag))
        ]
        jobs += [
            ("patch X", f"{tag}-x{i}", functools.partial(api.patch, x, add(f"{tag}-x{i}"))) for i in range(4)
        ]
        jobs += [
            ("patch Y", f"{tag}-y{i}", functools.partial(api.patch, y, add(f"{tag}-y{i}"))) for i in range(2)
        ]
        jobs += [("delete Y", "", functools.partial(api.delete, y)) for _ in range(2)]
        answers = parallel(len(jobs), functools.partial(_settle_job, jobs), tally)
        what = "batch vs single"
        for (kind, _, _), (status, body) in zip(jobs, answers, strict=True):
            if status >= 500:
                tally.problem("server_errors", f"{what}: {kind} answered {status} {body}")
        outcomes = [
            (kind, value, status, body)
            for (kind, value, _), (status, body) in zip(jobs, answers, strict=True)
        ]
        batch_status, batch_body = answers[0]
        if batch_status == 200:
            # an operation refused for a retryable reason (nothing written: no fault here) is sent
            # again on its own, as a client does
            again: dict[str, Callable[[], Answer]] = {
                "patch": functools.partial(api.patch, x, add(batch_value)),
                "delete": functools.partial(api.delete, y),
            }
            for result, kind, value in zip(
                batch_body["results"], ("patch X", "delete Y"), (batch_value, ""), strict=True
            ):
                status, body = 200, result
                if result["outcome"] != "success":
                    status, body = result["status"], result
                    if retryable(status, result):
                        status, body = until_settled(again[result["operation"]])
                outcomes.append((kind, value, status, body))
        elif batch_status < 500:
            tally.problem("lost_updates", f"{what}: the batch ended {batch_status} {batch_body}")

        # X: every patch acknowledged is in once; any other answer is a problem, and its value is out
        x_done = [value for kind, value, status, _ in outcomes if kind == "patch X" and status == 200]
        x_not = [value for kind, value, status, _ in outcomes if kind == "patch X" and status != 200]
        for kind, value, status, body in outcomes:
            if kind == "patch X" and status != 200 and status < 500:
                tally.problem("lost_updates", f"{what}: patch of X {value} ended {status} {body}")
        check_list(tally, f"{what}: X", store.doc(x), x_done, x_not, base_x + len(x_done))

        # Y: deleted by exactly one request; every other delete and every later patch is a 404
        deletes = [status for kind, _, status, _ in outcomes if kind == "delete Y"]
        for kind, value, status, body in outcomes:
            if kind in ("patch Y", "delete Y") and status not in (200, 404) and status < 500:
                tally.problem("server_errors", f"{what}: {kind} {value} ended {status} {body}")
        y_doc = store.doc(y)
        if deletes.count(200) > 1:
            tally.problem("double_effects", f"{what}: Y deleted by {deletes.count(200)} requests")
        elif deletes.count(200) == 0 or not y_doc.get("sys_deleted"):
            tally.problem(
                "lost_updates",
                f"{what}: Y not deleted (answers {deletes}, stored {y_doc.get('sys_deleted')})",
            )
        y_done = [value for kind, value, status, _ in outcomes if kind == "patch Y" and status == 200]
        y_not = [value for kind, value, status, _ in outcomes if kind == "patch Y" and status != 200]
        check_list(tally, f"{what}: Y", y_doc, y_done, y_not, base_y + len(y_done) + 1)
        if (status := served_deleted(api, y)) is not None:
            tally.problem("partial_writes", f"{what}: deleted Y is still served ({status})")

        # one keyed batch of creates, sent 5 times at once: each order once, one answer
        key = f"race-batch-creates-{round_}-{uuid.uuid4().hex[:6]}"
        creates: list[dict[str, Any]] = [
            {"operation": "create", "object": {**ORDER, "memo": f"{key}#{i}"}} for i in range(3)
        ]
        copies = parallel(
            5, functools.partial(_ignoring_index, functools.partial(api.batch, creates, key)), tally
        )
        for status, body in copies:
            if status >= 500 or (status != 200 and not retryable(status, body)):
                tally.problem("server_errors", f"keyed batch x5: answered {status} {body}")
        settled = [
            (status, body) if status == 200 else until_settled(functools.partial(api.batch, creates, key))
            for status, body in copies
        ]
        bodies = [body for status, body in settled if status == 200]
        if len(bodies) != len(settled):
            tally.problem(
                "lost_updates", f"keyed batch x5: not every copy ended 200: {[s for s, _ in settled]}"
            )
        if any(body != bodies[0] for body in bodies):
            tally.problem("double_effects", "keyed batch x5: the copies were answered differently")
        for i in range(len(creates)):
            stored = store.with_memo(f"{key}#{i}")
            if len(stored) > 1:
                tally.problem("double_effects", f"keyed batch x5: create {i} made {len(stored)} orders")
            elif not stored:
                tally.problem("lost_updates", f"keyed batch x5: create {i} made no order")
            else:
                made[f"{key}#{i}"] = stored[0]["id"]
                if bodies and bodies[0]["results"][i].get("id") != stored[0]["id"]:
                    tally.problem("partial_writes", f"keyed batch x5: create {i} answered another order's id")
    return made


@dataclass
class PatchCase(Case):
    """`add` a value to an order's list, without If-Match (`conditional`: with it)."""

    api: Api
    store: Store
    label: str
    conditional: bool = False
    made: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.order_id, self.base = order_with_list(self.api, self.label, self.made)

    def only(self, call: str) -> str | None:
        return key_text(self.order_id)

    def send(self) -> Answer:
        return self.api.patch(
            self.order_id, add(self.label), if_match=self.base if self.conditional else None
        )

    def settle(self, first: Answer, what: str, tally: Tally, *, strict: bool) -> None:
        status, body = first
        first_answer(tally, what, first, (200, 412) if self.conditional else (200,), strict=strict)
        if status == 412 and self.label in listed(self.store.doc(self.order_id)):
            tally.problem(
                "partial_writes", f"{what}: answered 412 (not applied), yet the patch is in the order"
            )
        elif status != 200:
            status, body = careful_patch(self.api, self.order_id, self.label, self.base)
            if status != 200:
                tally.problem("lost_updates", f"{what}: the client's conditional retry ended {status} {body}")
        check_list(tally, what, self.store.doc(self.order_id), [self.label], (), self.base + 1)


@dataclass
class DeleteCase(Case):
    api: Api
    store: Store
    label: str
    made: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.order_id = new_order(self.api, self.label, self.made, DELETABLE)

    def only(self, call: str) -> str | None:
        return key_text(self.order_id)

    def send(self) -> Answer:
        return self.api.delete(self.order_id)

    def settle(self, first: Answer, what: str, tally: Tally, *, strict: bool) -> None:
        status, body = first
        first_answer(tally, what, first, (200,), strict=strict)
        if status == 404:
            tally.notes.append(f"note: {what}: answered 404, though this request deleted the order")
        elif status != 200:
            status, body = until_settled(functools.partial(self.api.delete, self.order_id))
            if status not in (200, 404):
                tally.problem("lost_updates", f"{what}: the client's retry ended {status} {body}")
        check_deleted(tally, what, self.api, self.store.doc(self.order_id), version=2)


@dataclass
class CancelCase(Case):
    """`PUT {"status": "cancelled"}` on a paid order: the whole-order cancel, one write."""

    api: Api
    store: Store
    label: str
    made: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.order_id = new_order(self.api, self.label, self.made)

    def only(self, call: str) -> str | None:
        return key_text(self.order_id)

    def send(self) -> Answer:
        from orders_domain.domain.lifecycle import OrderStatus

        return self.api.call(
            "PUT", f"/orders/{TENANT}/{self.order_id}", {"status": OrderStatus.CANCELLED.value}
        )

    def settle(self, first: Answer, what: str, tally: Tally, *, strict: bool) -> None:
        status, body = first
        first_answer(tally, what, first, (200,), strict=strict)
        if status != 200:
            # Again until it is settled; "already cancelled" (409) means an earlier send did it.
            status, body = until_settled(self.send)
            if status not in (200, 409):
                tally.problem("lost_updates", f"{what}: the client's retry ended {status} {body}")
        from orders_domain.domain.lifecycle import OrderStatus, PaymentStatus

        doc = self.store.doc(self.order_id)
        if doc.get("status") != OrderStatus.CANCELLED:
            tally.problem("lost_updates", f"{what}: the order is {doc.get('status')}, not cancelled")
        elif int(doc["sys_version"]) != 2:
            tally.problem("double_effects", f"{what}: cancelled in {int(doc['sys_version']) - 1} writes")
        if any(p.get("status") == PaymentStatus.PENDING for p in doc.get("payments", [])):
            tally.problem("partial_writes", f"{what}: cancelled with a payment still pending")


def check_deleted(tally: Tally, what: str, api: Api, doc: dict[str, Any], *, version: int) -> None:
    """Deleted by one write (at `version`), and no longer served."""
    if not doc.get("sys_deleted"):
        tally.problem("lost_updates", f"{what}: the order is not deleted")
    elif int(doc["sys_version"]) != version:
        tally.problem(
            "double_effects", f"{what}: deleted at version {doc['sys_version']}, expected {version}"
        )
    elif (status := served_deleted(api, doc["id"])) is not None:
        tally.problem("partial_writes", f"{what}: the deleted order is still served ({status})")


@dataclass
class BatchCase(Case):
    """A keyed batch: patch X (`add`), delete Y, create an order marked by `memo`. Faults aim at X's
    reads and writes, and at the created order's PutItem."""

    api: Api
    store: Store
    label: str
    made: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from orders_domain.services.common import order_id_for_key

        self.x, self.base_x = order_with_list(self.api, f"{self.label}-x", self.made)
        self.y = new_order(self.api, f"{self.label}-y", self.made, DELETABLE)
        self.created = order_id_for_key(TENANT, f"{self.label}#2")  # the batch keys its creates
        self.operations: list[dict[str, Any]] = [
            {"operation": "patch", "id": self.x, "patch_directives": add(self.label)},
            {"operation": "delete", "id": self.y},
            {"operation": "create", "object": {**ORDER, "memo": self.label}},
        ]

    def only(self, call: str) -> str | None:
        return key_text(self.created if call == "PutItem" else self.x)

    def send(self) -> Answer:
        return self.api.batch(self.operations, self.label)

    def settle(self, first: Answer, what: str, tally: Tally, *, strict: bool) -> None:
        status, body = first
        first_answer(tally, what, first, (200,), strict=strict)
        if status != 200:
            status, body = until_settled(functools.partial(self.api.batch, self.operations, self.label))
        results: list[Any] = [None] * len(self.operations)
        if status == 200:
            results = body["results"]
            replay = self.api.batch(self.operations, self.label)
            if replay != (200, body):
                tally.problem(
                    "double_effects", f"{what}: the key's replay is not the batch's answer: {replay}"
                )
        else:
            kind = "server_errors" if status >= 500 and status != 503 else "lost_updates"
            tally.problem(kind, f"{what}: the batch ended {status} {body}")
        patched, deleted, created = (self._outcome(result) for result in results)

        # X: a failed patch is finished as a single PATCH would be
        done, refused = [self.label], []
        if patched == "refused":
            done, refused = [], [self.label]
        elif patched == "retry" and careful_patch(self.api, self.x, self.label, self.base_x)[0] != 200:
            tally.problem("lost_updates", f"{what}: the patch of X could not be finished: {results[0]}")
            done = []
        check_list(tally, f"{what}: X", self.store.doc(self.x), done, refused, self.base_x + len(done))

        # Y
        if deleted == "retry":
            until_settled(functools.partial(self.api.delete, self.y))
        y_doc = self.store.doc(self.y)
        if deleted == "refused":
            if y_doc.get("sys_deleted"):
                tally.problem("partial_writes", f"{what}: the delete of Y was refused, yet Y is deleted")
        else:
            check_deleted(tally, f"{what}: Y", self.api, y_doc, version=2)

        # the create: a retryable failure is final in the key's answer; the result names the key
        # the batch gave that create (`<key>#<position>`), and the client sends the create alone
        # under it, as the README says: the same key derives the same order id, so a create that
        # was made is found, not made twice
        if created == "retry":
            key = (results[2] or {}).get("idempotency_key") or f"{self.label}#2"
            again = until_settled(
                functools.partial(
                    self.api.call,
                    "POST",
                    f"/orders/{TENANT}",
                    self.operations[2]["object"],
                    idempotency_key=key,
                )
            )
            if again[0] != 201:
                tally.problem("lost_updates", f"{what}: the create sent again alone ended {again}")
        stored = self.store.with_memo(self.label)
        if len(stored) > 1:
            answered = results[2] or {}
            why = (
                f" (answered {answered.get('status')} {answered.get('code')} in the keyed batch)"
                if created == "retry"
                else ""
            )
            tally.problem("double_effects", f"{what}: one create made {len(stored)} orders{why}")
        elif not stored and created != "refused":
            tally.problem("lost_updates", f"{what}: the create made no order")
        elif stored and created == "refused":
            tally.problem("partial_writes", f"{what}: the create was refused, yet made an order")
        for n, doc in enumerate(stored):
            self.made[f"{self.label}#2/{n}"] = doc["id"]

    @staticmethod
    def _outcome(result: Any) -> str:
        """The operation done, to retry (no answer, or a retryable error), or refused (another error)."""
        if result is None:
            return "retry"
        if result["outcome"] == "success":
            return "done"
        return "retry" if retryable(result["status"], result) else "refused"


#: The routes of the change routes under faults, each its DynamoDB calls and a maker of one request
#: (`MUTATIONS`, in harness/reliability/routes.py, assembles every family's table).
ROUTES: dict[str, Route] = {
    "patch": Route(("UpdateItem",), ("GetItem", "UpdateItem"), lambda a, s, label: PatchCase(a, s, label)),
    "patch_if_match": Route(
        ("UpdateItem",),
        ("GetItem", "UpdateItem"),
        lambda a, s, label: PatchCase(a, s, label, conditional=True),
    ),
    "delete": Route(("UpdateItem",), ("GetItem", "UpdateItem"), lambda a, s, label: DeleteCase(a, s, label)),
    "put_cancel": Route(
        ("UpdateItem",), ("GetItem", "UpdateItem"), lambda a, s, label: CancelCase(a, s, label)
    ),
    "batch": Route(
        ("PutItem", "UpdateItem"),
        ("PutItem", "GetItem", "UpdateItem"),
        lambda a, s, label: BatchCase(a, s, label),
    ),
}
