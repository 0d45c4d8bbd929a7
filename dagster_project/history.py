"""`grading explain CUSTOMER_ID --history`: a customer's score and grade per snapshot, and why
each change happened (the audit trail users of scoring tools ask for).

For every pair of consecutive snapshots of a model where the grade, the computed grade, the model
version or the override changed, it lists:

- the dimensions that moved the composite and by how much: the change of each dimension's
  contribution (`weighted_score` in customer_dimension_scores), with its metric before and after;
- a rule change, when `model_version` differs: the dimensions whose definition (metric, method,
  weight, maximum) changed between the two versions, as recorded on the snapshot rows themselves,
  and the grade thresholds that changed (marts.grading_rule_history);
- an override starting or ending.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import duckdb

from dagster_project.explain import ExplainError
from dagster_project.settings import Paths
from dagster_project.warehouse import read_only

MIN_MOVE = 0.005  # contribution changes below this (in score points) are not listed
MAX_DIMENSIONS = 6

GRADES_SQL = """
    select grading_model, snapshot_date, customer_name, score, grade,
        coalesce(computed_grade, grade), score_rank, population_size, model_version,
        override_id, override_reason, override_author, override_expires_on
    from marts.customer_grades
    where customer_id = ? and (? is null or grading_model = ?)
        and (? is null or snapshot_date >= ?) and (? is null or snapshot_date <= ?)
    order by grading_model, snapshot_date
"""

DIMENSIONS_SQL = """
    select grading_model, snapshot_date, dimension, node_type, metric, method, metric_value,
        score, max_score, weight, weighted_score
    from marts.customer_dimension_scores
    where customer_id = ? and (? is null or grading_model = ?)
        and (? is null or snapshot_date >= ?) and (? is null or snapshot_date <= ?)
        and depth > 0
"""

THRESHOLDS_SQL = """
    select grading_model, model_version, grade, grade_rank, min_score, top_share
    from marts.grading_rule_history
    where (? is null or grading_model = ?)
