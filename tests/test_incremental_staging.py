"""File-level incremental staging: only new or changed landing files are typed, and the result
is always the same as staging every file from scratch."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import duckdb
import pytest

from conftest import (
    Grade,
    dbt_environment,
    dbt_project_copy,
    invocation_folder,
    make_paths,
    printed_by_operation,
    query,
)

D = dt.date(2026, 6, 30)
CUSTOMERS_HEADER = (
    "customer_id,customer_name,region,business_line,industry,owner_id,partnership_start,"
    "credit_rating\n"
)
CUSTOMER_ROWS = {
    "C1": "C1,Alpha,East,SMB,Technology,,2024-01-01,A\n",
    "C2": "C2,Beta,North,SMB,Retail,,2024-01-01,BBB\n",
    "C3": "C3,Gamma,North,SMB,Retail,,2024-01-01,BBB\n",
}
HEADER = "purchase_id,customer_id,purchased_at,amount,status\n"
STAGED = (
    "select purchase_id, customer_id, amount, quarantine_reason from staging.stg_purchases "
    "order by all"
)
QUARANTINE = "select entity, record_id, reason, raw_record from marts.quarantine order by all"


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def customers(folder: Path, *ids: str) -> None:
    write(folder, "customers.csv", CUSTOMERS_HEADER + "".join(CUSTOMER_ROWS[i] for i in ids))


def rebuilt_from_scratch(data: Path, tmp_path: Path, grade: Grade) -> list[tuple]:
    """The staged purchases and the quarantine of a new warehouse graded from the same files."""
    paths = make_paths(data, tmp_path / "fresh.duckdb")
    grade(paths, D, D)
    return query(paths.warehouse, STAGED) + query(paths.warehouse, QUARANTINE)


def staged_and_quarantined(warehouse: Path) -> list[tuple]:
    return query(warehouse, STAGED) + query(warehouse, QUARANTINE)


def test_new_changed_and_removed_files_match_a_full_rebuild(grade: Grade, tmp_path: Path) -> None:
    data = tmp_path / "data"
    customers(data, "C1", "C2")
    write(
        data,
        "purchases-1.csv",
        HEADER + "P1,C1,2026-06-01 10:00:00,100,completed\n"
        "P2,C2,2026-06-02 10:00:00,40,completed\nP9,C3,2026-06-03 10:00:00,7,completed\n",
    )
    paths = make_paths(data, tmp_path / "wh.duckdb")
    grade(paths, D, D)
    assert ("P9", "C3", 7, "unknown customer_id") in query(paths.warehouse, STAGED)

    # a second file: a broken duplicate of P1 (kept out) and a usable duplicate of P2's id
    # that sorts before the stored copy
    write(
        data,
        "purchases-2.csv",
        HEADER + "P1,C1,2026-06-01 10:00:00,-1,completed\n"
        "P2,C2,2026-06-02 10:00:00,30,completed\nP3,C1,2026-06-05 10:00:00,5,completed\n",
    )
    grade(paths, D, D)
    assert staged_and_quarantined(paths.warehouse) == rebuilt_from_scratch(
        data, tmp_path / "new", grade
    )
    # and the customer P9 was waiting for
    customers(data, "C1", "C2", "C3")
    grade(paths, D, D)
    staged = query(paths.warehouse, STAGED)
    assert staged_and_quarantined(paths.warehouse) == rebuilt_from_scratch(
        data, tmp_path / "a", grade
    )
    assert ("P9", "C3", 7, None) in staged  # the late customer makes the purchase usable
    assert ("P1", "C1", -1, "duplicate purchase_id") in staged
    assert ("P2", "C2", 30, None) in staged  # '30' < '40': same choice as a full rebuild
    assert ("P2", "C2", 40, "duplicate purchase_id") in staged

    # the first file is rewritten without P2 and P9; P2's other copy is no longer a duplicate
    write(data, "purchases-1.csv", HEADER + "P1,C1,2026-06-01 10:00:00,100,completed\n")
    grade(paths, D, D)
    staged = query(paths.warehouse, STAGED)
    assert staged_and_quarantined(paths.warehouse) == rebuilt_from_scratch(
        data, tmp_path / "b", grade
    )
    assert [row for row in staged if row[0] in ("P2", "P9")] == [("P2", "C2", 30, None)]

    # a removed file takes its rows, and their quarantine, with it
    (data / "purchases-2.csv").unlink()
    grade(paths, D, D)
    assert query(paths.warehouse, STAGED) == [("P1", "C1", 100, None)]
    assert [row for row in query(paths.warehouse, QUARANTINE) if row[0] == "purchases"] == []


def restaging_statement(run_id: str) -> str:
    """What base_purchases ran to store its new rows, as dbt wrote it down."""
    folder = invocation_folder(run_id) / "run" / "customer_grading" / "models" / "staging"
    return (folder / "base" / "base_purchases.sql").read_text(encoding="utf-8").lower()


def test_a_delivery_of_new_ids_is_stored_without_a_delete(grade: Grade, tmp_path: Path) -> None:
    """The stored ids are scanned for a delete only when a stored row can share an id with the
    new rows (strategy restage_ids): a day's delivery of new ids is only inserted."""
    data = tmp_path / "data"
    customers(data, "C1", "C2")
    write(data, "purchases-1.csv", HEADER + "P1,C1,2026-06-01 10:00:00,100,completed\n")
    paths = make_paths(data, tmp_path / "wh.duckdb")
    grade(paths, D, D)

    write(data, "purchases-2.csv", HEADER + "P2,C2,2026-06-02 10:00:00,40,completed\n")
    new_ids = grade(paths, D, D)
    assert "delete from" not in restaging_statement(new_ids.run_id)
    assert "insert into" in restaging_statement(new_ids.run_id)

    # a stored id comes again: its stored row is ranked with the new one and replaced
    write(data, "purchases-3.csv", HEADER + "P2,C2,2026-06-02 10:00:00,30,completed\n")
    recurring = grade(paths, D, D)
    assert "delete from" in restaging_statement(recurring.run_id)
    assert staged_and_quarantined(paths.warehouse) == rebuilt_from_scratch(
        data, tmp_path / "fresh", grade
    )
    assert ("P2", "C2", 30, None) in query(paths.warehouse, STAGED)


