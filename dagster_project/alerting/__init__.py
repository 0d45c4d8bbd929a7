"""Alerts to salespeople: notification channels, per-recipient digests, durable delivery state.

dbt decides *which* alerts exist (marts.grade_alerts, one deterministic alert_key each); this
package delivers them through apprise and records every attempt in alerting.alert_deliveries,
a table dbt never builds, so that no alert is sent twice on a channel and none is lost.
"""

from .channels import Channel, ChannelConfigError, load_channels
from .delivery import DeliveryReport, deliver_alerts

__all__ = [
    "Channel",
    "ChannelConfigError",
    "DeliveryReport",
    "deliver_alerts",
    "load_channels",
]
