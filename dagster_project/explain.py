"""`grading explain`: why a customer has its grade, dimension by dimension."""

from __future__ import annotations

import datetime as dt

from dagster_project.settings import Paths
from dagster_project.warehouse import read_only


class ExplainError(LookupError):
    """Nothing to explain for the requested customer, date or model."""


def explain(
    paths: Paths, customer_id: str, snapshot_date: dt.date | None = None, model: str | None = None
) -> str:
    with read_only(paths) as connection:
        if snapshot_date is None:
            found = connection.execute(
                "select max(snapshot_date) from marts.customer_grades where customer_id = ?",
                [customer_id],
            ).fetchone()
            if found is None or found[0] is None:
                raise ExplainError(f"customer {customer_id!r} has no grade in {paths.warehouse}")
            snapshot_date = found[0]
        grade_rows = connection.execute(
            """
            select grading_model, customer_name, score, grade, grade_rank, score_rank,
                   population_size, score_top_share, next_grade_up, points_to_next_grade_up,
                   points_above_grade_floor, model_max_score, model_version, computed_grade,
                   override_id, override_reason, override_author, override_starts_on,
                   override_expires_on
            from marts.customer_grades
            where customer_id = ? and snapshot_date = ? and (? is null or grading_model = ?)
            order by grading_model
            """,
            [customer_id, snapshot_date, model, model],
        ).fetchall()
        if not grade_rows:
            known = connection.execute(
                "select distinct grading_model from marts.customer_grades "
                "where customer_id = ? and snapshot_date = ?",
                [customer_id, snapshot_date],
            ).fetchall()
            hint = f"; graded by: {', '.join(r[0] for r in known)}" if known else ""
            raise ExplainError(
                f"no grade for customer {customer_id!r} on {snapshot_date}"
                + (f" by model {model!r}" if model else "")
                + hint
            )
        lines: list[str] = []
        for row in grade_rows:
            (
                grading_model,
                name,
                score,
                grade,
                _grade_rank,
                score_rank,
                population,
                top_share,
                next_up,
                to_next,
                above_floor,
                max_score,
                version,
                computed_grade,
                override_id,
                override_reason,
                override_author,
                override_starts,
                override_expires,
            ) = row
            lines.append(
                f"{customer_id} {name or ''} — model {grading_model} (version {version}) "
                f"on {snapshot_date}"
            )
            lines.append(
                f"  grade {grade}, score {score:.2f} of at most {max_score:g}; "
                f"rank {score_rank:,} of {population:,} (top {100 * top_share:.1f}%)"
            )
            if override_id is not None:
                lines.append(
                    f"  manual override {override_id}: grade pinned to {grade} by "
                    f"{override_author} ({override_reason}), {override_starts} .. "
                    f"{override_expires}; the rules give {computed_grade}, and the distances "
                    f"below are to the thresholds of {computed_grade}"
                )
                grade = computed_grade
            if next_up is not None and to_next is not None and score + to_next > max_score:
                lines.append(
                    f"  grade {next_up} is unreachable under this model (it needs "
                    f"{score + to_next:g}, the model's maximum is {max_score:g})"
                )
            elif next_up is not None and to_next is not None:
                lines.append(f"  {max(to_next, 0):.2f} points below grade {next_up}")
            elif next_up is None:
                lines.append("  already in the best grade")
            if above_floor is not None:
                lines.append(f"  {above_floor:.2f} points above dropping out of grade {grade}")
            else:
                lines.append(f"  {grade} is the lowest grade")
            dims = connection.execute(
                """
                select dimension, depth, node_type, metric, metric_value, method, score,
                       max_score, weight, effective_weight, weighted_score
                from marts.customer_dimension_scores
                where customer_id = ? and snapshot_date = ? and grading_model = ?
                order by node_id
                """,
                [customer_id, snapshot_date, grading_model],
            ).fetchall()
            lines.append(
                f"  {'dimension':<34} {'metric':<27} {'value':>12} {'score':>7} {'max':>6} "
                f"{'weight':>6} {'contrib':>8}"
            )
            for (
                dimension,
                depth,
                node_type,
                metric,
                value,
                _method,
                dim_score,
                dim_max,
                weight,
                _effective,
                weighted,
            ) in dims:
                if depth == 0:
                    continue
                label = "  " * (depth - 1) + dimension.split(".")[-1]
                value_text = (
                    "NULL"
                    if value is None and node_type == "dimension"
                    else ("" if value is None else f"{value:,.2f}")
                )
                lines.append(
                    f"  {label:<34} {(metric or '(group)'):<27} {value_text:>12} "
                    f"{dim_score:>7.2f} {dim_max:>6g} {weight:>6.2f} {weighted:>8.2f}"
                )
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
