{#-
  Run settings come from environment variables set by the `grading` CLI / Dagster, not from
  --vars: dbt re-parses the whole project when --vars change, but only the files that read an
  env var when that env var changes.
-#}

{#-
  A run setting that changes on every run (the snapshot dates, today), read only when dbt
  executes. dbt's partial parsing re-parses every file that read an env var whose value changed
  since the last parse; read at parse time, the dates made every daily run re-parse the 13
  files that use them (about 1 s of each run). These values only ever end up in SQL text, never
  in a ref(), source() or config(), so parsing does not need them: at parse time (`execute` is
  false) the default stands in.
-#}
{% macro run_setting(name, default) -%}
    {%- if execute -%}
        {{ return(env_var(name, default)) }}
    {%- else -%}
        {{ return(default) }}
    {%- endif -%}
{%- endmacro %}

{% macro sql_string(value) -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}

{% macro snapshot_start() -%}
    cast({{ sql_string(run_setting('GRADING_SNAPSHOT_START', '2000-01-01')) }} as date)
{%- endmacro %}

{% macro snapshot_end() -%}
    cast({{ sql_string(run_setting('GRADING_SNAPSHOT_END', '2000-01-01')) }} as date)
{%- endmacro %}

{#- The day after which an event date counts as "in the future" (bad input). -#}
{% macro run_today() -%}
    {%- set today = run_setting('GRADING_TODAY', '') -%}
    {%- if today -%}cast({{ sql_string(today) }} as date){%- else -%}current_date{%- endif -%}
{%- endmacro %}

{#- Compiled grading-model tables, written as Parquet by `dagster_project.grading_rules`. -#}
{% macro grading_config(table_name) -%}
    {%- do source('grading_config', 'compiled_models') -%}
    {%- set config_dir = env_var('GRADING_CONFIG_DIR', 'warehouse/compiled_models') -%}
    read_parquet({{ sql_string(config_dir ~ '/' ~ table_name ~ '.parquet') }})
{%- endmacro %}
