"""Splitting a long range of snapshot dates into runs that fit DuckDB's memory limit.

One run grades its whole range in one set-based pass, so it holds every date's scoring rows at
once (one row per date, model, customer and dimension). A 365-date range fits at 10,000
customers but ran out of memory at 100,000 (docs/benchmarks.md), so `grading run --start/--end`
grades a long range as consecutive runs of at most `dates_per_run` dates, oldest first: each
run's hysteresis, transitions and alert rules then read the snapshots the previous run wrote,
so the rows are those of one run over the range (tests/test_range_pieces.py compares them).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from pathlib import Path

import duckdb

from dagster_project import landing

ENV_DATES_PER_RUN = "GRADING_DATES_PER_RUN"
ENV_MEMORY_LIMIT = "GRADING_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "3GB"  # the default of dbt_project/profiles.yml

# Customer-dates one run may hold per GB of DuckDB memory. Measured with the three shipped
# models at the 3 GB default (docs/benchmarks.md): 10,000 customers x 365 dates (3.65 million)
# and 100,000 x 30 (3 million) finish; 100,000 x 365 (36.5 million) ran out of memory. Larger
# runs are not faster either: 74 dates at 100,000 took longer as one run than as two of 37.
CUSTOMER_DATES_PER_GB = 1_250_000

_UNITS = {
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}


class RangeSettingError(ValueError):
    """A setting that sizes the runs cannot be read; the message names it and the fix."""


def memory_limit_bytes(text: str) -> int:
    """DuckDB's memory_limit syntax ('3GB', '512MiB', '4 MB') in bytes."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)\s*", text, flags=re.IGNORECASE)
    if not match:
        raise RangeSettingError(
            f"{ENV_MEMORY_LIMIT}={text!r} is not a memory size: write a number and a unit, "
            "e.g. 3GB, 512MB or 8GiB"
        )
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def estimated_dates_per_run(customers: int, memory_limit: str) -> int:
    """How many dates of `customers` fit one run under DuckDB's memory limit (at least 1)."""
    budget = CUSTOMER_DATES_PER_GB * memory_limit_bytes(memory_limit) / 10**9
    return max(1, math.floor(budget / max(customers, 1)))


def split_range(first: dt.date, last: dt.date, dates_per_run: int) -> list[tuple[dt.date, dt.date]]:
    """Consecutive pieces of at most `dates_per_run` dates covering [first, last], oldest first."""
    if dates_per_run < 1:
        raise RangeSettingError(f"dates per run must be at least 1, not {dates_per_run}")
    pieces = []
    start = first
    while start <= last:
        end = min(last, start + dt.timedelta(days=dates_per_run - 1))
        pieces.append((start, end))
        start = end + dt.timedelta(days=1)
    return pieces


def count_customers(data_dir: Path) -> int:
    """Rows in the landing customers file(s): the population a run grades, at most."""
    customers = landing.discover(data_dir)["customers"]
    if customers.glob is None:  # discover already refuses a folder without customers
        return 0
    reader = landing.reader_sql("parquet" if customers.glob.endswith(".parquet") else "csv")
    with duckdb.connect() as connection:
        row = connection.execute(f"select count(*) from {reader}", [customers.glob]).fetchone()
    return int(row[0]) if row else 0


def dates_per_run(data_dir: Path, requested: int | None = None) -> tuple[int, str]:
    """The run size for a range, and why: asked for, set in the environment, or estimated."""
    if requested is not None:
        if requested < 1:
            raise RangeSettingError("--dates-per-run must be at least 1")
        return requested, "--dates-per-run"
    configured = os.environ.get(ENV_DATES_PER_RUN, "").strip()
    if configured:
        if not configured.isdigit() or int(configured) < 1:
            raise RangeSettingError(
                f"{ENV_DATES_PER_RUN}={configured!r} is not a positive whole number of dates; "
                "unset it to size runs from the memory limit"
            )
        return int(configured), ENV_DATES_PER_RUN
    limit = os.environ.get(ENV_MEMORY_LIMIT, "").strip() or DEFAULT_MEMORY_LIMIT
    customers = count_customers(data_dir)
    size = estimated_dates_per_run(customers, limit)
    return size, f"{customers:,} customers under {ENV_MEMORY_LIMIT}={limit}"
