"""Backfills equal single-date runs; invalid input is refused before anything is written."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from dagster import DagsterEvent, DagsterInstance

from dagster_project.cli import main
from dagster_project.demo_data import GenerationSummary
from dagster_project.landing import LandingDataError, discover
from dagster_project.run_job import RunRefusedError, dagster_event_settings, preflight
from dagster_project.settings import DBT_PROJECT_DIR, PROJECT_ROOT, scoped_environment

from conftest import END_DATE, Grade, invocation_folder, make_paths, query, range_run_args

SCORES_SQL = """
    select grading_model, customer_id, score, grade, score_top_share
    from marts.customer_grades where snapshot_date = ? order by all
"""
METRICS_SQL = "select * exclude (snapshot_date) from intermediate.int_customer_metrics order by all"


@pytest.mark.parametrize("strategy", ["window", "aggregate"])
def test_range_run_grades_each_date_like_a_single_date_run(
    landing: GenerationSummary,
    grade: Grade,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    strategy: str,
) -> None:
    """Both metric strategies (window frames, per-date aggregation) give the same rows."""
    first, last = END_DATE - dt.timedelta(days=40), END_DATE - dt.timedelta(days=38)
    middle = first + dt.timedelta(days=1)
    ranged = make_paths(landing.out_dir, tmp_path / "ranged.duckdb")
    single = make_paths(landing.out_dir, tmp_path / "single.duckdb")
    monkeypatch.setenv("GRADING_METRICS_STRATEGY", strategy)
    planned: Counter[str] = Counter()
    report = DagsterInstance.report_dagster_event

    def count_planned(
        instance: DagsterInstance, event: DagsterEvent, *args: object, **kwargs: object
    ) -> object:
        if event.event_type_value == "ASSET_MATERIALIZATION_PLANNED":
            planned[event.asset_key.to_user_string()] += 1
        return report(instance, event, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(DagsterInstance, "report_dagster_event", count_planned)
        grade(ranged, first, last)
    # the throw-away instance records the range once per asset, not once per asset and date
    assert planned and set(planned.values()) == {1}, planned
    monkeypatch.setenv(
        "GRADING_METRICS_STRATEGY", "aggregate" if strategy == "window" else "window"
    )
    grade(single, middle, middle)
    dates = query(ranged.warehouse, "select distinct snapshot_date from marts.customer_grades")
    assert sorted(d for (d,) in dates) == [first, middle, last]
    assert query(ranged.warehouse, SCORES_SQL, [middle]) == query(
        single.warehouse, SCORES_SQL, [middle]
    )
    # and the metrics the range computed for that date are the single run's metrics
    ranged_metrics = query(
        ranged.warehouse,
        "select * exclude (snapshot_date) from intermediate.int_customer_metrics "
        "where snapshot_date = ? order by all",
        [middle],
    )
    assert ranged_metrics == query(single.warehouse, METRICS_SQL)


@pytest.mark.parametrize("persistent", [False, True])
def test_only_a_throwaway_instance_plans_a_range_as_one_event_per_asset(
    persistent: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shortcut must reach Dagster (a renamed setting would silently cost a backfill 10-20 s)
    and must stay off for runs recorded in DAGSTER_HOME, whose failed partitions the UI shows."""
    monkeypatch.delenv("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", raising=False)
    settings = dagster_event_settings(persistent)
    with scoped_environment(settings), DagsterInstance.ephemeral() as instance:
        storage = instance.event_log_storage
        batched = storage.supports_partition_subset_in_asset_materialization_planned_events
    assert batched is not persistent


