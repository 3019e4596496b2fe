"""`make reliability`: whether a retry, a race or a fault can lose or double an order.

On DynamoDB Local (moto has neither real concurrency nor transaction tokens), through the local
gateway over HTTP, with the functions' real handlers. Writes reliability-results.json
(`python -m harness.reliability [--quick]`, which `make reliability [QUICK=1]` runs).

What it proves, section by section, in the order the run takes them (each module's docstring says how,
in full):

- **races** (`orders.py`): concurrent creates with one Idempotency-Key, with different keys, and
  reads of those orders while they are written;
- **patch storms** and **batch vs single races** (`changes.py`): concurrent PATCHes of one order, with
  and without If-Match; a keyed batch racing single PATCHes and DELETEs; a keyed batch of creates sent
  5 times at once;
- **fulfil storms** (`fulfilment.py`): fulfils and cancels of single units of one order at once;
- **refund storms** (`refunds.py`): refunds of one line at once, by id and by token;
- **coupon-code storms** (`coupon_codes.py`, issue 32): the coupon-code action (a refund of the lines
  a coupon code applied to) sent 8 times at once on one order, keyed or not, with If-Match or not, in
  either body: one refund, every other answer 409 `already_refunded` (412 with If-Match); then one
  keyed action sent 5 times at once;
- **place storms** (`dialects.py`): one distribution order_number placed 8 times at once;
- **stock races** (`catalogue.py`, issue 31): 10 keyed creates at once of a product of 3 units (3
  orders, 7 `sold_out`), then those orders cancelled twice each while 6 more creates ask: the stock
  plus the units orders hold is the start, never lost, never counted twice;
- **lost responses** and **injected faults** (`runner.py`): every mutating route of `MUTATIONS`
  (`routes.py`) at every DynamoDB write call (its answer lost) and at every call (throttling, a
  conflict, a 500, a timeout), then settled by a careful client: every change exactly once;
- **unexpected faults** (issue 29, `unexpected.py`, `unexpected_flows.py`): the service raises a plain Python
  exception (no service error, no botocore error), by an in-process hook on the domain layer aimed at
  one flow's request, after something was written: in a keyed batch (patch X, then a create that
  raises before or after its write; a create, then a patch of X that raises before or after its
  write; the rendering of its answer) and in the answer of a keyed create, an unkeyed PATCH, a keyed
  partial fulfil, partial cancel and refund (and a keyed create that raises before its only write).
  An operation's fault must be its error result (500 `internal_error`) in a batch answered 200 and
  stored: the retry with the key replays it. A single-order route may answer 500 (no answer stored);
  the retry with the same key must find the first write and answer it (never a 5xx), a further send
  replay that. The client finishes what is not reported done (a batch's create alone under its key, a
  patch with If-Match), and each change must be in exactly once. Each flow's verdict ("ok" or its
  problems) is `unexpected_faults` in the results file.
- the **invariant checker** (`invariants.py`) over every order afterwards, its money rules in
  `money.py`; and every product the run stocked against every order (`catalogue.stock_invariants`);
- **stream replay** (`stream.py`): the run's stream delivered once, then again in random batches with
  faults: nothing may change.

Where the parts live (all in `harness/reliability/`):

- shared machinery: `core.py` (constants, `Tally`, the `Api` client, the `Store`, `key_text`),
  `faults.py` (`Faults`: the botocore hooks that lose answers and inject errors), `clients.py` (the
  careful client: `retryable`, `until_settled`, `careful_patch`, `check_list`), `cases.py` (`Case`,
  `Route` and what cases share), `money.py`, `runner.py` (the cases under faults), `routes.py` (the
  `MUTATIONS` table), `invariants.py`, `results.py` (`run`: the sections in turn, the results) and
  `__main__.py` (the command line: writes and prints the results);
- one module per route family, each with its judges, its concurrent section and its `Case`s, and its
  `ROUTES` table: `orders.py` (create, and reads while orders are written), `changes.py` (PATCH,
  PUT, DELETE, batch), `fulfilment.py` (fulfil, cancel, void, close, the fulfillment PATCH of
  tracking and of a will-call pickup; its judges in `fulfilment_judges.py`), `refunds.py` (refunds,
  refund reasons), `dialects.py` (theatre and distribution, JSON and XML; the place's judges in
  `dialect_judges.py`), `coupon_codes.py` (the coupon-code action: its refund, once, reason
  `coupon_code_action`), `catalogue.py` (the stock a create reserves and a cancel gives back, a
  product's PUT, a credit's grant; its judges in `catalogue_judges.py`), `checkout.py` (the admin's
  override create, reserving the overridden units; its judge `override_problems`) and `stream.py`. The search
  and list routes write nothing: the harness reads orders only while the races write them.
- the unexpected faults: `unexpected.py` (the hooks, the answers, the judges) and
  `unexpected_flows.py` (the flows, `FLOWS`, the section).

How a new operation joins:

1. A route that writes: its `Case` (made ready in `__post_init__`; `only`, the text its DynamoDB
   requests carry; `send`; `settle`, as a careful client, then checked) and its `Route` entries (its
   writes, its calls, the maker of its `Case`) in its family module's `ROUTES` table. A new family:
   add one module here, `harness/reliability/<family>.py`, with its `ROUTES`, and register it with
   one line, `**<family>.ROUTES`, in `MUTATIONS` (`routes.py`). Lost responses and injected faults
   then run it at every call, and the invariant checker checks the orders it made.
2. A concurrent section of its own: a function `(api, store, tally, scale) -> made orders` in its
   module, called in `results.run` (timed, its orders joined to `made`).
3. A multi-write flow under unexpected faults: a function in `unexpected_flows.py`, named in `FLOWS`.
4. The names its tests use: re-exported below.

Mutating routes join through `MUTATIONS`: the DynamoDB calls a request makes (its writes, whose
answers are lost; every call, where faults are injected) and a maker of one request of the route
(`Case`: made ready, sent under the fault, then settled by a careful client and checked).
"""

