"""Grading a proposed model in a scratch warehouse with the real dbt models.

What-if simulations and backtests must score exactly like the daily run (no second implementation)
and must never touch the live snapshot tables. So they run the project's own dbt models, a
selected subset (the compiled config, population, leaf and node scores, customer_grades, and the
metrics when the dates need them), against a **scratch DuckDB file** that holds copies of only the
inputs those models read:

1. validate the proposal with the grading_rules validator and compile it into a scratch config
   folder (exactly what `grading_model_config` does for the live folder);
2. under the warehouse lock, attach the live warehouse read-only and copy the input tables (and
   the live grades to compare with) into the scratch file; release the lock;
3. run `dbt run --select <subset>` with GRADING_WAREHOUSE pointing at the scratch file.

The scratch workspace lives beside the warehouse (`<stem>_whatif/`) and is reused, so dbt's
partial parse state survives between simulations; a lock file serialises what-if runs.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project.dbt_binary import dbt_executable
from dagster_project.grading_rules import (
    GradingModel,
    ValidationReport,
    compile_models,
    validate_paths,
    write_compiled,
)
from dagster_project.settings import DBT_PROJECT_DIR, Paths
from dagster_project.warehouse import warehouse_lock

# The dbt models that turn metrics into grades, in the order dbt would run them anyway.
CONFIG_MODELS = (
    "stg_grading_models",
    "stg_model_nodes",
    "stg_model_bands",
    "stg_model_grades",
    "stg_model_scope",
    "stg_model_hysteresis",
)
# int_grade_hysteresis has no stored state in the scratch file, so it builds from the scratch
# dates alone: a backtest holds grades across its own dates, a one-date simulation starts fresh.
SCORING_MODELS = (
    *CONFIG_MODELS,
    "int_model_population",
    "int_leaf_scores",
    "int_node_score_history",
    "int_node_scores",
    "int_grade_hysteresis",
)
GRADES_MODEL = "customer_grades"
METRICS_MODEL = "int_customer_metrics"

# Input tables copied from the live warehouse: (schema, table).
CUSTOMERS = ("intermediate", "int_customers")
OVERRIDES = ("intermediate", "int_overrides")
METRICS = ("intermediate", "int_customer_metrics")
ACTIVITY = ("intermediate", "int_customer_daily_activity")
INVENTORY = ("intermediate", "int_landing_inventory")
SNAPSHOT_DATES = ("intermediate", "int_snapshot_dates")

# An empty int_overrides for a warehouse graded before overrides existed.
EMPTY_OVERRIDES_SQL = """
    create table intermediate.int_overrides as
    select cast(null as varchar) as override_id, cast(null as varchar) as customer_id,
           cast(null as varchar) as grading_model, cast(null as varchar) as grade,
           cast(null as varchar) as override_reason, cast(null as varchar) as override_author,
           cast(null as date) as starts_on, cast(null as date) as expires_on,
           cast(null as varchar) as raw_record, cast(null as varchar) as quarantine_reason
    where false
