"""The benchmark's node-row write floor writes what it says it measures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from benchmarks.node_write_floor import write_copies

D = dt.date(2026, 11, 22)


def test_copies_of_one_dates_node_rows_are_written_under_earlier_dates(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema intermediate")
        connection.execute(
            "create table intermediate.int_node_score_history (snapshot_date date, "
            "grading_model varchar, customer_id varchar, node_id integer, score double, "
            "metric_value double, top_share double, percentile double)"
        )
        connection.execute(
            "insert into intermediate.int_node_score_history values "
            "(?, 'm', 'c1', 0, 50, null, null, null), (?, 'm', 'c1', 1, 80, 3, 0.5, 0.4), "
            "(?, 'm', 'c2', 0, 20, null, null, null), (? - 1, 'm', 'c1', 0, 1, null, null, null)",
            [D, D, D, D],
        )
    scratch = tmp_path / "scratch"
    scratch.mkdir()

    result = write_copies(warehouse, D, copies=3, scratch=scratch)

    # the date's 3 rows (not the earlier date's), under D-1 .. D-3
    assert result["rows_per_date"] == 3
    assert result["rows_written"] == 9
    assert (result["first_date"], result["last_date"]) == (
        D - dt.timedelta(days=3),
        D - dt.timedelta(days=1),
    )