"""


@dataclass(frozen=True)
class Snapshot:
    model: str
    date: dt.date
    name: str | None
    score: float
    grade: str
    computed_grade: str
    score_rank: int
    population: int
    version: str
    override_id: str | None
    override_reason: str | None
    override_author: str | None
    override_expires: dt.date | None


@dataclass(frozen=True)
class DimensionRow:
    node_type: str
    metric: str | None
    method: str | None
    value: float | None
    score: float
    max_score: float
    weight: float
    contribution: float


def explain_history(
    paths: Paths,
    customer_id: str,
    model: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> str:
    window = [start, start, end, end]
    with read_only(paths) as connection:
        rows = connection.execute(GRADES_SQL, [customer_id, model, model, *window]).fetchall()
        if not rows:
            raise ExplainError(
                f"customer {customer_id!r} has no grades"
                + (f" by model {model!r}" if model else "")
                + (" in that date range" if start or end else "")
                + f" in {paths.warehouse}"
            )
        dims: dict[tuple[str, dt.date], dict[str, DimensionRow]] = defaultdict(dict)
        for m, day, path, *rest in connection.execute(
            DIMENSIONS_SQL, [customer_id, model, model, *window]
        ).fetchall():
            dims[(m, day)][path] = DimensionRow(*rest)
        thresholds = _thresholds(connection, model)
    by_model: dict[str, list[Snapshot]] = defaultdict(list)
    for row in rows:
        by_model[row[0]].append(Snapshot(*row))
    lines: list[str] = []
    for model_name, snapshots in by_model.items():
        lines.extend(_model_history(customer_id, model_name, snapshots, dims, thresholds))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _thresholds(
    connection: duckdb.DuckDBPyConnection, model: str | None
) -> dict[tuple[str, str], dict[str, str]]:
    """(model, version) -> {grade: 'min_score 70' | 'top_share 0.2' | 'catch-all'}."""
    try:
        found = connection.execute(THRESHOLDS_SQL, [model, model]).fetchall()
    except duckdb.CatalogException:  # a warehouse graded before the rule history existed
        return {}
    table: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for m, version, grade, _rank, min_score, top_share in found:
        if min_score is not None:
            text = f"min_score {min_score:g}"
        elif top_share is not None:
            text = f"top_share {top_share:g}"
        else:
            text = "catch-all"
        table[(m, version)][grade] = text
    return table


def _model_history(
    customer_id: str,
    model: str,
    snapshots: list[Snapshot],
    dims: dict[tuple[str, dt.date], dict[str, DimensionRow]],
    thresholds: dict[tuple[str, str], dict[str, str]],
) -> list[str]:
    first, last = snapshots[0], snapshots[-1]
    lines = [
        f"{customer_id} {last.name or ''} — model {model}: {len(snapshots)} snapshot"
        f"{'s' if len(snapshots) != 1 else ''} {first.date} .. {last.date}",
        f"  {'date':<12}{'score':>9}  {'grade':<7}{'computed':<10}{'rank':>13}  "
        f"{'version':<18}note",
    ]
    for snap in snapshots:
        note = (
            f"override {snap.override_id} until {snap.override_expires}" if snap.override_id else ""
        )
        lines.append(
            f"  {snap.date.isoformat():<12}{snap.score:>9.2f}  {snap.grade:<7}"
            f"{snap.computed_grade:<10}{f'{snap.score_rank:,}/{snap.population:,}':>13}  "
            f"{snap.version:<18}{note}"
        )
    changes = [
        (before, after)
        for before, after in zip(snapshots, snapshots[1:], strict=False)
        if before.grade != after.grade
        or before.computed_grade != after.computed_grade
        or before.version != after.version
        or before.override_id != after.override_id
    ]
    if not changes:
        lines.append(f"  no grade change in these {len(snapshots)} snapshots")
        return lines
    lines.append("  Changes:")
    for before, after in changes:
        lines.extend(
            "  " + line
            for line in _change(
                before,
                after,
                dims.get((model, before.date), {}),
                dims.get((model, after.date), {}),
                thresholds,
            )
        )
    return lines


def _change(
    before: Snapshot,
    after: Snapshot,
    dims_before: dict[str, DimensionRow],
    dims_after: dict[str, DimensionRow],
    thresholds: dict[tuple[str, str], dict[str, str]],
) -> list[str]:
    delta = after.score - before.score
    head = f"{before.date} -> {after.date}: "
    if before.grade != after.grade:
        head += f"grade {before.grade} -> {after.grade}"
    else:
        head += f"grade stays {after.grade}"
    if before.computed_grade != after.computed_grade and (
        before.computed_grade != before.grade or after.computed_grade != after.grade
    ):
        head += f" (computed {before.computed_grade} -> {after.computed_grade})"
    head += f", score {before.score:.2f} -> {after.score:.2f} ({delta:+.2f})"
    lines = [head]
    if before.override_id != after.override_id:
        if before.override_id:
            lines.append(
                f"  override {before.override_id} no longer applies (it ran until "
                f"{before.override_expires})"
            )
        if after.override_id:
            lines.append(
                f"  override {after.override_id} pins grade {after.grade}: "
                f"{after.override_reason} (by {after.override_author}, until "
                f"{after.override_expires})"
            )
    if before.version != after.version:
        rules = _rule_changes(dims_before, dims_after)
        rules += _threshold_changes(
            thresholds.get((before.model, before.version)),
            thresholds.get((after.model, after.version)),
        )
        lines.append(
            f"  rule changed: model {after.model} version {before.version} -> {after.version}"
            + (": " + "; ".join(rules) if rules else "")
        )
        if not rules:
            lines.append(
                "    the dimensions' metrics, methods, weights and maxima and the grade "
                "thresholds are unchanged: the change is in bands, linear parameters, "
                "missing scores or scope (compare the two versions of the model file)"
            )
    moves = _dimension_moves(dims_before, dims_after)
    if moves:
        lines.append("  moved by:")
        lines.extend(f"    {move}" for move in moves)
    return lines


def _rule_changes(before: dict[str, DimensionRow], after: dict[str, DimensionRow]) -> list[str]:
    out = []
    for path in sorted(set(before) | set(after)):
        old, new = before.get(path), after.get(path)
        if old is None and new is not None:
            out.append(f"{path} added ({_definition(new)})")
        elif new is None and old is not None:
            out.append(f"{path} removed (was {_definition(old)})")
        elif old is not None and new is not None:
            if old.weight != new.weight:
                out.append(f"{path} weight {old.weight:g} -> {new.weight:g}")
            if (old.metric, old.method) != (new.metric, new.method):
                out.append(f"{path} {_definition(old)} -> {_definition(new)}")
            if old.max_score != new.max_score:
                out.append(f"{path} maximum {old.max_score:g} -> {new.max_score:g}")
    return out


def _threshold_changes(before: dict[str, str] | None, after: dict[str, str] | None) -> list[str]:
    if not before or not after:
        return []
    out = []
    for grade in list(dict.fromkeys([*after, *before])):
        old, new = before.get(grade), after.get(grade)
        if old != new:
            out.append(f"grade {grade} {old or '(absent)'} -> {new or '(removed)'}")
    return out


def _definition(row: DimensionRow) -> str:
    if row.node_type == "group":
        return f"group, weight {row.weight:g}"
    return f"{row.method} on {row.metric}, weight {row.weight:g}"


def _dimension_moves(before: dict[str, DimensionRow], after: dict[str, DimensionRow]) -> list[str]:
    """Leaf dimensions by the size of their contribution change, largest first."""
    moved: list[tuple[float, str]] = []
    for path in set(before) | set(after):
        old, new = before.get(path), after.get(path)
        row = new or old
        if row is None or row.node_type != "dimension":
            continue
        change = (new.contribution if new else 0.0) - (old.contribution if old else 0.0)
        if abs(change) < MIN_MOVE:
            continue
        detail = ""
        if old is not None and new is not None:
            detail = (
                f" ({new.metric} {_value(old.value)} -> {_value(new.value)}, score "
                f"{old.score:.2f} -> {new.score:.2f} of {new.max_score:g})"
            )
        moved.append((change, f"{path} {change:+.2f} points{detail}"))
    moved.sort(key=lambda item: (-abs(item[0]), item[1]))
    shown = [text for _, text in moved[:MAX_DIMENSIONS]]
    rest = moved[MAX_DIMENSIONS:]
    if rest:
        shown.append(
            f"{len(rest)} more dimension{'s' if len(rest) != 1 else ''}: "
            f"{sum(c for c, _ in rest):+.2f} points together"
        )
    return shown


def _value(value: Any) -> str:
    return "NULL" if value is None else f"{value:,.2f}"
