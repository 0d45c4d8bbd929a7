"""Shared fixtures: generated landing data and real pipeline runs into temporary warehouses."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from dagster_project.dbt_cli import dbt_executable
from dagster_project.demo_data import GenerationSummary, generate
from dagster_project.resources import GradingResource
from dagster_project.run_job import RunOutcome, run_grading
from dagster_project.settings import DBT_PROJECT_DIR, PROJECT_ROOT, Paths

END_DATE = dt.date(2026, 11, 22)
SHIPPED_MODELS = PROJECT_ROOT / "grading_models"


@pytest.fixture(scope="session")
def landing(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    """A small generated landing folder (CSV), with its deliberate bad rows."""
    return generate(
        tmp_path_factory.mktemp("landing"), customers=600, years=2.0, end_date=END_DATE, seed=7
    )


@pytest.fixture(scope="session")
def models_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped models copied, so a test can edit its own copy."""
    target = tmp_path_factory.mktemp("models")
    for file in SHIPPED_MODELS.glob("*.yml"):
        shutil.copy(file, target / file.name)
    return target


def make_paths(data_dir: Path, warehouse: Path, models_dir: Path = SHIPPED_MODELS) -> Paths:
    return Paths.from_env(data_dir=data_dir, warehouse=warehouse, models_dir=models_dir)


Grade = Callable[[Paths, dt.date, dt.date], RunOutcome]


def range_run_args(first: dt.date, last: dt.date, data_dir: Path, warehouse: Path) -> list[str]:
    """`grading run` arguments for [first, last] on a landing folder and warehouse."""
    return [
        "run",
        "--start",
        first.isoformat(),
        "--end",
        last.isoformat(),
        "--data",
        str(data_dir),
        "--warehouse",
        str(warehouse),
    ]


@pytest.fixture
def grade() -> Grade:
    """Run the real daily_grading Dagster job and insist it succeeded."""

    def run(paths: Paths, first: dt.date, last: dt.date) -> RunOutcome:
        outcome = run_grading(paths, first, last)
        assert outcome.success, f"grading run {outcome.run_id} failed"
        return outcome

    return run


def invocation_folder(run_id: str) -> Path:
    """The dbt target folder of a run's invocation: dagster-dbt names it after the run's id."""
    (folder,) = (DBT_PROJECT_DIR / "target").glob(f"grading_dbt_assets-{run_id[:7]}-*")
    return folder


def dbt_environment(
    data_dir: Path,
    warehouse: Path,
    models_dir: Path,
    first: dt.date,
    last: dt.date,
    target: Path,
    **extra: str,
) -> dict[str, str]:
    """The environment the pipeline gives dbt for [first, last], for a test that runs dbt
    itself; its target folder in `target`, so the project's own is left alone."""
    resource = GradingResource(
        data_dir=str(data_dir), warehouse=str(warehouse), models_dir=str(models_dir)
    )
    return {**os.environ, **resource.dbt_env(first, last), "DBT_TARGET_PATH": str(target), **extra}


def dbt_project_copy(tmp_path: Path, macros: dict[str, str] | None = None) -> Path:
    """A copy of the dbt project (with ../seeds, which it reads) to edit or extend in a test;
    `macros` adds macro files by name."""
    project = tmp_path / "dbt_project"
    shutil.copytree(
        DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "dbt_packages", "logs")
    )
    shutil.copytree(DBT_PROJECT_DIR.parent / "seeds", tmp_path / "seeds")
    for name, text in (macros or {}).items():
        (project / "macros" / name).write_text(text, encoding="utf-8")
    return project


def printed_by_operation(project: Path, env: dict[str, str], macro: str, label: str) -> str:
    """Run `dbt run-operation macro` in `project` and return what it printed after `label`."""
    shown = subprocess.run(
        [dbt_executable(), "run-operation", macro, "--project-dir", str(project),
         "--profiles-dir", str(project)],
        cwd=project, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    found = re.search(rf"^{re.escape(label)} (\S+)$", shown.stdout, flags=re.MULTILINE)
    assert found, shown.stdout[-3000:]
    return found.group(1)


def query(warehouse: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(sql, params or []).fetchall()


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees another test's GRADING_* settings."""
    import os

    for key in list(os.environ):
        if key.startswith("GRADING_"):
            monkeypatch.delenv(key)
