{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        pre_hook="{{ clear_customers_for_restaging() }}",
    )
}}
{#-
  Customers, typed. Rows that cannot be graded carry a quarantine_reason (see `quarantine`).
  Of several rows with one customer_id the first usable one is kept (usable before unusable,
  then by the other columns' values) and the others are quarantined as duplicates.
  Typed again only when the files, the rating seed, this code or a due partnership_start
  changed (macros/customers_restaging.sql); otherwise the run appends nothing.
-#}
{%- if customers_need_restaging() %}
with raw as (
    select * from {{ landing_relation('customers', [
        'customer_id', 'customer_name', 'region', 'business_line', 'industry', 'owner_id',
        'partnership_start', 'credit_rating']) }}
),

typed as (
    select
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('customer_name') }} as customer_name,
        {{ clean_text('region') }} as region,
        {{ clean_text('business_line') }} as business_line,
        {{ clean_text('industry') }} as industry,
        {{ clean_text('owner_id') }} as owner_id,
        {{ parse_date('partnership_start') }} as partnership_start,
        upper({{ clean_text('credit_rating') }}) as credit_rating,
        {{ clean_text('partnership_start') }} is not null
            and {{ parse_date('partnership_start') }} is null as bad_partnership_start,
        concat_ws('|', customer_id, customer_name, region, business_line, industry, owner_id,
            partnership_start, credit_rating) as raw_record
    from raw
),

checked as (
    select
        typed.*,
        ratings.credit_rating_score,
        case
            when typed.customer_id is null then 'missing customer_id'
            when typed.bad_partnership_start then 'unparseable partnership_start'
            when typed.partnership_start > {{ run_today() }} then 'partnership_start in the future'
            when typed.credit_rating is not null and ratings.credit_rating is null
                then 'unknown credit_rating'
        end as problem
    from typed
    left join {{ ref('credit_rating_scores') }} as ratings
        on typed.credit_rating = ratings.credit_rating
),

ranked as (
    {{ keep_first_usable('checked', 'customer_id') }}
)

select
    customer_id,
    customer_name,
    region,
    business_line,
    industry,
    owner_id,
    partnership_start,
    credit_rating,
    credit_rating_score,
    raw_record,
    {{ quarantine_reason('customer_id') }} as quarantine_reason,
    {{ customers_staging_version() }} as staged_version,
    {{ run_today() }} as checked_on
from ranked
{%- else %}
select * from {{ this }} where 1 = 0
{%- endif %}
