"""The fuzz's differential check of the fast path (harness/fuzz/fast_path.py, issue 36): every answer
of the fast path is compared with the general path's answer to the same event, a difference is
counted and named, and `make fuzz` fails on any (or when the fast path answered nothing)."""

from __future__ import annotations

import itertools
import json
from typing import Annotated, Any

import pytest
from orders_domain.http.api import Path, Response, json_text_response
from orders_domain.http.handler import FunctionApp

from harness.fuzz import __main__ as fuzz_main
from harness.fuzz.fast_path import Differential, difference, differential
from local.lambda_runtime import FakeLambdaContext

Name = Annotated[str, Path(pattern="^[a-z]+$")]


def app_with_routes() -> FunctionApp:
    """A function with a fast route that answers the same both ways, and one that does not (each
    call answers the next number: the general path's answer is never the fast path's)."""
    fn = FunctionApp()
    calls = itertools.count(1)

    @fn.fast
    @fn.app.get("/steady/<name>")
    def steady(name: Name) -> Response[str]:
        return json_text_response(200, json.dumps({"name": name}), headers={"ETag": '"1"'})

    @fn.fast
    @fn.app.get("/drifting/<name>")
    def drifting(name: Name) -> Response[str]:
        return json_text_response(200, json.dumps({"call": next(calls)}))

    return fn


def event(path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "resource": "/x",
        "path": path,
        "httpMethod": "GET",
        "headers": {"Accept": "application/json"},
        "multiValueHeaders": {"Accept": ["application/json"]},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "requestContext": {"requestId": "req-1", "path": path},
        "body": None,
    }


def test_given_fast_answers_like_the_general_paths_when_checked_then_counted_and_none_differs() -> None:
    fn = app_with_routes()
    # GIVEN the differential check WHEN plain GETs of a steady route are handled
    with differential() as check:
        answers = [fn.lambda_handler(event(f"/steady/{n}"), FakeLambdaContext()) for n in ("a", "b")]
        # ... and requests the fast path declines (a query; a name its type refuses)
        fn.lambda_handler(event("/steady/a", {"q": "1"}), FakeLambdaContext())
        refused = fn.lambda_handler(event("/steady/NOPE"), FakeLambdaContext())
    # THEN the two fast answers were compared, the same; the declined ones not at all
    assert [a["statusCode"] for a in answers] == [200, 200]
    assert refused["statusCode"] == 400
    assert check.results() == {"fast_path_requests": 2, "fast_path_differences": 0}
    assert check.differences == []


def test_given_a_fast_answer_that_is_not_the_general_paths_when_checked_then_it_is_a_named_difference() -> (
    None
):
    fn = app_with_routes()
    # GIVEN a route whose every call answers differently
    with differential() as check:
        answer = fn.lambda_handler(event("/drifting/a"), FakeLambdaContext())
    # THEN the client still got the fast answer, and the difference is counted and named
    assert json.loads(answer["body"]) == {"call": 1}
    assert check.results() == {"fast_path_requests": 1, "fast_path_differences": 1}
    assert check.differences == ['GET /drifting/a: body: fast "{\\"call\\": 1}", general "{\\"call\\": 2}"']


def test_given_the_check_when_it_ends_then_the_fast_path_is_no_longer_checked() -> None:
    fn = app_with_routes()
    with differential() as check:
        pass
    fn.lambda_handler(event("/drifting/a"), FakeLambdaContext())
    assert check.requests == 0


def test_given_answers_with_the_same_members_in_another_order_when_compared_then_they_differ() -> None:
    record = Differential()
    fast = {"statusCode": 200, "body": "{}", "headers": {"a": "1", "b": "2"}}
    record.compare(event("/x/y"), fast, {**fast, "headers": {"b": "2", "a": "1"}})
    record.compare(event("/x/y"), fast, {"body": "{}", "statusCode": 200, "headers": {"a": "1", "b": "2"}})
    assert record.results() == {"fast_path_requests": 2, "fast_path_differences": 2}
    assert record.differences[0].startswith("GET /x/y: headers: fast {")
    assert difference(event("/x/y"), fast, dict(reversed(fast.items()))) == (
        "GET /x/y: the same members in another order"
    )


# ---------------------------------------------------------------------------- make fuzz's verdict
def fake_run(**results: Any) -> Any:
    """`results.run` answering a clean run but for `results`."""

    def run(max_examples: int, *, quick: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
        clean: dict[str, Any] = {
            "requests": 10,
            "routes_fuzzed": 1,
            "server_errors": 0,
            "schema_violations": 0,
            "cross_tenant_leaks": 0,
            "boundary_cases": 1,
            "boundary_failures": [],
            "max_request_seconds": 0.1,
            "portal_sweep": {"requests": 1, "checks": {}, "violations": []},
            "portal_violations": 0,
            "fast_path_requests": 5,
            "fast_path_differences": 0,
        }
        details: dict[str, Any] = {name: [] for name in fuzz_main.LISTED_DETAILS}
        details["fast_path_differences"] = (
            ["GET /orders/t/1: body: ..."] if results.get("fast_path_differences") else []
        )
        return {**clean, **results}, {**details, "schemathesis_summary": "", "slowest_boundary_request": ""}

    return run


@pytest.mark.parametrize(
    ("results", "exit_code"),
    [
        ({}, 0),
        ({"fast_path_differences": 1}, 1),  # an answer of the fast path that is not the general path's
        ({"fast_path_requests": 0}, 1),  # nothing compared: the check proved nothing
    ],
)
def test_given_the_differential_results_when_the_fuzz_ends_then_a_difference_or_no_comparison_fails_it(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
    capsys: pytest.CaptureFixture[str],
    results: dict[str, Any],
    exit_code: int,
) -> None:
    monkeypatch.setattr(fuzz_main, "run", fake_run(**results))
    output = tmp_path / "security-results.json"
    assert fuzz_main.main(["--quick", "--output", str(output)]) == exit_code
    written = json.loads(output.read_text())
    assert written["fast_path_differences"] == results.get("fast_path_differences", 0)
    printed = capsys.readouterr().out
    assert ("GET /orders/t/1" in printed) is bool(results.get("fast_path_differences"))
