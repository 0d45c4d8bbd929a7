"""The one Definitions object: `dagster dev -w workspace.yaml` and `grading run` both load it."""

from __future__ import annotations

from dagster import Definitions

from dagster_project.assets.config_assets import grading_model_config, grading_model_files
from dagster_project.assets.dbt_assets import grading_dbt_assets
from dagster_project.assets.delivery_assets import alert_delivery, policy_export
from dagster_project.assets.report_assets import grade_dashboard
from dagster_project.dbt_cli import GradingDbtCliResource, dbt_executable
from dagster_project.jobs import daily_grading_job, daily_grading_schedule
from dagster_project.resources import AlertingResource, GradingResource, PolicyExportResource
from dagster_project.settings import DBT_PROJECT_DIR


def build_definitions() -> Definitions:
    """Resources read the environment when this is called (the CLI sets it first)."""
    return Definitions(
        assets=[
            grading_model_files,
            grading_model_config,
            grading_dbt_assets,
            alert_delivery,
            policy_export,
            grade_dashboard,
        ],
        jobs=[daily_grading_job],
        schedules=[daily_grading_schedule],
        resources={
            "dbt": GradingDbtCliResource(
                project_dir=str(DBT_PROJECT_DIR),
                profiles_dir=str(DBT_PROJECT_DIR),
                dbt_executable=dbt_executable(),
            ),
            "grading": GradingResource.from_env(),
            "alerting": AlertingResource.from_env(),
            "exports": PolicyExportResource(),
        },
    )


defs = build_definitions()
