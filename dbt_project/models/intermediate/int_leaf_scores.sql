{#-
  The score of every dimension (leaf) of every grading model for every graded customer and
  snapshot date. Scoring methods (docs/grading-models.md):
    linear      min(max(intercept + slope * value, floor), cap)
    bands       the band whose bounds contain the value
    rank_bands  the band containing the customer's top share: the share of the model's population
                whose value is at least as good (cume_dist, ties share the worst position, NULLs last)
    percentile  100 * percent_rank: (customers strictly worse) / (population - 1), NULLs
                counting as worst; 0 for the worst, 100 for the best
  A NULL metric scores the dimension's missing_score.
-#}
with population as (
    select grading_model, customer_id from {{ ref('int_model_population') }}
),

leaves as (
    select *
    from {{ ref('stg_model_nodes') }}
    where node_type = 'dimension'
),

valued as (
    select
        metrics.snapshot_date,
        population.grading_model,
        population.customer_id,
        leaves.node_id,
        leaves.metric,
        leaves.method,
        {{ metric_value_by_name('leaves.metric', 'metrics') }} as metric_value,
        case when leaves.higher_is_better then 1 else -1 end as direction
    from population
    inner join leaves
        on population.grading_model = leaves.grading_model
    inner join {{ ref('int_customer_metrics') }} as metrics
        on population.customer_id = metrics.customer_id
),

positioned as (
    select
        valued.*,
        case when method = 'rank_bands' then cume_dist() over (
            partition by snapshot_date, grading_model, node_id
            order by direction * metric_value desc nulls last
        ) end as top_share,
        case when method = 'percentile' then percent_rank() over (
            partition by snapshot_date, grading_model, node_id
            order by direction * metric_value asc nulls first
        ) end as percentile
    from valued
),

banded as (
    select
        positioned.snapshot_date,
        positioned.grading_model,
        positioned.node_id,
        positioned.customer_id,
        bands.score
    from positioned
    inner join {{ ref('stg_model_bands') }} as bands
        on positioned.grading_model = bands.grading_model
        and positioned.node_id = bands.node_id
    where positioned.method in ('bands', 'rank_bands')
        and positioned.metric_value is not null
        and (
            bands.lower is null
            or case when positioned.method = 'bands'
                then positioned.metric_value else positioned.top_share end > bands.lower
            or (bands.lower_inclusive and case when positioned.method = 'bands'
                then positioned.metric_value else positioned.top_share end = bands.lower)
        )
        and (
            bands.upper is null
            or case when positioned.method = 'bands'
                then positioned.metric_value else positioned.top_share end < bands.upper
            or (bands.upper_inclusive and case when positioned.method = 'bands'
                then positioned.metric_value else positioned.top_share end = bands.upper)
        )
)

select
    positioned.snapshot_date,
    positioned.grading_model,
    positioned.customer_id,
    positioned.node_id,
    positioned.metric,
    positioned.metric_value,
    positioned.top_share,
    positioned.percentile,
    cast(case
        when positioned.metric_value is null then leaves.missing_score
        when positioned.method = 'linear' then {{ clamp(
            'leaves.linear_intercept + leaves.linear_slope * positioned.metric_value',
            'leaves.linear_floor', 'leaves.linear_cap') }}
        when positioned.method = 'percentile' then 100 * positioned.percentile
        else banded.score
    end as double) as score
from positioned
inner join leaves
    on positioned.grading_model = leaves.grading_model
    and positioned.node_id = leaves.node_id
left join banded
    on positioned.snapshot_date = banded.snapshot_date
    and positioned.grading_model = banded.grading_model
    and positioned.node_id = banded.node_id
    and positioned.customer_id = banded.customer_id
