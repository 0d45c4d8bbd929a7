"""Tests for the demo-data generator.

The pipeline's tests lean on this data, so these pin the properties they rely on: identical bytes
for identical arguments, the exact landing-folder contract, and bad-row counts that match the
files, so a rejection count in the warehouse can be asserted against ``GenerationSummary``.
"""

import csv
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dagster_project.demo_data import COLUMNS, ENTITIES, GenerationSummary, generate, main

END = date(2026, 11, 22)


def _read_sql(out_dir: Path, entity: str, fmt: str = "csv") -> str:
    if fmt == "csv":
        return f"read_csv('{out_dir}/{entity}*.csv', all_varchar = true, header = true)"
    return f"read_parquet('{out_dir}/{entity}*.parquet')"


def _connect(out_dir: Path, fmt: str = "csv") -> duckdb.DuckDBPyConnection:
    """Load every entity once; re-reading the globs per query would dominate test time."""
    con = duckdb.connect()
    for entity in ENTITIES:
        con.execute(f"CREATE TABLE {entity} AS SELECT * FROM {_read_sql(out_dir, entity, fmt)}")
    return con


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row


def _files(out_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out_dir.iterdir())}


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary]:
    """2,000 customers in three chunks: big enough for shares and every bad-row kind."""
    out = tmp_path_factory.mktemp("landing")
    return out, generate(out, customers=2000, seed=7, chunk_customers=700)


@pytest.fixture(scope="module")
def landing_db(landing: tuple[Path, GenerationSummary]) -> duckdb.DuckDBPyConnection:
    """The landing folder loaded into DuckDB once for the read-only checks."""
    return _connect(landing[0])


def test_same_arguments_give_byte_identical_files(tmp_path: Path) -> None:
    kwargs = {"customers": 300, "years": 1.0, "seed": 3, "chunk_customers": 120}
    first = generate(tmp_path / "a", **kwargs)
    second = generate(tmp_path / "b", **kwargs)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a == b
    assert first.rows == second.rows and first.bad_rows == second.bad_rows
    assert {"purchases-00001.csv", "purchases-00003.csv", "salespeople.csv"} <= set(a)

    generate(tmp_path / "c", **{**kwargs, "seed": 4})
    assert _files(tmp_path / "c")["purchases-00001.csv"] != a["purchases-00001.csv"]


def test_csv_headers_are_exactly_the_contract(
    landing: tuple[Path, GenerationSummary], landing_db: duckdb.DuckDBPyConnection
) -> None:
    out, summary = landing
    for entity in ENTITIES:
        parts = sorted(out.glob(f"{entity}*.csv"))
        assert parts, entity
        for part in parts:
            with part.open(encoding="utf-8", newline="") as f:
                assert tuple(next(csv.reader(f))) == COLUMNS[entity], part.name
    for entity in ENTITIES:
        assert _one(landing_db, f"SELECT count(*) FROM {entity}")[0] == summary.rows[entity]


def test_parquet_has_the_same_columns_and_values_as_csv(tmp_path: Path) -> None:
    kwargs = {"customers": 400, "years": 1.0, "seed": 11, "chunk_customers": 250}
    generate(tmp_path / "csv", fmt="csv", **kwargs)
    summary = generate(tmp_path / "parquet", fmt="parquet", **kwargs)
    con = duckdb.connect()
    for entity in ENTITIES:
        parts = sorted((tmp_path / "parquet").glob(f"{entity}*.parquet"))
        assert parts, entity
        for part in parts:
            schema = pq.read_schema(part)
            assert tuple(schema.names) == COLUMNS[entity]
            assert all(field.type == pa.string() for field in schema)
        from_csv = _read_sql(tmp_path / "csv", entity)
        from_parquet = _read_sql(tmp_path / "parquet", entity, "parquet")
        assert _one(con, f"SELECT count(*) FROM {from_parquet}")[0] == summary.rows[entity]
        for left, right in ((from_csv, from_parquet), (from_parquet, from_csv)):
            diff = _one(con, f"SELECT count(*) FROM (FROM {left} EXCEPT ALL FROM {right})")
            assert diff == (0,), entity


