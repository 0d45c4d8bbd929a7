{{ config(materialized='view') }}
{#- Interactions typed (base_interactions), with the customer and date checks applied on every read. -#}
with checked as (
    select
        base.interaction_id,
        base.customer_id,
        base.occurred_at,
        base.kind,
        base.raw_record,
        base.source_file_id,
        base.staged_at,
        base.id_occurrence,
        case
            when base.problem is not null then base.problem
            when cast(base.occurred_at as date) > {{ run_today() }}
                then 'occurred_at in the future'
            when customers.customer_id is null then 'unknown customer_id'
        end as problem
    from {{ ref('base_interactions') }} as base
    left join {{ ref('stg_customers') }} as customers
        on base.customer_id = customers.customer_id
        and customers.quarantine_reason is null
)

select
    interaction_id,
    customer_id,
    occurred_at,
    cast(occurred_at as date) as interaction_date,
    kind,
    raw_record,
    source_file_id,
    staged_at,
    {{ quarantine_reason('interaction_id') }} as quarantine_reason
from checked
