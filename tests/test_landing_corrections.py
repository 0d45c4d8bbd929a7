"""Hand-made landing folders: duplicate resolution and corrections picked up incrementally."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dagster_project.cli import main

from conftest import Grade, make_paths, query, range_run_args

D = dt.date(2026, 6, 30)
CUSTOMERS = (
    "customer_id,customer_name,region,business_line,industry,owner_id,partnership_start,"
    "credit_rating\n"
    "C1,上海华信科技有限公司,East,SMB,Technology,,2024-01-01,A\n"
    "C2,Acme Components Ltd,North,SMB,Retail,,2024-01-01,BBB\n"
)
HEADER = "purchase_id,customer_id,purchased_at,amount,status\n"


def write_landing(folder: Path, purchases: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    (folder / "purchases.csv").write_text(HEADER + purchases, encoding="utf-8")


def value_12m(warehouse: Path) -> dict[str, float]:
    return dict(
        query(
            warehouse,
            "select customer_id, purchase_value_12m from intermediate.int_customer_metrics "
            "where snapshot_date = ?",
            [D],
        )
    )


def test_duplicate_ids_keep_the_usable_row(grade: Grade, tmp_path: Path) -> None:
    # the broken copy sorts first ('-' < '1'); the usable copy must still be the one kept
    write_landing(
        tmp_path / "data",
        "P1,C1,2026-06-01 10:00:00,-5,completed\n"
        "P1,C1,2026-06-01 10:00:00,100,completed\n"
        "P2,C2,2026-06-02 09:00:00,40,completed\n",
    )
    paths = make_paths(tmp_path / "data", tmp_path / "wh.duckdb")
    grade(paths, D, D)
    assert value_12m(paths.warehouse) == {"C1": 100.0, "C2": 40.0}
    assert query(paths.warehouse, "select record_id, reason from marts.quarantine") == [
        ("P1", "duplicate purchase_id")
    ]
    names = query(
        paths.warehouse,
        "select customer_name from marts.customer_grades where customer_id = 'C1' limit 1",
    )
    assert names == [("上海华信科技有限公司",)]


def test_a_removed_event_disappears_on_the_next_run(grade: Grade, tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_landing(
        data,
        "P1,C1,2026-06-01 10:00:00,100,completed\nP2,C2,2026-06-20 09:00:00,40,completed\n",
    )
    paths = make_paths(data, tmp_path / "wh.duckdb")
    grade(paths, D, D)
    assert value_12m(paths.warehouse) == {"C1": 100.0, "C2": 40.0}
    # P2 was the only event of its day: the incremental aggregate must still drop that day
    write_landing(data, "P1,C1,2026-06-01 10:00:00,100,completed\n")
    grade(paths, D, D)
    assert value_12m(paths.warehouse) == {"C1": 100.0, "C2": 0.0}
    days = query(
        paths.warehouse, "select activity_date from intermediate.int_customer_daily_activity"
    )
    assert days == [(dt.date(2026, 6, 1),)]


def test_a_correction_older_than_the_lookback_needs_reaggregate_days(
    grade: Grade, tmp_path: Path
) -> None:
    """A normal run re-reads only the last 35 days; --reaggregate-days widens that for one run."""
    data = tmp_path / "data"
    old_and_recent = (
        "P1,C1,2026-01-10 10:00:00,{},completed\nP2,C2,2026-06-20 09:00:00,40,completed\n"
    )
    write_landing(data, old_and_recent.format(100))
    paths = make_paths(data, tmp_path / "wh.duckdb")
    grade(paths, D, D)
    # P1's amount is corrected, five months before the newest stored day
    write_landing(data, old_and_recent.format(1000))
    grade(paths, D, D)
    assert value_12m(paths.warehouse) == {"C1": 100.0, "C2": 40.0}
    args = range_run_args(D, D, data, paths.warehouse)
    assert main([*args, "--reaggregate-days", "1000"]) == 0
    assert value_12m(paths.warehouse) == {"C1": 1000.0, "C2": 40.0}
