"""The local runtime runs concurrent requests in threads of one process: what Powertools keeps on
classes (the current event, the metrics being collected) must be per thread there."""

from __future__ import annotations

import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from local.lambda_runtime import (
    FakeLambdaContext,
    FunctionTimeout,
    InstancePool,
    InvocationAbandoned,
    _PerThreadDict,
    isolate_concurrent_requests,
)


def test_given_a_per_thread_dict_when_another_thread_writes_and_clears_then_this_threads_stay() -> None:
    shared = _PerThreadDict()
    shared["mine"] = 1
    seen: list[list[str]] = []

    def other() -> None:
        seen.append(list(shared))
        shared["theirs"] = 2
        shared.clear()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert seen == [[]]
    assert dict(shared) == {"mine": 1}


def test_given_isolation_when_two_threads_add_and_flush_metrics_then_neither_clears_the_others() -> None:
    # GIVEN the runtime's isolation, and a metric added in this thread
    isolate_concurrent_requests()
    metrics = Metrics(namespace="Test", service="test")
    metrics.add_metric(name="Mine", unit=MetricUnit.Count, value=1)
    flushed: list[int] = []

    def other() -> None:
        # WHEN another thread (another request) sees its own empty set and clears it
        theirs = Metrics(namespace="Test", service="test")
        flushed.append(len(theirs.metric_set))
        theirs.clear_metrics()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    # THEN this thread's metric is still there to flush (on one shared dict it would be gone)
    assert flushed == [0]
    assert "Mine" in metrics.metric_set
    metrics.clear_metrics()


# ---------------------------------------------------------------------------- the function's Timeout
# Each instance (a fresh copy of the module) registers itself on the package, so a test can reach
# the one an invocation ran on; event {"hold": true} makes the handler wait until released.
SLOW_FUNCTION = """\
import importlib
import threading

PACKAGE = importlib.import_module(__name__.rsplit(".", 1)[0])
RELEASE = threading.Event()
PACKAGE.INSTANCES.append(RELEASE)


def lambda_handler(event, context):
    if event.get("raise"):
        raise ValueError("from the handler")
    if event.get("hold"):
        RELEASE.wait(5)
    PACKAGE.FINISHED.append(context.get_remaining_time_in_millis())
    return {"instance": PACKAGE.INSTANCES.index(RELEASE)}
"""


@pytest.fixture
def slow_function(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    package = f"slowfn_{uuid.uuid4().hex[:8]}"
    (tmp_path / package).mkdir()
    (tmp_path / package / "__init__.py").write_text("INSTANCES = []\nFINISHED = []\n")
    (tmp_path / package / "app.py").write_text(SLOW_FUNCTION)
    monkeypatch.syspath_prepend(str(tmp_path))
    __import__(package)
    yield sys.modules[package]
    for instance in sys.modules[package].INSTANCES:
        instance.set()  # let any abandoned handler finish
    for module in [m for m in sys.modules if m.startswith(package)]:
        del sys.modules[module]


def test_given_a_handler_past_its_timeout_then_function_timeout_is_raised_and_its_instance_never_reused(
    slow_function: ModuleType,
) -> None:
    # GIVEN a function with a 0.2 s timeout whose handler will not return before it is released
    pool = InstancePool(f"{slow_function.__name__}.app", function_name="Slow", timeout_seconds=0.2)
    started = time.monotonic()
    # WHEN it is invoked
    with pytest.raises(FunctionTimeout, match=r"Slow: Task timed out after 0\.20 seconds"):
        pool.invoke({"hold": True})
    # THEN the invocation ends at the timeout, as on Lambda, and the instance is discarded
    assert time.monotonic() - started < 1
    assert pool.discarded == 1
    # AND the next invocation runs on a fresh instance
    assert pool.invoke({}) == {"instance": 1}
    # AND the abandoned handler ran on in the background: released, it finishes, yet its instance
    # never comes back (the pool keeps handing out the second one)
    first = slow_function.INSTANCES[0]
    first.set()
    deadline = time.monotonic() + 5
    while len(slow_function.FINISHED) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [pool.invoke({}) for _ in range(3)] == [{"instance": 1}] * 3
    assert pool.created == 2


def test_given_a_handler_that_raises_or_answers_in_time_then_the_caller_gets_it_and_the_instance_is_reused(
    slow_function: ModuleType,
) -> None:
    # GIVEN a pool and a context of 5 s, which the handler sees counting down from the invocation's start
    pool = InstancePool(f"{slow_function.__name__}.app", function_name="Slow")
    context = FakeLambdaContext(function_name="Slow", timeout_seconds=5)
    # WHEN the handler raises, then answers
    with pytest.raises(ValueError, match="from the handler"):
        pool.invoke({"raise": True}, context)
    answer = pool.invoke({}, context)
    # THEN the exception reached the caller as it was, and one instance served both
    assert answer == {"instance": 0}
    assert pool.created == 1
    assert pool.discarded == 0
    assert 4000 < slow_function.FINISHED[-1] <= 5000


def test_given_a_caller_waiting_less_than_the_timeout_then_invocation_abandoned_and_the_handler_runs_on(
    slow_function: ModuleType,
) -> None:
    # GIVEN a 5 s function the caller waits 0.2 s for (API Gateway's integration timeout, shortened)
    pool = InstancePool(f"{slow_function.__name__}.app", function_name="Slow", timeout_seconds=5)
    # WHEN the handler takes longer
    with pytest.raises(InvocationAbandoned):
        pool.invoke({"hold": True}, wait_seconds=0.2)
    # THEN the handler runs on and, finishing within its own timeout, its instance serves again
    slow_function.INSTANCES[0].set()
    deadline = time.monotonic() + 5
    while not slow_function.FINISHED and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)  # the worker puts the instance back just after the handler returns
    assert pool.invoke({}) == {"instance": 0}
    assert pool.discarded == 0
