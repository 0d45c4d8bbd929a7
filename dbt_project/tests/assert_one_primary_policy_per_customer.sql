{{ config(meta={'dagster': {'asset_key': ['marts', 'customer_policy_history']}}) }}
-- Exactly one policy applies to each graded customer on each snapshot date of the run.
select snapshot_date, customer_id, sum(case when is_primary then 1 else 0 end) as primary_policies
from {{ ref('customer_policy_history') }}
where snapshot_date in (select snapshot_date from {{ ref('int_snapshot_dates') }})
group by snapshot_date, customer_id
having sum(case when is_primary then 1 else 0 end) <> 1
