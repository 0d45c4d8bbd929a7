"""The dbt unit tests (dbt_project/models/*/_*.yml) run here: the daily build excludes them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from dagster_project.dbt_cli import dbt_executable
from dagster_project.demo_data import GenerationSummary
from dagster_project.settings import DBT_PROJECT_DIR

from conftest import END_DATE, Grade, dbt_environment, make_paths


def test_every_dbt_unit_test_passes(
    landing: GenerationSummary, grade: Grade, tmp_path: Path
) -> None:
    # unit tests need the upstream relations to exist (dbt reads their column types)
    paths = make_paths(landing.out_dir, tmp_path / "wh.duckdb")
    grade(paths, END_DATE, END_DATE)
    target = tmp_path / "target"
    env = dbt_environment(
        paths.data_dir, paths.warehouse, paths.models_dir, END_DATE, END_DATE, target
    )
    result = subprocess.run(
        [
            dbt_executable(),
            "test",
            "--select",
            "test_type:unit",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    results = json.loads((target / "run_results.json").read_text())["results"]
    # (the on-run-start hook that creates the alert delivery state is reported too)
    statuses = {
        r["unique_id"].split(".")[-1]: r["status"]
        for r in results
        if r["unique_id"].startswith("unit_test.")
    }
    assert len(statuses) >= 8, statuses
    assert set(statuses.values()) == {"pass"}, statuses
