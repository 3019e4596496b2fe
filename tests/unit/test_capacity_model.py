"""`make capacity` (harness/capacity_model, issue 33): the load model holds the target scenario (5,000
creates a second for one tenant over 1,000 instances, hot coupon, walk-up party, reads alongside)
and fails, naming the resource, when a shard is removed or the number blocks are shrunk; and its
parts on their own. Short bursts (the limits are per second: a short burst at the full rate is as
hot as a long one), the stream consumer's figure from a results file, no DynamoDB Local run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from orders_domain.storage import keys
from orders_domain.storage import stock_keys as sk
from orders_domain.storage.number_blocks import BLOCK_INTERVAL, MAX_BLOCK

from harness.capacity_model import cli
from harness.capacity_model.counter import LAMBDA_SCALE_PER_S, simulate
from harness.capacity_model.limits import COUNTER_TARGET, PARTITION_RCU, PARTITION_WCU, Row, stream_row
from harness.capacity_model.replay import Mix, replay, stream_shards
from harness.capacity_model.workload import GET, LIST_PAGE, LOOKUP, WALK_UP, Traits, Workload
from tests.helpers import TEMPLATE

#: The consumer's changes a second per invocation, as `make bench` would have left it.
CONSUMER = 180
TENANT = "tenant-a"


@pytest.fixture(scope="module")
def workload() -> Workload:
    """Every request kind recorded once (moto, in process), for the runs that change only keys."""
    from local.tables import load_template

    return cli.recorded(load_template(TEMPLATE), TEMPLATE)


@pytest.fixture
def stream_results(tmp_path: Path) -> Path:
    path = tmp_path / "bench-results.json"
    figures = {"memory_mb": 512, "modeled_aws": {"parallel": {"changes_per_s_at_lambda_memory": CONSUMER}}}
    path.write_text(json.dumps({"scaling": {"stream_throughput": figures}}))
    return path


def run(
    tmp_path: Path, stream_results: Path, *args: str, workload: Workload | None = None
) -> tuple[int, dict[str, Any]]:
    output = tmp_path / "capacity-results.json"
    argv = ["--duration", "2", "--instances", "1000", "--local-run", "0"]
    argv += ["--stream-results", str(stream_results), "--output", str(output), *args]
    status = cli.main(argv, workload=workload)
    return status, json.loads(output.read_text())


def rows(results: dict[str, Any], kind: str, containing: str = "") -> list[dict[str, Any]]:
    return [r for r in results["rows"] if r["kind"] == kind and containing in r["name"]]


def test_given_the_target_scenario_when_the_model_runs_then_every_limit_holds_with_its_headroom(
    tmp_path: Path, stream_results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, results = run(tmp_path, stream_results)
    assert status == 0, results["over"]
    assert results["over"] == []
    assert all(not r["over"] for r in results["rows"] if r["hard"])
    # every hot key the sale makes is sharded, and each shard is under its partition's limits
    for index, hot in (
        ("by-bill-to", f"#contact#{WALK_UP}"),
        ("by-coupon", "#promo#SALE"),
        ("by-coupon-code", "#SALE-CODE"),
        ("by-tenant-date", "#ORDER#"),
        ("by-shippable-status", "#SHIPST#"),
    ):
        found = rows(results, "partition", f"OrdersTable/{index} ")
        assert any(hot in r["name"] for r in found), index
        assert all(r["headroom"] > 1 for r in found)
    buckets = rows(results, "partition", "#STOCK#ticket#gala#")
    assert buckets
    assert all(r["load"] < PARTITION_WCU for r in buckets)
    # the counter: at most 100 writes a second once 1,000 instances know their rate
    (steady,) = rows(results, "counter", "1000 instances, steady")
    assert steady["limit"] == COUNTER_TARGET
    assert steady["load"] <= COUNTER_TARGET
    # the stream consumer keeps up with the busiest shard
    (stream,) = rows(results, "stream")
    assert stream["limit"] == CONSUMER * 6
    assert stream["load"] < stream["limit"]
    assert results["stream"]["partitions"] >= results["stream"]["table_peak_wcu_per_s"] / PARTITION_WCU
    assert results["first_to_saturate"]["headroom"] >= 1
    printed = capsys.readouterr().out
    assert "first to saturate: " in printed
    assert "hottest partition key value" in printed


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (("--shards", "party=1"), f"OrdersTable/by-bill-to T#{TENANT}#BILL#contact#{WALK_UP}"),
        (("--shards", "coupon=1"), f"OrdersTable/by-coupon T#{TENANT}#CPN#promo#SALE"),
        (("--shards", "write=1"), f"OrdersTable/by-tenant-date T#{TENANT}#ORDER#00"),
        (("--shards", "stock=1"), f"OrdersTable T#{TENANT}#STOCK#ticket#gala#00"),
        (("--max-block", "1"), f"T#{TENANT}#COUNTER (1000 instances, steady)"),
        (("--block-interval", "0.1"), f"T#{TENANT}#COUNTER (1000 instances, busiest second)"),
        # an index's on-demand maximum (a cost guard) below the sale's writes
        (
            ("--parameter", "OrdersIndexMaxWriteUnits=5000"),
            "OrdersTable/by-tenant-date (OrdersIndexMaxWriteUnits)",
        ),
    ],
)
def test_given_a_shard_removed_or_blocks_shrunk_when_the_model_runs_then_it_fails_naming_the_resource(
    tmp_path: Path,
    stream_results: Path,
    workload: Workload,
    capsys: pytest.CaptureFixture[str],
    change: tuple[str, str],
    named: str,
) -> None:
    status, results = run(tmp_path, stream_results, *change, workload=workload)
    assert status == 1
    assert named in results["over"]
    assert named in capsys.readouterr().err
    assert results["first_to_saturate"]["headroom"] < 1
    # and the run put the constants back
    assert (keys.PARTY_SHARDS, keys.COUPON_SHARDS, keys.WRITE_SHARDS, sk.STOCK_BUCKETS) == (8, 8, 32, 32)


def test_given_a_bad_shard_setting_then_the_run_stops_before_anything() -> None:
    with pytest.raises(SystemExit, match="--shards party=0"):
        cli.main(["--shards", "party=0", "--local-run", "0"])
    with pytest.raises(SystemExit, match="--shards hot=2"):
        cli.main(["--shards", "hot=2", "--local-run", "0"])


def test_given_no_measured_consumer_figure_then_the_stream_row_is_over_and_says_so(
    workload: Workload,
) -> None:
    loads = replay(workload, rate=50, reads=0, duration=1, mix=Mix())
    row, detail = stream_row(loads, None, 6, "no bench-results.json")
    assert row.over
    assert row.hard
    assert "not measured" in row.note
    assert detail["changes_per_s"] == 50


def test_given_a_results_file_when_the_stream_figure_is_read_then_the_parallel_modeled_figure(
    stream_results: Path, tmp_path: Path
) -> None:
    found, source = cli.stream_from_file(str(stream_results))
    assert found is not None
    assert found["changes_per_s_at_lambda_memory"] == CONSUMER
    assert "make bench" in source
    assert cli.stream_from_file(str(tmp_path / "missing.json"))[0] is None
    (tmp_path / "old.json").write_text(json.dumps({"scaling": {}}))
    assert cli.stream_from_file(str(tmp_path / "old.json")) == (
        None,
        f"{tmp_path / 'old.json'} has no stream_throughput (make bench)",
    )


# ---------------------------------------------------------------------------- the parts
def test_given_plain_orders_when_replayed_then_each_index_write_lands_on_its_own_shard(
    workload: Workload,
) -> None:
    loads = replay(workload, rate=3200, reads=0, duration=1, mix=Mix(coupon=0, walk_up=0, stock=0))
    index = "OrdersTable/by-tenant-date"
    assert loads.wcu[index] == [3200.0]  # one entry of 1 WCU per order (summary projection)
    assert loads.distinct[index] == keys.WRITE_SHARDS
    assert loads.distinct["OrdersTable/by-token"] == 3200  # a token each: no shared key
    hottest = max(peak.wcu for peak in loads.keys[index].values())
    assert 3200 / keys.WRITE_SHARDS <= hottest < 2 * 3200 / keys.WRITE_SHARDS
    assert "OrdersTable/by-coupon" not in loads.wcu


def test_given_only_walk_up_orders_when_replayed_then_the_party_spreads_over_its_shards(
    workload: Workload,
) -> None:
    loads = replay(workload, rate=800, reads=0, duration=1, mix=Mix(coupon=0, walk_up=1, stock=0))
    shards = {keys.party_pk(TENANT, keys.BILL_TO, "contact", WALK_UP, s) for s in range(keys.PARTY_SHARDS)}
    assert loads.distinct["OrdersTable/by-bill-to"] == keys.PARTY_SHARDS
    assert set(loads.keys["OrdersTable/by-bill-to"]) <= shards  # the hottest of them, all the walk-up's
    assert loads.wcu["OrdersTable/by-bill-to"] == [800.0]


@pytest.mark.parametrize(("instances", "reads_per_s"), [(10, 2), (100, 20), (10_000, 500)])
def test_given_reserving_creates_when_replayed_then_each_instance_reads_the_catalogue_once_per_freshness(
    workload: Workload, instances: int, reads_per_s: int
) -> None:
    """storage.recent_items: an instance reads the catalogue's settings and the product again only
    once they are FRESH_SECONDS old, so the catalogue partition sees instances / FRESH_SECONDS
    reads a second (never more than the creates that read it)."""
    from orders_domain.storage.recent_items import FRESH_SECONDS

    assert workload.fresh_seconds == FRESH_SECONDS
    stale = workload.creates[Traits(coupon=False, walk_up=False, stock=True)]
    assert stale.cold
    assert {t.pk for t in stale.cold} == {keys.catalogue_pk(TENANT)}
    assert all(t.pk != keys.catalogue_pk(TENANT) for t in stale.touches)  # a warm instance reads none
    loads = replay(
        workload, rate=500, reads=0, duration=1, mix=Mix(coupon=0, walk_up=0, stock=1), instances=instances
    )
    units = sum(t.rcu for t in stale.cold)
    assert loads.keys["OrdersTable"][keys.catalogue_pk(TENANT)].rcu == pytest.approx(
        reads_per_s * units, abs=units
    )


def test_given_reads_when_replayed_then_a_list_page_reads_every_write_shard(workload: Workload) -> None:
    mix = Mix(coupon=0, walk_up=0, stock=0, reads=((GET, 0.0), (LIST_PAGE, 1.0), (LOOKUP, 0.0)))
    loads = replay(workload, rate=100, reads=10, duration=1, mix=mix)
    shards = {pk for pk, p in loads.keys["OrdersTable/by-tenant-date"].items() if p.rcu}
    assert len(loads.keys["OrdersTable/by-tenant-date"]) >= len(shards) > 0
    assert loads.rcu["OrdersTable/by-tenant-date"][0] >= 10 * keys.WRITE_SHARDS * 0.5
    assert loads.requests == {"create": 100, GET: 0, LIST_PAGE: 10, LOOKUP: 0}


def test_given_a_burst_when_instances_arrive_at_lambdas_rate_then_the_counter_settles_under_its_bound() -> (
    None
):
    burst = simulate(rate=5000, instances=1000, duration=10)
    assert burst.ramp_seconds == 1000 // LAMBDA_SCALE_PER_S
    assert burst.unique
    assert burst.peak < PARTITION_WCU  # the ramp: instances learning their rate
    assert burst.steady_peak <= COUNTER_TARGET
    assert 1000 / BLOCK_INTERVAL * 0.8 <= burst.steady_mean <= 1000 / BLOCK_INTERVAL * 1.2


def test_given_one_instance_serving_the_burst_then_its_blocks_reach_the_maximum() -> None:
    alone = simulate(rate=5000, instances=1, duration=5)
    assert alone.steady_mean == pytest.approx(5000 / MAX_BLOCK, rel=0.25)


def test_given_blocks_of_one_then_every_create_is_a_counter_write() -> None:
    single = simulate(rate=2000, instances=100, duration=2, max_block=1)
    assert single.steady_peak == 2000
    assert single.unique


def test_given_changes_when_spread_over_partitions_then_the_busiest_shard_is_near_the_mean(
    workload: Workload,
) -> None:
    loads = replay(workload, rate=2000, reads=0, duration=1, mix=Mix())
    (one,) = stream_shards(loads, 1)
    (ten,) = stream_shards(loads, 10)
    assert one == 2000
    assert 200 <= ten < 300


def test_given_rows_then_headroom_is_limit_over_load_and_at_the_limit_is_not_over() -> None:
    assert Row("partition", "k", 500, PARTITION_WCU, "WCU/s").headroom == 2
    at = Row("partition", "k", PARTITION_RCU, PARTITION_RCU, "RCU/s")
    assert at.headroom == 1
    assert not at.over
    idle = Row("partition", "k", 0, PARTITION_WCU, "WCU/s")
    assert idle.headroom == float("inf")
    assert not idle.over
    assert idle.to_dict()["headroom"] is None
