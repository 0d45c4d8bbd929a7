"""The dbt project as Dagster assets, one partition per snapshot date.

A run over a range of partitions (a single-run backfill) becomes one `dbt build` over that range
of snapshot dates: the SQL computes every date in one set-based pass.
"""

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from dagster_project.dbt_cli import (
    ensure_manifest,
    keep_partial_parse,
    prune_invocation_targets,
)
from dagster_project.partitions import WAREHOUSE_POOL, single_run_backfill, snapshot_partitions
from dagster_project.resources import GradingResource
from dagster_project.settings import scoped_environment

CONFIG_SOURCE = "grading_config"
# The alert delivery state: written by the alert_delivery asset, read by marts.grade_alerts.
STATE_SOURCE = "alerting"

# dbt unit tests pin the SQL logic; like dbt recommends, they run in the test suite
# (tests/test_dbt_unit_tests.py), not in every production build. Data tests do run every time.
DAILY_BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test"]


class GradingDbtTranslator(DagsterDbtTranslator):
    """Groups assets by dbt folder and maps the compiled-config sources onto one asset."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            if dbt_resource_props["source_name"] == CONFIG_SOURCE:
                return AssetKey("grading_model_config")
            return AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "model" and len(fqn) > 2:
            return AssetKey([fqn[1], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        resource_type = dbt_resource_props["resource_type"]
        if resource_type == "seed":
            return "reference"
        if resource_type == "source":
            source_name = dbt_resource_props["source_name"]
            if source_name == STATE_SOURCE:
                return "state"
            return "config" if source_name == CONFIG_SOURCE else "landing"
        fqn = dbt_resource_props.get("fqn", [])
        if resource_type == "model" and len(fqn) > 2:
            return fqn[1]
        return super().get_group_name(dbt_resource_props)


def snapshot_range(context: AssetExecutionContext) -> tuple[dt.date, dt.date]:
    """First and last snapshot dates (inclusive) of the partitions this run materialises."""
    window = context.partition_time_window
    return window.start.date(), (window.end - dt.timedelta(days=1)).date()


@dbt_assets(
    manifest=ensure_manifest(),
    dagster_dbt_translator=GradingDbtTranslator(
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
    ),
    partitions_def=snapshot_partitions,
    backfill_policy=single_run_backfill,
    pool=WAREHOUSE_POOL,
)
def grading_dbt_assets(
    context: AssetExecutionContext, dbt: DbtCliResource, grading: GradingResource
) -> Iterator[Any]:
    first, last = snapshot_range(context)
    context.log.info(f"grading snapshot dates {first} .. {last}")
    try:
        with grading.writing(), scoped_environment(grading.dbt_env(first, last)):
            invocation = dbt.cli(DAILY_BUILD_ARGS, context=context)
            yield from invocation.stream()
        keep_partial_parse(invocation.target_path)
    finally:
        prune_invocation_targets()
