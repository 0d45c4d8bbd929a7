{{
    config(
        materialized='incremental',
        incremental_strategy='replace_snapshot_dates',
        unique_key='snapshot_date',
    )
}}
{#-
  The policy bound to every customer's grade, per (snapshot_date, grading_model, customer_id),
  copied at grading time so a past date keeps the policy of the model version it was graded
  with. is_primary marks the one policy that applies when several models grade a customer:
  the model with the lowest policy_precedence, then the first model name alphabetically.
-#}
select
    grades.snapshot_date,
    grades.grading_model,
    grades.customer_id,
    grades.customer_name,
    grades.region,
    grades.business_line,
    grades.industry,
    grades.owner_id,
    grades.grade,
    grades.grade_rank,
    grades.score,
    policies.discount_pct,
    policies.credit_limit,
    policies.payment_terms_days,
    policies.service_response_hours,
    policies.follow_up_days,
    policies.policy_extra_json,
    models.policy_precedence,
    row_number() over (
        partition by grades.snapshot_date, grades.customer_id
        order by models.policy_precedence, grades.grading_model
    ) = 1 as is_primary,
    grades.model_version
from {{ ref('customer_grades') }} as grades
inner join {{ ref('stg_model_grades') }} as policies
    on grades.grading_model = policies.grading_model
    and grades.grade = policies.grade
inner join {{ ref('stg_grading_models') }} as models
    on grades.grading_model = models.grading_model
where grades.snapshot_date between {{ snapshot_start() }} and {{ snapshot_end() }}
