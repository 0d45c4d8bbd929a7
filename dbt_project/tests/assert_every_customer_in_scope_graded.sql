{{ config(meta={'dagster': {'asset_key': ['marts', 'customer_grades']}}) }}
-- Every customer in a model's scope is graded at every snapshot date of the run, no more, no less.
with expected as (
    select dates.snapshot_date, population.grading_model, population.customer_id
    from {{ ref('int_model_population') }} as population
    cross join {{ ref('int_snapshot_dates') }} as dates
),

actual as (
    select snapshot_date, grading_model, customer_id
    from {{ ref('customer_grades') }}
    where snapshot_date in (select snapshot_date from {{ ref('int_snapshot_dates') }})
)

select 'missing' as problem, * from (select * from expected except select * from actual) as m
union all
select 'unexpected', * from (select * from actual except select * from expected) as u
