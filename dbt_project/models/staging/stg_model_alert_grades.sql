{#- Compiled from grading_models/*.yml by dagster_project.grading_rules (validated before any run). -#}
select * from {{ grading_config('model_alert_grades') }}
