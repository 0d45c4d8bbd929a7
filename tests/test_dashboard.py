"""The managers' marts and dashboard on one graded warehouse.

One range run grades ten snapshot dates of the shared generated landing folder (transitions,
alerts and at-risk customers accumulate over them); the marts are reconciled against
customer_grades and grade_transitions with independent SQL, the date is graded again through
the CLI (same rows, the dashboard's path printed), and the HTML the run wrote is opened in
headless Chromium (Debian's package, `make browser`): no console errors, every chart of every
model present, Chinese text in the page, a screenshot per model in tests/artefacts/.
"""

from __future__ import annotations

import datetime as dt
import re
import stat
import subprocess
from pathlib import Path

import pytest
from browser import Chromium, find_chromium

from dagster_project.dashboard_data import (
    AtRiskRow,
    Dashboard,
    GradeRow,
    ModelDashboard,
    report_path,
)
from dagster_project.dashboard_html import CHART_KINDS, render_dashboard
from dagster_project.demo_data import GenerationSummary
from dagster_project.settings import PROJECT_ROOT, Paths

from conftest import END_DATE, make_paths, query

FIRST = END_DATE - dt.timedelta(days=9)
ARTEFACTS = PROJECT_ROOT / "tests" / "artefacts"
CJK = re.compile(r"[\u4e00-\u9fff]")

PER_DATE_MARTS = (
    "grade_summary",
    "grade_movements",
    "grade_movements_by_grade",
    "grade_transition_matrix",
    "at_risk_customers",
    "salesperson_portfolio",
)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, landing: GenerationSummary) -> Paths:
    from dagster_project.run_job import run_grading

    paths = make_paths(landing.out_dir, tmp_path_factory.mktemp("dash") / "grading.duckdb")
    assert run_grading(paths, FIRST, END_DATE, log_level="CRITICAL").success
    return paths


def mart_rows(paths: Paths, day: dt.date) -> dict[str, list[tuple]]:
    return {
        mart: query(
            paths.warehouse,
            f"select * from marts.{mart} where snapshot_date = ? order by all",
            [day],
        )
        for mart in PER_DATE_MARTS
    }


# -- the marts add up ---------------------------------------------------------------------------


def test_grade_summary_reconciles_with_customer_grades(graded: Paths) -> None:
    mismatches = query(
        graded.warehouse,
        """
        with truth as (
            select snapshot_date, grading_model, grade, count(*) as customers,
                sum(coalesce(purchase_value_12m, 0)) as revenue, avg(score) as avg_score
            from marts.customer_grades group by all
        ),
        scale as (
            select d.snapshot_date, d.grading_model, g.grade
            from (select distinct snapshot_date, grading_model from marts.customer_grades) d
            join staging.stg_model_grades g using (grading_model)
        )
        select scale.*, s.customers, truth.customers, s.revenue_12m, truth.revenue
        from scale
        left join truth using (snapshot_date, grading_model, grade)
        full join marts.grade_summary s using (snapshot_date, grading_model, grade)
        where s.customers is distinct from coalesce(truth.customers, 0)
            or abs(s.revenue_12m - coalesce(truth.revenue, 0)) > 0.005
            or abs(coalesce(s.avg_score, -1) - coalesce(truth.avg_score, -1)) > 1e-9
        """,
    )
    assert mismatches == []
    shares = query(
        graded.warehouse,
        """
        select snapshot_date, grading_model, sum(customer_share), sum(revenue_share),
            max(cumulative_customer_share), max(cumulative_revenue_share), count(*)
        from marts.grade_summary group by all
        """,
    )
    assert len(shares) == 10 * 3  # ten dates, three shipped models
    for *_, customer_share, revenue_share, cum_customers, cum_revenue, _ in shares:
        assert customer_share == pytest.approx(1.0)
        assert revenue_share == pytest.approx(1.0)
        assert cum_customers == pytest.approx(1.0) and cum_revenue == pytest.approx(1.0)


