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
  Incremental strategy `append_query`: dbt's `append`, with the model's query inserted straight
  into the table instead of through a temporary table first (the same temporary view as above).
  For int_customer_daily_activity, whose 3 million customer-days of a daily run at a million
  customers were written twice: 2.50 and 2.54 s against 3.09 and 2.69 s through a temporary
  table (docs/benchmarks.md). The query may read the table itself: the insert reads it as it
  was before the insert, as the temporary table did.
-#}
{% macro get_incremental_append_query_sql(arg_dict) -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }};

    drop view if exists {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#-
  dbt-duckdb's create_table_as, except for the temporary relation of a `replace_snapshot_dates`
  or `append_query` model, which is a view (see above). Everything else goes to the adapter's
  own macro.
-#}
{% macro duckdb__create_table_as(temporary, relation, compiled_code, language='sql', partitioned_by=none, sorted_by=none) -%}
    {%- if temporary and language == 'sql'
            and config.get('incremental_strategy') in ('replace_snapshot_dates', 'append_query') -%}
        create temporary view {{ relation.include(database=false, schema=false) }} as
        {{ compiled_code }}
    {%- else -%}
        {{ dbt.duckdb__create_table_as(
            temporary, relation, compiled_code, language, partitioned_by, sorted_by) }}
    {%- endif -%}
{%- endmacro %}
