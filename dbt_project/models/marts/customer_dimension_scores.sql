{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='snapshot_date',
    )
}}
{#-
  One row per (snapshot_date, grading_model, customer_id, dimension): every node of the model's
  tree, groups included, with what it scored. Re-running a date replaces all of that date's rows
  (delete by snapshot_date), so customers no longer graded leave no stale rows.
  weighted_score = score * effective_weight: the node's share of the composite before any cap of
  a sum group above it.
-#}
select
    scores.snapshot_date,
    scores.grading_model,
    scores.customer_id,
    nodes.node_path as dimension,
    nodes.node_id,
    nodes.node_type,
    parents.node_path as parent_dimension,
    nodes.depth,
    nodes.metric,
    scores.metric_value,
    nodes.method,
    scores.top_share,
    scores.percentile,
    scores.score,
    nodes.max_score,
    nodes.weight,
    nodes.effective_weight,
    scores.score * nodes.effective_weight as weighted_score,
    models.model_version
from {{ ref('int_node_scores') }} as scores
inner join {{ ref('stg_model_nodes') }} as nodes
    on scores.grading_model = nodes.grading_model
    and scores.node_id = nodes.node_id
left join {{ ref('stg_model_nodes') }} as parents
    on nodes.grading_model = parents.grading_model
    and nodes.parent_id = parents.node_id
inner join {{ ref('stg_grading_models') }} as models
    on scores.grading_model = models.grading_model