from __future__ import annotations

from harness.reliability.cases import Case, Route, idempotency_text
from harness.reliability.catalogue import (
    STOCKED,
    GrantCase,
    ProductCase,
    ReleasingCancelCase,
    ReservingCreateCase,
    stock_invariants,
    stock_races,
)
from harness.reliability.catalogue_judges import (
    RaceCall,
    credit_problems,
    holding,
    holding_problems,
    race_problems,
    stock_problems,
)
from harness.reliability.changes import BatchCase
from harness.reliability.clients import add, check_list, retryable
from harness.reliability.core import (
    DISTRIBUTION_CANCEL,
    DISTRIBUTION_PATH,
    FULFIL_ORDER,
    JSON,
    LIST,
    ORDER,
    PARTIAL_FULFIL,
    PARTIAL_FULFIL_DELTA,
    REFUNDS_PATH,
    RESULTS,
    TENANT,
    THEATRE_FULFIL_PATH,
    XML,
    Api,
    SetupFailed,
    Store,
    Tally,
    key_text,
    order_key,
    xml_text,
    xml_value,
)
from harness.reliability.coupon_codes import (
    COUPON_ACTION_PATH,
    COUPON_CODE,
    COUPON_ORDER,
    COUPON_REASON,
    ActionCall,
    CouponCodeCase,
    answer_problems,
    coupon_code_storms,
    coupon_refund_problems,
    seeds_body,
)
from harness.reliability.coupon_codes import storm_problems as coupon_storm_problems
from harness.reliability.dialect_judges import (
    NUMBER_TAKEN,
    PlaceCall,
    number_id,
    place_body,
    place_storm_problems,
    placed_problems,
)
from harness.reliability.dialects import (
    PLACE_WRITES,
    DistributionCancelCase,
    PlaceCase,
    TheatreFulfilCase,
    TheatreRefundCase,
    etag_version,
)
from harness.reliability.faults import IDEMPOTENCY, Faults, api_of, faults_at
from harness.reliability.fulfilment import FULFIL_CALLS
from harness.reliability.fulfilment_judges import (
    Outcome,
    effect_problems,
    fulfil_record_problems,
    fulfillment_problems,
    open_units,
    record_version,
    storm_problems,
)
from harness.reliability.invariants import check_invariants
from harness.reliability.money import all_money_problems, money_problems
from harness.reliability.refunds import (
    RefundCall,
    RefundCase,
    refund_effect_problems,
    refund_problems,
    refund_storm_problems,
    refunds_of,
)
from harness.reliability.results import run
from harness.reliability.routes import MUTATIONS
from harness.reliability.unexpected import (
    POINTS,
    Exchange,
    Reply,
    Unexpected,
    batch_result_problems,
    batch_results,
    count_problems,
    exchange_problems,
    exchanged,
    list_problems,
    patched_values,
    unfinished,
    verdict,
)
from harness.reliability.unexpected_flows import FLOWS, BatchFlow, FlowReport, create_flow, unexpected_faults