def _defects(con: duckdb.DuckDBPyConnection, end: date) -> dict[str, dict[str, int]]:
    """Every defect the generator plants, counted from the files alone."""
    after_end = f"DATE '{end + timedelta(days=1)}'"
    known = "(SELECT customer_id FROM customers WHERE customer_id IS NOT NULL)"
    purchases = _one(
        con,
        f"""
        SELECT
            count(*) FILTER (WHERE purchase_id IS NULL),
            count(purchase_id) - count(DISTINCT purchase_id),
            count(*) FILTER (WHERE customer_id IS NULL),
            count(*) FILTER (WHERE customer_id NOT IN {known}),
            count(*) FILTER (WHERE try_cast(amount AS DECIMAL(18, 2)) IS NULL),
            count(*) FILTER (WHERE try_cast(amount AS DECIMAL(18, 2)) < 0),
            count(*) FILTER (WHERE try_cast(purchased_at AS TIMESTAMP) IS NULL),
            count(*) FILTER (WHERE try_cast(purchased_at AS TIMESTAMP) >= {after_end})
        FROM purchases
        """,
    )
    payments = _one(
        con,
        f"""
        SELECT
            count(*) FILTER (WHERE try_cast(due_date AS DATE) IS NULL),
            count(*) FILTER (WHERE try_cast(amount AS DECIMAL(18, 2)) < 0),
            count(*) FILTER (WHERE customer_id NOT IN {known})
        FROM payments
        """,
    )
    interactions = _one(
        con,
        f"""
        SELECT
            count(*) FILTER (WHERE customer_id NOT IN {known}),
            count(*) FILTER (WHERE try_cast(occurred_at AS TIMESTAMP) IS NULL)
        FROM interactions
        """,
    )
    customers = _one(
        con,
        """
        SELECT count(*) - count(customer_id), count(customer_id) - count(DISTINCT customer_id)
        FROM customers
        """,
    )
    names = {
        "purchases": (
            "empty_id", "duplicate_id", "empty_customer", "unknown_customer",
            "non_numeric_amount", "negative_amount", "bad_timestamp", "future",
        ),
        "payments": ("bad_due_date", "negative_amount", "unknown_customer"),
        "interactions": ("unknown_customer", "bad_timestamp"),
        "customers": ("empty_id", "duplicate_id"),
    }  # fmt: skip
    counts = {"purchases": purchases, "payments": payments, "interactions": interactions}
    counts["customers"] = customers
    return {entity: dict(zip(names[entity], counts[entity], strict=True)) for entity in names}


def test_bad_row_counts_match_the_files(
    landing: tuple[Path, GenerationSummary], landing_db: duckdb.DuckDBPyConnection
) -> None:
    summary = landing[1]
    defects = _defects(landing_db, summary.end_date)
    for entity, kinds in defects.items():
        # Each bad row carries exactly one defect, so the kinds add up to the summary's count.
        assert sum(kinds.values()) == summary.bad_rows[entity], (entity, kinds)
        assert all(n >= 1 for n in kinds.values()), (entity, kinds)
    assert defects["customers"]["empty_id"] == 1
    assert summary.bad_rows["salespeople"] == 0
    # ~0.1%: a floor of one per kind, not a flood.
    assert summary.bad_rows["purchases"] <= max(8, 0.002 * summary.rows["purchases"])


def test_without_bad_rows_the_files_are_clean(tmp_path: Path) -> None:
    summary = generate(tmp_path, customers=300, years=1.0, seed=5, bad_rows=False)
    assert set(summary.bad_rows.values()) == {0}
    for entity, kinds in _defects(_connect(tmp_path), summary.end_date).items():
        assert set(kinds.values()) == {0}, (entity, kinds)


def test_nothing_happens_outside_the_window(
    landing: tuple[Path, GenerationSummary], landing_db: duckdb.DuckDBPyConnection
) -> None:
    summary = landing[1]
    assert summary.end_date == END
    assert summary.start_date == END - timedelta(days=730 - 1)
    start, after_end = f"DATE '{summary.start_date}'", f"DATE '{END + timedelta(days=1)}'"
    for entity, column in (("purchases", "purchased_at"), ("interactions", "occurred_at")):
        # Unparseable and 2099 rows are the counted bad ones; everything else is in the window.
        ts = f"try_cast({column} AS TIMESTAMP)"
        outside = _one(
            landing_db,
            f"SELECT count(*) FROM {entity} WHERE {ts} < {start} "
            f"OR ({ts} >= {after_end} AND year({ts}) <> 2099)",
        )
        assert outside == (0,), entity
    assert (
        _one(landing_db, "SELECT count(*) FROM purchases WHERE purchased_at LIKE '2099-%'")[0] >= 1
    )
    late_payment = _one(
        landing_db,
        f"SELECT count(*) FROM payments WHERE try_cast(paid_at AS TIMESTAMP) >= {after_end}",
    )
    assert late_payment == (0,)
    # Payments still open at end_date are there, and unpaid rather than paid in the future.
    open_items = _one(
        landing_db,
        f"SELECT count(*) FROM payments WHERE try_cast(due_date AS DATE) >= {after_end} "
        "AND paid_at IS NULL",
    )
    assert open_items[0] > 0
    assert _one(
        landing_db, f"SELECT count(*) FROM customers WHERE partnership_start::DATE >= {after_end}"
    ) == (0,)
    # New customers buy only once the partnership has started.
    before_partnership = _one(
        landing_db,
        """
        SELECT count(*) FROM purchases p JOIN customers c USING (customer_id)
        WHERE try_cast(p.purchased_at AS DATE) < c.partnership_start::DATE
        """,
    )
    assert before_partnership == (0,)


