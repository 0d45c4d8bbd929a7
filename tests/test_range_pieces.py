"""A long range is graded as consecutive runs sized to the memory limit, with the same rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from dagster_project.cli import main
from dagster_project.demo_data import GenerationSummary
from dagster_project.range_pieces import (
    RangeSettingError,
    dates_per_run,
    estimated_dates_per_run,
    memory_limit_bytes,
    split_range,
)

from conftest import END_DATE, Grade, make_paths, query, range_run_args
from receivers import SmtpReceiver

# every row a run derives from earlier snapshots: grades (hysteresis), transitions, alert rules
COMPARED = {
    "grades": "select * from marts.customer_grades order by all",
    "hysteresis": "select * from intermediate.int_grade_hysteresis order by all",
    "transitions": "select * from marts.grade_transitions order by all",
    "alerts": "select * from intermediate.int_grade_alert_candidates order by all",
}


DELIVERED = "select alert_key, status from marts.grade_alerts order by all"


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


def test_a_range_in_pieces_gives_the_rows_of_one_run(
    landing: GenerationSummary,
    grade: Grade,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    smtp: SmtpReceiver,
) -> None:
    """Each piece reads the snapshots the previous piece wrote, as one run reads its own.

    Alerts too: with a delivery window of 0 days one run sends only its last date's alerts, and
    so must the pieces together (an earlier piece's last date is not "recent" in the range).
    """
    monkeypatch.setenv("GRADING_ALERT_URLS", smtp.apprise_url())
    monkeypatch.setenv("GRADING_ALERT_MAX_AGE_DAYS", "0")
    first, last = END_DATE - dt.timedelta(days=3), END_DATE
    whole = make_paths(landing.out_dir, tmp_path / "whole" / "grading.duckdb")
    pieces = make_paths(landing.out_dir, tmp_path / "pieces" / "grading.duckdb")
    grade(whole, first, last)
    digests_of_one_run = len(smtp.messages)
    code = main(
        [*range_run_args(first, last, landing.out_dir, pieces.warehouse), "--dates-per-run", "3"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert f"grading {first} .. {last} as 2 runs of at most 3 dates (--dates-per-run" in out
    assert f"graded {first} .. {last - dt.timedelta(days=1)} into" in out
    assert f"graded {last} .. {last} into" in out
    for name, sql in COMPARED.items():
        rows = query(whole.warehouse, sql)
        assert query(pieces.warehouse, sql) == rows, name
    sent = query(whole.warehouse, DELIVERED)
    assert query(pieces.warehouse, DELIVERED) == sent
    assert {status for _, status in sent} == {"sent", "pending"}
    assert len(smtp.messages) == 2 * digests_of_one_run > 0
    # the comparison covers rows that depend on the previous snapshot, not only fresh grades
    moves = query(
        whole.warehouse,
        "select count(*) from marts.grade_transitions where direction in ('upgrade', 'downgrade') "
        "and snapshot_date = ?",
        [last],
    )
    assert moves[0][0] > 0
    assert (
        query(whole.warehouse, "select count(*) from intermediate.int_grade_alert_candidates")[0][0]
        > 0
    )


def test_memory_limit_sizes_the_runs(landing: GenerationSummary) -> None:
    """The default 3 GB fits a year of 10,000 customers in one run, not of 100,000."""
    assert memory_limit_bytes("3GB") == 3 * 10**9
    assert memory_limit_bytes(" 512 MiB ") == 512 * 2**20
    assert estimated_dates_per_run(10_000, "3GB") == 375
    assert estimated_dates_per_run(100_000, "3GB") == 37
    assert estimated_dates_per_run(1_000_000, "3GB") == 3
    assert estimated_dates_per_run(1_000_000, "4MB") == 1
    size, why = dates_per_run(landing.out_dir)
    customers = landing.rows["customers"]
    assert size == estimated_dates_per_run(customers, "3GB")
    assert why == f"{customers:,} customers under GRADING_DUCKDB_MEMORY_LIMIT=3GB"


def test_split_range_covers_every_date_once_oldest_first() -> None:
    first = dt.date(2026, 1, 30)
    pieces = split_range(first, dt.date(2026, 2, 7), 4)
    assert pieces == [
        (dt.date(2026, 1, 30), dt.date(2026, 2, 2)),
        (dt.date(2026, 2, 3), dt.date(2026, 2, 6)),
        (dt.date(2026, 2, 7), dt.date(2026, 2, 7)),
    ]
    assert split_range(first, first, 30) == [(first, first)]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("GRADING_DATES_PER_RUN", "0", "GRADING_DATES_PER_RUN='0' is not a positive whole number"),
        ("GRADING_DATES_PER_RUN", "ten", "GRADING_DATES_PER_RUN='ten' is not a positive whole"),
        ("GRADING_DUCKDB_MEMORY_LIMIT", "3 gigs", "GRADING_DUCKDB_MEMORY_LIMIT='3 gigs' is not a"),
    ],
)
def test_bad_run_size_settings_are_refused_before_anything_runs(
    landing: GenerationSummary,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
    message: str,
) -> None:
    monkeypatch.setenv(variable, value)
    warehouse = tmp_path / "wh" / "grading.duckdb"
    code = main(
        range_run_args(END_DATE - dt.timedelta(days=1), END_DATE, landing.out_dir, warehouse)
    )
    assert code == 2
    assert message in capsys.readouterr().err
    assert not warehouse.exists()


def test_environment_setting_wins_over_the_estimate(
    landing: GenerationSummary, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADING_DATES_PER_RUN", "7")
    assert dates_per_run(landing.out_dir) == (7, "GRADING_DATES_PER_RUN")
    assert dates_per_run(landing.out_dir, requested=2) == (2, "--dates-per-run")
    with pytest.raises(RangeSettingError, match="--dates-per-run must be at least 1"):
        dates_per_run(landing.out_dir, requested=0)


def test_dates_per_run_needs_a_range(
    landing: GenerationSummary, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = tmp_path / "wh" / "grading.duckdb"
    args = ["--data", str(landing.out_dir), "--warehouse", str(warehouse)]
    code = main(["run", "--date", END_DATE.isoformat(), "--dates-per-run", "2", *args])
    assert code == 2
    assert "--dates-per-run goes with --start/--end" in capsys.readouterr().err
    assert not warehouse.exists()
