"""The operator console in `make bench` (issue 35): its routes measured with their DynamoDB calls,
its function's cold start, and what its page and a typical look cost per million."""

from __future__ import annotations

import re

import pytest

import harness.bench as bench
from harness.bench import console
from harness.bench.cold_starts import COLD_START_EVENTS
from harness.bench.families import FAMILIES, OPERATION_CALLS, REQUIRED_OPERATIONS
from tests.helpers import ROOT


def test_the_console_routes_are_required_and_held_to_their_calls() -> None:
    assert console.FAMILY in FAMILIES
    for name in ("console_page", "console_script", "keys_current", "console_list_page", "console_chart_page"):
        assert name in REQUIRED_OPERATIONS
        assert name in OPERATION_CALLS
    # the page, its script and the key make no DynamoDB call at all
    assert OPERATION_CALLS["console_page"] == OPERATION_CALLS["keys_current"] == {}
    assert COLD_START_EVENTS["console"] == "console.json"


def test_the_bench_asks_the_list_route_what_the_console_page_asks() -> None:
    static = ROOT / "functions" / "console" / "static"
    find = re.search(r"const LIST_FIELDS = '([^']+)'", (static / "find.js").read_text())
    chart = re.search(r"fields: '([^']+)'", (static / "chart.js").read_text())
    assert find is not None
    assert chart is not None
    assert (find.group(1), chart.group(1)) == (console.CONSOLE_LIST_FIELDS, console.CHART_FIELDS)


def test_given_the_list_events_then_they_ask_only_for_list_row_fields() -> None:
    from orders_domain.models.orders import SUMMARY_FIELDS

    for fields in (console.CONSOLE_LIST_FIELDS, console.CHART_FIELDS):
        assert set(fields.split(",")) <= SUMMARY_FIELDS
    asked = console.list_event(console.CHART_PAGE, console.CHART_FIELDS)["queryStringParameters"]
    assert asked == {"limit": "100", "fields": "date,total,currency_code"}
    script = console.page_event(console.SCRIPT)
    assert (script["resource"], script["pathParameters"]) == ("/console/{asset}", {"asset": "console.js"})
    assert "authorizer" not in script["requestContext"]


def test_given_the_figures_when_priced_then_a_look_is_three_reads_and_the_page_no_authorizer() -> None:
    # GIVEN an authorizer of 1 ms, a list page of 4.5 ms, a get of 2 ms, a history page of 3 ms, the
    # page of 0.3 ms
    measured = bench.Bench("http://unused", {}, {})
    names = ("create_10_lines", "get", "list_page", "patch", "fulfil", "refund")
    measured.wall_us_p50.update(dict.fromkeys(names, 5_000), authorizer_warm=1_000, stream_batch_100=100_000)
    measured.wall_us_p50.update(console_list_page=4_500, get=2_000, history_page=3_000, console_page=300)
    ops = {name: {"rru": 0.5, "wru": 0.0} for name in (*names, "console_list_page", "history_page")}
    ops["console_list_page"] = {"rru": 4.0, "wru": 0.0}
    stream = {"batch_100": {"wru": 100, "events": 90, "order_changes": 90}}
    # WHEN priced per million, the console's function at 256 MB
    costs = bench.cost_per_million(measured, ops, stream, 512, 256)
    # THEN a look is three authorized reads: gateway, authorizer and route each, their capacity
    gb_ms = bench.PRICES["lambda_per_gb_second"] * 1e6 / 1000 * 0.5
    request = (
        bench.PRICES["api_gateway_rest_per_million_requests"]
        + 2 * bench.PRICES["lambda_per_million_requests"]
    )
    rru = bench.PRICES["dynamodb_per_million_rru"]
    expected_look = (
        (request + (1 + 5) * gb_ms + 4.0 * rru)
        + (request + (1 + 2) * gb_ms + 0.5 * rru)
        + (request + (1 + 3) * gb_ms + 0.5 * rru)
    )
    assert abs(costs["console_look"] - expected_look) < 0.02  # type: ignore[operator]
    # AND the page is the gateway and one 1 ms request at 256 MB: no authorizer, no capacity
    page = (
        bench.PRICES["api_gateway_rest_per_million_requests"]
        + bench.PRICES["lambda_per_million_requests"]
        + 1 * bench.PRICES["lambda_per_gb_second"] * 1e6 / 1000 * 0.25
    )
    assert costs["console_page"] == round(page, 2)
    assert set(costs) == bench.COSTS


def test_given_the_routes_cpu_when_ranked_then_the_five_dearest_most_first_and_the_shape_holds_it() -> None:
    from tests.unit.test_harness_search import results

    measured = results()
    ops = measured["operations"]
    ops["refund"]["cpu_us_p50"] = 8_500
    top = bench.cpu_top_routes(ops)
    assert [route["name"] for route in top] == [
        "create_10_lines",
        "refund",
        "authorizer_warm",
        "get_as_of",
        "history_page",
    ]
    assert [route["cpu_us_p50"] for route in top] == [9_000, 8_500, 8_000, 7_000, 6_000]
    assert bench.CPU_TOP == 5
    # a run's JSON whose list is not its operations' five dearest is refused
    measured["cpu_top_routes"] = top
    assert bench.check_shape(measured) == []
    measured["cpu_top_routes"] = top[1:]
    assert bench.check_shape(measured) == ["cpu_top_routes is not the 5 routes of most CPU per call"]


def test_given_a_bench_when_the_sdk_configs_are_compared_then_both_answer_and_the_wiring_is_restored(
    tables: dict[str, str],
) -> None:
    from orders_domain.runtime import wiring

    from harness.bench.sdk_config import sdk_config_effect
    from tests.unit.test_harness_search import measuring

    measured = measuring(tables)
    before = wiring.current()
    figures = sdk_config_effect(measured, 3)
    assert set(figures) == {"get_cpu_us_p50_default_config", "get_cpu_us_p50_our_config", "saved_share"}
    assert figures["get_cpu_us_p50_default_config"] > 0
    assert figures["get_cpu_us_p50_our_config"] > 0
    assert wiring.current() is before


def test_given_no_baseline_commit_when_the_get_is_compared_then_it_says_so_and_measures_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from harness.bench import baseline

    monkeypatch.setattr(baseline, "BASELINE_REV", "0" * 40)
    found = baseline.baseline_get(quick=True)
    assert (found["rev"], found["measured"]) == ("0" * 40, False)
    assert found["reason"]
    # the baseline is a commit of this repository's history (a full clone has it)
    import subprocess

    known = subprocess.run(  # noqa: S603 - git, on our own repository
        ["git", "-C", str(ROOT), "cat-file", "-t", "472ccdc"],  # noqa: S607 - git from PATH
        capture_output=True,
        text=True,
        check=False,
    )
    assert known.stdout.strip() == "commit"
