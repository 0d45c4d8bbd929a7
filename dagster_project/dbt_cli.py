"""Locating and preparing the dbt project for Dagster.

dagster-dbt runs `dbt` from PATH by default; a user who calls `.venv/bin/grading` without
activating the virtualenv has no `dbt` there, so the executable is taken from the running
interpreter's own environment.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliResource
from packaging import version

from dagster_project.dbt_binary import dbt_executable
from dagster_project.settings import DBT_PROJECT_DIR, SEEDS_DIR

__all__ = [
    "GradingDbtCliResource",
    "dbt_executable",
    "ensure_manifest",
    "keep_partial_parse",
    "prune_invocation_targets",
]

MANIFEST_PATH = DBT_PROJECT_DIR / "target" / "manifest.json"


def _project_sources() -> list[Path]:
    roots = [DBT_PROJECT_DIR / "models", DBT_PROJECT_DIR / "macros", DBT_PROJECT_DIR / "tests"]
    files = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    for root in roots:
        files.extend(p for p in root.rglob("*") if p.is_file())
    files.extend(p for p in SEEDS_DIR.rglob("*.csv"))
    return files


def manifest_is_stale() -> bool:
    if not MANIFEST_PATH.exists():
        return True
    built = MANIFEST_PATH.stat().st_mtime
    return any(path.stat().st_mtime > built for path in _project_sources())


def ensure_manifest() -> Path:
    """Run `dbt parse` when the manifest is missing or older than the project files.

    Dagster needs the manifest to build the asset graph before anything runs; parsing only when
    something changed keeps the start-up of a daily run short.
    """
    if manifest_is_stale():
        env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
        result = subprocess.run(
            [
                dbt_executable(),
                "parse",
                "--quiet",
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
        if result.returncode != 0:
            raise RuntimeError(f"dbt parse failed:\n{result.stdout}\n{result.stderr}")
    return MANIFEST_PATH


def prune_invocation_targets(keep: int = 20) -> None:
    """Delete all but the newest `keep` per-invocation target folders.

    dagster-dbt gives every dbt invocation its own target folder (manifest, run results, log);
    without pruning a daily schedule leaves one behind per run, forever.
    """
    target = DBT_PROJECT_DIR / "target"
    if not target.is_dir():
        return
    runs = sorted(
        (p for p in target.iterdir() if p.is_dir() and p.name.startswith("grading_dbt_assets-")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for stale in runs[keep:]:
        shutil.rmtree(stale, ignore_errors=True)


class GradingDbtCliResource(DbtCliResource):
    """DbtCliResource without two start-up costs dagster-dbt pays on every invocation.

    - The `dbt --version` subprocess (about 2 s of a cold Python start), asked to tell dbt Core
      from the Fusion engine: this project pins dbt-core, so the installed package's version is
      the answer.
    - A dbt adapter loaded inside Dagster's own process (project, profile and every macro: about
      2 s), used only by `fetch_row_count()` and `fetch_column_metadata()`, which this project
      does not call. dbt itself still runs in its own subprocess, as before.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
        return None


def keep_partial_parse(invocation_target: Path) -> None:
    """Make this invocation's parse state the starting point of the next invocation.

    dagster-dbt runs every invocation in a fresh target folder seeded with
    target/partial_parse.msgpack; without copying the result back, a changed profile value (the
    warehouse path) forces a full re-parse on every run.
    """
    produced = invocation_target / "partial_parse.msgpack"
    if produced.exists():
        destination = DBT_PROJECT_DIR / "target" / "partial_parse.msgpack"
        temporary = destination.with_suffix(".msgpack.tmp")
        shutil.copyfile(produced, temporary)
        os.replace(temporary, destination)
