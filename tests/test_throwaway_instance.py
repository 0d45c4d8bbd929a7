"""The throw-away Dagster instance of a CLI run: what it leaves out, and what it still records."""

from __future__ import annotations

from dagster import (
    AssetCheckResult,
    AssetKey,
    BackfillPolicy,
    DagsterEventType,
    DagsterInstance,
    DailyPartitionsDefinition,
    Definitions,
    asset,
    asset_check,
    define_asset_job,
)

from dagster_project.run_job import RANGE_END_TAG, RANGE_START_TAG
from dagster_project.throwaway_instance import RunOnlyEventLogStorage, throwaway_instance

days = DailyPartitionsDefinition(start_date="2026-01-01", end_date="2026-02-01")


@asset(partitions_def=days, backfill_policy=BackfillPolicy.single_run())
def dated() -> None:
    """A partitioned asset a range run materialises once, for all its dates."""


@asset_check(asset=dated)
def dated_is_fine() -> AssetCheckResult:
    return AssetCheckResult(passed=True)


def run_range(instance: DagsterInstance) -> str:
    job = Definitions(
        assets=[dated],
        asset_checks=[dated_is_fine],
        jobs=[define_asset_job("dated_job", selection=[dated])],
    ).resolve_job_def("dated_job")
    result = job.execute_in_process(
        instance=instance,
        tags={RANGE_START_TAG: "2026-01-05", RANGE_END_TAG: "2026-01-07"},
    )
    assert result.success
    # the run's own result still carries every materialization: the CLI could read them there
    assert len(result.get_asset_materialization_events()) == 3
    return result.run_id


def stored(instance: DagsterInstance, run_id: str, event_type: DagsterEventType) -> int:
    """How many events of the type the instance's event log holds for the run."""
    return len(instance.all_logs(run_id, of_type=event_type))


def test_a_throwaway_run_does_not_store_its_per_date_asset_events() -> None:
    with throwaway_instance() as instance:
        run_id = run_range(instance)
        storage = instance.event_log_storage
        assert isinstance(storage, RunOnlyEventLogStorage)
        assert storage.unstored[DagsterEventType.ASSET_MATERIALIZATION.value] == 3
        assert stored(instance, run_id, DagsterEventType.ASSET_MATERIALIZATION) == 0
        # and the events of the run's creation: what it plans to materialise and to check
        for planned in (
            DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
            DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED,
        ):
            assert storage.unstored[planned.value] >= 1, planned
            assert stored(instance, run_id, planned) == 0, planned
        # what it keeps: the run and its status, its step events and the check's result
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.is_success
        assert stored(instance, run_id, DagsterEventType.STEP_SUCCESS) == 2  # the asset, the check
        assert stored(instance, run_id, DagsterEventType.ASSET_CHECK_EVALUATION) >= 1


def test_dagsters_own_ephemeral_instance_stores_them() -> None:
    """The same run in Dagster's ephemeral instance: the events left out above are real."""
    with DagsterInstance.ephemeral() as instance:
        run_id = run_range(instance)
        assert stored(instance, run_id, DagsterEventType.ASSET_MATERIALIZATION) == 3
        assert instance.get_latest_materialization_event(AssetKey("dated")) is not None
