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
        row_number() over (
            partition by {{ clean_text('purchase_id') }}
            order by purchased_at, customer_id, amount, status
        ) as id_occurrence,
        concat_ws('|', purchase_id, customer_id, purchased_at, amount, status) as raw_record
    from raw
)

select
    typed.purchase_id,
    typed.customer_id,
    typed.purchased_at,
    cast(typed.purchased_at as date) as purchase_date,
    typed.amount,
    typed.status,
    typed.raw_record,
    case
        when typed.purchase_id is null then 'missing purchase_id'
        when typed.customer_id is null then 'missing customer_id'
        when typed.id_occurrence > 1 then 'duplicate purchase_id'
        when typed.bad_purchased_at then 'unparseable purchased_at'
        when typed.purchased_at is null then 'missing purchased_at'
        when cast(typed.purchased_at as date) > {{ run_today() }} then 'purchased_at in the future'
        when typed.bad_amount then 'non-numeric amount'
        when typed.amount is null then 'missing amount'
        when typed.amount < 0 then 'negative amount'
        when typed.status is null or typed.status not in ('completed', 'refunded', 'cancelled')
            then 'unknown status (expected completed, refunded or cancelled)'
        when customers.customer_id is null then 'unknown customer_id'
    end as quarantine_reason
from typed
left join {{ ref('stg_customers') }} as customers
    on typed.customer_id = customers.customer_id
    and customers.quarantine_reason is null
