{#-
  How far back an alert keeps a customer "at risk" and counts as open in the salesperson
  portfolio: GRADING_AT_RISK_DAYS (default 30), the alerts of the snapshot date and the days
  before it. Read from the environment like the other run settings (run_settings.sql).
-#}
{% macro at_risk_window_days() -%}
    {%- set raw = env_var('GRADING_AT_RISK_DAYS', '30') | trim -%}
    {%- if not raw.isdigit() or (raw | int) < 1 -%}
        {{ exceptions.raise_compiler_error(
            "GRADING_AT_RISK_DAYS must be a whole number of days >= 1, not '" ~ raw ~ "'") }}
    {%- endif -%}
    {{ raw | int }}
{%- endmacro %}

{#- The alert rules that mark a customer at risk: sustained decline and key accounts gone quiet. -#}
{% macro at_risk_rules() -%}
    ('decline_streak', 'decline_pct', 'key_account_inactivity')
{%- endmacro %}

{#-
  part / total as a fraction whatever the engine's integer division, NULL when total is 0 (dbt
  core has no safe_divide; dbt_utils' is this same nullif).
-#}
{% macro share_of(part, total) -%}
    ({{ part }}) * 1.0 / nullif({{ total }}, 0)
{%- endmacro %}

{#-
  Sum money exactly: a sum of doubles depends on the order parallel threads add them, so the
  same date graded twice could differ in the last digit. Decimal sums do not.
-#}
{% macro exact_sum(expression) -%}
    sum(cast(coalesce({{ expression }}, 0) as {{ dbt.type_numeric() }}))
{%- endmacro %}

{#- The average of scores (6 decimals), summed exactly for the same reason. -#}
{% macro exact_avg(expression) -%}
    avg(cast({{ expression }} as {{ dbt.type_numeric() }}))
{%- endmacro %}
