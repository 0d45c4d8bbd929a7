{{ config(materialized='view') }}
{#- Payments typed (base_payments), with the customer and date checks applied on every read. -#}
with checked as (
    select
        base.payment_id,
        base.customer_id,
        base.purchase_id,
        base.due_date,
        base.paid_date,
        base.amount,
        base.raw_record,
        base.source_file_id,
        base.staged_at,
        base.id_occurrence,
        case
            when base.problem is not null then base.problem
            when base.paid_date > {{ run_today() }} then 'paid_at in the future'
            when customers.customer_id is null then 'unknown customer_id'
        end as problem
    from {{ ref('base_payments') }} as base
    left join {{ ref('stg_customers') }} as customers
        on base.customer_id = customers.customer_id
        and customers.quarantine_reason is null
)

select
    payment_id,
    customer_id,
    purchase_id,
    due_date,
    paid_date,
    amount,
    raw_record,
    source_file_id,
    staged_at,
    {{ quarantine_reason('payment_id') }} as quarantine_reason
from checked
