"""The pandas baseline (benchmarks/pandas_baseline.py) grades exactly like the pipeline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from benchmarks.pandas_baseline import grade_default_abc, grade_range, load_landing
from dagster_project.demo_data import generate
from dagster_project.run_job import run_grading
from dagster_project.settings import PROJECT_ROOT, Paths

SNAPSHOT = dt.date(2026, 11, 22)
TODAY = dt.date(2026, 11, 23)


def pipeline_grades(warehouse: Path, snapshot: dt.date) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(
            "select customer_id, score, grade from marts.customer_grades "
            "where grading_model = 'default_abc' and snapshot_date = ? order by customer_id",
            [snapshot],
        ).df()


def test_baseline_matches_the_pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = tmp_path / "landing"
    summary = generate(data_dir, customers=2000, years=2.0, end_date=SNAPSHOT, seed=11)
    assert sum(summary.bad_rows.values()) > 0  # the cleaning rules are exercised
    monkeypatch.setenv("GRADING_TODAY", TODAY.isoformat())
    paths = Paths.from_env(
        data_dir=data_dir,
        warehouse=tmp_path / "wh.duckdb",
        models_dir=PROJECT_ROOT / "grading_models",
    )
    assert run_grading(paths, SNAPSHOT, SNAPSHOT).success
    expected = pipeline_grades(paths.warehouse, SNAPSHOT)

    landing = load_landing(data_dir)
    actual = grade_default_abc(landing, SNAPSHOT, TODAY)

    assert len(actual) == len(expected) > 1900
    assert actual["customer_id"].tolist() == expected["customer_id"].tolist()
    assert actual["grade"].tolist() == expected["grade"].tolist()
    assert (actual["score"] - expected["score"]).abs().max() <= 1e-6
    assert set(actual["grade"]) == {"A", "B", "C"}

    # the naive backfill is the same call per date
    backfill = grade_range(landing, SNAPSHOT - dt.timedelta(days=1), SNAPSHOT, TODAY)
    assert backfill["snapshot_date"].nunique() == 2
    last_day = backfill[backfill["snapshot_date"] == SNAPSHOT].reset_index(drop=True)
    pd.testing.assert_frame_equal(last_day.drop(columns="snapshot_date"), actual)
