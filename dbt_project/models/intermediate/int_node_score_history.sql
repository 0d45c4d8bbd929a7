{{
    config(
        materialized='incremental',
        incremental_strategy='replace_snapshot_dates',
        unique_key='snapshot_date',
    )
}}
{#-
  Scores of every node of every grading model's tree, for every graded customer and snapshot
  date, kept: the slim, numeric store (keys and numbers) behind int_node_scores (this run's
  dates) and the marts.customer_dimension_scores view (which adds the node's name, metric, method
  and weights from int_model_node_history). Re-running a date replaces all of that date's rows.
  At a million customers a date has some 10 million node rows, so they are computed and written
  here once, straight into this table (strategy replace_snapshot_dates); they used to be built
  into a table of their own, and then into a temporary table, and copied here.

  Computed bottom-up one depth at a time: a weighted group is sum(weight * part), a sum group is
  min(sum(part), cap). Models nest at most max_depth levels below the root (enforced by
  `grading validate`), so the levels are unrolled. The root (node_id 0) is the composite score.
  Group scores are summed as exact decimals and rounded to 9 decimals. Leaves carry their
  metric value and rank position along, so customer_dimension_scores needs no join back to
  int_leaf_scores.
-#}
{%- set max_depth = 4 %}

with nodes as (
    select * from {{ ref('stg_model_nodes') }}
),

leaf_scores as (
    select
        leaf.snapshot_date, leaf.grading_model, leaf.customer_id, leaf.node_id, leaf.score,
        leaf.metric_value, leaf.top_share, leaf.percentile, nodes.depth
    from {{ ref('int_leaf_scores') }} as leaf
    inner join nodes
        on leaf.grading_model = nodes.grading_model
        and leaf.node_id = nodes.node_id
),

{% for depth in range(max_depth, -1, -1) %}
level_{{ depth }} as (
    select
        snapshot_date, grading_model, customer_id, node_id, score, metric_value, top_share,
        percentile
    from leaf_scores
    where depth = {{ depth }}
    {%- if depth < max_depth %}
    union all
    select
        child.snapshot_date,
        child.grading_model,
        child.customer_id,
        parent.node_id,
        -- re-running a date must give the same rows, bit for bit: a floating-point sum
        -- depends on the order a parallel aggregate adds in, and rounding it did not hide
        -- that (a sum landing next to a rounding boundary came out 1e-9 apart in two runs),
        -- so the parts are summed as exact decimals, each rounded to 12 decimals first
        cast(round(case
            when parent.combine = 'weighted'
                then sum(cast(child_node.weight * child.score as decimal(38, 12)))
            else {{ clamp('sum(cast(child.score as decimal(38, 12)))', 'null', 'parent.group_cap') }}
        end, 9) as double) as score,
        cast(null as double) as metric_value,
        cast(null as double) as top_share,
        cast(null as double) as percentile
    from level_{{ depth + 1 }} as child
    inner join nodes as child_node
        on child.grading_model = child_node.grading_model
        and child.node_id = child_node.node_id
    inner join nodes as parent
        on child_node.grading_model = parent.grading_model
        and child_node.parent_id = parent.node_id
    group by
        child.snapshot_date, child.grading_model, child.customer_id,
        parent.node_id, parent.combine, parent.group_cap
    {%- endif %}
),
{% endfor %}

all_levels as (
    {%- for depth in range(0, max_depth + 1) %}
    select * from level_{{ depth }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select
    snapshot_date, grading_model, customer_id, node_id, score, metric_value, top_share, percentile
from all_levels
