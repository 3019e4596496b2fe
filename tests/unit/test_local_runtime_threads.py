"""The local runtime runs concurrent requests in threads of one process: what Powertools keeps on
classes (the current event, the metrics being collected) must be per thread there."""

from __future__ import annotations

import threading

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from local.lambda_runtime import _PerThreadDict, isolate_concurrent_requests


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
