"""The bench's capacity arithmetic follows DynamoDB's published rules; its call recorder sees every call."""

from __future__ import annotations

import boto3
import pytest

from harness import capacity
from harness.bench import Recorder, percentile


@pytest.mark.parametrize(
    ("item", "size"),
    [
        ({"a": {"S": "abc"}}, 1 + 3),
        ({"name": {"S": "é"}}, 4 + 2),  # UTF-8 bytes, not characters
        ({"n": {"N": "12345"}}, 1 + 4),  # 5 significant digits -> 3 + 1
        ({"n": {"N": "1000000"}}, 1 + 2),  # trailing zeros are not significant
        ({"n": {"N": "0.001"}}, 1 + 2),
        ({"flag": {"BOOL": True}}, 4 + 1),
        ({"x": {"NULL": True}}, 1 + 1),
        ({"m": {"M": {"a": {"S": "x"}}}}, 1 + 3 + (1 + 1 + 1)),
        ({"l": {"L": [{"S": "ab"}, {"N": "1"}]}}, 1 + 3 + (1 + 2) + (1 + 2)),
        ({"ss": {"SS": ["a", "bc"]}}, 2 + 3),
    ],
)
def test_item_sizes(item: dict[str, dict[str, object]], size: int) -> None:
    assert capacity.item_size(item) == size  # type: ignore[arg-type]


def test_read_units_round_up_per_4_kb_and_halve_when_eventually_consistent() -> None:
    assert capacity.read_units(0, consistent=True) == 1
    assert capacity.read_units(4096, consistent=True) == 1
    assert capacity.read_units(4097, consistent=True) == 2
    assert capacity.read_units(4097, consistent=False) == 1
    assert capacity.read_units(100, consistent=False) == 0.5


def test_write_units_round_up_per_kb() -> None:
    assert capacity.write_units(0) == 1
    assert capacity.write_units(1024) == 1
    assert capacity.write_units(1025) == 2


INDEXES = {"by-token": ["token_pk"], "by-bill-to": ["bill_to_pk", "bill_to_sk"]}


def test_each_index_an_item_is_in_costs_a_write_and_transactions_cost_double() -> None:
    plain = {"PK": {"S": "a"}, "SK": {"S": "b"}}
    in_one = {**plain, "token_pk": {"S": "t"}}
    in_two = {**in_one, "bill_to_pk": {"S": "c"}, "bill_to_sk": {"S": "d"}}
    assert capacity.write_cost(None, plain, INDEXES) == 1
    assert capacity.write_cost(None, in_one, INDEXES) == 2
    assert capacity.write_cost(None, in_two, INDEXES) == 3
    assert capacity.write_cost(None, in_two, INDEXES, transactional=True) == 6
    big = {**in_one, "blob": {"S": "x" * 3000}}  # 3 KB: 3 units in the table and 3 in the index
    assert capacity.write_cost(None, big, INDEXES) == 6


def test_an_index_key_that_changes_costs_a_delete_and_a_put() -> None:
    before = {"PK": {"S": "a"}, "token_pk": {"S": "old"}}
    after = {"PK": {"S": "a"}, "token_pk": {"S": "new"}}
    assert capacity.write_cost(before, after, INDEXES) == 1 + 2
    assert capacity.write_cost(before, before, INDEXES) == 1  # the index is untouched


def test_percentile_picks_from_the_sorted_samples() -> None:
    values = list(range(1, 101))
    assert percentile(values, 0.5) == 51  # index round(49.5) = 50
    assert percentile(values, 0.99) == 99
    assert percentile([7], 0.99) == 7


@pytest.mark.usefixtures("tables")
def test_the_recorder_sees_each_call_with_its_parameters_and_answer(tables: dict[str, str]) -> None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    recorder = Recorder()
    recorder.attach(client)
    key = {"PK": {"S": "x"}, "SK": {"S": "y"}}
    client.put_item(TableName=tables["OrdersTable"], Item={**key, "v": {"N": "1"}})
    client.get_item(TableName=tables["OrdersTable"], Key=key)
    calls = recorder.take()
    assert [c.api for c in calls] == ["PutItem", "GetItem"]
    assert calls[0].params["Item"]["v"] == {"N": "1"}
    assert calls[1].parsed is not None
    assert calls[1].parsed["Item"]["v"] == {"N": "1"}
    assert recorder.take() == []


def test_lean_projections_cost_their_entry_not_the_item() -> None:
    # GIVEN a 3 KB item in a KEYS_ONLY index and an INCLUDE index projecting a small attribute
    indexes = {
        "by-token": capacity.Index(keys=("token_pk",), projection="KEYS_ONLY"),
        "by-bill-to": capacity.Index(
            keys=("bill_to_pk", "bill_to_sk"), projection="INCLUDE", include=("summary",)
        ),
    }
    item = {
        "PK": {"S": "a"},
        "SK": {"S": "b"},
        "token_pk": {"S": "t"},
        "bill_to_pk": {"S": "c"},
        "bill_to_sk": {"S": "d"},
        "summary": {"S": "s" * 300},
        "doc": {"S": "x" * 3000},
    }
    # THEN the table write is 4 units, each index entry 1
    assert capacity.write_cost(None, item, indexes) == 4 + 1 + 1
    # AND a change to an attribute no index projects writes only the table
    changed = {**item, "doc": {"S": "y" * 3000}}
    assert capacity.write_cost(item, changed, indexes) == 4
    # AND a change to the projected row writes the INCLUDE index too, not the KEYS_ONLY one
    resummarised = {**changed, "summary": {"S": "r" * 300}}
    assert capacity.write_cost(changed, resummarised, indexes) == 4 + 1


def test_an_index_reads_its_projection_from_the_template_definition() -> None:
    definition = {
        "IndexName": "by-x",
        "KeySchema": [{"AttributeName": "x_pk", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["summary"]},
    }
    index = capacity.Index.from_definition(definition, ["PK", "SK"])
    entry = index.entry(
        {"PK": {"S": "p"}, "SK": {"S": "s"}, "x_pk": {"S": "x"}, "summary": {"S": "r"}, "doc": {"S": "d"}}
    )
    assert set(entry) == {"PK", "SK", "x_pk", "summary"}
