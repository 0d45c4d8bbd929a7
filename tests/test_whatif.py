"""Overrides, simulate, backtest and explain --history on one real graded warehouse.

The landing set is the session's generated folder plus engineered rows: a customer with one huge
purchase (a decliner whose 12-month value drops to nothing exactly 365 days later), a customer
without purchases whose grade is pinned by an override, and overrides that must be quarantined.
One date is graded with the shipped models, the next date with a changed copy (new weights in
default_abc, a raised A threshold in east_region_rfm), so the history holds a rule change. Every
what-if command then runs once (module fixture) between two fingerprints of the live tables.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from dagster_project.backtest import Backtest, backtest, format_backtest, write_backtest
from dagster_project.cli import main
from dagster_project.demo_data import GenerationSummary
from dagster_project.history import explain_history
from dagster_project.run_job import run_grading
from dagster_project.settings import Paths
from dagster_project.simulate import Simulation, format_simulation, simulate, write_simulation

from conftest import END_DATE, SHIPPED_MODELS, make_paths, query

D1, D2 = END_DATE - dt.timedelta(days=1), END_DATE
DECLINER, PINNED = "CZDECLINE1", "CZPINNED01"
BIG_PURCHASE_ON = END_DATE - dt.timedelta(days=480)
DROP_DATE = BIG_PURCHASE_ON + dt.timedelta(days=365)  # first date the purchase is out of 12m

# A model only the decliner's 5,000,000 purchase can put into A (score 100 >= 90).
BACKTEST_MODEL = """\
name: value_backtest
score:
  combine: weighted
  parts:
    - name: annual_value
      weight: 1.0
      metric: purchase_value_12m
      method: linear
      linear: {slope: 0.00002, cap: 100}
grades:
  - name: A
    min_score: 90
    policy: {discount_pct: 5, credit_limit: 1000, payment_terms_days: 30,
             service_response_hours: 8, follow_up_days: 30}
  - name: B
    policy: {discount_pct: 0, credit_limit: 0, payment_terms_days: 0,
             service_response_hours: 72, follow_up_days: 90}
"""

LIVE_TABLES = (
    "marts.customer_grades",
    "marts.customer_dimension_scores",
    "marts.grading_rule_history",
    "marts.quarantine",
    "intermediate.int_customer_metrics",
    "intermediate.int_overrides",
)


def fingerprint(paths: Paths) -> dict[str, str]:
    """A digest of every row of the live tables (sorted), to prove nothing was written."""
    digests = {}
    for table in LIVE_TABLES:
        rows = query(paths.warehouse, f"select * from {table} order by all")
        digests[table] = f"{len(rows)}:" + hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _engineered_landing(source: Path, target: Path) -> None:
    shutil.copytree(source, target)
    _write_csv(
        target / "customers-zz-engineered.csv",
        [
            "customer_id",
            "customer_name",
            "region",
            "business_line",
            "industry",
            "owner_id",
            "partnership_start",
            "credit_rating",
        ],
        [
            [DECLINER, "Decliner Ltd", "North", "Enterprise", "Retail", "", "2020-01-01", "A"],
            [PINNED, "Pinned Ltd", "North", "SMB", "Retail", "", "2025-01-01", "B"],
        ],
    )
    _write_csv(
        target / "purchases-zz-engineered.csv",
        ["purchase_id", "customer_id", "purchased_at", "amount", "status"],
        [["PZBIG00001", DECLINER, f"{BIG_PURCHASE_ON} 10:00:00", "5000000.00", "completed"]],
    )
    header = [
        "override_id",
        "customer_id",
        "grading_model",
        "grade",
        "reason",
        "author",
        "starts_on",
        "expires_on",
    ]
    _write_csv(
        target / "overrides.csv",
        header,
        [
            [
                "OV-PIN",
                PINNED,
                "default_abc",
                "A",
                "framework deal signed",
                "kim@example.com",
                str(D1 - dt.timedelta(days=5)),
                str(D1),
            ],
            [
                "OV-BADCUST",
                "CX999999",
                "default_abc",
                "A",
                "r",
                "kim",
                str(D1 - dt.timedelta(days=5)),
                str(D2),
            ],
            [
                "OV-BADGRADE",
                PINNED,
                "default_abc",
                "S",
                "r",
                "kim",
                str(D1 - dt.timedelta(days=5)),
                str(D2),
            ],
            [
                "OV-BADMODEL",
                PINNED,
                "no_such_model",
                "A",
                "r",
                "kim",
                str(D1 - dt.timedelta(days=5)),
                str(D2),
            ],
            [
                "OV-SCOPE",
                PINNED,
                "east_region_rfm",
                "S",
                "r",
                "kim",
                str(D1 - dt.timedelta(days=5)),
                str(D2),
            ],
            [
                "OV-NOREASON",
                PINNED,
                "default_abc",
                "B",
                "",
                "kim",
                str(D1 - dt.timedelta(days=5)),
                str(D2),
            ],
        ],
    )


def _changed_models(target: Path) -> Path:
    """The shipped models with new default_abc weights and east_region_rfm's A raised to 75."""
    shutil.copytree(SHIPPED_MODELS, target, ignore=shutil.ignore_patterns("*.json"))
    abc = target / "default_abc.yml"
    text = abc.read_text(encoding="utf-8")
    abc.write_text(
        text.replace("weight: 0.30", "weight: 0.40", 1).replace("weight: 0.20", "weight: 0.10", 1),
        encoding="utf-8",
    )
    east = target / "east_region_rfm.yml"
    east.write_text(
        east.read_text(encoding="utf-8").replace("min_score: 70", "min_score: 75", 1),
        encoding="utf-8",
    )
    return target


