{#-
  The metric catalogue as code: the columns of `int_customer_metrics` a grading model may name.
  It must list exactly the metrics of seeds/metric_catalogue.csv (a pytest checks both agree).
  Grading-model files never reach SQL as text: their metric names are matched as *values*
  against these literals.
-#}
{% macro metric_names() -%}
    {{ return([
        'purchase_value_12m', 'purchase_count_12m', 'cumulative_purchase_value',
        'cumulative_purchase_count', 'average_order_value_12m', 'days_since_last_purchase',
        'active_months_6m', 'repurchase_rate_12m', 'on_time_payment_rate_12m', 'avg_days_late_12m',
        'credit_incidents_12m', 'partnership_months', 'credit_rating_score',
        'consultation_count_12m', 'interaction_count_12m', 'days_since_last_interaction',
        'purchase_value_growth_12m',
    ]) }}
{%- endmacro %}

{#- Picks a metric column by the metric name held in `name_column` (data, not SQL text). -#}
{% macro metric_value_by_name(name_column, metrics_alias) -%}
    case {{ name_column }}
        {%- for metric in metric_names() %}
        when '{{ metric }}' then cast({{ metrics_alias }}.{{ metric }} as double)
        {%- endfor %}
    end
{%- endmacro %}

{#- Whole days since 1970-01-01: an integer axis for RANGE window frames on any engine. -#}
{% macro day_number(date_expr) -%}
    {{ dbt.datediff("cast('1970-01-01' as date)", date_expr, 'day') }}
{%- endmacro %}

{#-
  A date moved by `amount` dateparts, still a date: dbt.dateadd gives a timestamp on some engines,
  and comparing a date column with a timestamp casts every row of it.
-#}
{% macro shifted_date(datepart, amount, date_expr) -%}
    cast({{ dbt.dateadd(datepart, amount, date_expr) }} as date)
{%- endmacro %}

{#- Calendar-month index (year * 12 + month) for month-granular windows. -#}
{% macro month_number(date_expr) -%}
    (extract(year from {{ date_expr }}) * 12 + extract(month from {{ date_expr }}))
{%- endmacro %}

{#- A score clamped to [floor, cap]; NULL bounds are ignored. -#}
{% macro clamp(value, floor, cap) -%}
    least(greatest({{ value }}, coalesce({{ floor }}, {{ value }})), coalesce({{ cap }}, {{ value }}))
{%- endmacro %}
