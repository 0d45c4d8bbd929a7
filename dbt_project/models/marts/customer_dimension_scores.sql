{{ config(materialized='view') }}
{#-
  One row per (snapshot_date, grading_model, customer_id, dimension): every node of the model's
  tree, groups included, with what it scored. A view: the scores are stored slim in
  int_node_score_history (incremental by snapshot_date: re-running a date replaces its rows) and
  the node's description comes from the model version that graded that date
  (int_model_snapshot_dates -> int_model_node_history). Filters on snapshot_date, grading_model
  or customer_id reach the stored table, so reading one customer's history stays cheap.
  weighted_score = score * effective_weight: the node's share of the composite before any cap of
  a sum group above it.
-#}
select
    scores.snapshot_date,
    scores.grading_model,
    scores.customer_id,
    nodes.dimension,
    scores.node_id,
    nodes.node_type,
    nodes.parent_dimension,
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
    versions.model_version
from {{ ref('int_node_score_history') }} as scores
inner join {{ ref('int_model_snapshot_dates') }} as versions
    on scores.grading_model = versions.grading_model
    and scores.snapshot_date = versions.snapshot_date
inner join {{ ref('int_model_node_history') }} as nodes
    on scores.grading_model = nodes.grading_model
    and versions.model_version = nodes.model_version
    and scores.node_id = nodes.node_id
