{{ config(materialized='view') }}
{#-
  Purchases typed (stored once per landing file in base_purchases), with the checks that depend
  on the customers and on the run's date applied on every read, so a purchase of a customer who
  arrives later, or one dated "tomorrow" yesterday, becomes usable by itself. Only rows with a
  NULL quarantine_reason feed the metrics; the rest land in `quarantine`.
-#}
with checked as (
    select
        base.purchase_id,
        base.customer_id,
        base.purchased_at,
        base.amount,
        base.status,
        base.raw_record,
        base.source_file_id,
        base.staged_at,
        base.id_occurrence,
        case
            when base.problem is not null then base.problem
            when cast(base.purchased_at as date) > {{ run_today() }}
                then 'purchased_at in the future'
            when customers.customer_id is null then 'unknown customer_id'
        end as problem
    from {{ ref('base_purchases') }} as base
    left join {{ ref('stg_customers') }} as customers
        on base.customer_id = customers.customer_id
        and customers.quarantine_reason is null
)

select
    purchase_id,
    customer_id,
    purchased_at,
    cast(purchased_at as date) as purchase_date,
    amount,
    status,
    raw_record,
    source_file_id,
    staged_at,
    {{ quarantine_reason('purchase_id') }} as quarantine_reason
from checked
