"""`grading backtest`: how a grading model would have graded the history.

The model is graded on every evaluated date (start, start + every, ... up to end) by the real dbt
models in the scratch warehouse (scratch_grading.py): the metrics of all dates in one set-based
pass of `int_customer_metrics`, then the scoring models. The analysis below is plain SQL over the
scratch file's grades and the copied customer-day aggregates; nothing live is written.

Grades are the rules' own (`computed_grade`): manual overrides say nothing about the model.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from dagster_project.report_files import write_report
from dagster_project.scratch_grading import (
    WhatIfRefusedError,
    grade_proposal,
    whatif_lock,
    workspace,
)
from dagster_project.settings import Paths

FORWARD_DAYS = 90
MAX_DATES = 400

GRADES_VIEW = """
    create or replace temp table g as
    select snapshot_date, customer_id, customer_name, computed_grade as grade,
        computed_grade_rank as grade_rank, score, purchase_value_12m
    from marts.customer_grades where grading_model = ?
"""

# Each customer's grade at each evaluated date next to its grade at the previous evaluated date.
SEQUENCE_VIEW = """
    create or replace temp table seq as
    select *,
        lag(snapshot_date) over (partition by customer_id order by snapshot_date) as previous_date,
        lag(grade) over (partition by customer_id order by snapshot_date) as previous_grade,
        lag(grade_rank) over (partition by customer_id order by snapshot_date) as previous_rank
    from g
"""

GRADE_COUNTS_SQL = """
    select snapshot_date, grade, grade_rank, count(*) as customers,
        round(100.0 * count(*) / sum(count(*)) over (partition by snapshot_date), 2),
        round(sum(purchase_value_12m), 2),
        round(100.0 * sum(purchase_value_12m)
            / nullif(sum(sum(purchase_value_12m)) over (partition by snapshot_date), 0), 2)
    from g group by snapshot_date, grade, grade_rank order by snapshot_date, grade_rank
"""
GRADE_COUNT_COLUMNS = (
    "snapshot_date",
    "grade",
    "grade_rank",
    "customers",
    "customer_share_pct",
    "revenue_12m",
    "revenue_share_pct",
)

TRANSITIONS_SQL = """
    select snapshot_date, min(previous_date) as previous_date,
        count(*) filter (where grade_rank < previous_rank) as upgrades,
        count(*) filter (where grade_rank > previous_rank) as downgrades,
        count(*) filter (where grade_rank = previous_rank) as unchanged
    from seq where previous_date is not null
    group by snapshot_date order by snapshot_date
"""
TRANSITION_COLUMNS = ("snapshot_date", "previous_date", "upgrades", "downgrades", "unchanged")

CHANGES_SQL = """
    select snapshot_date, previous_date, customer_id, customer_name, previous_grade, grade,
        case when grade_rank < previous_rank then 'up' else 'down' end as direction,
        round(score, 6), round(purchase_value_12m, 2)
    from seq where previous_date is not null and grade_rank <> previous_rank
    order by snapshot_date, customer_id
"""
CHANGE_COLUMNS = (
    "snapshot_date",
    "previous_date",
    "customer_id",
    "customer_name",
    "from_grade",
    "to_grade",
    "direction",
    "score",
    "revenue_12m",
)

# A flap is a grade change in the opposite direction of the customer's previous change
# (A -> B -> A): the grade went back where it came from.
FLAPPING_SQL = """
    with changes as (
        select customer_id, snapshot_date, grade,
            case when grade_rank < previous_rank then 1 else -1 end as direction
        from seq where previous_date is not null and grade_rank <> previous_rank
    ),
    flagged as (
        select *, lag(direction) over (partition by customer_id order by snapshot_date)
            = -direction as is_flap
        from changes
    )
    select customer_id, count(*) as changes, count(*) filter (where is_flap) as flaps,
        string_agg(strftime(snapshot_date, '%Y-%m-%d') || ' ' || grade, ', '
            order by snapshot_date) as changed_to
    from flagged group by customer_id
    order by flaps desc, changes desc, customer_id
