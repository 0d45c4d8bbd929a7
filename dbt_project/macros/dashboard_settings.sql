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
  part / total as a float whatever the engine's integer division, NULL when total is 0 (dbt core
  has no safe_divide; dbt_utils' is this same nullif).
-#}
{% macro share_of(part, total) -%}
    cast({{ part }} as {{ dbt.type_float() }}) / nullif({{ total }}, 0)
{%- endmacro %}
