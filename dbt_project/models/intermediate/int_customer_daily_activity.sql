{%- set lookback = env_var('GRADING_AGGREGATE_LOOKBACK_DAYS', '35') | int %}
{{
    config(
        materialized='incremental',
        incremental_strategy='append_query',
        on_schema_change='fail',
        pre_hook="{% if is_incremental() %}delete from {{ this }} where activity_date >= cast('"
            ~ "{{ activity_watermark(this, " ~ lookback ~ ") }}' as date){% endif %}",
    )
}}
{#-
  One row per customer and day with anything that happened: the building block every metric is
  a window over. Incremental: each run first deletes the last GRADING_AGGREGATE_LOOKBACK_DAYS
  days (default 35, long enough for the "more than 30 days late" credit incidents to settle) and
  then aggregates every day after the newest day still stored, so recent corrections are picked
  up (a day whose events all disappeared loses its rows too) and raw history is not re-aggregated
  every day. Should the insert fail after the delete, the next run re-aggregates from the newest
  stored day, so nothing is lost. Nothing dated after the run's "today" is stored; events after a
  snapshot date are excluded by the metric windows, so past dates re-grade exactly.
-#}

{%- set from_date = activity_watermark(this, lookback) %}
{#- constants, not a subquery: they reach the scans of the staged events below the views' joins -#}
{%- set from_day = 'cast(' ~ sql_string(from_date) ~ ' as date)' %}
{%- set from_time = 'cast(' ~ sql_string(from_date) ~ ' as ' ~ dbt.type_timestamp() ~ ')' %}

{#-
  Every event becomes one row of day counters and a single aggregate adds them up per customer
  and day. Aggregating each source first and the union again held four hash tables of tens of
  millions of groups at once: a first load at 1,000,000 customers ran out of memory under the
  3 GB limit in most runs (docs/benchmarks.md).
-#}
{#-
  Only payments with an event day (due, paid, due + 31) from from_date on. A subquery repeated in
  each of the three payment branches rather than a CTE they share: DuckDB may buffer a CTE read
  more than once. With the CTE, the first load at 1,000,000 customers (17 million payments) ran
  out of memory under the 3 GB limit on DuckDB 2.0.1 and only just fitted it on 2.0.0; without
  it, it fits 1.5 GB (docs/benchmarks.md). A daily run pays about 0.1 s for reading the last
  weeks of payments three times.
-#}
{%- set valid_payments -%}
    (
        select customer_id, due_date, paid_date
        from {{ ref('stg_payments') }}
        where quarantine_reason is null
            and (
                due_date >= {{ dbt.dateadd('day', -31, from_day) }}
                or paid_date >= {{ from_day }}
            )
    ) as valid_payments
{%- endset %}

with purchases as (
    select
        customer_id,
        purchase_date as activity_date,
        amount as purchase_value,
        1 as purchase_count,
        0 as payments_due, 0 as payments_due_on_time, 0 as payments_paid,
        0 as days_late_paid, 0 as credit_incidents, 0 as consultations, 0 as interactions
    from {{ ref('stg_purchases') }}
    where quarantine_reason is null
        and status = 'completed'
        -- on the stored timestamp: a filter on the cast date stays above the view's join
        and purchased_at >= {{ from_time }}
        and purchase_date <= {{ run_today() }}
),

payment_events as (
    -- a payment touches up to three days: due, paid, and due + 31 if it went that late unpaid
    select customer_id, due_date as activity_date, 1 as due,
        case when paid_date <= due_date then 1 else 0 end as due_on_time,
        0 as paid, 0 as days_late, 0 as incident
    from {{ valid_payments }}
    union all
    select customer_id, paid_date, 0, 0, 1,
        greatest({{ dbt.datediff('due_date', 'paid_date', 'day') }}, 0), 0
    from {{ valid_payments }}
    where paid_date is not null
    union all
    select customer_id, {{ dbt.dateadd('day', 31, 'due_date') }}, 0, 0, 0, 0, 1
    from {{ valid_payments }}
    where paid_date is null or paid_date > {{ dbt.dateadd('day', 30, 'due_date') }}
),

payments as (
    select
        customer_id,
        cast(activity_date as date) as activity_date,
        cast(0 as decimal(18, 2)) as purchase_value,
        0 as purchase_count,
        due as payments_due,
        due_on_time as payments_due_on_time,
        paid as payments_paid,
        days_late as days_late_paid,
        incident as credit_incidents,
        0 as consultations,
        0 as interactions
    from payment_events
    where activity_date >= {{ from_day }}
        and activity_date <= {{ run_today() }}
),

interactions as (
    select
        customer_id,
        interaction_date as activity_date,
        cast(0 as decimal(18, 2)) as purchase_value,
        0 as purchase_count,
        0 as payments_due, 0 as payments_due_on_time, 0 as payments_paid,
        0 as days_late_paid, 0 as credit_incidents,
        case when kind = 'consultation' then 1 else 0 end as consultations,
        1 as interactions
    from {{ ref('stg_interactions') }}
    where quarantine_reason is null
        and occurred_at >= {{ from_time }}
        and interaction_date <= {{ run_today() }}
),

unioned as (
    select * from purchases
    union all
    select * from payments
    union all
    select * from interactions
),

{#-
  Every counter but days_late_paid is 0 or 1 on an event row, so the day's count is the number of
  its rows where it is not 0: count() keeps a 64-bit total per group where DuckDB's sum() of an
  integer keeps a 128-bit one here, and the aggregate of 3 million customer-days of a daily run
  at 1,000,000 customers took 2.2 s instead of 2.5 to 2.8 s (docs/benchmarks.md).
-#}
days as (
    select
        customer_id,
        activity_date,
        cast(sum(purchase_value) as decimal(18, 2)) as purchase_value,
        cast(count(nullif(purchase_count, 0)) as integer) as purchase_count,
        cast(count(nullif(payments_due, 0)) as integer) as payments_due,
        cast(count(nullif(payments_due_on_time, 0)) as integer) as payments_due_on_time,
        cast(count(nullif(payments_paid, 0)) as integer) as payments_paid,
        cast(sum(days_late_paid) as integer) as days_late_paid,
        cast(count(nullif(credit_incidents, 0)) as integer) as credit_incidents,
        cast(count(nullif(consultations, 0)) as integer) as consultations,
        cast(count(nullif(interactions, 0)) as integer) as interactions
    from unioned
    group by customer_id, activity_date
)
{%- if is_incremental() %},

stored_last_purchase as (
    -- the newest purchase day already stored before the days aggregated now
    select customer_id, max(activity_date) as last_purchase_date
    from {{ this }}
    where purchase_count > 0
    group by customer_id
)
{%- endif %}

select
    days.*,
    -- the customer's previous purchase day before this day (repeat purchases, first purchase of
    -- a month): stored here once, so the metrics need no window over the whole history
    coalesce(
        max(case when days.purchase_count > 0 then days.activity_date end) over (
            partition by days.customer_id order by days.activity_date
            rows between unbounded preceding and 1 preceding
        ),
        {{ 'stored_last_purchase.last_purchase_date' if is_incremental() else 'cast(null as date)' }}
    ) as previous_purchase_date
from days
{%- if is_incremental() %}
left join stored_last_purchase
    on days.customer_id = stored_last_purchase.customer_id
{%- endif %}
