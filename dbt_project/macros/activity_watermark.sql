{#-
  The first activity day int_customer_daily_activity (re)aggregates, as a 'YYYY-MM-DD' string:
  the day after the newest day that survives the re-aggregation window (the last `lookback` days
  before the newest stored day are deleted and aggregated again). Read from the table before
  anything is deleted, by the model's pre-hook and by its body alike, so both use the same day;
  a constant, unlike a scalar subquery, is pushed down into the scans of the staged events, so a
  daily run reads the last weeks of events instead of joining the whole history.
  '1900-01-01' (everything) on a first build or when the table is too young.
-#}
{% macro activity_watermark(relation, lookback) -%}
    {%- set first = '1900-01-01' -%}
    {%- if execute and is_incremental() -%}
        {%- set query -%}
            select cast({{ dbt.dateadd('day', 1, 'max(activity_date)') }} as {{ dbt.type_string() }})
            from {{ relation }}
            where activity_date <= (
                select {{ dbt.dateadd('day', -lookback, 'max(activity_date)') }} from {{ relation }}
            )
        {%- endset -%}
        {%- set found = run_query(query).columns[0].values()[0] -%}
        {%- if found -%}{%- set first = found[:10] -%}{%- endif -%}
    {%- endif -%}
    {{ return(first) }}
{%- endmacro %}
