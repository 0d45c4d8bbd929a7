{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='snapshot_date',
    )
}}
{#-
  Which way customers moved since the model's previous snapshot, one row per (snapshot_date,
  grading_model): counts of grade_transitions by direction. Per grade in
  grade_movements_by_grade, from grade x to grade y in grade_transition_matrix.
-#}
select
    snapshot_date,
    grading_model,
    max(previous_snapshot_date) as previous_snapshot_date,
    sum(case when direction <> 'exited' then 1 else 0 end) as customers,
    sum(case when direction <> 'new' then 1 else 0 end) as previous_customers,
    sum(case when direction = 'upgrade' then 1 else 0 end) as upgrades,
    sum(case when direction = 'downgrade' then 1 else 0 end) as downgrades,
    sum(case when direction = 'unchanged' then 1 else 0 end) as unchanged,
    sum(case when direction = 'new' then 1 else 0 end) as new_customers,
    sum(case when direction = 'exited' then 1 else 0 end) as exited_customers,
    max(case when rule_change then 1 else 0 end) = 1 as rule_change
from {{ ref('grade_transitions') }}
where snapshot_date between {{ snapshot_start() }} and {{ snapshot_end() }}
group by snapshot_date, grading_model
