"""Sending the pending alerts as digests and recording every attempt.

Guarantees (docs/alerts-and-policies.md):
- an alert_key is sent at most once per channel: a digest only lists alerts that channel has not
  sent, and the 'sent' record is committed in one transaction right after the send succeeds;
- nothing is lost: an alert is recorded before it is sent ('failed', "interrupted while
  sending") and a failed send stays 'failed', so the next run retries it;
- at-least-once in one narrow case: a crash after the receiver accepted a digest and before
  'sent' was committed leaves the alerts 'failed' with that note, and the next run sends them
  again. Losing an at-risk alert is worse than a rare duplicate, so this is the chosen side.

The warehouse lock is held for the whole delivery, so two runs never send the same digest.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

import apprise
import duckdb

from dagster_project.settings import Paths
from dagster_project.warehouse import warehouse_lock

from .channels import Channel
from .digest import Alert, digest_body, digest_title

INTERRUPTED = "interrupted while sending: outcome unknown, so it is sent again on the next run"
MAX_ERROR_CHARS = 500

UNSENT_SQL = """
    select a.alert_key, a.snapshot_date, a.grading_model, a.customer_id, a.customer_name,
           a.rule, a.grade, a.reason, a.top_dimensions, a.recipient
    from marts.grade_alerts as a
    left join alerting.alert_deliveries as d
        on d.alert_key = a.alert_key and d.channel = ?
    where a.snapshot_date between ? and ?
      and (d.status is null or d.status <> 'sent')
    order by a.recipient, a.snapshot_date, a.alert_key
"""

CLAIM_SQL = """
    insert into alerting.alert_deliveries as d
        (alert_key, channel, recipient, status, attempts, last_error, first_attempt_at,
         last_attempt_at, sent_at)
    values (?, ?, ?, 'failed', 1, ?, ?, ?, null)
    on conflict (alert_key, channel) do update set
        status = 'failed',
        attempts = d.attempts + 1,
        last_error = excluded.last_error,
        last_attempt_at = excluded.last_attempt_at
"""

RESULT_SQL = """
    update alerting.alert_deliveries
    set status = ?, last_error = ?, sent_at = ?
    where alert_key = ? and channel = ?
"""

STATUS_SQL = """
    select status, count(*) from marts.grade_alerts
    where snapshot_date between ? and ? group by status
"""


@dataclass
class DeliveryReport:
    """What one delivery did, for asset metadata and the CLI."""

    channels: list[str] = field(default_factory=list)
    digests_sent: int = 0
    digests_failed: int = 0
    alerts_sent: int = 0  # alert x channel deliveries that succeeded in this call
    errors: list[str] = field(default_factory=list)
    status_counts: dict[str, int] = field(default_factory=dict)  # of the run's dates
    undelivered_stale: int = 0  # not sent, older than the delivery window

    @property
    def ok(self) -> bool:
        return self.digests_failed == 0


def deliver_alerts(
    paths: Paths,
    first: dt.date,
    last: dt.date,
    channels: list[Channel],
    max_age_days: int = 7,
    window_end: dt.date | None = None,
) -> DeliveryReport:
    """Send every unsent alert dated in [window_end - max_age_days, last] on every channel.

    Unsent alerts of earlier runs within the window are included, which is how a failed
    delivery is retried. Alerts older than the window are not sent (a backfill of old dates
    must not flood salespeople with stale news); they are counted in `undelivered_stale`.
    `window_end` defaults to `last`; a run that is one piece of a longer range passes the
    range's last date, so its pieces together send what one run over the range would.
    """
    report = DeliveryReport(channels=[channel.label for channel in channels])
    window_start = max(last, window_end or last) - dt.timedelta(days=max_age_days)
    with warehouse_lock(paths):
        connection = duckdb.connect(str(paths.warehouse))
        try:
            for channel in channels:
                _deliver_on(connection, channel, window_start, last, report)
            report.status_counts = dict(
                connection.execute(STATUS_SQL, [first, last]).fetchall()  # type: ignore[arg-type]
            )
            report.undelivered_stale = connection.execute(
                "select count(*) from marts.grade_alerts where status <> 'sent' "
                "and snapshot_date < ?",
                [window_start],
            ).fetchone()[0]  # type: ignore[index]
        finally:
            connection.close()
    return report


def _deliver_on(
    connection: duckdb.DuckDBPyConnection,
    channel: Channel,
    window_start: dt.date,
    last: dt.date,
    report: DeliveryReport,
) -> None:
    rows = connection.execute(UNSENT_SQL, [channel.channel_id, window_start, last]).fetchall()
    by_recipient: dict[str, list[Alert]] = defaultdict(list)
    for row in rows:
        alert = Alert(*row)
        by_recipient[alert.recipient].append(alert)
    for recipient, alerts in by_recipient.items():
        now = _utc_now()
        _record(
            connection,
            CLAIM_SQL,
            [(a.alert_key, channel.channel_id, recipient, INTERRUPTED, now, now) for a in alerts],
        )
        error = _send(channel, recipient, alerts)
        if error is None:
            report.digests_sent += 1
            report.alerts_sent += len(alerts)
            updates = [("sent", None, _utc_now(), a.alert_key, channel.channel_id) for a in alerts]
        else:
            report.digests_failed += 1
            report.errors.append(f"{channel.label} -> {recipient}: {error}")
            updates = [("failed", error, None, a.alert_key, channel.channel_id) for a in alerts]
        _record(connection, RESULT_SQL, updates)


def _record(
    connection: duckdb.DuckDBPyConnection, sql: str, rows: list[tuple[object, ...]]
) -> None:
    """All rows of one digest in one transaction: a digest is recorded whole or not at all."""
    connection.begin()
    try:
        connection.executemany(sql, rows)
        connection.commit()
    except BaseException:
        connection.rollback()
        raise


def _send(channel: Channel, recipient: str, alerts: list[Alert]) -> str | None:
    """Send one digest; None on success, else a short error without the URL's secrets."""
    notifier = apprise.Apprise()
    if not notifier.add(channel.url_for(recipient)):
        return f"apprise cannot use the URL of {channel.label} for this recipient"
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        try:
            delivered = notifier.notify(
                body=digest_body(recipient, alerts), title=digest_title(recipient, alerts)
            )
        except Exception as error:  # a plugin bug must not lose the record of the attempt
            return f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS]
    if delivered:
        return None
    logged = [line for line in captured.getvalue().splitlines() if line.strip()]
    detail = " | ".join(logged[-3:]) or "the notification service refused the message"
    return detail[:MAX_ERROR_CHARS]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
