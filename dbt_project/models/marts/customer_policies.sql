{{ config(materialized='view') }}
{#-
  Every customer's current grade per model and the policy bound to it: the rows of
  customer_policy_history at each current model's latest snapshot date. is_primary marks the
  policy that wins when several models grade the customer (docs/alerts-and-policies.md).
-#}
select history.*
from {{ ref('customer_policy_history') }} as history
inner join (
    select dates.grading_model, max(dates.snapshot_date) as snapshot_date
    from {{ ref('int_model_snapshot_dates') }} as dates
    inner join {{ ref('stg_grading_models') }} as models
        on dates.grading_model = models.grading_model
    group by dates.grading_model
) as latest
    on history.grading_model = latest.grading_model
    and history.snapshot_date = latest.snapshot_date
