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
  A view: int_node_score_history, its one reader, scores the leaves within its own query instead
  of writing some 8 million leaf rows per date at a million customers and reading them back
  (docs/benchmarks.md).
-#}
{{ config(materialized='view') }}
{#-
  Every (snapshot date, model, customer, leaf) with its metric value. A subquery repeated in the
  three branches of `positioned` rather than a CTE they share: DuckDB buffered that CTE (some 8
  million wide rows a date at 1,000,000 customers) before splitting it by method, where each
  branch now joins only its own method's leaves. int_node_score_history took about 0.5 s less
  (docs/benchmarks.md).
-#}
{%- set valued -%}
    (
        select
            metrics.snapshot_date,
            population.grading_model,
            population.customer_id,
            leaves.node_id,
            leaves.metric,
            leaves.method,
            leaves.missing_score,
            leaves.linear_intercept,
            leaves.linear_slope,
            leaves.linear_floor,
            leaves.linear_cap,
            {{ metric_value_by_name('leaves.metric', 'metrics') }} as metric_value,
            case when leaves.higher_is_better then 1 else -1 end as direction
        from {{ ref('int_model_population') }} as population
        inner join {{ ref('stg_model_nodes') }} as leaves
            on population.grading_model = leaves.grading_model
            and leaves.node_type = 'dimension'
        inner join {{ ref('int_customer_metrics') }} as metrics
            on population.customer_id = metrics.customer_id
    ) as valued
{%- endset %}

with positioned as (
    -- only the rank-based leaves are sorted: a window over every leaf row would sort them all
    select valued.*, cast(null as double) as top_share, cast(null as double) as percentile
    from {{ valued }}
    where method not in ('rank_bands', 'percentile')
    union all
    select
        valued.*,
        cume_dist() over (
            partition by snapshot_date, grading_model, node_id
            order by direction * metric_value desc nulls last
        ),
        null
    from {{ valued }}
    where method = 'rank_bands'
    union all
    select
        valued.*,
        null,
        percent_rank() over (
            partition by snapshot_date, grading_model, node_id
            order by direction * metric_value asc nulls first
        )
    from {{ valued }}
    where method = 'percentile'
),

banded as (
    select
        positioned.*,
        case when positioned.method = 'bands'
            then positioned.metric_value else positioned.top_share end as band_value
    from positioned
)

select
    banded.snapshot_date,
    banded.grading_model,
    banded.customer_id,
    banded.node_id,
    banded.metric,
    banded.metric_value,
    banded.top_share,
    banded.percentile,
    cast(case
        when banded.metric_value is null then banded.missing_score
        when banded.method = 'linear' then {{ clamp(
            'banded.linear_intercept + banded.linear_slope * banded.metric_value',
            'banded.linear_floor', 'banded.linear_cap') }}
        when banded.method = 'percentile' then 100 * banded.percentile
        else bands.score
    end as double) as score
from banded
-- bands never overlap (`grading validate` rejects overlaps), so at most one matches
left join {{ ref('stg_model_bands') }} as bands
    on banded.grading_model = bands.grading_model
    and banded.node_id = bands.node_id
    and banded.method in ('bands', 'rank_bands')
    and (
        bands.lower is null
        or banded.band_value > bands.lower
        or (bands.lower_inclusive and banded.band_value = bands.lower)
    )
    and (
        bands.upper is null
        or banded.band_value < bands.upper
        or (bands.upper_inclusive and banded.band_value = bands.upper)
    )
