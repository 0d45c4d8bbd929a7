"""Writing what-if reports as CSV tables plus a JSON summary, each file atomically.

The dashboard and BI tools read these files while a new report may be being written: every file
goes to a hidden temp file in the same folder and is renamed over the old one in one step.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any


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
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            write(handle)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: Path, text: str) -> Path:
    """Write a whole UTF-8 text file so readers see the old or the new file, never half of one.

    Readable by everyone (0644) like any file written with the usual umask: the dashboard is
    meant to be opened by other users or served by a web server.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
