"""DynamoDB tables for local runs and tests, derived from template.yaml (the only place they are defined)."""

from __future__ import annotations

import contextlib
import copy
from pathlib import Path
from typing import Any

import yaml
from botocore.exceptions import ClientError

TABLE_TYPE = "AWS::DynamoDB::Table"

# create_table takes these top-level properties exactly as CloudFormation spells them.
_TABLE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "BillingMode",
    "ProvisionedThroughput",
)
# The index properties create_table takes; the rest it does not know (ContributorInsightsSpecification)
# or DynamoDB Local does not (WarmThroughput, OnDemandThroughput: conditions on parameters).
_INDEX_KEYS = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")


class _TemplateLoader(yaml.SafeLoader):
    """SafeLoader that understands CloudFormation's short-form intrinsic tags."""


def _intrinsic(loader: _TemplateLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if tag_suffix in ("Ref", "Condition"):
        return {tag_suffix: value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        # `!GetAtt X.Arn` is the short form of `Fn::GetAtt: [X, Arn]`.
        value = value.split(".", 1)
    return {f"Fn::{tag_suffix}": value}


_TemplateLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: str | Path = "template.yaml") -> dict[str, Any]:
    """Load a CloudFormation/SAM template; `!Tag x` becomes `{"Fn::Tag": x}` (`!Ref x` -> `{"Ref": x}`)."""
    with open(path, encoding="utf-8") as stream:
        template = yaml.load(stream, Loader=_TemplateLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(template, dict):
        raise ValueError(f"{path} is not a CloudFormation template")
    return template


def _tables(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    resources = template.get("Resources") or {}
    return {
        logical_id: resource.get("Properties") or {}
        for logical_id, resource in resources.items()
        if isinstance(resource, dict) and resource.get("Type") == TABLE_TYPE
    }


def _reject_intrinsics(logical_id: str, value: Any) -> None:
    # A !Ref or !If in a table property cannot be resolved locally; fail loudly rather than send it to boto3.
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" or key.startswith("Fn::"):
                raise ValueError(
                    f"{logical_id}: intrinsic {key} in a table property cannot be resolved locally"
                )
            _reject_intrinsics(logical_id, item)
    elif isinstance(value, list):
        for item in value:
            _reject_intrinsics(logical_id, item)


def table_definitions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Logical id -> keyword arguments for `create_table` (without TableName) of every DynamoDB table."""
    definitions: dict[str, dict[str, Any]] = {}
    for logical_id, properties in _tables(template).items():
        kwargs: dict[str, Any] = {
            key: copy.deepcopy(properties[key]) for key in _TABLE_KEYS if key in properties
        }
        for index_key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if index_key in kwargs:
                kwargs[index_key] = [
                    {key: index[key] for key in _INDEX_KEYS if key in index} for index in kwargs[index_key]
                ]
        stream = properties.get("StreamSpecification")
        if stream:
            # CloudFormation implies StreamEnabled from StreamViewType; create_table needs it spelled out.
            kwargs["StreamSpecification"] = {"StreamEnabled": True, **stream}
        _reject_intrinsics(logical_id, kwargs)
        definitions[logical_id] = kwargs
    return definitions


def ttl_specifications(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Logical id -> TimeToLiveSpecification (for `update_time_to_live`) of every table that has one."""
    return {
        logical_id: dict(properties["TimeToLiveSpecification"])
        for logical_id, properties in _tables(template).items()
        if properties.get("TimeToLiveSpecification")
    }


def create_tables(client: Any, names: dict[str, str], template_path: str | Path = "template.yaml") -> None:
    """Create the tables `names` maps (logical id -> physical name); existing tables are left as they are."""
    template = load_template(template_path)
    definitions = table_definitions(template)
    ttls = ttl_specifications(template)
    unknown = sorted(set(names) - set(definitions))
    if unknown:
        raise KeyError(
            f"no table {', '.join(unknown)} in {template_path}; it has {', '.join(sorted(definitions))}"
        )
    for logical_id, table_name in names.items():
        try:
            client.create_table(TableName=table_name, **definitions[logical_id])
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceInUseException":
                raise
        # Local engines create tables ACTIVE at once, so the first describe usually succeeds.
        waiter = client.get_waiter("table_exists")
        waiter.wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        if logical_id in ttls:
            # Errors mean "already enabled" (a table that existed) or an engine without TTL: TTL only
            # deletes expired items eventually, so local runs work the same without it.
            with contextlib.suppress(ClientError):
                client.update_time_to_live(TableName=table_name, TimeToLiveSpecification=ttls[logical_id])
