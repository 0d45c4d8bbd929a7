"""Earlier snapshots for a benchmark warehouse, without grading them one by one.

The benchmark's daily job runs on the warehouse its first load left: one earlier snapshot. A
warehouse in daily use holds months of them, and whatever a daily run reads of that history
grows with it (the alert rules read the grade history, and used to read all of it: 20.7 s at
1,000,000 customers with 31 snapshots, docs/benchmarks.md). Grading 30 dates at 1,000,000
customers takes about 25 minutes, so the benchmark copies the last graded date's rows of every
per-date table to the dates before it instead: the same number of rows per date as a real
history, with the same scores every day (so the history raises no decline alerts of its own).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

# per-date tables whose rows cannot be copied to another date as they are: their key names the
# date (an alert's key is a hash of model, customer, date and rule); left with the real date only
NOT_COPIED = {
    ("intermediate", "int_grade_alert_candidates"),
    ("marts", "at_risk_customers"),
}


def per_date_tables(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """The warehouse's tables with a snapshot_date column, in the dbt schemas."""
    return connection.execute(
        """
        select tables.schema_name, tables.table_name
        from duckdb_tables() as tables
        inner join duckdb_columns() as columns
            on tables.schema_name = columns.schema_name
            and tables.table_name = columns.table_name
        where columns.column_name = 'snapshot_date'
            and tables.schema_name in ('intermediate', 'marts')
        order by all
        """
    ).fetchall()


def add_snapshots(warehouse: Path, graded: dt.date, earlier: int) -> list[tuple[str, str]]:
    """Give `warehouse` the `earlier` dates before `graded`, as copies of `graded`'s rows.

    Returns the tables it wrote to. The names come from DuckDB's own catalogue and are quoted."""
    with duckdb.connect(str(warehouse)) as connection:
        tables = [t for t in per_date_tables(connection) if t not in NOT_COPIED]
        for offset in range(earlier, 0, -1):
            day = graded - dt.timedelta(days=offset)
            for schema, table in tables:
                name = f'"{schema}"."{table}"'
                connection.execute(
                    f"insert into {name} select * replace (cast(? as date) as snapshot_date) "
                    f"from {name} where snapshot_date = ?",
                    [day, graded],
                )
        connection.execute("checkpoint")
    return tables
