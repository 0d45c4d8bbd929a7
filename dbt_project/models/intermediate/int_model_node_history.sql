{{
    config(
        materialized='incremental',
        incremental_strategy='append',
    )
}}
{#-
  The scoring tree of every grading-model version that has graded a run, one row per
  (grading_model, model_version, node_id), recorded once and kept after the model file changes,
  so a snapshot graded by an older version still shows that version's dimension names, metrics
  and weights in marts.customer_dimension_scores.
-#}
select
    models.grading_model,
    models.model_version,
    nodes.node_id,
    nodes.node_path as dimension,
    nodes.node_type,
    parents.node_path as parent_dimension,
    nodes.depth,
    nodes.metric,
    nodes.method,
    nodes.max_score,
    nodes.weight,
    nodes.effective_weight
from {{ ref('stg_model_nodes') }} as nodes
inner join {{ ref('stg_grading_models') }} as models
    on nodes.grading_model = models.grading_model
left join {{ ref('stg_model_nodes') }} as parents
    on nodes.grading_model = parents.grading_model
    and nodes.parent_id = parents.node_id
{% if is_incremental() -%}
where not exists (
    select 1
    from {{ this }} as stored
    where stored.grading_model = models.grading_model
        and stored.model_version = models.model_version
)
{%- endif %}
