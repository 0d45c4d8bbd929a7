{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='snapshot_date',
    )
}}
{#-
  Hysteresis for the models that configure it (stg_model_hysteresis; no row = no damping, and
  this model holds no rows for them). The grade a customer keeps on each snapshot date:

  - thresholds: a grade's floor is its min_score, or for a top_share grade the lowest score
    inside that share on the date (the same rule customer_grades applies);
  - computed_grade_rank: the best grade whose floor the score reaches (what customer_grades
    would give without hysteresis); rise_rank: the best grade whose floor the score clears by
    margin_points; keep_rank: the best grade whose floor minus margin_points the score reaches.
    rise_rank >= computed_grade_rank >= keep_rank (1 = best);
  - the held grade moves up to rise_rank when it is worse than rise_rank, down to keep_rank when
    it is better than keep_rank, and otherwise stays; a move applies only once it has been due,
    in the same direction, for confirm_snapshots snapshots in a row (pending_* carry the count).

  The state is a chain over each customer's snapshots, so it is computed with a recursive CTE:
  a run over a range of dates starts from the state stored for the model's latest snapshot
  before the range (when it was graded with the same model_version; a rule change starts over
  from the computed grade), and a customer missing from the model's previous snapshot starts
  from its computed grade.
-#}
with recursive settings as (
    select grading_model, margin_points, confirm_snapshots
    from {{ ref('stg_model_hysteresis') }}
),

composite as (
    select
        scores.snapshot_date,
        scores.grading_model,
        scores.customer_id,
        round(scores.score, 6) as score
    from {{ ref('int_node_scores') }} as scores
    inner join settings
        on scores.grading_model = settings.grading_model
    where scores.node_id = 0
),

positioned as (
    select
        composite.*,
        cume_dist() over (
            partition by snapshot_date, grading_model order by score desc
        ) as score_top_share
    from composite
),

share_floors as (
    select
        positioned.snapshot_date,
        grades.grading_model,
        grades.grade_rank,
        min(positioned.score) as floor_score
    from positioned
    inner join {{ ref('stg_model_grades') }} as grades
        on positioned.grading_model = grades.grading_model
        and grades.top_share is not null
        and positioned.score_top_share <= grades.top_share
    group by positioned.snapshot_date, grades.grading_model, grades.grade_rank
),

floors as (
    select
        dates.snapshot_date,
        grades.grading_model,
        grades.grade_rank,
        coalesce(grades.min_score, share_floors.floor_score) as floor_score
    from {{ ref('stg_model_grades') }} as grades
    inner join settings
        on grades.grading_model = settings.grading_model
    cross join (select distinct snapshot_date from positioned) as dates
    left join share_floors
        on dates.snapshot_date = share_floors.snapshot_date
        and grades.grading_model = share_floors.grading_model
        and grades.grade_rank = share_floors.grade_rank
    where grades.min_score is not null or grades.top_share is not null
),

catch_all as (
    select grading_model, max(grade_rank) as grade_rank
    from {{ ref('stg_model_grades') }}
    group by grading_model
),

candidates as (
    select
        positioned.snapshot_date,
        positioned.grading_model,
        positioned.customer_id,
        positioned.score,
        settings.confirm_snapshots,
        coalesce(
            min(case when positioned.score >= floors.floor_score then floors.grade_rank end),
            max(catch_all.grade_rank)
        ) as computed_grade_rank,
        coalesce(
            min(case
                when positioned.score >= floors.floor_score + settings.margin_points
                    then floors.grade_rank
            end),
            max(catch_all.grade_rank)
        ) as rise_rank,
        coalesce(
            min(case
                when positioned.score >= floors.floor_score - settings.margin_points
                    then floors.grade_rank
            end),
            max(catch_all.grade_rank)
        ) as keep_rank
    from positioned
    inner join settings
        on positioned.grading_model = settings.grading_model
    inner join catch_all
        on positioned.grading_model = catch_all.grading_model
    left join floors
        on positioned.snapshot_date = floors.snapshot_date
        and positioned.grading_model = floors.grading_model
    group by
        positioned.snapshot_date,
        positioned.grading_model,
        positioned.customer_id,
        positioned.score,
        settings.confirm_snapshots
),

sequenced as (
    select
        candidates.*,
        dense_rank() over (
            partition by grading_model order by snapshot_date
        ) as date_index
    from candidates
),

{% if is_incremental() %}
stored as (
    -- each model's state at its latest snapshot before this run, if the rules are unchanged
    select
        stored.grading_model,
        stored.customer_id,
        stored.grade_rank,
        stored.pending_grade_rank,
        stored.pending_snapshots
    from {{ this }} as stored
    inner join (
        select grading_model, max(snapshot_date) as snapshot_date
        from {{ this }}
        where snapshot_date < {{ snapshot_start() }}
        group by grading_model
    ) as latest
        on stored.grading_model = latest.grading_model
        and stored.snapshot_date = latest.snapshot_date
    inner join {{ ref('stg_grading_models') }} as models
        on stored.grading_model = models.grading_model
        and stored.model_version = models.model_version
),
{% endif %}

chain_starts as (
    -- the state before each chain's first row: stored for the run's first date, none otherwise
    select
        current_row.grading_model,
        current_row.customer_id,
        current_row.date_index - 1 as date_index,
        {% if is_incremental() -%}
        case when current_row.date_index = 1 then stored.grade_rank end as grade_rank,
        case when current_row.date_index = 1 then stored.pending_grade_rank end
            as pending_grade_rank,
        case when current_row.date_index = 1 then stored.pending_snapshots end
            as pending_snapshots,
        {%- else -%}
        cast(null as integer) as grade_rank,
        cast(null as integer) as pending_grade_rank,
        cast(null as integer) as pending_snapshots,
        {%- endif %}
        true as is_start
    from sequenced as current_row
    left join sequenced as previous_row
        on current_row.grading_model = previous_row.grading_model
        and current_row.customer_id = previous_row.customer_id
        and current_row.date_index - 1 = previous_row.date_index
    {% if is_incremental() -%}
    left join stored
        on current_row.grading_model = stored.grading_model
        and current_row.customer_id = stored.customer_id
    {%- endif %}
    where previous_row.customer_id is null
),

chain (
    grading_model, customer_id, date_index, grade_rank, pending_grade_rank, pending_snapshots,
    is_start
) as (
    select
        grading_model, customer_id, date_index, grade_rank, pending_grade_rank,
        pending_snapshots, is_start
    from chain_starts
    union all
    select
        stepped.grading_model,
        stepped.customer_id,
        stepped.date_index,
        case
            when stepped.held is null then stepped.computed_grade_rank
            when stepped.target = stepped.held then stepped.held
            when stepped.due >= stepped.confirm_snapshots then stepped.target
            else stepped.held
        end,
        case
            when stepped.held is not null and stepped.target <> stepped.held
                and stepped.due < stepped.confirm_snapshots then stepped.target
        end,
        case
            when stepped.held is not null and stepped.target <> stepped.held
                and stepped.due < stepped.confirm_snapshots then stepped.due
            else 0
        end,
        false
    from (
        select
            today.grading_model,
            today.customer_id,
            today.date_index,
            today.computed_grade_rank,
            today.confirm_snapshots,
            chain.grade_rank as held,
            greatest(least(chain.grade_rank, today.rise_rank), today.keep_rank) as target,
            case
                when chain.pending_grade_rank is not null
                    and sign(greatest(least(chain.grade_rank, today.rise_rank), today.keep_rank)
                        - chain.grade_rank)
                    = sign(chain.pending_grade_rank - chain.grade_rank)
                    then chain.pending_snapshots + 1
                else 1
            end as due
        from chain
        inner join sequenced as today
            on chain.grading_model = today.grading_model
            and chain.customer_id = today.customer_id
            and chain.date_index + 1 = today.date_index
    ) as stepped
)

select
    sequenced.snapshot_date,
    sequenced.grading_model,
    sequenced.customer_id,
    sequenced.score,
    sequenced.computed_grade_rank,
    sequenced.rise_rank,
    sequenced.keep_rank,
    chain.grade_rank,
    chain.pending_grade_rank,
    chain.pending_snapshots,
    models.model_version
from chain
inner join sequenced
    on chain.grading_model = sequenced.grading_model
    and chain.customer_id = sequenced.customer_id
    and chain.date_index = sequenced.date_index
inner join {{ ref('stg_grading_models') }} as models
    on sequenced.grading_model = models.grading_model
where not chain.is_start