@dataclass
class WhatIf:
    paths: Paths
    shipped: Paths
    before: dict[str, str]
    after: dict[str, str]
    unchanged: Simulation
    raised: Simulation
    raised_out: Path
    backtest: Backtest
    backtest_out: Path
    explain_d1: str
    history_pinned: str
    history_all: dict[str, str]


@pytest.fixture(scope="module")
def whatif(tmp_path_factory: pytest.TempPathFactory, landing: GenerationSummary) -> WhatIf:
    root = tmp_path_factory.mktemp("whatif")
    _engineered_landing(landing.out_dir, root / "landing")
    warehouse = root / "wh" / "grading.duckdb"
    shipped = make_paths(root / "landing", warehouse)
    changed = make_paths(root / "landing", warehouse, _changed_models(root / "models_v2"))
    assert run_grading(shipped, D1, D1).success
    assert run_grading(changed, D2, D2).success

    raised_file = root / "east_raised_80.yml"
    raised_file.write_text(
        (changed.models_dir / "east_region_rfm.yml")
        .read_text(encoding="utf-8")
        .replace("min_score: 75", "min_score: 80", 1),
        encoding="utf-8",
    )
    backtest_file = root / "value_backtest.yml"
    backtest_file.write_text(BACKTEST_MODEL, encoding="utf-8")
    wh = ["--warehouse", str(warehouse)]

    before = fingerprint(changed)
    unchanged = simulate(changed, changed.models_dir / "default_abc.yml")
    raised = simulate(changed, raised_file, snapshot_date=D2)
    raised_out, backtest_out = root / "sim_out", root / "bt_out"
    write_simulation(raised, raised_out)
    bt = backtest(
        changed,
        backtest_file,
        DROP_DATE - dt.timedelta(days=14),
        DROP_DATE + dt.timedelta(days=7),
        7,
    )
    write_backtest(bt, backtest_out)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["explain", PINNED, "--date", str(D1), "--model", "default_abc", *wh]) == 0
    explain_d1 = printed.getvalue()
    history_text = io.StringIO()
    with contextlib.redirect_stdout(history_text):
        assert main(["explain", PINNED, "--history", "--model", "default_abc", *wh]) == 0
    movers = query(
        warehouse,
        """
        select a.grading_model, a.customer_id from marts.customer_grades a
        join marts.customer_grades b using (grading_model, customer_id)
        where a.snapshot_date = ? and b.snapshot_date = ? and a.grade <> b.grade
          and a.override_id is null and b.override_id is null
        qualify row_number() over (partition by a.grading_model order by a.customer_id) = 1
        """,
        [D1, D2],
    )
    history_all = {model: explain_history(changed, customer, model) for model, customer in movers}
    after = fingerprint(changed)
    return WhatIf(
        changed,
        shipped,
        before,
        after,
        unchanged,
        raised,
        raised_out,
        bt,
        backtest_out,
        explain_d1,
        history_text.getvalue(),
        history_all,
    )


# --- none of the commands writes to the live tables -------------------------------------------


def test_no_command_modifies_the_live_tables(whatif: WhatIf) -> None:
    assert whatif.before == whatif.after
    assert all(not digest.startswith("0:") for digest in whatif.before.values())


# --- overrides --------------------------------------------------------------------------------


