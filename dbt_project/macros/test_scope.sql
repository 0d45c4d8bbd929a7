{#-
  Data tests on the incremental tables check what this run wrote, not all history: a test over
  every snapshot ever graded would make the daily run slower every day. A test opts in with a
  placeholder in its `where` config, replaced here when the test runs:
    __run_dates__    snapshot_date within the run's snapshot dates
    __recent_days__  activity_date within the lookback window before the run's today (the days
                     a daily run re-aggregates)
  (dbt's documented way to compute a test's `where` at run time: override get_where_subquery.)
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- set lookback = env_var('GRADING_AGGREGATE_LOOKBACK_DAYS', '35') | int -%}
        {%- set where = where
            | replace('__run_dates__',
                'snapshot_date between ' ~ snapshot_start() ~ ' and ' ~ snapshot_end())
            | replace('__recent_days__',
                'activity_date > ' ~ dbt.dateadd('day', -(lookback + 1), run_today())) -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
