"""Compiling validated grading models into the config tables the dbt SQL reads as data.

The SQL is generic: it never sees YAML, only these tables, so a model change is a data
change and needs no SQL change. Every table has an explicit Arrow schema because the SQL binds to
column names and types, and an empty table (no scope, no bands) must still have them.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .schema import (
    ROOT_NODE_NAME,
    BandsDimension,
    GradingModel,
    GroupPart,
    LinearDimension,
    RankBandsDimension,
    RootGroup,
)
from .tree import score_range, walk

GRADING_MODELS_SCHEMA = pa.schema(
    [
        ("grading_model", pa.string()),
        ("model_version", pa.string()),
        ("source_file", pa.string()),
        ("description", pa.string()),
        ("max_score", pa.float64()),
        ("min_score", pa.float64()),
        ("allow_unreachable_grades", pa.bool_()),
        ("policy_precedence", pa.int32()),
    ]
)

MODEL_NODES_SCHEMA = pa.schema(
    [
        ("grading_model", pa.string()),
        ("node_id", pa.int32()),
        ("parent_id", pa.int32()),
        ("node_name", pa.string()),
        ("node_path", pa.string()),
        ("depth", pa.int32()),
        ("node_type", pa.string()),
        ("combine", pa.string()),
        ("weight", pa.float64()),
        ("effective_weight", pa.float64()),
        ("group_cap", pa.float64()),
        ("metric", pa.string()),
        ("method", pa.string()),
        ("higher_is_better", pa.bool_()),
        ("missing_score", pa.float64()),
        ("linear_slope", pa.float64()),
        ("linear_intercept", pa.float64()),
        ("linear_floor", pa.float64()),
        ("linear_cap", pa.float64()),
        ("max_score", pa.float64()),
        ("min_score", pa.float64()),
    ]
)

MODEL_BANDS_SCHEMA = pa.schema(
    [
        ("grading_model", pa.string()),
        ("node_id", pa.int32()),
        ("band_index", pa.int32()),
        ("lower", pa.float64()),
        ("lower_inclusive", pa.bool_()),
        ("upper", pa.float64()),
        ("upper_inclusive", pa.bool_()),
        ("score", pa.float64()),
    ]
)

MODEL_GRADES_SCHEMA = pa.schema(
    [
        ("grading_model", pa.string()),
        ("grade", pa.string()),
        ("grade_rank", pa.int32()),
        ("min_score", pa.float64()),
        ("top_share", pa.float64()),
        ("discount_pct", pa.float64()),
        ("credit_limit", pa.float64()),
        ("payment_terms_days", pa.int32()),
        ("service_response_hours", pa.float64()),
        ("follow_up_days", pa.int32()),
        ("policy_extra_json", pa.string()),
    ]
)

MODEL_SCOPE_SCHEMA = pa.schema(
    [
        ("grading_model", pa.string()),
        ("scope_field", pa.string()),
        ("scope_value", pa.string()),
    ]
)

MODEL_HYSTERESIS_SCHEMA = pa.schema(
    [
        ("grading_model", pa.string()),
        ("margin_points", pa.float64()),
        ("confirm_snapshots", pa.int32()),
    ]
)

MODEL_ALERT_RULES_SCHEMA = pa.schema(
    [
        ("grading_model", pa.string()),
        ("fallback_recipient", pa.string()),
        ("alert_downgrade", pa.bool_()),
        ("alert_upgrade", pa.bool_()),
        ("decline_snapshots", pa.int32()),
        ("decline_drop_pct", pa.float64()),
        ("decline_within_days", pa.int32()),
        ("inactivity_days", pa.int32()),
    ]
)

MODEL_ALERT_GRADES_SCHEMA = pa.schema(
    [
        ("grading_model", pa.string()),
        ("grade", pa.string()),
    ]
)

TABLE_SCHEMAS: dict[str, pa.Schema] = {
    "grading_models": GRADING_MODELS_SCHEMA,
    "model_nodes": MODEL_NODES_SCHEMA,
    "model_bands": MODEL_BANDS_SCHEMA,
    "model_grades": MODEL_GRADES_SCHEMA,
    "model_scope": MODEL_SCOPE_SCHEMA,
    "model_hysteresis": MODEL_HYSTERESIS_SCHEMA,
    "model_alert_rules": MODEL_ALERT_RULES_SCHEMA,
    "model_alert_grades": MODEL_ALERT_GRADES_SCHEMA,
}


def _opt(value: float | None) -> float | None:
    return None if value is None else float(value)


def compile_models(models: Sequence[GradingModel]) -> dict[str, pa.Table]:
    """Flatten models into the config tables, in TABLE_SCHEMAS order.

    Expects models that passed validation; it only refuses duplicate names, because those would
    merge two models' rows in every table.
    """
    rows: dict[str, list[dict[str, object]]] = {name: [] for name in TABLE_SCHEMAS}
    seen: set[str] = set()
    for model in models:
        if model.name in seen:
            raise ValueError(f"grading model {model.name!r} is given twice; names must be unique")
        seen.add(model.name)
        _compile_model(model, rows)
    return {
        name: pa.Table.from_pylist(rows[name], schema=schema)
        for name, schema in TABLE_SCHEMAS.items()
    }


def _compile_model(model: GradingModel, rows: dict[str, list[dict[str, object]]]) -> None:
    low, high = score_range(model.score)
    rows["grading_models"].append(
        {
            "grading_model": model.name,
            "model_version": model.model_version,
            "source_file": model.source_file,
            "description": model.description,
            "max_score": high,
            "min_score": low,
            "allow_unreachable_grades": model.allow_unreachable_grades,
            "policy_precedence": model.policy_precedence,
        }
    )

    node_ids: dict[tuple[str, ...], int] = {}
    for node_id, node in enumerate(walk(model.score)):
        node_ids[node.names] = node_id
        part = node.part
        node_low, node_high = score_range(part)
        row: dict[str, object] = {
            "grading_model": model.name,
            "node_id": node_id,
            "parent_id": None if node.parent is None else node_ids[node.parent.names],
            "node_name": node.names[-1] if node.names else ROOT_NODE_NAME,
            "node_path": ".".join(node.names) if node.names else ROOT_NODE_NAME,
            "depth": node.depth,
            "weight": node.weight,
            "effective_weight": node.effective_weight,
            "max_score": node_high,
            "min_score": node_low,
        }
        if isinstance(part, RootGroup | GroupPart):
            row.update(
                node_type="group",
                combine=part.combine,
                group_cap=_opt(part.cap if part.combine == "sum" else None),
            )
        else:
            row.update(
                node_type="dimension",
                metric=part.metric,
                method=part.method,
                higher_is_better=True if part.higher_is_better is None else part.higher_is_better,
                missing_score=float(part.missing_score),
            )
            if isinstance(part, LinearDimension):
                row.update(
                    linear_slope=float(part.linear.slope),
                    linear_intercept=float(part.linear.intercept),
                    linear_floor=float(part.linear.floor),
                    linear_cap=float(part.linear.cap),
                )
            _compile_bands(model.name, node_id, part, rows["model_bands"])
        rows["model_nodes"].append(row)

    for rank, grade in enumerate(model.grades, start=1):
        policy = grade.policy
        rows["model_grades"].append(
            {
                "grading_model": model.name,
                "grade": grade.name,
                "grade_rank": rank,
                "min_score": _opt(grade.min_score),
                "top_share": _opt(grade.top_share),
                "discount_pct": float(policy.discount_pct),
                "credit_limit": float(policy.credit_limit),
                "payment_terms_days": policy.payment_terms_days,
                "service_response_hours": float(policy.service_response_hours),
                "follow_up_days": policy.follow_up_days,
                "policy_extra_json": json.dumps(policy.extra, sort_keys=True, ensure_ascii=False),
            }
        )

    if model.scope is not None:
        for scope_field, values in model.scope.items():
            for value in dict.fromkeys(values):
                rows["model_scope"].append(
                    {"grading_model": model.name, "scope_field": scope_field, "scope_value": value}
                )

    _compile_changes(model, rows)


def _compile_changes(model: GradingModel, rows: dict[str, list[dict[str, object]]]) -> None:
    """Hysteresis and alert rules: one row per model that has them (none = feature off)."""
    if model.hysteresis is not None:
        rows["model_hysteresis"].append(
            {
                "grading_model": model.name,
                "margin_points": float(model.hysteresis.margin_points),
                "confirm_snapshots": model.hysteresis.confirm_snapshots,
            }
        )
    alerts = model.alerts
    if alerts is None:
        return
    decline = alerts.sustained_decline
    inactivity = alerts.key_account_inactivity
    rows["model_alert_rules"].append(
        {
            "grading_model": model.name,
            "fallback_recipient": alerts.fallback_recipient.lower(),
            "alert_downgrade": alerts.downgrade,
            "alert_upgrade": alerts.upgrade,
            "decline_snapshots": decline.consecutive_snapshots if decline else None,
            "decline_drop_pct": _opt(decline.drop_pct) if decline else None,
            "decline_within_days": decline.within_days if decline else None,
            "inactivity_days": inactivity.days_without_purchase if inactivity else None,
        }
    )
    if inactivity is not None:
        for grade in dict.fromkeys(inactivity.grades):
            rows["model_alert_grades"].append({"grading_model": model.name, "grade": grade})


def _compile_bands(
    model_name: str, node_id: int, part: object, out: list[dict[str, object]]
) -> None:
    """Bands as explicit intervals; rank bands as intervals on the top share, (prev top, top]."""
    if isinstance(part, BandsDimension):
        for index, band in enumerate(part.bands, start=1):
            out.append(
                {
                    "grading_model": model_name,
                    "node_id": node_id,
                    "band_index": index,
                    "lower": _opt(band.lower),
                    "lower_inclusive": band.lower_inclusive,
                    "upper": _opt(band.upper),
                    "upper_inclusive": band.upper_inclusive,
                    "score": float(band.score),
                }
            )
    elif isinstance(part, RankBandsDimension):
        previous = 0.0
        for index, band in enumerate(part.rank_bands, start=1):
            out.append(
                {
                    "grading_model": model_name,
                    "node_id": node_id,
                    "band_index": index,
                    "lower": previous,
                    "lower_inclusive": False,
                    "upper": float(band.top),
                    "upper_inclusive": True,
                    "score": float(band.score),
                }
            )
            previous = float(band.top)


def write_compiled(tables: dict[str, pa.Table], out_dir: Path) -> None:
    """Write each table to <out_dir>/<name>.parquet, atomically per file.

    A reader (a dbt run, a BI tool) never sees a half-written file: each table goes to a hidden
    temp file in the same directory and is renamed over the old one in one step.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        if not name.isidentifier():
            raise ValueError(f"table name {name!r} is not a plain identifier")
        fd, temp_name = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.", suffix=".parquet.tmp")
        os.close(fd)
        try:
            pq.write_table(table, temp_name)
            os.replace(temp_name, out_dir / f"{name}.parquet")
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
