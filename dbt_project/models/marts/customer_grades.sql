{{
    config(
        materialized='incremental',
        incremental_strategy='replace_snapshot_dates',
        unique_key='snapshot_date',
        on_schema_change='append_new_columns',
    )
}}
{#-
  The daily grade snapshot: one row per (snapshot_date, grading_model, customer_id).
  The composite score is rounded to 6 decimals before it is compared with thresholds, so float
  noise never moves a customer across a boundary. A grade applies when its min_score is reached,
  or when the customer's score top share (share of the model's population scoring at least as
  much) is within its top_share; the best grade that applies wins, the last grade catches the rest.
  Re-running a date replaces all of that date's rows.
  `grade` is the effective grade: a manual override in force on the date (int_overrides,
  docs/overrides.md) replaces the model's own grade, which stays in `computed_grade`.
-#}
with composite as (
    select
        snapshot_date,
        grading_model,
        customer_id,
        round(score, 6) as score
    from {{ ref('int_node_scores') }}
    where node_id = 0
),

positioned as (
    select
        composite.*,
        cume_dist() over (
            partition by snapshot_date, grading_model order by score desc
        ) as score_top_share,
        rank() over (
            partition by snapshot_date, grading_model order by score desc
        ) as score_rank,
        count(*) over (partition by snapshot_date, grading_model) as population_size
    from composite
),

graded as (
    select
        positioned.snapshot_date,
        positioned.grading_model,
        positioned.customer_id,
        min(grades.grade_rank) as grade_rank
    from positioned
    inner join {{ ref('stg_model_grades') }} as grades
        on positioned.grading_model = grades.grading_model
    where (grades.min_score is not null and positioned.score >= grades.min_score)
        or (grades.top_share is not null and positioned.score_top_share <= grades.top_share)
        or (grades.min_score is null and grades.top_share is null)
    group by positioned.snapshot_date, positioned.grading_model, positioned.customer_id
),

held as (
    -- models with hysteresis keep a customer's grade until the score clears a threshold by
    -- margin_points for confirm_snapshots snapshots (int_grade_hysteresis); floors stay computed
    select
        graded.snapshot_date,
        graded.grading_model,
        graded.customer_id,
        coalesce(hysteresis.grade_rank, graded.grade_rank) as grade_rank
    from graded
    left join {{ ref('int_grade_hysteresis') }} as hysteresis
        on graded.snapshot_date = hysteresis.snapshot_date
        and graded.grading_model = hysteresis.grading_model
        and graded.customer_id = hysteresis.customer_id
),

grade_members as (
    select
        graded.snapshot_date,
        graded.grading_model,
        graded.grade_rank,
        min(positioned.score) as lowest_score
    from graded
    inner join positioned
        on graded.snapshot_date = positioned.snapshot_date
        and graded.grading_model = positioned.grading_model
        and graded.customer_id = positioned.customer_id
    group by graded.snapshot_date, graded.grading_model, graded.grade_rank
),

grade_floors as (
    -- the score a grade starts at: its min_score, or for a top-share grade the lowest score
    -- that made it on that date; the catch-all grade has no floor
    select
        dates.snapshot_date,
        grades.grading_model,
        grades.grade_rank,
        coalesce(grades.min_score, grade_members.lowest_score) as floor_score
    from {{ ref('stg_model_grades') }} as grades
    cross join (select distinct snapshot_date from positioned) as dates
    left join grade_members
        on dates.snapshot_date = grade_members.snapshot_date
        and grades.grading_model = grade_members.grading_model
        and grades.grade_rank = grade_members.grade_rank
    where grades.min_score is not null or grades.top_share is not null
),

active_overrides as (
    -- manual overrides in force on the date; of several, the one that started last wins
    select
        graded.snapshot_date,
        graded.grading_model,
        graded.customer_id,
        overrides.override_id,
        overrides.grade,
        pinned.grade_rank,
        overrides.override_reason,
        overrides.override_author,
        overrides.starts_on,
        overrides.expires_on,
        row_number() over (
            partition by graded.snapshot_date, graded.grading_model, graded.customer_id
            order by overrides.starts_on desc, overrides.override_id desc
        ) as precedence
    from graded
    inner join {{ ref('int_overrides') }} as overrides
        on graded.grading_model = overrides.grading_model
        and graded.customer_id = overrides.customer_id
        and graded.snapshot_date between overrides.starts_on and overrides.expires_on
    inner join {{ ref('stg_model_grades') }} as pinned
        on overrides.grading_model = pinned.grading_model
        and overrides.grade = pinned.grade
    where overrides.quarantine_reason is null
)

select
    positioned.snapshot_date,
    positioned.grading_model,
    positioned.customer_id,
    customers.customer_name,
    customers.region,
    customers.business_line,
    customers.industry,
    customers.owner_id,
    positioned.score,
    coalesce(active_overrides.grade, grades.grade) as grade,
    coalesce(active_overrides.grade_rank, graded.grade_rank) as grade_rank,
    positioned.score_rank,
    positioned.score_top_share,
    positioned.population_size,
    better.grade as next_grade_up,
    better_floor.floor_score - positioned.score as points_to_next_grade_up,
    positioned.score - own_floor.floor_score as points_above_grade_floor,
    metrics.purchase_value_12m,
    models.max_score as model_max_score,
    models.model_version,
    grades.grade as computed_grade,
    graded.grade_rank as computed_grade_rank,
    active_overrides.override_id,
    active_overrides.override_reason,
    active_overrides.override_author,
    active_overrides.starts_on as override_starts_on,
    active_overrides.expires_on as override_expires_on
from positioned
inner join held as graded
    on positioned.snapshot_date = graded.snapshot_date
    and positioned.grading_model = graded.grading_model
    and positioned.customer_id = graded.customer_id
inner join {{ ref('stg_model_grades') }} as grades
    on graded.grading_model = grades.grading_model
    and graded.grade_rank = grades.grade_rank
left join {{ ref('stg_model_grades') }} as better
    on graded.grading_model = better.grading_model
    and graded.grade_rank - 1 = better.grade_rank
left join grade_floors as better_floor
    on graded.snapshot_date = better_floor.snapshot_date
    and graded.grading_model = better_floor.grading_model
    and graded.grade_rank - 1 = better_floor.grade_rank
left join grade_floors as own_floor
    on graded.snapshot_date = own_floor.snapshot_date
    and graded.grading_model = own_floor.grading_model
    and graded.grade_rank = own_floor.grade_rank
inner join {{ ref('stg_grading_models') }} as models
    on positioned.grading_model = models.grading_model
inner join {{ ref('int_customers') }} as customers
    on positioned.customer_id = customers.customer_id
inner join {{ ref('int_customer_metrics') }} as metrics
    on positioned.snapshot_date = metrics.snapshot_date
    and positioned.customer_id = metrics.customer_id
left join active_overrides
    on graded.snapshot_date = active_overrides.snapshot_date
    and graded.grading_model = active_overrides.grading_model
    and graded.customer_id = active_overrides.customer_id
    and active_overrides.precedence = 1
