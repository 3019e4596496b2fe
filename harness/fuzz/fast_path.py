"""`make fuzz`'s differential check of the fast path (issue 36, orders_domain/http/fast_path.py).

While `differential()` is active, every request the fast path answers (the sweeps', schemathesis',
the boundary cases': whatever reaches an opted-in route in the gateway's process) is answered again
by the general path, `app.resolve` (the resolver with its routing, its validation and the one problem
mapping), from a copy of the same event taken before either ran; the two Lambda answers must be the
same dict, serialised byte for byte (keys in the same order). A request the fast path declines is
answered by the general path alone: there is nothing to compare. `x-request-id` is stamped on both
alike afterwards (api.resolve), so it is not part of either.

The results (results.py): `fast_path_requests`, how many answers were compared, and
`fast_path_differences`, how many differed; any difference fails the run, and so does a run in which
the fast path answered nothing (a check that compared nothing proves nothing).
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from unittest import mock

if TYPE_CHECKING:
    from orders_domain.http.fast_path import FastPaths

#: How much of each differing answer a difference quotes.
QUOTED_CHARS = 300


@dataclass
class Differential:
    """What the check saw: answers compared, and one line per difference."""

    requests: int = 0
    differences: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def compare(self, event: dict[str, Any], fast: dict[str, Any], general: dict[str, Any]) -> None:
        """Count one compared request; record it when the two answers are not byte-identical."""
        same = serialised(fast) == serialised(general)
        with self._lock:
            self.requests += 1
            if not same:
                self.differences.append(difference(event, fast, general))

    def results(self) -> dict[str, int]:
        return {"fast_path_requests": self.requests, "fast_path_differences": len(self.differences)}


def serialised(value: Any) -> str:
    """A value as Lambda's runtime would send it on (keys in their order; anything not JSON as its
    repr, so it still differs where it differs) (pure)."""
    return json.dumps(value, default=repr)


def difference(event: dict[str, Any], fast: dict[str, Any], general: dict[str, Any]) -> str:
    """One line naming the request and the members that differ, with the start of each (pure)."""
    members = [
        name
        for name in dict.fromkeys([*fast, *general])
        if serialised(fast.get(name)) != serialised(general.get(name))
    ]
    quoted = "; ".join(
        f"{name}: fast {serialised(fast.get(name))[:QUOTED_CHARS]}, "
        f"general {serialised(general.get(name))[:QUOTED_CHARS]}"
        for name in members
    )
    return f"{event.get('httpMethod')} {event.get('path')}: {quoted or 'the same members in another order'}"


@contextmanager
def differential() -> Iterator[Differential]:
    """Every fast answer checked against the general path's while the block runs."""
    # Imported here: the functions' environment (local.serve) is set up before the layer is imported.
    from orders_domain.http.fast_path import FastPaths

    record = Differential()
    answer = FastPaths.answer

    def checked(self: FastPaths, event: dict[str, Any], context: Any) -> dict[str, Any] | None:
        pristine = copy.deepcopy(event)
        fast = answer(self, event, context)
        if fast is not None:
            # The fast path answers only GETs (reads): answering one again changes nothing.
            record.compare(pristine, fast, self.app.resolve(copy.deepcopy(pristine), context))
        return fast

    with mock.patch.object(FastPaths, "answer", checked):
        yield record
