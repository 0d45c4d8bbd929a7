{{ config(meta={'dagster': {'asset_key': ['marts', 'customer_dimension_scores']}}) }}
-- Every node's score lies within what its definition can produce (0 .. max_score, with a small
-- tolerance for float rounding); a score outside means a scoring bug. Checks the run's dates.
select grading_model, dimension, snapshot_date, customer_id, score, max_score
from {{ ref('customer_dimension_scores') }}
where snapshot_date in (select snapshot_date from {{ ref('int_snapshot_dates') }})
    and (score < -1e-9 or score > max_score + 1e-6)