def test_override_changes_the_effective_grade_and_policy_until_it_expires(whatif: WhatIf) -> None:
    rows = query(
        whatif.paths.warehouse,
        """
        select g.snapshot_date, g.grade, g.computed_grade, g.override_id, g.override_author,
               p.discount_pct, c.discount_pct
        from marts.customer_grades g
        join staging.stg_model_grades p on p.grading_model = g.grading_model and p.grade = g.grade
        join staging.stg_model_grades c
          on c.grading_model = g.grading_model and c.grade = g.computed_grade
        where g.customer_id = ? and g.grading_model = 'default_abc' order by g.snapshot_date
        """,
        [PINNED],
    )
    assert [r[0] for r in rows] == [D1, D2]
    _, grade, computed, override, author, policy, computed_policy = rows[0]
    assert (grade, override, author) == ("A", "OV-PIN", "kim@example.com")
    assert computed != "A"  # a customer without purchases is not in the top 20%
    assert policy == 8 and computed_policy < policy  # A's discount applies
    _, grade, computed, override, _, policy, computed_policy = rows[1]
    assert override is None and grade == computed != "A"  # expired on D1: stops by itself
    assert policy == computed_policy


def test_bad_overrides_are_quarantined_with_their_reason(whatif: WhatIf) -> None:
    reasons = dict(
        query(
            whatif.paths.warehouse,
            "select record_id, reason from marts.quarantine where entity = 'overrides'",
        )
    )
    assert reasons == {
        "OV-BADCUST": "unknown customer_id",
        "OV-BADGRADE": "grade not defined by grading_model",
        "OV-BADMODEL": "unknown grading_model",
        "OV-SCOPE": "customer_id not in the scope of grading_model",
        "OV-NOREASON": "missing reason",
    }
    applied = query(
        whatif.paths.warehouse,
        "select distinct override_id from marts.customer_grades where override_id is not null",
    )
    assert applied == [("OV-PIN",)]


def test_explain_lists_the_override(whatif: WhatIf) -> None:
    assert "manual override OV-PIN: grade pinned to A by kim@example.com" in whatif.explain_d1
    assert "framework deal signed" in whatif.explain_d1
    history = whatif.history_pinned
    assert f"{D1}" in history and "override OV-PIN until" in history
    assert f"{D1} -> {D2}: grade A -> " in history
    assert "override OV-PIN no longer applies" in history


# --- simulate ---------------------------------------------------------------------------------


def test_simulating_the_live_model_reports_zero_migrations(whatif: WhatIf) -> None:
    result = whatif.unchanged
    assert result.snapshot_date == D2
    assert result.proposal_version == result.against_version
    assert result.migrated == 0 and result.changed == []
    assert all(now == new for now, new, _ in result.migrations)
    live = query(
        whatif.paths.warehouse,
        "select computed_grade, count(*) from marts.customer_grades "
        "where grading_model = 'default_abc' and snapshot_date = ? group by all",
        [D2],
    )
    assert {g: (n, n) for g, n in live} == {row[0]: (row[2], row[3]) for row in result.grade_counts}
    assert result.customers_compared == sum(n for _, n in live)
    assert result.overridden_now == 0  # OV-PIN expired before D2


def test_raising_the_a_threshold_moves_exactly_the_customers_between_thresholds(
    whatif: WhatIf,
) -> None:
    expected = {
        cid
        for (cid,) in query(
            whatif.paths.warehouse,
            "select customer_id from marts.customer_grades where grading_model = "
            "'east_region_rfm' and snapshot_date = ? and score >= 75 and score < 80",
            [D2],
        )
    }
    assert expected, "the generated data should have customers scoring between 75 and 80"
    result = whatif.raised
    assert {row[0] for row in result.changed} == expected
    assert {(row[2], row[3], row[4]) for row in result.changed} == {("A", "B", "down")}
    assert result.migrated == len(expected)
    counts = {row[0]: (row[2], row[3]) for row in result.grade_counts}
    assert counts["A"][1] == counts["A"][0] - len(expected)
    assert counts["B"][1] == counts["B"][0] + len(expected)
    # revenue shares are given both ways and add up to 100 %
    assert abs(sum(row[8] for row in result.grade_counts) - 100) < 0.1
    assert abs(sum(row[9] for row in result.grade_counts) - 100) < 0.1


def test_simulate_out_writes_the_report_files(whatif: WhatIf) -> None:
    import json

    printed = format_simulation(whatif.raised, top=3)
    assert f"{whatif.raised.migrated:,} would change grade" in printed
    assert "Migration matrix" in printed and "revenue share now" in printed

    out = whatif.raised_out
    summary = json.loads((out / "simulation.json").read_text(encoding="utf-8"))
    assert summary["customers_changing_grade"] == whatif.raised.migrated
    assert summary["validation_findings"] == []
    with open(out / "changed_customers.csv", encoding="utf-8") as handle:
        changed = list(csv.DictReader(handle))
    assert {r["customer_id"] for r in changed} == {row[0] for row in whatif.raised.changed}
    with open(out / "migration_matrix.csv", encoding="utf-8") as handle:
        matrix = {
            (r["grade_now"], r["grade_proposed"]): int(r["customers"])
            for r in csv.DictReader(handle)
        }
    assert matrix[("A", "B")] == whatif.raised.migrated


