{{
    config(
        materialized='incremental',
        incremental_strategy='restage_ids',
        on_schema_change='append_new_columns',
        unique_key='payment_id',
        post_hook="{{ drop_rows_of_replaced_files('payments') }}",
    )
}}
{#- Payments typed once per landing file; see base_purchases and macros/landing_increment.sql. -#}
{%- set changes = landing_changes('payments') %}
with raw as (
    select * from {{ landing_increment(changes, [
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
            as raw_record,
        source_file_id
    from raw
),

checked as (
    select
        payment_id, customer_id, purchase_id, due_date, paid_date, amount, raw_record,
        source_file_id,
        case
            when customer_id is null then 'missing customer_id'
            when bad_due_date then 'unparseable due_date'
            when due_date is null then 'missing due_date'
            when bad_paid_at then 'unparseable paid_at'
            when bad_amount then 'non-numeric amount'
            when amount < 0 then 'negative amount'
        end as problem
    from typed
),

candidates as (
    {{ with_affected_stored_rows(changes, 'checked', 'payment_id', [
        'payment_id', 'customer_id', 'purchase_id', 'due_date', 'paid_date', 'amount',
        'raw_record', 'source_file_id', 'problem']) }}
),

ranked as (
    {{ keep_first_usable('candidates', 'payment_id') }}
)

-- staged_at: when the row was (re)written, so int_quarantined_events re-checks only those
select ranked.*, {{ run_started_timestamp() }} as staged_at
from ranked
