"""The real pipeline on generated data: Dagster job -> dbt -> DuckDB, checked table by table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dagster_project.demo_data import GenerationSummary
from dagster_project.settings import Paths

from conftest import END_DATE, Grade, make_paths, query

D1 = END_DATE - dt.timedelta(days=7)
D2 = END_DATE

GRADES_SQL = """
    select snapshot_date, grading_model, customer_id, score, grade, grade_rank, model_version
    from marts.customer_grades order by all
"""
DIMENSIONS_SQL = """
    select snapshot_date, grading_model, customer_id, dimension, metric_value, score, weight,
           weighted_score
    from marts.customer_dimension_scores order by all
"""


@pytest.fixture(scope="module")
def two_dates(tmp_path_factory: pytest.TempPathFactory, landing: GenerationSummary) -> Paths:
    from dagster_project.run_job import run_grading

    paths = make_paths(landing.out_dir, tmp_path_factory.mktemp("wh") / "grading.duckdb")
    for day in (D1, D2):
        assert run_grading(paths, day, day).success
    return paths


def test_every_customer_in_scope_is_graded_at_both_dates(two_dates: Paths) -> None:
    customers = query(
        two_dates.warehouse,
        "select count(*), count(*) filter (where region = 'East'), "
        "count(*) filter (where industry = 'Technology') from intermediate.int_customers",
    )[0]
    counts = dict(
        ((d, m), n)
        for d, m, n in query(
            two_dates.warehouse,
            "select snapshot_date, grading_model, count(*) from marts.customer_grades group by all",
        )
    )
    for day in (D1, D2):
        assert counts[(day, "default_abc")] == customers[0]
        assert counts[(day, "east_region_rfm")] == customers[1]
        assert counts[(day, "published_tech_sabcd")] == customers[2]
    assert customers[1] < customers[0] and customers[2] < customers[0]


def test_customers_without_purchases_are_graded(two_dates: Paths) -> None:
    rows = query(
        two_dates.warehouse,
        """
        select count(*) from marts.customer_grades g
        where g.grading_model = 'default_abc' and g.snapshot_date = ?
          and g.customer_id not in (
              select customer_id from intermediate.int_customer_daily_activity
              where purchase_count > 0 and activity_date <= ?)
        """,
        [D2, D2],
    )
    assert rows[0][0] > 0


def test_dimension_rows_cover_every_node_and_add_up(two_dates: Paths) -> None:
    nodes = dict(
        query(
            two_dates.warehouse,
            "select grading_model, count(*) from staging.stg_model_nodes group by all",
        )
    )
    per_customer = query(
        two_dates.warehouse,
        "select grading_model, count(*) / count(distinct customer_id || snapshot_date) "
        "from marts.customer_dimension_scores group by all",
    )
    for model, ratio in per_customer:
        assert ratio == nodes[model]
    # the root's score is the composite in customer_grades
    mismatches = query(
        two_dates.warehouse,
        """
        select count(*) from marts.customer_grades g
        join marts.customer_dimension_scores d using (snapshot_date, grading_model, customer_id)
        where d.dimension = 'total' and abs(round(d.score, 6) - g.score) > 1e-9
        """,
    )
    assert mismatches[0][0] == 0
    # a weighted group's score is the sum of its parts' weight * score
    off = query(
        two_dates.warehouse,
        """
        select count(*) from (
            select p.snapshot_date, p.grading_model, p.customer_id, p.dimension, p.score,
                   sum(c.weight * c.score) as parts
            from marts.customer_dimension_scores p
            join staging.stg_model_nodes n
              on n.grading_model = p.grading_model and n.node_id = p.node_id
            join marts.customer_dimension_scores c
              on c.snapshot_date = p.snapshot_date and c.grading_model = p.grading_model
             and c.customer_id = p.customer_id and c.parent_dimension = p.dimension
            where n.combine = 'weighted'
            group by all
        ) where abs(score - parts) > 1e-6
        """,
    )
    assert off[0][0] == 0


def test_node_scores_are_stored_once_and_read_for_the_run_dates(two_dates: Paths) -> None:
    """The history table is where node scores are computed and kept; int_node_scores, what the
    grades are built from, shows only the last run's date of it, not a second copy of history."""
    kinds = dict(
        query(
            two_dates.warehouse,
            "select table_name, table_type from information_schema.tables "
            "where table_schema = 'intermediate' and table_name like 'int_node_score%'",
        )
    )
    assert kinds == {"int_node_score_history": "BASE TABLE", "int_node_scores": "VIEW"}
    dates = dict(
        query(
            two_dates.warehouse,
            """
            select 'history', list(distinct snapshot_date order by snapshot_date)
            from intermediate.int_node_score_history
            union all
            select 'run', list(distinct snapshot_date order by snapshot_date)
            from intermediate.int_node_scores
            """,
        )
    )
    assert dates == {"history": [D1, D2], "run": [D2]}


