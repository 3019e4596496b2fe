"""Every mutating route (`MUTATIONS`, harness/reliability/routes.py) under lost responses and
injected faults: a `Job` per route, DynamoDB call and fault, its `Case` made ready, sent under the
fault, settled and checked; and a create's retry without a key.

- **lost responses**: for every DynamoDB write call of every mutating route (create, PATCH with and
  without If-Match, DELETE, PUT {"status": "cancelled"}, batch; fulfil whole, partial and partial with
  If-Match, cancel whole and partial, void, close, all under an Idempotency-Key; the fulfillment PATCH
  of tracking, of a pickup and of a pickup with If-Match; a refund by id under a key, by token under a
  key with If-Match, by id with If-Match and no key; the PUT of a refund reason), a botocore hook sends
  the request to DynamoDB (so the write happens), then raises a read timeout as if the answer was lost,
  and the SDK retries (once, or on every attempt). For the change routes the hook aims at the order
  under test (the text of its key in the request: the batch's UpdateItem at the order it patches, its
  PutItem at the order it creates), so their cases run 8 at a time; the create's run one at a time. The
  client then settles the request as a careful client does: a create is sent again with its key; a PATCH
  not answered 200 is sent again with If-Match at the version read before the first try (a 412 then
  means "read it: your change may be in"); a DELETE is sent again (404 once the order is gone); a PUT
  cancel is sent again (409 "already cancelled" once an earlier send did it; the order must be cancelled
  in one write, no payment left pending); a batch is sent again with its key, and an operation it
  reports failed for a retryable reason is sent again on its own (a create alone under the key the batch
  names for it, `<key>#<position>`, which finds the order if it was made). Each change must then be in
  exactly once. The SDK's retry of an UpdateItem whose answer was lost meets the version its own first
  send wrote: a service that takes that for another writer's change applies the patch again (`add /…/-`
  is not idempotent: a double effect) or answers 412 to an If-Match patch that was applied (a partial
  write). A DELETE answered 404 by the request that deleted the order was one (now answered as done).
  Without a key a create's retry is a new request: a second order, as documented (counted, not a fault).
  The fulfil and cancel_order routes' write calls are the order's (an UpdateItem; a fulfil's and a
  fulfillment PATCH's TransactWriteItems writing the order and the fulfillment record) and, for the
  keyed ones, their idempotency record's PutItem and UpdateItem (`PutItem:idempotency`: aimed at that
  record's id). Their client sends the request again with its key (and its If-Match); a refusal that
  says the change can no longer be made (409, 412, 422) sends it to read the order. Each change must
  then be in exactly once: the lines' counters moved by what the request asked, in one write, one
  fulfillment record marked by the fulfil's `tracking_number` (the one a 200 named), the records
  agreeing with the counters (else a half write, counted as a partial write), the money rules holding,
  and a 200 replayed as it was by its key. The FULFIL_ORDER leaves units open after a partial change, so
  a change applied twice shows as twice instead of being refused. A refund's write calls are one
  TransactWriteItems of the order (with a ClientRequestToken) and, under a key, the idempotency record's
  PutItem and UpdateItem; the token route first finds the order on the by-token index (a Query, aimed at
  its token: faults only). Its client sends it again as it was; under a key the retry must be answered
  200 (the service finds its own write by the keyed write id), without one a 409 or 412 sends it to read
  the order for its refund (a 412 with its refund not in, to send it again at the order's version). Then
  the named lines must be refunded exactly once, in one write, and nothing else
  (`refund_effect_problems`: each named line's every refundable unit by one new refund line, its
  `amount_refunded` up by what was paid and not yet refunded; more is a double effect, less a lost
  update, another line refunded a partial write), the answer's version the order's, and the refund and
  money rules holding. A PUT of a refund reason is sent again until answered 200; the reason is then
  listed once, as sent.
  The source dialects' write routes (issue 21) join the same way, each over its native route's
  service: the theatre fulfil (`POST /v3/orders/{id}/fulfill`, no body) with and without a key (its
  record is the order's only one: it sends no tracking number; without a key a refusal sends the client
  to read the order), the theatre refund by token (`POST /v1/orders/token-…/refunds`, camelCase, keyed;
  judged as a refund, its version from the `ETag`), the distribution place in JSON and in XML (its
  key is its order_number: the idempotency record's writes and the order's PutItem, aimed at the id
  the number names; the client sends the same order again and must get that order, 201, never a
  second one or a 409, then once more, replayed) and the distribution PUT `{"order": {"status":
  "cancelled"}}` (no key; the order's read and write: the client sends it again until it is answered
  200 with the cancelled order, never a 409 or a 5xx, the order cancelled in one write; then once
  more, answered without a write).
- **injected faults**: throttling, TransactionConflict, a 500 and a timeout at each DynamoDB call
  of each mutating route (GetItem too, for the change routes; for refunds their writes and the token
  route's Query; at a TransactWriteItems also a TransactionCanceledException for a conflict, which the
  service must read as a version conflict);
  a case whose planned fault never fired is noted (`harness:`); the answer must be a success or a
  retryable 409/429/503 (never a 500), and the client's retry (as above) must complete with one
  order, one change.
"""

