"""Where things live: landing data, warehouse, grading-model files.

Every path can be set on the command line or by an environment variable, so the CLI, the daily
schedule and `dagster dev` all agree on one place without code changes.
"""

from __future__ import annotations

import os
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

    def export_env(self) -> None:
        """Publish the paths to this process's environment (dbt and Dagster read them there)."""
        os.environ[ENV_DATA_DIR] = str(self.data_dir)
        os.environ[ENV_WAREHOUSE] = str(self.warehouse)
        os.environ[ENV_MODELS_DIR] = str(self.models_dir)
