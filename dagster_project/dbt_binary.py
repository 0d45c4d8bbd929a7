"""Finding the `dbt` executable without importing dagster-dbt.

dagster-dbt runs `dbt` from PATH by default; a user who calls `.venv/bin/grading` without
activating the virtualenv has no `dbt` there, so the executable is taken from the running
interpreter's own environment. Kept apart from dbt_cli.py so commands that only call dbt (the
what-if runs) skip dagster-dbt's import, about 2.5 s of every start.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def dbt_executable() -> str:
    """`dbt` beside this interpreter (the virtualenv's bin/), else the one on PATH."""
    candidate = Path(sys.executable).parent / "dbt"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("dbt")
    if found is None:
        raise RuntimeError(
            f"dbt is not installed beside {sys.executable} nor on PATH: run `make install`"
        )
    return found
