with raw as (
    select * from {{ landing_relation('interactions', [
        'interaction_id', 'customer_id', 'occurred_at', 'kind']) }}
),

typed as (
    select
        {{ clean_text('interaction_id') }} as interaction_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ try_timestamp('occurred_at') }} as occurred_at,
        lower({{ clean_text('kind') }}) as kind,
        {{ clean_text('occurred_at') }} is not null and {{ try_timestamp('occurred_at') }} is null
            as bad_occurred_at,
        concat_ws('|', interaction_id, customer_id, occurred_at, kind) as raw_record
    from raw
),

checked as (
    select
        typed.*,
        case
            when typed.customer_id is null then 'missing customer_id'
            when typed.bad_occurred_at then 'unparseable occurred_at'
            when typed.occurred_at is null then 'missing occurred_at'
            when cast(typed.occurred_at as date) > {{ run_today() }}
                then 'occurred_at in the future'
            when typed.kind is null then 'missing kind'
            when customers.customer_id is null then 'unknown customer_id'
        end as problem
    from typed
    left join {{ ref('stg_customers') }} as customers
        on typed.customer_id = customers.customer_id
        and customers.quarantine_reason is null
),

ranked as (
    {{ keep_first_usable('checked', 'interaction_id') }}
)

select
    interaction_id,
    customer_id,
    occurred_at,
    cast(occurred_at as date) as interaction_date,
    kind,
    raw_record,
    {{ quarantine_reason('interaction_id') }} as quarantine_reason
from ranked
