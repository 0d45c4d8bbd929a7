"""`grading simulate`: what a proposed grading model would do to one snapshot's population.

The proposal is graded by the real dbt models in the scratch warehouse (scratch_grading.py); the
comparison with the live grades is set-based SQL in that scratch file. Grades are compared as the
rules give them (`computed_grade`): a manual override pins the effective grade whatever the rules
say, so it would hide exactly the effect a model author wants to see. Overridden customers are
counted separately.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from dagster_project.report_files import write_report
from dagster_project.scratch_grading import (
    WhatIfRefusedError,
    grade_proposal,
    validate_proposal,
    whatif_lock,
)
from dagster_project.settings import Paths
from dagster_project.warehouse import read_only

NOT_GRADED = "(not graded)"

# One row per customer graded now or under the proposal (a changed scope adds or drops some).
PAIRS_SQL = """
    create or replace temp table pairs as
    select
        coalesce(now.customer_id, proposed.customer_id) as customer_id,
        coalesce(now.customer_name, proposed.customer_name) as customer_name,
        coalesce(now.computed_grade, now.grade, ?) as grade_now,
        coalesce(now.computed_grade_rank, now.grade_rank, 1000) as rank_now,
        coalesce(proposed.computed_grade, ?) as grade_proposed,
        coalesce(proposed.computed_grade_rank, 1000) as rank_proposed,
        now.score as score_now,
        proposed.score as score_proposed,
        coalesce(now.purchase_value_12m, proposed.purchase_value_12m, 0) as revenue_12m,
        now.override_id is not null as overridden_now
    from (select * from whatif.live_grades where snapshot_date = ?) as now
    full outer join (
        select * from marts.customer_grades where grading_model = ? and snapshot_date = ?
    ) as proposed
        on now.customer_id = proposed.customer_id
"""

GRADE_COUNTS_SQL = """
    with side as (
        select 'now' as side, grade_now as grade, rank_now as grade_rank, revenue_12m
        from pairs where grade_now <> ?
        union all
        select 'proposed', grade_proposed, rank_proposed, revenue_12m
        from pairs where grade_proposed <> ?
    ),
    per_grade as (
        select grade, min(grade_rank) as grade_rank,
            count(*) filter (where side = 'now') as customers_now,
            count(*) filter (where side = 'proposed') as customers_proposed,
            coalesce(sum(revenue_12m) filter (where side = 'now'), 0) as revenue_now,
            coalesce(sum(revenue_12m) filter (where side = 'proposed'), 0) as revenue_proposed
        from side group by grade
    )
    select grade, grade_rank, customers_now, customers_proposed,
        round(100.0 * customers_now / nullif(sum(customers_now) over (), 0), 2),
        round(100.0 * customers_proposed / nullif(sum(customers_proposed) over (), 0), 2),
        round(revenue_now, 2), round(revenue_proposed, 2),
        round(100.0 * revenue_now / nullif(sum(revenue_now) over (), 0), 2),
        round(100.0 * revenue_proposed / nullif(sum(revenue_proposed) over (), 0), 2)
    from per_grade order by grade_rank, grade
"""
GRADE_COUNT_COLUMNS = (
    "grade",
    "grade_rank",
    "customers_now",
    "customers_proposed",
    "customer_share_now_pct",
    "customer_share_proposed_pct",
    "revenue_12m_now",
    "revenue_12m_proposed",
    "revenue_share_now_pct",
    "revenue_share_proposed_pct",
)

MIGRATION_SQL = """
    select grade_now, grade_proposed, count(*) as customers
    from pairs group by all order by min(rank_now), min(rank_proposed), grade_now, grade_proposed
"""

CHANGED_SQL = """
    select customer_id, customer_name, grade_now, grade_proposed,
        case when rank_proposed < rank_now then 'up' else 'down' end as direction,
        round(score_now, 6), round(score_proposed, 6), round(revenue_12m, 2), overridden_now
    from pairs where grade_now <> grade_proposed
    order by revenue_12m desc, customer_id
