"""The published S/A/B/C/D model, reproduced exactly on a tiny hand-checked sample.

`seeds/published_sample/` holds landing files for 10 Technology customers (T01..T10) and one
Manufacturing customer (M01, out of the model's scope), and `expected_scores.csv`: every metric
value and every score of `published_tech_sabcd` at D = 2026-06-30, computed by hand from the
published definitions (walk-through: docs/published-model.md). This test runs the real pipeline
(Dagster job -> dbt -> DuckDB) on that folder and demands the warehouse agree to 1e-9.
"""

from __future__ import annotations

import csv
import os
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dagster_project.run_job import run_grading
from dagster_project.settings import PROJECT_ROOT, Paths

SAMPLE_DIR = PROJECT_ROOT / "seeds" / "published_sample"
MODEL = "published_tech_sabcd"
D = date(2026, 6, 30)
TOLERANCE = 1e-9

# dimension path in marts.customer_dimension_scores -> (expected score column, metric column)
LEAVES = {
    "activity.consultations": ("consultations", "consultation_count_12m"),
    "activity.transactions": ("transactions", "purchase_count_12m"),
    "contribution.stability": ("stability", "active_months_6m"),
    "contribution.cumulative_amount": ("cumulative_amount", "cumulative_purchase_value"),
    "value_ranking.amount_rank": ("amount_rank", "cumulative_purchase_value"),
    "value_ranking.repurchase_rank": ("repurchase_rank", "repurchase_rate_12m"),
}
GROUPS = {
    "activity": "activity",
    "contribution": "contribution",
    "value_ranking": "value_ranking",
    "total": "composite",
}
METRICS = (
    "consultation_count_12m",
    "purchase_count_12m",
    "cumulative_purchase_value",
    "active_months_6m",
    "repurchase_rate_12m",
)


def _number(text: str) -> float | None:
    return None if text == "" else float(text)


def _load_expected() -> dict[str, dict[str, str]]:
    with (SAMPLE_DIR / "expected_scores.csv").open(encoding="utf-8", newline="") as handle:
        return {row["customer_id"]: row for row in csv.DictReader(handle)}


EXPECTED = _load_expected()


def _close(actual: float | None, expected: float | None) -> bool:
    if expected is None or actual is None:
        return actual is None and expected is None
    return abs(actual - expected) <= TOLERANCE


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Grade the sample once for D; every test reads the same warehouse."""
    target = tmp_path_factory.mktemp("published_sample") / "wh.duckdb"
    paths = Paths.from_env(
        data_dir=SAMPLE_DIR, warehouse=target, models_dir=PROJECT_ROOT / "grading_models"
    )
    saved_environ = dict(os.environ)  # the run exports its paths and landing globs
    try:
        with pytest.MonkeyPatch.context() as monkeypatch:
            # Fix the run's "today" so the 2026-07-05 purchase is never quarantined as future
            # data, whatever day the suite runs: it must be excluded by the snapshot date alone.
            monkeypatch.setenv("GRADING_TODAY", "2026-11-23")
            outcome = run_grading(paths, D, D)
            assert outcome.success, f"grading run {outcome.run_id} failed"
    finally:
        os.environ.clear()
        os.environ.update(saved_environ)
    return target


def _query(warehouse: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(sql, params or []).fetchall()


def test_expected_file_covers_the_sample() -> None:
    assert sorted(EXPECTED) == [f"T{i:02d}" for i in range(1, 11)]
    assert {row["grade"] for row in EXPECTED.values()} == {"B", "C", "D"}


def test_nothing_was_quarantined(warehouse: Path) -> None:
    assert _query(warehouse, "select entity, record_id, reason from marts.quarantine") == []


def test_grades_and_composite_scores_match(warehouse: Path) -> None:
    rows = _query(
        warehouse,
        "select customer_id, score, grade from marts.customer_grades "
        "where grading_model = ? and snapshot_date = ? order by customer_id",
        [MODEL, D],
    )
    graded = {customer: (score, grade) for customer, score, grade in rows}
    assert sorted(graded) == sorted(EXPECTED), "exactly T01..T10 are graded (M01 out of scope)"
    for customer, row in EXPECTED.items():
        score, grade = graded[customer]
        assert _close(score, float(row["composite"])), (customer, score, row["composite"])
        assert grade == row["grade"], (customer, grade, row["grade"])


def test_out_of_scope_customer_is_not_graded_by_the_model(warehouse: Path) -> None:
    assert _query(
        warehouse,
        "select count(*) from marts.customer_dimension_scores "
        "where grading_model = ? and customer_id = 'M01'",
        [MODEL],
    ) == [(0,)]
    # ...but M01 is a real, gradable customer: the default model (no scope) grades it.
    assert _query(
        warehouse,
        "select count(*) from marts.customer_grades "
        "where grading_model = 'default_abc' and customer_id = 'M01' and snapshot_date = ?",
        [D],
    ) == [(1,)]


def test_every_dimension_score_and_metric_value_matches(warehouse: Path) -> None:
    rows = _query(
        warehouse,
        "select customer_id, dimension, metric_value, score "
        "from marts.customer_dimension_scores "
        "where grading_model = ? and snapshot_date = ? order by all",
        [MODEL, D],
    )
    actual = {(customer, dim): (value, score) for customer, dim, value, score in rows}
    assert {dim for _, dim in actual} == set(LEAVES) | set(GROUPS)
    assert len(actual) == len(EXPECTED) * (len(LEAVES) + len(GROUPS))
    mismatches = []
    for customer, row in EXPECTED.items():
        for dim, (score_column, metric_column) in LEAVES.items():
            value, score = actual[(customer, dim)]
            if not _close(score, float(row[score_column])):
                mismatches.append((customer, dim, "score", score, row[score_column]))
            if not _close(value, _number(row[metric_column])):
                mismatches.append((customer, dim, "metric_value", value, row[metric_column]))
        for dim, score_column in GROUPS.items():
            _, score = actual[(customer, dim)]
            if not _close(score, float(row[score_column])):
                mismatches.append((customer, dim, "score", score, row[score_column]))
    assert mismatches == []


def test_metric_values_match(warehouse: Path) -> None:
    columns = ", ".join(METRICS)
    rows = _query(
        warehouse,
        f"select customer_id, {columns} from intermediate.int_customer_metrics "
        "where snapshot_date = ? and customer_id like 'T%' order by customer_id",
        [D],
    )
    assert [row[0] for row in rows] == sorted(EXPECTED)
    mismatches = [
        (row[0], metric, actual, EXPECTED[row[0]][metric])
        for row in rows
        for metric, actual in zip(METRICS, row[1:], strict=True)
        if not _close(None if actual is None else float(actual), _number(EXPECTED[row[0]][metric]))
    ]
    assert mismatches == []
