"""Running the daily grading job from Python: the same Dagster job the schedule launches."""

from __future__ import annotations

import datetime as dt
import os
from contextlib import AbstractContextManager
from dataclasses import dataclass

from dagster import DagsterInstance

from dagster_project import landing
from dagster_project.grading_rules import validate_paths
from dagster_project.partitions import ALERT_WINDOW_END_TAG
from dagster_project.settings import Paths, scoped_environment
from dagster_project.throwaway_instance import throwaway_instance

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


class RunRefusedError(RuntimeError):
    """The run was not started because its inputs are invalid; nothing was written."""


@dataclass(frozen=True)
class RunOutcome:
    run_id: str
    success: bool
    first_date: dt.date
    last_date: dt.date


def preflight(paths: Paths) -> list[str]:
    """Check models and landing files before Dagster starts; returns the warnings."""
    report = validate_paths([paths.models_dir])
    if not report.ok:
        raise RunRefusedError("invalid grading model(s); nothing was written:\n" + report.format())
    try:
        landing.discover(paths.data_dir)
    except landing.LandingDataError as error:
        raise RunRefusedError(str(error)) from error
    return [str(w) for w in report.warnings]


def dagster_event_settings(persistent: bool) -> dict[str, str]:
    """Dagster settings for a run whose event log nobody will read.

    Before a range run starts, Dagster records that it plans to materialise every asset for
    every date: one event per asset and date (some 19,000 for 365 dates), unless the event log
    storage is told to record one event per asset holding the range. Dagster's only drawback
    (its own comment on the setting) is that a failed run then does not mark its partitions as
    failed in the instance: nothing can see that in the throw-away instance of a run without
    DAGSTER_HOME, so only such runs take the shortcut; a run recorded in DAGSTER_HOME keeps
    Dagster's default, for its UI. (The throw-away instance no longer stores planned events at
    all, dagster_project/throwaway_instance.py; the setting still spares Dagster building
    them.)
    """
    return {} if persistent else {"DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "1"}


def run_grading(
    paths: Paths,
    first_date: dt.date,
    last_date: dt.date,
    log_level: str = "INFO",
    alert_window_end: dt.date | None = None,
) -> RunOutcome:
    """Materialise the daily_grading job for [first_date, last_date] as one run.

    The run is recorded in the Dagster instance of DAGSTER_HOME when that is set (so it shows in
    `dagster dev`), else in a throw-away one that does not store the per-partition asset events
    (dagster_project/throwaway_instance.py). `alert_window_end`: the last date of the whole
    range when this run is one piece of it (alert delivery measures the age of alerts from it).
    """
    if last_date < first_date:
        raise RunRefusedError(f"--end {last_date} is before --start {first_date}")
    persistent = bool(os.environ.get("DAGSTER_HOME"))
    with scoped_environment({**paths.as_env(), **dagster_event_settings(persistent)}):
        from dagster_project.definitions import build_definitions

        job = build_definitions().resolve_job_def("daily_grading")
        kwargs: dict[str, object] = {
            "raise_on_error": False,
            "run_config": {"loggers": {"console": {"config": {"log_level": log_level}}}},
        }
        tags: dict[str, str] = {}
        if alert_window_end is not None and alert_window_end > last_date:
            tags[ALERT_WINDOW_END_TAG] = alert_window_end.isoformat()
        if first_date == last_date:
            kwargs["partition_key"] = first_date.isoformat()
        else:
            tags[RANGE_START_TAG] = first_date.isoformat()
            tags[RANGE_END_TAG] = last_date.isoformat()
        if tags:
            kwargs["tags"] = tags
        instance: AbstractContextManager[DagsterInstance] = (
            DagsterInstance.get() if persistent else throwaway_instance()
        )
        with instance as recorded_in:
            result = job.execute_in_process(instance=recorded_in, **kwargs)  # type: ignore[arg-type]
    return RunOutcome(result.run_id, result.success, first_date, last_date)
