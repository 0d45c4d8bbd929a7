"""Access to the DuckDB warehouse file.

DuckDB lets one process write a file, and a read-only connection cannot open while another process
writes. Every opening of the warehouse here (dbt runs, read-only queries by the CLI or Dagster
assets) first takes an exclusive advisory lock on a sibling lock file, waiting for its turn, so a
scheduled run, a backfill, `dagster dev` and a CLI query never fail with a lock error.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from dagster_project.settings import Paths


class WarehouseBusyError(RuntimeError):
    """The warehouse stayed locked by another process for longer than the caller would wait."""


@contextmanager
def warehouse_lock(paths: Paths, timeout_s: float = 3600.0) -> Iterator[None]:
    """Hold the warehouse for this process; re-entrant callers must not nest it."""
    paths.lock_file.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout_s
    with open(paths.lock_file, "a+") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WarehouseBusyError(
                        f"{paths.warehouse} is in use by another grading run (lock file "
                        f"{paths.lock_file}); waited {timeout_s:.0f}s"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def read_only(paths: Paths) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection, under the lock, closed on exit."""
    if not Path(paths.warehouse).exists():
        raise FileNotFoundError(
            f"no warehouse at {paths.warehouse}: "
            "run `grading run --date D` (or `grading demo`) first"
        )
    with warehouse_lock(paths):
        connection = duckdb.connect(str(paths.warehouse), read_only=True)
        try:
            yield connection
        finally:
            connection.close()
