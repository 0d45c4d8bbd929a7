"""The grading-model files as assets: observed for changes, validated and compiled for dbt.

(No `from __future__ import annotations` here: Dagster inspects the context type hints.)
"""

import hashlib

from dagster import (
    AssetExecutionContext,
    DataVersion,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
    observable_source_asset,
)

from dagster_project.grading_rules import compile_models, validate_paths, write_compiled
from dagster_project.partitions import WAREHOUSE_POOL, single_run_backfill, snapshot_partitions
from dagster_project.resources import GradingResource


def model_files_version(grading: GradingResource) -> str:
    """One hash over every model file's name and bytes: any edit changes it."""
    digest = hashlib.sha256()
    for path in sorted(grading.paths.models_dir.glob("*.y*ml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@observable_source_asset(
    name="grading_model_files",
    group_name="config",
    description="grading_models/*.yml: the rules, edited as files. A new version makes the "
    "grades stale.",
    auto_observe_interval_minutes=5,
)
def grading_model_files(grading: GradingResource) -> DataVersion:
    return DataVersion(model_files_version(grading))


@asset(
    name="grading_model_config",
    group_name="config",
    deps=["grading_model_files"],
    partitions_def=snapshot_partitions,
    backfill_policy=single_run_backfill,
    pool=WAREHOUSE_POOL,
    description="Validates every grading-model file and compiles them into the Parquet tables "
    "the dbt models read. An invalid file fails the run here, before anything is written.",
)
def grading_model_config(
    context: AssetExecutionContext, grading: GradingResource
) -> MaterializeResult:
    paths = grading.paths
    report = validate_paths([paths.models_dir])
    for warning in report.warnings:
        context.log.warning(str(warning))
    if not report.ok:
        raise Failure(
            description="invalid grading model(s); nothing was written:\n" + report.format(),
            allow_retries=False,
        )
    with grading.writing():
        write_compiled(compile_models(report.models), paths.config_dir)
    return MaterializeResult(
        metadata={
            "models": MetadataValue.json({m.name: m.model_version for m in report.models}),
            "warnings": MetadataValue.md("\n".join(f"- {w}" for w in report.warnings) or "none"),
            "files_version": model_files_version(grading),
        }
    )
