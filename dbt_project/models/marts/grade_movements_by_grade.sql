{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='snapshot_date',
    )
}}
{#-
  grade_movements per grade: for each (snapshot_date, grading_model, grade) the customers who
  arrived (from a lower grade: upgraded_in, from a higher one: downgraded_in, new), stayed, and
  left (upgraded_out, downgraded_out, exited). A grade that no longer exists after a rule change
  still has its row for the customers who left it. Every grade of the model has a row.
  customers = stayed + upgraded_in + downgraded_in + new_customers;
  previous_customers = stayed + upgraded_out + downgraded_out + exited_customers.
-#}
with transitions as (
    select *
    from {{ ref('grade_transitions') }}
    where snapshot_date between {{ snapshot_start() }} and {{ snapshot_end() }}
),

sides as (
    -- a customer counts once in the grade it has now ("in") and once in the grade it had ("out")
    select snapshot_date, grading_model, grade, grade_rank, direction, 'in' as side
    from transitions
    where grade is not null
    union all
    select snapshot_date, grading_model, previous_grade, previous_grade_rank, direction, 'out'
    from transitions
    where previous_grade is not null
    union all
    select model_dates.snapshot_date, model_dates.grading_model, grades.grade, grades.grade_rank,
        'none', 'none'
    from (select distinct snapshot_date, grading_model from transitions) as model_dates
    inner join {{ ref('stg_model_grades') }} as grades
        on model_dates.grading_model = grades.grading_model
)

select
    snapshot_date,
    grading_model,
    grade,
    min(grade_rank) as grade_rank,
    sum(case when side = 'in' then 1 else 0 end) as customers,
    sum(case when side = 'out' then 1 else 0 end) as previous_customers,
    sum(case when side = 'in' and direction = 'unchanged' then 1 else 0 end) as stayed,
    sum(case when side = 'in' and direction = 'upgrade' then 1 else 0 end) as upgraded_in,
    sum(case when side = 'in' and direction = 'downgrade' then 1 else 0 end) as downgraded_in,
    sum(case when side = 'in' and direction = 'new' then 1 else 0 end) as new_customers,
    sum(case when side = 'out' and direction = 'upgrade' then 1 else 0 end) as upgraded_out,
    sum(case when side = 'out' and direction = 'downgrade' then 1 else 0 end) as downgraded_out,
    sum(case when side = 'out' and direction = 'exited' then 1 else 0 end) as exited_customers
from sides
group by snapshot_date, grading_model, grade
