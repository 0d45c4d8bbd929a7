{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='snapshot_date',
    )
}}
{#-
  Every node score of every snapshot, kept: the slim, numeric store behind the
  marts.customer_dimension_scores view (which adds the node's name, metric, method and weights
  from int_model_node_history). At a million customers a date has some 25 million node rows;
  writing only keys and numbers here instead of the denormalised mart is most of the saving.
  Re-running a date replaces all of that date's rows.
-#}
select
    snapshot_date,
    grading_model,
    customer_id,
    node_id,
    score,
    metric_value,
    top_share,
    percentile
from {{ ref('int_node_scores') }}
