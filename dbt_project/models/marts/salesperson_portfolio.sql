{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='snapshot_date',
    )
}}
{#-
  Each salesperson's book per snapshot, one row per (snapshot_date, grading_model, owner_id,
  grade): customers and their 12-month revenue in that grade, how many of them are at risk
  (at_risk_customers) and the alerts of any rule raised on them in the at-risk window
  (open_alerts: the date and the at_risk_window_days() days before it). owner_id NULL gathers
  the customers without a known owner. Every grade of the model has a row for every owner who
  has customers in the model, so "customers per grade" reads straight across.
-#}
with run_grades as (
    select snapshot_date, grading_model, customer_id, owner_id, grade, purchase_value_12m
    from {{ ref('customer_grades') }}
    where snapshot_date between {{ snapshot_start() }} and {{ snapshot_end() }}
),

window_alerts as (
    select
        run_grades.snapshot_date,
        run_grades.grading_model,
        run_grades.customer_id,
        count(*) as alerts
    from run_grades
    inner join {{ ref('int_grade_alert_candidates') }} as alerts
        on run_grades.grading_model = alerts.grading_model
        and run_grades.customer_id = alerts.customer_id
        and alerts.snapshot_date <= run_grades.snapshot_date
        and alerts.snapshot_date > {{ dbt.dateadd('day', '-' ~ at_risk_window_days(),
            'run_grades.snapshot_date') }}
    group by run_grades.snapshot_date, run_grades.grading_model, run_grades.customer_id
),

per_grade as (
    select
        run_grades.snapshot_date,
        run_grades.grading_model,
        run_grades.owner_id,
        run_grades.grade,
        count(*) as customers,
        {{ exact_sum('run_grades.purchase_value_12m') }} as revenue_12m,
        sum(case when at_risk.customer_id is not null then 1 else 0 end) as at_risk_customers,
        sum(coalesce(window_alerts.alerts, 0)) as open_alerts
    from run_grades
    left join {{ ref('at_risk_customers') }} as at_risk
        on run_grades.snapshot_date = at_risk.snapshot_date
        and run_grades.grading_model = at_risk.grading_model
        and run_grades.customer_id = at_risk.customer_id
    left join window_alerts
        on run_grades.snapshot_date = window_alerts.snapshot_date
        and run_grades.grading_model = window_alerts.grading_model
        and run_grades.customer_id = window_alerts.customer_id
    group by run_grades.snapshot_date, run_grades.grading_model, run_grades.owner_id,
        run_grades.grade
),

scale as (
    select owners.snapshot_date, owners.grading_model, owners.owner_id, grades.grade,
        grades.grade_rank
    from (select distinct snapshot_date, grading_model, owner_id from run_grades) as owners
    inner join {{ ref('stg_model_grades') }} as grades
        on owners.grading_model = grades.grading_model
)

select
    scale.snapshot_date,
    scale.grading_model,
    scale.owner_id,
    salespeople.salesperson_name,
    scale.grade,
    scale.grade_rank,
    coalesce(per_grade.customers, 0) as customers,
    coalesce(per_grade.revenue_12m, 0) as revenue_12m,
    coalesce(per_grade.at_risk_customers, 0) as at_risk_customers,
    coalesce(per_grade.open_alerts, 0) as open_alerts
from scale
left join per_grade
    on scale.snapshot_date = per_grade.snapshot_date
    and scale.grading_model = per_grade.grading_model
    and scale.grade = per_grade.grade
    and scale.owner_id is not distinct from per_grade.owner_id
left join {{ ref('stg_salespeople') }} as salespeople
    on scale.owner_id = salespeople.salesperson_id
    and salespeople.quarantine_reason is null
