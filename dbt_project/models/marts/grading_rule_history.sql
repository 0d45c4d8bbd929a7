{{
    config(
        materialized='incremental',
        incremental_strategy='append',
    )
}}
{#-
  The grades (thresholds and policy) of every grading-model version that has graded a run, kept
  after the model file changes, so an explanation of a grade change between two snapshots can
  name the threshold that changed (`grading explain --history`). The scoring tree of each version
  is already on the snapshot rows (customer_dimension_scores: metric, method, weight, max_score).
  A version is recorded once: re-running a date adds nothing.
-#}
select
    models.grading_model,
    models.model_version,
    models.source_file,
    grades.grade,
    grades.grade_rank,
    grades.min_score,
    grades.top_share,
    grades.discount_pct,
    grades.credit_limit,
    grades.payment_terms_days,
    grades.service_response_hours,
    grades.follow_up_days,
    grades.policy_extra_json
from {{ ref('stg_model_grades') }} as grades
inner join {{ ref('stg_grading_models') }} as models
    on grades.grading_model = models.grading_model
{% if is_incremental() %}
where not exists (
    select 1 from {{ this }} as recorded
    where recorded.grading_model = models.grading_model
        and recorded.model_version = models.model_version
)
{% endif %}
