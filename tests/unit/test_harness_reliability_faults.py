"""The reliability harness' unexpected faults (harness/reliability/unexpected.py and
unexpected_flows.py, issue 29): the in-process hooks that make the service raise a plain exception at
one planned call (and only there), the judges of a keyed request's answers and effects, and whole flows
run against an API in memory that stores its answer, or (as before issue 29) drops it and runs the
request again."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from botocore.exceptions import BotoCoreError
from orders_domain.domain import order_text
from orders_domain.domain.errors import InternalFault, OrdersError
from orders_domain.http.representation import order_json
from orders_domain.models import BatchOperation, OrderCreateRequest
from orders_domain.services.batch import RunBatch
from orders_domain.services.change import ChangeOrders
from orders_domain.services.common import order_id_for_key
from orders_domain.services.create import CreateOrders

from harness.reliability import (
    FLOWS,
    LIST,
    ORDER,
    POINTS,
    TENANT,
    BatchFlow,
    Exchange,
    Reply,
    Tally,
    Unexpected,
    add,
    batch_result_problems,
    batch_results,
    count_problems,
    create_flow,
    exchange_problems,
    exchanged,
    list_problems,
    patched_values,
    unfinished,
    verdict,
)
from harness.reliability import unexpected_flows as faults
from tests.fakes import InMemoryOrderRepository


def kinds(problems: list[tuple[str, str]]) -> set[str]:
    return {kind for kind, _ in problems}


# ------------------------------------------------------------------ the hooks, on the real services
@pytest.fixture
def unexpected() -> Any:
    hooks = Unexpected()
    with hooks.installed():
        yield hooks


def services() -> tuple[InMemoryOrderRepository, CreateOrders, ChangeOrders]:
    repo = InMemoryOrderRepository()
    return repo, CreateOrders(repo), ChangeOrders(repo, sleep=lambda _: None)


def created(creates: CreateOrders, memo: str | None = None, key: str | None = None) -> Any:
    request = OrderCreateRequest.model_validate({**ORDER, **({"memo": memo} if memo else {})})
    return creates.create(request, tenant_id=TENANT, actor="key_t", idempotency_key=key).order


def test_given_a_render_planned_for_one_order_when_answers_render_then_that_one_raises_once(
    unexpected: Unexpected,
) -> None:
    _, creates, _ = services()
    aimed, other = created(creates), created(creates)
    with unexpected.once("render", aimed.id) as plan:
        order_json(other)  # another order's answer renders
        with pytest.raises(RuntimeError) as raised:
            order_json(aimed)
        order_json(aimed)  # spent: the next answer renders
    assert plan.left == 0
    assert unexpected.fired == 1
    # a plain exception: neither the service's own error nor the store's
    assert not isinstance(raised.value, OrdersError | BotoCoreError)


def test_given_the_hooks_when_uninstalled_then_the_originals_are_back() -> None:
    originals = (order_text.links_for, CreateOrders.create, ChangeOrders.patch)
    hooks = Unexpected()
    with hooks.installed():
        assert order_text.links_for is not originals[0]
        assert CreateOrders.create is not originals[1]
        assert ChangeOrders.patch is not originals[2]
    assert (order_text.links_for, CreateOrders.create, ChangeOrders.patch) == originals


def test_given_a_create_planned_to_raise_when_it_runs_then_before_nothing_is_written_after_the_order_is(
    unexpected: Unexpected,
) -> None:
    repo, creates, _ = services()
    with unexpected.once("create_before", "m-1"), pytest.raises(ArithmeticError):
        created(creates, memo="m-1", key="k-1")
    assert repo.orders == {}
    created(creates, memo="m-other")  # another create is not aimed at
    with unexpected.once("create_after", "m-2"), pytest.raises(ArithmeticError):
        created(creates, memo="m-2", key="k-2")
    assert (TENANT, order_id_for_key(TENANT, "k-2")) in repo.orders
    assert unexpected.fired == 2


def test_given_a_batch_whose_patch_raises_after_its_write_then_the_fault_is_its_result_and_the_write_in(
    unexpected: Unexpected,
) -> None:
    repo, creates, changes = services()
    x = created(creates)
    batch = RunBatch(creates, changes)
    operations = [
        BatchOperation.model_validate({"operation": "create", "object": {**ORDER, "memo": "v-1"}}),
        BatchOperation.model_validate({"operation": "patch", "id": x.id, "patch_directives": add("v-1")}),
    ]
    with unexpected.once("patch_after", "v-1"):
        results = batch.run(TENANT, operations, actor="key_t", idempotency_key="batch-1")
    assert results[0].error is None
    assert isinstance(results[1].error, InternalFault)
    assert isinstance(results[1].error.cause, RuntimeError)
    assert repo.orders[(TENANT, x.id)][0].additional_email_confirmation_recipients == ["v-1"]


def test_given_a_plan_when_its_block_ends_then_it_is_gone_spent_or_not(unexpected: Unexpected) -> None:
    with unexpected.once("patch_before", "v"):
        pass
    assert not unexpected.take("patch_before", "v")
    with pytest.raises(ValueError, match="no such point"):
        unexpected.once("nowhere", "v").__enter__()


def test_a_patch_carries_its_values_as_markers() -> None:
    assert patched_values([*add("v"), {"op": "remove", "path": "/memo"}]) == ["v"]
    assert patched_values(None) == []
    assert patched_values("add") == []


# ------------------------------------------------------------------ judges
def ok_batch(*outcomes: dict[str, Any], replayed: bool = False) -> Reply:
    headers = {"idempotent-replayed": "true"} if replayed else {}
    return Reply(200, {"results": list(outcomes)}, headers)


SUCCESS = {"outcome": "success"}
FAULT = {"outcome": "error", "status": 500, "code": "internal_error"}
ERROR_500 = Reply(500, {"code": "internal_error"})


@pytest.mark.parametrize(
    ("exchange", "first_may_fail", "found"),
    [
        # a single-order route: no answer stored, the retry finds the write, the next send replays it
        (Exchange(ERROR_500, Reply(200, {"v": 2}), Reply(200, {"v": 2}), True), True, set()),
        # a batch: the operation's fault is its result, stored and replayed
        (
            Exchange(ok_batch(SUCCESS, FAULT), ok_batch(SUCCESS, FAULT, replayed=True), None, True),
            False,
            set(),
        ),
        # a batch that answered 500 for an operation's fault (before issue 29)
        (Exchange(ERROR_500, ok_batch(SUCCESS, SUCCESS), None, True), False, {"server_errors"}),
        (Exchange(ERROR_500, ERROR_500, None, True), True, {"server_errors"}),  # the retry, a 5xx
        (Exchange(ERROR_500, Reply(503, None), None, True), True, set()),  # "again later" is no 5xx
        # a stored answer the retry does not replay: the request ran again
        (Exchange(Reply(200, {"v": 2}), Reply(200, {"v": 3}), None, True), True, {"double_effects"}),
        (Exchange(ERROR_500, Reply(200, {"v": 2}), Reply(200, {"v": 3}), True), True, {"double_effects"}),
    ],
)
def test_a_keyed_requests_answers_are_judged(
    exchange: Exchange, first_may_fail: bool, found: set[str]
) -> None:
    assert kinds(exchange_problems(exchange, 200, first_may_fail=first_may_fail)) == found


@pytest.mark.parametrize(
    ("count", "expected", "found"),
    [(1, 1, set()), (2, 1, {"double_effects"}), (0, 1, {"lost_updates"}), (1, 0, {"partial_writes"})],
)
def test_effects_are_counted(count: int, expected: int, found: set[str]) -> None:
    assert kinds(count_problems("orders", count, expected)) == found


@pytest.mark.parametrize(
    ("values", "version", "found"),
    [
        (["a", "v"], 3, set()),
        (["v", "v"], 3, {"double_effects"}),
        (["a"], 3, {"lost_updates"}),
        (["v"], 4, {"double_effects"}),  # once, in two writes
    ],
)
def test_the_patched_value_must_be_in_once_in_one_write(
    values: list[str], version: int, found: set[str]
) -> None:
    assert kinds(list_problems({LIST: values, "sys_version": version}, "v", base=2)) == found


CREATE_OK = {**SUCCESS, "idempotency_key": "k#1"}
CREATE_FAULT = {**FAULT, "idempotency_key": "k#1"}


@pytest.mark.parametrize(
    ("answer", "faulted", "found"),
    [
        (ok_batch(SUCCESS, CREATE_FAULT), 1, set()),
        (ok_batch(SUCCESS, CREATE_OK), None, set()),
        (ok_batch(SUCCESS, CREATE_OK), 1, {"server_errors"}),  # the faulted operation reported done
        (
            ok_batch({"outcome": "error", "status": 404, "code": "not_found"}, CREATE_FAULT),
            1,
            {"lost_updates"},
        ),
        (ok_batch(SUCCESS, FAULT), 1, {"lost_updates"}),  # the create names no key to send it alone with
        (ok_batch(SUCCESS), 1, {"lost_updates"}),  # a result missing
        (ERROR_500, 1, {"server_errors"}),
    ],
)
def test_a_keyed_batchs_answer_is_judged(answer: Reply, faulted: int | None, found: set[str]) -> None:
    assert kinds(batch_result_problems(answer, ("patch", "create"), faulted, "k")) == found


def test_a_client_finishes_every_operation_not_reported_done() -> None:
    assert batch_results(ERROR_500, 2) == [None, None]
    assert [unfinished(r) for r in batch_results(ok_batch(SUCCESS, FAULT), 2)] == [False, True]
    assert unfinished(None)


def test_answers_are_summed_up_for_the_notes_and_flows_for_the_results_file() -> None:
    assert (
        ok_batch(SUCCESS, FAULT, replayed=True).summary()
        == "200 [success, error 500 internal_error] (replayed)"
    )
    assert ERROR_500.summary() == "500 internal_error"
    assert verdict([]) == "ok"
    assert verdict([("double_effects", "twice")]) == "double_effects: twice"


def test_a_keyed_request_is_sent_under_the_fault_then_until_settled_then_once_more() -> None:
    hooks = Unexpected()
    answers = [
        ERROR_500,
        Reply(409, {"code": "idempotency_in_progress"}),
        Reply(200, {"v": 2}),
        Reply(200, {"v": 2}),
    ]
    sent: list[bool] = []

    def send() -> Reply:
        sent.append(hooks.take("render", "o-1"))  # the service's answer, as the hook sees it
        return answers.pop(0)

    exchange = exchanged(send, 200, hooks.once("render", "o-1"))
    assert sent == [True, False, False, False]
    assert exchange.fired
    assert (exchange.first, exchange.retry, exchange.again) == (
        ERROR_500,
        Reply(200, {"v": 2}),
        Reply(200, {"v": 2}),
    )


def test_every_multi_write_flow_of_the_issue_is_run() -> None:
    names = set(FLOWS)
    assert {"create_answer_raises", "patch_answer_raises", "fulfil_answer_raises"} <= names
    assert {"cancel_answer_raises", "refund_answer_raises", "create_raises_before_its_write"} <= names
    batches = {
        name: getattr(flow, "__self__", None) for name, flow in FLOWS.items() if name.startswith("batch")
    }
    points = {(b.kinds, b.point) for b in batches.values() if isinstance(b, BatchFlow)}
    assert (("patch", "create"), "create_before") in points  # the issue's case: a create that raises
    assert (("create", "patch"), "patch_after") in points  # a patch that raises after a create
    assert {point for _, point in points} <= set(POINTS)


# ------------------------------------------------------------------ whole flows, against an API in memory
class MemoryApi:
    """The few routes a flow sends, in memory, with the hooks' plans honoured where the service's
    code would meet them: keyed creates derive their order's id from the key (unless `keyed_ids` is
    off), PATCH appends (If-Match honoured), a keyed request stores its answer and replays it. A
    keyed request that raised is not stored (Powertools drops its record) and runs again when
    retried; `batch_fault_fails_it`: an operation's fault fails the whole batch (before issue 29)."""

    def __init__(
        self, hooks: Unexpected, *, keyed_ids: bool = True, batch_fault_fails_it: bool = False
    ) -> None:
        self.hooks = hooks
        self.keyed_ids = keyed_ids
        self.batch_fault_fails_it = batch_fault_fails_it
        self.orders: dict[str, dict[str, Any]] = {}
        self.stored: dict[str, tuple[int, Any]] = {}

    # the service
    def _create(self, body: dict[str, Any], key: str | None) -> dict[str, Any]:
        memo = body.get("memo")
        self.hooks.raise_if("create_before", memo)
        order_id = order_id_for_key(TENANT, key) if key and self.keyed_ids else f"o-{len(self.orders)}"
        if order_id not in self.orders:
            self.orders[order_id] = {"id": order_id, "memo": memo, LIST: [], "sys_version": 1}
        self.hooks.raise_if("create_after", memo)
        return self.orders[order_id]

    def _patch(
        self, order_id: str, operations: list[dict[str, Any]], if_match: int | None
    ) -> tuple[int, Any]:
        values = patched_values(operations)
        self.hooks.raise_if("patch_before", *values)
        doc = self.orders[order_id]
        if if_match is not None and if_match != doc["sys_version"]:
            return 412, {"code": "precondition_failed"}
        for op in operations:
            if op["path"].endswith("/-"):
                doc[LIST].append(op["value"])
        doc["sys_version"] += any(op["path"].endswith("/-") for op in operations)
        self.hooks.raise_if("patch_after", *values)
        return 200, doc

    def _render(self, doc: dict[str, Any]) -> dict[str, Any]:
        self.hooks.raise_if("render", doc["id"])
        return copy.deepcopy(doc)

    def _batch(self, operations: list[dict[str, Any]], key: str) -> tuple[int, Any]:
        ran: list[tuple[dict[str, Any], Any]] = []
        for position, op in enumerate(operations):
            try:
                if op["operation"] == "create":
                    ran.append(({**SUCCESS, "idempotency_key": f"{key}#{position}"}, None))
                    self._create(op["object"], f"{key}#{position}")
                else:
                    ran.append((SUCCESS, self.orders[op["id"]]))
                    self._patch(op["id"], op["patch_directives"], None)
            except (ArithmeticError, RuntimeError):
                if self.batch_fault_fails_it:
                    raise
                ran[-1] = ({**ran[-1][0], **FAULT}, None)
        results = [{**result, **({"object": self._render(doc)} if doc else {})} for result, doc in ran]
        return 200, {"results": results}

    def _keyed(self, key: str, run: Any) -> tuple[int, Any, dict[str, str]]:
        if key in self.stored:
            return (*self.stored[key], {"idempotent-replayed": "true"})
        try:
            answer = run()
        except (ArithmeticError, RuntimeError):
            return 500, {"code": "internal_error"}, {}
        self.stored[key] = answer
        return (*answer, {})

    # the routes (as harness.reliability.Api has them)
    def request(
        self, method: str, path: str, body: Any = None, *, idempotency_key: str, **_: Any
    ) -> tuple[int, Any, dict[str, str]]:
        if path.endswith("/batch"):
            return self._keyed(idempotency_key, lambda: self._batch(body["operations"], idempotency_key))
        return self._keyed(idempotency_key, lambda: (201, self._render(self._create(body, idempotency_key))))

    def call(
        self, method: str, path: str, body: Any = None, idempotency_key: str | None = None
    ) -> tuple[int, Any]:
        assert idempotency_key is not None
        status, answer, _ = self.request(method, path, body, idempotency_key=idempotency_key)
        return status, answer

    def patch(
        self, order_id: str, operations: list[dict[str, Any]], if_match: int | None = None
    ) -> tuple[int, Any]:
        if operations[0]["path"] == f"/{LIST}":  # the set-up's empty list: there already
            return 200, copy.deepcopy(self.orders[order_id])
        status, doc = self._patch(order_id, operations, if_match)
        return status, self._render(doc) if status == 200 else doc

    def read(self, order_id: str) -> tuple[int, Any, dict[str, str]]:
        return 200, copy.deepcopy(self.orders[order_id]), {}