"""
FLAPPING_COLUMNS = ("customer_id", "grade_changes", "flaps", "changed_to")

# How well each grade predicted revenue: the completed purchase value of the FORWARD_DAYS days
# after the snapshot date, per grade. `window_complete` is false when those days reach past the
# last day of the data, so the share is then based on fewer days.
PREDICTION_SQL = """
    with dates as (select distinct snapshot_date from g),
    forward as (
        select dates.snapshot_date, activity.customer_id,
            sum(activity.purchase_value) as revenue
        from dates
        inner join intermediate.int_customer_daily_activity as activity
            on activity.activity_date > dates.snapshot_date
            and activity.activity_date <= dates.snapshot_date + ?
        group by all
    ),
    per_grade as (
        select g.snapshot_date, g.grade, g.grade_rank, count(*) as customers,
            coalesce(sum(forward.revenue), 0) as revenue
        from g left join forward
            on g.snapshot_date = forward.snapshot_date and g.customer_id = forward.customer_id
        group by all
    )
    select snapshot_date, grade, grade_rank, customers,
        round(100.0 * customers / sum(customers) over (partition by snapshot_date), 2)
            as customer_share,
        round(revenue, 2),
        round(100.0 * revenue / nullif(sum(revenue) over (partition by snapshot_date), 0), 2)
            as revenue_share,
        round((100.0 * revenue / nullif(sum(revenue) over (partition by snapshot_date), 0))
            / (100.0 * customers / sum(customers) over (partition by snapshot_date)), 3) as lift,
        snapshot_date + ? <= (
            select max(activity_date) from intermediate.int_customer_daily_activity
        ) as window_complete
    from per_grade order by snapshot_date, grade_rank
"""
PREDICTION_COLUMNS = (
    "snapshot_date",
    "grade",
    "grade_rank",
    "customers",
    "customer_share_pct",
    f"revenue_next_{FORWARD_DAYS}d",
    f"revenue_share_next_{FORWARD_DAYS}d_pct",
    "lift",
    "window_complete",
)


@dataclass
class Backtest:
    model: str
    model_file: str
    model_version: str
    dates: tuple[dt.date, ...]
    every_days: int
    findings: list[str]
    customers: int
    grade_counts: list[tuple[Any, ...]]
    transitions: list[tuple[Any, ...]]
    changes: list[tuple[Any, ...]]
    flapping: list[tuple[Any, ...]]
    prediction: list[tuple[Any, ...]]
    files: list[Path] = field(default_factory=list)

    @property
    def flapping_customers(self) -> int:
        return sum(1 for row in self.flapping if row[2] > 0)

    @property
    def flapping_rate(self) -> float:
        return self.flapping_customers / self.customers if self.customers else 0.0


def parse_every(text: str) -> int:
    """'7d' -> 7; days are the only unit (snapshot dates are days)."""
    match = re.fullmatch(r"\s*(\d+)\s*d\s*", text)
    if not match or int(match.group(1)) < 1:
        raise WhatIfRefusedError(f"--every {text!r}: expected a number of days such as 7d or 1d")
    return int(match.group(1))


def evaluation_dates(start: dt.date, end: dt.date, every_days: int) -> tuple[dt.date, ...]:
    if end < start:
        raise WhatIfRefusedError(f"--end {end} is before --start {start}")
    count = (end - start).days // every_days + 1
    if count > MAX_DATES:
        raise WhatIfRefusedError(
            f"{count} evaluation dates; at most {MAX_DATES}: use a larger --every or a shorter "
            "range"
        )
    return tuple(start + dt.timedelta(days=i * every_days) for i in range(count))


def backtest(
    paths: Paths, model_file: Path, start: dt.date, end: dt.date, every_days: int = 1
) -> Backtest:
    """Grade `model_file` on the evaluation dates in the scratch warehouse and analyse it."""
    dates = evaluation_dates(start, end, every_days)
    with whatif_lock(paths) as root:
        graded = grade_proposal(paths, model_file, dates, root, copy_activity=True)
        with duckdb.connect(str(graded.database)) as connection:
            connection.execute(GRADES_VIEW, [graded.model.name])
            connection.execute(SEQUENCE_VIEW)
            customers_row = connection.execute("select count(distinct customer_id) from g")
            customers = (customers_row.fetchone() or (0,))[0]
            result = Backtest(
                model=graded.model.name,
                model_file=str(model_file),
                model_version=graded.model.model_version,
                dates=dates,
                every_days=every_days,
                findings=[f"{f.severity}: {f}" for f in graded.report.findings],
                customers=int(customers),
                grade_counts=connection.execute(GRADE_COUNTS_SQL).fetchall(),
                transitions=connection.execute(TRANSITIONS_SQL).fetchall(),
                changes=connection.execute(CHANGES_SQL).fetchall(),
                flapping=connection.execute(FLAPPING_SQL).fetchall(),
                prediction=connection.execute(
                    PREDICTION_SQL, [FORWARD_DAYS, FORWARD_DAYS]
                ).fetchall(),
            )
    return result


def default_out_dir(paths: Paths, model: str) -> Path:
    """Where the dashboard finds the latest backtest of a model."""
    return workspace(paths) / "backtests" / model


def write_backtest(result: Backtest, out_dir: Path) -> list[Path]:
    """One CSV per table plus backtest.json (parameters and headline numbers)."""
    top = _top_grade_prediction(result)
    summary = {
        "model": result.model,
        "model_file": result.model_file,
        "model_version": result.model_version,
        "start": result.dates[0].isoformat(),
        "end": result.dates[-1].isoformat(),
        "every_days": result.every_days,
        "evaluation_dates": [d.isoformat() for d in result.dates],
        "customers": result.customers,
        "grade_changes": len(result.changes),
        "flapping_customers": result.flapping_customers,
        "flapping_rate": round(result.flapping_rate, 6),
        "forward_days": FORWARD_DAYS,
        "top_grade_prediction": top,
        "validation_findings": result.findings,
    }
    result.files = write_report(
        out_dir,
        tables={
            "grade_counts": (GRADE_COUNT_COLUMNS, result.grade_counts),
            "transitions": (TRANSITION_COLUMNS, result.transitions),
            "grade_changes": (CHANGE_COLUMNS, result.changes),
            "flapping_customers": (FLAPPING_COLUMNS, result.flapping),
            "prediction": (PREDICTION_COLUMNS, result.prediction),
        },
        summary_name="backtest",
        summary=summary,
    )
    return result.files


def _top_grade_prediction(result: Backtest) -> dict[str, Any] | None:
    """The best grade's average customer share and next-90-day revenue share (complete windows)."""
    rows = [r for r in result.prediction if r[2] == 1 and r[8]]
    if not rows:
        return None
    return {
        "grade": rows[0][1],
        "dates_with_complete_window": len(rows),
        "avg_customer_share_pct": round(sum(r[4] for r in rows) / len(rows), 2),
        "avg_revenue_share_next_90d_pct": round(sum((r[6] or 0) for r in rows) / len(rows), 2),
    }


