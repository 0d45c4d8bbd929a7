"""One message per recipient listing all of their customers' alerts.

Salespeople get one digest per run instead of one message per customer; each line carries the
alert_key, so a reader (or a test) can tell exactly which alerts a message delivered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

RULE_LABELS = {
    "downgrade": "Downgrade",
    "upgrade": "Upgrade",
    "decline_streak": "Score falling",
    "decline_pct": "Score drop",
    "key_account_inactivity": "Key account inactive",
}


@dataclass(frozen=True)
class Alert:
    alert_key: str
    snapshot_date: dt.date
    grading_model: str
    customer_id: str
    customer_name: str | None
    rule: str
    grade: str
    reason: str
    top_dimensions: str | None
    recipient: str


def digest_title(recipient: str, alerts: list[Alert]) -> str:
    count = len(alerts)
    return f"Customer grading: {count} alert{'' if count == 1 else 's'} for {recipient}"


def digest_body(recipient: str, alerts: list[Alert]) -> str:
    """Plain text, newest date first, grouped by model; renders the same in mail and chat."""
    lines = [f"{len(alerts)} customer alert(s) for {recipient}:", ""]
    ordered = sorted(
        alerts, key=lambda a: (-a.snapshot_date.toordinal(), a.grading_model, a.customer_id, a.rule)
    )
    for alert in ordered:
        name = alert.customer_id
        if alert.customer_name:
            name += f" {alert.customer_name}"
        lines.append(
            f"- {alert.snapshot_date} {alert.grading_model}: {name} (grade {alert.grade}) - "
            f"{RULE_LABELS.get(alert.rule, alert.rule)}: {alert.reason}"
        )
        if alert.top_dimensions:
            lines.append(f"    moved most: {alert.top_dimensions}")
        lines.append(f"    alert {alert.alert_key}")
    lines += ["", "Explain a grade: grading explain CUSTOMER_ID --date DATE --model MODEL"]
    return "\n".join(lines)
