{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='snapshot_date',
    )
}}
{#-
  The at-risk list per snapshot: customers graded on snapshot_date who raised a sustained-decline
  alert (decline_streak, decline_pct) or a key-account-inactivity alert on that date or in the
  at_risk_window_days() days before it (GRADING_AT_RISK_DAYS, default 30). Alerts are raised when
  their condition becomes true, not every day it stays true, hence the window.
  One row per (snapshot_date, grading_model, customer_id); largest revenue first is the natural
  order for a manager's list.
-#}
with run_grades as (
    select *
    from {{ ref('customer_grades') }}
    where snapshot_date between {{ snapshot_start() }} and {{ snapshot_end() }}
),

window_alerts as (
    select
        run_grades.snapshot_date,
        run_grades.grading_model,
        run_grades.customer_id,
        alerts.rule,
        alerts.snapshot_date as alert_date,
        alerts.reason
    from run_grades
    inner join {{ ref('int_grade_alert_candidates') }} as alerts
        on run_grades.grading_model = alerts.grading_model
        and run_grades.customer_id = alerts.customer_id
        and alerts.snapshot_date <= run_grades.snapshot_date
        and alerts.snapshot_date > {{ dbt.dateadd('day', '-' ~ at_risk_window_days(),
            'run_grades.snapshot_date') }}
    where alerts.rule in {{ at_risk_rules() }}
),

latest as (
    select
        window_alerts.*,
        row_number() over (
            partition by snapshot_date, grading_model, customer_id
            order by alert_date desc, rule
        ) as recency
    from window_alerts
),

per_rule as (
    select snapshot_date, grading_model, customer_id, rule, count(*) as alerts,
        max(alert_date) as last_alert_date
    from window_alerts
    group by snapshot_date, grading_model, customer_id, rule
),

per_customer as (
    select
        snapshot_date,
        grading_model,
        customer_id,
        {{ dbt.listagg('rule', "', '", 'order by rule') }} as risk_rules,
        sum(alerts) as risk_alerts,
        max(last_alert_date) as last_alert_date
    from per_rule
    group by snapshot_date, grading_model, customer_id
)

select
    per_customer.snapshot_date,
    per_customer.grading_model,
    per_customer.customer_id,
    run_grades.customer_name,
    run_grades.owner_id,
    customers.owner_name,
    run_grades.region,
    run_grades.grade,
    run_grades.grade_rank,
    run_grades.score,
    run_grades.purchase_value_12m,
    per_customer.risk_rules,
    per_customer.risk_alerts,
    per_customer.last_alert_date,
    latest.reason as last_reason
from per_customer
inner join latest
    on per_customer.snapshot_date = latest.snapshot_date
    and per_customer.grading_model = latest.grading_model
    and per_customer.customer_id = latest.customer_id
    and latest.recency = 1
inner join run_grades
    on per_customer.snapshot_date = run_grades.snapshot_date
    and per_customer.grading_model = run_grades.grading_model
    and per_customer.customer_id = run_grades.customer_id
inner join {{ ref('int_customers') }} as customers
    on per_customer.customer_id = customers.customer_id
