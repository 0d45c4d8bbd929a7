"""Transitions, hysteresis, alerts and policy export on a purpose-built landing set.

One module-scoped story runs the real daily_grading job (Dagster -> dbt -> DuckDB -> apprise ->
files and webhook) through four snapshot dates with real receivers on 127.0.0.1: an aiosmtpd
SMTP server and an HTTP server that takes the apprise json:// alerts and the policy webhook.
The HTTP receiver is down for the D3 run and back for the D4 run, which retries. Each step
records what the receivers held; the tests below check content and counts. The customers and
their expected grades are in tests/change_scenario.py.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from dagster_project import policy_export
from dagster_project.alerting import deliver_alerts, load_channels
from dagster_project.alerting.channels import ChannelConfigError
from dagster_project.atomic_files import atomic_write, remove_stale_temporaries
from dagster_project.dbt_cli import dbt_executable
from dagster_project.grading_rules import validate_paths
from dagster_project.policy_export import export_policies, idempotency_key
from dagster_project.reporting import change_summary
from dagster_project.run_job import run_grading
from dagster_project.settings import DBT_PROJECT_DIR, PROJECT_ROOT, Paths

from change_scenario import (
    ALERT_MODEL,
    ALICE,
    BOB,
    D1,
    D2,
    D3,
    D4,
    FALLBACK,
    HELD_MODEL,
    write_landing,
    write_models,
)
from conftest import dbt_environment, dbt_project_copy, printed_by_operation, query
from receivers import HttpReceiver, SmtpReceiver, email_text

ALERTS_PATH = "/alerts"
D0 = D1 - dt.timedelta(days=1)
POLICIES_PATH = "/policies"


@dataclass
class Step:
    name: str
    success: bool
    emails: int
    alert_posts: int
    policy_posts: int
    alert_status: list[tuple] = field(default_factory=list)


@dataclass
class Story:
    paths: Paths
    export_dir: Path
    smtp: SmtpReceiver
    http: HttpReceiver
    steps: dict[str, Step] = field(default_factory=dict)

    def sql(self, text: str, params: list[object] | None = None) -> list[tuple]:
        return query(self.paths.warehouse, text, params)


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    root = tmp_path_factory.mktemp("changes")
    write_models(root / "models")
    paths = Paths.from_env(
        data_dir=root / "data", warehouse=root / "wh" / "grading.duckdb", models_dir=root / "models"
    )
    smtp, http = SmtpReceiver(), HttpReceiver()
    smtp.start()
    http.start()
    story = Story(paths, root / "exports", smtp, http)
    environment = {
        "GRADING_ALERT_URLS": f"{smtp.apprise_url()} json://127.0.0.1:{http.port}{ALERTS_PATH}",
        "GRADING_EXPORT_DIR": str(story.export_dir),
        "GRADING_POLICY_WEBHOOK_URL": f"http://127.0.0.1:{http.port}{POLICIES_PATH}",
        "GRADING_POLICY_WEBHOOK_BATCH": "2",
    }

    def run(name: str, day: dt.date, first: dt.date | None = None) -> None:
        write_landing(paths.data_dir, day)
        # ERROR: a failed step is explained in the captured output of a failing test
        outcome = run_grading(paths, first or day, day, log_level="ERROR")
        story.steps[name] = Step(
            name,
            outcome.success,
            len(smtp.messages),
            len(http.posts(ALERTS_PATH)),
            len(http.posts(POLICIES_PATH)),
        )

    saved = dict(os.environ)
    try:
        os.environ.update(environment)
        run("d1", D1, first=D0)  # a range: D0 and D1 in one pass
        run("d2", D2)
        run("d2_again", D2)
        http.stop()  # the HTTP receiver is down for this run
        run("d3_receiver_down", D3)
        story.steps["d3_receiver_down"].alert_status = story.sql(
            "select rule, customer_id, status, channels_sent, channels_failed, last_error "
            "from marts.grade_alerts where snapshot_date = ? order by all",
            [D3],
        )
        http.start()  # back for the next run, which retries; it also brings a rule change:
        write_models(root / "models", b_min=60)  # B now needs 60
        run("d4_receiver_back", D4)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    yield story
    smtp.stop()
    http.stop()


# -- transitions and hysteresis ---------------------------------------------------------------


def test_transitions_name_every_up_and_downgrade_new_and_exited(story: Story) -> None:
    rows = story.sql(
        "select snapshot_date, customer_id, previous_grade, grade, direction, "
        "previous_snapshot_date from marts.grade_transitions "
        "where grading_model = ? and snapshot_date < ? and direction <> 'unchanged' "
        "order by all",
        [ALERT_MODEL, D4],
    )
    changes = {(d, c): (p, g, direction, prev) for d, c, p, g, direction, prev in rows}
    assert {c for (d, c) in changes if d == D0} == {f"C{n}" for n in range(1, 8)}
    assert all(v[2] == "new" and v[3] is None for (d, _), v in changes.items() if d == D0)
    # D1 was graded in the same run as D0: it pairs with D0 within that one pass
    assert story.sql(
        "select direction, previous_snapshot_date, count(*) from marts.grade_transitions "
        "where grading_model = ? and snapshot_date = ? group by all",
        [ALERT_MODEL, D1],
    ) == [("unchanged", D0, 7)]
    later = {k: v[:3] for k, v in changes.items() if k[0] > D1}
    assert later == {
        (D2, "C1"): ("C", "B", "upgrade"),
        (D2, "C2"): ("A", "C", "downgrade"),
        (D2, "C6"): ("A", "B", "downgrade"),
        (D2, "C8"): (None, "C", "new"),
        (D3, "C1"): ("B", "A", "upgrade"),
        (D3, "C7"): ("B", None, "exited"),
    }
    # a week apart: the previous snapshot is found whatever the gap
    assert changes[(D3, "C7")][3] == D2
    unchanged = story.sql(
        "select count(*) from marts.grade_transitions where grading_model = ? "
        "and snapshot_date = ? and direction = 'unchanged' and previous_snapshot_date = ?",
        [ALERT_MODEL, D3, D2],
    )
    assert unchanged == [(6,)]  # C2 C3 C4 C5 C6 C8; C7 exited, C1 upgraded


def test_hysteresis_holds_a_grade_on_the_threshold_until_the_margin_is_crossed(
    story: Story,
) -> None:
    grades = dict(
        story.sql(
            "select grading_model || ' ' || cast(snapshot_date as varchar), grade "
            "from marts.customer_grades where customer_id = 'C6' and snapshot_date < ?",
            [D4],
        )
    )
    # 71 -> 69 -> 66 with A >= 70: without hysteresis A, B, B; with a 3-point margin A holds
    # at 69 (>= 67) and drops at 66
    assert [grades[f"{ALERT_MODEL} {d}"] for d in (D1, D2, D3)] == ["A", "B", "B"]
    assert [grades[f"{HELD_MODEL} {d}"] for d in (D1, D2, D3)] == ["A", "A", "B"]
    held = story.sql(
        "select computed_grade_rank, grade_rank from intermediate.int_grade_hysteresis "
        "where customer_id = 'C6' and snapshot_date = ?",
        [D2],
    )
    assert held == [(2, 1)]
    # the held grade is what every downstream model uses
    assert story.sql(
        "select grade from marts.customer_policy_history where grading_model = ? "
        "and customer_id = 'C6' and snapshot_date = ?",
        [HELD_MODEL, D2],
    ) == [("A",)]


def test_a_rule_change_is_recorded_but_raises_no_downgrade_alert(story: Story) -> None:
    assert story.steps["d4_receiver_back"].success
    rows = story.sql(
        "select customer_id, previous_grade, grade, direction, rule_change "
        "from marts.grade_transitions where grading_model = ? and snapshot_date = ? "
        "and direction = 'downgrade'",
        [ALERT_MODEL, D4],
    )
    assert sorted(rows) == [
        ("C3", "B", "C", "downgrade", True),
        ("C5", "B", "C", "downgrade", True),
    ]
    assert story.sql(
        "select count(*) from marts.grade_transitions where snapshot_date = ? "
        "and grading_model = ? and not rule_change",
        [D4, ALERT_MODEL],
    ) == [(0,)]
    assert story.sql(
        "select count(*) from marts.grade_alerts where snapshot_date = ? "
        "and rule in ('downgrade', 'upgrade')",
        [D4],
    ) == [(0,)]
    summary = change_summary(story.paths, D4)  # what `grading run` prints
    assert "alerts_test" in summary and "2 down" in summary and "rule change" in summary


# -- alerts ------------------------------------------------------------------------------------


EXPECTED_ALERTS = {
    (D2, "C1", "upgrade", ALICE),
    (D2, "C2", "downgrade", ALICE),
    (D2, "C2", "decline_pct", ALICE),
    (D2, "C6", "downgrade", BOB),
    (D3, "C1", "upgrade", ALICE),
    (D3, "C3", "decline_streak", ALICE),
    (D3, "C4", "key_account_inactivity", FALLBACK),
    (D3, "C6", "decline_streak", BOB),
}


def test_alert_rules_raise_exactly_the_expected_alerts(story: Story) -> None:
    rows = story.sql(
        "select snapshot_date, customer_id, rule, recipient from marts.grade_alerts "
        "where grading_model = ? and snapshot_date < ?",
        [ALERT_MODEL, D4],
    )
    assert set(rows) == EXPECTED_ALERTS and len(rows) == len(EXPECTED_ALERTS)
    detail = dict(
        story.sql(
            "select customer_id || ' ' || rule, reason || ' | ' || coalesce(top_dimensions, '') "
            "from marts.grade_alerts where snapshot_date = ?",
            [D2],
        )
    )
    assert detail["C2 downgrade"] == "grade A -> C (score 90.0 -> 10.0) | annual_value -80.0"
    assert detail["C2 decline_pct"].startswith("score fell 88.9% within 7 days: 90.0 on 2026-06-01")
    # keys are deterministic: md5 of model|customer|date|rule
    keys = story.sql(
        "select alert_key, md5(grading_model || '|' || customer_id || '|' || "
        "cast(snapshot_date as varchar) || '|' || rule) from marts.grade_alerts"
    )
    assert all(key == expected for key, expected in keys)


def test_alert_history_bound_reaches_every_snapshot_a_rule_reads(
    story: Story, tmp_path: Path
) -> None:
    """int_grade_alert_candidates reads the grade and score history only from the date
    alert_history_start() returns (a constant, so DuckDB filters in the scan). For a run from
    D2 it must reach back to the snapshot decline_snapshots + 1 steps before D2 (D0) and to
    within_days before the previous snapshot (D1 - 7 days = 2026-05-25), whichever is older; a
    bound that forgets the drop rule's days would silently drop its alerts."""
    project = dbt_project_copy(
        tmp_path,
        {
            "show_alert_history_start.sql": "{% macro show_alert_history_start() %}"
            "{{ print('HISTORY_FROM ' ~ alert_history_start()) }}"
            "{% endmacro %}\n"
        },
    )
    paths = story.paths
    env = dbt_environment(
        paths.data_dir, paths.warehouse, paths.models_dir, D2, D2, tmp_path / "target"
    )
    history_from = printed_by_operation(project, env, "show_alert_history_start", "HISTORY_FROM")
    reach, within = story.sql(
        "select max(decline_snapshots) + 1, max(decline_within_days) "
        "from staging.stg_model_alert_rules"
    )[0]
    earlier = sorted(
        {
            d
            for (d,) in story.sql(
                "select snapshot_date from intermediate.int_model_snapshot_dates "
                "where snapshot_date < ?",
                [D2],
            )
        }  # fmt: skip
    )
    assert (reach, within, earlier) == (3, 7, [D0, D1])
    assert dt.date.fromisoformat(history_from) == D1 - dt.timedelta(days=within)