def test_movements_reconcile_with_grade_transitions(graded: Paths) -> None:
    by_direction = query(
        graded.warehouse,
        """
        with truth as (
            select snapshot_date, grading_model,
                count(*) filter (where direction = 'upgrade') as up,
                count(*) filter (where direction = 'downgrade') as down,
                count(*) filter (where direction = 'unchanged') as same,
                count(*) filter (where direction = 'new') as new,
                count(*) filter (where direction = 'exited') as gone
            from marts.grade_transitions group by all
        )
        select t.*, m.upgrades, m.downgrades, m.unchanged, m.new_customers, m.exited_customers
        from truth t full join marts.grade_movements m using (snapshot_date, grading_model)
        order by all
        """,
    )
    assert len(by_direction) == 30
    for _, _, up, down, same, new, gone, *mart in by_direction:
        assert (up, down, same, new, gone) == tuple(mart)
    totals = query(
        graded.warehouse,
        "select sum(upgrades), sum(downgrades) from marts.grade_movements where snapshot_date > ?",
        [FIRST],
    )[0]
    assert totals[0] > 0 and totals[1] > 0, "the story must move customers both ways"

    # per grade: now = stayed + arrivals, before = stayed + departures, both equal to the
    # grade counts of customer_grades at the snapshot and at the previous snapshot
    per_grade = query(
        graded.warehouse,
        """
        select b.snapshot_date, b.grading_model, b.grade,
            b.customers, b.stayed + b.upgraded_in + b.downgraded_in + b.new_customers,
            coalesce(now.n, 0),
            b.previous_customers,
            b.stayed + b.upgraded_out + b.downgraded_out + b.exited_customers,
            coalesce(before.n, 0)
        from marts.grade_movements_by_grade b
        join marts.grade_movements m using (snapshot_date, grading_model)
        left join (select snapshot_date, grading_model, grade, count(*) n
                   from marts.customer_grades group by all) now
            using (snapshot_date, grading_model, grade)
        left join (select snapshot_date, grading_model, grade, count(*) n
                   from marts.customer_grades group by all) before
            on before.snapshot_date = m.previous_snapshot_date
            and before.grading_model = b.grading_model and before.grade = b.grade
        """,
    )
    assert per_grade
    for *key, now, arrivals, truth_now, before, departures, truth_before in per_grade:
        assert now == arrivals == truth_now, key
        assert before == departures == truth_before, key

    cells = query(
        graded.warehouse,
        """
        select t.snapshot_date, t.grading_model, t.previous_grade, t.grade, count(*),
            any_value(x.customers)
        from marts.grade_transitions t
        left join marts.grade_transition_matrix x
            on x.snapshot_date = t.snapshot_date and x.grading_model = t.grading_model
            and x.from_grade is not distinct from t.previous_grade
            and x.to_grade is not distinct from t.grade
        group by all
        """,
    )
    assert cells and all(count == cell for *_, count, cell in cells)
    (matrix_rows,) = query(graded.warehouse, "select count(*) from marts.grade_transition_matrix")[
        0
    ]
    assert matrix_rows == len(cells)


def test_at_risk_list_is_the_risk_alerts_of_the_window(graded: Paths) -> None:
    expected = query(
        graded.warehouse,
        """
        select distinct g.snapshot_date, g.grading_model, g.customer_id
        from marts.customer_grades g
        join marts.grade_alerts a
            on a.grading_model = g.grading_model and a.customer_id = g.customer_id
            and a.snapshot_date between g.snapshot_date - interval 29 day and g.snapshot_date
        where a.rule in ('decline_streak', 'decline_pct', 'key_account_inactivity')
        order by all
        """,
    )
    actual = query(
        graded.warehouse,
        "select snapshot_date, grading_model, customer_id from marts.at_risk_customers "
        "order by all",
    )
    assert actual == expected
    assert len(actual) > 0, "the generated history must put someone at risk"