def test_invalid_model_is_refused_and_nothing_is_written(
    landing: GenerationSummary,
    models_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bad = tmp_path / "models"
    shutil.copytree(models_copy, bad)
    text = (bad / "default_abc.yml").read_text(encoding="utf-8")
    (bad / "default_abc.yml").write_text(
        text.replace("purchase_value_12m", "purchase_valu_12m", 1), encoding="utf-8"
    )
    warehouse = tmp_path / "wh.duckdb"
    code = main(
        [
            "run",
            "--date",
            END_DATE.isoformat(),
            "--data",
            str(landing.out_dir),
            "--warehouse",
            str(warehouse),
            "--models",
            str(bad),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "default_abc.yml" in err and ".metric" in err and "purchase_value_12m" in err
    assert not warehouse.exists()
    assert not make_paths(landing.out_dir, warehouse).config_dir.exists()


def test_invalid_model_after_a_good_run_leaves_the_warehouse_untouched(
    landing: GenerationSummary, models_copy: Path, grade: Grade, tmp_path: Path
) -> None:
    from dagster_project.run_job import run_grading

    good = make_paths(landing.out_dir, tmp_path / "wh.duckdb", models_copy)
    grade(good, END_DATE, END_DATE)
    before = query(good.warehouse, SCORES_SQL, [END_DATE])
    config_before = {p.name: p.read_bytes() for p in good.config_dir.glob("*.parquet")}
    bad_dir = tmp_path / "bad"
    shutil.copytree(models_copy, bad_dir)
    path = bad_dir / "east_region_rfm.yml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("weight: 0.4", "weight: 0.5"), encoding="utf-8"
    )
    bad = make_paths(landing.out_dir, good.warehouse, bad_dir)
    with pytest.raises(RunRefusedError, match=r"east_region_rfm\.yml: score: .*add up to 1\.1"):
        preflight(bad)
    # even when the Dagster job is launched directly, the config asset fails before dbt runs
    outcome = run_grading(bad, END_DATE - dt.timedelta(days=1), END_DATE - dt.timedelta(days=1))
    assert not outcome.success
    assert query(good.warehouse, SCORES_SQL, [END_DATE]) == before
    assert query(
        good.warehouse,
        "select count(*) from marts.customer_grades where snapshot_date = ?",
        [END_DATE - dt.timedelta(days=1)],
    ) == [(0,)]
    assert {p.name: p.read_bytes() for p in good.config_dir.glob("*.parquet")} == config_before


def test_validate_command_reports_published_model_unreachable_grades(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "grade 'S'" in out and "grade 'A'" in out and "72" in out
    assert main(["validate", str(PROJECT_ROOT / "grading_models" / "default_abc.yml")]) == 0


def test_missing_column_is_named(tmp_path: Path) -> None:
    (tmp_path / "customers.csv").write_text("customer_id,customer_name\nC1,x\n", encoding="utf-8")
    (tmp_path / "purchases.csv").write_text(
        "purchase_id,customer_id,purchased_at,amount,status\n", encoding="utf-8"
    )
    with pytest.raises(LandingDataError, match=r"customers\.csv lacks column\(s\) region"):
        discover(tmp_path)
    with pytest.raises(LandingDataError, match="does not exist"):
        discover(tmp_path / "nowhere")


def test_dbt_writes_its_debug_log_only_when_asked_and_a_new_date_reparses_nothing(
    landing: GenerationSummary, grade: Grade, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The debug log costs every run about a second; DBT_LOG_LEVEL_FILE=debug brings it back.

    The next day's run changes only the run's dates, which dbt reads when it executes, not when
    it parses (macro run_setting): its partial parse finds no file to parse again."""
    paths = make_paths(landing.out_dir, tmp_path / "wh.duckdb")
    monkeypatch.delenv("DBT_LOG_LEVEL_FILE", raising=False)
    quiet = grade(paths, END_DATE - dt.timedelta(days=1), END_DATE - dt.timedelta(days=1))
    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "debug")
    asked = grade(paths, END_DATE, END_DATE)

    assert (invocation_folder(quiet.run_id) / "run_results.json").exists()
    assert not (invocation_folder(quiet.run_id) / "dbt.log").exists()
    debug_log = (invocation_folder(asked.run_id) / "dbt.log").read_text()
    assert '"level": "debug"' in debug_log
    reparsed = [
        event["data"]
        for event in (json.loads(line) for line in debug_log.splitlines() if line.strip())
        if event["info"]["code"] == "I040"  # dbt's "Partial parsing: added/changed/deleted"
    ]
    assert reparsed == [{"added": 0, "changed": 0, "deleted": 0}]


def test_without_optional_entities_their_metrics_are_null(
    landing: GenerationSummary, grade: Grade, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for file in landing.out_dir.glob("customers*.csv"):
        shutil.copy(file, data / file.name)
    for file in landing.out_dir.glob("purchases*.csv"):
        shutil.copy(file, data / file.name)
    paths = make_paths(data, tmp_path / "wh.duckdb")
    grade(paths, END_DATE, END_DATE)
    row = query(
        paths.warehouse,
        "select count(*), count(on_time_payment_rate_12m), count(credit_incidents_12m), "
        "count(consultation_count_12m), count(purchase_count_12m) "
        "from intermediate.int_customer_metrics",
    )[0]
    assert row[0] > 0 and row[1:4] == (0, 0, 0) and row[4] == row[0]
    # the default model's punctuality then scores its missing_score (50) for everyone
    scores = query(
        paths.warehouse,
        "select distinct score from marts.customer_dimension_scores "
        "where grading_model = 'default_abc' and dimension = 'punctuality'",
    )
    assert scores == [(50.0,)]


def test_metric_catalogue_matches_the_sql() -> None:
    with open(PROJECT_ROOT / "seeds" / "metric_catalogue.csv", encoding="utf-8") as handle:
        catalogue = [row["metric"] for row in csv.DictReader(handle)]
    macro = (DBT_PROJECT_DIR / "macros" / "metric_catalogue.sql").read_text(encoding="utf-8")
    listed = re.findall(r"'([a-z0-9_]+)'", macro.split("return([", 1)[1].split("])", 1)[0])
    assert listed == catalogue


def test_demo_command_generates_grades_and_summarises(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = tmp_path / "wh" / "grading.duckdb"
    code = main(
        [
            "demo",
            "--customers",
            "300",
            "--days",
            "2",
            "--end-date",
            "2026-06-30",
            "--data",
            str(tmp_path / "data"),
            "--warehouse",
            str(warehouse),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert (
        "Grades on 2026-06-30:" in out and "default_abc" in out and "Quarantined input rows" in out
    )
    dates = query(warehouse, "select count(distinct snapshot_date) from marts.customer_grades")
    assert dates == [(2,)]
    assert list((tmp_path / "data").glob("purchases*.csv"))


@pytest.mark.parametrize(
    ("days", "advice"),
    [
        (3, "grading 3 date(s) in one run. Grade the range in shorter runs (--dates-per-run N"),
        (1, "grading one date. Raise GRADING_DUCKDB_MEMORY_LIMIT for this run"),
    ],
)
def test_out_of_memory_names_the_limit_and_what_to_do(
    landing: GenerationSummary,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    days: int,
    advice: str,
) -> None:
    """A real DuckDB out-of-memory failure (a 4 MB limit) ends with advice, not only a trace.

    A single date cannot be split, so its advice is the memory limit alone.
    """
    monkeypatch.setenv("GRADING_DUCKDB_MEMORY_LIMIT", "4MB")
    first, last = END_DATE - dt.timedelta(days=days - 1), END_DATE
    code = main(range_run_args(first, last, landing.out_dir, tmp_path / "wh" / "grading.duckdb"))
    err = capsys.readouterr().err
    assert code == 1
    assert "Out of Memory Error" in err
    assert f"DuckDB ran out of memory (GRADING_DUCKDB_MEMORY_LIMIT=4MB) {advice}" in err
    assert "docs/orchestration.md" in err
