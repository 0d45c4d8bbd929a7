"""What the grade dashboard shows, read from the BI marts as small aggregates.

Every query aggregates in DuckDB and returns at most a few hundred rows per grading model
(grades, snapshot dates, matrix cells, histogram bins, the top N at-risk customers), so the
dashboard costs the same at a million customers as at a thousand and its HTML stays small.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from dagster_project.settings import Paths

ENV_REPORT_DIR = "GRADING_REPORT_DIR"
REPORT_FILE = "dashboard.html"
AT_RISK_ROWS = 25
TREND_SNAPSHOTS = 365
SCORE_BINS = 10


def report_path(paths: Paths) -> Path:
    """GRADING_REPORT_DIR/dashboard.html, else `reports/dashboard.html` beside the warehouse."""
    chosen = os.environ.get(ENV_REPORT_DIR, "").strip()
    folder = Path(chosen).expanduser().resolve() if chosen else paths.warehouse.parent / "reports"
    return folder / REPORT_FILE


@dataclass(frozen=True)
class GradeRow:
    grade: str
    grade_rank: int
    customers: int
    customer_share: float | None
    revenue_12m: float
    revenue_share: float | None
    avg_score: float | None
    cumulative_customer_share: float | None
    cumulative_revenue_share: float | None


@dataclass(frozen=True)
class MovementRow:
    snapshot_date: dt.date
    upgrades: int
    downgrades: int
    new_customers: int
    exited_customers: int
    rule_change: bool


@dataclass(frozen=True)
class MatrixCell:
    from_grade: str | None  # None: new customers
    to_grade: str | None  # None: exited customers
    customers: int


@dataclass(frozen=True)
class AtRiskRow:
    customer_id: str
    customer_name: str | None
    owner_name: str | None
    grade: str
    score: float
    purchase_value_12m: float | None
    risk_rules: str
    last_alert_date: dt.date
    last_reason: str | None


@dataclass(frozen=True)
class DimensionHistogram:
    dimension: str
    max_score: float
    counts: list[int]  # SCORE_BINS bins of score / max_score, 0-10 %, ..., 90-100 %


@dataclass
class ModelDashboard:
    """Everything shown for one grading model, as of its latest snapshot."""

    grading_model: str
    as_of: dt.date
    grades: list[GradeRow] = field(default_factory=list)
    movements: list[MovementRow] = field(default_factory=list)
    previous_snapshot: dt.date | None = None
    matrix: list[MatrixCell] = field(default_factory=list)
    at_risk: list[AtRiskRow] = field(default_factory=list)
    at_risk_total: int = 0
    dimensions: list[DimensionHistogram] = field(default_factory=list)

    @property
    def total_customers(self) -> int:
        return sum(row.customers for row in self.grades)

    @property
    def total_revenue(self) -> float:
        return sum(row.revenue_12m for row in self.grades)


@dataclass
class Dashboard:
    generated_at: dt.datetime
    warehouse: Path
    models: list[ModelDashboard]


def load_dashboard(
    connection: duckdb.DuckDBPyConnection, warehouse: Path, generated_at: dt.datetime
) -> Dashboard:
    """Each model at its latest snapshot in grade_summary (models without grades are absent)."""
    latest = connection.execute(
        "select grading_model, max(snapshot_date) from marts.grade_summary "
        "group by grading_model order by grading_model"
    ).fetchall()
    models = [_load_model(connection, name, as_of) for name, as_of in latest]
    return Dashboard(generated_at=generated_at, warehouse=warehouse, models=models)


def _load_model(
    connection: duckdb.DuckDBPyConnection, model: str, as_of: dt.date
) -> ModelDashboard:
    board = ModelDashboard(grading_model=model, as_of=as_of)
    board.grades = [
        GradeRow(*row)
        for row in connection.execute(
            """
            select grade, grade_rank, customers, cast(customer_share as double),
                cast(revenue_12m as double), cast(revenue_share as double),
                cast(avg_score as double), cast(cumulative_customer_share as double),
                cast(cumulative_revenue_share as double)
            from marts.grade_summary
            where grading_model = ? and snapshot_date = ?
            order by grade_rank
            """,
            [model, as_of],
        ).fetchall()
    ]
    board.movements = [
        MovementRow(*row)
        for row in connection.execute(
            """
            select snapshot_date, upgrades, downgrades, new_customers, exited_customers,
                rule_change
            from (
                select * from marts.grade_movements
                where grading_model = ? and snapshot_date <= ?
                order by snapshot_date desc
                limit ?
            )
            order by snapshot_date
            """,
            [model, as_of, TREND_SNAPSHOTS],
        ).fetchall()
    ]
    previous = connection.execute(
        "select max(previous_snapshot_date) from marts.grade_movements "
        "where grading_model = ? and snapshot_date = ?",
        [model, as_of],
    ).fetchone()
    board.previous_snapshot = previous[0] if previous else None
    board.matrix = [
        MatrixCell(*row)
        for row in connection.execute(
            """
            select from_grade, to_grade, customers
            from marts.grade_transition_matrix
            where grading_model = ? and snapshot_date = ?
            """,
            [model, as_of],
        ).fetchall()
    ]
    board.at_risk = [
        AtRiskRow(*row)
        for row in connection.execute(
            """
            select customer_id, customer_name, owner_name, grade, score,
                cast(purchase_value_12m as double),
                risk_rules, last_alert_date, last_reason
            from marts.at_risk_customers
            where grading_model = ? and snapshot_date = ?
            order by purchase_value_12m desc nulls last, customer_id
            limit ?
            """,
            [model, as_of, AT_RISK_ROWS],
        ).fetchall()
    ]
    (board.at_risk_total,) = connection.execute(
        "select count(*) from marts.at_risk_customers "
        "where grading_model = ? and snapshot_date = ?",
        [model, as_of],
    ).fetchone()
    histogram: dict[str, DimensionHistogram] = {}
    for dimension, max_score, bin_no, customers in connection.execute(
        f"""
        select
            dimension,
            max(max_score) over (partition by dimension) as max_score,
            least(
                cast(floor(score / nullif(max_score, 0) * {SCORE_BINS}) as integer),
                {SCORE_BINS - 1}
            ) as bin_no,
            count(*) as customers
        from marts.customer_dimension_scores
        where grading_model = ? and snapshot_date = ? and node_type = 'dimension'
        group by dimension, max_score, bin_no
        order by dimension, bin_no
        """,
        [model, as_of],
    ).fetchall():
        entry = histogram.setdefault(
            dimension, DimensionHistogram(dimension, float(max_score or 0), [0] * SCORE_BINS)
        )
        entry.counts[max(0, int(bin_no or 0))] += int(customers)
    board.dimensions = list(histogram.values())
    return board