def test_salesperson_portfolio_reconciles(graded: Paths) -> None:
    mismatches = query(
        graded.warehouse,
        """
        with truth as (
            select g.snapshot_date, g.grading_model, g.owner_id, g.grade, count(*) as customers,
                sum(coalesce(g.purchase_value_12m, 0)) as revenue,
                count(r.customer_id) as at_risk
            from marts.customer_grades g
            left join marts.at_risk_customers r using (snapshot_date, grading_model, customer_id)
            group by all
        ),
        alerts as (
            select g.snapshot_date, g.grading_model, g.owner_id, g.grade, count(*) as alerts
            from marts.customer_grades g
            join marts.grade_alerts a
                on a.grading_model = g.grading_model and a.customer_id = g.customer_id
                and a.snapshot_date between g.snapshot_date - interval 29 day and g.snapshot_date
            group by all
        )
        select p.*, truth.customers, truth.at_risk, alerts.alerts
        from marts.salesperson_portfolio p
        left join truth
            on truth.snapshot_date = p.snapshot_date and truth.grading_model = p.grading_model
            and truth.owner_id is not distinct from p.owner_id and truth.grade = p.grade
        left join alerts
            on alerts.snapshot_date = p.snapshot_date and alerts.grading_model = p.grading_model
            and alerts.owner_id is not distinct from p.owner_id and alerts.grade = p.grade
        where p.customers <> coalesce(truth.customers, 0)
            or abs(p.revenue_12m - coalesce(truth.revenue, 0)) > 0.005
            or p.at_risk_customers <> coalesce(truth.at_risk, 0)
            or p.open_alerts <> coalesce(alerts.alerts, 0)
        """,
    )
    assert mismatches == []
    (customers, graded_rows, open_alerts) = query(
        graded.warehouse,
        "select sum(customers), (select count(*) from marts.customer_grades), sum(open_alerts) "
        "from marts.salesperson_portfolio",
    )[0]
    assert customers == graded_rows and open_alerts > 0


