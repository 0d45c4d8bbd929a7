{#-
  Run settings come from environment variables set by the `grading` CLI / Dagster, not from
  --vars: dbt re-parses the whole project when --vars change, but only the files that read an
  env var when that env var changes.
-#}

{% macro sql_string(value) -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}

{% macro snapshot_start() -%}
    cast({{ sql_string(env_var('GRADING_SNAPSHOT_START', '2000-01-01')) }} as date)
{%- endmacro %}

{% macro snapshot_end() -%}
    cast({{ sql_string(env_var('GRADING_SNAPSHOT_END', '2000-01-01')) }} as date)
{%- endmacro %}

{#- The day after which an event date counts as "in the future" (bad input). -#}
{% macro run_today() -%}
    {%- set today = env_var('GRADING_TODAY', '') -%}
    {%- if today -%}cast({{ sql_string(today) }} as date){%- else -%}current_date{%- endif -%}
{%- endmacro %}

{#- Compiled grading-model tables, written as Parquet by `dagster_project.grading_rules`. -#}
{% macro grading_config(table_name) -%}
    {%- do source('grading_config', 'compiled_models') -%}
    {%- set config_dir = env_var('GRADING_CONFIG_DIR', 'warehouse/compiled_models') -%}
    read_parquet({{ sql_string(config_dir ~ '/' ~ table_name ~ '.parquet') }})
{%- endmacro %}
