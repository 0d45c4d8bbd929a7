"""The decline_pct rule against several snapshots in its window, graded day by day and as a range.

A daily run evaluates the rule as a grouped aggregate over each evaluated date's window; a range
uses one window frame over the customer's snapshots (int_grade_alert_candidates). The story in
test_transitions_alerts_exports.py has one earlier snapshot per window, where the highest, the
lowest and the latest earlier score are the same; here they differ.

One customer, scored 1 point per 1,000 of 12-month purchase value (change_scenario's model),
graded on four consecutive days as purchases leave the 365-day window:

| date | E1 | E2 | E3 | E4 |
|---|---|---|---|---|
| score | 90 | 80 | 30 | 30 |

The rule (drop_pct 20, within_days 7) fires once, at E3: 66.7% below the best earlier score, 90
on E1 (not 80, the latest and lowest earlier score). At E4 the drop is as deep, but not new.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from dagster_project.settings import Paths

from change_scenario import ALERT_MODEL, ALICE, write_models
from conftest import Grade, query

E1 = dt.date(2026, 3, 2)
E2, E3, E4 = (E1 + dt.timedelta(days=n) for n in (1, 2, 3))
DROPS_SQL = (
    "select snapshot_date, customer_id, reason, reference_date, recipient "
    "from intermediate.int_grade_alert_candidates where rule = 'decline_pct' order by all"
)
EXPECTED_DROPS = [
    (E3, "C1", f"score fell 66.7% within 7 days: 90.0 on {E1} -> 30.0", E1, ALICE),
]


def write_landing(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    files = {
        "customers.csv": [
            ["customer_id", "customer_name", "region", "business_line", "industry", "owner_id",
             "partnership_start", "credit_rating"],
            ["C1", "Customer C1", "East", "SMB", "Retail", "S1", "2020-01-01", "A"],
        ],
        "salespeople.csv": [["salesperson_id", "name", "email"], ["S1", "Alice", ALICE]],
        "purchases.csv": [
            ["purchase_id", "customer_id", "purchased_at", "amount", "status"],
            # each counts while it is at most 364 days old
            ["P1", "C1", f"{E1 - dt.timedelta(days=364)} 10:00:00", "10000.00", "completed"],
            ["P2", "C1", f"{E2 - dt.timedelta(days=364)} 10:00:00", "50000.00", "completed"],
            ["P3", "C1", f"{E4 - dt.timedelta(days=364)} 10:00:00", "20000.00", "completed"],
            ["P4", "C1", f"{E1 - dt.timedelta(days=5)} 10:00:00", "10000.00", "completed"],
        ],
    }  # fmt: skip
    for name, rows in files.items():
        with (data_dir / name).open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)


def test_decline_pct_compares_with_the_best_score_of_the_window_daily_and_as_a_range(
    grade: Grade, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_landing(tmp_path / "data")
    write_models(tmp_path / "models")
    daily = Paths.from_env(
        data_dir=tmp_path / "data",
        warehouse=tmp_path / "daily" / "grading.duckdb",
        models_dir=tmp_path / "models",
    )
    for day in (E1, E2, E3, E4):
        grade(daily, day, day)
    scores = query(
        daily.warehouse,
        "select snapshot_date, score from marts.customer_grades where grading_model = ? "
        "order by snapshot_date",
        [ALERT_MODEL],
    )
    assert scores == [(E1, 90.0), (E2, 80.0), (E3, 30.0), (E4, 30.0)]
    assert query(daily.warehouse, DROPS_SQL) == EXPECTED_DROPS

    # the same four dates as one range, through the window frame
    monkeypatch.setenv("GRADING_METRICS_STRATEGY", "window")
    ranged = Paths.from_env(
        data_dir=tmp_path / "data",
        warehouse=tmp_path / "ranged" / "grading.duckdb",
        models_dir=tmp_path / "models",
    )
    grade(ranged, E1, E4)
    assert query(ranged.warehouse, DROPS_SQL) == EXPECTED_DROPS
