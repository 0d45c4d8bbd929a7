{{ config(meta={'dagster': {'asset_key': ['marts', 'customer_grades']}}) }}
-- Every grade written in this run is one its model defines (rows of older runs may carry grades
-- of an older model version and are not checked).
select grades.snapshot_date, grades.grading_model, grades.customer_id, grades.grade
from {{ ref('customer_grades') }} as grades
left join {{ ref('stg_model_grades') }} as defined
    on grades.grading_model = defined.grading_model
    and grades.grade = defined.grade
    and grades.grade_rank = defined.grade_rank
where grades.snapshot_date in (select snapshot_date from {{ ref('int_snapshot_dates') }})
    and defined.grade is null
