{#-
  File-level incremental staging of the event entities (purchases, payments, interactions).

  Their landing history only grows, so typing every row of every file again on each daily run
  would make the run as slow as the whole history is long. Instead the CLI / Dagster writes a
  manifest of the landing files (`landing_files.parquet` in GRADING_CONFIG_DIR: entity, path,
  file_id = a 64-bit hash of path|size|mtime_ns, i.e. of the file's version) before dbt starts,
  and each `base_<entity>` model:
    1. reads only the files whose version it has not stored yet (all files on the first run);
    2. re-ranks, together with those new rows, the stored rows of every affected id (an id in a
       new file, or an id that had a row in a file that was rewritten or removed), so duplicate
       resolution gives the same answer as a full rebuild whatever order files arrived in;
    3. replaces the rows of those ids (strategy restage_ids, below: delete+insert on the id,
       deleting only when a stored row can share an id with the new rows), and a post-hook drops
       whatever is left from files that are no longer in the manifest.
  Checks that depend on other data or on the date (unknown customer, dated in the future) are
  not stored: the `stg_<entity>` views apply them on every read.
-#}

{% macro landing_manifest() -%}
    {%- do source('landing', 'file_manifest') -%}
    {{ grading_config('landing_files') }}
{%- endmacro %}

{#- The ids of the entity's current landing file versions, as a subquery. -#}
{% macro current_file_ids(entity) -%}
    (select file_id from {{ landing_manifest() }} where entity = {{ sql_string(entity) }})
{%- endmacro %}

{#-
  What changed in the entity's landing files since this model last ran, as
  {entity, new_paths, replaced}: the files to read (every file on a first or full-refresh run)
  and whether stored rows came from files that were rewritten or removed since. Two small
  queries at execution time; nothing is read when nothing changed.
-#}
{% macro landing_changes(entity) -%}
    {%- set changes = {'entity': entity, 'new_paths': [], 'replaced': false} -%}
    {%- if execute -%}
        {%- set new_files -%}
            select path from {{ landing_manifest() }}
            where entity = {{ sql_string(entity) }}
            {%- if is_incremental() %}
                and file_id not in (select distinct source_file_id from {{ this }})
            {%- endif %}
            order by path
        {%- endset -%}
        {%- do changes.update({'new_paths': run_query(new_files).columns[0].values() | list}) -%}
        {%- if is_incremental() -%}
            {%- set replaced -%}
                select count(*) from (select distinct source_file_id from {{ this }}) as stored
                where source_file_id not in {{ current_file_ids(entity) }}
            {%- endset -%}
            {%- do changes.update({'replaced': run_query(replaced).columns[0].values()[0] > 0}) -%}
        {%- endif -%}
    {%- endif -%}
    {%- do return(changes) -%}
{%- endmacro %}

{#- The new landing rows (`changes.new_paths`) as all-text columns plus `source_file_id`. -#}
{% macro landing_increment(changes, columns) -%}
    {%- set paths = changes.new_paths -%}
    {%- if paths | length > 0 -%}
        {%- set file_list -%}
            [{%- for path in paths %}{{ sql_string(path) }}{{ ", " if not loop.last }}{% endfor -%}]
        {%- endset -%}
        (
            select
                {%- for column in columns %}
                cast(files.{{ adapter.quote(column) }} as varchar) as {{ column }},
                {%- endfor %}
                manifest.file_id as source_file_id
            from
            {%- if paths[0].endswith('.parquet') %}
                read_parquet({{ file_list }}, union_by_name = true, filename = true) as files
            {%- else %}
                read_csv({{ file_list }}, header = true, all_varchar = true, union_by_name = true,
                         encoding = 'utf-8', filename = true) as files
            {%- endif %}
            inner join {{ landing_manifest() }} as manifest
                on files.filename = manifest.path
        )
    {%- else -%}
        (
            select
                {%- for column in columns %}
                cast(null as varchar) as {{ column }},
                {%- endfor %}
                cast(null as bigint) as source_file_id
            where 1 = 0
        )
    {%- endif -%}
{%- endmacro %}

{#-
  `relation` (the new rows, with `columns`) plus the stored rows that must be ranked again with
  them: those of an id that occurs in the new rows or that lost a row to a rewritten or removed
  file. Rows of files no longer current are left out (and dropped by the post-hook). When no
  file changed, the stored table is not scanned at all; when files were only added, it is
  scanned whole only if a stored id occurs in them (stored_ids_recur).
-#}
{% macro with_affected_stored_rows(changes, relation, key_column, columns) -%}
    select {{ columns | join(', ') }} from {{ relation }}
    {%- if is_incremental() and (changes.replaced
            or (changes.new_paths and stored_ids_recur(changes, key_column))) %}
    union all
    select {{ columns | join(', ') }}
    from {{ this }}
    where source_file_id in {{ current_file_ids(changes.entity) }}
        and {{ key_column }} in (
            select {{ key_column }} from {{ relation }}
            {%- if changes.replaced %}
            union
            select {{ key_column }} from {{ this }}
            where source_file_id not in {{ current_file_ids(changes.entity) }}
            {%- endif %}
        )
    {%- endif %}
{%- endmacro %}

{#-
  Whether an id of the new files (cleaned as the base model cleans it) is already stored, from a
  file still current. Usually none is: a day's delivery brings new ids. The question reads two
  narrow columns of the stored table, while the stored rows to rank again (all their columns,
  the raw record included) were read whole for every new file: at a million customers the scan
  cost about 2 s per entity for a query that found no row (docs/benchmarks.md).
  True while dbt parses, so the parsed SQL shows the full query.
-#}
{% macro stored_ids_recur(changes, key_column) -%}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set probe -%}
        select count(*) from (
            select 1 from {{ this }}
            where source_file_id in {{ current_file_ids(changes.entity) }}
                and {{ key_column }} in (
                    select {{ clean_text(key_column) }}
                    from {{ landing_increment(changes, [key_column]) }} as new_rows
                )
            limit 1
        ) as recurring
    {%- endset -%}
    {{ return(run_query(probe).columns[0].values()[0] > 0) }}
{%- endmacro %}

{#- Post-hook: rows of files that were rewritten or removed since they were staged. -#}
{% macro drop_rows_of_replaced_files(entity) -%}
    delete from {{ this }} where source_file_id not in {{ current_file_ids(entity) }}
{%- endmacro %}

{#-
  dbt's run_started_at as a timestamp, the same for every model of one invocation: when a base
  table (re)wrote a row (`staged_at`) and when int_quarantined_events checked it (`checked_at`),
  so that a check takes up only the rows written since the last one.
-#}
{% macro run_started_timestamp() -%}
    cast({{ sql_string(run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f')) }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#-
  Incremental strategy `restage_ids`, for the base_ models: dbt's delete+insert on the id, with
  the delete left out when no stored row can share an id with the new rows.

  The delete scans the id column of every stored row (some 20 million at a million customers,
  about 0.3 s per entity) and, on a day's delivery of new ids, deletes nothing. Whether it can
  delete anything is known from the new rows themselves: with_affected_stored_rows puts into
  them every stored row (from a current file) of an id that is being ranked again, so a stored
  row shares an id with the new rows only if a row of a stored file version is among them. That
  question reads the stored `source_file_id` column only. Stored rows of rewritten or removed
  files are the post-hook's (drop_rows_of_replaced_files), whatever happens here.
-#}
{% macro get_incremental_restage_ids_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set key = arg_dict['unique_key'] -%}
    {%- if key is not string -%}
        {{ exceptions.raise_compiler_error(
            "restage_ids needs unique_key set to the entity's id column, got " ~ key) }}
    {%- endif -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set restaged -%}
        select count(*) from (
            select 1 from {{ source }}
            where source_file_id in (select source_file_id from {{ target }})
            limit 1
        ) as stored_rows
    {%- endset -%}
    {%- if run_query(restaged).columns[0].values()[0] > 0 %}
    delete from {{ target }}
    where {{ adapter.quote(key) }} in (select {{ adapter.quote(key) }} from {{ source }});
    {% endif %}
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
{%- endmacro %}
