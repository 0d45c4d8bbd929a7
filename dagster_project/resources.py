"""Dagster resources, configured from the environment (see settings.py for the variables)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
from dagster import ConfigurableResource

from dagster_project import landing
from dagster_project.settings import Paths
from dagster_project.warehouse import read_only, warehouse_lock


class GradingResource(ConfigurableResource):
    """The landing folder, warehouse file and grading-model folder a run works on."""

    data_dir: str
    warehouse: str
    models_dir: str

    @classmethod
    def from_env(cls) -> GradingResource:
        paths = Paths.from_env()
        return cls(
            data_dir=str(paths.data_dir),
            warehouse=str(paths.warehouse),
            models_dir=str(paths.models_dir),
        )

    @property
    def paths(self) -> Paths:
        return Paths.from_env(self.data_dir, self.warehouse, self.models_dir)

    def dbt_env(self, first_date: dt.date, last_date: dt.date) -> dict[str, str]:
        """Environment variables the dbt project reads for one run over [first, last] dates.

        Also refreshes the landing-file manifest the incremental staging compares against, so
        the files dbt reads are exactly the ones checked here.
        """
        paths = self.paths
        entities = landing.discover(paths.data_dir)
        landing.write_manifest(entities, paths.config_dir)
        env = {entity.env_var: entity.glob or "" for entity in entities.values()}
        env.update(
            GRADING_WAREHOUSE=str(paths.warehouse),
            GRADING_CONFIG_DIR=str(paths.config_dir),
            GRADING_SNAPSHOT_START=first_date.isoformat(),
            GRADING_SNAPSHOT_END=last_date.isoformat(),
        )
        return env

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the warehouse for a write (dbt run) so no other process touches it meanwhile."""
        paths = self.paths
        paths.warehouse.parent.mkdir(parents=True, exist_ok=True)
        with warehouse_lock(paths):
            yield

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with read_only(self.paths) as connection:
            yield connection