class MemoryStore:
    def __init__(self, api: MemoryApi) -> None:
        self.api = api

    def doc(self, order_id: str) -> dict[str, Any]:
        return copy.deepcopy(self.api.orders[order_id])

    def with_memo(self, memo: str) -> list[dict[str, Any]]:
        return [doc for doc in self.api.orders.values() if doc["memo"] == memo]


def run_flow(flow: Any, **service: bool) -> tuple[Any, MemoryApi]:
    hooks = Unexpected()
    api = MemoryApi(hooks, **service)
    return flow(api, MemoryStore(api), hooks, "flow", "label-1"), api


@pytest.mark.parametrize(
    "flow",
    [
        BatchFlow(("patch", "create"), "create_before"),
        BatchFlow(("patch", "create"), "create_after"),
        BatchFlow(("create", "patch"), "patch_before"),
        BatchFlow(("create", "patch"), "patch_after"),
    ],
)
def test_given_a_batch_that_stores_an_operations_fault_as_its_result_then_one_effect_each(
    flow: BatchFlow,
) -> None:
    report, api = run_flow(flow.run)
    assert report.problems == [], report.notes
    assert "first 200" in report.notes[0]
    assert "(replayed)" in report.notes[0]
    assert [doc[LIST] for doc in api.orders.values() if doc["memo"] is None] == [["label-1"]]
    assert len(report.made) == 2  # X, and the one order the create made


