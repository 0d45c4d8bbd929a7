"""The grade dashboard: one offline HTML file rewritten after every grading run.

Partitioned like the snapshot and run once per run whatever its range (single-run backfill):
whichever dates a run graded, the dashboard shows every model at its latest snapshot, so the file
managers open is always the newest picture. It reads the BI marts read-only under the
warehouse lock, renders aggregates only, and replaces the file atomically.

(No `from __future__ import annotations` here: Dagster inspects the context type hints.)
"""

import datetime as dt

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from dagster_project.assets.dbt_assets import snapshot_range
from dagster_project.dashboard_data import load_dashboard, report_path
from dagster_project.dashboard_html import render_dashboard
from dagster_project.partitions import WAREHOUSE_POOL, single_run_backfill, snapshot_partitions
from dagster_project.report_files import write_text_atomic
from dagster_project.resources import GradingResource

REPORTS_GROUP = "reports"
DASHBOARD_MARTS = (
    "grade_summary",
    "grade_movements",
    "grade_transition_matrix",
    "at_risk_customers",
    "customer_dimension_scores",
)


@asset(
    name="grade_dashboard",
    key_prefix=["reports"],
    group_name=REPORTS_GROUP,
    deps=[AssetKey(["marts", name]) for name in DASHBOARD_MARTS],
    partitions_def=snapshot_partitions,
    backfill_policy=single_run_backfill,
    pool=WAREHOUSE_POOL,
    description="The managers' dashboard: one self-contained HTML file (no network needed) with "
    "a grading-model selector, grade distribution, Pareto contribution, up/downgrade trends, the "
    "latest transition matrix, the at-risk list and score distributions per dimension. Written "
    "to <warehouse dir>/reports/dashboard.html (or GRADING_REPORT_DIR). docs/dashboard.md.",
)
def grade_dashboard(context: AssetExecutionContext, grading: GradingResource) -> MaterializeResult:
    first, last = snapshot_range(context)
    paths = grading.paths
    generated_at = dt.datetime.now(dt.UTC)
    with grading.reading() as connection:
        dashboard = load_dashboard(connection, paths.warehouse, generated_at)
    html = render_dashboard(dashboard)
    path = write_text_atomic(report_path(paths), html)
    context.log.info(f"dashboard for run dates {first} .. {last} written to {path}")
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(path)),
            "url": MetadataValue.url(path.as_uri()),
            "models": MetadataValue.json(
                {m.grading_model: m.as_of.isoformat() for m in dashboard.models}
            ),
            "size_bytes": len(html.encode("utf-8")),
        }
    )
