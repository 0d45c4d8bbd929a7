{{ config(materialized='view') }}
{#-
  The node scores of this run's snapshot dates (GRADING_SNAPSHOT_START .. END), what
  customer_grades and int_grade_hysteresis grade from. A view over int_node_score_history, where
  the scores are computed and stored once: the date filter reaches the stored table, whose rows
  are written date by date, so a run reads only its own dates.
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
from {{ ref('int_node_score_history') }}
where snapshot_date between {{ snapshot_start() }} and {{ snapshot_end() }}