def format_backtest(result: Backtest) -> str:
    lines = [
        f"Backtest of {result.model} ({result.model_file}, version {result.model_version}): "
        f"{len(result.dates)} dates {result.dates[0]} .. {result.dates[-1]} every "
        f"{result.every_days}d, {result.customers:,} customers",
    ]
    lines.extend(f"  {finding}" for finding in result.findings)
    grades = list(dict.fromkeys(row[1] for row in sorted(result.grade_counts, key=lambda r: r[2])))
    counts = {(row[0], row[1]): row[3] for row in result.grade_counts}
    moves = {row[0]: (row[2], row[3]) for row in result.transitions}
    lines.append("")
    lines.append(f"  {'date':<12}" + "".join(f"{g:>8}" for g in grades) + f"{'up':>8}{'down':>8}")
    for day in result.dates:
        up, down = moves.get(day, (None, None))
        lines.append(
            f"  {day.isoformat():<12}"
            + "".join(f"{counts.get((day, g), 0):>8,}" for g in grades)
            + f"{'-' if up is None else f'{up:,}':>8}{'-' if down is None else f'{down:,}':>8}"
        )
    lines.append("")
    lines.append(
        f"Grade changes: {len(result.changes):,}; customers flapping (a change reversed by the "
        f"next one): {result.flapping_customers:,} of {result.customers:,} "
        f"({100 * result.flapping_rate:.1f}%)"
    )
    top = _top_grade_prediction(result)
    if top is None:
        lines.append(
            f"Revenue prediction: no evaluated date has {FORWARD_DAYS} days of data after it"
        )
    else:
        lines.append(
            f"Revenue prediction: customers graded {top['grade']} ({top['avg_customer_share_pct']}"
            f"% of customers) brought {top['avg_revenue_share_next_90d_pct']}% of the next "
            f"{FORWARD_DAYS} days' revenue (average over {top['dates_with_complete_window']} "
            "dates with a complete window)"
        )
    if result.files:
        lines.append("Written: " + ", ".join(str(f) for f in result.files))
    return "\n".join(lines) + "\n"