@pytest.mark.parametrize("strategy", ["window", "aggregate"])
def test_a_range_raises_the_alerts_the_daily_runs_raised(
    story: Story, tmp_path: Path, strategy: str
) -> None:
    """The drop rule is a grouped aggregate over each evaluated date's window for the few dates
    of a daily run, and one window frame over a range (the strategy int_customer_metrics picks,
    GRADING_METRICS_STRATEGY). Re-running D1..D3 as one range, with either, on a copy of the
    story's warehouse gives the alerts its daily runs raised, the drop alert among them (the
    metrics are computed again for the range too: the inactivity rule reads them)."""
    warehouse = tmp_path / "grading.duckdb"
    shutil.copyfile(story.paths.warehouse, warehouse)
    alerts_sql = (
        "select * from intermediate.int_grade_alert_candidates "
        "where snapshot_date between ? and ? order by all"
    )
    daily = query(warehouse, alerts_sql, [D1, D3])
    assert "decline_pct" in {row[5] for row in daily}
    env = dbt_environment(
        story.paths.data_dir, warehouse, story.paths.models_dir, D1, D3, tmp_path / "target",
        GRADING_METRICS_STRATEGY=strategy,
    )  # fmt: skip
    ran = subprocess.run(
        [dbt_executable(), "run", "--select", "int_snapshot_dates", "int_customer_metrics",
         "int_grade_alert_candidates", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
         str(DBT_PROJECT_DIR)],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout[-3000:]
    assert query(warehouse, alerts_sql, [D1, D3]) == daily


def test_one_digest_per_recipient_and_a_rerun_sends_nothing_new(story: Story) -> None:
    steps = story.steps
    assert steps["d1"].emails == 0 and steps["d1"].alert_posts == 0  # nothing to say on D1
    assert steps["d2"].emails == 2 and steps["d2"].alert_posts == 2  # alice, bob
    assert steps["d2_again"].emails == 2 and steps["d2_again"].alert_posts == 2
    d2_mail = {m["To"]: email_text(m) for m in story.smtp.messages[:2]}
    assert set(d2_mail) == {ALICE, BOB}
    keys = dict(
        story.sql(
            "select customer_id || ' ' || rule, alert_key from marts.grade_alerts "
            "where snapshot_date = ?",
            [D2],
        )
    )
    for key in ("C1 upgrade", "C2 downgrade", "C2 decline_pct"):
        assert keys[key] in d2_mail[ALICE] and keys[key] not in d2_mail[BOB]
    assert keys["C6 downgrade"] in d2_mail[BOB]
    assert "Customer C2" in d2_mail[ALICE] and "annual_value -80.0" in d2_mail[ALICE]
    subjects = sorted(m["Subject"] for m in story.smtp.messages[:2])
    assert subjects == [
        f"Customer grading: 1 alert for {BOB}",
        f"Customer grading: 3 alerts for {ALICE}",
    ]


def test_receiver_down_then_back_loses_nothing_and_doubles_nothing(story: Story) -> None:
    down = story.steps["d3_receiver_down"]
    assert not down.success  # the run reports the outage by failing
    assert down.emails == 5 and down.alert_posts == 2  # mail went out, HTTP did not
    status = down.alert_status
    assert {row[2] for row in status} == {"failed"}
    assert all(row[3] == 1 and row[4] == 1 and "JSON" in row[5] for row in status)
    # the grades of D3 were written although delivery failed
    assert story.sql(
        "select count(*) from marts.grade_transitions where snapshot_date = ?", [D3]
    ) != [(0,)]
    # the next run (D4, which raises no new alert) retries the failed ones on HTTP only
    back = story.steps["d4_receiver_back"]
    assert back.success and back.emails == 5 and back.alert_posts == 5
    # every alert reached each channel exactly once
    all_keys = [k for (k,) in story.sql("select alert_key from marts.grade_alerts")]
    mail_text = "\n".join(email_text(m) for m in story.smtp.messages)
    post_text = "\n".join(r.body["message"] for r in story.http.posts(ALERTS_PATH))
    for key in all_keys:
        assert mail_text.count(key) == 1 and post_text.count(key) == 1
    final = story.sql(
        "select status, min(attempts), max(attempts), count(*) from marts.grade_alerts "
        "group by status"
    )
    assert final == [("sent", 1, 2, len(EXPECTED_ALERTS))]
    assert story.sql(
        "select recipient, count(*) from alerting.alert_deliveries "
        "where status = 'sent' group by all order by all"
    ) == [(ALICE, 10), (BOB, 4), (FALLBACK, 2)]


def test_delivery_state_survives_a_dbt_rebuild_and_unconfigured_runs_send_nothing(
    story: Story,
) -> None:
    before = story.sql("select * from alerting.alert_deliveries order by all")
    report = deliver_alerts(story.paths, D4, D4, channels=[])
    assert report.digests_sent == 0 and report.channels == []
    assert story.sql("select * from alerting.alert_deliveries order by all") == before
    # the state table is a source: dbt's manifest has no model that builds it
    manifest = (PROJECT_ROOT / "dbt_project" / "target" / "manifest.json").read_text()
    assert '"source.customer_grading.alerting.alert_deliveries"' in manifest
    assert '"model.customer_grading.alert_deliveries"' not in manifest


def test_channels_come_from_the_environment_and_bad_urls_are_named(tmp_path: Path) -> None:
    config = tmp_path / "alert-urls.txt"
    config.write_text("# team channel\njson://127.0.0.1:9/x\n", encoding="utf-8")
    channels = load_channels(
        {
            "GRADING_ALERT_URLS": "mailto://u:secret@smtp.example.com?to={recipient}",
            "GRADING_ALERT_CONFIG": str(config),
        }
    )
    assert [c.scheme for c in channels] == ["mailto", "json"]
    assert channels[0].per_recipient and not channels[1].per_recipient
    assert "secret" not in channels[0].label
    assert channels[0].url_for("a+b@example.com").endswith("to=a%2Bb@example.com")
    with pytest.raises(ChannelConfigError, match=r"GRADING_ALERT_URLS\[1\].*'nosuch'"):
        load_channels({"GRADING_ALERT_URLS": "json://h/x nosuch://x"})
    assert load_channels({}) == []


# -- policies and export -----------------------------------------------------------------------


def test_export_files_match_the_policy_table(story: Story) -> None:
    for day in (D0, D1, D2, D3, D4):
        exported = pq.read_table(story.export_dir / f"policies_{day}.parquet").to_pylist()
        table = story.sql(
            "select grading_model, customer_id, grade, discount_pct, credit_limit, "
            "payment_terms_days, is_primary from marts.customer_policy_history "
            "where snapshot_date = ? order by grading_model, customer_id",
            [day],
        )
        assert [
            (
                r["grading_model"],
                r["customer_id"],
                r["grade"],
                r["discount_pct"],
                r["credit_limit"],
                r["payment_terms_days"],
                r["is_primary"],
            )
            for r in exported
        ] == table
        csv_lines = (story.export_dir / f"policies_{day}.csv").read_text().splitlines()
        assert len(csv_lines) == len(table) + 1 and '"extra_service_level"' in csv_lines[0]
    # the primary policy: alerts_test has policy_precedence 10, held_test the default 100
    primary = story.sql(
        "select grading_model, count(*) from marts.customer_policies where is_primary group by 1"
    )
    assert primary == [(ALERT_MODEL, 7)]
    assert not list(story.export_dir.glob(".*"))  # no temporary file left behind


def test_changes_file_lists_only_what_changed_since_the_previous_export(story: Story) -> None:
    changes = pq.read_table(story.export_dir / f"policy_changes_{D3}.parquet").to_pylist()
    assert sorted(
        (r["change"], r["grading_model"], r["customer_id"], r["grade"]) for r in changes
    ) == [
        ("changed", ALERT_MODEL, "C1", "A"),
        ("changed", HELD_MODEL, "C1", "A"),
        ("changed", HELD_MODEL, "C6", "B"),
        ("removed", ALERT_MODEL, "C7", "B"),
        ("removed", HELD_MODEL, "C7", "B"),
    ]
    assert {r["snapshot_date"] for r in changes} == {D3}
    first = pq.read_table(story.export_dir / f"policy_changes_{D0}.parquet")
    assert set(first.column("change").to_pylist()) == {"added"} and first.num_rows == 14
    # nothing changed from D0 to D1: an empty changes file, with the columns
    unchanged = pq.read_table(story.export_dir / f"policy_changes_{D1}.parquet")
    assert unchanged.num_rows == 0 and "discount_pct" in unchanged.column_names


def test_changes_are_posted_in_batches_with_stable_idempotency_keys(story: Story) -> None:
    posts = story.http.posts(POLICIES_PATH)
    by_date: dict[str, list] = {}
    for post in posts:
        assert post.headers["Idempotency-Key"] == idempotency_key(post.body)
        assert len(post.body["changes"]) <= 2
        by_date.setdefault(post.body["snapshot_date"], []).append(post)
    # D2 was exported twice: the same batches with the same keys both times
    d2 = [p.headers["Idempotency-Key"] for p in by_date[D2.isoformat()]]
    assert len(d2) == 2 * len(set(d2))
    assert story.steps["d3_receiver_down"].policy_posts == story.steps["d2_again"].policy_posts
    assert D3.isoformat() not in by_date  # the webhook was down; re-running D3 would post them
    d4_changes = [c for p in by_date[D4.isoformat()] for c in p.body["changes"]]
    assert sorted((c["change"], c["customer_id"], c["grade"]) for c in d4_changes) == [
        ("changed", "C3", "C"),
        ("changed", "C5", "C"),
    ]


def test_dates_read_together_or_one_by_one_export_the_same_files(
    story: Story, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # consecutive dates are read in one query up to ROWS_PER_READ rows and sliced by date, and
    # a date's files are still being written while the next date is compared; neither may
    # change a file. D0 and D1 are consecutive days, read together by default; D2 and D4 are a
    # week apart, each read on its own.
    dates = [D0, D1, D2, D4]
    together = export_policies(story.paths, dates, tmp_path / "together")
    monkeypatch.setattr(policy_export, "ROWS_PER_READ", 1)  # every date read on its own
    monkeypatch.setattr(policy_export, "DATES_IN_FLIGHT", 0)  # and written before the next
    one_by_one = export_policies(story.paths, dates, tmp_path / "one_by_one")
    assert together.dates == one_by_one.dates == dates
    assert [f.name for f in together.files] == [f.name for f in one_by_one.files]
    stored = story.sql(
        "select count(*) from marts.customer_policy_history where snapshot_date in (?, ?, ?, ?)",
        dates,
    )
    assert together.policies == one_by_one.policies == stored[0][0] > 0
    names = sorted(p.name for p in (tmp_path / "together").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "one_by_one").iterdir())
    assert len(names) == 4 * len(dates)
    for name in names:
        a, b = tmp_path / "together" / name, tmp_path / "one_by_one" / name
        if name.endswith(".csv"):
            assert a.read_bytes() == b.read_bytes(), name
        else:
            assert pq.read_table(a).equals(pq.read_table(b)), name


def test_an_interrupted_write_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "policies_2026-06-01.csv"
    target.write_text("old complete file\n", encoding="utf-8")

    def fail_replace(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, lambda handle: handle.write(b"new half"))
    assert target.read_text(encoding="utf-8") == "old complete file\n"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_a_killed_export_leaves_no_file_under_the_final_name(tmp_path: Path) -> None:
    target = tmp_path / "policies_2026-06-01.parquet"
    ready = tmp_path / "ready"
    script = textwrap.dedent(
        f"""
        import pathlib, time
        from dagster_project.atomic_files import atomic_write

        def write(handle):
            handle.write(b"PAR1" + b"x" * 100000)
            handle.flush()
            pathlib.Path({str(ready)!r}).touch()
            while True:
                time.sleep(1)

        atomic_write(pathlib.Path({str(target)!r}), write)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script])
    try:
        while not ready.exists():
            assert process.poll() is None, "the writer exited before it was killed"
            time.sleep(0.05)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert not target.exists()
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(f".{target.name}.")]
    assert len(leftovers) == 1  # the hidden temporary; the next export removes it
    assert remove_stale_temporaries(tmp_path) == leftovers
    assert not leftovers[0].exists()


# -- configuration -----------------------------------------------------------------------------


def test_alert_and_hysteresis_config_errors_name_file_field_and_fix(tmp_path: Path) -> None:
    write_models(tmp_path)
    path = tmp_path / f"{ALERT_MODEL}.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("fallback_recipient: ops@example.com", "fallback_recipient: ops")
    text = text.replace("drop_pct: 20, within_days: 7", "drop_pct: 20")
    text = text.replace("grades: [A]", "grades: [AA]")
    path.write_text(text + "hysteresis: {margin_points: -1}\n", encoding="utf-8")
    report = validate_paths([path])
    messages = [str(f) for f in report.errors]
    assert any(
        "alerts.fallback_recipient: 'ops' is not a valid fallback_recipient: use an email" in m
        for m in messages
    ), messages
    assert any("hysteresis.margin_points: must be at least 0 (got -1)" in m for m in messages)
    # the cross-field rules run once the structure is sound
    path.write_text(
        text.replace("fallback_recipient: ops", "fallback_recipient: ops@example.com"),
        encoding="utf-8",
    )
    messages = [str(f) for f in validate_paths([path]).errors]
    assert any(
        "alerts.sustained_decline.drop_pct: drop_pct needs within_days" in m for m in messages
    ), messages
    assert any(
        "alerts.key_account_inactivity.grades[0]: grade 'AA' is not a grade of this model; "
        "did you mean 'A'?" in m
        for m in messages
    ), messages
