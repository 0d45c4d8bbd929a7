"""Where alerts go: apprise notification URLs from the environment or an untracked file.

URLs carry credentials (an SMTP password, a Slack token), so they never live in the repository
and never reach logs, Dagster metadata or the warehouse: a channel is identified everywhere by a
hash of its URL.

- GRADING_ALERT_URLS: apprise URLs separated by whitespace or commas;
- GRADING_ALERT_CONFIG: a file with one URL per line (lines starting with '#' are comments).

A URL containing `{recipient}` is sent once per recipient with the recipient's email address
(URL-quoted) put in its place, e.g. `mailto://user:pass@smtp.example.com?to={recipient}`.
A URL without it (a team channel, a webhook) receives every recipient's digest, each as its own
message naming the recipient.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import apprise

ENV_ALERT_URLS = "GRADING_ALERT_URLS"
ENV_ALERT_CONFIG = "GRADING_ALERT_CONFIG"
RECIPIENT_PLACEHOLDER = "{recipient}"


class ChannelConfigError(ValueError):
    """A configured notification URL cannot be used; the message names it by position only."""


@dataclass(frozen=True)
class Channel:
    """One notification URL (template)."""

    url: str
    source: str  # where it was configured, e.g. "GRADING_ALERT_URLS[0]"

    @property
    def channel_id(self) -> str:
        """Stable id stored with each delivery: the URL itself may hold a password."""
        return "ch_" + hashlib.sha256(self.url.encode("utf-8")).hexdigest()[:12]

    @property
    def scheme(self) -> str:
        return self.url.split("://", 1)[0].lower()

    @property
    def label(self) -> str:
        """Safe to show: scheme and id, never credentials."""
        return f"{self.scheme}:{self.channel_id}"

    @property
    def per_recipient(self) -> bool:
        return RECIPIENT_PLACEHOLDER in self.url

    def url_for(self, recipient: str) -> str:
        return self.url.replace(RECIPIENT_PLACEHOLDER, quote(recipient, safe="@"))


def load_channels(environ: Mapping[str, str] | None = None) -> list[Channel]:
    """Every configured channel, each checked by apprise before anything is sent."""
    environ = os.environ if environ is None else environ
    channels: list[Channel] = []
    for index, url in enumerate(_split(environ.get(ENV_ALERT_URLS, ""))):
        channels.append(Channel(url, f"{ENV_ALERT_URLS}[{index}]"))
    config_file = environ.get(ENV_ALERT_CONFIG, "").strip()
    if config_file:
        path = Path(config_file).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise ChannelConfigError(
                f"{ENV_ALERT_CONFIG}={path}: cannot read it ({error.strerror}); point it at a "
                "file with one apprise URL per line, or unset it"
            ) from error
        for number, line in enumerate(text.splitlines(), start=1):
            url = line.strip()
            if url.startswith("#"):
                continue
            if url:
                channels.append(Channel(url, f"{path.name} line {number}"))
    unique: dict[str, Channel] = {}
    for channel in channels:
        probe = channel.url_for("recipient@example.com")
        if not apprise.Apprise().add(probe):
            raise ChannelConfigError(
                f"{channel.source}: not a notification URL apprise supports (scheme "
                f"{channel.scheme!r}); see the apprise URL formats, e.g. "
                "mailto://user:pass@host?to={recipient} or json://host/path"
            )
        unique.setdefault(channel.url, channel)
    return list(unique.values())


def _split(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,]+", text.strip()) if part]
