{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='snapshot_date',
    )
}}
{#-
  The transition matrix per snapshot: how many customers went from grade x (at the model's
  previous snapshot) to grade y (now), one row per non-empty cell. from_grade is NULL for new
  customers, to_grade NULL for customers who exited; the diagonal holds those who stayed.
-#}
select
    snapshot_date,
    grading_model,
    max(previous_snapshot_date) as previous_snapshot_date,
    previous_grade as from_grade,
    grade as to_grade,
    min(previous_grade_rank) as from_grade_rank,
    min(grade_rank) as to_grade_rank,
    direction,
    count(*) as customers
from {{ ref('grade_transitions') }}
where snapshot_date between {{ snapshot_start() }} and {{ snapshot_end() }}
group by snapshot_date, grading_model, previous_grade, grade, direction
