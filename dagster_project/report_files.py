"""Writing what-if reports as CSV tables plus a JSON summary, each file atomically.

The dashboard and BI tools read these files while a new report may be being written: every file
goes to a hidden temp file in the same folder and is renamed over the old one in one step.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from dagster_project.atomic_files import atomic_write


def write_report(
    out_dir: Path,
    tables: Mapping[str, tuple[Sequence[str], Iterable[Sequence[Any]]]],
    summary_name: str,
    summary: Mapping[str, Any],
) -> list[Path]:
    """`<name>.csv` per table (header + rows) and `<summary_name>.json`; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (columns, rows) in tables.items():
        written.append(_atomic(out_dir / f"{name}.csv", lambda h, c=columns, r=rows: _csv(h, c, r)))
    written.append(
        _atomic(
            out_dir / f"{summary_name}.json",
            lambda h: json.dump(summary, h, indent=2, default=_jsonable, ensure_ascii=False),
        )
    )
    return written


def _csv(handle: Any, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else _jsonable(v) for v in row])


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _atomic(path: Path, write: Any) -> Path:
    """`write(text_handle)` through atomic_files.atomic_write, as UTF-8 text."""

    def write_text(handle: BinaryIO) -> None:
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        write(text)
        text.flush()
        text.detach()  # atomic_write flushes, fsyncs and closes the underlying file

    return atomic_write(path, write_text)


def write_text_atomic(path: Path, text: str) -> Path:
    """Write a whole UTF-8 text file so readers see the old or the new file, never half of one.

    Readable by everyone (0644) like any file written with the usual umask: the dashboard is
    meant to be opened by other users or served by a web server.
    """
    return atomic_write(path, lambda handle: handle.write(text.encode("utf-8")), mode=0o644)
