"""An in-process stand-in for the Lambda runtime: a context object and pools of function instances.

Used by the local gateway (`make serve`) and by the tests, so both call a function's handler
exactly as Lambda (and `sam local invoke -e`) would: `handler(event, context)`.

The function's Timeout is enforced as Lambda enforces it: `InstancePool.invoke` runs the handler
on a thread of its own and stops waiting when the context's `timeout_seconds` have passed, raising
`FunctionTimeout` (Lambda's "Task timed out after N seconds"). Python cannot kill a thread, so the
abandoned handler runs on in the background until it returns by itself (a daemon thread: it never
holds the process at exit); its instance is discarded, never handed to another invocation, as
Lambda tears down an execution environment whose invocation timed out. Whatever the abandoned
handler still writes (to DynamoDB, say) happens, as it may on Lambda before the freeze.
"""

from __future__ import annotations

import abc
import contextvars
import importlib
import importlib.util
import threading
import time
import uuid
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class FakeLambdaContext:
    """The attributes of Lambda's context object that Powertools and our handlers read."""

    function_name: str = "local-function"
    memory_limit_in_mb: int = 512
    #: The function's Timeout; InstancePool.invoke stops waiting for the handler after it.
    timeout_seconds: float = 10
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"
    _started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self._started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))

    def start(self) -> None:
        """The invocation starts now (after any cold start: Lambda does not count init against it)."""
        self._started = time.monotonic()


class FunctionTimeout(Exception):
    """The handler ran past its function's Timeout; Lambda reports the invocation as failed."""


class InvocationAbandoned(Exception):
    """The caller stopped waiting (`wait_seconds`, e.g. API Gateway's 29 s integration timeout)
    before the function's own Timeout: the handler runs on, as it would on Lambda."""


_request = threading.local()


def _event_of_this_thread(_router: Any) -> Any:
    return getattr(_request, "event", None)


def _set_event_of_this_thread(_router: Any, event: Any) -> None:
    _request.event = event


class _PerThreadCurrentEvent(type(abc.ABC)):  # type: ignore[misc]
    """Metaclass for Powertools' BaseRouter: `BaseRouter.current_event` per thread, not per process."""

    def __setattr__(cls, name: str, value: Any) -> None:
        if name == "current_event" and not isinstance(value, property):
            _request.event = value
            return
        super().__setattr__(name, value)

    def __getattribute__(cls, name: str) -> Any:
        if name == "current_event":
            return getattr(_request, "event", None)
        return super().__getattribute__(name)