def test_given_a_batch_that_answers_500_for_an_operations_fault_then_its_retry_runs_the_patch_again() -> None:
    """The issue's case: the patch applied again by each retry (and the 500 itself)."""
    report, _api = run_flow(BatchFlow(("patch", "create"), "create_before").run, batch_fault_fails_it=True)
    assert kinds(report.problems) == {"server_errors", "double_effects"}, report.problems
    assert "first 500 internal_error" in report.notes[0]


def test_given_a_batch_whose_answer_raises_after_its_writes_then_a_rerun_is_a_double_effect() -> None:
    report, _ = run_flow(BatchFlow(("patch", "create"), "render").run)
    assert kinds(report.problems) == {"double_effects"}, report.problems
    assert faults.verdict(report.problems).startswith("double_effects: 'label-1' in the order's list: 2")


@pytest.mark.parametrize("point", ["render", "create_before"])
def test_given_a_keyed_create_that_raises_then_its_retry_answers_the_one_order(point: str) -> None:
    report, api = run_flow(create_flow(point))
    assert report.problems == [], report.notes
    assert report.notes[0].startswith("unexpected faults: flow: first 500 internal_error, retry 201")
    assert list(api.orders) == [order_id_for_key(TENANT, "label-1")]


def test_given_a_create_whose_retry_makes_another_order_then_a_double_effect() -> None:
    report, _ = run_flow(create_flow("render"), keyed_ids=False)
    assert kinds(report.problems) == {"double_effects"}, report.problems


