"""How long storing a backfill's node scores takes, with nothing computed.

The 365-date backfill's target is 10 daily jobs. The scoring is stored long (one row per date,
model, customer and node), so a year at 100,000 customers stores some 380 million node rows
whatever else the pipeline does. This writes that many rows and nothing else: one graded date's
`int_node_score_history` rows, copied under earlier dates into an empty DuckDB file with the
profile's settings, so docs/benchmarks.md can say how much of the allowance the write alone
takes. The warehouse is only read.

    python -m benchmarks.node_write_floor WAREHOUSE --date 2026-11-22 --copies 37
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

import duckdb

from dagster_project.range_pieces import (
    DEFAULT_MEMORY_LIMIT,
    ENV_MEMORY_LIMIT,
    memory_limit_bytes,
)

COLUMNS = "grading_model, customer_id, node_id, score, metric_value, top_share, percentile"


def write_copies(warehouse: Path, day: dt.date, copies: int, scratch: Path) -> dict[str, object]:
    """Insert `copies` copies of the date's node rows (dated day-1, day-2, ...) into a new file."""
    target = scratch / "node_rows.duckdb"
    with duckdb.connect(str(target)) as connection:
        # the settings dbt_project/profiles.yml gives the pipeline, from the same variables
        # (checked before they reach SQL: SET takes no parameters)
        limit = os.environ.get(ENV_MEMORY_LIMIT, DEFAULT_MEMORY_LIMIT)
        memory_limit_bytes(limit)
        threads = os.environ.get("GRADING_DUCKDB_THREADS", "2").strip()
        if not threads.isdigit() or int(threads) < 1:
            raise SystemExit(f"GRADING_DUCKDB_THREADS must be a whole number >= 1, not {threads!r}")
        connection.execute(f"set memory_limit = '{limit}'")
        connection.execute(f"set threads = {threads}")
        connection.execute("set preserve_insertion_order = false")
        connection.execute("attach ? as warehouse (read_only)", [str(warehouse)])
        connection.execute(
            "create temp table one_date as select snapshot_date, "
            + COLUMNS
            + " from warehouse.intermediate.int_node_score_history where snapshot_date = ?",
            [day],
        )
        (rows,) = connection.execute("select count(*) from one_date").fetchone()
        if rows == 0:
            raise SystemExit(f"no node rows on {day} in {warehouse}")
        connection.execute("create table node_rows as select * from one_date where false")
        started = time.perf_counter()
        for step in range(1, copies + 1):
            connection.execute(
                f"insert into node_rows select snapshot_date - {step}, {COLUMNS} from one_date"
            )
        connection.execute("checkpoint")
        seconds = time.perf_counter() - started
        written, first, last = connection.execute(
            "select count(*), min(snapshot_date), max(snapshot_date) from node_rows"
        ).fetchone()
    return {
        "rows_per_date": rows,
        "rows_written": written,
        "first_date": first,
        "last_date": last,
        "seconds": seconds,
        "megabytes": target.stat().st_size / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path, help="a graded warehouse (opened read-only)")
    parser.add_argument("--date", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--copies", type=int, default=37)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        result = write_copies(args.warehouse, args.date, args.copies, Path(scratch))
    print(
        f"{result['rows_written']:,} node rows ({args.copies} x {result['rows_per_date']:,}) "
        f"written in {result['seconds']:.1f} s, {result['megabytes']:,.0f} MB"
    )


if __name__ == "__main__":
    main()