__all__ = [
    "COUPON_ACTION_PATH",
    "COUPON_CODE",
    "COUPON_ORDER",
    "COUPON_REASON",
    "DISTRIBUTION_CANCEL",
    "DISTRIBUTION_PATH",
    "FLOWS",
    "FULFIL_CALLS",
    "FULFIL_ORDER",
    "IDEMPOTENCY",
    "JSON",
    "LIST",
    "MUTATIONS",
    "NUMBER_TAKEN",
    "ORDER",
    "PARTIAL_FULFIL",
    "PARTIAL_FULFIL_DELTA",
    "PLACE_WRITES",
    "POINTS",
    "REFUNDS_PATH",
    "RESULTS",
    "STOCKED",
    "TENANT",
    "THEATRE_FULFIL_PATH",
    "XML",
    "ActionCall",
    "Api",
    "BatchCase",
    "BatchFlow",
    "Case",
    "CouponCodeCase",
    "DistributionCancelCase",
    "Exchange",
    "Faults",
    "FlowReport",
    "GrantCase",
    "Outcome",
    "PlaceCall",
    "PlaceCase",
    "ProductCase",
    "RaceCall",
    "RefundCall",
    "RefundCase",
    "ReleasingCancelCase",
    "Reply",
    "ReservingCreateCase",
    "Route",
    "SetupFailed",
    "Store",
    "Tally",
    "TheatreFulfilCase",
    "TheatreRefundCase",
    "Unexpected",
    "add",
    "all_money_problems",
    "answer_problems",
    "api_of",
    "batch_result_problems",
    "batch_results",
    "check_invariants",
    "check_list",
    "count_problems",
    "coupon_code_storms",
    "coupon_refund_problems",
    "coupon_storm_problems",
    "create_flow",
    "credit_problems",
    "effect_problems",
    "etag_version",
    "exchange_problems",
    "exchanged",
    "faults_at",
    "fulfil_record_problems",
    "fulfillment_problems",
    "holding",
    "holding_problems",
    "idempotency_text",
    "key_text",
    "list_problems",
    "money_problems",
    "number_id",
    "open_units",
    "order_key",
    "patched_values",
    "place_body",
    "place_storm_problems",
    "placed_problems",
    "race_problems",
    "record_version",
    "refund_effect_problems",
    "refund_problems",
    "refund_storm_problems",
    "refunds_of",
    "retryable",
    "run",
    "seeds_body",
    "stock_invariants",
    "stock_problems",
    "stock_races",
    "storm_problems",
    "unexpected_faults",
    "unfinished",
    "verdict",
    "xml_text",
    "xml_value",
]