def test_an_unchanged_file_is_not_read_again(grade: Grade, tmp_path: Path) -> None:
    data = tmp_path / "data"
    customers(data, "C1")
    file = data / "purchases.csv"
    write(data, file.name, HEADER + "P1,C1,2026-06-01 10:00:00,100,completed\n")
    paths = make_paths(data, tmp_path / "wh.duckdb")
    grade(paths, D, D)
    # same size and modification time: the staged rows must be the ones read the first time,
    # which proves the file was skipped (and is the documented limit of the change check)
    stat = file.stat()
    file.write_text(HEADER + "P1,C1,2026-06-01 10:00:00,900,completed\n", encoding="utf-8")
    os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    grade(paths, D, D)
    assert query(paths.warehouse, STAGED) == [("P1", "C1", 100, None)]
    # any real change of the file (here its modification time) is picked up
    os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000))
    grade(paths, D, D)
    assert query(paths.warehouse, STAGED) == [("P1", "C1", 900, None)]


def test_customers_are_typed_again_only_when_a_partnership_start_comes_due(
    grade: Grade, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    write(
        data,
        "customers.csv",
        CUSTOMERS_HEADER + CUSTOMER_ROWS["C1"] + "C2,Beta,North,SMB,Retail,,2026-07-02,BBB\n",
    )
    write(data, "purchases.csv", HEADER + "P1,C1,2026-06-01 10:00:00,100,completed\n")
    paths = make_paths(data, tmp_path / "wh.duckdb")
    staged = "select customer_id, customer_name, quarantine_reason from staging.stg_customers"

    monkeypatch.setenv("GRADING_TODAY", "2026-06-30")
    grade(paths, D, D)
    assert sorted(query(paths.warehouse, staged)) == [
        ("C1", "Alpha", None),
        ("C2", "Beta", "partnership_start in the future"),
    ]
    # mark the stored rows: a run that does not type the customers again leaves the mark
    with duckdb.connect(str(paths.warehouse)) as connection:
        connection.execute("update staging.stg_customers set customer_name = 'kept'")

    monkeypatch.setenv("GRADING_TODAY", "2026-07-01")  # a new day, but C2 still starts later
    grade(paths, D, D)
    assert {row[1] for row in query(paths.warehouse, staged)} == {"kept"}

    monkeypatch.setenv("GRADING_TODAY", "2026-07-02")  # C2's partnership starts today
    grade(paths, D, D)
    assert sorted(query(paths.warehouse, staged)) == [("C1", "Alpha", None), ("C2", "Beta", None)]


def test_quarantine_rechecks_only_rows_whose_verdict_can_change(
    grade: Grade, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The events' quarantine is stored and checked again only for new rows, rows whose day has
    come, or everything when the customers change or today moves back; it always matches a
    warehouse graded from scratch."""
    data = tmp_path / "data"
    customers(data, "C1")
    write(
        data,
        "purchases-1.csv",
        HEADER + "P1,C1,2026-06-01 10:00:00,-5,completed\n"  # negative amount
        "P2,C9,2026-07-01 09:00:00,10,completed\n",  # unknown customer, dated tomorrow
    )
    paths = make_paths(data, tmp_path / "wh.duckdb")
    stored = (
        "select record_id, reason from intermediate.int_quarantined_events "
        "where entity is not null order by all"
    )
    purchases = (
        "select record_id, reason from marts.quarantine where entity = 'purchases' order by all"
    )

    def matches_a_fresh_warehouse(name: str) -> None:
        assert staged_and_quarantined(paths.warehouse) == rebuilt_from_scratch(
            data, tmp_path / name, grade
        )

    monkeypatch.setenv("GRADING_TODAY", "2026-06-30")
    grade(paths, D, D)
    assert query(paths.warehouse, purchases) == [
        ("P1", "negative amount"),
        ("P2", "purchased_at in the future"),
    ]
    matches_a_fresh_warehouse("first")
    # mark the stored verdict: a run that does not check P1 again leaves the mark
    with duckdb.connect(str(paths.warehouse)) as connection:
        connection.execute("update intermediate.int_quarantined_events set reason = 'kept'")

    # a new day: P2's day has come and it is checked again; P1 is not; a new file is checked
    monkeypatch.setenv("GRADING_TODAY", "2026-07-01")
    write(data, "purchases-2.csv", HEADER + "P3,C1,2026-07-01 08:00:00,x,completed\n")
    grade(paths, D, D)
    assert query(paths.warehouse, stored) == [
        ("P1", "kept"),
        ("P2", "unknown customer_id"),
        ("P3", "non-numeric amount"),
    ]
    with duckdb.connect(str(paths.warehouse)) as connection:  # the mark has done its job
        for table in ("intermediate.int_quarantined_events", "marts.quarantine"):
            connection.execute(
                f"update {table} set reason = 'negative amount' where reason = 'kept'"
            )
    matches_a_fresh_warehouse("new-day")

    # today back before P2's day: everything is checked again, P2 is in the future again
    monkeypatch.setenv("GRADING_TODAY", "2026-06-30")
    with duckdb.connect(str(paths.warehouse)) as connection:
        connection.execute("update intermediate.int_quarantined_events set reason = 'kept'")
    grade(paths, D, D)
    assert query(paths.warehouse, purchases) == [
        ("P1", "negative amount"),
        ("P2", "purchased_at in the future"),
        ("P3", "non-numeric amount"),  # its own problem comes before the date
    ]
    matches_a_fresh_warehouse("back")

    # a new customers file: everything is checked again, P2's customer is known
    monkeypatch.setenv("GRADING_TODAY", "2026-07-01")
    with duckdb.connect(str(paths.warehouse)) as connection:
        connection.execute("update intermediate.int_quarantined_events set reason = 'kept'")
    write(
        data,
        "customers.csv",
        CUSTOMERS_HEADER + CUSTOMER_ROWS["C1"] + "C9,Nine,East,SMB,Retail,,2024-01-01,A\n",
    )
    grade(paths, D, D)
    assert query(paths.warehouse, purchases) == [
        ("P1", "negative amount"),
        ("P3", "non-numeric amount"),
    ]
    matches_a_fresh_warehouse("customers")


def test_a_warehouse_without_quarantined_events_checks_only_what_is_new(
    grade: Grade, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check's own row keeps its state when no event is quarantined: the next run checks
    the rows staged since, not every stored event again."""
    data = tmp_path / "data"
    customers(data, "C1")
    write(data, "purchases-1.csv", HEADER + "P1,C1,2026-06-01 10:00:00,5,completed\n")
    paths = make_paths(data, tmp_path / "wh.duckdb")
    monkeypatch.setenv("GRADING_TODAY", "2026-06-30")
    grade(paths, D, D)
    assert query(paths.warehouse, "select count(*) from marts.quarantine") == [(0,)]
    checks = (
        "select count(*), count(distinct checked_at) from intermediate.int_quarantined_events "
        "where entity is null"
    )
    assert query(paths.warehouse, checks) == [(1, 1)]

    second = grade(paths, D, D)
    run_results = invocation_folder(second.run_id) / "run_results.json"
    results = json.loads(run_results.read_text())["results"]
    (code,) = [
        r["compiled_code"] for r in results if r["unique_id"].endswith(".int_quarantined_events")
    ]
    # each entity's select is limited to the rows staged since the last check, not `and true`
    assert code.count("staged_at > cast(") == 3, code
    assert query(paths.warehouse, checks) == [(1, 1)]  # the new check replaced the old one
    assert query(paths.warehouse, "select count(*) from marts.quarantine") == [(0,)]


def test_a_changed_macro_changes_the_fingerprint_of_stored_verdicts(tmp_path: Path) -> None:
    """stg_customers' `staged_version` and the quarantine's `events_version` include every
    project macro (project_macros_md5): a new release that changes how a reason is decided
    must check the stored rows again. Same code, same fingerprint; a changed model leaves it;
    a changed macro moves it."""
    project = dbt_project_copy(
        tmp_path,
        {
            "show_fingerprint.sql": "{% macro show_fingerprint() %}"
            "{{ print('FINGERPRINT ' ~ project_macros_md5()) }}"
            "{% endmacro %}\n"
        },
    )
    customers(tmp_path / "data", "C1")
    write(tmp_path / "data", "purchases-1.csv", HEADER)
    env = dbt_environment(
        tmp_path / "data", tmp_path / "wh.duckdb", tmp_path / "models", D, D, tmp_path / "target"
    )

    def fingerprint() -> str:
        printed = printed_by_operation(project, env, "show_fingerprint", "FINGERPRINT")
        assert re.fullmatch(r"[0-9a-f]{32}", printed), printed
        return printed

    def replace(relative: str, old: str, new: str) -> None:
        path = project / relative
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")

    first = fingerprint()
    assert fingerprint() == first
    # a model's own change is its own checksum's (model.raw_code)
    replace("models/marts/grade_summary.sql", "select", "select  ")
    assert fingerprint() == first
    # a new release words a reason differently
    replace("macros/quarantine.sql", "then 'missing {{", "then 'no {{")
    assert fingerprint() != first
