{{ config(meta={'dagster': {'asset_key': ['marts', 'customer_grades']}}) }}
-- A customer's grade is the best grade whose threshold its score meets: no customer sits below a
-- min_score grade it reached, or in a min_score grade it did not reach. The model's own grade
-- (computed_grade) is checked: a manual override may pin `grade` anywhere.
select grades.snapshot_date, grades.grading_model, grades.customer_id, grades.computed_grade,
    grades.score
from {{ ref('customer_grades') }} as grades
inner join {{ ref('stg_model_grades') }} as own
    on grades.grading_model = own.grading_model and grades.computed_grade = own.grade
left join {{ ref('stg_model_grades') }} as better
    on grades.grading_model = better.grading_model
    and better.grade_rank < own.grade_rank
    and better.min_score is not null
    and grades.score >= better.min_score
where grades.snapshot_date in (select snapshot_date from {{ ref('int_snapshot_dates') }})
    and grades.model_version in (select model_version from {{ ref('stg_grading_models') }})
    -- hysteresis holds grades across thresholds on purpose (tested in int_grade_hysteresis)
    and grades.grading_model not in (select grading_model from {{ ref('stg_model_hysteresis') }})
    and (better.grade is not null or (own.min_score is not null and grades.score < own.min_score))