def test_invalid_proposal_is_refused_naming_file_and_field(
    whatif: WhatIf, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        (whatif.paths.models_dir / "default_abc.yml")
        .read_text(encoding="utf-8")
        .replace("purchase_value_12m", "purchase_valu_12m", 1),
        encoding="utf-8",
    )
    code = main(["simulate", str(bad), "--warehouse", str(whatif.paths.warehouse)])
    err = capsys.readouterr().err
    assert code == 2
    assert "bad.yml: score.parts[0].metric: unknown metric 'purchase_valu_12m'" in err
    assert (
        main(
            [
                "simulate",
                str(bad),
                "--against",
                "nope",
                "--warehouse",
                str(tmp_path / "none.duckdb"),
            ]
        )
        == 2
    )


# --- backtest ---------------------------------------------------------------------------------


def test_backtest_shows_the_decliners_downgrade_on_the_right_date(whatif: WhatIf) -> None:
    result = whatif.backtest
    assert result.dates == tuple(DROP_DATE + dt.timedelta(days=d) for d in (-14, -7, 0, 7))
    decliner = [row for row in result.changes if row[2] == DECLINER]
    assert [(row[0], row[1], row[4], row[5], row[6]) for row in decliner] == [
        (DROP_DATE, DROP_DATE - dt.timedelta(days=7), "A", "B", "down")
    ]
    downgrades = {row[0]: row[3] for row in result.transitions}
    assert downgrades[DROP_DATE] >= 1
    counts = {(row[0], row[1]): row[3] for row in result.grade_counts}
    assert counts[(DROP_DATE - dt.timedelta(days=7), "A")] >= 1
    assert counts.get((DROP_DATE, "A"), 0) == counts[(DROP_DATE - dt.timedelta(days=7), "A")] - 1


def test_backtest_files_hold_counts_changes_flapping_and_prediction(whatif: WhatIf) -> None:
    import json

    printed = format_backtest(whatif.backtest)
    assert "4 dates" in printed and "customers flapping" in printed

    out = whatif.backtest_out
    summary = json.loads((out / "backtest.json").read_text(encoding="utf-8"))
    assert summary["model"] == "value_backtest" and summary["every_days"] == 7
    assert summary["evaluation_dates"] == [d.isoformat() for d in whatif.backtest.dates]
    assert summary["flapping_rate"] == round(whatif.backtest.flapping_rate, 6)
    with open(out / "grade_changes.csv", encoding="utf-8") as handle:
        changes = list(csv.DictReader(handle))
    assert {
        "snapshot_date": str(DROP_DATE),
        "customer_id": DECLINER,
        "direction": "down",
    }.items() <= next(r for r in changes if r["customer_id"] == DECLINER).items()
    with open(out / "prediction.csv", encoding="utf-8") as handle:
        prediction = list(csv.DictReader(handle))
    # every evaluated date has 90 days of data after it, and the grades' shares add up to 100 %
    for day in whatif.backtest.dates:
        rows = [r for r in prediction if r["snapshot_date"] == str(day)]
        assert rows and all(r["window_complete"] == "True" for r in rows)
        assert abs(sum(float(r["customer_share_pct"]) for r in rows) - 100) < 0.1
    # the decliner bought nothing after its purchase: A predicted no revenue while it held A
    first = [r for r in prediction if r["snapshot_date"] == str(whatif.backtest.dates[0])]
    a_row = next(r for r in first if r["grade"] == "A")
    assert a_row["customers"] == "1" and float(a_row["revenue_next_90d"]) == 0


# --- explain --history --------------------------------------------------------------------------


def test_history_names_the_rule_change_and_the_dimensions_that_moved(whatif: WhatIf) -> None:
    abc = whatif.history_all["default_abc"]
    versions = dict(
        query(
            whatif.paths.warehouse,
            "select snapshot_date, any_value(model_version) from marts.customer_grades "
            "where grading_model = 'default_abc' group by all",
        )
    )
    assert versions[D1] != versions[D2]
    assert f"rule changed: model default_abc version {versions[D1]} -> {versions[D2]}" in abc
    assert "annual_value weight 0.3 -> 0.4" in abc and "frequency weight 0.2 -> 0.1" in abc
    assert "moved by:" in abc and "annual_value +" in abc
    east = whatif.history_all["east_region_rfm"]
    assert "grade A min_score 70 -> min_score 75" in east
    assert f"{D1} -> {D2}: grade A -> B" in east


def test_history_of_unknown_customer_is_refused(
    whatif: WhatIf, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["explain", "NOPE", "--history", "--warehouse", str(whatif.paths.warehouse)])
    assert code == 2 and "has no grades" in capsys.readouterr().err
