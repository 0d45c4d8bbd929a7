{#-
  Purchases, typed. Amounts are decimals so cumulative sums compare exactly against band bounds.
  Only rows with a NULL quarantine_reason feed the metrics; the rest land in `quarantine`.
-#}
with raw as (
    select * from {{ landing_relation('purchases', [
        'purchase_id', 'customer_id', 'purchased_at', 'amount', 'status']) }}
),

typed as (
    select
        {{ clean_text('purchase_id') }} as purchase_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ try_timestamp('purchased_at') }} as purchased_at,
        try_cast({{ clean_text('amount') }} as decimal(18, 2)) as amount,
        lower({{ clean_text('status') }}) as status,
        {{ clean_text('purchased_at') }} is not null and {{ try_timestamp('purchased_at') }} is null
            as bad_purchased_at,
        {{ clean_text('amount') }} is not null
            and try_cast({{ clean_text('amount') }} as decimal(18, 2)) is null as bad_amount,
        concat_ws('|', purchase_id, customer_id, purchased_at, amount, status) as raw_record
    from raw
),

checked as (
    select
        typed.*,
        case
            when typed.customer_id is null then 'missing customer_id'
            when typed.bad_purchased_at then 'unparseable purchased_at'
            when typed.purchased_at is null then 'missing purchased_at'
            when cast(typed.purchased_at as date) > {{ run_today() }}
                then 'purchased_at in the future'
            when typed.bad_amount then 'non-numeric amount'
            when typed.amount is null then 'missing amount'
            when typed.amount < 0 then 'negative amount'
            when typed.status is null or typed.status not in ('completed', 'refunded', 'cancelled')
                then 'unknown status (expected completed, refunded or cancelled)'
            when customers.customer_id is null then 'unknown customer_id'
        end as problem
    from typed
    left join {{ ref('stg_customers') }} as customers
        on typed.customer_id = customers.customer_id
        and customers.quarantine_reason is null
),

ranked as (
    {{ keep_first_usable('checked', 'purchase_id') }}
)

select
    purchase_id,
    customer_id,
    purchased_at,
    cast(purchased_at as date) as purchase_date,
    amount,
    status,
    raw_record,
    {{ quarantine_reason('purchase_id') }} as quarantine_reason
from ranked
