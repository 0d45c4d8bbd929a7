{#-
  How int_customer_metrics computes a run's dates. `aggregate` joins every snapshot date to the
  customer-day rows and aggregates with conditions: cheapest for a few dates (one hash aggregate
  per date). `window` computes all dates in one pass of RANGE window frames: its cost barely
  grows with the number of dates, so it wins for backfills. `auto` (default) picks `aggregate`
  up to GRADING_METRICS_AGGREGATE_MAX_DATES dates (default 7). Both give identical rows (a test
  compares them). int_grade_alert_candidates takes the same choice for its drop_pct rule (a
  grouped aggregate per evaluated date, or one window frame): the question, a few dates or a
  range, is the same, so it has no switch of its own.
  The dates are read only when dbt executes (macro run_setting), so while dbt parses, `auto`
  always sees one date and picks `aggregate`: a model that branches on the strategy must keep
  every ref() outside the branches, as int_customer_metrics does, or dbt would not learn the
  dependencies of the other branch.
-#}
{% macro metrics_strategy() -%}
    {%- set chosen = env_var('GRADING_METRICS_STRATEGY', 'auto') | lower -%}
    {%- if chosen not in ('auto', 'aggregate', 'window') -%}
        {{ exceptions.raise_compiler_error(
            "GRADING_METRICS_STRATEGY must be auto, aggregate or window, not '" ~ chosen ~ "'") }}
    {%- endif -%}
    {%- if chosen != 'auto' -%}
        {{ return(chosen) }}
    {%- endif -%}
    {%- set start = modules.datetime.date.fromisoformat(run_setting('GRADING_SNAPSHOT_START', '2000-01-01')) -%}
    {%- set end = modules.datetime.date.fromisoformat(run_setting('GRADING_SNAPSHOT_END', '2000-01-01')) -%}
    {%- set dates = (end - start).days + 1 -%}
    {%- set limit = env_var('GRADING_METRICS_AGGREGATE_MAX_DATES', '7') | int -%}
    {{ return('aggregate' if dates <= limit else 'window') }}
{%- endmacro %}
