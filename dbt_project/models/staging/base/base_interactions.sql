{{
    config(
        materialized='incremental',
        incremental_strategy='restage_ids',
        on_schema_change='append_new_columns',
        unique_key='interaction_id',
        post_hook="{{ drop_rows_of_replaced_files('interactions') }}",
    )
}}
{#- Interactions typed once per landing file; see base_purchases and macros/landing_increment.sql. -#}
{%- set changes = landing_changes('interactions') %}
with raw as (
    select * from {{ landing_increment(changes, [
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
        concat_ws('|', interaction_id, customer_id, occurred_at, kind) as raw_record,
        source_file_id
    from raw
),

checked as (
    select
        interaction_id, customer_id, occurred_at, kind, raw_record, source_file_id,
        case
            when customer_id is null then 'missing customer_id'
            when bad_occurred_at then 'unparseable occurred_at'
            when occurred_at is null then 'missing occurred_at'
            when kind is null then 'missing kind'
        end as problem
    from typed
),

candidates as (
    {{ with_affected_stored_rows(changes, 'checked', 'interaction_id', [
        'interaction_id', 'customer_id', 'occurred_at', 'kind', 'raw_record', 'source_file_id',
        'problem']) }}
),

ranked as (
    {{ keep_first_usable('candidates', 'interaction_id') }}
)

-- staged_at: when the row was (re)written, so int_quarantined_events re-checks only those
select ranked.*, {{ run_started_timestamp() }} as staged_at
from ranked