def test_given_a_flow_whose_fault_never_fired_then_the_harness_says_so() -> None:
    api = MemoryApi(Unexpected())
    report = BatchFlow(("patch", "create"), "create_before").run(
        api,  # type: ignore[arg-type]
        MemoryStore(api),  # type: ignore[arg-type]
        Unexpected(),  # another set of hooks: the service never meets this plan
        "flow",
        "label-1",
    )
    assert report.problems == []
    assert any(note.startswith("harness: ") for note in report.notes)


def test_the_section_counts_each_flows_problems_in_the_tally(monkeypatch: pytest.MonkeyPatch) -> None:
    def clean(api: Any, store: Any, hooks: Unexpected, name: str, label: str) -> Any:
        return faults.FlowReport(name, made={label: "o-1"})

    def doubled(api: Any, store: Any, hooks: Unexpected, name: str, label: str) -> Any:
        return faults.FlowReport(name, problems=[("double_effects", "twice")])

    monkeypatch.setattr(faults, "FLOWS", {"clean": clean, "doubled": doubled})
    tally = Tally()
    verdicts, made = faults.unexpected_faults(None, None, tally)  # type: ignore[arg-type]
    assert verdicts == {"clean": "ok", "doubled": "double_effects: twice"}
    assert tally.double_effects == 1
    assert list(made.values()) == ["o-1"]
