{#-
  Incremental strategy `replace_snapshot_dates`, for the per-date tables whose rows a run
  computes for exactly its snapshot dates (GRADING_SNAPSHOT_START..END): the run's dates are
  deleted and the model's query is inserted straight into the table.

  dbt's `delete+insert` first writes the model's result to a temporary table, then deletes the
  keys found in it and copies it into the target: every row is written twice. At a million
  customers a date has some 10 million node-score rows; for the four models that use this
  strategy the copy took about 2 of their 14 s (docs/benchmarks.md). Here the "temporary
  relation" dbt-duckdb's incremental materialization asks for is a temporary view of the model's
  query (the override of `duckdb__create_table_as` below), so the rows are computed once, inside
  the insert. The dates to replace come from the run's settings, not from the new rows, because
  reading the view for them would compute the model twice; a date of the run that yields no rows
  now is emptied too, which is what re-grading a date means.

  Only for models that do not read their own table ({{ this }}): the delete runs before the
  query. `unique_key` names the date column (the uniqueness tests hold per date and model).
-#}
{% macro get_incremental_replace_snapshot_dates_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set date_column = arg_dict['unique_key'] -%}
    {%- if date_column is not string -%}
        {{ exceptions.raise_compiler_error(
            "replace_snapshot_dates needs unique_key set to the snapshot date column, got "
            ~ date_column) }}
    {%- endif -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where {{ adapter.quote(date_column) }} between {{ snapshot_start() }} and {{ snapshot_end() }};

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }};

    drop view if exists {{ source }}
{%- endmacro %}

{#-
  dbt-duckdb's create_table_as, except for the temporary relation of a `replace_snapshot_dates`
  model, which is a view (see above). Everything else goes to the adapter's own macro.
-#}
{% macro duckdb__create_table_as(temporary, relation, compiled_code, language='sql', partitioned_by=none, sorted_by=none) -%}
    {%- if temporary and language == 'sql'
            and config.get('incremental_strategy') == 'replace_snapshot_dates' -%}
        create temporary view {{ relation.include(database=false, schema=false) }} as
        {{ compiled_code }}
    {%- else -%}
        {{ dbt.duckdb__create_table_as(
            temporary, relation, compiled_code, language, partitioned_by, sorted_by) }}
    {%- endif -%}
{%- endmacro %}