def test_regrading_a_date_through_the_cli_gives_the_same_rows_and_prints_the_dashboard(
    graded: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    from dagster_project.cli import main

    before = mart_rows(graded, END_DATE)
    code = main(
        [
            "run", "--date", END_DATE.isoformat(), "--data", str(graded.data_dir),
            "--warehouse", str(graded.warehouse), "--models", str(graded.models_dir),
        ]
    )  # fmt: skip
    assert code == 0
    assert f"Dashboard: {report_path(graded)}" in capsys.readouterr().out
    assert mart_rows(graded, END_DATE) == before


# -- the dashboard ------------------------------------------------------------------------------


def test_dashboard_asset_links_the_file_and_rewrites_it_atomically(graded: Paths) -> None:
    from dagster import materialize

    from dagster_project.assets.report_assets import grade_dashboard
    from dagster_project.resources import GradingResource

    path = report_path(graded)
    stale = path.with_name(".dashboard.html.crashed.tmp")
    stale.write_text("a crashed writer's leftover must not be what readers see")
    result = materialize(
        [grade_dashboard],
        partition_key=END_DATE.isoformat(),
        resources={
            "grading": GradingResource(
                data_dir=str(graded.data_dir),
                warehouse=str(graded.warehouse),
                models_dir=str(graded.models_dir),
            )
        },
    )
    assert result.success
    (event,) = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    assert metadata["path"].value == str(path)
    assert metadata["url"].value == path.as_uri()
    assert set(metadata["models"].value) == {
        "default_abc", "east_region_rfm", "published_tech_sabcd"
    }  # fmt: skip
    assert metadata["size_bytes"].value == len(path.read_bytes())
    # only the new file and the unrelated leftover; no temp file of this write remains
    assert sorted(p.name for p in path.parent.iterdir()) == [stale.name, path.name]
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_dashboard_is_self_contained_and_small(graded: Paths) -> None:
    page = report_path(graded).read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in page
    assert len(page.encode()) < 1_000_000
    # nothing fetched at view time: no external script, stylesheet, image or font
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", page)
    assert not re.search(r"url\(|@import", page)
    assert set(re.findall(r"https?://[^\s\"'<]+", page)) <= {"http://www.w3.org/2000/svg"}
    assert "Noto Sans CJK SC" in page


def test_dashboard_in_headless_chromium(graded: Paths) -> None:
    chromium = find_chromium()
    assert chromium, "chromium is not installed: run `make browser`"
    cjk_font = subprocess.run(
        ["fc-match", "--format=%{family}", "Noto Sans CJK SC"], capture_output=True, text=True
    ).stdout
    assert "CJK" in cjk_font, f"no CJK font installed ({cjk_font!r}): run `make browser`"
    models = [
        m
        for (m,) in query(
            graded.warehouse, "select distinct grading_model from marts.grade_summary order by 1"
        )
    ]
    chinese_at_risk = [
        name
        for (name,) in query(
            graded.warehouse,
            "select customer_name from marts.at_risk_customers "
            "where snapshot_date = ? and grading_model = 'default_abc' "
            "order by purchase_value_12m desc nulls last, customer_id limit 25",
            [END_DATE],
        )
        if name and CJK.search(name)
    ]
    assert chinese_at_risk, "the generated at-risk list should hold Chinese customer names"
    ARTEFACTS.mkdir(parents=True, exist_ok=True)

    with Chromium(chromium) as browser:
        browser.open(report_path(graded))
        options = browser.evaluate(
            "Array.from(document.querySelectorAll('#model-select option')).map(o => o.value)"
        )
        assert options == models
        for model in models:
            browser.evaluate(
                f"(() => {{ const s = document.getElementById('model-select'); s.value = "
                f"{model!r}; s.dispatchEvent(new Event('change')); }})()"
            )
            shown = browser.evaluate(
                "Array.from(document.querySelectorAll('section.model'))"
                ".filter(s => !s.hidden).map(s => s.dataset.model)"
            )
            assert shown == [model]
            section = f"document.querySelector('section.model[data-model=\"{model}\"]')"
            charts = browser.evaluate(
                f"Array.from({section}.querySelectorAll('figure.chart')).map(f => [f.dataset.chart,"
                " f.getBoundingClientRect().height, f.querySelectorAll('svg').length,"
                " f.querySelectorAll('rect.bar, circle.point, polyline.series, td').length])"
            )
            assert [kind for kind, *_ in charts] == list(CHART_KINDS), model
            for kind, height, _svgs, marks in charts:
                assert height > 50 and marks > 0, (model, kind, height, marks)
            grades = query(
                graded.warehouse,
                "select count(*) from staging.stg_model_grades where grading_model = ?",
                [model],
            )[0][0]
            points = browser.evaluate(
                f"{section}.querySelectorAll('[data-chart=contribution] circle.point').length"
            )
            assert points == grades
            dimensions = query(
                graded.warehouse,
                "select count(distinct dimension) from marts.customer_dimension_scores "
                "where grading_model = ? and snapshot_date = ? and node_type = 'dimension'",
                [model, END_DATE],
            )[0][0]
            histograms = browser.evaluate(
                f"{section}.querySelectorAll('[data-chart=dimension-scores] svg').length"
            )
            assert histograms == dimensions > 0
            shot = browser.screenshot(ARTEFACTS / f"dashboard-{model}.png")
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000

        text = browser.evaluate("document.body.innerText")
        assert "等级分布" in text and "风险客户" in text
        browser.evaluate(
            "(() => { const s = document.getElementById('model-select'); s.value = "
            "'default_abc'; s.dispatchEvent(new Event('change')); })()"
        )
        visible_text = browser.evaluate("document.body.innerText")
        for name in chinese_at_risk:
            assert name in visible_text
    assert browser.problems.all == []


def test_renderer_escapes_names_and_handles_a_model_without_movements() -> None:
    model = ModelDashboard(grading_model="m<1>", as_of=dt.date(2026, 1, 1))
    model.grades = [GradeRow("A&B", 1, 2, 1.0, 10.0, 1.0, 50.0, 1.0, 1.0)]
    model.at_risk = [
        AtRiskRow("c1", "<script>alert(1)</script> 北京", None, "A&B", 1.0, None, "decline_pct",
                  dt.date(2026, 1, 1), "score fell")
    ]  # fmt: skip
    model.at_risk_total = 1
    page = render_dashboard(Dashboard(dt.datetime(2026, 1, 1), Path("w.duckdb"), [model]))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 北京" in page
    assert 'data-model="m&lt;1&gt;"' in page
    assert page.count("<figure") == len(CHART_KINDS)
    assert "One snapshot so far" in page