"""
CHANGED_COLUMNS = (
    "customer_id",
    "customer_name",
    "grade_now",
    "grade_proposed",
    "direction",
    "score_now",
    "score_proposed",
    "revenue_12m",
    "overridden_now",
)


@dataclass
class Simulation:
    """Everything `grading simulate` reports, as plain rows."""

    proposal: str
    proposal_file: str
    proposal_version: str
    against: str
    against_version: str | None
    snapshot_date: dt.date
    metrics_recomputed: bool
    findings: list[str]
    grade_counts: list[tuple[Any, ...]]
    migrations: list[tuple[str, str, int]]
    changed: list[tuple[Any, ...]]
    customers_compared: int
    overridden_now: int
    files: list[Path] = field(default_factory=list)

    @property
    def migrated(self) -> int:
        return sum(n for now, proposed, n in self.migrations if now != proposed)


def simulate(
    paths: Paths,
    proposal_file: Path,
    against: str | None = None,
    snapshot_date: dt.date | None = None,
) -> Simulation:
    """Grade the proposal on one live snapshot date and compare; writes nothing live."""
    proposal_name = validate_proposal(proposal_file).models[0].name
    against = against or proposal_name
    snapshot_date, against_version = _live_snapshot(paths, against, snapshot_date)
    with whatif_lock(paths) as root:
        graded = grade_proposal(paths, proposal_file, [snapshot_date], root, against)
        with duckdb.connect(str(graded.database)) as connection:
            connection.execute(
                PAIRS_SQL,
                [NOT_GRADED, NOT_GRADED, snapshot_date, graded.model.name, snapshot_date],
            )
            counts = connection.execute(GRADE_COUNTS_SQL, [NOT_GRADED, NOT_GRADED]).fetchall()
            migrations = connection.execute(MIGRATION_SQL).fetchall()
            changed = connection.execute(CHANGED_SQL).fetchall()
            compared, overridden = connection.execute(
                "select count(*), count(*) filter (where overridden_now) from pairs"
            ).fetchone() or (0, 0)
    return Simulation(
        proposal=graded.model.name,
        proposal_file=str(proposal_file),
        proposal_version=graded.model.model_version,
        against=against,
        against_version=against_version,
        snapshot_date=snapshot_date,
        metrics_recomputed=graded.metrics_recomputed,
        findings=[f"{f.severity}: {f}" for f in graded.report.findings],
        grade_counts=counts,
        migrations=[(str(a), str(b), int(n)) for a, b, n in migrations],
        changed=changed,
        customers_compared=int(compared),
        overridden_now=int(overridden),
    )


def _live_snapshot(
    paths: Paths, against: str, snapshot_date: dt.date | None
) -> tuple[dt.date, str | None]:
    """The date to simulate (default: the model's latest) and the live model_version on it."""
    try:
        with read_only(paths) as connection:
            row = connection.execute(
                "select max(snapshot_date) from marts.customer_grades where grading_model = ? "
                "and (? is null or snapshot_date = ?)",
                [against, snapshot_date, snapshot_date],
            ).fetchone()
            found = row[0] if row else None
            if found is None:
                models = connection.execute(
                    "select distinct grading_model from marts.customer_grades order by 1"
                ).fetchall()
                on = f" on {snapshot_date}" if snapshot_date else ""
                raise WhatIfRefusedError(
                    f"no live grades of model {against!r}{on} to compare with; pass --against "
                    f"one of: {', '.join(m for (m,) in models) or '(none graded yet)'}"
                    + ("" if snapshot_date is None else ", or a graded --date")
                )
            version = connection.execute(
                "select max(model_version) from marts.customer_grades "
                "where grading_model = ? and snapshot_date = ?",
                [against, found],
            ).fetchone()
    except FileNotFoundError as error:
        raise WhatIfRefusedError(str(error)) from error
    except duckdb.CatalogException as error:
        raise WhatIfRefusedError(
            f"{paths.warehouse} holds no grades yet: run `grading run` first ({error})"
        ) from error
    return found, (version[0] if version else None)


def format_simulation(result: Simulation, top: int = 20) -> str:
    """The printed report: counts and revenue both ways, migration matrix, top changes."""
    lines = [
        f"Simulation of {result.proposal} ({result.proposal_file}, version "
        f"{result.proposal_version}) against live {result.against} (version "
        f"{result.against_version}) on {result.snapshot_date}",
        f"  {result.customers_compared:,} customers compared; {result.migrated:,} would change "
        f"grade; metrics {'recomputed' if result.metrics_recomputed else 'from the live run'}",
    ]
    if result.overridden_now:
        lines.append(
            f"  {result.overridden_now:,} of them have a manual override now: the table compares "
            "the rules' grades (computed_grade); their effective grade stays pinned"
        )
    lines.append("Validation of the proposal:")
    lines.extend(f"  {finding}" for finding in result.findings or ["OK, no findings"])
    lines.append("")
    lines.append(
        f"  {'grade':<8}{'now':>9}{'proposed':>10}{'share now':>11}{'proposed':>10}"
        f"{'revenue share now':>19}{'proposed':>10}"
    )
    for (
        grade,
        _rank,
        n_now,
        n_new,
        s_now,
        s_new,
        _r_now,
        _r_new,
        rs_now,
        rs_new,
    ) in result.grade_counts:
        lines.append(
            f"  {grade:<8}{n_now:>9,}{n_new:>10,}{_pct(s_now):>11}{_pct(s_new):>10}"
            f"{_pct(rs_now):>19}{_pct(rs_new):>10}"
        )
    lines.append("")
    lines.append(_matrix_text(result.migrations))
    changed = result.changed
    lines.append("")
    if not changed:
        lines.append("No customer would change grade.")
    else:
        lines.append(
            f"Customers that would change grade, top {min(top, len(changed))} of "
            f"{len(changed):,} by 12-month revenue:"
        )
        lines.append(
            f"  {'customer':<12}{'now':>6}{'new':>6}  {'dir':<5}{'score now':>11}"
            f"{'proposed':>10}{'revenue 12m':>15}  name"
        )
        for cid, name, g_now, g_new, direction, s_now, s_new, revenue, overridden in changed[:top]:
            flag = " (overridden now)" if overridden else ""
            lines.append(
                f"  {cid:<12}{g_now:>6}{g_new:>6}  {direction:<5}{_num(s_now):>11}"
                f"{_num(s_new):>10}{revenue:>15,.2f}  {name or ''}{flag}"
            )
    if result.files:
        lines.append("")
        lines.append("Written: " + ", ".join(str(f) for f in result.files))
    return "\n".join(lines) + "\n"


def _matrix_text(migrations: list[tuple[str, str, int]]) -> str:
    rows = list(dict.fromkeys(now for now, _, _ in migrations))
    cols = list(dict.fromkeys(new for _, new, _ in migrations))
    cells = {(now, new): n for now, new, n in migrations}
    width = max([len(c) for c in cols] + [8]) + 2
    lines = ["Migration matrix (rows: grade now, columns: grade proposed):"]
    lines.append("  " + " " * 14 + "".join(f"{c:>{width}}" for c in cols))
    for row in rows:
        lines.append(f"  {row:<14}" + "".join(f"{cells.get((row, c), 0):>{width},}" for c in cols))
    return "\n".join(lines)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def write_simulation(result: Simulation, out_dir: Path) -> list[Path]:
    """grade_counts.csv, migration_matrix.csv, changed_customers.csv and simulation.json."""
    summary = {
        "proposal": result.proposal,
        "proposal_file": result.proposal_file,
        "proposal_version": result.proposal_version,
        "against": result.against,
        "against_version": result.against_version,
        "snapshot_date": result.snapshot_date.isoformat(),
        "customers_compared": result.customers_compared,
        "customers_changing_grade": result.migrated,
        "customers_overridden_now": result.overridden_now,
        "metrics_recomputed": result.metrics_recomputed,
        "validation_findings": result.findings,
        "grade_counts": [
            dict(zip(GRADE_COUNT_COLUMNS, row, strict=True)) for row in result.grade_counts
        ],
        "migration_matrix": [
            {"grade_now": a, "grade_proposed": b, "customers": n} for a, b, n in result.migrations
        ],
        "changed_customers": len(result.changed),
    }
    result.files = write_report(
        out_dir,
        tables={
            "grade_counts": (GRADE_COUNT_COLUMNS, result.grade_counts),
            "migration_matrix": (("grade_now", "grade_proposed", "customers"), result.migrations),
            "changed_customers": (CHANGED_COLUMNS, result.changed),
        },
        summary_name="simulation",
        summary=summary,
    )
    return result.files