class _PerThreadDict(MutableMapping[str, Any]):
    """A dict whose contents belong to the thread that touches it."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _data(self) -> dict[str, Any]:
        data: dict[str, Any] | None = getattr(self._local, "data", None)
        if data is None:
            data = self._local.data = {}
        return data

    def __getitem__(self, key: str) -> Any:
        return self._data()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data()[key] = value

    def __delitem__(self, key: str) -> None:
        del self._data()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())


def isolate_concurrent_requests() -> None:
    """Powertools keeps the request being resolved on a class attribute (`BaseRouter.current_event`),
    and the metrics a request adds in class-level dicts of `Metrics`: right for Lambda, where a
    process runs one request at a time, wrong here, where concurrent requests run in threads of one
    process (each function instance has its own resolver and Metrics, but they share those classes).
    Make both per thread, so one request never reads another's event, nor flushes (and clears)
    another's metrics between its check for "any metrics?" and its serialisation (which then raised
    "Must contain at least one metric": a 502 only a local run could see).
    """
    from aws_lambda_powertools import Metrics
    from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

    if isinstance(BaseRouter, _PerThreadCurrentEvent):
        return
    Metrics._metrics = _PerThreadDict()  # type: ignore[assignment]
    Metrics._dimensions = _PerThreadDict()  # type: ignore[assignment]
    Metrics._metadata = _PerThreadDict()  # type: ignore[assignment]
    BaseRouter.current_event = property(_event_of_this_thread, _set_event_of_this_thread)  # type: ignore[assignment]
    BaseRouter.__class__ = _PerThreadCurrentEvent  # type: ignore[method-assign]


def load_instance(module: str) -> ModuleType:
    """A fresh copy of a function module: its own globals, resolver and caches.

    A Lambda execution environment runs one invocation at a time, so Powertools' resolver keeps
    the current event on module-level state. Concurrent local invocations therefore each get an
    instance of their own, as concurrent Lambda invocations get environments of their own.
    """
    isolate_concurrent_requests()
    spec = importlib.util.find_spec(module)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(module)
    instance = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(instance)
    return instance


class InstancePool:
    """Idle instances of one function; a busy pool grows, like Lambda scaling out."""

    def __init__(
        self,
        module: str,
        attribute: str = "lambda_handler",
        function_name: str | None = None,
        timeout_seconds: float = 3,
    ) -> None:
        self.module = module
        self.attribute = attribute
        self.function_name = function_name or module.split(".")[-2]
        #: The Timeout of the context invoke() makes when it is given none (Lambda's default: 3 s).
        self.timeout_seconds = timeout_seconds
        self._idle: list[ModuleType] = []
        self._lock = threading.Lock()
        self.created = 0
        #: Instances thrown away because their invocation timed out (never reused).
        self.discarded = 0

    def warm(self) -> None:
        """Start one instance now (a cold start before the first request)."""
        instance = load_instance(self.module)
        getattr(instance, self.attribute)
        with self._lock:
            self.created += 1
            self._idle.append(instance)

    def invoke(
        self,
        event: dict[str, Any],
        context: FakeLambdaContext | None = None,
        *,
        wait_seconds: float | None = None,
    ) -> Any:
        """`handler(event, context)` on an idle instance (a new one when none is idle), its answer
        or its exception. Past `context.timeout_seconds`: FunctionTimeout, and the instance is
        discarded. Past `wait_seconds` (when shorter): InvocationAbandoned; the handler runs on
        and its instance comes back to the pool only if it finishes within its own timeout."""
        with self._lock:
            instance = self._idle.pop() if self._idle else None
        if instance is None:
            instance = load_instance(self.module)
            with self._lock:
                self.created += 1
        context = context or FakeLambdaContext(
            function_name=self.function_name, timeout_seconds=self.timeout_seconds
        )
        timeout = float(context.timeout_seconds)
        outcome: dict[str, Any] = {}
        done = threading.Event()
        state = {"abandoned": False, "finished": False}

        def run() -> None:
            started = time.monotonic()
            try:
                handler: Handler = getattr(instance, self.attribute)
                outcome["result"] = handler(event, context)
            except BaseException as error:  # noqa: BLE001 - handed to the caller as it is
                outcome["error"] = error
            finally:
                in_time = time.monotonic() - started <= timeout
                with self._lock:
                    state["finished"] = True
                    if in_time and not state["abandoned"]:
                        self._idle.append(instance)
                    elif not state["abandoned"]:  # finished, but past its timeout: not reused either
                        self.discarded += 1
                done.set()

        context.start()
        worker = threading.Thread(
            target=contextvars.copy_context().run,
            args=(run,),
            name=f"{self.function_name}-invocation",
            daemon=True,  # an abandoned handler never keeps the process alive
        )
        worker.start()
        waited = timeout if wait_seconds is None else min(timeout, wait_seconds)
        if not done.wait(waited):
            if waited < timeout:
                raise InvocationAbandoned(
                    f"{self.function_name}: no answer within {waited:g} s (its timeout is {timeout:g} s)"
                )
            with self._lock:
                if not state["finished"]:
                    state["abandoned"] = True  # never back in the pool, whenever (if ever) it returns
                    self.discarded += 1
                    raise FunctionTimeout(f"{self.function_name}: Task timed out after {timeout:.2f} seconds")
        done.wait()  # finished: the outcome is in (or about to be flagged done)
        if "error" in outcome:
            raise outcome["error"]
        return outcome["result"]
