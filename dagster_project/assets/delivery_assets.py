"""After dbt: alerts delivered to salespeople, policies exported to downstream systems.

Both assets are partitioned like the snapshot and take the run's whole date range (single-run
backfill), open the warehouse only under its lock, and report counts as metadata. A failure to
deliver or to POST fails the asset visibly, after everything that succeeded is recorded: the
grades, the alerts and the files are never lost, and the next run retries.

(No `from __future__ import annotations` here: Dagster inspects the context type hints.)
"""

import datetime as dt

from dagster import (
    AssetExecutionContext,
    AssetKey,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from dagster_project.alerting import ChannelConfigError, deliver_alerts
from dagster_project.assets.dbt_assets import snapshot_range
from dagster_project.partitions import (
    ALERT_WINDOW_END_TAG,
    WAREHOUSE_POOL,
    single_run_backfill,
    snapshot_partitions,
)
from dagster_project.policy_export import export_policies
from dagster_project.resources import AlertingResource, GradingResource, PolicyExportResource

DELIVERY_GROUP = "delivery"


@asset(
    name="alert_delivery",
    key_prefix=["alerting"],
    group_name=DELIVERY_GROUP,
    deps=[AssetKey(["marts", "grade_alerts"])],
    partitions_def=snapshot_partitions,
    backfill_policy=single_run_backfill,
    pool=WAREHOUSE_POOL,
    description="Sends the unsent alerts of marts.grade_alerts as one digest per recipient per "
    "channel (apprise URLs from GRADING_ALERT_URLS / GRADING_ALERT_CONFIG) and records each "
    "attempt in alerting.alert_deliveries. Without a URL nothing is sent and alerts stay pending.",
)
def alert_delivery(
    context: AssetExecutionContext, grading: GradingResource, alerting: AlertingResource
) -> MaterializeResult:
    first, last = snapshot_range(context)
    try:
        channels = alerting.channels()
    except ChannelConfigError as error:
        raise Failure(description=str(error), allow_retries=False) from error
    if not channels:
        context.log.info(
            "no notification URL configured (GRADING_ALERT_URLS, GRADING_ALERT_CONFIG): alerts "
            "are recorded in marts.grade_alerts with status pending, nothing is sent"
        )
    window_end = context.run.tags.get(ALERT_WINDOW_END_TAG)
    report = deliver_alerts(
        grading.paths,
        first,
        last,
        channels,
        alerting.max_age_days,
        dt.date.fromisoformat(window_end) if window_end else None,
    )
    counts = report.status_counts
    metadata = {
        "channels": MetadataValue.json(report.channels),
        "alerts_in_run_dates": sum(counts.values()),
        "alerts_sent": counts.get("sent", 0),
        "alerts_failed": counts.get("failed", 0),
        "alerts_pending": counts.get("pending", 0),
        "digests_sent": report.digests_sent,
        "digests_failed": report.digests_failed,
        "undelivered_older_than_window": report.undelivered_stale,
        "errors": MetadataValue.md("\n".join(f"- {e}" for e in report.errors) or "none"),
    }
    if not report.ok:
        raise Failure(
            description=f"{report.digests_failed} alert digest(s) could not be sent; they are "
            "recorded as failed in alerting.alert_deliveries and retried on the next run:\n"
            + "\n".join(report.errors),
            metadata=metadata,
            allow_retries=False,
        )
    return MaterializeResult(metadata=metadata)


@asset(
    name="policy_export",
    key_prefix=["exports"],
    group_name=DELIVERY_GROUP,
    deps=[AssetKey(["marts", "customer_policy_history"])],
    partitions_def=snapshot_partitions,
    backfill_policy=single_run_backfill,
    pool=WAREHOUSE_POOL,
    description="Writes, per snapshot date, CSV and Parquet files of every customer's policy and "
    "of the policies changed since the previous export into GRADING_EXPORT_DIR (atomically), "
    "and POSTs the changes to GRADING_POLICY_WEBHOOK_URL when set.",
)
def policy_export(
    context: AssetExecutionContext, grading: GradingResource, exports: PolicyExportResource
) -> MaterializeResult:
    first, last = snapshot_range(context)
    dates = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    paths = grading.paths
    try:
        webhook = exports.webhook()
    except ValueError as error:
        raise Failure(description=str(error), allow_retries=False) from error
    report = export_policies(paths, dates, exports.export_dir(paths), webhook)
    metadata = {
        "dates": len(report.dates),
        "policies_exported": report.policies,
        "policy_changes": report.changes,
        "export_dir": MetadataValue.path(str(exports.export_dir(paths))),
        "files": MetadataValue.json([str(p) for p in report.files[-4:]]),
        "webhook_batches_posted": report.batches_posted,
        "webhook_errors": MetadataValue.md(
            "\n".join(f"- {e}" for e in report.webhook_errors) or "none"
        ),
    }
    if report.webhook_errors:
        raise Failure(
            description="policy files written, but the webhook refused "
            f"{len(report.webhook_errors)} batch(es); re-run the date to post them again (same "
            "Idempotency-Key):\n" + "\n".join(report.webhook_errors),
            metadata=metadata,
            allow_retries=False,
        )
    return MaterializeResult(metadata=metadata)
