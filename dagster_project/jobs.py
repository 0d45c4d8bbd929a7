"""The daily grading job and its schedule."""

from __future__ import annotations

import datetime as dt

from dagster import (
    AssetSelection,
    RunRequest,
    ScheduleEvaluationContext,
    define_asset_job,
    in_process_executor,
    schedule,
)

from dagster_project.partitions import snapshot_partitions

GRADING_JOB_NAME = "daily_grading"

# The in-process executor runs the steps one after another in one process: with DuckDB's single
# writer that is both the safe and the fastest choice.
daily_grading_job = define_asset_job(
    name=GRADING_JOB_NAME,
    selection=AssetSelection.groups(
        "config", "reference", "staging", "intermediate", "marts", "delivery", "reports"
    )
    - AssetSelection.assets("grading_model_files"),
    partitions_def=snapshot_partitions,
    executor_def=in_process_executor,
    description="Validate the grading models, build the grade snapshot, transitions, alerts and "
    "policies for the partition (or range of partitions) with dbt, then deliver the alerts, "
    "export the policies and rewrite the dashboard.",
)


@schedule(job=daily_grading_job, cron_schedule="0 2 * * *", execution_timezone="UTC")
def daily_grading_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    """At 02:00 UTC grade yesterday: the last complete day of purchases and payments."""
    yesterday = (context.scheduled_execution_time - dt.timedelta(days=1)).date().isoformat()
    return RunRequest(run_key=yesterday, partition_key=yesterday)
