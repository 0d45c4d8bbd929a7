{{
    config(
        materialized='incremental',
        incremental_strategy='replace_snapshot_dates',
        unique_key='snapshot_date',
    )
}}
{#-
  How each customer's grade changed since the model's previous snapshot (the latest earlier
  snapshot_date of the same model, whatever the gap; int_model_snapshot_dates). One row per
  (snapshot_date, grading_model, customer_id) of the current snapshot, plus one `exited` row
  per customer graded in the previous snapshot but not in this one (left the model's scope, or
  no longer a gradable customer): it carries the old grade and a NULL new grade.
  direction: upgrade / downgrade (grade_rank 1 = best), unchanged, new (not in the previous
  snapshot: first time graded, or back after an absence), exited.
  rule_change: the two snapshots were graded with different model versions; such transitions are
  recorded and reported, but raise no grade-change alerts (int_grade_alert_candidates).
  Works for a range of dates in one pass (each date pairs with its own previous date) and for a
  single new date (the previous snapshot is read from the stored grades).
-#}
with pairs as (
    select
        history.grading_model,
        history.snapshot_date,
        history.history_date as previous_snapshot_date,
        history.history_version as previous_model_version
    from {{ model_snapshot_history(1) }} as history
),

run_models as (
    select grading_model, snapshot_date, model_version
    from {{ ref('int_model_snapshot_dates') }}
    where snapshot_date between {{ snapshot_start() }} and {{ snapshot_end() }}
),

current_rows as (
    select
        grades.snapshot_date,
        grades.grading_model,
        grades.customer_id,
        grades.grade,
        grades.grade_rank,
        grades.score,
        grades.model_version,
        pairs.previous_snapshot_date
    from {{ ref('customer_grades') }} as grades
    left join pairs
        on grades.grading_model = pairs.grading_model
        and grades.snapshot_date = pairs.snapshot_date
    where grades.snapshot_date between {{ snapshot_start() }} and {{ snapshot_end() }}
),

previous_rows as (
    select
        pairs.snapshot_date,
        pairs.previous_snapshot_date,
        grades.grading_model,
        grades.customer_id,
        grades.grade,
        grades.grade_rank,
        grades.score,
        grades.model_version
    from pairs
    inner join {{ ref('customer_grades') }} as grades
        on pairs.grading_model = grades.grading_model
        and pairs.previous_snapshot_date = grades.snapshot_date
),

joined as (
    select
        coalesce(current_rows.snapshot_date, previous_rows.snapshot_date) as snapshot_date,
        coalesce(current_rows.grading_model, previous_rows.grading_model) as grading_model,
        coalesce(current_rows.customer_id, previous_rows.customer_id) as customer_id,
        coalesce(current_rows.previous_snapshot_date, previous_rows.previous_snapshot_date)
            as previous_snapshot_date,
        previous_rows.grade as previous_grade,
        previous_rows.grade_rank as previous_grade_rank,
        previous_rows.score as previous_score,
        previous_rows.model_version as previous_model_version,
        current_rows.grade,
        current_rows.grade_rank,
        current_rows.score,
        current_rows.model_version
    from current_rows
    full outer join previous_rows
        on current_rows.snapshot_date = previous_rows.snapshot_date
        and current_rows.grading_model = previous_rows.grading_model
        and current_rows.customer_id = previous_rows.customer_id
)

select
    joined.snapshot_date,
    joined.grading_model,
    joined.customer_id,
    joined.previous_snapshot_date,
    joined.previous_grade,
    joined.previous_grade_rank,
    joined.previous_score,
    joined.grade,
    joined.grade_rank,
    joined.score,
    joined.score - joined.previous_score as score_change,
    case
        when joined.grade_rank is null then 'exited'
        when joined.previous_grade_rank is null then 'new'
        when joined.grade_rank < joined.previous_grade_rank then 'upgrade'
        when joined.grade_rank > joined.previous_grade_rank then 'downgrade'
        else 'unchanged'
    end as direction,
    joined.previous_model_version,
    coalesce(joined.model_version, run_models.model_version) as model_version,
    coalesce(
        joined.previous_model_version <> coalesce(joined.model_version, run_models.model_version),
        false
    ) as rule_change
from joined
inner join run_models
    on joined.grading_model = run_models.grading_model
    and joined.snapshot_date = run_models.snapshot_date
