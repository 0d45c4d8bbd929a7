{#-
  The earliest snapshot date int_grade_alert_candidates can read for this run, as 'YYYY-MM-DD':
  the oldest of
    - the snapshot max(decline_snapshots) + 1 steps before the run's first date (the streak
      rule; 1 step back is also the reference date of up/downgrades and inactivity), for the
      model whose such snapshot is oldest;
    - the snapshot one step before the run's first date, minus max(decline_within_days) days
      (the drop rule evaluates that snapshot too, against the days before it).
  A constant, so that the model's reads of customer_grades and int_node_score_history are
  filtered in their scans: joined to the few dates a rule needs, DuckDB still read every
  stored row, and a daily run's cost grew with the history kept (at 10,000 customers with a
  year of snapshots the node read 23.7 million node-score rows to keep a few thousand;
  docs/benchmarks.md). Rules count snapshots, not days, so the dates come from the
  snapshots stored (int_model_snapshot_dates), whatever the gaps between them.
-#}
{% macro alert_history_start() -%}
    {%- set start = run_setting('GRADING_SNAPSHOT_START', '2000-01-01') -%}
    {%- if not execute -%}{{ return(start) }}{%- endif -%}
    {%- set reach_query -%}
        select
            coalesce(max(decline_snapshots), 0) + 1,
            coalesce(max(decline_within_days), 0)
        from {{ ref('stg_model_alert_rules') }}
    {%- endset -%}
    {%- set reach = run_query(reach_query).rows[0] -%}
    {%- set earlier_query -%}
        select
            cast(min(snapshot_date) as {{ dbt.type_string() }}),
            cast(min(case when steps_back = 1 then snapshot_date end) as {{ dbt.type_string() }})
        from (
            select
                snapshot_date,
                row_number() over (
                    partition by grading_model order by snapshot_date desc
                ) as steps_back
            from {{ ref('int_model_snapshot_dates') }}
            where snapshot_date < {{ snapshot_start() }}
        ) as earlier
        where steps_back <= {{ reach[0] | int }}
    {%- endset -%}
    {%- set earlier = run_query(earlier_query).rows[0] -%}
    {%- set first = modules.datetime.date.fromisoformat(start) -%}
    {%- set oldest_step = modules.datetime.date.fromisoformat(earlier[0][:10]) if earlier[0] else first -%}
    {%- set previous = modules.datetime.date.fromisoformat(earlier[1][:10]) if earlier[1] else first -%}
    {%- set drop_start = previous - modules.datetime.timedelta(days=reach[1] | int) -%}
    {{ return([first, oldest_step, drop_start] | min | string) }}
{%- endmacro %}
