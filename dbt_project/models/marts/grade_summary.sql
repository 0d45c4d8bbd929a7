{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='snapshot_date',
    )
}}
{#-
  Customer structure per (snapshot_date, grading_model, grade): how many customers sit in each
  grade and how much of the last 12 months' revenue (customer_grades.purchase_value_12m) they
  bring. Every grade the model defines has a row, also an empty one, so charts and BI tools see
  the whole scale. The cumulative shares (best grade first) are the Pareto view: the top grades'
  share of customers against their share of revenue.
-#}
with run_grades as (
    select snapshot_date, grading_model, grade, score, purchase_value_12m
    from {{ ref('customer_grades') }}
    where snapshot_date between {{ snapshot_start() }} and {{ snapshot_end() }}
),

model_dates as (
    select distinct snapshot_date, grading_model
    from run_grades
),

scale as (
    select model_dates.snapshot_date, model_dates.grading_model, grades.grade, grades.grade_rank
    from model_dates
    inner join {{ ref('stg_model_grades') }} as grades
        on model_dates.grading_model = grades.grading_model
),

per_grade as (
    select
        snapshot_date,
        grading_model,
        grade,
        count(*) as customers,
        {{ exact_sum('purchase_value_12m') }} as revenue_12m,
        {{ exact_avg('score') }} as avg_score
    from run_grades
    group by snapshot_date, grading_model, grade
),

filled as (
    select
        scale.snapshot_date,
        scale.grading_model,
        scale.grade,
        scale.grade_rank,
        coalesce(per_grade.customers, 0) as customers,
        coalesce(per_grade.revenue_12m, 0) as revenue_12m,
        per_grade.avg_score
    from scale
    left join per_grade
        on scale.snapshot_date = per_grade.snapshot_date
        and scale.grading_model = per_grade.grading_model
        and scale.grade = per_grade.grade
),

totalled as (
    select
        filled.*,
        sum(customers) over (partition by snapshot_date, grading_model) as total_customers,
        sum(revenue_12m) over (partition by snapshot_date, grading_model) as total_revenue_12m,
        sum(customers) over (
            partition by snapshot_date, grading_model order by grade_rank
            rows between unbounded preceding and current row
        ) as customers_up_to_grade,
        sum(revenue_12m) over (
            partition by snapshot_date, grading_model order by grade_rank
            rows between unbounded preceding and current row
        ) as revenue_up_to_grade
    from filled
)

select
    snapshot_date,
    grading_model,
    grade,
    grade_rank,
    customers,
    {{ share_of('customers', 'total_customers') }} as customer_share,
    revenue_12m,
    {{ share_of('revenue_12m', 'total_revenue_12m') }} as revenue_share,
    avg_score,
    {{ share_of('customers_up_to_grade', 'total_customers') }} as cumulative_customer_share,
    {{ share_of('revenue_up_to_grade', 'total_revenue_12m') }} as cumulative_revenue_share,
    total_customers,
    total_revenue_12m
from totalled
