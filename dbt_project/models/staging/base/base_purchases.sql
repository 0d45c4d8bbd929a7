{{
    config(
        materialized='incremental',
        incremental_strategy='restage_ids',
        on_schema_change='append_new_columns',
        unique_key='purchase_id',
        post_hook="{{ drop_rows_of_replaced_files('purchases') }}",
    )
}}
{#-
  Purchases typed once per landing file (macros/landing_increment.sql): each row's own checks
  (`problem`) and the duplicate ranking of its id (`id_occurrence`). stg_purchases adds the
  checks that depend on other data or on the date.
-#}
{%- set changes = landing_changes('purchases') %}
with raw as (
    select * from {{ landing_increment(changes, [
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
        concat_ws('|', purchase_id, customer_id, purchased_at, amount, status) as raw_record,
        source_file_id
    from raw
),

checked as (
    select
        purchase_id, customer_id, purchased_at, amount, status, raw_record, source_file_id,
        case
            when customer_id is null then 'missing customer_id'
            when bad_purchased_at then 'unparseable purchased_at'
            when purchased_at is null then 'missing purchased_at'
            when bad_amount then 'non-numeric amount'
            when amount is null then 'missing amount'
            when amount < 0 then 'negative amount'
            when status is null or status not in ('completed', 'refunded', 'cancelled')
                then 'unknown status (expected completed, refunded or cancelled)'
        end as problem
    from typed
),

candidates as (
    {{ with_affected_stored_rows(changes, 'checked', 'purchase_id', [
        'purchase_id', 'customer_id', 'purchased_at', 'amount', 'status', 'raw_record',
        'source_file_id', 'problem']) }}
),

ranked as (
    {{ keep_first_usable('candidates', 'purchase_id') }}
)

-- staged_at: when the row was (re)written, so int_quarantined_events re-checks only those
select ranked.*, {{ run_started_timestamp() }} as staged_at
from ranked