"""


class WhatIfRefusedError(ValueError):
    """The what-if run cannot start (invalid proposal, nothing graded yet, bad dates)."""


class WhatIfFailedError(RuntimeError):
    """dbt failed on the scratch warehouse; the live warehouse was not touched."""


@dataclass(frozen=True)
class ScratchGrades:
    """The proposal graded in the scratch file: `marts.customer_grades` there holds its rows."""

    database: Path
    model: GradingModel
    report: ValidationReport
    dates: tuple[dt.date, ...]
    metrics_recomputed: bool


def workspace(paths: Paths) -> Path:
    """`<warehouse folder>/<warehouse stem>_whatif/`: scratch file, config, dbt target, outputs."""
    return paths.warehouse.parent / f"{paths.warehouse.stem}_whatif"


@contextmanager
def whatif_lock(paths: Paths) -> Iterator[Path]:
    """One what-if run at a time per warehouse (they share the scratch workspace)."""
    root = workspace(paths)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "whatif.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield root
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def validate_proposal(model_file: Path) -> ValidationReport:
    """The grading_rules validator on one file; refused (with its report) on any error."""
    if not model_file.is_file():
        raise WhatIfRefusedError(f"{model_file}: no such grading-model file")
    report = validate_paths([model_file])
    if not report.ok or len(report.models) != 1:
        raise WhatIfRefusedError(
            "the proposed model is invalid; nothing was graded:\n" + report.format()
        )
    return report


def grade_proposal(
    paths: Paths,
    model_file: Path,
    dates: Sequence[dt.date],
    root: Path,
    live_grades_model: str | None = None,
    copy_activity: bool = False,
) -> ScratchGrades:
    """Grade `model_file` on `dates` in the scratch file under `root` (hold `whatif_lock`).

    When every date's metrics are still in the live `int_customer_metrics` (the dates of the last
    run), they are copied and only the scoring models run; otherwise the metrics are recomputed
    from the live customer-day aggregates by the real `int_customer_metrics`. With
    `live_grades_model`, that model's live grades on the dates are copied to `whatif.live_grades`;
    `copy_activity` always copies the customer-day aggregates (a backtest reads later revenue).
    """
    if not dates:
        raise WhatIfRefusedError("no snapshot dates to grade")
    report = validate_proposal(model_file)
    model = report.models[0]
    config_dir = root / "config"
    if config_dir.exists():
        shutil.rmtree(config_dir)
    write_compiled(compile_models([model]), config_dir)

    database = root / "scratch.duckdb"
    for stale in (database, database.with_name(database.name + ".wal")):
        stale.unlink(missing_ok=True)
    ordered = tuple(sorted(set(dates)))
    recompute = _copy_inputs(paths, database, ordered, live_grades_model, copy_activity)
    selected = [*SCORING_MODELS, GRADES_MODEL]
    if recompute:
        selected.insert(0, METRICS_MODEL)
    _run_dbt(database, config_dir, root, ordered, selected)
    return ScratchGrades(database, model, report, ordered, recompute)


def _copy_inputs(
    paths: Paths,
    database: Path,
    dates: tuple[dt.date, ...],
    live_grades_model: str | None,
    copy_activity: bool,
) -> bool:
    """Copy the live inputs the selected models read; returns whether metrics must be rebuilt."""
    if not paths.warehouse.exists():
        raise WhatIfRefusedError(
            f"no warehouse at {paths.warehouse}: grade at least one date first (`grading run`)"
        )
    with warehouse_lock(paths), duckdb.connect(str(database)) as scratch:
        scratch.execute("attach ? as live (read_only)", [str(paths.warehouse)])
        live_tables = {
            (schema, name)
            for schema, name in scratch.execute(
                "select schema_name, table_name from duckdb_tables() where database_name = 'live'"
            ).fetchall()
        }
        for needed in (CUSTOMERS, ACTIVITY, INVENTORY):
            if needed not in live_tables:
                raise WhatIfRefusedError(
                    f"{paths.warehouse} has no {'.'.join(needed)}: grade at least one date "
                    "first (`grading run`)"
                )
        for schema in ("intermediate", "marts", "whatif"):
            scratch.execute(f"create schema {schema}")
        _copy(scratch, CUSTOMERS)
        if OVERRIDES in live_tables:
            _copy(scratch, OVERRIDES)
        else:
            scratch.execute(EMPTY_OVERRIDES_SQL)
        date_list = [d.isoformat() for d in dates]
        stored = set()
        if METRICS in live_tables:
            stored = {
                d
                for (d,) in scratch.execute(
                    "select distinct snapshot_date from live.intermediate.int_customer_metrics"
                ).fetchall()
            }
        recompute = not set(dates) <= stored
        if recompute or copy_activity:
            _copy(scratch, ACTIVITY)
        if recompute:
            # the real int_customer_metrics reads these; the dates table replaces
            # int_snapshot_dates, so sparse dates (a backtest every 7 days) cost only themselves
            _copy(scratch, INVENTORY)
            scratch.execute(
                "create table intermediate.int_snapshot_dates as "
                "select cast(unnest(?::varchar[]) as date) as snapshot_date",
                [date_list],
            )
        else:
            _copy(scratch, METRICS, "snapshot_date in (select unnest(?::date[]))", [date_list])
        if live_grades_model is not None:
            scratch.execute(
                "create table whatif.live_grades as select * from live.marts.customer_grades "
                "where grading_model = ? and snapshot_date in (select unnest(?::date[]))",
                [live_grades_model, date_list],
            )
        scratch.execute("detach live")
    return recompute


def _copy(
    scratch: duckdb.DuckDBPyConnection,
    table: tuple[str, str],
    where: str | None = None,
    params: list[object] | None = None,
) -> None:
    schema, name = table  # fixed names from this module, never user input
    sql = f"create table {schema}.{name} as select * from live.{schema}.{name}"
    if where:
        sql += f" where {where}"
    scratch.execute(sql, params or [])


def _run_dbt(
    database: Path,
    config_dir: Path,
    root: Path,
    dates: tuple[dt.date, ...],
    selected: Sequence[str],
) -> None:
    """`dbt run` of the selected models on the scratch file; no landing file is read."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GRADING_") or key.startswith("GRADING_DUCKDB_")
    }
    env.update(
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        GRADING_WAREHOUSE=str(database),
        GRADING_CONFIG_DIR=str(config_dir),
        GRADING_SNAPSHOT_START=dates[0].isoformat(),
        GRADING_SNAPSHOT_END=dates[-1].isoformat(),
    )
    result = subprocess.run(
        [
            dbt_executable(),
            "run",
            "--select",
            *selected,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(root / "target"),
            "--log-path",
            str(root / "logs"),
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        failures = [
            line for line in result.stdout.splitlines() if "ERROR" in line or "Error" in line
        ]
        raise WhatIfFailedError(
            "dbt failed on the scratch warehouse (the live warehouse is untouched):\n"
            + "\n".join(failures[-20:] or result.stdout.splitlines()[-20:])
            + f"\nfull log: {root / 'logs' / 'dbt.log'}"
        )
