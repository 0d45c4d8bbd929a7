"""Customer value grading: dbt models on DuckDB, orchestrated by Dagster."""
