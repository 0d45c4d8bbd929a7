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


def change_summary(paths: Paths, snapshot_date: dt.date) -> str:
    """Up/downgrades and alert delivery on one date (docs/alerts-and-policies.md)."""
    with read_only(paths) as connection:
        moves = connection.execute(
            """
            select grading_model,
                   count(*) filter (where direction = 'upgrade'),
                   count(*) filter (where direction = 'downgrade'),
                   count(*) filter (where direction = 'new'),
                   count(*) filter (where direction = 'exited'),
                   bool_or(rule_change)
            from marts.grade_transitions where snapshot_date = ?
            group by grading_model order by grading_model
            """,
            [snapshot_date],
        ).fetchall()
        alerts = connection.execute(
            "select status, count(*) from marts.grade_alerts where snapshot_date = ? "
            "group by status order by status",
            [snapshot_date],
        ).fetchall()
    lines = [f"Changes on {snapshot_date}:"]
    for model, up, down, new, exited, rule_change in moves:
        note = " (rule change: no grade alerts)" if rule_change else ""
        lines.append(
            f"  {model:<24} {up:>7,} up {down:>7,} down {new:>7,} new {exited:>7,} exited{note}"
        )
    status = ", ".join(f"{count:,} {name}" for name, count in alerts) or "none"
    lines.append(f"Alerts: {status} (marts.grade_alerts)")
    return "\n".join(lines)
