with raw as (
    select * from {{ landing_relation('payments', [
        'payment_id', 'customer_id', 'purchase_id', 'due_date', 'paid_at', 'amount']) }}
),

typed as (
    select
        {{ clean_text('payment_id') }} as payment_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('purchase_id') }} as purchase_id,
        {{ parse_date('due_date') }} as due_date,
        {{ parse_date('paid_at') }} as paid_date,
        {{ try_number('amount') }} as amount,
        {{ clean_text('due_date') }} is not null and {{ parse_date('due_date') }} is null
            as bad_due_date,
        {{ clean_text('paid_at') }} is not null and {{ parse_date('paid_at') }} is null
            as bad_paid_at,
        {{ clean_text('amount') }} is not null and {{ try_number('amount') }} is null as bad_amount,
        concat_ws('|', payment_id, customer_id, purchase_id, due_date, paid_at, amount)
            as raw_record
    from raw
),

checked as (
    select
        typed.*,
        case
            when typed.customer_id is null then 'missing customer_id'
            when typed.bad_due_date then 'unparseable due_date'
            when typed.due_date is null then 'missing due_date'
            when typed.bad_paid_at then 'unparseable paid_at'
            when typed.paid_date > {{ run_today() }} then 'paid_at in the future'
            when typed.bad_amount then 'non-numeric amount'
            when typed.amount < 0 then 'negative amount'
            when customers.customer_id is null then 'unknown customer_id'
        end as problem
    from typed
    left join {{ ref('stg_customers') }} as customers
        on typed.customer_id = customers.customer_id
        and customers.quarantine_reason is null
),

ranked as (
    {{ keep_first_usable('checked', 'payment_id') }}
)

select
    payment_id,
    customer_id,
    purchase_id,
    due_date,
    paid_date,
    amount,
    raw_record,
    {{ quarantine_reason('payment_id') }} as quarantine_reason
from ranked