from __future__ import annotations

import itertools
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from harness.reliability.core import Api, Store, Tally
from harness.reliability.faults import IDEMPOTENCY, Faults, api_of, faults_at
from harness.reliability.routes import MUTATIONS


def lost_responses(api: Api, store: Store, faults: Faults, tally: Tally) -> dict[str, str]:
    jobs = []
    for route, mutation in MUTATIONS.items():
        for api_call in mutation.writes:
            for occurrence in ("first", "every"):
                label = f"lost-{route}-{api_call}-{occurrence}-{uuid.uuid4().hex[:6]}"
                what = f"{route}: lost {api_call} response ({occurrence})"
                times = 1 if occurrence == "first" else 4
                jobs.append(Job(route, label, api_call, "lost_response", times, what, strict=False))
    return run_cases(api, store, faults, tally, "lost responses", jobs)


def injected_faults(api: Api, store: Store, faults: Faults, tally: Tally) -> dict[str, str]:
    jobs = []
    for route, mutation in MUTATIONS.items():
        for api_call in mutation.calls:
            for fault in faults_at(api_call):
                # four in a row outlast boto3's 3 retries after the first try: the client sees the fault
                for depth in (1, 4):
                    label = f"fault-{route}-{api_call}-{fault}-{depth}-{uuid.uuid4().hex[:6]}"
                    what = f"{route}: {fault} x{depth} at {api_call}"
                    # (a 409 means the first attempt is still marked in progress: retry until it is not)
                    jobs.append(Job(route, label, api_call, fault, depth, what, strict=True))
    return run_cases(api, store, faults, tally, "injected faults", jobs)


@dataclass(frozen=True)
class Job:
    """One case to run: `route`'s request, with `fault` planned `times` at DynamoDB `api_call`."""

    route: str
    label: str
    api_call: str
    fault: str
    times: int
    what: str
    strict: bool


#: Cases of targeted routes run this many at a time (the SDK's backoff sleeps overlap); those whose
#: clients mostly sleep (waiting out an in-progress idempotency record) this many, beside them.
CASE_WORKERS = 8
WAITING_WORKERS = 32


def run_cases(
    api: Api, store: Store, faults: Faults, tally: Tally, section: str, jobs: list[Job]
) -> dict[str, str]:
    """Untargeted routes' cases one at a time (their faults hit any request), then targeted routes'
    cases side by side; the orders they made."""

    def one(job: Job) -> dict[str, str]:
        case = MUTATIONS[job.route].start(api, store, job.label)
        plan = faults.once(api_of(job.api_call), job.fault, times=job.times, only=case.only(job.api_call))
        with plan as planned:
            first = case.send()
        if planned.left == job.times:  # the request never made that call: the case tested nothing
            tally.note(f"harness: {job.what}: the fault never fired (no such call was made)")
        case.settle(first, job.what, tally, strict=job.strict)
        return case.made

    made: dict[str, str] = {}
    alone = [job for job in jobs if not MUTATIONS[job.route].targeted]
    with tally.timed(f"{section} ({', '.join(sorted({job.route for job in alone}))})"):
        for job in alone:
            made |= one(job)
    side_by_side = [job for job in jobs if MUTATIONS[job.route].targeted]
    # Faults at an idempotency record mostly leave it in progress: their clients wait out the first
    # attempt's Lambda time, asleep. They run in a pool of their own beside the others.
    waiting = [job for job in side_by_side if IDEMPOTENCY in job.api_call]
    busy = [job for job in side_by_side if IDEMPOTENCY not in job.api_call]
    routes = ", ".join(sorted({job.route for job in side_by_side}))
    with (
        tally.timed(f"{section} ({routes})"),
        ThreadPoolExecutor(max_workers=WAITING_WORKERS) as asleep,
        ThreadPoolExecutor(max_workers=CASE_WORKERS) as pool,
    ):
        for orders in itertools.chain(asleep.map(one, waiting), pool.map(one, busy)):
            made |= orders
    return made


def retries_without_key(api: Api, faults: Faults, tally: Tally) -> None:
    """Without a key a retry is a new request: two orders, as documented; counted, not a fault."""
    with faults.once("PutItem", "lost_response"):
        status, _ = api.create(None)
    tally.injected_faults += 1
    if status >= 500:
        tally.problem("server_errors", f"lost response without a key: {status}")
