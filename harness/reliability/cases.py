"""One request of a mutating route under a fault: the `Case` a route family's module makes (made
ready, sent under the fault, settled by a careful client, checked), and the `Route` each family
registers in its `ROUTES` table (its DynamoDB writes and calls, and the maker of its `Case`); with what
cases of several families share: the first answer's judge, the id of a request's idempotency record
(where faults at that record aim), and the judge of a keyed replay."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from harness.reliability.clients import retryable
from harness.reliability.core import TENANT, Answer, Api, Store, Tally


class Case:
    """One request of a mutating route: made ready (before any fault), sent (under one), then settled
    as a careful client settles it, and checked against what the store holds."""

    #: Orders made for or by this case: idempotency key -> order id.
    made: dict[str, str]

    def only(self, call: str) -> str | None:
        """Text that this case's request to DynamoDB `call` carries (None: any request)."""
        return None

    def send(self) -> Answer:
        raise NotImplementedError

    def settle(self, first: Answer, what: str, tally: Tally, *, strict: bool) -> None:
        """Finish the request as the client does and check it. `strict`: the first answer must be a
        success or "again later"."""
        raise NotImplementedError


def first_answer(tally: Tally, what: str, first: Answer, ok: Sequence[int], *, strict: bool) -> None:
    status, body = first
    if status >= 500 and status != 503:
        tally.problem("server_errors", f"{what}: {status} {body}")
    elif strict and status not in ok and not retryable(status, body):
        tally.problem("server_errors", f"{what}: unexpected {status} {body}")


@dataclass(frozen=True)
class Route:
    #: The DynamoDB writes of one request (their answers are lost).
    writes: tuple[str, ...]
    #: Every DynamoDB call of one request (faults are injected at each).
    calls: tuple[str, ...]
    #: (api, store, label) -> one request of the route, made ready.
    start: Callable[[Api, Store, str], Case]
    #: Whether its cases aim their faults at their own orders (`Case.only`), so may run side by side.
    targeted: bool = True


def idempotency_text(path: str, key: str) -> str:
    """The id of the idempotency record of (TENANT, POST `path`, key): text that only that record's
    PutItem and UpdateItem carry (orders_domain.http.idempotency keys a record by tenant, route and key)."""
    from orders_domain.runtime import wiring

    store = wiring.current().idempotency_store
    hashed = store._get_hashed_idempotency_key(  # the record id Powertools writes
        {"tenant_id": TENANT, "route": f"POST {path}", "key": key}
    )
    return str(hashed)


#: Answers to a client's retry that say the change is no longer possible because it was made (by an
#: earlier send whose answer the client never got): the order's state (409), nothing left open (422),
#: the version moved (412). The client then reads the order; the case's checks do the same.
REFUSED_AS_DONE = (409, 412, 422)


def check_replay(tally: Tally, what: str, final: Answer, replay: Answer) -> None:
    """A request answered 200 under a key, sent again with it, gets the same answer (not a new run)."""
    if final[0] == 200 and replay != final:
        tally.problem(
            "double_effects", f"{what}: the key's replay is not its answer: {replay[0]} {replay[1]}"
        )
