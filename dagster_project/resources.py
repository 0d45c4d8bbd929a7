"""Dagster resources, configured from the environment (see settings.py for the variables)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from dagster_project import landing
from dagster_project.alerting import Channel, load_channels
from dagster_project.policy_export import Webhook, export_dir_for
from dagster_project.settings import Paths
from dagster_project.warehouse import read_only, warehouse_lock

ENV_DBT_FILE_LOG_LEVEL = "DBT_LOG_LEVEL_FILE"
ENV_ALERT_MAX_AGE_DAYS = "GRADING_ALERT_MAX_AGE_DAYS"


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
        # dbt's own debug log file (every statement of the build, as JSON) costs about a second
        # of a small daily run and is rarely read: the run's log keeps dbt's info-level lines.
        # A user who wants it sets DBT_LOG_LEVEL_FILE=debug, which is passed through as is.
        if not os.environ.get(ENV_DBT_FILE_LOG_LEVEL):
            env[ENV_DBT_FILE_LOG_LEVEL] = "none"
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


class AlertingResource(ConfigurableResource):
    """Where alerts go. Holds the *names* of the environment variables, never the URLs: those
    carry credentials and must not show up in the Dagster UI or run config."""

    max_age_days: int = 7

    @classmethod
    def from_env(cls) -> AlertingResource:
        raw = os.environ.get(ENV_ALERT_MAX_AGE_DAYS, "").strip()
        if raw and (not raw.isdigit() or int(raw) < 0):
            raise ValueError(f"{ENV_ALERT_MAX_AGE_DAYS} must be a whole number >= 0, not {raw!r}")
        return cls(max_age_days=int(raw) if raw else 7)

    def channels(self) -> list[Channel]:
        """Read at run time, so a changed URL needs no reload of the definitions."""
        return load_channels()


class PolicyExportResource(ConfigurableResource):
    """Export folder and optional webhook, read from the environment at run time."""

    def export_dir(self, paths: Paths) -> Path:
        return export_dir_for(paths)

    def webhook(self) -> Webhook | None:
        return Webhook.from_env()
