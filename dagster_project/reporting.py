"""Plain-text summaries of what a run produced, for the CLI."""

from __future__ import annotations

import datetime as dt

from dagster_project.settings import Paths
from dagster_project.warehouse import read_only


def grade_summary(paths: Paths, snapshot_date: dt.date) -> str:
    """Customers per grade and model on one date, plus the quarantine count."""
    with read_only(paths) as connection:
        rows = connection.execute(
            """
            select grading_model, grade, grade_rank, count(*) as customers,
                   round(100.0 * count(*) / sum(count(*)) over (partition by grading_model), 1),
                   round(sum(purchase_value_12m), 0)
            from marts.customer_grades
            where snapshot_date = ?
            group by grading_model, grade, grade_rank
            order by grading_model, grade_rank
            """,
            [snapshot_date],
        ).fetchall()
        quarantined = connection.execute(
            "select entity, reason, count(*) from marts.quarantine group by 1, 2 order by 1, 2"
        ).fetchall()
    lines = [f"Grades on {snapshot_date}:"]
    current = None
    for model, grade, _rank, customers, share, revenue in rows:
        if model != current:
            lines.append(f"  {model}")
            current = model
        lines.append(
            f"    {grade:<4} {customers:>9,} customers {share:>5}%   12m revenue {revenue:>16,.0f}"
        )
    if not rows:
        lines.append("  (no grades for this date)")
    total = sum(count for _, _, count in quarantined)
    lines.append(f"Quarantined input rows: {total:,}")
    for entity, reason, count in quarantined:
        lines.append(f"    {entity:<13} {reason:<45} {count:>7,}")
    return "\n".join(lines)


def graded_dates(paths: Paths, first: dt.date, last: dt.date) -> dict[str, int]:
    """How many dates each model has snapshots for in the range (a run's sanity check)."""
    with read_only(paths) as connection:
        rows = connection.execute(
            """
            select grading_model, count(distinct snapshot_date)
            from marts.customer_grades
            where snapshot_date between ? and ?
            group by 1 order by 1
            """,
            [first, last],
        ).fetchall()
    return dict(rows)