def test_value_is_concentrated_in_top_customers(
    landing_db: duckdb.DuckDBPyConnection,
) -> None:
    share, never_bought, per_year = _one(
        landing_db,
        """
        WITH value AS (
            SELECT c.customer_id,
                   coalesce(sum(try_cast(p.amount AS DOUBLE))
                       FILTER (WHERE p.status = 'completed'), 0) AS value,
                   count(p.purchase_id) AS purchases
            FROM (SELECT DISTINCT customer_id FROM customers WHERE customer_id IS NOT NULL) c
            LEFT JOIN purchases p USING (customer_id)
            GROUP BY 1
        ), ranked AS (
            SELECT *, row_number() OVER (ORDER BY value DESC) AS rank, count(*) OVER () AS n
            FROM value
        )
        SELECT sum(value) FILTER (WHERE rank <= 0.2 * n) / sum(value),
               avg((purchases = 0)::INT),
               avg(purchases) / 2
        FROM ranked
        """,
    )
    assert share > 0.5
    assert 0.005 < never_bought < 0.08
    assert 7 < per_year < 13


def test_payments_follow_purchases(landing_db: duckdb.DuckDBPyConnection) -> None:
    deposits, late = _one(
        landing_db,
        """
        SELECT avg((purchase_id IS NULL)::INT),
               avg((try_cast(paid_at AS DATE) > due_date::DATE)::INT)
        FROM payments WHERE try_cast(due_date AS DATE) IS NOT NULL
        """,
    )
    assert 0.005 < deposits < 0.05
    assert 0.03 < late < 0.25
    mismatched = _one(
        landing_db,
        """
        SELECT count(*) FROM payments y JOIN purchases p USING (purchase_id)
        WHERE y.customer_id <> p.customer_id
           OR try_cast(y.due_date AS DATE) < try_cast(p.purchased_at AS DATE) + 30
        """,
    )
    assert mismatched == (0,)


def test_chinese_names_round_trip_as_utf8(
    landing: tuple[Path, GenerationSummary], landing_db: duckdb.DuckDBPyConnection
) -> None:
    out = landing[0]
    names = []
    for part in sorted(out.glob("customers*.csv")):
        part.read_bytes().decode("utf-8")  # strict: raises on anything that is not UTF-8
        with part.open(encoding="utf-8", newline="") as f:
            names += [row["customer_name"] for row in csv.DictReader(f)]
    chinese = [n for n in names if any("\u4e00" <= ch <= "\u9fff" for ch in n)]
    assert 0.6 < len(chinese) / len(names) < 0.8
    assert any(n.endswith("有限公司") for n in chinese)
    # Commas inside names survive standard quoting.
    assert any(n.endswith("Co., Ltd.") for n in names)
    rows = landing_db.execute("SELECT customer_name FROM customers").fetchall()
    from_duckdb = {r[0] for r in rows}
    assert set(chinese) <= from_duckdb


def test_rerun_with_fewer_customers_leaves_no_stale_parts(tmp_path: Path) -> None:
    generate(tmp_path / "landing", customers=900, years=0.5, chunk_customers=300)
    assert len(list((tmp_path / "landing").glob("purchases*.csv"))) == 3
    keep = tmp_path / "landing" / "README.txt"
    keep.write_text("not ours")

    generate(tmp_path / "landing", customers=200, years=0.5, chunk_customers=300)
    generate(tmp_path / "fresh", customers=200, years=0.5, chunk_customers=300)
    rerun = _files(tmp_path / "landing")
    assert rerun.pop("README.txt") == b"not ours"
    assert rerun == _files(tmp_path / "fresh")
    assert sorted(rerun) == sorted(
        ["salespeople.csv"] + [f"{e}-00001.csv" for e in ENTITIES if e != "salespeople"]
    )


def test_cli_writes_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    argv = ["--out", str(out), "--customers", "150", "--years", "0.5", "--seed", "9"]
    argv += ["--end-date", "2025-06-30", "--format", "parquet", "--no-bad-rows"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "2025-06-30" in printed and "purchases" in printed
    assert sorted(p.name for p in out.glob("*.parquet"))[0] == "customers-00001.parquet"
    con = _connect(out, "parquet")
    latest = _one(con, "SELECT max(purchased_at::TIMESTAMP) FROM purchases")[0]
    assert latest.date() <= date(2025, 6, 30)
    assert _one(con, "SELECT count(*) FROM customers")[0] == 150


def test_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path, customers=0)
    with pytest.raises(ValueError):
        generate(tmp_path, fmt="xlsx")