def test_top_share_grades_split_the_population(two_dates: Paths) -> None:
    shares = dict(
        query(
            two_dates.warehouse,
            "select grade, count(*) * 1.0 / sum(count(*)) over () from marts.customer_grades "
            "where grading_model = 'default_abc' and snapshot_date = ? group by grade",
            [D2],
        )
    )
    # A = top 20%, B = next to 50%; ties can only make a grade smaller, never larger
    assert 0.15 < shares["A"] <= 0.20
    assert shares["A"] + shares["B"] <= 0.50


def test_published_model_never_reaches_s_or_a(two_dates: Paths) -> None:
    rows = query(
        two_dates.warehouse,
        "select max(score), count(*) filter (where grade in ('S', 'A')), "
        "count(distinct grade) from marts.customer_grades "
        "where grading_model = 'published_tech_sabcd'",
    )[0]
    assert rows[0] <= 72 and rows[1] == 0 and rows[2] >= 2


def test_quarantine_holds_every_deliberately_bad_row(
    two_dates: Paths, landing: GenerationSummary
) -> None:
    counted = dict(
        query(two_dates.warehouse, "select entity, count(*) from marts.quarantine group by all")
    )
    for entity, bad in landing.bad_rows.items():
        assert counted.get(entity, 0) == bad, entity
    reasons = {
        r for (r,) in query(two_dates.warehouse, "select distinct reason from marts.quarantine")
    }
    assert {"unknown customer_id", "negative amount", "non-numeric amount"} <= reasons


def test_rerunning_a_date_is_idempotent(two_dates: Paths, grade: Grade) -> None:
    before = query(two_dates.warehouse, GRADES_SQL)
    dims_before = query(two_dates.warehouse, DIMENSIONS_SQL)
    grade(two_dates, D1, D1)
    assert query(two_dates.warehouse, GRADES_SQL) == before
    assert query(two_dates.warehouse, DIMENSIONS_SQL) == dims_before


def test_rerun_with_fewer_models_leaves_no_stale_rows(
    two_dates: Paths, grade: Grade, tmp_path: Path
) -> None:
    only_default = tmp_path / "models"
    only_default.mkdir()
    (only_default / "default_abc.yml").write_bytes(
        (two_dates.models_dir / "default_abc.yml").read_bytes()
    )
    paths = make_paths(two_dates.data_dir, two_dates.warehouse, only_default)
    grade(paths, D2, D2)
    models_by_date = dict(
        query(
            paths.warehouse,
            "select snapshot_date, count(distinct grading_model) from marts.customer_grades "
            "group by all",
        )
    )
    assert models_by_date == {D1: 3, D2: 1}
    dims = dict(
        query(
            paths.warehouse,
            "select snapshot_date, count(distinct grading_model) "
            "from marts.customer_dimension_scores group by all",
        )
    )
    assert dims == {D1: 3, D2: 1}


def test_explain_names_dimensions_and_distance(
    two_dates: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    from dagster_project.cli import main

    customer = query(
        two_dates.warehouse,
        "select customer_id from marts.customer_grades where grading_model = 'east_region_rfm' "
        "and snapshot_date = ? and grade = 'B' limit 1",
        [D1],
    )[0][0]
    code = main(
        [
            "explain",
            customer,
            "--date",
            D1.isoformat(),
            "--model",
            "east_region_rfm",
            "--warehouse",
            str(two_dates.warehouse),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "grade B" in out and "points below grade A" in out and "points above dropping" in out
    for dimension in ("recency", "frequency", "monetary"):
        assert dimension in out
    assert main(["explain", "NOPE", "--warehouse", str(two_dates.warehouse)]) == 2


def test_metrics_table_has_exactly_the_catalogue_columns(two_dates: Paths) -> None:
    import csv

    from dagster_project.settings import SEEDS_DIR

    with open(SEEDS_DIR / "metric_catalogue.csv", encoding="utf-8") as handle:
        catalogue = [row["metric"] for row in csv.DictReader(handle)]
    columns = query(
        two_dates.warehouse,
        "select column_name from information_schema.columns "
        "where table_schema = 'intermediate' and table_name = 'int_customer_metrics' "
        "order by ordinal_position",
    )
    assert [c for (c,) in columns] == ["snapshot_date", "customer_id", *catalogue]
