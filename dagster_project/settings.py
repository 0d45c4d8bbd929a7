"""Where things live: landing data, warehouse, grading-model files.

Every path can be set on the command line or by an environment variable, so the CLI, the daily
schedule and `dagster dev` all agree on one place without code changes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SEEDS_DIR = PROJECT_ROOT / "seeds"

ENV_DATA_DIR = "GRADING_DATA_DIR"
ENV_WAREHOUSE = "GRADING_WAREHOUSE"
ENV_MODELS_DIR = "GRADING_MODELS_DIR"


@dataclass(frozen=True)
class Paths:
    """The three user-facing locations, always absolute."""

    data_dir: Path
    warehouse: Path
    models_dir: Path

    @property
    def config_dir(self) -> Path:
        """Compiled grading-model tables that dbt reads; kept beside the warehouse it feeds."""
        return self.warehouse.parent / f"{self.warehouse.stem}_compiled_models"

    @property
    def lock_file(self) -> Path:
        return self.warehouse.parent / f"{self.warehouse.name}.lock"

    @classmethod
    def from_env(
        cls,
        data_dir: str | os.PathLike[str] | None = None,
        warehouse: str | os.PathLike[str] | None = None,
        models_dir: str | os.PathLike[str] | None = None,
    ) -> Paths:
        """Explicit arguments win over environment variables, which win over the defaults."""

        def pick(value: str | os.PathLike[str] | None, env: str, default: Path) -> Path:
            chosen = value if value is not None else os.environ.get(env) or default
            return Path(chosen).expanduser().resolve()

        return cls(
            data_dir=pick(data_dir, ENV_DATA_DIR, PROJECT_ROOT / "demo_data"),
            warehouse=pick(warehouse, ENV_WAREHOUSE, PROJECT_ROOT / "warehouse" / "grading.duckdb"),
            models_dir=pick(models_dir, ENV_MODELS_DIR, PROJECT_ROOT / "grading_models"),
        )

    def as_env(self) -> dict[str, str]:
        """The paths as the environment variables dbt and Dagster read."""
        return {
            ENV_DATA_DIR: str(self.data_dir),
            ENV_WAREHOUSE: str(self.warehouse),
            ENV_MODELS_DIR: str(self.models_dir),
        }


@contextmanager
def scoped_environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for a block (and its subprocesses), then restore them."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
